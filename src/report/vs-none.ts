/**
 * A mode against the baseline in one scenario: the ratio of medians, and Welch's 95% CI
 * for the difference of means (needs ≥ 2 successful runs on both sides). Pure.
 */
import { tCritical95 } from '../results/stats.ts';
import type { Stats } from '../results/types.ts';
import type { CellSummary, VsNone } from './analysis-types.ts';

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
