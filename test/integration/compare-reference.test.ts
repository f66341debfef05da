/**
 * The in-run reference on real runs of the tiny fixture (code-change × none and
 * registry-max, 3 repetitions, a 50 Mbit/s, 5 ms link): an A/A comparison is ok; a
 * regression of one mode — the dependency layer grows from 4 to 40 MB, which only
 * registry-max pulls back over the link on a code change (none rebuilds it locally) — is a
 * fail relative to none, also while a CPU hog on every core slows the whole machine.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { projectRoot } from '../../src/paths.ts';
import type { Engine } from '../../src/engine/index.ts';
import type { Comparison } from '../../src/compare/index.ts';
import type { Results } from '../../src/results/types.ts';
import { readJson, startEngine, stopIfStarted } from './helpers.ts';
import { tempDir } from '../unit/helpers/temp-dir.ts';

const cli = path.join(projectRoot, 'bench', 'cachebench.mjs');
let engine: Engine;
const runs: Record<string, string> = {};

async function bench(fixture: string): Promise<string> {
  const out = tempDir('cb-ref-');
  const args = ['run', '--fixture', fixture, '--modes', 'none,registry-max', '--scenarios', 'code-change', '-n', '3', '--network-profile', '50mbit/5ms', '--out', out];
  const r = await execa('node', [cli, ...args], { reject: false, all: true });
  assert.equal(r.exitCode, 0, r.all);
  return out;
}

/** fixtures/tiny (same name, so the cells match) whose dependency layer is 40 MB. */
function biggerDeps(): string {
  const dir = path.join(tempDir('cb-ref-variant-'), 'tiny');
  cpSync(path.join(projectRoot, 'fixtures', 'tiny'), dir, { recursive: true });
  const df = path.join(dir, 'Dockerfile');
  const text = readFileSync(df, 'utf8');
  assert.match(text, /ARG DEPS_MB=4\n/);
  writeFileSync(df, text.replace('ARG DEPS_MB=4\n', 'ARG DEPS_MB=40\n'));
  return dir;
}

/** One busy loop per core at nice 0: the whole machine is slower while it runs. */
function cpuHog(): ResultPromise[] {
  return Array.from({ length: os.availableParallelism() }, () => execa('sh', ['-c', 'while :; do :; done'], { reject: false }));
}

async function compare(baseline: string, current: string, extra: string[] = []) {
  const out = tempDir('cb-ref-out-');
  const r = await execa('node', [cli, 'compare', '--baseline', baseline, '--current', current, '--out', out, ...extra], { reject: false, all: true });
  return { exitCode: r.exitCode, all: r.all, comparison: readJson<Comparison>(path.join(out, 'comparison.json')) };
}

before(async () => {
  engine = await startEngine();
  runs.a = await bench('tiny');
  runs.a2 = await bench('tiny');
  const hog = cpuHog();
  try {
    runs.regressed = await bench(biggerDeps());
  } finally {
    for (const p of hog) p.kill('SIGKILL');
    await Promise.allSettled(hog);
  }
});

after(async () => {
  await stopIfStarted(engine);
});

test('A/A: every cell ok relative to none, the basis and the calibration recorded', async () => {
  const { exitCode, comparison: c, all } = await compare(runs.a as string, runs.a2 as string);
  assert.equal(exitCode, 0, all);
  assert.equal(c.basis, 'reference');
  const max = c.cells.find((x) => x.mode === 'registry-max');
  assert.ok(max?.reference, 'registry-max has a reference view');
  assert.notEqual(max.verdict, 'fail', max.reasons.join('; '));
  assert.equal(max.reference.pairs.baseline, 3, 'interleaved rounds: 3 pairs');
  const current = readJson<Results>(path.join(runs.a2 as string, 'results.json'));
  assert.ok(current.calibration?.start && current.calibration.end, 'both calibration samples recorded');
  assert.equal(current.calibration.start.cpu.ms.length, 3);
});

test('one mode regressed on a slower machine: a fail relative to none, the control not failed', async () => {
  const { exitCode, comparison: c, all } = await compare(runs.a as string, runs.regressed as string);
  assert.equal(exitCode, 1, all);
  const max = c.cells.find((x) => x.mode === 'registry-max');
  const none = c.cells.find((x) => x.mode === 'none');
  assert.ok(max?.reference && none, all);
  assert.equal(max.verdict, 'fail', max.reasons.join('; '));
  assert.ok(max.reference.significant && max.reference.changePct >= 25, `ratio to none ${max.reference.changePct.toFixed(1)}%`);
  assert.notEqual(none.verdict, 'fail', none.reasons.join('; '));
  const cpu = c.environment.cpuChangePct;
  process.stderr.write(`# reference: registry-max vs none ${max.reference.changePct.toFixed(0)}% (${max.reference.method}); none absolute ${none.changePct?.toFixed(0)}%; CPU calibration ${cpu?.toFixed(0)}% under the hog\n`);
  assert.ok(cpu !== null && cpu > 10, `the hog shows in the CPU calibration (${cpu}%)`);
});
