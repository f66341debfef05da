/** Intervals of a difference of means (src/stats/difference.ts): Welch, prediction, weighted sums, `separated`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { momentsOf } from '../../src/stats/describe.ts';
import { diffMoments, diffOfEstimates, meanEstimate, separated, weightedSum } from '../../src/stats/difference.ts';
import { tCritical } from '../../src/stats/t-dist.ts';

const near = (actual: number, expected: number, tol: number, what = '') => assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual}, expected ${expected} ± ${tol}`);

// R: t.test(extra ~ group, data = sleep) → t = -1.8608, df = 17.776, p = 0.07939, CI -3.3654832 … 0.2054832.
const SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

test('Welch interval of the difference matches R\'s t.test', () => {
  const d = diffMoments(momentsOf(SLEEP_1), momentsOf(SLEEP_2));
  assert.ok(d);
  assert.equal(d.method, 'welch');
  near(d.delta, -1.58, 1e-12, 'delta');
  near(d.df, 17.776, 1e-3, 'df');
  near(d.lo, -3.3654832, 1e-6, 'lo');
  near(d.hi, 0.2054832, 1e-6, 'hi');
  near(d.pValue, 0.07939, 1e-5, 'p');
});

test('one value against a sample: the prediction interval of the sample', () => {
  const base = [70, 130, 100, 60, 140];
  const d = diffMoments(momentsOf([155]), momentsOf(base));
  assert.ok(d);
  assert.equal(d.method, 'prediction');
  const half = tCritical(0.95, 4) * Math.sqrt(1250) * Math.sqrt(1 + 1 / 5);
  near(d.lo, 55 - half, 1e-9, 'lo');
  near(d.hi, 55 + half, 1e-9, 'hi');
  assert.ok(d.pValue > 0.05);
  assert.equal(diffMoments(momentsOf([1]), momentsOf([2])), undefined, 'one value each: no interval');
});

test('zero spread: a point interval, p 0 or 1', () => {
  const d = diffMoments(momentsOf([5, 5]), momentsOf([3, 3]));
  assert.deepEqual([d?.lo, d?.hi, d?.pValue], [2, 2, 0]);
  assert.equal(diffMoments(momentsOf([5, 5]), momentsOf([5, 5]))?.pValue, 1);
});

test('weighted sum of means: se and Welch–Satterthwaite df; difference of two sums', () => {
  const a = meanEstimate(momentsOf([1000, 1100, 1200])) as NonNullable<ReturnType<typeof meanEstimate>>;
  const b = meanEstimate(momentsOf([2000, 2200, 2400, 2600])) as NonNullable<ReturnType<typeof meanEstimate>>;
  const sum = weightedSum([{ weight: 0.75, estimate: a }, { weight: 0.25, estimate: b }]);
  near(sum.value, 0.75 * 1100 + 0.25 * 2300, 1e-9, 'value');
  const v1 = 0.75 ** 2 * (100 ** 2 / 3);
  const v2 = 0.25 ** 2 * (200_000 / 3 / 4); // sd² = (300² + 100² + 100² + 300²) / 3
  near(sum.se, Math.sqrt(v1 + v2), 1e-9, 'se');
  near(sum.df, (v1 + v2) ** 2 / (v1 ** 2 / 2 + v2 ** 2 / 3), 1e-9, 'df');
  // Two means as estimates give Welch's interval.
  const w = diffOfEstimates(meanEstimate(momentsOf(SLEEP_1)) as never, meanEstimate(momentsOf(SLEEP_2)) as never);
  near(w.lo, -3.3654832, 1e-6, 'lo');
});

test('separated(a, b): the interval of the difference decides, even when the two CIs overlap', () => {
  const a = [100, 102, 104];
  const b = [105, 107, 109];
  const ci = (xs: number[]) => {
    const m = momentsOf(xs);
    const h = (tCritical(0.95, m.n - 1) * m.sd) / Math.sqrt(m.n);
    return [m.mean - h, m.mean + h] as const;
  };
  assert.ok(ci(a)[1] > ci(b)[0], 'the 95% CIs of the two means overlap');
  const s = separated(a, b);
  assert.equal(s.delta, -5);
  assert.ok(s.separated && s.hi < 0, `${s.lo} … ${s.hi}`);
  near(s.hi, -5 + tCritical(0.95, 4) * Math.sqrt(8 / 3), 1e-9, 'hi');
  assert.equal(separated([100, 110], [104, 106]).separated, false);
  assert.deepEqual(separated([1], [2]), { delta: -1, lo: -Infinity, hi: Infinity, separated: false });
});
