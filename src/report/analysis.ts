/**
 * The derived numbers every human-facing report shows (Markdown, HTML, charts), computed
 * once from Results so the formats cannot disagree. Pure.
 *
 * What is computed, and how:
 * - Cell figures: median wall time (from the cell's Stats, over successful runs), median
 *   cached/total steps, median cache size, and per-build cache costs taken per run and
 *   then the median: export = `cache-export` + `cache-save`, import = `cache-restore` +
 *   `cache-import`.
 * - "vs none" in a scenario: the point estimate is the ratio of medians,
 *   `median(mode) / median(none) − 1` (negative = faster). Its 95% CI is Welch's interval
 *   for the difference of means, `(mean_m − mean_n) ± t(df) · sqrt(sd_m²/n_m + sd_n²/n_n)`
 *   with Welch–Satterthwaite df rounded down, divided by none's mean to give percent.
 *   It needs ≥ 2 successful runs on both sides; with 1 there is "no CI (1 repetition)".
 * - Expected time per build for the commit mix: Σ weight(scenario) × median(cell), with the
 *   weights renormalised over the mix. A mode missing any weighted cell is incomplete and
 *   gets no expected time. When every weighted cell has ≥ 2 runs, an approximate 95% CI
 *   uses the means: Σ w·mean ± t(min n − 1) · sqrt(Σ w²·sd²/n).
 * - Cost side per mode: medians over all successful measured builds of the mode, plus
 *   the mode's seed (parent) build.
 */
import { CACHE_MODES, type CacheMode } from '../cache-modes.ts';
import { median, tCritical95 } from '../stats.ts';
import type { CellResult, PhaseName, Phases, Results, RunRecord, SeedRecord, Stats } from '../types.ts';
import { fmtBytes, fmtCost, fmtPct, fmtS, fmtWeight } from './format.ts';

/** The mode every saving is measured against. */
export const BASELINE_MODE = 'none';

export interface CellSummary {
  id: string;
  scenario: string;
  mode: string;
  /** Undefined when the plan has the cell but results.cells does not. */
  cell?: CellResult;
  plannedRuns: number;
  runs: number;
  okRuns: number;
  failedRuns: number;
  stats?: Stats;
  medianMs?: number;
  /** Median over successful runs. */
  cachedSteps?: number;
  totalSteps?: number;
  /** cachedSteps / totalSteps, 0…1. */
  hitRatio?: number;
  cacheBytes?: number;
  bytesPushed?: number;
  /** Median per run of cache-export + cache-save (0 when the mode has neither). */
  cacheExportMs?: number;
  /** Median per run of cache-restore + cache-import. */
  cacheImportMs?: number;
  phaseMedians: Phases;
  /** Median wallMs minus the sum of phase medians, ≥ 0: lazily pulled layers (base image and imported cache layers are fetched when a step first needs them, outside any step's own time), buildx start-up, gaps. */
  unattributedMs?: number;
  warnings: string[];
  /** Every planned repetition ran and succeeded. */
  complete: boolean;
}

export interface VsNone {
  scenario: string;
  mode: string;
  /** median(mode) / median(none). */
  ratio: number;
  /** (ratio − 1) × 100; negative = faster than none. */
  changePct: number;
  /** median(mode) − median(none), ms. */
  diffMs: number;
  /** Welch 95% CI of mean(mode) − mean(none), in ms and in % of none's mean. */
  ci?: { diffMs: [number, number]; changePct: [number, number]; df: number };
  /** How to read the CI: "Welch 95% CI of the mean difference" or why there is none. */
  ciNote: string;
  verdict: 'faster' | 'slower' | 'no clear difference' | 'unknown';
}

export interface ScenarioAnalysis {
  scenario: string;
  /** Normalised commit-mix weight (0 when the mix does not include it). */
  weight: number;
  /** Cells in plan mode order. */
  cells: CellSummary[];
  /** Modes with a median, fastest first; then modes without one, in plan order. */
  ranking: string[];
  vsNone: Record<string, VsNone>;
}

export interface ExpectedTime {
  /** Σ weight × median; undefined when incomplete. */
  ms?: number;
  terms: Array<{ scenario: string; weight: number; medianMs?: number }>;
  /** Weighted scenarios without a median for this mode. */
  missing: string[];
  complete: boolean;
  /** Approximate 95% CI from means (needs ≥ 2 runs per weighted cell). */
  ci95Ms?: [number, number];
  /** expected(mode) / expected(none) − 1, in percent. */
  vsNonePct?: number;
}

