/**
 * The shapes of the analysis every human-facing report shows (analysis.ts computes them),
 * at the bottom of src/report's analysis files so each of them can use the types.
 */
import type { CacheMode } from '../cache-modes.ts';
import type { CellResult, Phases, SeedRecord, Stats } from '../results/types.ts';

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
}

/** The analysis before its sentences (caveats, answer), which are written from it. */
export type AnalysisCore = Omit<Analysis, 'caveats' | 'answer'>;
