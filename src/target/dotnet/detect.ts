/**
 * Built-in scenarios for a .NET repository that brings no cachebench config: finds the
 * project the Dockerfile publishes, a code change that changes its assembly, and a
 * package version bump that the machine's NuGet source serves (and, by default, that
 * restores on the host). Same repository in, same scenarios out.
 *
 * Detection is per scenario: what was found is returned with, for each scenario not
 * found, the reason (a published project without package references has no dependency
 * change to make). Only when neither edit scenario is found is it a failure.
 *
 * Only this file reads the network (the NuGet source) and spawns `dotnet` (through
 * RestoreSandbox); the readers it calls are pure or read files only.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDockerignore, type ContextFilter } from '../../dockerfile/ignore.ts';
import type { Edit, ScenarioSpec } from '../fixture.ts';
import { discoverNugetSources } from '../nuget-sources.ts';
import { codeChange } from './code-change.ts';
import { parseDockerfile } from './dockerfile.ts';
import { findUp, isDir, rel } from './files.ts';
import { collectPackageItems, parsePackageItems, projectClosure, versionEdit, type FoundItem } from './msbuild.ts';
import { chooseVersionBump, isFrameworkPackage, isToolingPackage, rankCandidates, servedVersions, type PackageCandidate } from './nuget.ts';
import { findPublishedProject } from './published.ts';
import { RestoreSandbox } from './restore.ts';

export type DetectedScenario = 'code-change' | 'dependency-change';

/** A scenario detection did not find, and why (e.g. "not applicable — … has no package references"). */
export interface SkippedScenario {
  scenario: string;
  reason: string;
}

/**
 * Set when the unmodified project does not restore from this machine's NuGet source for
 * want of a package or version (NU1101–NU1103): what failed, for the user.
 */
interface Unrestorable {
  unrestorable?: string;
}

export type DetectionResult = Unrestorable &
  (
  | {
      ok: true;
      /** The scenarios found: at least one of the two. */
      scenarios: Partial<Record<DetectedScenario, ScenarioSpec>>;
      /** The scenarios not found, with the reason; empty when both were found. */
      skipped: SkippedScenario[];
      notes: string[];
    }
  | {
      ok: false;
      problems: string[];
      /** A cachebench.json the user can start from (JSON text), filled in as far as detection got. */
      suggestion: string;
    }
  );

export interface DetectOptions {
  /** Path of the Dockerfile, relative to the repository (or to the context), or absolute. */
  dockerfile: string;
  /** Build context relative to the repository. @default '.' */
  context?: string;
  /** Restore a copy of the repository with the dependency edit applied before choosing it. @default true */
  verifyRestore?: boolean;
  log?: (s: string) => void;
}

/** How many package bumps are tried with a real restore before giving up. */
export const MAX_RESTORE_CANDIDATES = 5;

/** A cachebench.json to start from, with what detection found and placeholders for the rest. */
export function buildSuggestion(s: { dockerfile: string; context: string; codeChange?: Edit; dependencyChange?: Edit; project?: string }): string {
  const projectDir = s.project ? path.posix.dirname(s.project) : '<ProjectDir>';
  const csproj = s.project ?? '<ProjectDir>/<Project>.csproj';
  const config = {
    dockerfile: s.dockerfile,
    context: s.context,
    prepare: ['nuget-sources'],
    scenarios: {
      'code-change': {
        description: 'A source change that changes the compiled output (not the dependencies).',
        edits: [s.codeChange ?? { file: `${projectDir}/<SomeFile>.cs`, replace: '<text in the file>', with: '<changed text of another length>' }],
      },
      'dependency-change': {
        description: 'A NuGet package version bump, to a version the NuGet source serves.',
        edits: [s.dependencyChange ?? { file: csproj, replace: 'Include="<Package.Id>" Version="<current>"', with: 'Include="<Package.Id>" Version="<next>"' }],
      },
    },
  };
  return JSON.stringify(config, null, 2);
}

/** What the scenario detectors share: the repository, its build context and the published project. */
interface Subject {
  repo: string;
  contextDir: string;
  /** Absolute path of the published .csproj. */
  project: string;
  /** Repository-relative path of the published project. */
  projectRel: string;
  restoreTarget?: string;
  filter: ContextFilter;
  verify: boolean;
  notes: string[];
  log: (s: string) => void;
}