export interface SeedSummary {
  status: SeedRecord['status'];
  wallMs: number;
  buildkitMs?: number;
  /** cache-export + cache-save of the seed build. */
  exportMs: number;
  cacheBytes?: number;
  cachedSteps: number;
  totalSteps: number;
  error?: string;
}

export interface ModeAnalysis {
  mode: string;
  /** From src/cache-modes.ts; undefined for a mode it does not know. */
  facts?: Pick<CacheMode, 'description' | 'storage' | 'cachesBuilderStage'>;
  expected: ExpectedTime;
  cost: {
    /** Medians over the mode's successful measured builds. */
    cacheExportMs?: number;
    cacheImportMs?: number;
    cacheBytes?: number;
    bytesPushed?: number;
    /** Whether any build of this mode recorded a separate cache-export phase. */
    hasExportPhase: boolean;
  };
  seed?: SeedSummary;
}

export interface Problem {
  id: string;
  scenario?: string;
  mode: string;
  problem: string;
}

export interface Flag {
  /** `error` = the measurement itself is suspect; `warning` = an expectation not met. */
  severity: 'error' | 'warning';
  message: string;
}

export interface Analysis {
  fixture: string;
  scenarios: ScenarioAnalysis[];
  /** In plan order. */
  modes: ModeAnalysis[];
  /** Complete modes by expected time, fastest first. */
  ranking: string[];
  winner?: string;
  /** The one-paragraph answer, plain text. */
  answer: string;
  /** Scenario → normalised weight, in plan order. */
  mix: Array<{ scenario: string; weight: number }>;
  /** Smallest number of successful runs in any measured cell. */
  minRuns: number;
  caveats: string[];
  flags: Flag[];
  incomplete: Problem[];
  /** Warnings the runner stored on cells, prefixed with the cell id. */
  cellWarnings: string[];
  reproduce: string;
}

const okRuns = (runs: readonly RunRecord[]): RunRecord[] => runs.filter((r) => r.status === 'ok');

function medianOf(values: Array<number | undefined>): number | undefined {
  const xs = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return xs.length ? median(xs) : undefined;
}

function phaseSum(phases: Phases, names: readonly PhaseName[]): number {
  return names.reduce((a, n) => a + (phases[n] ?? 0), 0);
}

const EXPORT_PHASES: readonly PhaseName[] = ['cache-export', 'cache-save'];
const IMPORT_PHASES: readonly PhaseName[] = ['cache-restore', 'cache-import'];

export function summarizeCell(scenario: string, mode: string, cell: CellResult | undefined, plannedRuns: number, fixture: string): CellSummary {
  const runs = cell?.runs ?? [];
  const ok = okRuns(runs);
  const phaseMedians = cell?.phaseMedians ?? {};
  const medianMs = cell?.stats?.medianMs;
  const phaseTotal = Object.values(phaseMedians).reduce((a, b) => a + (b ?? 0), 0);
  const cachedSteps = medianOf(ok.map((r) => r.cachedSteps));
  const totalSteps = medianOf(ok.map((r) => r.totalSteps));
  return {
    id: cell?.id ?? `${fixture}/${scenario}/${mode}`,
    scenario,
    mode,
    cell,
    plannedRuns,
    runs: runs.length,
    okRuns: ok.length,
    failedRuns: runs.length - ok.length,
    stats: cell?.stats,
    medianMs,
    cachedSteps,
    totalSteps,
    hitRatio: cachedSteps !== undefined && totalSteps ? cachedSteps / totalSteps : undefined,
    cacheBytes: medianOf(ok.map((r) => r.cacheBytes)),
    bytesPushed: medianOf(ok.map((r) => r.bytesPushed)),
    cacheExportMs: medianOf(ok.map((r) => phaseSum(r.phases, EXPORT_PHASES))),
    cacheImportMs: medianOf(ok.map((r) => phaseSum(r.phases, IMPORT_PHASES))),
    phaseMedians,
    unattributedMs: medianMs !== undefined && ok.length ? Math.max(0, medianMs - phaseTotal) : undefined,
    warnings: cell?.warnings ?? [],
    complete: ok.length >= plannedRuns && ok.length === runs.length,
  };
}

/** Welch's 95% CI for mean(a) − mean(b); undefined unless both have ≥ 2 runs. */
export function welchCi(a: Stats, b: Stats): { diff: [number, number]; df: number } | undefined {
  if (a.n < 2 || b.n < 2) return undefined;
  const d = a.meanMs - b.meanMs;
  const va = (a.sdMs * a.sdMs) / a.n;
  const vb = (b.sdMs * b.sdMs) / b.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { diff: [d, d], df: a.n + b.n - 2 };
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = tCritical95(Math.floor(df));
  return { diff: [d - t * se, d + t * se], df };
}

