/**
 * The derived numbers every human-facing report shows (Markdown, HTML, charts), computed
 * once from Results so the formats cannot disagree. Pure.
 *
 * What is computed, and how (one estimand per claim: every time claim is about the mean
 * wall time of a cell's successful repetitions; docs/STATISTICS.md):
 * - Cell figures: mean wall time with its Student t 95% CI (from the cell's Stats), and,
 *   descriptive, the median wall time, median cached/total steps, median cache size, and
 *   per-build cache costs taken per run and then the median: export = `cache-export` +
 *   `cache-save`, import = `cache-restore` + `cache-import`.
 * - Ranking in a scenario: by mean.
 * - "vs none" in a scenario: `mean(mode) / mean(none) − 1` (negative = faster), its 95%
 *   interval is that of the difference of the means (Welch, fractional Welch–Satterthwaite
 *   df; a prediction interval when one cell has a single run) divided by none's mean, and
 *   the verdict is read from that interval. With 1 run each there is "no CI (1 repetition)".
 * - Expected time per build for the commit mix: Σ weight(scenario) × mean(cell), with the
 *   weights renormalised over the mix. A mode missing any weighted cell is incomplete and
 *   gets no expected time. When every weighted cell has ≥ 2 runs its 95% CI is
 *   Σ w·mean ± t(df) · sqrt(Σ w²·sd²/n), df by Welch–Satterthwaite.
 * - The lead of the winner over the runner-up: the 95% interval of the difference of their
 *   expected times, Δ ± t · sqrt(se₁² + se₂²); "separated" when it excludes 0.
 * - Cost side per mode: medians over all successful measured builds of the mode, plus
 *   the mode's seed (parent) build.
 *
 * Files: analysis-types.ts (the shapes), cells.ts (one cell, one seed), vs-none.ts (a
 * mode against none), expected.ts (the commit-mix expectation), flags.ts (problems,
 * expectation flags), caveats.ts and answer.ts (the sentences); this module puts them
 * together and is what the renderers import.
 */
import { CACHE_MODES } from '../cache-modes.ts';
import type { CellResult, Results } from '../results/types.ts';
import { BASELINE_MODE, type Analysis, type CellSummary, type Lead, type ModeAnalysis, type ScenarioAnalysis, type VsNone } from './analysis-types.ts';
import { buildAnswer } from './answer.ts';
import { buildCaveats } from './caveats.ts';
import { EXPORT_PHASES, IMPORT_PHASES, medianOf, okRuns, phaseSum, summarizeCell, summarizeSeed } from './cells.ts';
import { costPerMonth } from './cost.ts';
import { expectedDifference, expectedTime } from './expected.ts';
import { expectationFlags, problems } from './flags.ts';
import { adaptiveOf, fmtBudget } from './format.ts';
import { mixCoverage } from './mix-coverage.ts';
import { compareToNone } from './vs-none.ts';

export {
  BASELINE_MODE,
  type Analysis,
  type AnalysisCore,
  type CellSummary,
  type ExpectedTime,
  type Flag,
  type Lead,
  type ModeAnalysis,
  type Problem,
  type ScenarioAnalysis,
  type SeedSummary,
  type VsNone,
} from './analysis-types.ts';
export { summarizeCell } from './cells.ts';
export { expectedDifference, expectedTime } from './expected.ts';
export { compareToNone, welchCi } from './vs-none.ts';

function unique<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)];
}

/** The cost flags that were given (results.json plan.cost), as they were written. */
function costFlags(cost: Results['plan']['cost']): string[] {
  if (!cost) return [];
  const flags: Array<[string, number | undefined]> = [
    ['--commits-per-day', cost.commitsPerDay],
    ['--branches', cost.branches],
    ['--price-minute', cost.priceMinuteUsd],
    ['--price-gb-month', cost.priceGbMonthUsd],
    ['--price-gb-transfer', cost.priceGbTransferUsd],
  ];
  return flags.filter(([, v]) => v !== undefined).map(([f, v]) => `${f} ${v}`);
}

/** Builds per cell, their order and the shuffle's seed, as the run was given them. */
function roundFlags(p: Results['plan']): string[] {
  const a = adaptiveOf(p);
  const runs = a
    ? [`--min-runs ${a.minRuns}`, `--max-runs ${a.maxRuns}`, a.targetRmePct !== undefined ? `--target-rme ${a.targetRmePct}%` : '', a.budgetMs !== undefined ? `--budget ${fmtBudget(a.budgetMs)}` : '']
    : [`--repetitions ${p.repetitions}`];
  return [...runs, p.order !== 'interleaved' ? '--order sequential' : '', p.seed !== undefined ? `--seed ${p.seed}` : ''].filter(Boolean);
}

/** The command that repeats this run (same plan, same mix, same cost settings). */
export function reproduceCommand(results: Results): string {
  const p = results.plan;
  const weights = Object.entries(p.commitMix).map(([k, v]) => `${k}=${Number(v.toFixed(4))}`).join(',');
  const mix = p.mixSource ? `--mix-from ${p.mixSource.file}` : weights ? `--mix ${weights}` : '';
  return [
    'npm run bench --',
    `--fixture ${p.fixture}`,
    `--scenarios ${p.scenarios.join(',')}`,
    `--modes ${p.modes.join(',')}`,
    `--profile ${p.profile}`,
    ...roundFlags(p),
    mix,
    ...costFlags(p.cost),
  ]
    .filter(Boolean)
    .join(' ');
}

