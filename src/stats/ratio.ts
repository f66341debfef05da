/**
 * The in-run reference: a cell's wall times relative to a control cell of the same run
 * (compare uses `none` of the same scenario), on the log scale, and the change of that
 * ratio between two runs. A night on a slower machine moves the control and the mode
 * alike, so their ratio stays; a mode that regressed moves alone. Pure.
 *
 * Estimand: E[log t_mode] − E[log t_control], the log of the geometric-mean ratio.
 * - paired (interleaved runs, ≥ 2 rounds in which both cells have a successful build):
 *   the mean of log(t_mode / t_control) over those rounds, se² = s²/n, n − 1 df. Builds of
 *   one round ran minutes apart, so what moved the machine during the night cancels;
 * - unpaired (sequential runs, or < 2 common rounds): mean(log t_mode) − mean(log t_control),
 *   se² = s₁²/n₁ + s₂²/n₂, Welch–Satterthwaite df. A side with a single build is assumed to
 *   vary like the other side (the prediction interval's assumption): se² = s²·(1/n + 1),
 *   n − 1 df;
 * - single: one build on each side, no variance at all.
 */
import { mean, sd } from './describe.ts';
import { satterthwaite } from './difference.ts';
import { tCritical, tTwoSidedP } from './t-dist.ts';

/** One successful build: its wall time and, in interleaved runs, its round. */
export interface TimedBuild {
  ms: number;
  round?: number;
}

/**
 * An independent variance estimate behind a log ratio: `s2` with `df` degrees of freedom
 * counts `w`·s2 towards the estimate's se², and `u`·s2 towards the variance of one build's
 * ratio (one build of each cell), which a lone ratio of another run is assumed to share.
 */
export interface VariancePart {
  s2: number;
  df: number;
  w: number;
  u: number;
}

export interface LogRatio {
  /** The estimate of E[log t_mode] − E[log t_control]; exp(value) is the ratio. */
  value: number;
  method: 'paired' | 'unpaired' | 'single';
  /** The variance estimates behind `value`; empty for 'single'. */
  parts: VariancePart[];
  /** Rounds paired (0 unless paired). */
  pairs: number;
  nMode: number;
  nControl: number;
  /** The n the small-sample rules see: the pairs, or the smaller side. */
  n: number;
}

/** The estimate's standard error and df; undefined for 'single'. */
export function logRatioError(r: LogRatio): { se: number; df: number } | undefined {
  if (!r.parts.length) return undefined;
  const v = r.parts.map((p) => ({ v: p.w * p.s2, df: p.df }));
  return { se: Math.sqrt(v.reduce((a, p) => a + p.v, 0)), df: satterthwaite(v) };
}

/** Mean log wall time per round (a round holds one build of a cell; two would be averaged). */
function logsByRound(builds: readonly TimedBuild[]): Map<number, number> {
  const acc = new Map<number, number[]>();
  for (const b of builds) if (b.round !== undefined) acc.set(b.round, [...(acc.get(b.round) ?? []), Math.log(b.ms)]);
  return new Map([...acc].map(([round, logs]) => [round, mean(logs)]));
}

function paired(mode: readonly TimedBuild[], control: readonly TimedBuild[]): LogRatio | undefined {
  const m = logsByRound(mode);
  const c = logsByRound(control);
  const d = [...m].flatMap(([round, lm]) => (c.has(round) ? [lm - (c.get(round) as number)] : []));
  if (d.length < 2) return undefined;
  const n = d.length;
  return { value: mean(d), method: 'paired', parts: [{ s2: sd(d) ** 2, df: n - 1, w: 1 / n, u: 1 }], pairs: n, nMode: mode.length, nControl: control.length, n };
}

function unpaired(mode: readonly TimedBuild[], control: readonly TimedBuild[]): LogRatio {
  const lm = mode.map((b) => Math.log(b.ms));
  const lc = control.map((b) => Math.log(b.ms));
  const [nm, nc] = [lm.length, lc.length];
  const base = { value: mean(lm) - mean(lc), pairs: 0, nMode: nm, nControl: nc, n: Math.min(nm, nc) };
  if (nm >= 2 && nc >= 2) {
    return { ...base, method: 'unpaired', parts: [{ s2: sd(lm) ** 2, df: nm - 1, w: 1 / nm, u: 1 }, { s2: sd(lc) ** 2, df: nc - 1, w: 1 / nc, u: 1 }] };
  }
  // One build on a side: it is assumed to vary like the other side's builds.
  const other = nm >= 2 ? lm : nc >= 2 ? lc : undefined;
  if (!other) return { ...base, method: 'single', parts: [] };
  return { ...base, method: 'unpaired', parts: [{ s2: sd(other) ** 2, df: other.length - 1, w: 1 / other.length + 1, u: 2 }] };
}

/**
 * log(t_mode / t_control) of one run: paired by round when both cells have a successful
 * build in ≥ 2 common rounds, else unpaired. Only successful builds belong in the samples;
 * undefined when a side is empty or holds a time ≤ 0.
 */
export function logRatio(mode: readonly TimedBuild[], control: readonly TimedBuild[]): LogRatio | undefined {
  if (!mode.length || !control.length || [...mode, ...control].some((b) => !(b.ms > 0))) return undefined;
  return paired(mode, control) ?? unpaired(mode, control);
}

/** cur − base of two runs' log ratios, with its interval at `level`. */
export interface LogRatioDiff {
  /** On the log scale; exp(delta) − 1 is the change of the ratio. */
  delta: number;
  /** The interval of delta; null for 'single'. */
  lo: number | null;
  hi: number | null;
  se: number | null;
  df: number | null;
  /** Two-sided p of "the ratio did not change"; null for 'single'. */
  pValue: number | null;
  /**
   * paired: both runs paired by round; unpaired: both have a variance, one at least
   * unpaired; prediction: one run has a single build on each side, and its ratio is
   * assumed to vary as one build's ratio of the other run; single: neither has a variance.
   */
  method: 'paired' | 'unpaired' | 'prediction' | 'single';
}

function withError(delta: number, parts: readonly VariancePart[], weight: (p: VariancePart) => number, level: number, method: LogRatioDiff['method']): LogRatioDiff {
  const v = parts.map((p) => ({ v: weight(p) * p.s2, df: p.df }));
  const se = Math.sqrt(v.reduce((a, p) => a + p.v, 0));
  const df = satterthwaite(v);
  if (!(se > 0)) return { delta, lo: delta, hi: delta, se: 0, df, pValue: delta === 0 ? 1 : 0, method };
  const half = tCritical(level, df) * se;
  return { delta, lo: delta - half, hi: delta + half, se, df, pValue: tTwoSidedP(delta / se, df), method };
}

/**
 * The change of the log ratio from `base` to `cur` (independent runs): se² is the sum of
 * both runs' se², Welch–Satterthwaite df. A run with a single build on each side borrows
 * the other run's spread of one build's ratio (a prediction interval); neither with a
 * spread: no interval ('single').
 */
export function diffLogRatios(base: LogRatio, cur: LogRatio, level = 0.95): LogRatioDiff {
  const delta = cur.value - base.value;
  const [b, c] = [base.parts.length > 0, cur.parts.length > 0];
  if (b && c) return withError(delta, [...base.parts, ...cur.parts], (p) => p.w, level, base.method === 'paired' && cur.method === 'paired' ? 'paired' : 'unpaired');
  if (b || c) return withError(delta, b ? base.parts : cur.parts, (p) => p.w + p.u, level, 'prediction');
  return { delta, lo: null, hi: null, se: null, df: null, pValue: null, method: 'single' };
}