export function compareToNone(mode: CellSummary, none: CellSummary): VsNone | undefined {
  if (mode.medianMs === undefined || none.medianMs === undefined || none.medianMs <= 0 || !mode.stats || !none.stats) return undefined;
  const ratio = mode.medianMs / none.medianMs;
  const base = { scenario: mode.scenario, mode: mode.mode, ratio, changePct: (ratio - 1) * 100, diffMs: mode.medianMs - none.medianMs };
  const w = welchCi(mode.stats, none.stats);
  if (!w) {
    const n = Math.min(mode.stats.n, none.stats.n);
    return { ...base, ciNote: `no CI (${n} repetition${n === 1 ? '' : 's'})`, verdict: 'unknown' };
  }
  // A build cannot get more than 100% faster; a wide interval from few runs can say so.
  const pct: [number, number] = [Math.max(-100, (100 * w.diff[0]) / none.stats.meanMs), (100 * w.diff[1]) / none.stats.meanMs];
  const verdict = w.diff[1] < 0 ? 'faster' : w.diff[0] > 0 ? 'slower' : 'no clear difference';
  return { ...base, ci: { diffMs: w.diff, changePct: pct, df: w.df }, ciNote: 'Welch 95% CI of the mean difference', verdict };
}

/** Σ weight × median over the weighted scenarios; the mix is renormalised over its own total. */
export function expectedTime(mix: Record<string, number>, cellsByScenario: ReadonlyMap<string, CellSummary>): ExpectedTime {
  const total = Object.values(mix).reduce((a, b) => a + (b > 0 ? b : 0), 0);
  const terms = Object.entries(mix)
    .filter(([, w]) => w > 0)
    .map(([scenario, w]) => ({ scenario, weight: total > 0 ? w / total : 0, medianMs: cellsByScenario.get(scenario)?.medianMs }));
  const missing = terms.filter((t) => t.medianMs === undefined).map((t) => t.scenario);
  const complete = terms.length > 0 && missing.length === 0;
  const out: ExpectedTime = { terms, missing, complete };
  if (!complete) return out;
  out.ms = terms.reduce((a, t) => a + t.weight * (t.medianMs as number), 0);
  const stats = terms.map((t) => cellsByScenario.get(t.scenario)?.stats);
  if (stats.every((s): s is Stats => s !== undefined && s.n >= 2)) {
    const m = terms.reduce((a, t, i) => a + t.weight * (stats[i] as Stats).meanMs, 0);
    const se = Math.sqrt(terms.reduce((a, t, i) => a + (t.weight ** 2 * (stats[i] as Stats).sdMs ** 2) / (stats[i] as Stats).n, 0));
    const t = tCritical95(Math.min(...stats.map((s) => s.n)) - 1);
    out.ci95Ms = [m - t * se, m + t * se];
  }
  return out;
}

function summarizeSeed(s: SeedRecord): SeedSummary {
  return {
    status: s.status,
    wallMs: s.wallMs,
    buildkitMs: s.buildkitMs,
    exportMs: phaseSum(s.phases, EXPORT_PHASES),
    cacheBytes: s.cacheBytes,
    cachedSteps: s.cachedSteps,
    totalSteps: s.totalSteps,
    error: s.error ? [s.error.message, s.error.step && `step ${s.error.step}`, s.error.exitCode !== undefined && `exit ${s.error.exitCode}`].filter(Boolean).join('; ') : undefined,
  };
}

function unique<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)];
}

