/**
 * The shapes of a projection: a run's builds re-computed for another registry link from
 * what the run recorded (docs/PROJECTION.md). At the bottom of src/project so every part
 * of it can use them. Times are milliseconds, sizes bytes, rates Mbit/s.
 */

/** The phases whose time depends on the registry link, in the order a build has them. */
export const TRANSFER_PHASES = ['base-pull', 'cache-import', 'image-export', 'cache-export'] as const;
export type TransferPhase = (typeof TRANSFER_PHASES)[number];

/** Which way a phase moves bytes: the run records bytes per direction (bytesPulled, bytesPushed). */
export const DIRECTION: Readonly<Record<TransferPhase, 'pull' | 'push'>> = {
  'base-pull': 'pull',
  'cache-import': 'pull',
  'image-export': 'push',
  'cache-export': 'push',
};

/** A registry link as the model uses it. */
export interface LinkFigures {
  /** In words: `internet (measured 96.3 Mbit/s, 30.4 ms)`, `datacenter (500 Mbit/s × 0.96, 2 ms)`. */
  label: string;
  /** Goodput transfers get, in Mbit/s; Infinity = no link (loopback: transfers cost no link time). */
  mbit: number;
  /** Round-trip time per request, in ms. */
  rttMs: number;
  /** measured: the run's own probe of its link; profile: a profile's rate × GOODPUT; loopback: no link. */
  from: 'measured' | 'profile' | 'loopback';
}

/** One transfer phase of one build, fitted on the source link. */
export interface PhaseModel {
  phase: TransferPhase;
  /** The phase's time as measured on the source link. */
  measuredMs: number;
  /** Bytes this phase moved over the link (an estimate of the run's per-direction bytes; see docs). */
  bytes: number;
  /** Round trips on the link: manifests and one per layer-sized blob (an estimate). */
  requests: number;
  /** measured − bytes·8/mbit − requests·rtt on the source link; may be negative. */
  rawLocalMs: number;
  /** The link-independent part kept: rawLocalMs balanced within its direction, ≥ 0. */
  localMs: number;
}

/** One measured build as time that does not depend on the link plus bytes and requests per transfer phase. */
export interface BuildModel {
  repetition: number;
  /** Wall time measured on the source link. */
  wallMs: number;
  /** Everything the link does not change: build steps, setup, cache restore/save, unattributed time and the transfer phases' local parts. */
  fixedMs: number;
  phases: PhaseModel[];
  /**
   * Link time the fit could not take out of the measured phases of a direction (the link's
   * share of the bytes would take longer than the phases lasted): projecting back to the
   * source link gives wallMs + clampedMs. 0 = not clamped.
   */
  clampedMs: number;
}

/** A cell's builds projected to one link. */
export interface CellProjection {
  id: string;
  scenario: string;
  mode: string;
  /** Successful builds modelled. */
  n: number;
  /** Mean wall time measured on the source link. */
  measuredMeanMs: number;
  /** Per build, projected to the target link. */
  projectedMs: number[];
  meanMs: number;
  sdMs: number;
  /** Mean over the builds: link bytes per direction, requests, clamped time. */
  pulledBytes: number;
  pushedBytes: number;
  requests: number;
  clampedMs: number;
  /** Builds whose fit was clamped. */
  clampedBuilds: number;
  builds: BuildModel[];
}

/** Σ weight × mean over the commit mix (the rule of the report's expected time). */
export interface MixExpectation {
  mode: string;
  /** Undefined when a weighted scenario has no cell. */
  ms?: number;
  missing: string[];
}

/** One mode's expected time as a line in 1/bandwidth: aMs + bitsK / goodput, at a fixed RTT. */
export interface ModeLine {
  mode: string;
  /** Link-independent ms, request round trips included (at the RTT of the grid). */
  aMs: number;
  /** Σ weight × mean of bytes·8/1000 over the builds: ms at 1 Mbit/s of goodput. */
  bitsK: number;
}

export interface Crossover {
  /** RTT the grid holds fixed, ms. */
  rttMs: number;
  /** Link rates of the grid, Mbit/s (goodput = rate × GOODPUT). */
  grid: number[];
  /** Per mode, its line and its expected time at each grid rate. */
  rows: Array<ModeLine & { ms: number[] }>;
  /** Modes left out (a weighted scenario has no cell for them). */
  excluded: string[];
  /**
   * From the exact crossings of the lines, inside the grid: where the fastest or the slowest
   * mode changes (`before` below the rate, `after` above it), and where a mode and none swap.
   */
  changes: Array<{ kind: 'fastest' | 'slowest' | 'vs-none'; rateMbit: number; before: string; after: string }>;
  /** The changes in words. */
  sentences: string[];
}

export interface Projection {
  fixture: string;
  runId: string;
  source: LinkFigures;
  target: LinkFigures;
  cells: CellProjection[];
  /** Commit mix weights as recorded (renormalised when summed). */
  mix: Record<string, number>;
  /** Per mode: measured on the source link, and projected. */
  expected: Array<{ mode: string; measured: MixExpectation; projected: MixExpectation }>;
  crossover: Crossover;
  /** Things a reader must know: loopback source, clamped fits, estimated byte splits. */
  warnings: string[];
  /** With --ci-cache-profile: local's CI cache step re-timed from this link to that one. */
  ciCache?: { source: string; target: string };
}

/** How two modes' order in the projection holds against the other run's measurement. */
export interface OrderCheck {
  scenario: string;
  /** The faster of the two in the measured run (by mean). */
  a: string;
  b: string;
  /** mean(b) − mean(a) measured, and whether its 95% interval excludes 0. */
  measuredDeltaMs: number;
  measuredSeparated: boolean;
  projectedDeltaMs: number;
  projectedSeparated: boolean;
  /** For measured-separated pairs: does the projection keep the order? */
  verdict: 'same order' | 'flipped' | 'not separated';
}

export interface AgainstCell {
  id: string;
  scenario: string;
  mode: string;
  projectedMeanMs: number;
  measuredMeanMs: number;
  nProjected: number;
  nMeasured: number;
  /** (projected − measured) / measured × 100. */
  errorPct: number;
}

export interface AgainstComparison {
  projection: Projection;
  /** The other run: its id, folder and measured link. */
  other: { runId: string; link: LinkFigures };
  cells: AgainstCell[];
  orders: OrderCheck[];
  /** Every measured-separated pair kept its order. */
  orderSame: boolean;
  expected: Array<{ mode: string; projectedMs?: number; measuredMs?: number; errorPct?: number }>;
  warnings: string[];
}
