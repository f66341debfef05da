import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths.ts';
import { finishedStatus, markStopped, notMeasuredLine, runOutcome, setupProblemOf, unmeasuredCells, unusableImageOf } from '../../src/run/outcome.ts';
import type { BuildRecord, Results } from '../../src/results/types.ts';

type BuildError = NonNullable<BuildRecord['error']>;
const recorded = JSON.parse(readFileSync(path.join(projectRoot, 'test/fixtures/buildkit-errors/unresolvable-images.json'), 'utf8')) as Record<'noMatchForPlatform' | 'notFound', BuildError>;
/** A complete tiny run (5 modes × 3 scenarios × 1 repetition), recorded. */
const complete = (): Results => JSON.parse(readFileSync(path.join(projectRoot, 'test/fixtures/results-tiny-quick.json'), 'utf8')) as Results;
const ARM64_ONLY = '127.0.0.1:5765/cachebench/exp/arm64only:1';

/** Seeds of `modes` failed with `error`, their cells unmeasured; the other modes' seeds never ran. */
function seedsFailed(r: Results, modes: string[], error: BuildError): Results {
  for (const [mode, seed] of Object.entries(r.seeds)) {
    if (modes.includes(mode)) r.seeds[mode] = { ...seed, status: 'failed', error };
    else delete r.seeds[mode];
  }
  for (const c of r.cells) c.runs = [];
  return r;
}

test('BuildKit errors for a FROM it cannot resolve name the image (recorded: no match for platform, not found)', () => {
  assert.deepEqual(unusableImageOf(recorded.noMatchForPlatform), { image: ARM64_ONLY, reason: 'no match for platform in manifest: not found' });
  assert.deepEqual(unusableImageOf(recorded.notFound), { image: '127.0.0.1:5765/cachebench/exp/missing:1', reason: '127.0.0.1:5765/cachebench/exp/missing:1: not found' });
  // Only the step is known (the log tail cut off): the failing metadata lookup still names it.
  assert.deepEqual(unusableImageOf({ message: 'step "[internal] load metadata for docker.io/library/node:20" failed: pull access denied', step: '[internal] load metadata for docker.io/library/node:20', logTail: '' }), {
    image: 'docker.io/library/node:20',
    reason: 'pull access denied',
  });
  assert.equal(unusableImageOf({ message: 'step "[build 3/4] RUN false" failed: exit code 1', step: '[build 3/4] RUN false', exitCode: 1, logTail: 'ERROR: process "/bin/sh -c false" did not complete successfully: exit code: 1' }), undefined);
  assert.equal(unusableImageOf(undefined), undefined);
});

test('a complete run exits 0 and prints no headline; its status is complete', () => {
  const o = runOutcome(complete());
  assert.equal(o.exitCode, 0);
  assert.equal(o.headline, undefined);
  assert.deepEqual(o.unmeasured, []);
  assert.equal(finishedStatus(complete()), 'complete');
});

test('a run that measured nothing never exits 0: zero runs at all is exit 1 and status failed', () => {
  const r = complete();
  r.seeds = {};
  for (const c of r.cells) c.runs = [];
  const o = runOutcome(r);
  assert.equal(o.exitCode, 1);
  assert.equal(o.unmeasured.length, 15);
  assert.match(o.headline ?? '', /^not measured: code-change × none, dependency-change × none, no-change × none, .* — no seed build was recorded$/);
  assert.equal(finishedStatus(r), 'failed');
});

test('one failed seed: exit 1, the first line names its cells and why; the other cells count as measured', () => {
  const r = complete();
  const seed = r.seeds['registry-max'];
  assert.ok(seed);
  r.seeds['registry-max'] = { ...seed, status: 'failed', error: { message: 'step "[builder 4/6] RUN sleep 2 && sort deps.txt" failed: exit code 1', logTail: '', exitCode: 1 } };
  for (const c of r.cells) if (c.mode === 'registry-max') c.runs = [];
  const o = runOutcome(r);
  assert.equal(o.exitCode, 1);
  assert.equal(o.setup, undefined, 'not a base image problem');
  assert.equal(o.headline, 'not measured: code-change × registry-max, dependency-change × registry-max, no-change × registry-max — the seed build failed: step "[builder 4/6] RUN sleep 2 && sort deps.txt" failed: exit code 1');
  assert.equal(finishedStatus(r), 'complete', 'the other cells were measured');
});

test('a cell whose every build failed is not measured; one failed build among good ones is exit 1 without a headline', () => {
  const r = complete();
  const cell = r.cells.find((c) => c.scenario === 'code-change' && c.mode === 'local');
  assert.ok(cell?.runs[0]);
  cell.runs[0] = { ...cell.runs[0], status: 'failed', error: { message: 'step "[builder 6/6] RUN grep -q BROKEN" failed: exit code 1', logTail: '' } };
  assert.deepEqual(unmeasuredCells(r).map((u) => u.id), [cell.id]);
  assert.equal(runOutcome(r).headline, 'not measured: code-change × local — 1 of 1 builds failed: step "[builder 6/6] RUN grep -q BROKEN" failed: exit code 1');
  cell.runs.push({ ...cell.runs[0], repetition: 2, status: 'ok' });
  const o = runOutcome(r);
  assert.equal(o.exitCode, 1, 'a failed build still fails the run');
  assert.equal(o.headline, undefined);
});

test('every seed failed on the same unusable base image: a setup problem, exit 2, naming the image and the fix', () => {
  const r = seedsFailed(complete(), ['none'], recorded.noMatchForPlatform);
  assert.deepEqual(setupProblemOf(r), { image: ARM64_ONLY, reason: 'no match for platform in manifest: not found', seeds: ['none'] });
  markStopped(r, setupProblemOf(r) as NonNullable<ReturnType<typeof setupProblemOf>>);
  assert.deepEqual(r.cells.find((c) => c.mode === 'registry-max')?.warnings, [`not measured: the run stopped after the seed builds failed on base image ${ARM64_ONLY}`]);
  const o = runOutcome(r, ['busybox', 'dotnet-runtime-deps']);
  assert.equal(o.exitCode, 2);
  assert.ok(o.error);
  assert.equal(o.error.exitCode, 2);
  assert.equal(o.error.message, `base image ${ARM64_ONLY} cannot be used: no match for platform in manifest: not found (every seed build failed on it: none); nothing was measured`);
  assert.match(o.error.hint ?? '', new RegExp(`--base-image ${ARM64_ONLY.replace(/[.]/g, '\\.')}=RECIPE`));
  assert.match(o.error.hint ?? '', /recipes: busybox, dotnet-runtime-deps/);
  assert.equal(finishedStatus(r), 'failed');
  assert.match(notMeasuredLine(o.unmeasured), /registry-max — not built: the run stopped after the seeds failed on base image/);
});

test('not a setup problem: a seed that succeeded, or seeds failing on different images or for other reasons', () => {
  const mixed = complete();
  const ok = mixed.seeds.none;
  assert.ok(ok);
  mixed.seeds.local = { ...ok, mode: 'local', status: 'failed', error: recorded.noMatchForPlatform };
  assert.equal(setupProblemOf(mixed), undefined);
  const two = seedsFailed(complete(), ['none', 'local'], recorded.noMatchForPlatform);
  assert.ok(setupProblemOf(two));
  (two.seeds.local as BuildRecord).error = recorded.notFound;
  assert.equal(setupProblemOf(two), undefined);
  assert.equal(runOutcome(two).exitCode, 1);
});
