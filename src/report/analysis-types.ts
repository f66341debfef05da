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

/** The analysis before its sentences (caveats, answer), which are written from it. */
export type AnalysisCore = Omit<Analysis, 'caveats' | 'answer'>;