type Found<T> = { found: T } | { reason: string; unrestorable?: string };

/** The Dockerfile and the project it publishes, or the problems that stop any detection. */
function findSubject(repo: string, opts: DetectOptions, notes: string[]): Subject | { problems: string[]; project?: string } {
  const contextDir = path.resolve(repo, opts.context ?? '.');
  const dockerfilePath = path.isAbsolute(opts.dockerfile)
    ? opts.dockerfile
    : [path.join(repo, opts.dockerfile), path.join(contextDir, opts.dockerfile)].find((f) => existsSync(f));
  if (!dockerfilePath || !existsSync(dockerfilePath)) return { problems: [`no Dockerfile at ${path.join(repo, opts.dockerfile)}`] };
  if (!isDir(contextDir)) return { problems: [`the build context ${contextDir} is not a folder`] };
  const published = findPublishedProject(parseDockerfile(readFileSync(dockerfilePath, 'utf8')), contextDir);
  if ('problems' in published) return { problems: published.problems };
  const projectRel = rel(repo, published.project);
  notes.push(...published.notes);
  (opts.log ?? (() => {}))(`detect: project ${projectRel}`);
  if (projectRel.startsWith('..')) return { problems: [`${projectRel} is outside the repository`], project: projectRel };
  return {
    repo,
    contextDir,
    project: published.project,
    projectRel,
    ...(published.restoreTarget ? { restoreTarget: published.restoreTarget } : {}),
    filter: readDockerignore(dockerfilePath, contextDir),
    verify: opts.verifyRestore ?? true,
    notes,
    log: opts.log ?? (() => {}),
  };
}

function inContext(s: Subject, repoRel: string): boolean {
  const c = rel(s.contextDir, path.join(s.repo, repoRel));
  return !c.startsWith('..') && !s.filter.excludes(c);
}

function detectCodeChange(s: Subject): Found<Edit> {
  const code = codeChange(s.project, s.repo, s.notes);
  if ('problem' in code) return { reason: code.problem };
  if (!inContext(s, code.edit.file)) return { reason: `${code.edit.file} is not in the build context (outside it, or left out by .dockerignore)` };
  return { found: code.edit };
}

/** Whether any project of the closure (or the Directory.* files around it) references a package at all. */
function referencesPackages(closure: readonly string[], repo: string): boolean {
  const hasItems = (file: string | undefined, elements: Parameters<typeof parsePackageItems>[1]) => {
    if (!file) return false;
    const r = parsePackageItems(readFileSync(file, 'utf8'), elements);
    return r.items.length + r.unversioned.length + r.skipped.length > 0;
  };
  return closure.some((p) => {
    const dir = path.dirname(p);
    return (
      hasItems(p, ['PackageReference']) ||
      hasItems(findUp(dir, 'Directory.Build.props', repo), ['PackageReference']) ||
      hasItems(findUp(dir, 'Directory.Build.targets', repo), ['PackageReference']) ||
      hasItems(findUp(dir, 'Directory.Packages.props', repo), ['GlobalPackageReference'])
    );
  });
}

/** The versioned package items that reach the published project, or why there is no dependency change to make. */
function packageItems(s: Subject): Found<FoundItem[]> {
  const closure = projectClosure(s.project, s.notes);
  const refs = closure.slice(1).map((p) => rel(s.repo, p));
  if (refs.length > 0) s.notes.push(`referenced projects: ${refs.join(', ')}`);
  const items = collectPackageItems(closure, s.repo, s.notes).filter((f) => inContext(s, rel(s.repo, f.file)));
  if (items.length > 0) return { found: items };
  if (!referencesPackages(closure, s.repo)) {
    const only = refs.length > 0 ? `only project references: ${refs.map((r) => path.posix.basename(r)).join(', ')}` : 'and no project references';
    return { reason: `not applicable — the published project ${path.posix.basename(s.projectRel)} has no package references (${only})` };
  }
  return { reason: `no PackageReference (or central PackageVersion) with a plain Version in ${s.projectRel} or the projects it references` };
}

