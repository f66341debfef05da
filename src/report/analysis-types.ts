/**
 * The shapes of the analysis every human-facing report shows (analysis.ts computes them),
 * at the bottom of src/report's analysis files so each of them can use the types.
 */
import type { CacheMode } from '../cache-modes.ts';
import type { PriceName } from '../cost-assumptions.ts';
import type { CellResult, MixSource, Phases, SeedRecord, Stats } from '../results/types.ts';

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
  /** Median wall time over successful runs: descriptive (charts, unattributed time). */
  medianMs?: number;
  /** Mean wall time over successful runs: the estimand of every time claim in the report (ranking, vs none, expected time). */
  meanMs?: number;
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

/** A mode against none in one scenario; one estimand throughout: the difference of the mean wall times. */
export interface VsNone {
  scenario: string;
  mode: string;
  /** mean(mode) / mean(none). */
  ratio: number;
  /** (ratio − 1) × 100; negative = faster than none. */
  changePct: number;
  /** mean(mode) − mean(none), ms. */
  diffMs: number;
  /**
   * 95% interval of mean(mode) − mean(none), in ms and in % of none's mean: Welch's when both
   * cells have ≥ 2 runs, a prediction interval when one has a single run.
   */
  ci?: { diffMs: [number, number]; changePct: [number, number]; df: number; method: 'welch' | 'prediction' };
  /** How to read the interval, or why there is none. */
  ciNote: string;
  /** From the interval: below 0 faster, above 0 slower; unknown without one. */
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
  /** Σ weight × mean; undefined when incomplete. */
  ms?: number;
  /** Per weighted scenario: its weight, its cell's mean (the term) and median (descriptive). */
  terms: Array<{ scenario: string; weight: number; meanMs?: number; medianMs?: number }>;
  /** Weighted scenarios without a median for this mode. */
  missing: string[];
  complete: boolean;
  /** 95% CI of Σ weight × mean: ± t(df)·seMs (needs ≥ 2 runs per weighted cell). */
  ci95Ms?: [number, number];
  /** Standard error of ms, √(Σ w²·sd²/n), and its Welch–Satterthwaite degrees of freedom. */
  seMs?: number;
  df?: number;
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

/** expected(runnerUp) − expected(winner) with its 95% interval; separated when the interval excludes 0. */
export interface Lead {
  winner: string;
  runnerUp: string;
  deltaMs: number;
  /** Unbounded (±Infinity) when a cell has a single run. */
  loMs: number;
  hiMs: number;
  separated: boolean;
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

/** A commit class of the mix: its share of the commits, and whether this run measured it. */
export interface MixClass {
  name: string;
  /** Share of the commits (the history's, with --mix-from; else the normalised commit mix). */
  share: number;
  covered: boolean;
  /** Its weight in the expected time: the covered shares renormalised to add up to 1; 0 when not covered. */
  weight: number;
}

/** Where the commit mix came from and how much of it the run covers. */
export interface MixCoverage {
  /** Set when the mix was read from a history (--mix-from). */
  source?: MixSource;
  /** Classes with a share above 0, largest first. */
  classes: MixClass[];
  /** Σ share of the covered classes, 0…1 (1 without a history). */
  coveredShare: number;
  notCovered: MixClass[];
}

/** Where a cost input came from: a flag, the mix file's history, or the default of src/cost-assumptions.ts. */
export type InputSource = 'option' | 'mix file' | 'default';

/** What turns one build into a month, each with where it came from. */
export interface CostInputs {
  commitsPerDay: number;
  commitsPerDayFrom: InputSource;
  daysPerMonth: number;
  /** One CI build per commit: commitsPerDay × daysPerMonth. */
  buildsPerMonth: number;
  branches: number;
  branchesFrom: InputSource;
  /** Seed builds per month: branches × refreshes per branch. */
  refreshesPerMonth: number;
  prices: Record<PriceName, { usd: number; from: InputSource }>;
  /** Any price above 0: money columns, the chart in USD and the answer in money. */
  priced: boolean;
}

/** One mode's month. Minutes from means (the report's estimand for time); sizes from medians. Undefined = not measured. */
export interface ModeCost {
  mode: string;
  /** Expected build time per commit (mean, commit mix over the covered classes). */
  expectedMs?: number;
  buildMinutes?: number;
  /** 95% interval of buildMinutes, from the expected time's. */
  buildMinutesCi95?: [number, number];
  /** Seed builds: refreshes per month × the seed's wall time; 0 for a mode that keeps no cache. */
  refreshMinutes?: number;
  /** The cache one branch keeps: median over the mode's measured builds, else its seed's. */
  cacheBytes?: number;
  cacheBytesFrom?: 'builds' | 'seed';
  storageGbMonth?: number;
  /** Σ weight × median per build of pulled + pushed bytes (local: + the cache archive down and up). */
  movedBytesPerBuild?: number;
  movedGbPerMonth?: number;
  usd: { buildMinutes?: number; refresh?: number; storage?: number; transfer?: number; total?: number };
  /** Build + refresh minutes (the total when unpriced). */
  totalMinutes?: number;
}

/** The cheapest mode other than none against none, per month: negative = cheaper. */
export interface CostVsNone {
  mode: string;
  /** In USD when priced, else in minutes. */
  unit: 'usd' | 'minutes';
  delta: number;
  /** 95% interval of delta from the build-time part alone (storage, transfer and refresh are descriptive medians); absent when unbounded. */
  ci95?: [number, number];
}

export interface CostAnalysis {
  inputs: CostInputs;
  /** In plan mode order. */
  modes: ModeCost[];
  /** Modes with a total, cheapest first (USD when priced, else minutes). */
  ranking: string[];
  vsNone?: CostVsNone;
  /** Whether any build recorded its pulled bytes (older results did not). */
  pulledRecorded: boolean;
  /** Share of commits in classes the run did not measure, costed at the covered classes' expected time. */
  notCoveredShare: number;
}

export interface Analysis {
  fixture: string;
  scenarios: ScenarioAnalysis[];
  /** In plan order. */
  modes: ModeAnalysis[];
  /** Complete modes by expected time, fastest first. */
  ranking: string[];
  winner?: string;
  /** The winner against the runner-up: the 95% interval of the difference of their expected times. */
  lead?: Lead;
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
  /** Where the commit mix came from, and the classes the run did not measure. */
  mixCoverage: MixCoverage;
  /** What each mode costs per month. */
  cost: CostAnalysis;
}

/** The analysis before its sentences (caveats, answer), which are written from it. */
export type AnalysisCore = Omit<Analysis, 'caveats' | 'answer'>;
