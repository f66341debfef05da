/**
 * The time part of a cell's verdict in the in-run reference: the change of the mode's
 * ratio to the control (`none`, same scenario, same run) from the baseline to the current
 * run, its interval and whether it is significant (src/stats/ratio.ts). Pure.
 *
 * Significant: the interval of the change of the log ratio excludes 0 (p < alpha), or
 * the change exceeds 2 × the fail threshold where the absolute rule (time-test.ts) counts
 * such a gross change too: one build each side, or so few that no rank test could reach
 * alpha — judged on the mode's builds and on the ratio's own n (pairs, or its smaller
 * side), so that the reference never catches less than the absolute rule at tiny n.
 */
import { diffLogRatios, type LogRatio, type LogRatioDiff } from '../stats/ratio.ts';
import { grossFallbackApplies, levelText } from './time-test.ts';
import type { CompareOptions } from './types.ts';

export interface RatioTest {
  /** exp(cur − base) − 1 of the log ratios, percent (positive = slower relative to the control). */
  changePct: number;
  ciPct: [number, number] | null;
  pValue: number | null;
  method: LogRatioDiff['method'];
  significant: boolean;
  /** The evidence in words: why the change is significant, or why not. */
  evidence: string[];
}

const pct = (logDelta: number): number => 100 * Math.expm1(logDelta);

function pText(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

/** Whether the absolute rule counts a change beyond 2 × the fail threshold with these n. */
export function grossCounts(nBase: number, nCur: number, alpha: number): boolean {
  return (nBase === 1 && nCur === 1) || grossFallbackApplies(nBase, nCur, alpha);
}

/** How a run's ratio was estimated, in words. */
function how(r: LogRatio): string {
  return r.method === 'paired' ? `${r.pairs} rounds paired` : r.method === 'single' ? 'one build each' : 'unpaired';
}

function testText(d: LogRatioDiff, base: LogRatio, cur: LogRatio, alpha: number): string {
  const p = pText(d.pValue as number);
  if (d.method !== 'prediction') return `t-test of the log ratios (baseline ${how(base)}, current ${how(cur)}), ${p}`;
  const [single, other] = base.method === 'single' ? ['baseline', 'current'] : ['current', 'baseline'];
  return `one build each in the ${single} run, ${(d.pValue as number) < alpha ? 'outside' : 'inside'} the ${levelText(alpha)} prediction interval from the ${other} run's spread, ${p}`;
}

/** The reference test of one cell: `base` and `cur` are its log ratios to the control in each run; nMode the mode's successful builds in each run. */
export function ratioTest(base: LogRatio, cur: LogRatio, nMode: { baseline: number; current: number }, o: Pick<CompareOptions, 'alpha' | 'failPct'>): RatioTest {
  const d = diffLogRatios(base, cur, 1 - o.alpha);
  const changePct = pct(d.delta);
  const gross = Math.abs(changePct) > 2 * o.failPct;
  const grossText = `${gross ? 'beyond' : 'within'} ${2 * o.failPct}%`;
  if (d.pValue === null || d.lo === null || d.hi === null) {
    return { changePct, ciPct: null, pValue: null, method: d.method, significant: gross, evidence: [`one build of the mode and of none in each run: ${grossText}`] };
  }
  const checks = [{ significant: d.pValue < o.alpha, text: testText(d, base, cur, o.alpha) }];
  if (grossCounts(nMode.baseline, nMode.current, o.alpha) || grossFallbackApplies(base.n, cur.n, o.alpha)) {
    checks.push({ significant: gross, text: `${grossText} with ${base.n} vs ${cur.n} builds per ratio` });
  }
  const significant = checks.some((x) => x.significant);
  const evidence = checks.filter((x) => x.significant === significant).map((x) => x.text);
  return { changePct, ciPct: [pct(d.lo), pct(d.hi)], pValue: d.pValue, method: d.method, significant, evidence };
}
