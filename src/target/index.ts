/**
 * What to benchmark: a built-in fixture, a fixture folder, or a user's repository
 * (`--repo PATH|GIT-URL`) with its own config, or, for a .NET repository without one,
 * scenarios detected from its Dockerfile and project files. Command-line overrides
 * (--dockerfile, --context, --target, --build-arg, --platform, --base-image) apply last.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { loadFixture, parseFixtureConfig, type FixtureConfig } from './fixture.ts';
import { UsageError } from '../errors.ts';
import { defaultMix, type RunOptions } from '../options.ts';

export interface Target {
  fixture: FixtureConfig;
  /** Removes anything loading the target created (a clone of a remote repository). */
  cleanup(): void;
}

export const isGitUrl = (s: string) => /^(https?|ssh|git|file):\/\//.test(s) || /^[\w.-]+@[\w.-]+:/.test(s);

function applyOverrides(f: FixtureConfig, o: RunOptions): FixtureConfig {
  const out: FixtureConfig = {
    ...f,
    ...(o.dockerfile ? { dockerfile: o.dockerfile } : {}),
    ...(o.context ? { context: o.context } : {}),
    ...(o.target ? { target: o.target } : {}),
    ...(o.platform ? { platform: o.platform } : {}),
    buildArgs: { ...f.buildArgs, ...o.buildArgs },
    imageMap: { ...f.imageMap, ...o.baseImageMap },
  };
  if (!existsSync(path.join(out.dir, out.context, out.dockerfile))) {
    throw new UsageError(`no Dockerfile at ${path.join(out.context, out.dockerfile)} in ${out.dir}`, 'pass --dockerfile (relative to --context) and --context (relative to the repository)');
  }
  return out;
}

export async function loadTarget(o: RunOptions, log: (s: string) => void = () => {}): Promise<Target> {
  if (!o.repo) return { fixture: applyOverrides(loadFixture(o.fixture), o), cleanup: () => {} };
  let dir = path.resolve(o.repo);
  let cleanup = () => {};
  if (isGitUrl(o.repo)) {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'cachebench-repo-'));
    cleanup = () => rmSync(tmp, { recursive: true, force: true });
    try {
      await simpleGit().clone(o.repo, tmp, ['--quiet']);
    } catch (err) {
      cleanup();
      throw new UsageError(`--repo ${o.repo}: git clone failed: ${(err as Error).message.split('\n')[0]}`, 'check the URL and your access to it');
    }
    dir = tmp;
  } else if (!existsSync(dir)) {
    throw new UsageError(`--repo ${o.repo}: no such folder`);
  } else if (!existsSync(path.join(dir, '.git'))) {
    throw new UsageError(`--repo ${o.repo} is not a git repository`, 'give the root of a git clone (its scenario commits are made in a throwaway clone of it)');
  }
  try {
    const configFile = o.config ? path.resolve(o.config) : ['cachebench.json', 'fixture.json'].map((f) => path.join(dir, f)).find((f) => existsSync(f));
    if (o.config && !existsSync(configFile as string)) throw new UsageError(`--config ${o.config}: no such file`);
    let fixture: FixtureConfig;
    if (configFile) {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(configFile, 'utf8'));
      } catch (err) {
        throw new UsageError(`${configFile} is not valid JSON: ${(err as Error).message}`);
      }
      const withOverrides = { ...(json as object), ...(o.dockerfile ? { dockerfile: o.dockerfile } : {}), ...(o.context ? { context: o.context } : {}) };
      fixture = parseFixtureConfig(withOverrides, dir, configFile);
    } else {
      fixture = await detect(dir, o, log);
    }
    if (isGitUrl(o.repo)) fixture = { ...fixture, name: path.basename(o.repo).replace(/\.git$/, '') || fixture.name };
    else if (!configFile || fixture.name === path.basename(dir)) fixture = { ...fixture, name: path.basename(dir) };
    return { fixture: applyOverrides(fixture, o), cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}

