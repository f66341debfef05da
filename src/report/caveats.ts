/**
 * The caveats under the answer: what limits how far this run's numbers carry (run status,
 * repetitions, network profile), what each cache mode leaves out, where a cache mode was
 * slower than none, cache phases their bytes do not explain, and outliers. Plain
 * sentences, in that order. Pure.
 */
import type { Results } from '../results/types.ts';
import { BASELINE_MODE, type AnalysisCore } from './analysis-types.ts';
import { medianOf } from './cells.ts';
import { OUTLIER_MIN_N } from '../results/stats.ts';
import { fmtBytes, fmtCost, fmtPct, fmtS } from './format.ts';
import { slowCachePhaseCaveats } from './slow-cache-phases.ts';

function listWords(xs: readonly string[]): string {
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

export function buildCaveats(results: Results, a: AnalysisCore): string[] {
  return [...runCaveats(results, a), ...modeCaveats(a), ...slowerThanNone(a), ...slowCachePhaseCaveats(results), ...outliers(a)];
}

/** Run status, repetitions and where the registry was. */
function runCaveats(results: Results, a: AnalysisCore): string[] {
  const out: string[] = [];
  const env = results.environment;
  if (results.status !== 'complete') out.push(`This run's status is "${results.status}": some cells may be missing, and the numbers can change when the run is resumed.`);
  if (a.minRuns <= 1) {
    out.push('Each cell was built once, so there are no confidence intervals and no outlier detection. A single build on a shared machine can be off by several percent; rerun with --profile default (3 repetitions) or more before acting on small differences.');
  }
  const profile = env.networkProfile;
  if (profile === 'loopback') {
    out.push(`The registry (${env.registry}) is on loopback, so pushing and pulling images and cache is nearly free here. On a real CI runner talking to a remote registry, cache import/export of the registry-backed modes and the local cache step's upload/download cost more; treat their costs here as lower bounds.`);
  } else {
    out.push(
      profile === 'remote'
        ? `The registry is a real remote registry (${env.registry}); transfer costs depend on this machine's network during the run. Compare runs only against the same registry from the same kind of runner.`
        : `Network profile: ${profile}. Transfer costs depend on it; compare runs only with the same profile.`,
    );
    out.push('Layers are pulled lazily: BuildKit fetches the base image and imported cache layers when a step first needs them, between steps. cachebench counts those downloads as base-pull (base image layers) or cache-import (cached layers). Over a slow link, importing a large cached layer (e.g. a restore layer of hundreds of MB) can cost more than re-running the step against a fast package source.');
  }
  return out;
}

/** What each mode of the run leaves out: the builder stage, a separate export phase, the CI cache step. */
function modeCaveats(a: AnalysisCore): string[] {
  const out: string[] = [];
  const present = new Set(a.modes.map((m) => m.mode));
  const narrow = a.modes.filter((m) => m.mode !== BASELINE_MODE && m.facts?.cachesBuilderStage === false).map((m) => m.mode);
  if (narrow.length) {
    const code = a.scenarios.find((s) => s.scenario === 'code-change');
    const detail = code
      ? ' In this run code-change reused ' + code.cells.filter((c) => c.cachedSteps !== undefined && c.mode !== BASELINE_MODE).map((c) => `${c.cachedSteps}/${c.totalSteps} steps with ${c.mode}`).join(', ') + '.'
      : '';
    out.push(`${listWords(narrow)} cache${narrow.length === 1 ? 's' : ''} only the final stage's layers, so a code change re-runs the builder stage (dependency restore and build) even with a warm cache.${detail}`);
  }
  if (present.has('inline')) {
    const m = a.modes.find((x) => x.mode === 'inline');
    if (m && !m.cost.hasExportPhase) out.push("inline has no separate cache-export phase: its cache metadata is written into the pushed image, so that cost is inside image export.");
  }
  if (present.has('local')) out.push(localCaveat(a));
  if (present.has(BASELINE_MODE)) out.push('none imports and exports nothing: every build starts from scratch on a fresh builder. It is the baseline the savings are measured against.');
  return out;
}

function localCaveat(a: AnalysisCore): string {
  const local = a.modes.find((m) => m.mode === 'local');
  const cells = a.scenarios.flatMap((s) => s.cells.filter((c) => c.mode === 'local' && c.okRuns > 0));
  const restore = medianOf(cells.map((c) => c.phaseMedians['cache-restore']));
  const save = medianOf(cells.map((c) => c.phaseMedians['cache-save']));
  return `local needs a CI cache step (e.g. actions/cache) that restores the cache directory before the build and saves it after; that time is shown as cache-restore (median ${fmtCost(restore)}) and cache-save (median ${fmtCost(save)}). The archive (${fmtBytes(local?.cost.cacheBytes)}) crosses the CI cache link stated under the network profile; CI caches are also evicted by size and age.`;
}

/** Per scenario, the cache modes that were slower than none (means, as in "vs none"). */
function slowerThanNone(a: AnalysisCore): string[] {
  const out: string[] = [];
  for (const s of a.scenarios) {
    // With an interval, only gaps it confirms; with single builds, every gap, marked as possibly noise.
    const slower = Object.values(s.vsNone)
      .filter((v) => v.mode !== BASELINE_MODE && (v.verdict === 'slower' || (v.verdict === 'unknown' && v.diffMs > 0)))
      .sort((x, y) => y.changePct - x.changePct);
    if (slower.length === 0) continue;
    const what = slower.map((v) => `${v.mode} (${fmtPct(v.changePct)}${v.verdict === 'slower' ? ', 95% interval of the difference above 0' : ''})`);
    const noCi = slower.some((v) => v.verdict === 'unknown') ? ' With single builds these gaps may be noise.' : '';
    out.push(
      `In ${s.scenario}, ${listWords(what)} ${slower.length === 1 ? 'was' : 'were'} slower than none (mean ${fmtS(s.cells.find((x) => x.mode === BASELINE_MODE)?.meanMs)}): there, importing and exporting the cache cost more than the reuse saved.${noCi}`,
    );
  }
  return out;
}

/** Outliers of cells with at least OUTLIER_MIN_N runs (older results stored flags for fewer; below it they are mostly noise). */
function outliers(a: AnalysisCore): string[] {
  const out: string[] = [];
  for (const s of a.scenarios) {
    for (const c of s.cells) {
      const flagged = c.stats && c.stats.n >= OUTLIER_MIN_N ? c.stats.outliers : [];
      const many = flagged.length > 1;
      if (flagged.length) out.push(`${c.id}: repetition${many ? 's' : ''} ${flagged.join(', ')} flagged as outlier${many ? 's' : ''} (MAD z > 3.5); the report's means and intervals include ${many ? 'them' : 'it'}, the median (summary.csv) is robust to ${many ? 'them' : 'it'}.`);
    }
  }
  return out;
}
