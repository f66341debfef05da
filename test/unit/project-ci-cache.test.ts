/** project --ci-cache-profile: local's CI cache restore and save re-timed for another CI cache link; the registry part and the other modes untouched. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CI_CACHE_REQUESTS, ciCacheDeltaMs, ciCacheTarget, runCiCacheLinks } from '../../src/project/ci-cache.ts';
import { GOODPUT, runLink, targetLink } from '../../src/project/link.ts';
import { projectRun } from '../../src/project/project.ts';
import type { Results, RunRecord } from '../../src/results/types.ts';
import { MAX, NONE, cellOf, linkRun, truthBuild, type Link } from './helpers/synthetic-link-runs.ts';

const INTERNET: Link = { mbit: 96, rttMs: 30 };
/** The CI cache link as its probe measured it: 380 down, 360 up, 10 ms. */
const CI = { profile: 'hosted', rateMbit: 400, rttMs: 10, description: 'synthetic', measuredMbit: 380, measuredUploadMbit: 360, measuredRttMs: 10 };
const RESTORED = 600e6;
const SAVED = 620e6;
const ms = (bytes: number, mbit: number, rtt: number) => (bytes * 8) / (mbit * 1000) + CI_CACHE_REQUESTS * rtt;

/** A local build: the registry part of MAX without cache transfers, plus a CI cache restore and save of known local parts (1 s, 2 s) on the CI link. */
function localBuild(repetition: number): RunRecord {
  const r = truthBuild({ ...MAX, bytes: { ...MAX.bytes, cacheIn: 0, cacheOut: 0 } }, INTERNET, repetition, 'none');
  const restore = 1000 + ms(RESTORED, CI.measuredMbit, CI.measuredRttMs);
  const save = 2000 + ms(SAVED, CI.measuredUploadMbit, CI.measuredRttMs);
  return { ...r, phases: { ...r.phases, 'cache-restore': restore, 'cache-save': save }, wallMs: r.wallMs + restore + save, ciCacheBytes: { restored: RESTORED, saved: SAVED } };
}

function run(ciCache: Results['environment']['ciCache']): Results {
  const r = linkRun(
    [cellOf('code-change', 'none', [1, 2, 3].map((i) => truthBuild(NONE, INTERNET, i, 'none'))), cellOf('code-change', 'local', [1, 2, 3].map(localBuild))],
    INTERNET,
    100,
    30,
  );
  r.environment.ciCache = ciCache;
  return r;
}

const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} ≠ ${b}`);

test('the run\'s CI cache link: the probe\'s down and up figures; else the profile × goodput; loopback or unrecorded: no link', () => {
  const l = runCiCacheLinks(run(CI));
  assert.deepEqual([l.down.mbit, l.up.mbit, l.down.rttMs], [380, 360, 10]);
  assert.match(l.label, /hosted \(measured 380 Mbit\/s down, 360 up, 10 ms RTT\)/);
  const unmeasured = runCiCacheLinks(run({ profile: 'hosted', rateMbit: 400, rttMs: 10, description: 'x' }));
  assert.deepEqual([unmeasured.down.mbit, unmeasured.up.mbit], [400 * GOODPUT, 400 * GOODPUT]);
  assert.equal(runCiCacheLinks(run({ profile: 'loopback', rateMbit: 0, rttMs: 0, description: 'x' })).down.mbit, Infinity);
  assert.match(runCiCacheLinks(run(undefined)).label, /not recorded/);
  assert.deepEqual([ciCacheTarget('internet').down.mbit, ciCacheTarget('internet').up.rttMs], [100 * GOODPUT, 30]);
  assert.throws(() => ciCacheTarget('moon'), /--ci-cache-profile: unknown network profile "moon"/);
});

test('re-timed: the local parts stay, the transfer is the bytes at the target\'s goodput plus its round trips', () => {
  const results = run(CI);
  const target = ciCacheTarget('internet');
  const rec = results.cells[1]?.runs[0] as RunRecord;
  const want = ms(RESTORED, 96, 30) + ms(SAVED, 96, 30) - ms(RESTORED, 380, 10) - ms(SAVED, 360, 10);
  near(ciCacheDeltaMs(rec, runCiCacheLinks(results), target), want, 'delta');
  // Back to its own link: no change.
  near(ciCacheDeltaMs(rec, runCiCacheLinks(results), runCiCacheLinks(results)), 0, 'same link');
  // A build without a CI cache step (none) does not move.
  near(ciCacheDeltaMs(results.cells[0]?.runs[0] as RunRecord, runCiCacheLinks(results), target), 0, 'none');
});

test('a phase shorter than its bytes at the recorded rate keeps no local part (clamped); from loopback the whole transfer is added', () => {
  const results = run(CI);
  const rec = structuredClone(results.cells[1]?.runs[0] as RunRecord);
  rec.phases['cache-restore'] = 5000; // 600 MB at 380 Mbit/s needs 12.6 s
  const target = ciCacheTarget('internet');
  const full = ms(RESTORED, 96, 30);
  const save = ms(SAVED, 96, 30) - ms(SAVED, 360, 10);
  near(ciCacheDeltaMs(rec, runCiCacheLinks(results), target), full - 5000 + save, 'clamped');
  const loop = runCiCacheLinks(run({ profile: 'loopback', rateMbit: 0, rttMs: 0, description: 'x' }));
  near(ciCacheDeltaMs(rec, loop, target), full + ms(SAVED, 96, 30), 'from loopback');
});

test('projectRun with a CI cache target: local moves by the delta, none does not; the note says which links', () => {
  const results = run(CI);
  const source = runLink(results, 'syn');
  const target = targetLink('datacenter');
  const plain = projectRun(results, source, target);
  const ci = { source: runCiCacheLinks(results), target: ciCacheTarget('internet') };
  const moved = projectRun(results, source, target, ci);
  const delta = ciCacheDeltaMs(results.cells[1]?.runs[0] as RunRecord, ci.source, ci.target);
  const cell = (p: typeof plain, mode: string) => p.cells.find((c) => c.mode === mode);
  near(cell(moved, 'none')?.meanMs as number, cell(plain, 'none')?.meanMs as number, 'none');
  near(cell(moved, 'local')?.meanMs as number, (cell(plain, 'local')?.meanMs as number) + delta, 'local');
  assert.ok(delta > 60_000, `600 MB each way at 96 instead of ~370 Mbit/s: ${delta} ms more`);
  assert.deepEqual(moved.ciCache, { source: ci.source.label, target: ci.target.label });
  assert.ok(moved.warnings.some((w) => /re-timed from the run's CI cache link, hosted \(measured/.test(w)), moved.warnings.join('\n'));
  assert.ok(plain.warnings.some((w) => /kept at their measured times/.test(w)));
  assert.equal(plain.ciCache, undefined);
  // The crossover sees it: local's line rises by the delta at every rate.
  const row = (p: typeof plain) => p.crossover.rows.find((r) => r.mode === 'local');
  near(row(moved)?.aMs as number, (row(plain)?.aMs as number) + delta, 'crossover line');
});
