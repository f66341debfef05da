/** The comparison's types: verdicts, options and per-cell sides (shared by verdicts, exporters and I/O). */
import type { Results } from '../results/types.ts';
import type { PooledCalibration } from '../results/calibration.ts';

export type Verdict = 'ok' | 'improved' | 'alert' | 'fail' | 'missing-in-baseline' | 'missing-in-current';

export interface CompareOptions {
  /** Minimum relative slowdown of the mean wall time, in percent, for an alert (and speed-up for "improved"). @default 10 */
  alertPct: number;
  /** Minimum relative slowdown of the mean wall time, in percent, for a fail. @default 25 */
  failPct: number;
  /** Significance level of the time test (Welch t, or a prediction interval); intervals are at 1 − alpha. @default 0.05 */
  alpha: number;
  /** Growth of the median cache size, in percent, beyond which a cell gets an alert. @default 50 */
  cacheGrowthPct: number;
  /** Which verdict makes the exit code 1. @default 'fail' */
  failOn: 'fail' | 'alert';
  /**
   * false: a mode's time verdict comes from its ratio to `none` in the same run (the
   * in-run reference), the absolute change is a note; true: the worst of both counts.
   * @default false
   */
  absolute: boolean;
}

export const DEFAULT_COMPARE_OPTIONS: Readonly<CompareOptions> = { alertPct: 10, failPct: 25, alpha: 0.05, cacheGrowthPct: 50, failOn: 'fail', absolute: false };

/**
 * A mode's time relative to the control (`none` of the same scenario, same run), in both
 * runs, and the change of that ratio: what a night on a slower machine does not move.
 */
export interface ReferenceView {
  /** exp(mean log(t_mode / t_none)) in the baseline: the mode's time as a share of none's (0.62 = 38% faster). */
  baselineRatio: number;
  currentRatio: number;
  /** currentRatio / baselineRatio − 1, percent (positive = slower relative to none). */
  changePct: number;
  /** The interval at level 1 − alpha of that change, percent; null for 'single'. */
  ciPct: [number, number] | null;
  /** Two-sided p of "the ratio did not change"; null for 'single'. */
  pValue: number | null;
  /**
   * paired: both runs paired by round; unpaired: a run without ≥ 2 common rounds;
   * prediction: one build each in one run, the other run's spread; single: one build each in both.
   */
  method: 'paired' | 'unpaired' | 'prediction' | 'single';
  /** Rounds paired in each run (0: unpaired). */
  pairs: { baseline: number; current: number };
  significant: boolean;
}

/** A run's calibration (results.calibration), start and end samples pooled. */
export type CalibrationSummary = PooledCalibration;

/** What the control and the calibration say about the environment between the runs. */
export interface EnvironmentView {
  /** Change of the CPU calibration's median, percent; null unless both runs have one. */
  cpuChangePct: number | null;
  feedChangePct: number | null;
  /** Each scenario's control (`none`): the absolute change of its mean and whether that is significant. */
  control: Array<{ scenario: string; changePct: number | null; significant: boolean | null; baselineMeanMs: number | null; currentMeanMs: number | null }>;
  /** A calibration part or a control moved significantly by at least the alert threshold. */
  moved: boolean;
  /** The sentence: whether the environment moved, with the numbers. */
  summary: string;
  calibration: { baseline: CalibrationSummary | null; current: CalibrationSummary | null };
  /** The measured link to the registry (results.environment.network). */
  link: { baseline: { measuredMbit?: number; measuredRttMs?: number } | null; current: { measuredMbit?: number; measuredRttMs?: number } | null };
}

/** One side of a cell, over its successful runs (failed runs only count in `failed`). */
export interface CellSide {
  /** Successful runs: the time sample. */
  n: number;
  failed: number;
  /** Median wall time: descriptive only; the time verdict is about the mean. */
  medianMs: number | null;
  /** Mean wall time: the estimand of changePct and its interval. */
  meanMs: number | null;
  /** 95% CI of the mean wall time (Student t); zero width for n = 1. */
  ci95Ms: [number, number] | null;
  /** Medians over successful runs. */
  cachedSteps: number | null;
  totalSteps: number | null;
  cacheBytes: number | null;
}

export interface CellComparison {
  id: string;
  scenario: string;
  mode: string;
  verdict: Verdict;
  /** Every finding, worst first; the verdict is the worst of them. */
  reasons: string[];
  baseline: CellSide | null;
  current: CellSide | null;
  /** Relative change of the mean wall time, mean(current) / mean(baseline) − 1, percent (positive = slower); null when not comparable. */
  changePct: number | null;
  /**
   * The interval (level 1 − alpha, 95% by default) of mean(current) − mean(baseline) in percent
   * of the baseline mean: Welch's when both sides have n ≥ 2, the prediction interval of the
   * side with n ≥ 2 when the other has one build; null for one build on each side.
   */
  changeCi95Pct: [number, number] | null;
  /** Two-sided p-value of the test in `pMethod`; null for one build on each side. */
  pValue: number | null;
  /** welch: Welch's t-test of the means; prediction: a single build against the other side's prediction interval. ('exact' and 'normal' were Mann-Whitney U, no longer used.) */
  pMethod: 'welch' | 'prediction' | 'exact' | 'normal' | null;
  /** Whether the two sides' 95% CIs of the mean overlap; null unless both have n ≥ 2. Informational: overlapping intervals do not mean "no difference"; the verdict uses the interval of the difference. */
  ciOverlap: boolean | null;
  /** Whether the time change passed the significance rule (see `rule`). */
  significant: boolean | null;
  /** The in-run reference: the change of the ratio to `none`; null for the `none` cell itself and where no control was measured in both runs (a reason says so). */
  reference: ReferenceView | null;
}

export interface RunRef {
  runId: string;
  fixture: string;
  profile: string;
  startedAt: string;
  status: Results['status'];
}

export type Summary = Record<Verdict, number> & { total: number };

export interface Comparison {
  baseline: RunRef;
  current: RunRef;
  options: CompareOptions;
  /** reference: a mode's time verdict is the in-run reference's; absolute: the worst of the absolute and the reference verdict. */
  basis: 'reference' | 'absolute';
  /** The decision rule in words, with the thresholds used. */
  rule: string[];
  cells: CellComparison[];
  /** Differences between the two environments: flagged, never a failure on their own. */
  environmentWarnings: string[];
  /** The calibration and each scenario's control: whether the environment moved between the runs. */
  environment: EnvironmentView;
  summary: Summary;
  /** Worst cell verdict (missing cells count as ok). */
  verdict: 'ok' | 'improved' | 'alert' | 'fail';
  /** 1 if any cell fails, or with failOn 'alert' any cell alerts; else 0. */
  exitCode: 0 | 1;
}