async function detect(dir: string, o: RunOptions, log: (s: string) => void): Promise<FixtureConfig> {
  const dockerfile = o.dockerfile ?? 'Dockerfile';
  const context = o.context ?? '.';
  const dfPath = path.join(dir, context, dockerfile);
  if (!existsSync(dfPath)) throw new UsageError(`no Dockerfile at ${path.join(context, dockerfile)} in ${dir}`, 'pass --dockerfile and --context');
  const text = readFileSync(dfPath, 'utf8');
  if (!/dotnet\s+(publish|build|restore)/.test(text)) {
    throw new UsageError(
      `${dir} has no cachebench.json, and its Dockerfile is not a .NET build that cachebench can read scenarios from`,
      'add cachebench.json declaring what a code change and a dependency change edit: {"scenarios": {"code-change": {"edits": [{"file": "src/app.ts", "append": "// change"}]}, "dependency-change": {"edits": [{"file": "package.json", "replace": "\\"1.2.3\\"", "with": "\\"1.2.4\\""}]}}}',
    );
  }
  log('no cachebench.json: detecting .NET scenarios (a code file to change, a served package version to bump, checked with a restore on the host)');
  const { detectDotnetScenarios } = await import('./dotnet/detect.ts');
  const found = await detectDotnetScenarios(dir, { dockerfile: path.join(context, dockerfile), context, verifyRestore: true, log });
  const nugetConfig = path.join(dir, context, 'nuget.config');
  const hasSource = existsSync(nugetConfig) && /<add\s[^>]*value=/.test(readFileSync(nugetConfig, 'utf8'));
  // The image build restores from the same source as the host check unless the repository names its own.
  if (found.unrestorable && !hasSource) {
    throw new UsageError(
      `${dir} cannot be built on this machine: ${found.unrestorable}. The image build restores from the same source and would fail the same way, in every seed`,
      'change the reference the error names to a package version the source serves, or run where the NuGet source (`dotnet nuget list source`) has it',
    );
  }
  if (found.unrestorable) log(`warning: ${found.unrestorable} (the repository's own nuget.config names its sources: the image build may still restore)`);
  if (!found.ok) {
    throw new UsageError(`could not detect scenarios for ${dir}: ${found.problems.join('; ')}`, `add cachebench.json, e.g. ${found.suggestion}`);
  }
  for (const n of found.notes) log(`detected: ${n}`);
  return {
    name: path.basename(dir),
    description: `${path.basename(dir)} (scenarios detected from its .NET projects)`,
    dir,
    dockerfile,
    context,
    buildArgs: {},
    baseImages: {},
    // Official .NET images are mapped to local recipes by the runner when the engine cannot pull them.
    imageMap: {},
    scenarios: { ...found.scenarios },
    ...(found.skipped.length ? { skippedScenarios: found.skipped } : {}),
    prepare: hasSource ? [] : ['nuget-sources'],
    expect: {},
  };
}

/**
 * The run's scenarios without those the target could not provide (detection found no
 * edit for them): the skipped ones with their reasons, and the commit mix renormalised
 * over what remains. Nothing left to measure is a usage error naming the reasons.
 */
export function withoutSkippedScenarios(o: RunOptions, fixture: FixtureConfig): { opts: RunOptions; skipped: Array<{ scenario: string; reason: string }> } {
  const skipped = (fixture.skippedScenarios ?? []).filter((s) => o.scenarios.includes(s.scenario));
  if (skipped.length === 0) return { opts: o, skipped };
  const names = new Set(skipped.map((s) => s.scenario));
  const scenarios = o.scenarios.filter((s) => !names.has(s));
  if (scenarios.length === 0) {
    throw new UsageError(
      `nothing to measure for ${fixture.name}: ${skipped.map((s) => `${s.scenario}: ${s.reason}`).join('; ')}`,
      'add cachebench.json declaring what a code change and a dependency change edit (see README, "Benchmark your own repository"), or run other --scenarios',
    );
  }
  const kept = Object.entries(o.mix).filter(([s]) => !names.has(s));
  const total = kept.reduce((a, [, w]) => a + w, 0);
  const mix = total > 0 ? Object.fromEntries(kept.map(([s, w]) => [s, w / total])) : defaultMix(scenarios);
  return { opts: { ...o, scenarios, mix }, skipped };
}
