/**
 * Interleaved rounds on real builds (tiny fixture): every seed first, then each round builds
 * every cell once in the seed's order; a run interrupted in the middle of a round resumes
 * there; adaptive runs stop each cell for a stated reason; a budget stops the run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunOptions } from '../../src/options.ts';
import { runBenchmark } from '../../src/run/index.ts';
import { roundCells } from '../../src/run/rounds.ts';
import { separated } from '../../src/stats/difference.ts';
import type { Engine } from '../../src/engine/index.ts';
import type { Results } from '../../src/results/types.ts';
import { startEngine, stopIfStarted } from './helpers.ts';
import { tempDir } from '../unit/helpers/temp-dir.ts';

let engine: Engine;
const SCENARIOS = ['code-change', 'dependency-change', 'no-change'];

before(async () => {
  engine = await startEngine();
});

after(async () => {
  await stopIfStarted(engine);
});

function options(args: string[]) {
  const o = parseRunOptions(['--fixture', 'tiny', '--network-profile', 'loopback', '--no-calibration', ...args], SCENARIOS);
  assert.ok(o !== 'help');
  return o;
}

/** Measured builds in the order they started. */
const started = (r: Results) => r.cells.flatMap((c) => c.runs.map((x) => ({ id: c.id, round: x.round, at: Date.parse(x.startedAt), repetition: x.repetition }))).sort((a, b) => a.at - b.at);

test('interrupted in the middle of round 2, --resume finishes the round in its order without redoing a build', async () => {
  const out = tempDir('cb-rounds-');
  const args = ['--modes', 'none,registry-max', '--scenarios', 'code-change,no-change', '-n', '2', '--seed', '7', '--out', out];
  const stop = new AbortController();
  let measured = 0;
  await assert.rejects(
    runBenchmark(engine, options(args), {
      signal: stop.signal,
      onPersist: (r) => {
        const n = r.cells.reduce((t, c) => t + c.runs.length, 0);
        if (n > measured) measured = n;
        if (measured === 5) stop.abort();
      },
    }),
  );
  const resumed = await runBenchmark(engine, options([...args, '--resume']));
  assert.equal(resumed.status, 'complete');
  assert.equal(resumed.plan.order, 'interleaved');
  assert.equal(resumed.plan.seed, 7);
  const order = started(resumed);
  assert.equal(order.length, 8, 'no build was redone');
  for (const c of resumed.cells) {
    assert.deepEqual(c.runs.map((x) => [x.repetition, x.round]), [[1, 1], [2, 2]], c.id);
    assert.equal(c.stopReason, 'repetitions');
  }
  // Each round is the seed's order of the cells: round 1 all, then round 2 all.
  const cells = resumed.cells.map((c) => ({ id: c.id, fixture: c.fixture, scenario: c.scenario, mode: c.mode }));
  for (const round of [1, 2]) {
    const want = roundCells(cells, round, 7, () => round - 1, () => true).map((c) => c.id);
    assert.deepEqual(order.filter((x) => x.round === round).map((x) => x.id), want, `round ${round}`);
  }
  assert.ok(order.slice(0, 4).every((x) => x.round === 1) && order.slice(4).every((x) => x.round === 2), 'round 2 starts after round 1 ends');
});

test('adaptive: each cell stops for a stated reason, separated from its neighbours or at the maximum', async () => {
  const out = tempDir('cb-adaptive-');
  const r = await runBenchmark(engine, options(['--modes', 'none,local', '--scenarios', 'code-change', '--min-runs', '2', '--max-runs', '4', '--out', out]));
  assert.equal(r.status, 'complete');
  const [a, b] = r.cells;
  assert.ok(a && b);
  for (const c of r.cells) {
    assert.ok(c.runs.length >= 2 && c.runs.length <= 4, `${c.id}: ${c.runs.length} builds`);
    assert.ok(c.stopReason === 'separated' || c.stopReason === 'max-runs', `${c.id}: ${c.stopReason}`);
  }
  const times = (c: typeof a) => c.runs.filter((x) => x.status === 'ok').map((x) => x.wallMs);
  const sep = separated(times(a), times(b)).separated;
  if (a.stopReason === 'separated') assert.ok(sep, 'stopped as separated only when the interval of the difference excludes 0');
  if (!sep) assert.ok(r.cells.every((c) => c.runs.length === 4), 'not separated: both went on to the maximum');
});

test('a budget stops the rounds: the cells left say so', async () => {
  const out = tempDir('cb-budget-');
  const r = await runBenchmark(engine, options(['--modes', 'none', '--scenarios', 'code-change,no-change', '--min-runs', '2', '--max-runs', '5', '--budget', '1s', '--out', out]));
  for (const c of r.cells) assert.equal(c.stopReason, 'budget', c.id);
  assert.ok(r.cells.every((c) => c.runs.length <= 1), 'no build started after the budget');
});
