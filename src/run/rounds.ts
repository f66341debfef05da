/**
 * Pure: the order of measured builds and when a cell stops. Interleaved rounds build every
 * (still active) cell once per round, in an order shuffled by a recorded seed, so a slow
 * minute of the machine lands on every cache mode alike; a resumed run continues in the
 * middle of its round (a cell is built in round r while it has fewer than r builds).
 * Adaptive repetitions: after the minimum, a cell takes more rounds only while its
 * interval is wider than the target or its rank against the next mode of its scenario is
 * not separated (the interval of the difference of the means, src/stats), up to the
 * maximum or the budget.
 */
import { momentsOf } from '../stats/describe.ts';
import { separated } from '../stats/difference.ts';
import { tCritical } from '../stats/t-dist.ts';
import type { Cell } from '../plan.ts';
import type { Adaptive } from '../options-rounds.ts';

export type StopReason = 'repetitions' | 'target-met' | 'separated' | 'max-runs' | 'budget';

export type { Adaptive };

/** mulberry32: a small seeded generator, enough to shuffle a round reproducibly. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates with the run's seed and the round number. */
export function shuffled<T>(items: readonly T[], seed: number, round: number): T[] {
  const next = random((seed ^ Math.imul(round, 0x9e3779b1)) >>> 0);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The builds of `round` (1-based): each active cell with fewer than `round` builds, in the round's order. */
export function roundCells(cells: readonly Cell[], round: number, seed: number, builds: (id: string) => number, active: (id: string) => boolean): Cell[] {
  return shuffled(cells, seed, round).filter((c) => active(c.id) && builds(c.id) < round);
}

/** Relative margin of error (95%) of the mean, in percent; Infinity below two values. */
export function rmePct(xs: readonly number[]): number {
  if (xs.length < 2) return Infinity;
  const m = momentsOf(xs);
  return m.mean > 0 ? ((tCritical(0.95, m.n - 1) * m.sd) / Math.sqrt(m.n)) / m.mean * 100 : Infinity;
}

export interface CellSamples {
  id: string;
  scenario: string;
  mode: string;
  /** Wall times of the successful builds. */
  samples: number[];
  /** All builds recorded (failed ones included). */
  builds: number;
}

/** Cells of the same scenario next to `c` in the ranking by mean. */
export function neighbours(c: CellSamples, all: readonly CellSamples[]): CellSamples[] {
  const mean = (x: CellSamples) => (x.samples.length ? x.samples.reduce((a, b) => a + b, 0) / x.samples.length : Infinity);
  const ranked = all.filter((x) => x.scenario === c.scenario && x.samples.length > 0).sort((a, b) => mean(a) - mean(b));
  const i = ranked.findIndex((x) => x.id === c.id);
  return [ranked[i - 1], ranked[i + 1]].filter((x): x is CellSamples => x !== undefined);
}

/** Whether `c` needs another round, or why it stops (budget aside: the loop's to decide). */
export function decide(c: CellSamples, all: readonly CellSamples[], a: Adaptive): { more: true } | { more: false; reason: StopReason } {
  if (c.builds < a.minRuns) return { more: true };
  if (a.maxRuns <= a.minRuns) return { more: false, reason: 'repetitions' };
  if (c.builds >= a.maxRuns) return { more: false, reason: 'max-runs' };
  if (c.samples.length === 0) return { more: false, reason: 'max-runs' };
  const wide = a.targetRmePct !== undefined && rmePct(c.samples) > a.targetRmePct;
  const tied = neighbours(c, all).some((n) => !separated(c.samples, n.samples).separated);
  if (wide || tied) return { more: true };
  return { more: false, reason: a.targetRmePct !== undefined ? 'target-met' : 'separated' };
}