/** Every cell of one scenario, its ranking by mean and each mode against none. */
function analyzeScenario(results: Results, scenario: string, modeNames: string[], weight: number): ScenarioAnalysis {
  const plan = results.plan;
  const find = (s: string, m: string): CellResult | undefined => results.cells.find((c) => c.scenario === s && c.mode === m);
  const cells = modeNames.map((mode) => summarizeCell(scenario, mode, find(scenario, mode), plan.repetitions, plan.fixture));
  const measured = cells.filter((c) => c.meanMs !== undefined).sort((x, y) => (x.meanMs as number) - (y.meanMs as number));
  const ranking = [...measured, ...cells.filter((c) => c.meanMs === undefined)].map((c) => c.mode);
  const none = cells.find((c) => c.mode === BASELINE_MODE);
  const vsNone: Record<string, VsNone> = {};
  if (none) {
    for (const c of cells) {
      const v = compareToNone(c, none);
      if (v) vsNone[c.mode] = v;
    }
  }
  return { scenario, weight, cells, ranking, vsNone };
}

/** One mode across the scenarios: its expected time for the mix, its costs, its seed build. */
function analyzeMode(results: Results, mode: string, scenarios: ScenarioAnalysis[]): ModeAnalysis {
  const cells = scenarios.map((s) => s.cells.find((c) => c.mode === mode) as CellSummary);
  const runs = cells.flatMap((c) => okRuns(c.cell?.runs ?? []));
  const f = CACHE_MODES.find((m) => m.name === mode);
  const seed = results.seeds[mode];
  return {
    mode,
    facts: f ? { description: f.description, storage: f.storage, cachesBuilderStage: f.cachesBuilderStage } : undefined,
    expected: expectedTime(results.plan.commitMix, new Map(cells.map((c) => [c.scenario, c]))),
    cost: {
      cacheExportMs: medianOf(runs.map((r) => phaseSum(r.phases, EXPORT_PHASES))),
      cacheImportMs: medianOf(runs.map((r) => phaseSum(r.phases, IMPORT_PHASES))),
      cacheBytes: medianOf(runs.map((r) => r.cacheBytes)),
      bytesPushed: medianOf(runs.map((r) => r.bytesPushed)),
      hasExportPhase: runs.some((r) => r.phases['cache-export'] !== undefined) || seed?.phases['cache-export'] !== undefined,
    },
    seed: seed ? summarizeSeed(seed) : undefined,
  };
}

/** Sets each mode's expected time relative to none's; returns the complete modes, fastest first. */
function rankModes(modes: ModeAnalysis[]): string[] {
  const noneExpected = modes.find((m) => m.mode === BASELINE_MODE)?.expected.ms;
  for (const m of modes) {
    if (m.expected.ms !== undefined && noneExpected) m.expected.vsNonePct = (m.expected.ms / noneExpected - 1) * 100;
  }
  return modes
    .filter((m) => m.expected.ms !== undefined)
    .sort((x, y) => (x.expected.ms as number) - (y.expected.ms as number))
    .map((m) => m.mode);
}

/** The winner against the runner-up, by the interval of the difference of their expected times. */
function leadOf(modes: ModeAnalysis[], ranking: string[]): Lead | undefined {
  const [winner, runnerUp] = ranking.map((r) => modes.find((m) => m.mode === r) as ModeAnalysis);
  const d = winner && runnerUp ? expectedDifference(runnerUp.expected, winner.expected) : undefined;
  if (!winner || !runnerUp || !d) return undefined;
  return { winner: winner.mode, runnerUp: runnerUp.mode, deltaMs: d.delta, loMs: d.lo, hiMs: d.hi, separated: d.separated };
}

export function analyze(results: Results): Analysis {
  const plan = results.plan;
  const scenarioNames = unique([...plan.scenarios, ...results.cells.map((c) => c.scenario)]);
  const modeNames = unique([...plan.modes, ...results.cells.map((c) => c.mode)]);
  const mixTotal = Object.values(plan.commitMix).reduce((a, b) => a + (b > 0 ? b : 0), 0);
  const weightOf = (s: string): number => (mixTotal > 0 && (plan.commitMix[s] ?? 0) > 0 ? (plan.commitMix[s] as number) / mixTotal : 0);
  const mix = unique([...scenarioNames, ...Object.keys(plan.commitMix)]).map((scenario) => ({ scenario, weight: weightOf(scenario) }));

  const scenarios = scenarioNames.map((scenario) => analyzeScenario(results, scenario, modeNames, weightOf(scenario)));
  const modes = modeNames.map((mode) => analyzeMode(results, mode, scenarios));
  const ranking = rankModes(modes);

  const allCells = scenarios.flatMap((s) => s.cells);
  const measured = allCells.filter((c) => c.okRuns > 0);
  const coverage = mixCoverage(results);
  const core = {
    fixture: plan.fixture,
    scenarios,
    modes,
    ranking,
    winner: ranking[0],
    lead: leadOf(modes, ranking),
    mix,
    minRuns: measured.length ? Math.min(...measured.map((c) => c.okRuns)) : 0,
    flags: expectationFlags(scenarios, modes),
    incomplete: problems(results, allCells, modeNames),
    cellWarnings: allCells.flatMap((c) => c.warnings.map((w) => `${c.id}: ${w}`)),
    reproduce: reproduceCommand(results),
    mixCoverage: coverage,
    cost: costPerMonth(results, modes, scenarios, coverage.notCovered.reduce((sum, c) => sum + c.share, 0)),
  };
  return { ...core, caveats: buildCaveats(results, core), answer: buildAnswer(core, results) };
}
