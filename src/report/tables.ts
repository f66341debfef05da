/**
 * The report's tables and paragraphs as plain text, shared by the Markdown and HTML
 * renderers so both say the same thing. Pure; callers escape for their format.
 */
import type { Results } from '../results/types.ts';
import { BASELINE_MODE, type Analysis, type CellSummary, type ModeAnalysis, type ScenarioAnalysis } from './analysis.ts';
import { buildsPerCellText, fmtBytes, fmtCost, fmtPct, fmtRange, fmtS, fmtWeight } from './format.ts';

/**
 * The hook for the baseline comparison (written by the compare module): anything with a
 * `markdown` string is appended under "## Comparison with baseline"; other values are ignored.
 */
export function comparisonMarkdown(comparison: unknown): string | undefined {
  if (typeof comparison !== 'object' || comparison === null) return undefined;
  const md = (comparison as { markdown?: unknown }).markdown;
  return typeof md === 'string' && md.trim() ? md.trim() : undefined;
}

/** Values shared by the Markdown and HTML tables (plain text; callers escape). The 95% CI of the cell's mean. */
export function ciText(c: CellSummary): string {
  if (!c.stats) return '–';
  if (c.stats.n < 2) return `– (n=${c.stats.n})`;
  return fmtRange(c.stats.ci95Ms[0], c.stats.ci95Ms[1], (x) => (x / 1000).toFixed(1)) + ' s';
}

/** The change of the mean against none and the 95% interval of the difference ("PI" when it is a prediction interval). */
export function vsNoneText(s: ScenarioAnalysis, mode: string): string {
  if (mode === BASELINE_MODE) return 'baseline';
  const v = s.vsNone[mode];
  if (!v) return '–';
  if (!v.ci) return `${fmtPct(v.changePct)}; ${v.ciNote}`;
  return `${fmtPct(v.changePct)} (${v.ci.method === 'welch' ? 'CI' : 'PI'} ${fmtPct(v.ci.changePct[0])} … ${fmtPct(v.ci.changePct[1])})`;
}

export function stepsText(c: CellSummary): string {
  return c.cachedSteps === undefined ? '–' : `${c.cachedSteps}/${c.totalSteps ?? '?'}`;
}

export function scenarioRows(s: ScenarioAnalysis): string[][] {
  return s.ranking.map((mode, i) => {
    const c = s.cells.find((x) => x.mode === mode) as CellSummary;
    const mean = c.meanMs === undefined ? (c.failedRuns ? 'failed' : 'not measured') : fmtS(c.meanMs);
    return [c.meanMs === undefined ? '' : String(i + 1), mode, mean, ciText(c), vsNoneText(s, mode), stepsText(c), fmtCost(c.cacheExportMs), fmtBytes(c.cacheBytes)];
  });
}
export const SCENARIO_HEAD = ['#', 'Mode', 'Mean', '95% CI of mean', 'vs none (95% CI of difference)', 'Cached/total steps', 'Cache export', 'Cache size'];

export function expectedRows(a: Analysis): string[][] {
  const order = [...a.ranking, ...a.modes.map((m) => m.mode).filter((m) => !a.ranking.includes(m))];
  const weighted = a.mix.filter((m) => m.weight > 0);
  return order.map((mode) => {
    const m = a.modes.find((x) => x.mode === mode) as ModeAnalysis;
    const e = m.expected;
    const ci = e.ci95Ms ? fmtRange(e.ci95Ms[0], e.ci95Ms[1], (x) => (x / 1000).toFixed(1)) + ' s' : e.complete ? '–' : '';
    const vs = mode === BASELINE_MODE ? 'baseline' : fmtPct(e.vsNonePct);
    const expected = e.ms !== undefined ? fmtS(e.ms) : `incomplete (no ${e.missing.join(', ')})`;
    return [mode, expected, ci, vs, ...weighted.map((w) => fmtS(e.terms.find((t) => t.scenario === w.scenario)?.meanMs))];
  });
}
export function expectedHead(a: Analysis): string[] {
  return ['Mode', 'Expected per build', '95% CI', 'vs none', ...a.mix.filter((m) => m.weight > 0).map((m) => `${m.scenario} (${fmtWeight(m.weight)})`)];
}

export function seedRows(a: Analysis): string[][] {
  return a.modes.map((m) => {
    const s = m.seed;
    if (!s) return [m.mode, 'missing', '–', '–', '–', '–', '–'];
    return [m.mode, s.status === 'ok' ? 'ok' : `failed: ${s.error ?? ''}`, fmtS(s.wallMs), fmtS(s.buildkitMs), fmtCost(s.exportMs), fmtBytes(s.cacheBytes), `${s.cachedSteps}/${s.totalSteps}`];
  });
}
export const SEED_HEAD = ['Mode', 'Status', 'Wall', 'BuildKit', 'Cache export', 'Cache size', 'Cached/total steps'];