function listWords(xs: readonly string[]): string {
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

function mixText(mix: Analysis['mix']): string {
  return mix.filter((m) => m.weight > 0).map((m) => `${m.scenario} ${fmtWeight(m.weight)}`).join(', ');
}

/** The command that repeats this run (same plan, same mix). */
export function reproduceCommand(results: Results): string {
  const p = results.plan;
  const mix = Object.entries(p.commitMix).map(([k, v]) => `${k}=${Number(v.toFixed(4))}`).join(',');
  return [
    'npm run bench --',
    `--fixture ${p.fixture}`,
    `--scenarios ${p.scenarios.join(',')}`,
    `--modes ${p.modes.join(',')}`,
    `--profile ${p.profile}`,
    `--repetitions ${p.repetitions}`,
    mix ? `--mix ${mix}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function problems(results: Results, cells: CellSummary[], modes: string[]): Problem[] {
  const out: Problem[] = [];
  for (const mode of modes) {
    const seed = results.seeds[mode];
    const id = `${results.plan.fixture}/seed/${mode}`;
    if (!seed) out.push({ id, mode, problem: 'no seed (parent) build recorded: the cache for this mode was never made' });
    else if (seed.status === 'failed') out.push({ id, mode, problem: `seed build failed: ${summarizeSeed(seed).error ?? 'no error message'}` });
  }
  for (const c of cells) {
    const base = { id: c.id, scenario: c.scenario, mode: c.mode };
    if (!c.cell) out.push({ ...base, problem: 'not measured (missing from results)' });
    else if (c.runs === 0) out.push({ ...base, problem: 'no builds recorded' });
    else if (c.failedRuns > 0) {
      const f = c.cell.runs.find((r) => r.status === 'failed');
      const e = f?.error;
      const where = [e?.step && `at ${e.step}`, e?.exitCode !== undefined && `exit code ${e.exitCode}`].filter(Boolean).join(', ');
      out.push({ ...base, problem: `${c.failedRuns} of ${c.runs} builds failed${e ? `: ${e.message}` : ''}${where ? ` (${where})` : ''}` });
    } else if (c.okRuns < c.plannedRuns) out.push({ ...base, problem: `only ${c.okRuns} of ${c.plannedRuns} repetitions measured` });
  }
  return out;
}

function expectationFlags(scenarios: ScenarioAnalysis[], modes: ModeAnalysis[]): Flag[] {
  const flags: Flag[] = [];
  const facts = new Map(modes.map((m) => [m.mode, m.facts]));
  for (const s of scenarios) {
    const none = s.cells.find((c) => c.mode === BASELINE_MODE);
    if (none?.cachedSteps) {
      flags.push({ severity: 'error', message: `none reused ${none.cachedSteps} of ${none.totalSteps ?? '?'} steps in ${s.scenario}: the builder was not fresh, so every mode's times in this run are suspect.` });
    }
  }
  const code = scenarios.find((s) => s.scenario === 'code-change');
  if (code) {
    const measured = code.cells.filter((c) => c.cachedSteps !== undefined && c.mode !== BASELINE_MODE);
    const wide = measured.filter((c) => facts.get(c.mode)?.cachesBuilderStage === true);
    const narrow = measured.filter((c) => facts.get(c.mode)?.cachesBuilderStage === false);
    for (const w of wide) {
      for (const n of narrow) {
        if ((w.cachedSteps as number) <= (n.cachedSteps as number)) {
          flags.push({
            severity: 'warning',
            message: `code-change: ${w.mode} reused ${w.cachedSteps}/${w.totalSteps} steps, not more than ${n.mode} (${n.cachedSteps}/${n.totalSteps}). ${w.mode} caches the builder stage and should reuse its dependency restore; check that its cache was exported with mode=max and imported.`,
          });
        }
      }
    }
  }
  const same = scenarios.find((s) => s.scenario === 'no-change');
  for (const c of same?.cells ?? []) {
    if (c.mode === BASELINE_MODE || c.cachedSteps === undefined || c.totalSteps === undefined) continue;
    if (c.cachedSteps < c.totalSteps) {
      flags.push({ severity: 'warning', message: `no-change: ${c.mode} reused only ${c.cachedSteps} of ${c.totalSteps} steps; rebuilding an unchanged commit should reuse every step. The cache import may have failed or been incomplete.` });
    }
  }
  for (const m of modes) {
    if (m.mode === BASELINE_MODE || !m.seed || m.seed.status !== 'ok') continue;
    if (!m.seed.cacheBytes) flags.push({ severity: 'warning', message: `the ${m.mode} seed build reports no exported cache size; its cache may be empty.` });
  }
  return flags;
}

