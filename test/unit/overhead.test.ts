/** The time outside the measured window: reset parts, copying the seed's state, run wall over builds wall. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeOverhead } from '../../src/results/io.ts';
import { overheadText } from '../../src/report/tables.ts';
import type { Results } from '../../src/results/types.ts';

const run = (wallMs: number, resetMs: number, images: number, prepareMs: number) => ({
  repetition: 1, status: 'ok' as const, wallMs, buildxWallMs: wallMs - 100, phases: {}, steps: [], cachedSteps: 0, totalSteps: 1, warnings: [], startedAt: '',
  resetMs, prepareMs, resetSteps: { containers: 100, 'build cache': resetMs - images - 100, images },
});

test('overhead: median reset and its parts, median preparation, and the run over its builds', () => {
  const results = {
    environment: { startedAt: '2026-12-01T00:00:00Z', finishedAt: '2026-12-01T00:01:00Z' },
    seeds: { none: { ...run(20000, 0, 0, 0) } },
    cells: [{ runs: [run(10000, 3000, 2000, 500), run(10000, 5000, 4000, 700), run(10000, 4000, 3000, 600)] }],
  } as unknown as Results;
  const o = computeOverhead(results);
  assert.equal(o?.medianResetMs, 4000);
  assert.deepEqual(o?.medianResetSteps, { containers: 100, 'build cache': 900, images: 3000 });
  assert.equal(o?.medianPrepareMs, 600);
  assert.equal(o?.runRatio, 60000 / 50000);
  results.overhead = o;
  assert.match(overheadText(results), /making the builder fresh took 4\.0 s per build \(median; its parts, run at once: containers 100 ms, build cache 900 ms, images 3\.0 s\)\. Copying the seed's image and cache .* 600 ms \(median\), while the builder was made fresh\. The whole run took 1\.20× the builds' own wall time/);
});

test('durations round to whole seconds before minutes are split: no "44m60s"', async () => {
  const { fmtMs } = await import('../../src/progress.ts');
  assert.equal(fmtMs(2699_600), '45m00s');
  assert.equal(fmtMs(59_960), '1m00s');
  assert.equal(fmtMs(59_940), '59.9 s');
  assert.equal(fmtMs(61_400), '1m01s');
});