export function costRows(a: Analysis): string[][] {
  return a.modes.map((m) => [
    m.mode,
    m.facts ? m.facts.storage : '?',
    m.facts ? (m.facts.cachesBuilderStage ? 'yes' : 'no') : '?',
    fmtCost(m.cost.cacheImportMs),
    fmtCost(m.cost.cacheExportMs) + (m.mode !== BASELINE_MODE && !m.cost.hasExportPhase ? ' (inside image export)' : ''),
    fmtBytes(m.cost.cacheBytes),
    fmtBytes(m.cost.bytesPushed),
    fmtS(m.seed?.wallMs),
  ]);
}
export const COST_HEAD = ['Mode', 'Cache stored in', 'Caches builder stage', 'Cache import per build', 'Cache export per build', 'Cache size', 'Pushed per build', 'Seed build'];

/** Label → value pairs of the environment, in reading order. */
export function environmentRows(results: Results): Array<[string, string]> {
  const e = results.environment;
  const p = results.plan;
  const gib = (e.memoryBytes / 2 ** 30).toFixed(1);
  const span = e.finishedAt ? `${e.startedAt} → ${e.finishedAt} (${fmtS(Date.parse(e.finishedAt) - Date.parse(e.startedAt))})` : `${e.startedAt} → (not finished)`;
  const rows: Array<[string, string]> = [
    ['Network profile', e.network && e.networkProfile !== 'loopback' ? `${e.networkProfile}: ${linkFigures(results)}` : `${e.networkProfile} (registry ${e.registry})`],
    ['Engine', `${e.engineKind}: Docker ${e.dockerVersion}, buildx ${e.buildxVersion}, BuildKit ${e.buildkitVersion ?? 'unknown'}, containerd ${e.containerdVersion}`],
    ['Machine', `${e.cpus} CPUs, ${gib} GiB memory, ${e.os}`],
    ['Fixture', `${e.fixture}${e.fixtureCommit ? ` at ${e.fixtureCommit}` : ''}${e.parentCommit ? `; cache seeded from parent commit ${e.parentCommit}` : ''}`],
  ];
  for (const [arg, img] of Object.entries(e.baseImages)) rows.push([`Base image ${arg}`, `${img.ref} @ ${img.digest}`]);
  rows.push(
    ['Plan', `${p.scenarios.length} scenarios × ${p.modes.length} modes × ${buildsPerCellText(p)}, profile ${p.profile}; every build on a fresh builder`],
    ['Run', `${results.runId}, ${span}, status ${results.status}`],
    ['Tools', `Node ${e.node}, cachebench ${e.cachebenchVersion}`],
  );
  return rows;
}

export function overheadText(results: Results): string {
  const o = results.overhead;
  if (!o) return 'Not computed (no successful builds).';
  const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
  return (
    `Median harness overhead per build (wall time − buildx wall time − cache restore/save): ${fmtCost(num(o.medianHarnessMs))}. ` +
    `Median buildx CLI time beyond BuildKit's own build duration: ${fmtCost(num(o.medianBuildxVsBuildkitMs))}. ` +
    'Both are part of every mode\'s wall time alike, so they shift all modes equally and do not change the ranking.' +
    (num(o.medianResetMs) !== undefined ? ` Outside the measured window: making the builder fresh took ${fmtCost(num(o.medianResetMs))} per build (median${o.medianResetSteps ? `; its parts, run at once: ${Object.entries(o.medianResetSteps).map(([k, v]) => `${k} ${fmtCost(v)}`).join(', ')}` : ''}).` : '') +
    (num(o.medianPrepareMs) !== undefined ? ` Copying the seed's image and cache into the job's starting place took ${fmtCost(num(o.medianPrepareMs))} (median), while the builder was made fresh.` : '') +
    (num(o.medianWaitMs) !== undefined ? ` The wipe starts as soon as the previous build has finished with the engine, so a build waited ${fmtCost(num(o.medianWaitMs))} (median) between its preparation and its start, the emptiness check included.` : '') +
    (num(o.runRatio) !== undefined ? ` The whole run took ${(o.runRatio as number).toFixed(2)}× the builds' own wall time (clone, base images, seeds' and builds' setup, resets).` : '')
  );
}

