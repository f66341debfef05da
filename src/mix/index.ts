/**
 * `cachebench mix`: a repository's own commit mix. Walks the first-parent history oldest
 * first, keeping the Dockerfile and the ignore files as of the previous commit (read again
 * only where a commit changed them), and classifies each commit (classify.ts). One `git log`
 * for the whole range; a `git show` per Dockerfile or ignore-file change.
 */
import path from 'node:path';
import { countedChanges, ignoreFilePaths, ignoreOf, inContext, type IgnoreAt } from '../target/changes.ts';
import { UsageError } from '../errors.ts';
import { classifier, findsDependencyStep, MIX_CLASSES, type MixClass } from './classify.ts';
import { fileAt, filesAt, hasCommit, isShallow, readHistory, type HistoryCommit } from './history.ts';
import { commitsPerDay, type MixCommit, type MixResult } from './result.ts';

export interface MixOptions {
  repo: string;
  /** As given by the user (a path or URL), for the record. */
  repository: string;
  branch: string;
  since?: string;
  maxCommits?: number;
  /** Context folder and Dockerfile (relative to the context), as for `run`. */
  context: string;
  dockerfile: string;
  target?: string;
  buildArgs?: Record<string, string>;
  dependencyStep?: string;
  log?: (line: string) => void;
}

interface State {
  dockerfile?: string;
  ignore: IgnoreAt;
}

function paths(o: MixOptions) {
  const dockerfile = path.posix.normalize(path.posix.join(o.context.split(path.sep).join('/'), o.dockerfile));
  return { dockerfile, ignores: ignoreFilePaths(o.context.split(path.sep).join('/'), o.dockerfile) };
}

/** The Dockerfile and the ignore filter (parsed once per change of the file) at a commit. */
async function stateAt(o: MixOptions, commit: string): Promise<State> {
  const dockerfile = await fileAt(o.repo, commit, paths(o).dockerfile);
  const ignore = await ignoreOf((rel) => fileAt(o.repo, commit, rel), o.context, o.dockerfile);
  return { ...(dockerfile !== undefined ? { dockerfile } : {}), ignore };
}

/** Context-relative files of the commit's change that count for the build (target/changes.ts rules). */
function changedInContext(o: MixOptions, c: HistoryCommit, before: State, after: State): Promise<string[]> {
  return countedChanges(inContext(c.files, o.context), before.ignore, after.ignore, async () => inContext(await filesAt(o.repo, c.sha), o.context));
}

export async function computeMix(o: MixOptions): Promise<MixResult> {
  const history = (await readHistory(o.repo, o)).reverse();
  if (history.length === 0) throw new UsageError(`no commits in ${o.branch}${o.since ? ` since ${o.since}` : ''}`, 'widen the range (--since, --max-commits) or name another --branch');
  const shallow = await isShallow(o.repo);
  const p = paths(o);
  const tracked = new Set([p.dockerfile, ...p.ignores]);
  const cls = classifier({ ...(o.target ? { target: o.target } : {}), buildArgs: o.buildArgs ?? {}, dockerfilePath: p.dockerfile, ...(o.dependencyStep ? { dependencyStep: o.dependencyStep } : {}) });
  const oldest = history[0] as HistoryCommit;
  let state: State | undefined = oldest.parent && (await hasCommit(o.repo, oldest.parent)) ? await stateAt(o, oldest.parent) : undefined;
  const perCommit: MixCommit[] = [];
  let skipped = 0;
  for (const c of history) {
    const next = state && !c.files.some((f) => tracked.has(f)) ? state : await stateAt(o, c.sha);
    if (!state || !c.parent || next.dockerfile === undefined) skipped++;
    else if (state.dockerfile === undefined) perCommit.push({ sha: c.sha, date: c.date, class: 'dockerfile-change', files: [p.dockerfile] });
    else {
      const changed = await changedInContext(o, c, state, next);
      const r = cls.classify({ parentDockerfile: state.dockerfile, dockerfile: next.dockerfile, changed });
      perCommit.push({ sha: c.sha, date: c.date, class: r.class, ...(r.step ? { step: r.step } : {}), files: r.files.slice(0, 10) });
    }
    state = next;
  }
  if (perCommit.length === 0) throw new UsageError(`no commit in the range has ${p.dockerfile} (or its parent is missing)`, 'check --context and --dockerfile, or widen the range');
  const lastDockerfile = state?.dockerfile;
  if (lastDockerfile !== undefined && !findsDependencyStep(lastDockerfile, { ...(o.target ? { target: o.target } : {}), buildArgs: o.buildArgs ?? {}, ...(o.dependencyStep ? { dependencyStep: o.dependencyStep } : {}) })) {
    o.log?.(`warning: no dependency step found in ${p.dockerfile}${o.dependencyStep ? ` matching "${o.dependencyStep}"` : ''}: every change counts as a code change (name it with --dependency-step TEXT)`);
  }
  if (shallow) o.log?.(`warning: ${o.repository} is a shallow clone: classified the ${perCommit.length} commits it has whose parent it has (${skipped} skipped)`);
  return summarize(o, perCommit, skipped, shallow, history);
}

function summarize(o: MixOptions, perCommit: MixCommit[], skipped: number, shallow: boolean, history: HistoryCommit[]): MixResult {
  const counts = Object.fromEntries(MIX_CLASSES.map((k) => [k, perCommit.filter((c) => c.class === k).length])) as Record<MixClass, number>;
  const weights = Object.fromEntries(MIX_CLASSES.map((k) => [k, counts[k] / perCommit.length])) as Record<MixClass, number>;
  const first = history[0] as HistoryCommit;
  const last = history[history.length - 1] as HistoryCommit;
  return {
    schemaVersion: 1,
    repository: o.repository,
    branch: o.branch,
    range: { ...(o.since ? { since: o.since } : {}), ...(o.maxCommits !== undefined ? { maxCommits: o.maxCommits } : {}), first: first.sha, last: last.sha, firstDate: first.date, lastDate: last.date },
    commits: perCommit.length,
    skipped,
    shallow,
    counts,
    weights,
    commitsPerDay: commitsPerDay(perCommit.map((c) => c.date), first.date, last.date),
    generatedAt: new Date().toISOString(),
    perCommit: [...perCommit].reverse(),
  };
}