/** Bumpable packages, best first, with the NuGet sources asked. */
async function rankedCandidates(s: Subject, items: FoundItem[]): Promise<Found<{ ranked: PackageCandidate[]; sources: string[] }>> {
  let sources: string[];
  try {
    // The machine's sources, not the repository's: ask from the home folder.
    sources = await discoverNugetSources(os.homedir());
  } catch (err) {
    return { reason: (err as Error).message };
  }
  if (sources.length === 0) return { reason: 'no enabled http(s) NuGet source on this machine (`dotnet nuget list source`)' };
  const t0 = performance.now();
  const served = await servedVersions(sources, items.map((f) => f.item.id), s.notes);
  s.log(`detect: looked up ${served.size} packages on ${sources.join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const candidates: PackageCandidate[] = [];
  for (const f of items) {
    const versions = served.get(f.item.id.toLowerCase());
    const bump = versions === undefined ? undefined : chooseVersionBump(f.item.version, versions);
    if (!bump) continue;
    const secondary = isFrameworkPackage(f.item.id) || isToolingPackage(f.item.id) || f.item.privateAssets;
    candidates.push({ id: f.item.id, file: rel(s.repo, f.file), item: f.item, bump, secondary, order: f.order });
  }
  const ranked = rankCandidates(candidates);
  if (ranked.length === 0) return { reason: `none of the ${items.length} versioned packages has another stable version on the NuGet source (${sources.join(', ')})` };
  return { found: { ranked, sources } };
}

const editFor = (c: PackageCandidate): Edit => ({ file: c.file, ...versionEdit(c.item, c.bump.to) });
const describe = (c: PackageCandidate) => `${c.id} ${c.bump.from} -> ${c.bump.to} in ${c.file}`;

/** The first candidate whose bump restores in a throwaway copy of the repository. */
async function firstThatRestores(s: Subject, ranked: PackageCandidate[], sources: string[]): Promise<Found<PackageCandidate>> {
  const target = s.restoreTarget ?? s.project;
  s.notes.push(`restore check: \`dotnet restore ${rel(s.repo, target)}\` on the host (${s.restoreTarget ? 'what the Dockerfile restores' : 'the published project'})`);
  const rejected: string[] = [];
  const sandbox = new RestoreSandbox(s.repo, sources, rel(s.repo, path.dirname(s.project)));
  try {
    for (const c of ranked.slice(0, MAX_RESTORE_CANDIDATES)) {
      s.log(`detect: restoring with ${describe(c)}`);
      const r = await sandbox.tryEdit(editFor(c), rel(s.repo, target), s.projectRel, c.id, c.bump.to);
      s.log(`detect: ${r.ok ? 'ok' : 'rejected'}: ${r.detail}`);
      if (r.ok) {
        s.notes.push(`restore check: ${describe(c)} ${r.detail}`);
        return { found: c };
      }
      s.notes.push(`restore check: ${describe(c)} rejected (${r.detail})`);
      rejected.push(`${describe(c)}: ${r.detail}`);
    }
  } finally {
    sandbox.dispose();
  }
  return { reason: [`no package bump of the first ${Math.min(ranked.length, MAX_RESTORE_CANDIDATES)} candidates restores on this machine`, ...rejected].join('; ') };
}

/** NuGet's "package not found" errors: the source lacks a package or a version the project asks for. */
const PACKAGE_NOT_ON_SOURCE = new Set(['NU1101', 'NU1102', 'NU1103']);

/**
 * Does the project restore as it is (what every seed builds), from this machine's sources?
 * If not, for want of a package or version on the source (NU1101–NU1103: a package, an SDK
 * targeting pack), the image build (which restores from the same source) cannot succeed
 * either. Any other failure is only noted.
 */
