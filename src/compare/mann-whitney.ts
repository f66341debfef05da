/** Mann-Whitney U (exact for small samples without ties, normal approximation otherwise). Pure. */
export interface MannWhitneyResult {
  /** U of the first sample: pairs (x, y) with x > y, ties counting ½. */
  u: number;
  /** Two-sided p-value. */
  pValue: number;
  method: 'exact' | 'normal';
}

/** Sample sizes up to which the exact distribution is used when there are no ties. */
const EXACT_MAX_N = 40;

/** Complementary error function (Numerical Recipes `erfcc`, fractional error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(Z > z) for a standard normal Z. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

const countsMemo = new Map<string, number[]>();

/**
 * Number of orderings of m x's and n y's giving each U (pairs x > y), index = U.
 * The largest value is either an x (above all n y's: adds n) or a y (adds nothing).
 */
function uCounts(m: number, n: number): number[] {
  if (m === 0 || n === 0) return [1];
  const key = `${m},${n}`;
  const memo = countsMemo.get(key);
  if (memo) return memo;
  const a = uCounts(m - 1, n);
  const b = uCounts(m, n - 1);
  const out = new Array<number>(m * n + 1).fill(0);
  a.forEach((c, u) => (out[u + n] = (out[u + n] as number) + c));
  b.forEach((c, u) => (out[u] = (out[u] as number) + c));
  countsMemo.set(key, out);
  return out;
}

/**
 * Two-sided Mann-Whitney U test. `auto` uses the exact distribution when there are no ties
 * and n₁ + n₂ ≤ 40, else the normal approximation with tie correction and continuity
 * correction (as R's wilcox.test and SciPy's mannwhitneyu do). Exact with ties falls back
 * to normal. All values equal → p = 1.
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[], method: 'auto' | 'exact' | 'normal' = 'auto'): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitneyU needs at least one value on each side');
  const all = [...x.map((v) => ({ v, first: true })), ...y.map((v) => ({ v, first: false }))].sort((a, b) => a.v - b.v);
  let rankSumX = 0;
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) j++;
    const t = j - i + 1;
    const avgRank = (i + 1 + j + 1) / 2;
    for (let k = i; k <= j; k++) if ((all[k] as { first: boolean }).first) rankSumX += avgRank;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const hasTies = tieTerm > 0;
  const exact = method === 'exact' ? !hasTies : method === 'auto' && !hasTies && n1 + n2 <= EXACT_MAX_N;
  if (exact) {
    const counts = uCounts(n1, n2);
    const total = counts.reduce((s, c) => s + c, 0);
    let le = 0;
    let ge = 0;
    counts.forEach((c, k) => {
      if (k <= u) le += c;
      if (k >= u) ge += c;
    });
    return { u, pValue: Math.min(1, (2 * Math.min(le, ge)) / total), method: 'exact' };
  }
  const N = n1 + n2;
  const variance = ((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  if (!(variance > 0)) return { u, pValue: 1, method: 'normal' };
  const z = Math.max(0, Math.abs(u - (n1 * n2) / 2) - 0.5) / Math.sqrt(variance);
  return { u, pValue: Math.min(1, 2 * normalSf(z)), method: 'normal' };
}
