/**
 * Intervals of a difference of means, the one estimand behind every "is A faster than B"
 * in cachebench: Welch's interval when both sides have n ≥ 2, a prediction interval when
 * one side has a single value, and weighted sums of means (the commit-mix expectation)
 * with Welch–Satterthwaite degrees of freedom. Pure.
 */
import type { Moments } from './describe.ts';
import { momentsOf } from './describe.ts';
import { tCritical, tTwoSidedP } from './t-dist.ts';

/** An estimate with its standard error; `df` are the degrees of freedom of that error (Infinity = known). */
export interface Estimate {
  value: number;
  se: number;
  df: number;
}

/** The interval of a − b at a confidence level, with the matching two-sided p-value. */
export interface DiffInterval {
  delta: number;
  lo: number;
  hi: number;
  se: number;
  df: number;
  /** Two-sided p of "no difference"; < 1 − level exactly when the interval excludes 0. */
  pValue: number;
  /** welch: two means; prediction: one value against the other side's mean and spread. */
  method: 'welch' | 'prediction';
}

/** The mean as an estimate: se = sd/√n with n − 1 df; undefined below 2 values. */
export function meanEstimate(m: Moments): Estimate | undefined {
  return m.n >= 2 ? { value: m.mean, se: m.sd / Math.sqrt(m.n), df: m.n - 1 } : undefined;
}

/** Welch–Satterthwaite degrees of freedom of a sum of independent variance estimates. */
export function satterthwaite(parts: ReadonlyArray<{ v: number; df: number }>): number {
  const total = parts.reduce((a, p) => a + p.v, 0);
  const denom = parts.reduce((a, p) => a + (p.v > 0 && Number.isFinite(p.df) ? (p.v * p.v) / p.df : 0), 0);
  return denom > 0 ? (total * total) / denom : Infinity;
}

/** Σ wᵢ·estimateᵢ of independent estimates: se = √(Σ wᵢ²·seᵢ²), Satterthwaite df. */
export function weightedSum(terms: ReadonlyArray<{ weight: number; estimate: Estimate }>): Estimate {
  const parts = terms.map((t) => ({ v: t.weight ** 2 * t.estimate.se ** 2, df: t.estimate.df }));
  return {
    value: terms.reduce((a, t) => a + t.weight * t.estimate.value, 0),
    se: Math.sqrt(parts.reduce((a, p) => a + p.v, 0)),
    df: satterthwaite(parts),
  };
}

function interval(delta: number, se: number, df: number, level: number, method: DiffInterval['method']): DiffInterval {
  if (!(se > 0)) return { delta, lo: delta, hi: delta, se: 0, df, pValue: delta === 0 ? 1 : 0, method };
  const half = tCritical(level, df) * se;
  return { delta, lo: delta - half, hi: delta + half, se, df, pValue: tTwoSidedP(delta / se, df), method };
}

/** a − b of two independent estimates: Δ ± t(df)·√(se_a² + se_b²), Satterthwaite df. */
export function diffOfEstimates(a: Estimate, b: Estimate, level = 0.95): DiffInterval {
  const va = a.se ** 2;
  const vb = b.se ** 2;
  const df = va + vb > 0 ? satterthwaite([{ v: va, df: a.df }, { v: vb, df: b.df }]) : a.df + b.df;
  return interval(a.value - b.value, Math.sqrt(va + vb), df, level, 'welch');
}

/**
 * mean(a) − mean(b). Both n ≥ 2: Welch. One side a single value x: the other side's
 * prediction interval, x − mean ± t(n − 1)·sd·√(1 + 1/n) (it assumes the single build
 * varies as much as the others). Both single, or a side empty: undefined.
 */
export function diffMoments(a: Moments, b: Moments, level = 0.95): DiffInterval | undefined {
  const ea = meanEstimate(a);
  const eb = meanEstimate(b);
  if (ea && eb) return diffOfEstimates(ea, eb, level);
  if (a.n === 1 && eb) return interval(a.mean - b.mean, b.sd * Math.sqrt(1 + 1 / b.n), b.n - 1, level, 'prediction');
  if (b.n === 1 && ea) return interval(a.mean - b.mean, a.sd * Math.sqrt(1 + 1 / a.n), a.n - 1, level, 'prediction');
  return undefined;
}

/** Whether mean(a) and mean(b) differ at `level`, judged by the interval of their difference. */
export interface Separation {
  /** mean(a) − mean(b). */
  delta: number;
  /** The interval of delta; ±Infinity when there is none (one value on each side). */
  lo: number;
  hi: number;
  /** The interval excludes 0. Two intervals of the means can overlap while this is true. */
  separated: boolean;
}

export function separatedMoments(a: Moments, b: Moments, level = 0.95): Separation {
  const d = diffMoments(a, b, level);
  if (!d) return { delta: a.mean - b.mean, lo: -Infinity, hi: Infinity, separated: false };
  return { delta: d.delta, lo: d.lo, hi: d.hi, separated: d.lo > 0 || d.hi < 0 };
}

/** `separatedMoments` of two samples, e.g. the repetitions of two cells. */
export function separated(a: readonly number[], b: readonly number[], level = 0.95): Separation {
  return separatedMoments(momentsOf(a), momentsOf(b), level);
}
