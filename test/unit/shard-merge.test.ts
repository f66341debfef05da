import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { assignShards, makePlan, parseShard, shardPlan } from '../../src/plan.ts';
import { mergeResults } from '../../src/results/merge.ts';
import { projectRoot } from '../../src/paths.ts';
import { validateResults } from '../../src/results/io.ts';
import { UsageError } from '../../src/errors.ts';
import type { Results } from '../../src/results/types.ts';

const MODES = ['none', 'local', 'inline', 'registry-min', 'registry-max'];
const SCEN = ['code-change', 'dependency-change', 'no-change'];

test('parseShard', () => {
  assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
  for (const bad of ['0/3', '4/3', '1/0', 'a/b', '1-3', '']) assert.equal(parseShard(bad), undefined, bad);
});

test('shards partition the cells: every cell exactly once, deterministic, balanced', () => {
  const plan = makePlan('x', SCEN, MODES, 3);
  for (const n of [1, 2, 3, 4, 15, 20]) {
    const a = assignShards(plan.cells, n);
    const b = assignShards(plan.cells, n);
    assert.deepEqual(a, b, 'deterministic');
    const ids = a.flat().map((c) => c.id).sort();
    assert.deepEqual(ids, plan.cells.map((c) => c.id).sort(), `n=${n}: a partition`);
  }
  const three = assignShards(plan.cells, 3);
  const sizes = three.map((s) => s.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 3, `balanced sizes ${sizes.join(',')}`);
  const sp = shardPlan(plan, { index: 2, count: 3 });
  assert.deepEqual(sp.cells, three[1]);
  assert.ok(sp.modes.every((m) => sp.cells.some((c) => c.mode === m)), 'a shard seeds only the modes it measures');
});

function sample(): Results {
  return JSON.parse(readFileSync(path.join(projectRoot, 'test', 'fixtures', 'results-tiny-quick.json'), 'utf8')) as Results;
}

function asShards(r: Results, count: number): Results[] {
  const plan = makePlan(r.plan.fixture, r.plan.scenarios, r.plan.modes, r.plan.repetitions);
  return assignShards(plan.cells, count).map((cells, i) => ({
    ...r,
    runId: `${r.runId}-s${i + 1}`,
    planId: `${r.planId}|shard ${i + 1}/${count}`,
    plan: { ...r.plan, shard: { index: i + 1, count }, allCells: plan.cells.map((c) => c.id) },
    cells: r.cells.filter((c) => cells.some((x) => x.id === c.id)),
    seeds: Object.fromEntries(Object.entries(r.seeds).filter(([m]) => cells.some((c) => c.mode === m))),
  }));
}

test('merging all shards gives back every cell of the plan, valid and complete', () => {
  const r = sample();
  const { merged, missing, warnings } = mergeResults(asShards(r, 3).reverse());
  assert.deepEqual(missing, []);
  assert.deepEqual(warnings, []);
  assert.equal(merged.status, 'complete');
  assert.deepEqual(merged.cells.map((c) => c.id), makePlan(r.plan.fixture, r.plan.scenarios, r.plan.modes, 1).cells.map((c) => c.id));
  assert.deepEqual(Object.keys(merged.seeds).sort(), [...MODES].sort());
  assert.equal(merged.plan.shard, undefined);
  assert.deepEqual(validateResults(merged), []);
});

test('a missing shard is reported, not hidden', () => {
  const shards = asShards(sample(), 3);
  const { merged, missing } = mergeResults([shards[0] as Results, shards[2] as Results]);
  assert.equal(merged.status, 'failed');
  assert.ok(missing.includes('shard 2/3 is missing'), missing.join('; '));
  assert.ok(missing.some((m) => /^cell .* was not measured$/.test(m)));
  assert.ok(merged.notes?.some((n) => n.includes('shard 2/3 is missing')));
});

test('differing environments are flagged; other plans and duplicates are refused', () => {
  const shards = asShards(sample(), 2);
  const other = { ...(shards[1] as Results), environment: { ...(shards[1] as Results).environment, cpus: 64 } };
  const { warnings } = mergeResults([shards[0] as Results, other]);
  assert.ok(warnings.some((w) => /shard 2: cpus: \d+ → 64/.test(w)), warnings.join('; '));
  assert.throws(() => mergeResults([shards[0] as Results, shards[0] as Results]), (e: unknown) => e instanceof UsageError && /given twice/.test(e.message));
  const alien = { ...(shards[1] as Results), planId: 'other|plan|shard 2/2' };
  assert.throws(() => mergeResults([shards[0] as Results, alien]), /different plans/);
});
