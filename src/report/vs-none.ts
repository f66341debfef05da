/**
 * A mode against the baseline in one scenario, one estimand throughout: the difference of
 * the mean wall times, its 95% interval (Welch's, or a prediction interval when one cell has
 * a single run) and the verdict read from that interval. Pure.
 */
import { diffMoments } from '../stats/difference.ts';
import type { Moments } from '../stats/describe.ts';
import type { Stats } from '../results/types.ts';
import type { CellSummary, VsNone } from './analysis-types.ts';

const moments = (s: Stats): Moments => ({ n: s.n, mean: s.meanMs, sd: s.sdMs });

/** Welch's 95% CI for mean(a) − mean(b); undefined unless both have ≥ 2 runs. */
export function welchCi(a: Stats, b: Stats): { diff: [number, number]; df: number } | undefined {
  if (a.n < 2 || b.n < 2) return undefined;
  const d = diffMoments(moments(a), moments(b)) as NonNullable<ReturnType<typeof diffMoments>>;
  return { diff: [d.lo, d.hi], df: d.df };
}

export function compareToNone(mode: CellSummary, none: CellSummary): VsNone | undefined {
  if (!mode.stats || !none.stats || !(none.stats.meanMs > 0)) return undefined;
  const m = moments(mode.stats);
  const n = moments(none.stats);
  const ratio = m.mean / n.mean;
  const base = { scenario: mode.scenario, mode: mode.mode, ratio, changePct: (ratio - 1) * 100, diffMs: m.mean - n.mean };
  const d = diffMoments(m, n);
  if (!d) return { ...base, ciNote: 'no CI (1 repetition)', verdict: 'unknown' };
  // A build cannot get more than 100% faster; a wide interval from few runs can say so.
  const pct: [number, number] = [Math.max(-100, (100 * d.lo) / n.mean), (100 * d.hi) / n.mean];
  const verdict = d.hi < 0 ? 'faster' : d.lo > 0 ? 'slower' : 'no clear difference';
  const single = m.n === 1 ? mode.mode : none.mode;
  const ciNote = d.method === 'welch' ? 'Welch 95% CI of the difference of means' : `95% prediction interval (${single} built once)`;
  return { ...base, ci: { diffMs: [d.lo, d.hi], changePct: pct, df: d.df, method: d.method }, ciNote, verdict };
}
