/**
 * --builder NAME: an existing buildx builder, made fresh per build as its driver allows
 * (here the embedded engine's own `default` builder, docker driver: the full wipe).
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
let engine: Engine;
before(async () => {
  engine = await startEngine();
});
after(async () => {
  await stopIfStarted(engine);
});

test('doctor --builder reports the driver, its cache backends and how it is made fresh', async () => {
  const r = await execa('node', [cli, 'doctor', '--json', '--builder', 'default'], { reject: false });
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout) as { builder: { name: string; driver: string; cacheBackends: string[]; fresh: string } };
  assert.equal(report.builder.name, 'default');
  assert.equal(report.builder.driver, 'docker');
  assert.deepEqual(report.builder.cacheBackends, ['inline', 'local', 'registry']);
  assert.match(report.builder.fresh, /full wipe/);
  const missing = await execa('node', [cli, 'doctor', '--builder', 'no-such-builder'], { reject: false, all: true });
  assert.equal(missing.exitCode, 1);
  assert.match(missing.all ?? '', /no buildx builder named "no-such-builder"/);
});

test('run --builder default: builds on it, fresh per build', async () => {
  const out = tempDir('cb-builder-');
  const r = await execa('node', [cli, 'run', '--fixture', 'tiny', '--builder', 'default', '--modes', 'none,registry-max', '--scenarios', 'code-change', '-n', '1', '--network-profile', 'loopback', '--no-calibration', '--out', out], { reject: false, all: true });
  assert.equal(r.exitCode, 0, r.all);
  const res = readJson<Results>(path.join(out, 'results.json'));
  assert.equal(res.cells.find((c) => c.mode === 'none')?.runs[0]?.cachedSteps, 0);
  assert.equal(res.cells.find((c) => c.mode === 'registry-max')?.runs[0]?.steps.find((s) => s.name.includes('sort deps.txt'))?.cached, true);
});
