/**
 * The tiny fixture's matrix as 3 shards, merged, gives the same cells (and the same
 * cache behaviour) as one unsharded run; a merge with a shard missing says so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../../src/paths.ts';
import type { Engine } from '../../src/engine/index.ts';
import type { Results } from '../../src/results/types.ts';
import { readJson, startEngine, stopIfStarted } from './helpers.ts';
import { tempDir } from '../unit/helpers/temp-dir.ts';

const cli = path.join(projectRoot, 'bench', 'cachebench.mjs');
const args = ['--fixture', 'tiny', '--modes', 'none,registry-max', '-n', '1', '--network-profile', 'loopback', '--no-calibration'];
let engine: Engine;

before(async () => {
  engine = await startEngine();
});
after(async () => {
  await stopIfStarted(engine);
});

async function run(extra: string[]): Promise<string> {
  const out = tempDir('cb-shard-');
  const r = await execa('node', [cli, 'run', ...args, ...extra, '--out', out], { reject: false, all: true });
  assert.equal(r.exitCode, 0, r.all);
  return out;
}

const summary = (r: Results) => r.cells.map((c) => `${c.id} ${c.runs.map((x) => `${x.status}:${x.cachedSteps}/${x.totalSteps}`).join(',')}`).sort();

test('3 shards merged = one unsharded run; a missing shard is reported', async () => {
  const whole = readJson<Results>(path.join(await run([]), 'results.json'));
  const shardDirs: string[] = [];
  for (const i of [1, 2, 3]) shardDirs.push(await run(['--shard', `${i}/3`]));
  const shardCells = shardDirs.map((d) => readJson<Results>(path.join(d, 'results.json')).cells.length);
  assert.equal(shardCells.reduce((a, b) => a + b, 0), 6, `cells per shard: ${shardCells.join(', ')}`);
  assert.ok(shardCells.every((n) => n >= 1), 'every shard has work');

  const mergedDir = tempDir('cb-merged-');
  const m = await execa('node', [cli, 'merge', ...shardDirs, '--out', mergedDir], { reject: false, all: true });
  assert.equal(m.exitCode, 0, m.all);
  const merged = readJson<Results>(path.join(mergedDir, 'results.json'));
  assert.equal(merged.status, 'complete');
  assert.deepEqual(summary(merged), summary(whole), 'same cells, same cache behaviour');

  const partialDir = tempDir('cb-merged-partial-');
  const p = await execa('node', [cli, 'merge', shardDirs[0] as string, shardDirs[2] as string, '--out', partialDir], { reject: false, all: true });
  assert.equal(p.exitCode, 1, p.all);
  assert.match(p.all ?? '', /missing: shard 2\/3 is missing/);
  assert.match(p.all ?? '', /missing: cell tiny\/.* was not measured/);
});
