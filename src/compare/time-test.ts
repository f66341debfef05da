/**
 * The time part of a cell's verdict: the change of the mean wall time, the interval of that
 * change and whether it is significant — one estimand, the difference of the means, for all
 * three. Pure.
 *
 * - both sides n ≥ 2: Welch's t-test (the interval of the difference excludes 0 exactly
 *   when p < alpha); with so few repetitions that no rank test could reach alpha (2 vs ≤ 7,
 *   3 vs ≤ 4 at alpha 0.05), a change of the mean beyond 2 × the fail threshold counts too,
 *   so that two repetitions never catch less than one;
 * - one side a single build: the other side's prediction interval;
 * - one build on each side: the change must exceed 2 × the fail threshold.
 */
import { momentsOf } from '../stats/describe.ts';
import { diffMoments, type DiffInterval } from '../stats/difference.ts';
import { minExactP } from '../stats/mann-whitney.ts';
import type { CompareOptions } from './types.ts';

export interface TimeTest {
  /** mean(current) / mean(baseline) − 1, in percent (positive = slower). */
  changePct: number;
  /** The interval of mean(current) − mean(baseline) at level 1 − alpha, in percent of the baseline mean; null for 1 vs 1. */
  ciPct: [number, number] | null;
  /** Two-sided p of the test used; null for 1 vs 1. */
  pValue: number | null;
  method: 'welch' | 'prediction' | 'ratio';
  significant: boolean;
  /** The evidence in words: why the change is significant, or why not. */
  evidence: string[];
}

/** "95%" for alpha 0.05. */
export function levelText(alpha: number): string {
  return `${Number(((1 - alpha) * 100).toFixed(2))}%`;
}

/** "p = 0.014", "p < 0.001". */
function pText(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

/** Whether the sides are so small that a gross change must count without a test (see the module comment). */
export function grossFallbackApplies(nBase: number, nCur: number, alpha: number): boolean {
  return nBase >= 2 && nCur >= 2 && minExactP(nBase, nCur) >= alpha;
}

function testEvidence(d: DiffInterval, nBase: number, nCur: number, o: Pick<CompareOptions, 'alpha'>): { significant: boolean; text: string } {
  const significant = d.pValue < o.alpha;
  if (d.method === 'welch') return { significant, text: `Welch t-test ${pText(d.pValue)}${significant && d.pValue >= 0.001 ? ` < ${o.alpha}` : ''}` };
  const side = nCur === 1 ? `the baseline's ${nBase} builds` : `the current run's ${nCur} builds`;
  return { significant, text: `${significant ? 'outside' : 'inside'} the ${levelText(o.alpha)} prediction interval of ${side}, ${pText(d.pValue)}` };
}

/** The time test of one cell; undefined when the baseline mean is 0 or a side has no successful run. */
export function timeTest(base: readonly number[], cur: readonly number[], o: Pick<CompareOptions, 'alpha' | 'failPct'>): TimeTest | undefined {
  const b = momentsOf(base);
  const c = momentsOf(cur);
  if (b.n === 0 || c.n === 0 || b.mean === 0) return undefined;
  const pct = (ms: number): number => (100 * ms) / b.mean;
  const changePct = pct(c.mean - b.mean);
  const gross = Math.abs(changePct) > 2 * o.failPct;
  const d = diffMoments(c, b, 1 - o.alpha);
  if (!d) {
    const evidence = [`single repetition ${gross ? 'and beyond' : 'within'} ${2 * o.failPct}%`];
    return { changePct, ciPct: null, pValue: null, method: 'ratio', significant: gross, evidence };
  }
  const test = testEvidence(d, b.n, c.n, o);
  const checks = [test];
  if (grossFallbackApplies(b.n, c.n, o.alpha)) checks.push({ significant: gross, text: `${gross ? 'beyond' : 'within'} ${2 * o.failPct}% with ${b.n} vs ${c.n} repetitions` });
  const significant = checks.some((x) => x.significant);
  // Significant: the checks that found it; not: every check that did not.
  const evidence = checks.filter((x) => x.significant === significant).map((x) => x.text);
  return { changePct, ciPct: [pct(d.lo), pct(d.hi)], pValue: d.pValue, method: d.method, significant, evidence };
}