async function checkUnmodified(s: Subject): Promise<{ unrestorable?: string }> {
  let sources: string[];
  try {
    sources = await discoverNugetSources(os.homedir());
  } catch {
    return {};
  }
  if (sources.length === 0) return {};
  const target = s.restoreTarget ?? s.project;
  s.log(`detect: restoring the unmodified project (\`dotnet restore ${rel(s.repo, target)}\`)`);
  const sandbox = new RestoreSandbox(s.repo, sources, rel(s.repo, path.dirname(s.project)));
  try {
    const r = await sandbox.restore(rel(s.repo, target));
    s.notes.push(`restore check: the unmodified project ${r.ok ? r.detail : `does not restore (${r.detail})`}`);
    if (r.ok || !r.codes.some((c) => PACKAGE_NOT_ON_SOURCE.has(c))) return {};
    return { unrestorable: `\`dotnet restore ${rel(s.repo, target)}\` of the unmodified repository fails on this machine's NuGet source (${sources.join(', ')}): ${r.detail}` };
  } finally {
    sandbox.dispose();
  }
}

async function detectDependencyChange(s: Subject): Promise<Found<{ edit: Edit; description: string }>> {
  const items = packageItems(s);
  if ('reason' in items) return items;
  const candidates = await rankedCandidates(s, items.found);
  if ('reason' in candidates) return candidates;
  const { ranked, sources } = candidates.found;
  let chosen: Found<PackageCandidate>;
  if (s.verify) {
    chosen = await firstThatRestores(s, ranked, sources);
  } else {
    chosen = { found: ranked[0] as PackageCandidate };
    s.notes.push('dependency-change: not checked with a restore (verifyRestore: false)');
  }
  if ('reason' in chosen) return chosen;
  const c = chosen.found;
  s.notes.push(
    `dependency-change: ${describe(c)} (${c.bump.kind} ${c.bump.direction === 'up' ? 'upgrade' : 'downgrade'}; ` +
      `${c.item.form === 'attribute' ? 'Version attribute' : '<Version> element'} of its ${c.item.element}; ${ranked.length} candidates)`,
  );
  const description = `Bump ${c.id} ${c.bump.from} -> ${c.bump.to} in ${c.file}: a file read by restore changes, so restore and everything after it re-run.`;
  return { found: { edit: editFor(c), description } };
}

/** "not applicable — …" reasons stand as they are; anything else was looked for and not found. */
const skippedReason = (reason: string) => (reason.startsWith('not applicable') ? reason : `not detected — ${reason}`);

/** Scenarios for a .NET repository without a cachebench config: what was found, and why the rest was not. */
export async function detectDotnetScenarios(repoDir: string, opts: DetectOptions): Promise<DetectionResult> {
  const repo = path.resolve(repoDir);
  const context = opts.context ?? '.';
  const notes: string[] = [];
  const subject = findSubject(repo, opts, notes);
  if ('problems' in subject) {
    return { ok: false, problems: subject.problems, suggestion: buildSuggestion({ dockerfile: opts.dockerfile, context, ...(subject.project ? { project: subject.project } : {}) }) };
  }
  const code = detectCodeChange(subject);
  const base = subject.verify ? await checkUnmodified(subject) : {};
  const dep: Found<{ edit: Edit; description: string }> = base.unrestorable ? { reason: `not checked: ${base.unrestorable}`, unrestorable: base.unrestorable } : await detectDependencyChange(subject);
  const scenarios: Partial<Record<DetectedScenario, ScenarioSpec>> = {};
  const skipped: SkippedScenario[] = [];
  const unrestorable = 'unrestorable' in dep && dep.unrestorable ? { unrestorable: dep.unrestorable } : {};
  if ('found' in code) {
    scenarios['code-change'] = {
      description: `Adds a C# file to ${path.posix.dirname(subject.projectRel)}: sources change, project files do not, so restore is reused and the build re-runs.`,
      edits: [code.found],
    };
  } else skipped.push({ scenario: 'code-change', reason: skippedReason(code.reason) });
  if ('found' in dep) scenarios['dependency-change'] = { description: dep.found.description, edits: [dep.found.edit] };
  else skipped.push({ scenario: 'dependency-change', reason: skippedReason(dep.reason) });
  if (skipped.length === 2) {
    return { ok: false, problems: skipped.map((x) => `${x.scenario}: ${x.reason}`), suggestion: buildSuggestion({ dockerfile: opts.dockerfile, context, project: subject.projectRel }), ...unrestorable };
  }
  return { ok: true, scenarios, skipped, notes, ...unrestorable };
}
