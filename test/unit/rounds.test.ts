/** Interleaved rounds and adaptive stopping (src/run/rounds.ts), on synthetic samples. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, rmePct, roundCells, shuffled, type CellSamples } from '../../src/run/rounds.ts';
import { makePlan } from '../../src/plan.ts';

const plan = makePlan('fx', ['code-change', 'no-change'], ['none', 'local', 'registry-max'], 3);

test('a round builds every cell once, in an order reproducible from the seed and different between rounds', () => {
  const none = () => 0;
  const all = () => true;
  const r1 = roundCells(plan.cells, 1, 42, none, all).map((c) => c.id);
  assert.deepEqual([...r1].sort(), plan.cells.map((c) => c.id).sort());
  assert.deepEqual(roundCells(plan.cells, 1, 42, none, all).map((c) => c.id), r1, 'same seed, same order');
  const orders = new Set([1, 2, 3, 4].map((r) => roundCells(plan.cells, r, 42, () => r - 1, all).map((c) => c.id).join()));
  assert.ok(orders.size > 1, 'rounds are shuffled differently');
  assert.notDeepEqual(roundCells(plan.cells, 1, 7, none, all).map((c) => c.id), r1, 'another seed, another order');
  assert.deepEqual(shuffled([], 1, 1), []);
});

test('resume in the middle of a round: only the cells with fewer builds than the round number are built', () => {
  const builds = new Map(plan.cells.map((c, i) => [c.id, i < 2 ? 2 : 1]));
  const r2 = roundCells(plan.cells, 2, 42, (id) => builds.get(id) ?? 0, () => true);
  assert.equal(r2.length, plan.cells.length - 2);
  assert.ok(r2.every((c) => (builds.get(c.id) ?? 0) < 2));
  // The order of what is left is the round's own order.
  const full = roundCells(plan.cells, 2, 42, () => 1, () => true).map((c) => c.id);
  assert.deepEqual(r2.map((c) => c.id), full.filter((id) => (builds.get(id) ?? 0) < 2));
});

const cell = (mode: string, samples: number[], scenario = 'code-change'): CellSamples => ({ id: `fx/${scenario}/${mode}`, scenario, mode, samples, builds: samples.length });

test('stopping rules: the minimum first; fixed repetitions; separated neighbours stop, ties go on to the maximum', () => {
  const fixed = { minRuns: 3, maxRuns: 3 };
  assert.deepEqual(decide(cell('none', [100, 101]), [], fixed), { more: true });
  assert.deepEqual(decide(cell('none', [100, 101, 99]), [], fixed), { more: false, reason: 'repetitions' });
  const adaptive = { minRuns: 3, maxRuns: 10 };
  const fast = cell('local', [50, 51, 49]);
  const slow = cell('none', [100, 101, 99]);
  assert.deepEqual(decide(fast, [fast, slow], adaptive), { more: false, reason: 'separated' });
  const a = cell('registry-min', [60, 70, 55]);
  const b = cell('inline', [62, 58, 71]);
  assert.deepEqual(decide(a, [a, b, slow], adaptive), { more: true });
  const tiedAtMax = { ...a, samples: [60, 70, 55, 61, 66, 58, 63, 69, 57, 64], builds: 10 };
  assert.deepEqual(decide(tiedAtMax, [tiedAtMax, b], adaptive), { more: false, reason: 'max-runs' });
});

test('a target margin of error keeps a wide cell going; met and separated, it stops', () => {
  const target = { minRuns: 2, maxRuns: 8, targetRmePct: 5 };
  const wide = cell('none', [100, 140]);
  const other = cell('local', [10, 10.5]);
  assert.ok(rmePct(wide.samples) > 5);
  assert.deepEqual(decide(wide, [wide, other], target), { more: true });
  const tight = cell('none', [100, 100.5, 99.5, 100.2]);
  assert.ok(rmePct(tight.samples) < 5);
  assert.deepEqual(decide(tight, [tight, other], target), { more: false, reason: 'target-met' });
  assert.equal(rmePct([5]), Infinity);
});

test('the report: a table per scenario of each round, why each cell stopped, and the ranking in words', async () => {
  const { roundTables, stopLines, rankingCertainty } = await import('../../src/report/rounds.ts');
  const run = (round: number, wallMs: number) => ({ repetition: round, round, status: 'ok' as const, wallMs, buildxWallMs: wallMs, phases: {}, steps: [], cachedSteps: 0, totalSteps: 1, warnings: [], startedAt: '' });
  const cellOf = (mode: string, walls: number[], stopReason: 'separated' | 'max-runs') => ({ id: `fx/code-change/${mode}`, fixture: 'fx', scenario: 'code-change', mode, runs: walls.map((w, i) => run(i + 1, w)), warnings: [], stopReason });
  const results = { cells: [cellOf('none', [100000, 101000, 99000], 'separated'), cellOf('local', [50000, 51000, 49000], 'separated'), cellOf('inline', [52000, 48000, 50500, 49500], 'max-runs')] } as unknown as Parameters<typeof roundTables>[0];
  const [t] = roundTables(results);
  assert.deepEqual(t?.head, ['Round', 'none', 'local', 'inline']);
  assert.deepEqual(t?.rows[3], ['4', '', '', '49.5 s']);
  assert.match(stopLines(results).join('\n'), /code-change × inline: 4 builds — stopped at the maximum number of builds/);
  const [line] = rankingCertainty(results);
  assert.match(line ?? '', /^code-change: (inline and local|local and inline): not separated after \d and \d builds; .* < none \(by /);
});

test('round options: defaults, adaptive flags, and bad input named with its fix', async () => {
  const { parseRunOptions } = await import('../../src/options.ts');
  const parse = (args: string[]) => parseRunOptions(['--fixture', 'tiny', ...args], ['code-change', 'no-change']);
  const d = parse([]);
  assert.ok(d !== 'help');
  assert.equal(d.order, 'interleaved');
  assert.deepEqual(d.adaptive, { minRuns: 3, maxRuns: 3 });
  assert.ok(Number.isInteger(d.seed));
  const a = parse(['--min-runs', '3', '--max-runs', '10', '--target-rme', '5%', '--budget', '1h30m', '--seed', '9']);
  assert.ok(a !== 'help');
  assert.deepEqual(a.adaptive, { minRuns: 3, maxRuns: 10, targetRmePct: 5, budgetMs: 90 * 60000 });
  assert.equal(a.repetitions, 3);
  assert.equal(a.seed, 9);
  assert.throws(() => parse(['--max-runs', '2', '--min-runs', '3']), /--max-runs 2 is below --min-runs 3/);
  assert.throws(() => parse(['--target-rme', '5%']), /--target-rme needs --max-runs above --min-runs/);
  assert.throws(() => parse(['--budget', 'soon']), /--budget: "soon" is not a duration/);
  assert.throws(() => parse(['--order', 'random']), /--order: "random" is not interleaved or sequential/);
  assert.throws(() => parse(['--order', 'sequential', '--max-runs', '5']), /--order sequential cannot stop adaptively/);
});
