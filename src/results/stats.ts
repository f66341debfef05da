/** Summary statistics of repeated measurements (ms). Pure. */
import type { Stats } from './types.ts';

/** Two-sided 95% critical values of Student's t, by degrees of freedom (1…30). */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tCritical95(df: number): number {
  if (df < 1) return T95[0] as number;
  if (df <= 30) return T95[df - 1] as number;
  if (df <= 60) return 2.0;
  if (df <= 120) return 1.98;
  return 1.96;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function sd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/**
 * Indexes of outliers by the MAD-based modified z-score (Iglewicz & Hoaglin): |0.6745 (x − median) / MAD| > 3.5.
 * Needs at least 3 values; with MAD = 0 nothing is flagged.
 */
export function outlierIndexes(xs: readonly number[], threshold = 3.5): number[] {
  if (xs.length < 3) return [];
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
