/**
 * An injected cache bust on real builds: the tiny fixture's code change, once as it is and
 * once with a Dockerfile edit that puts `RUN date > /stamp` before the dependency step. The
 * explanation names the new step (not-in-cache: a new instruction) and the dependency step
 * (after-miss), nothing is unexpected, and `compare` of the two runs names the step that
 * stopped being reused and why.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseRunOptions } from '../../src/options.ts';
import { runBenchmark } from '../../src/run/index.ts';
import { compareResults } from '../../src/compare/index.ts';
import { projectRoot } from '../../src/paths.ts';
import type { Engine } from '../../src/engine/index.ts';
import type { Results, StepExplanation } from '../../src/results/types.ts';
import { startEngine, stopIfStarted } from './helpers.ts';
import { tempDir } from '../unit/helpers/temp-dir.ts';

let engine: Engine;
let plain: Results;
let busted: Results;

/** The tiny fixture, its code change optionally also editing the Dockerfile. */
function fixture(bust: boolean): string {
  const dir = tempDir('cb-bust-fx-');
  cpSync(path.join(projectRoot, 'fixtures', 'tiny'), dir, { recursive: true });
  if (bust) {
    const file = path.join(dir, 'fixture.json');
    const cfg = JSON.parse(readFileSync(file, 'utf8')) as { scenarios: Record<string, { edits: object[] }> };
    cfg.scenarios['code-change']?.edits.push({ file: 'Dockerfile', replace: 'RUN sleep 2', with: 'RUN date > /stamp\nRUN sleep 2' });
    writeFileSync(file, JSON.stringify(cfg));
  }
  return dir;
}

async function run(bust: boolean): Promise<Results> {
  const opts = parseRunOptions(['--fixture', fixture(bust), '--scenarios', 'code-change', '--modes', 'registry-max', '-n', '1', '--network-profile', 'loopback', '--no-calibration', '--out', tempDir('cb-bust-')], ['code-change', 'dependency-change', 'no-change']);
  assert.ok(opts !== 'help');
  return runBenchmark(engine, opts);
}

before(async () => {
  engine = await startEngine();
  plain = await run(false);
  busted = await run(true);
});

after(async () => {
  await stopIfStarted(engine);
});

const steps = (r: Results): StepExplanation[] => r.cells[0]?.runs[0]?.explain?.steps ?? [];

test('the bust is explained: the new step is not in the cache, the dependency step re-ran after it, nothing unexpected', () => {
  const x = busted.cells[0]?.runs[0]?.explain;
  assert.ok(x, 'explained');
  assert.deepEqual(x.findings, []);
  const first = x.firstMiss[0] ? x.steps[x.firstMiss[0].index] : undefined;
  assert.equal(first?.step, '[builder 4/7] RUN date > /stamp');
  assert.equal(first?.cause, 'not-in-cache');
  assert.equal(first?.cached, false);
  const dep = steps(busted).find((s) => s.step.includes('RUN sleep 2'));
  assert.equal(dep?.cached, false);
  assert.equal(dep?.cause, 'after-miss');
  assert.equal(dep?.after, '[builder 4/7] RUN date > /stamp');
  assert.equal(steps(plain).find((s) => s.step.includes('RUN sleep 2'))?.cached, true, 'without the bust the dependency step is reused');
});

test('compare names the step that stopped being reused, and why', () => {
  const cmp = compareResults(plain, busted);
  const c = cmp.cells[0];
  assert.equal(c?.verdict, 'fail');
  const reason = c?.reasons.find((r) => r.startsWith('cached steps'));
  assert.match(reason ?? '', /RUN sleep 2 .* re-ran \(after-miss: \[builder 4\/7\] RUN date > \/stamp re-ran\); in the baseline it was cached/);
});