/** What every number and interval of the report estimates (one estimand per claim: number, interval and verdict agree). */
export const METHOD_NOTES = [
  'Times are wall times of the whole CI-like job as the harness saw it (cache restore and save included), each build on a fresh builder that imports the cache the parent commit\'s seed build exported.',
  'Every time claim is about the mean of a cell\'s successful repetitions. Mean = that mean; 95% CI of mean = Student t interval, mean ± t(n − 1)·sd/√n (no interval with one build). Modes are ranked by mean.',
  '"vs none" = mean(mode) / mean(none) − 1 in the same scenario (negative = faster). Its interval is the 95% interval of the difference of the means, mean(mode) − mean(none), as a percentage of none\'s mean: Welch\'s (CI; t with Welch–Satterthwaite df) when both cells have ≥ 2 builds, the other cell\'s prediction interval (PI; ± t(n − 1)·sd·√(1 + 1/n)) when one has a single build, no interval with one build each. "Slower than none" in the caveats means that interval lies above 0.',
  'Expected per build = Σ over scenarios of commit-mix weight × mean; its "vs none" = expected(mode) / expected(none) − 1 (a point estimate). Its 95% CI (≥ 2 builds in every weighted cell) is Σ w·mean ± t(df)·√(Σ w²·sd²/n), df by Welch–Satterthwaite. The answer calls a lead significant when the 95% interval of the difference of the two expected times, Δ ± t·√(se₁² + se₂²), excludes 0; two overlapping intervals do not mean "no difference".',
  'Descriptive medians, no interval: cached/total steps, cache size, cache export/import and pushed bytes per build (medians over successful builds), phase durations in the phase chart. The time chart\'s bars are medians of repetitions, its whiskers the 95% CI of the mean. Seed builds are single builds.',
  'Outliers (MAD-based modified z-score above 3.5) are named only for cells with at least 7 repetitions; with fewer the rule mostly flags noise.',
  'Cache export = cache-export + cache-save phases; cache import = cache-restore + cache-import. Sizes in decimal MB (10⁶ bytes). Details and simulated error rates: docs/STATISTICS.md.',
  '"Other links" (runs on a shaped registry link only) are projections, not measurements: each successful build = time the link does not change + Σ over its transfer phases (base pull, cache import, image push, cache export) of bytes·8 / goodput + round trips · RTT, the bytes as recorded per build and the link-independent part fitted on the run\'s own measured link; the same builds re-timed for another profile give the projected means and expected times. Each mode\'s expected time is a line in 1/bandwidth, so the crossover rates are solved exactly. local\'s CI cache restore and save are kept at their measured times (they cross the CI cache link, not the registry\'s). Limits and validation: docs/PROJECTION.md.',
  'Cost per month: build minutes = expected time per build (the mean) × builds per month, with the expected time\'s interval scaled; the saving against none carries the interval of the expected-time difference, scaled to the month; storage, data moved and refresh are medians and single seed builds, descriptive. Every input and price is listed under "Cost per month" with its source.',
];


/** The sentences that put the network profile (and, with `local`, the CI cache link) in front of the reader. */
export function networkNote(results: Results): string {
  const ci = ciCacheNote(results);
  return ci ? `${registryNote(results)} ${ci}` : registryNote(results);
}

/** `local` mode's CI cache link, when the run measured local. */
export function ciCacheNote(results: Results): string | undefined {
  if (!results.cells.some((c) => c.mode === 'local')) return undefined;
  const c = results.environment.ciCache;
  if (!c) return 'local restores and saves its cache archive on the local disk (a run from before the CI cache link): that transfer costs almost nothing here.';
  if (c.rateMbit === 0 && c.rttMs === 0) return `local's cache archive is restored and saved on the local disk (CI cache profile ${c.profile}): on a real runner it crosses a network, so local looks cheaper here than it is.`;
  const measured = c.measuredMbit !== undefined && c.measuredRttMs !== undefined ? ` (measured ${c.measuredMbit.toFixed(0)} Mbit/s down, ${(c.measuredUploadMbit ?? 0).toFixed(0)} up, ${c.measuredRttMs.toFixed(1)} ms)` : '';
  return `local's cache archive is restored from and saved to a CI cache service behind a link of its own, CI cache profile ${c.profile}: ${c.rateMbit} Mbit/s, ${c.rttMs} ms RTT${measured}.`;
}

function registryNote(results: Results): string {
  const e = results.environment;
  if (e.networkProfile === 'loopback') {
    return `The registry (${e.registry}) runs on the same machine, so cache transfer is far cheaper than on a real CI runner.`;
  }
  if (e.networkProfile === 'remote') {
    return `The registry is a real remote registry (${e.registry}): transfer costs are what this machine's network gave during the run, and change with the time of day, the region and the registry's load. Compare only with runs against the same registry from the same kind of runner.`;
  }
  return `The registry sits behind a shaped link: ${linkFigures(results)}. Transfer costs depend on the network: compare only with runs of the same profile.`;
}

/** "100 Mbit/s, 30 ms RTT (measured 96 Mbit/s, 30.5 ms)". */
export function linkFigures(results: Results): string {
  const n = results.environment.network;
  if (!n) return results.environment.networkProfile;
  const measured = n.measuredMbit !== undefined && n.measuredRttMs !== undefined ? ` (measured ${n.measuredMbit.toFixed(0)} Mbit/s, ${n.measuredRttMs.toFixed(1)} ms)` : '';
  return `${n.rateMbit} Mbit/s, ${n.rttMs} ms RTT${measured}`;
}

export const SEED_INTRO = "Each mode's cache comes from one build of the parent commit on a fresh builder; it is paid once per cache refresh, not per build.";

export const CHECKS_PASSED =
  'All checks passed: none reused nothing, modes that cache the builder stage reused more steps on a code change, and every cache mode reused every step with no change (where measured).';

export const REPORT_COMMAND = 'npm run cachebench -- report <this folder>';
