/** `cachebench mix --repo PATH|GIT-URL …`: the repository's own commit mix from its history (src/mix). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { simpleGit } from 'simple-git';
import { UsageError } from '../../src/errors.ts';
import { computeMix } from '../../src/mix/index.ts';
import { assertGitRepo } from '../../src/mix/history.ts';
import { mixFlag, mixSummary, renderMixCsv } from '../../src/mix/result.ts';
import { isGitUrl } from '../../src/target/index.ts';
import { projectRoot } from '../../src/paths.ts';
import { logErr, out } from './io.ts';

const USAGE = `Usage: cachebench mix --repo PATH|GIT-URL [options]

Classifies every commit of the first-parent history by the first step of the Dockerfile it
would invalidate: no-change, code-change, dependency-change, dockerfile-change or
base-image-change, and writes mix.json (for run --mix-from) and mix.csv.

  --repo PATH|GIT-URL    the repository (a clone, a bare repository, or a URL to clone)
  --branch REF           branch, tag or commit to walk back from (default: HEAD)
  --since DATE           only commits after DATE (git's --since: 2025-01-01, "6 months ago")
  --max-commits N        at most N commits, newest first (default: 1000)
  --context DIR          build context, relative to the repository (default: .)
  --dockerfile FILE      Dockerfile, relative to --context (default: Dockerfile)
  --target STAGE         build target (default: the last stage)
  --build-arg K=V        build argument (repeatable)
  --dependency-step TEXT the step that installs dependencies, by part of its text (default:
                         detected: dotnet restore, npm ci, pip install, go mod download, …)
  --out DIR              where mix.json and mix.csv go (default: reports/mix)`;

function options(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        repo: { type: 'string' },
        branch: { type: 'string', default: 'HEAD' },
        since: { type: 'string' },
        'max-commits': { type: 'string', default: '1000' },
        context: { type: 'string', default: '.' },
        dockerfile: { type: 'string', default: 'Dockerfile' },
        target: { type: 'string' },
        'build-arg': { type: 'string', multiple: true, default: [] },
        'dependency-step': { type: 'string' },
        out: { type: 'string' },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message, USAGE.split('\n')[0]);
  }
}

function buildArgs(list: string[]): Record<string, string> {
  const outArgs: Record<string, string> = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--build-arg ${kv}: expected KEY=VALUE`, 'e.g. --build-arg SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0');
    outArgs[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return outArgs;
}

/** A local repository as it is, or a URL cloned (bare) into a temp folder removed afterwards. */
async function openRepo(repo: string): Promise<{ dir: string; dispose: () => void }> {
  if (!isGitUrl(repo)) {
    await assertGitRepo(repo);
    return { dir: repo, dispose: () => undefined };
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cachebench-mix-'));
  const dispose = () => rmSync(tmp, { recursive: true, force: true });
  try {
    await simpleGit().clone(repo, tmp, ['--bare', '--quiet']);
  } catch (err) {
    dispose();
    throw new UsageError(`--repo ${repo}: git clone failed: ${(err as Error).message.split('\n')[0] ?? ''}`, 'check the URL and your access to it');
  }
  return { dir: tmp, dispose };
}

export async function cmdMix(argv: string[]): Promise<number> {
  const v = options(argv);
  if (v.help) return out(USAGE), 0;
  if (!v.repo) throw new UsageError('cachebench mix needs --repo PATH|GIT-URL', USAGE.split('\n')[0]);
  const maxCommits = Number(v['max-commits']);
  if (!Number.isInteger(maxCommits) || maxCommits < 1) throw new UsageError(`--max-commits ${v['max-commits']}: expected a whole number ≥ 1`);
  const repo = await openRepo(v.repo);
  try {
    const started = performance.now();
    const mix = await computeMix({
      repo: repo.dir,
      repository: v.repo,
      branch: v.branch,
      ...(v.since ? { since: v.since } : {}),
      maxCommits,
      context: v.context,
      dockerfile: v.dockerfile,
      ...(v.target ? { target: v.target } : {}),
      buildArgs: buildArgs(v['build-arg']),
      ...(v['dependency-step'] ? { dependencyStep: v['dependency-step'] } : {}),
      log: logErr,
    });
    const dir = path.resolve(v.out ?? path.join(projectRoot, 'reports', 'mix'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'mix.json'), JSON.stringify(mix, null, 2) + '\n');
    writeFileSync(path.join(dir, 'mix.csv'), renderMixCsv(mix));
    out(mixSummary(mix));
    out(`classified in ${((performance.now() - started) / 1000).toFixed(1)} s; wrote ${path.join(dir, 'mix.json')} and mix.csv`);
    out(`use it: npm run bench -- --mix-from ${path.join(dir, 'mix.json')}   (or --mix ${mixFlag(mix)})`);
    return 0;
  } finally {
    repo.dispose();
  }
}