function buildCaveats(results: Results, a: Omit<Analysis, 'caveats' | 'answer'>): string[] {
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
  if (present.has('local')) {
    const local = a.modes.find((m) => m.mode === 'local');
    const cells = a.scenarios.flatMap((s) => s.cells.filter((c) => c.mode === 'local' && c.okRuns > 0));
    const restore = medianOf(cells.map((c) => c.phaseMedians['cache-restore']));
    const save = medianOf(cells.map((c) => c.phaseMedians['cache-save']));
    out.push(
      `local needs a CI cache step (e.g. actions/cache) that restores the cache directory before the build and saves it after; that time is shown as cache-restore (median ${fmtCost(restore)}) and cache-save (median ${fmtCost(save)}). Here it is a copy on local disk; on a hosted runner it is a network download and upload of ${fmtBytes(local?.cost.cacheBytes)}, and CI caches are evicted by size and age.`,
    );
  }
  if (present.has(BASELINE_MODE)) out.push('none imports and exports nothing: every build starts from scratch on a fresh builder. It is the baseline the savings are measured against.');
  for (const s of a.scenarios) {
    // With a CI, only gaps it confirms; with single builds, every gap, marked as possibly noise.
    const slower = Object.values(s.vsNone)
      .filter((v) => v.mode !== BASELINE_MODE && v.diffMs > 0 && v.verdict !== 'no clear difference')
      .sort((x, y) => y.changePct - x.changePct);
    if (slower.length === 0) continue;
    const what = slower.map((v) => `${v.mode} (${fmtPct(v.changePct)}${v.verdict === 'slower' ? ', outside the 95% CI' : ''})`);
    const noCi = slower.some((v) => v.verdict === 'unknown') ? ' With single builds these gaps may be noise.' : '';
    out.push(
      `In ${s.scenario}, ${listWords(what)} ${slower.length === 1 ? 'was' : 'were'} slower than none (${fmtS(s.cells.find((x) => x.mode === BASELINE_MODE)?.medianMs)}): there, importing and exporting the cache cost more than the reuse saved.${noCi}`,
    );
  }
  for (const s of a.scenarios) {
    for (const c of s.cells) {
      if (c.stats?.outliers.length) out.push(`${c.id}: repetition${c.stats.outliers.length > 1 ? 's' : ''} ${c.stats.outliers.join(', ')} flagged as outlier${c.stats.outliers.length > 1 ? 's' : ''} (MAD z > 3.5); the median is robust to it, the mean and CI are not.`);
    }
  }
  return out;
}

function buildAnswer(a: Omit<Analysis, 'caveats' | 'answer'>, results: Results): string {
  const mixStr = mixText(a.mix);
  const byMode = new Map(a.modes.map((m) => [m.mode, m]));
  const none = byMode.get(BASELINE_MODE);
  const winner = a.winner ? byMode.get(a.winner) : undefined;
  const parts: string[] = [];
  if (!winner || winner.expected.ms === undefined) {
    return `No mode has a successful measurement for every scenario in the commit mix (${mixStr}), so there is no answer yet; see "Incomplete or failed cells".`;
  }
  const w = winner.expected.ms;
  const noneMs = none?.expected.ms;
  if (winner.mode === BASELINE_MODE) {
    const best = a.ranking.find((m) => m !== BASELINE_MODE);
    const b = best ? byMode.get(best) : undefined;
    parts.push(`For this commit mix (${mixStr}), no cache mode beat building from scratch: none is fastest at an expected ${fmtS(w)} per build.`);
    if (b?.expected.ms !== undefined) parts.push(`The best cache mode, ${b.mode}, expects ${fmtS(b.expected.ms)} (${fmtPct(b.expected.vsNonePct)}).`);
  } else {
    const vs = noneMs !== undefined ? ` vs ${fmtS(noneMs)} with none (${fmtPct(winner.expected.vsNonePct)})` : ' (none was not measured, so there is no baseline)';
    parts.push(`For this commit mix (${mixStr}), ${winner.mode} is fastest: expected ${fmtS(w)} per build${vs}.`);
    const second = a.ranking[1] !== undefined ? byMode.get(a.ranking[1]) : undefined;
    if (second?.expected.ms !== undefined) {
      const gap = (second.expected.ms / w - 1) * 100;
      parts.push(`Runner-up: ${second.mode} at ${fmtS(second.expected.ms)}${second.mode === BASELINE_MODE ? '' : ` (${fmtPct(second.expected.vsNonePct)})`}, ${gap < 0.5 ? 'practically tied' : `${gap.toFixed(0)}% slower than ${winner.mode}`}.`);
      const ci1 = winner.expected.ci95Ms;
      const ci2 = second.expected.ci95Ms;
      if (ci1 && ci2) {
        parts.push(ci1[1] < ci2[0] ? `The lead is outside both modes' 95% confidence intervals.` : `Their 95% confidence intervals overlap, so the lead over ${second.mode} is not clearly real.`);
      }
    }
  }
  if (a.minRuns <= 1) parts.push('Each cell was built once, so differences of a few percent may be noise.');
  if (results.environment.networkProfile === 'loopback') parts.push('The registry was on loopback, which understates the transfer cost of cache import and export.');
  if (a.incomplete.length) parts.push(`${a.incomplete.length} cell${a.incomplete.length === 1 ? ' is' : 's are'} incomplete or failed (listed below).`);
  return parts.join(' ');
}

