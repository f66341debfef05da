/** Summary statistics of repeated measurements (ms), in the Stats shape results.json stores. Pure. */
import { mean, median, sd } from '../stats/describe.ts';
import { tCritical } from '../stats/t-dist.ts';
import type { Stats } from './types.ts';

export { mean, median, sd };

/** Two-sided 95% critical value of Student's t with `df` degrees of freedom (computed, fractional df allowed; below 1, 1). */
export function tCritical95(df: number): number {
  return tCritical(0.95, Math.max(1, df));
}

/**
 * Fewest values for outlier flags. Below it the 3.5 rule mostly flags noise: on clean
 * normal samples it names a repetition in 28% of samples of 3 and 21% of 5 (docs/STATISTICS.md).
 */
export const OUTLIER_MIN_N = 7;

/**
 * Indexes of outliers by the MAD-based modified z-score (Iglewicz & Hoaglin): |0.6745 (x − median) / MAD| > 3.5.
 * Needs at least OUTLIER_MIN_N values; with MAD = 0 nothing is flagged.
 */
export function outlierIndexes(xs: readonly number[], threshold = 3.5): number[] {
  if (xs.length < OUTLIER_MIN_N) return [];
  const med = median(xs);
  const mad = median(xs.map((x) => Math.abs(x - med)));
  if (mad === 0) return [];
  return xs.flatMap((x, i) => (Math.abs((0.6745 * (x - med)) / mad) > threshold ? [i] : []));
}

/** Stats over `samples`; `labels` names each sample (repetition numbers) for outliers. */
export function summarizeSamples(samples: readonly number[], labels: readonly number[] = samples.map((_, i) => i + 1)): Stats | undefined {
  if (samples.length === 0) return undefined;
  const m = mean(samples);
  const s = sd(samples);
  const moe = samples.length > 1 ? (tCritical95(samples.length - 1) * s) / Math.sqrt(samples.length) : 0;
  return {
    n: samples.length,
    meanMs: m,
    medianMs: median(samples),
    sdMs: s,
    minMs: Math.min(...samples),
    maxMs: Math.max(...samples),
    ci95Ms: [m - moe, m + moe],
    rmePct: m === 0 ? 0 : (100 * moe) / Math.abs(m),
    outliers: outlierIndexes(samples).map((i) => labels[i] as number),
  };
}
