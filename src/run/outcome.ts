/**
 * How a run ended, from its results: which cells could not be measured and why, whether
 * the seeds failed on a base image BuildKit cannot use (a setup problem, not a
 * measurement), and the exit code: 0 = every cell measured and no build failed, 1 = a
 * build failed or a cell has no measurement, 2 = a setup problem. Pure.
 */
import { CachebenchError } from '../errors.ts';
import type { BuildRecord, CellResult, Results } from '../results/types.ts';

type BuildError = NonNullable<BuildRecord['error']>;

/**
 * BuildKit's reasons for a FROM it could not resolve, e.g.
 * `failed to resolve source metadata for IMAGE: no match for platform in manifest: not found`,
 * `… IMAGE: not found`, `… pull access denied`, `… failed to do request: … no such host`.
 */
const RESOLVE = /failed to resolve source metadata for (\S+): ([^\n]*)/;
const LOAD_METADATA = /^\[internal\] load metadata for (\S+)$/;

export interface UnusableImage {
  image: string;
  /** BuildKit's words after the image (`no match for platform in manifest: not found`). */
  reason: string;
}

/** The base image a failed build could not resolve, if that is why it failed. */
export function unusableImageOf(error: BuildError | undefined): UnusableImage | undefined {
  if (!error) return undefined;
  for (const text of [error.message, error.logTail ?? '']) {
    const m = RESOLVE.exec(text);
    if (m?.[1]) return { image: m[1], reason: (m[2] ?? '').trim() };
  }
  // The failing step is the metadata lookup itself, with BuildKit's reason in the message.
  const step = error.step ? LOAD_METADATA.exec(error.step) : null;
  if (step?.[1]) {
    const reason = error.message.replace(/^step "[^"]*" failed: /, '').replace(`${step[1]}: `, '').split('\n')[0] ?? '';
    return { image: step[1], reason: reason.trim() };
  }
  return undefined;
}

export interface SetupProblem extends UnusableImage {
  /** The modes whose seed builds showed it. */
  seeds: string[];
}

/** Every seed so far failed, all on the same unusable base image: no later build can do better. */
export function setupProblemOf(results: Pick<Results, 'seeds'>): SetupProblem | undefined {
  const seeds = Object.values(results.seeds);
  if (seeds.length === 0 || seeds.some((s) => s.status === 'ok')) return undefined;
  const found = seeds.map((s) => unusableImageOf(s.error));
  const first = found[0];
  if (!first || found.some((f) => f?.image !== first.image)) return undefined;
  return { ...first, seeds: seeds.map((s) => s.mode) };
}

/** Marks the cells a stopped run never reached (no runs, no warning yet). */
export function markStopped(results: Results, problem: SetupProblem): void {
  for (const c of results.cells) {
    if (c.runs.length === 0 && c.warnings.length === 0) c.warnings = [`not measured: the run stopped after the seed builds failed on base image ${problem.image}`];
  }
}

export interface Unmeasured {
  id: string;
  scenario: string;
  mode: string;
  reason: string;
}

const firstLine = (s: string | undefined, max = 200) => {
  const l = (s ?? '').split('\n')[0]?.trim() ?? '';
  return l.length > max ? `${l.slice(0, max - 1)}…` : l;
};

function unmeasuredReason(results: Results, cell: CellResult, setup: SetupProblem | undefined): string | undefined {
  if (cell.runs.some((r) => r.status === 'ok')) return undefined;
  const seed = results.seeds[cell.mode];
  if (seed?.status === 'failed') return `the seed build failed: ${firstLine(seed.error?.message) || 'no error message'}`;
  if (!seed) return setup ? `not built: the run stopped after the seeds failed on base image ${setup.image}` : 'no seed build was recorded';
  const failed = cell.runs.filter((r) => r.status === 'failed');
  if (failed.length) return `${failed.length} of ${cell.runs.length} builds failed: ${firstLine(failed[0]?.error?.message) || 'no error message'}`;
  return 'no build was recorded';
}

/** The cells with no successful build, each with why. */
export function unmeasuredCells(results: Results, setup = setupProblemOf(results)): Unmeasured[] {
  const out: Unmeasured[] = [];
  for (const c of results.cells) {
    const reason = unmeasuredReason(results, c, setup);
    if (reason) out.push({ id: c.id, scenario: c.scenario, mode: c.mode, reason });
  }
  return out;
}

/** `not measured: code-change × registry-max, no-change × registry-max — the seed build failed: …` (one line). */
export function notMeasuredLine(cells: readonly Unmeasured[]): string {
  const groups = new Map<string, string[]>();
  for (const c of cells) groups.set(c.reason, [...(groups.get(c.reason) ?? []), `${c.scenario} × ${c.mode}`]);
  return `not measured: ${[...groups].map(([reason, ids]) => `${ids.join(', ')} — ${reason}`).join('; ')}`;
}

export interface RunOutcome {
  exitCode: 0 | 1 | 2;
  unmeasured: Unmeasured[];
  setup?: SetupProblem;
  /** The first line to print at the end, when the run is not a clean success. */
  headline?: string;
  /** The exit-2 error for a setup problem. */
  error?: CachebenchError;
}

export function runOutcome(results: Results, recipes: readonly string[] = []): RunOutcome {
  const setup = setupProblemOf(results);
  const unmeasured = unmeasuredCells(results, setup);
  const measuredNone = results.cells.length > 0 && unmeasured.length === results.cells.length;
  if (setup && measuredNone) {
    const error = new CachebenchError(
      `base image ${setup.image} cannot be used: ${setup.reason || 'BuildKit could not resolve it'} (every seed build failed on it: ${setup.seeds.join(', ')}); nothing was measured`,
      {
        exitCode: 2,
        hint: `serve it from a local recipe: --base-image ${setup.image}=RECIPE, or "imageMap": {"${setup.image}": "RECIPE"} in cachebench.json${recipes.length ? ` (recipes: ${recipes.join(', ')})` : ''}; or make the ref pullable for this machine's platform`,
      },
    );
    return { exitCode: 2, unmeasured, setup, headline: error.message, error };
  }
  const failedRuns = results.cells.some((c) => c.runs.some((r) => r.status === 'failed'));
  if (unmeasured.length) return { exitCode: 1, unmeasured, ...(setup ? { setup } : {}), headline: notMeasuredLine(unmeasured) };
  return { exitCode: failedRuns ? 1 : 0, unmeasured };
}

/** A finished run's status: a run that measured no cell at all did not do its job. */
export function finishedStatus(results: Results): 'complete' | 'failed' {
  return results.cells.length > 0 && unmeasuredCells(results).length === results.cells.length ? 'failed' : 'complete';
}
