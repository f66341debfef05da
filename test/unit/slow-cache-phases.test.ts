/** Cache phases that their bytes do not explain: flagged with what the link explains, not flagged when bytes or the link account for them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slowCachePhaseCaveats, slowCachePhases } from '../../src/report/slow-cache-phases.ts';
import { analyze } from '../../src/report/analysis.ts';
import type { Results } from '../../src/results/types.ts';
import { MAX, NONE, cellOf, linkRun, truthBuild, twoModeRun, type Link, type Truth } from './helpers/synthetic-link-runs.ts';

const INTERNET: Link = { mbit: 96, rttMs: 30 };

/** registry-max on a 100-step stage: a few MB of cache each way, 80 s of BuildKit's own work on each side. */
const LONG_STAGE: Truth = { ...MAX, local: { ...MAX.local, cacheImport: 85_000, cacheExport: 80_000 }, bytes: { ...MAX.bytes, cacheIn: 3e6, cacheOut: 2e6 } };

function run(truth: Truth, link: Link, rateMbit: number): Results {
  return linkRun(
    [
      cellOf('code-change', 'none', [1, 2, 3].map((i) => truthBuild(NONE, link, i, 'none'))),
      cellOf('code-change', 'registry-max', [1, 2, 3].map((i) => truthBuild(truth, link, i, 'registry-max'))),
    ],
    link,
    rateMbit,
    30,
  );
}

test('a long cache import and export for a few MB are flagged on a shaped link, with the part the link explains', () => {
  const found = slowCachePhases(run(LONG_STAGE, INTERNET, 100));
  assert.deepEqual(found.map((p) => [p.mode, p.phase]), [['registry-max', 'cache-import'], ['registry-max', 'cache-export']]);
  const exp = found.find((p) => p.phase === 'cache-export');
  assert.ok(exp);
  // 2 MB at 96 Mbit/s (0.17 s) plus 3 round trips of 30 ms: about 0.26 s of 80.3 s.
  assert.ok(exp.linkMs > 100 && exp.linkMs < 500, `link share ${exp.linkMs}`);
  assert.ok(Math.abs(exp.ms - (80_000 + exp.linkMs)) < 1, `phase ${exp.ms}`);
  const words = slowCachePhaseCaveats(run(LONG_STAGE, INTERNET, 100));
  assert.equal(words.length, 2);
  assert.match(words[1] as string, /In code-change, registry-max's cache-export took 80\.\d s \(median\) for 2\.00 MB; the registry link explains 0\.\d s of it/);
  assert.match(words[1] as string, /moby\/buildkit#3299/);
  assert.match(words[0] as string, /matching the build's steps against the imported cache/);
});

test('the caveat reaches the report analysis', () => {
  const a = analyze(run(LONG_STAGE, INTERNET, 100));
  assert.ok(a.caveats.some((c) => /registry-max's cache-export took/.test(c)), a.caveats.join('\n'));
});

test('a cache phase the link explains is not flagged, however long', () => {
  // 300 MB in at 96 Mbit/s is 25 s of link time: a transfer, not BuildKit's bookkeeping.
  assert.deepEqual(slowCachePhases(twoModeRun(INTERNET, 100, 30)), []);
  const big: Truth = { ...MAX, bytes: { ...MAX.bytes, cacheIn: 1000e6 } };
  assert.deepEqual(slowCachePhases(run(big, INTERNET, 100)), []);
});

test('on loopback the phase is flagged only when it moved its bytes slowly: unpacking 500 MB for 12 s is not flagged', () => {
  const loop: Link = { mbit: Infinity, rttMs: 0 };
  const fast: Truth = { ...MAX, local: { ...MAX.local, cacheImport: 12_000 }, bytes: { ...MAX.bytes, cacheIn: 500e6 } };
  assert.deepEqual(slowCachePhases(run(fast, loop, 0)), []);
  const found = slowCachePhases(run(LONG_STAGE, loop, 0));
  assert.deepEqual(found.map((p) => [p.phase, p.linkMs]), [['cache-import', 0], ['cache-export', 0]]);
  assert.doesNotMatch(slowCachePhaseCaveats(run(LONG_STAGE, loop, 0)).join(' '), /link explains/);
});

test('short phases and failed builds are not flagged; a real remote registry is not modelled', () => {
  const short: Truth = { ...LONG_STAGE, local: { ...LONG_STAGE.local, cacheImport: 9_000, cacheExport: 9_000 } };
  assert.deepEqual(slowCachePhases(run(short, INTERNET, 100)), []);
  const failed = run(LONG_STAGE, INTERNET, 100);
  for (const r of failed.cells[1]?.runs ?? []) r.status = 'failed';
  assert.deepEqual(slowCachePhases(failed), []);
  const remote = run(LONG_STAGE, INTERNET, 100);
  remote.environment.networkProfile = 'remote';
  assert.deepEqual(slowCachePhases(remote), []);
});

test('local: the cache directory\'s bytes count (CI cache archive, else the directory size); none recorded, nothing said', () => {
  const r = run(LONG_STAGE, INTERNET, 100);
  const max = r.cells[1];
  assert.ok(max);
  max.mode = 'local';
  for (const b of max.runs) b.ciCacheBytes = { restored: 3e6, saved: 2e6 };
  const found = slowCachePhases(r);
  assert.deepEqual(found.map((p) => [p.mode, p.phase, p.bytes, p.linkMs]), [['local', 'cache-import', 3e6, 0], ['local', 'cache-export', 2e6, 0]]);
  // 800 MB written in 80 s is 10 MB/s: a disk copy, not flagged.
  for (const b of max.runs) b.ciCacheBytes = { restored: 800e6, saved: 800e6 };
  assert.deepEqual(slowCachePhases(r), []);
  for (const b of max.runs) {
    delete b.ciCacheBytes;
    b.cacheBytes = 2e6;
  }
  assert.equal(slowCachePhases(r).length, 2);
  for (const b of max.runs) delete b.cacheBytes;
  assert.deepEqual(slowCachePhases(r), []);
});

test('a mode this cachebench does not know is left out, not an error', () => {
  const r = run(LONG_STAGE, INTERNET, 100);
  (r.cells[1] as { mode: string }).mode = 'fast';
  assert.deepEqual(slowCachePhases(r), []);
});

test('a shaped run without recorded link figures is judged on its profile\'s: a pure transfer on a slow link is not flagged', () => {
  // 60 MB of cache out at 20 Mbit/s is 25 s of link time and 2.4 MB/s: slow, but the link explains it.
  const slowLink: Link = { mbit: 20 * 0.96, rttMs: 30 };
  const transfer: Truth = { ...MAX, bytes: { ...MAX.bytes, cacheIn: 0, cacheOut: 60e6 } };
  const r = run(transfer, slowLink, 20);
  r.environment.network = undefined;
  assert.deepEqual(slowCachePhases(r), []);
  r.environment.networkProfile = 'not a profile';
  assert.deepEqual(slowCachePhases(r), []);
});
