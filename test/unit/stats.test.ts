import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bench } from 'tinybench';
import { median, OUTLIER_MIN_N, outlierIndexes, sd, summarizeSamples, tCritical95 } from '../../src/results/stats.ts';

const near = (actual: number, expected: number, tol: number) => assert.ok(Math.abs(actual - expected) <= tol, `${actual}, expected ${expected} ± ${tol}`);

test('median, sd and t critical values', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(sd([5]), 0);
  assert.ok(Math.abs(sd([2, 4, 4, 4, 5, 5, 7, 9]) - 2.138) < 0.001);
  // Computed, not tabled (published tables round to 3 decimals).
  near(tCritical95(1), 12.706, 5e-4);
  near(tCritical95(4), 2.776, 5e-4);
  near(tCritical95(1000), 1.962, 5e-4);
  near(tCritical95(0), 12.706, 5e-4);
});

test('summary: CI of the mean, one sample, identical samples', () => {
  const s = summarizeSamples([10, 12, 14]);
  assert.ok(s);
  assert.equal(s.meanMs, 12);
  assert.equal(s.medianMs, 12);
  near(tCritical95(2), 4.303, 5e-4);
  const moe = (tCritical95(2) * 2) / Math.sqrt(3);
  assert.ok(Math.abs(s.ci95Ms[0] - (12 - moe)) < 1e-9 && Math.abs(s.ci95Ms[1] - (12 + moe)) < 1e-9);
  const one = summarizeSamples([7]);
  assert.deepEqual(one?.ci95Ms, [7, 7]);
  assert.equal(one?.rmePct, 0);
  const same = summarizeSamples([5, 5, 5, 5]);
  assert.equal(same?.sdMs, 0);
  assert.deepEqual(same?.outliers, []);
  assert.equal(summarizeSamples([]), undefined);
});

test('outliers by MAD-based modified z-score, from 7 values on', () => {
  assert.equal(OUTLIER_MIN_N, 7);
  assert.deepEqual(outlierIndexes([10, 10.2, 9.9, 10.1, 10.05, 9.95, 30]), [6]);
  assert.deepEqual(outlierIndexes([10, 10.2, 9.9, 10.1, 30]), [], 'too few values to tell an outlier from noise');
  assert.deepEqual(outlierIndexes([10, 11]), []);
  assert.deepEqual(summarizeSamples([10, 10.2, 9.9, 10.1, 10.05, 9.95, 30], [1, 2, 3, 4, 5, 6, 7])?.outliers, [7]);
});

test('our summary agrees with tinybench on the same overridden durations', async () => {
  const samples = [4200, 4310, 4150, 4800, 4275];
  let i = 0;
  const bench = new Bench({ iterations: samples.length, time: 0, warmup: false, throws: true });
  // An async task, as in the runner: tinybench calls a sync one once more to probe it.
  bench.add('x', async () => ({ overriddenDuration: samples[i++] as number }));
  await bench.run();
  const l = (bench.tasks[0]?.result as { latency: { mean: number; sd: number; min: number; max: number; moe: number; p50: number; samplesCount: number } }).latency;
  const ours = summarizeSamples(samples);
  assert.ok(ours);
  assert.equal(l.samplesCount, 5);
  assert.ok(Math.abs(l.mean - ours.meanMs) < 1e-6);
  assert.ok(Math.abs(l.sd - ours.sdMs) < 1e-6);
  assert.equal(l.min, ours.minMs);
  assert.equal(l.max, ours.maxMs);
  assert.ok(Math.abs(l.p50 - ours.medianMs) < 1e-6);
  assert.ok(Math.abs(l.moe - (ours.ci95Ms[1] - ours.meanMs)) / l.moe < 0.01, `moe ${l.moe} vs ${ours.ci95Ms[1] - ours.meanMs}`);
});
