/** The crossover: expected time per mode against bandwidth, and where the ranking changes, on cases with a known answer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossing, crossover, fmtRate, GRID_MBIT, lineAt } from '../../src/project/crossover.ts';
import { GOODPUT } from '../../src/project/link.ts';
import type { BuildModel, CellProjection } from '../../src/project/types.ts';

/** A cell whose builds are `fixedMs` plus `bytes` pulled in one request-free phase. */
function cell(mode: string, fixedMs: number, bytes: number, scenario = 'code-change'): CellProjection {
  const build: BuildModel = {
    repetition: 1,
    wallMs: fixedMs,
    fixedMs,
    clampedMs: 0,
    phases: [{ phase: 'base-pull', measuredMs: 0, bytes, requests: 0, rawLocalMs: 0, localMs: 0 }],
  };
  return { id: `${scenario}/${mode}`, scenario, mode, n: 1, measuredMeanMs: fixedMs, projectedMs: [fixedMs], meanMs: fixedMs, sdMs: 0, pulledBytes: bytes, pushedBytes: 0, requests: 0, clampedMs: 0, clampedBuilds: 0, builds: [build] };
}

test('two modes: the slow-link winner and the fast-link winner cross where a + b/g meet', () => {
  // none: 20 s + 300 MB; registry-max: 10 s + 750 MB. They meet at a goodput of
  // (6e6 − 2.4e6) kbit / (20 000 − 10 000) ms = 360 Mbit/s, a link rate of 360 / 0.96 = 375 Mbit/s.
  const cells = [cell('none', 20_000, 300e6), cell('registry-max', 10_000, 750e6)];
  const c = crossover(cells, ['none', 'registry-max'], { 'code-change': 1 }, 0);
  assert.equal(c.changes.length, 2);
  const [fastest, slowest] = c.changes;
  assert.equal(fastest?.kind, 'fastest');
  assert.ok(Math.abs((fastest?.rateMbit ?? 0) - 375) < 1e-9, String(fastest?.rateMbit));
  assert.deepEqual([fastest?.before, fastest?.after], ['none', 'registry-max']);
  assert.deepEqual([slowest?.kind, slowest?.before, slowest?.after], ['slowest', 'registry-max', 'none']);
  assert.deepEqual(c.sentences, [
    'registry-max beats none above ~380 Mbit/s (and is the fastest from there).',
    'registry-max stops being the slowest above ~380 Mbit/s (none is the slowest from there).',
  ]);
  assert.deepEqual(c.grid, GRID_MBIT);
  const none = c.rows.find((r) => r.mode === 'none');
  assert.ok(Math.abs((none?.ms[3] ?? 0) - (20_000 + 2.4e6 / (100 * GOODPUT))) < 1e-9, 'the grid at 100 Mbit/s');
});

test('three modes: the fastest changes twice, the slowest once', () => {
  // a: 60 s, no bytes (link-proof); b: 20 s + 500 MB; c: 10 s + 1.5 GB.
  const lines = [cell('a', 60_000, 0), cell('b', 20_000, 500e6), cell('c', 10_000, 1500e6)];
  const c = crossover(lines, ['a', 'b', 'c'], { 'code-change': 1 }, 0);
  const ab = 4e6 / 40_000 / GOODPUT; // b beats a: 104 Mbit/s
  const bc = 8e6 / 10_000 / GOODPUT; // c beats b: 833 Mbit/s
  const fast = c.changes.filter((x) => x.kind === 'fastest');
  assert.deepEqual(fast.map((x) => [x.before, x.after]), [['a', 'b'], ['b', 'c']]);
  assert.ok(Math.abs((fast[0]?.rateMbit ?? 0) - ab) < 1e-9 && Math.abs((fast[1]?.rateMbit ?? 0) - bc) < 1e-9);
  const slow = c.changes.filter((x) => x.kind === 'slowest');
  assert.deepEqual(slow.map((x) => [x.before, x.after]), [['c', 'a']]);
  assert.match(c.sentences.join('\n'), /b beats a above ~100 Mbit\/s[\s\S]*c beats b above ~830 Mbit\/s[\s\S]*c stops being the slowest above/);
});

test('no change in range: the fastest and the slowest across the grid, in words; a mode missing a mix scenario is left out', () => {
  const cells = [cell('none', 20_000, 300e6), cell('inline', 25_000, 300e6), cell('registry-min', 21_000, 300e6, 'other')];
  const c = crossover(cells, ['none', 'inline', 'registry-min'], { 'code-change': 1 }, 0);
  assert.deepEqual(c.sentences, ['none is the fastest from 10 Mbit/s to 10 Gbit/s.', 'inline is the slowest from 10 Mbit/s to 10 Gbit/s.']);
  assert.deepEqual(c.excluded, ['registry-min']);
});

test('crossing: lines that do not meet inside the grid give nothing; the RTT is part of the fixed term', () => {
  assert.equal(crossing({ mode: 'a', aMs: 10, bitsK: 0 }, { mode: 'b', aMs: 5, bitsK: 1e12 }), undefined, 'beyond 10 Gbit/s');
  assert.equal(crossing({ mode: 'a', aMs: 10, bitsK: 5 }, { mode: 'b', aMs: 10, bitsK: 6 }), undefined, 'parallel in a');
  const withRtt = cell('x', 1000, 0);
  const first = withRtt.builds[0]?.phases[0];
  if (first) first.requests = 10;
  const c = crossover([withRtt, cell('y', 1000, 0)], ['x', 'y'], { 'code-change': 1 }, 30);
  assert.equal(c.rows[0]?.aMs, 1300);
  assert.equal(lineAt({ mode: 'z', aMs: 1, bitsK: 96 }, 100), 2);
});

test('fmtRate: two significant digits, Gbit/s from 1000', () => {
  assert.deepEqual([fmtRate(375), fmtRate(1234), fmtRate(12.3), fmtRate(10_000)], ['380 Mbit/s', '1.2 Gbit/s', '12 Mbit/s', '10 Gbit/s']);
});