export function analyze(results: Results): Analysis {
  const plan = results.plan;
  const scenarioNames = unique([...plan.scenarios, ...results.cells.map((c) => c.scenario)]);
  const modeNames = unique([...plan.modes, ...results.cells.map((c) => c.mode)]);
  const mixTotal = Object.values(plan.commitMix).reduce((a, b) => a + (b > 0 ? b : 0), 0);
  const weightOf = (s: string): number => (mixTotal > 0 && (plan.commitMix[s] ?? 0) > 0 ? (plan.commitMix[s] as number) / mixTotal : 0);
  const mix = unique([...scenarioNames, ...Object.keys(plan.commitMix)]).map((scenario) => ({ scenario, weight: weightOf(scenario) }));

  const find = (s: string, m: string): CellResult | undefined => results.cells.find((c) => c.scenario === s && c.mode === m);
  const scenarios: ScenarioAnalysis[] = scenarioNames.map((scenario) => {
    const cells = modeNames.map((mode) => summarizeCell(scenario, mode, find(scenario, mode), plan.repetitions, plan.fixture));
    const measured = cells.filter((c) => c.medianMs !== undefined).sort((x, y) => (x.medianMs as number) - (y.medianMs as number));
    const ranking = [...measured, ...cells.filter((c) => c.medianMs === undefined)].map((c) => c.mode);
    const none = cells.find((c) => c.mode === BASELINE_MODE);
    const vsNone: Record<string, VsNone> = {};
    if (none) {
      for (const c of cells) {
        const v = compareToNone(c, none);
        if (v) vsNone[c.mode] = v;
      }
    }
    return { scenario, weight: weightOf(scenario), cells, ranking, vsNone };
  });

  const modes: ModeAnalysis[] = modeNames.map((mode) => {
    const cells = scenarios.map((s) => s.cells.find((c) => c.mode === mode) as CellSummary);
    const runs = cells.flatMap((c) => okRuns(c.cell?.runs ?? []));
    const f = CACHE_MODES.find((m) => m.name === mode);
    const seed = results.seeds[mode];
    return {
      mode,
      facts: f ? { description: f.description, storage: f.storage, cachesBuilderStage: f.cachesBuilderStage } : undefined,
      expected: expectedTime(plan.commitMix, new Map(cells.map((c) => [c.scenario, c]))),
      cost: {
        cacheExportMs: medianOf(runs.map((r) => phaseSum(r.phases, EXPORT_PHASES))),
        cacheImportMs: medianOf(runs.map((r) => phaseSum(r.phases, IMPORT_PHASES))),
        cacheBytes: medianOf(runs.map((r) => r.cacheBytes)),
        bytesPushed: medianOf(runs.map((r) => r.bytesPushed)),
        hasExportPhase: runs.some((r) => r.phases['cache-export'] !== undefined) || seed?.phases['cache-export'] !== undefined,
      },
      seed: seed ? summarizeSeed(seed) : undefined,
    };
  });
  const noneExpected = modes.find((m) => m.mode === BASELINE_MODE)?.expected.ms;
  for (const m of modes) {
    if (m.expected.ms !== undefined && noneExpected) m.expected.vsNonePct = (m.expected.ms / noneExpected - 1) * 100;
  }
  const ranking = modes
    .filter((m) => m.expected.ms !== undefined)
    .sort((x, y) => (x.expected.ms as number) - (y.expected.ms as number))
    .map((m) => m.mode);

  const allCells = scenarios.flatMap((s) => s.cells);
  const measured = allCells.filter((c) => c.okRuns > 0);
  const partial = {
    fixture: plan.fixture,
    scenarios,
    modes,
    ranking,
    winner: ranking[0],
    mix,
    minRuns: measured.length ? Math.min(...measured.map((c) => c.okRuns)) : 0,
    flags: [] as Flag[],
    incomplete: problems(results, allCells, modeNames),
    cellWarnings: allCells.flatMap((c) => c.warnings.map((w) => `${c.id}: ${w}`)),
    reproduce: reproduceCommand(results),
  };
  partial.flags = expectationFlags(scenarios, modes);
  return { ...partial, caveats: buildCaveats(results, partial), answer: buildAnswer(partial, results) };
}
