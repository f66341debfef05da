/** The time outside the measured window: reset parts, copying the seed's state, run wall over builds wall. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeOverhead } from '../../src/results/io.ts';
import { overheadText } from '../../src/report/tables.ts';
import type { Results } from '../../src/results/types.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths.ts';

const run = (wallMs: number, resetMs: number, images: number, prepareMs: number) => ({
  repetition: 1, status: 'ok' as const, wallMs, buildxWallMs: wallMs - 100, phases: {}, steps: [], cachedSteps: 0, totalSteps: 1, warnings: [], startedAt: '',
  resetMs, prepareMs, waitMs: resetMs / 2, resetSteps: { containers: 100, 'build cache': resetMs - images - 100, images },
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
  assert.equal(o?.medianWaitMs, 2000);
  assert.equal(o?.runRatio, 60000 / 50000);
  results.overhead = o;
  assert.match(overheadText(results), /making the builder fresh took 4\.0 s per build \(median; its parts, run at once: containers 100 ms, build cache 900 ms, images 3\.0 s\)\. Copying the seed's image and cache .* 600 ms \(median\), while the builder was made fresh\. The wipe starts as soon as the previous build has finished with the engine, so a build waited 2\.0 s \(median\) .* The whole run took 1\.20× the builds' own wall time/);
});

test('durations round to whole seconds before minutes are split: no "44m60s"', async () => {
  const { fmtMs } = await import('../../src/progress.ts');
  assert.equal(fmtMs(2699_600), '45m00s');
  assert.equal(fmtMs(59_960), '1m00s');
  assert.equal(fmtMs(59_940), '59.9 s');
  assert.equal(fmtMs(61_400), '1m01s');
});

test('the stored default .NET run of 2026-12-02 (issue 17): every build proved a fresh start; the early wipe\'s saving is in the record', () => {
  const r = JSON.parse(readFileSync(path.join(projectRoot, 'reports', 'overhead', '2026-12-02-default.results.json'), 'utf8')) as Results;
  const measured = r.cells.flatMap((c) => c.runs);
  assert.equal(measured.length, 45);
  // Each measured build waited for the wipe the previous build started, and found the engine empty.
  for (const b of measured) {
    assert.ok(b.resetSteps && 'emptiness check' in b.resetSteps, JSON.stringify(b.resetSteps));
    assert.ok(b.waitMs !== undefined && b.resetMs !== undefined && b.waitMs < b.resetMs + (b.prepareMs ?? 0), `${b.waitMs} ${b.resetMs}`);
  }
  for (const c of r.cells.filter((x) => x.mode === 'none')) assert.deepEqual(c.runs.map((b) => b.cachedSteps), [0, 0, 0], c.id);
  const o = computeOverhead(r);
  assert.equal(o?.runRatio?.toFixed(3), '1.126');
  assert.equal(((o?.medianResetMs ?? 0) / 1000).toFixed(2), '8.64');
  assert.equal(((o?.medianWaitMs ?? 0) / 1000).toFixed(2), '7.54');
  // The part of each reset that ran behind the previous build's bookkeeping: without it the run would have taken 1.135×.
  const hidden = measured.reduce((t, b) => t + (b.resetMs ?? 0) - (b.waitMs ?? 0), 0);
  const builds = [...Object.values(r.seeds), ...measured].reduce((t, b) => t + b.wallMs, 0);
  const wall = Date.parse(r.environment.finishedAt ?? '') - Date.parse(r.environment.startedAt);
  assert.equal((hidden / 1000).toFixed(1), '34.9');
  assert.equal(((wall + hidden) / builds).toFixed(3), '1.135');
});
