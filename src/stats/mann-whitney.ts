/**
 * Mann-Whitney U: exact permutation distribution (mid-ranks, so ties are exact too) for
 * small samples, normal approximation with tie and continuity correction otherwise. Pure.
 */
import { normalSf } from './normal.ts';

export interface MannWhitneyResult {
  /** U of the first sample: pairs (x, y) with x > y, ties counting ½. */
  u: number;
  /** Two-sided p-value. */
  pValue: number;
  method: 'exact' | 'normal';
}

/** Up to this many values in all, `auto` counts the exact distribution (C(40, 20) ≈ 1.4e11 stays exact in a double). */
const EXACT_MAX_N = 40;

/** Each value's mid-rank, doubled so that it is an integer (ties share the mean of their ranks). */
function doubledMidRanks(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length).fill(0);
  let tieTerm = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && (order[j + 1] as { v: number }).v === (order[i] as { v: number }).v) j++;
    for (let k = i; k <= j; k++) ranks[(order[k] as { i: number }).i] = i + j + 2;
    tieTerm += (j - i + 1) ** 3 - (j - i + 1);
    i = j + 1;
  }
  return { ranks, tieTerm };
}

/**
 * How many ways to pick `k` of the values give each sum of doubled ranks: counts[s] over
 * all C(N, k) splits, the permutation distribution of the first sample's rank sum.
 */
function rankSumCounts(ranks: readonly number[], k: number): number[] {
  const maxSum = ranks.reduce((a, r) => a + r, 0);
  let dp: number[][] = Array.from({ length: k + 1 }, (_, j) => new Array<number>(j === 0 ? 1 : 0).fill(1));
  for (const r of ranks) {
    const next = dp.map((row) => [...row]);
    for (let j = 1; j <= k; j++) {
      const from = dp[j - 1] as number[];
      const to = next[j] as number[];
      from.forEach((c, s) => {
        if (c) to[s + r] = (to[s + r] ?? 0) + c;
      });
    }
    dp = next;
  }
  const out = new Array<number>(maxSum + 1).fill(0);
  (dp[k] as number[]).forEach((c, s) => (out[s] = (c ?? 0) + (out[s] as number)));
  return out;
}

/** Exact two-sided p: the share of splits whose rank sum is at least as far from its mean as the observed one. */
function exactP(ranks: readonly number[], n1: number, observed2: number): number {
  const N = ranks.length;
  const centre2 = n1 * (N + 1);
  const dist = Math.abs(observed2 - centre2);
  let total = 0;
  let extreme = 0;
  rankSumCounts(ranks, n1).forEach((c, s) => {
    if (!c) return;
    total += c;
    if (Math.abs(s - centre2) >= dist) extreme += c;
  });
  return Math.min(1, extreme / total);
}

/** The smallest two-sided p an exact rank test can give with n1 and n2 values and no ties: 2 / C(n1 + n2, n1). */
export function minExactP(n1: number, n2: number): number {
  let c = 1;
  for (let i = 1; i <= Math.min(n1, n2); i++) c = (c * (n1 + n2 - i + 1)) / i;
  return Math.min(1, 2 / c);
}

/**
 * Two-sided Mann-Whitney U test. `auto` counts the exact permutation distribution (ties
 * included, by mid-ranks) when n₁ + n₂ ≤ 40, else uses the normal approximation with tie
 * and continuity correction (as R's wilcox.test and SciPy's mannwhitneyu do). All values
 * equal → p = 1.
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[], method: 'auto' | 'exact' | 'normal' = 'auto'): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitneyU needs at least one value on each side');
  const { ranks, tieTerm } = doubledMidRanks([...x, ...y]);
  const rankSum2 = ranks.slice(0, n1).reduce((a, r) => a + r, 0);
  const u = rankSum2 / 2 - (n1 * (n1 + 1)) / 2;
  if (method === 'exact' || (method === 'auto' && n1 + n2 <= EXACT_MAX_N)) {
    return { u, pValue: exactP(ranks, n1, rankSum2), method: 'exact' };
  }
  const N = n1 + n2;
  const variance = ((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  if (!(variance > 0)) return { u, pValue: 1, method: 'normal' };
  const z = Math.max(0, Math.abs(u - (n1 * n2) / 2) - 0.5) / Math.sqrt(variance);
  return { u, pValue: Math.min(1, 2 * normalSf(z)), method: 'normal' };
}
