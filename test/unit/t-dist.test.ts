/** Student's t computed (src/stats/t-dist.ts): quantiles against published values, tails against direct integration. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incompleteBeta, lnGamma, tCdf, tCritical, tQuantile, tTwoSidedP } from '../../src/stats/t-dist.ts';
import { normalQuantile, normalSf } from '../../src/stats/normal.ts';

const near = (actual: number, expected: number, tol: number, what = '') => assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual}, expected ${expected} ± ${tol}`);

test('t(0.975, df) matches the published table, beyond df 30 too', () => {
  const table: Array<[number, number]> = [[1, 12.706], [2, 4.303], [3, 3.182], [5, 2.571], [10, 2.228], [30, 2.042], [31, 2.04], [40, 2.021], [60, 2.0], [120, 1.98]];
  for (const [df, t] of table) near(tCritical(0.95, df), t, 5e-4, `df ${df}`);
  near(tCritical(0.95, 1e9), 1.96, 5e-4, 'df → ∞');
  near(tQuantile(0.995, 1), 63.657, 5e-3, 'df 1, 99%');
  near(tQuantile(0.9999, 3), 22.204, 5e-3, 'df 3, 99.98%');
  near(tQuantile(0.025, 5), -2.571, 5e-4, 'lower tail');
  assert.equal(tQuantile(0.5, 7), 0);
  assert.ok(Number.isNaN(tQuantile(0.975, 0)));
});

test('fractional df (Welch): the quantile is where the integrated density reaches 0.975', () => {
  for (const df of [1.3, 2.44, 2.941, 7.5, 17.776]) {
    const t = tCritical(0.95, df);
    // Simpson's rule on the density from 0 to t, in the variable θ = atan(x) to keep the tails finite.
    const pdf = (x: number) => Math.exp(lnGamma((df + 1) / 2) - lnGamma(df / 2)) / Math.sqrt(df * Math.PI) / (1 + (x * x) / df) ** ((df + 1) / 2);
    const steps = 20_000;
    const top = Math.atan(t);
    let sum = 0;
    for (let i = 0; i <= steps; i++) {
      const th = (top * i) / steps;
      const f = pdf(Math.tan(th)) / Math.cos(th) ** 2;
      sum += f * (i === 0 || i === steps ? 1 : i % 2 ? 4 : 2);
    }
    near(0.5 + (sum * top) / steps / 3, 0.975, 1e-9, `df ${df}`);
  }
});

test('two-sided p-values and the CDF', () => {
  near(tTwoSidedP(2.571, 5), 0.05, 1e-4, 'df 5');
  near(tTwoSidedP(-1.8608, 17.776), 0.07939, 1e-5, 'R sleep data Welch');
  assert.equal(tTwoSidedP(0, 3), 1);
  assert.equal(tTwoSidedP(Infinity, 3), 0);
  near(tCdf(1, 1), 0.75, 1e-12, 'Cauchy');
  near(tCdf(-1, 1), 0.25, 1e-12, 'Cauchy');
});

test('incomplete beta, log-gamma and the normal helpers', () => {
  near(incompleteBeta(0.5, 2, 3), 0.6875, 1e-12, 'I_0.5(2, 3)');
  near(incompleteBeta(0.3, 1, 1), 0.3, 1e-12, 'uniform');
  near(lnGamma(5), Math.log(24), 1e-12, 'Γ(5)');
  near(lnGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-12, 'Γ(½)');
  near(normalQuantile(0.975), 1.959964, 1e-6, 'z 0.975');
  near(normalQuantile(0.001), -3.090232, 1e-6, 'z 0.001');
  near(normalSf(1.959964), 0.025, 1e-7, 'normal tail');
});
