/**
 * A registry that costs what a real one costs: the same build through a shaped link at
 * two bandwidths. Halving the bandwidth roughly doubles the transfer phases (cache
 * export, image push, base pull) of the seed build; the build steps' own time stays put.
 * Everything the run creates for the link (namespaces, veth, qdiscs, relay) is gone after.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../../src/paths.ts';
import type { Engine } from '../../src/engine/index.ts';
import type { Results, SeedRecord } from '../../src/results/types.ts';
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

async function seedAt(profile: string): Promise<{ seed: SeedRecord; results: Results }> {
  const out = tempDir('cb-net-');
  const r = await execa('node', [cli, 'run', '--fixture', 'tiny', '--modes', 'registry-max', '--scenarios', 'code-change', '-n', '1', '--build-arg', 'DEPS_MB=80', '--network-profile', profile, '--no-calibration', '--out', out], { reject: false, all: true });
  assert.equal(r.exitCode, 0, r.all);
  const results = readJson<Results>(path.join(out, 'results.json'));
  const seed = results.seeds['registry-max'];
  assert.ok(seed && seed.status === 'ok');
  return { seed, results };
}

const transfer = (s: SeedRecord) => (s.phases['cache-export'] ?? 0) + (s.phases['image-export'] ?? 0) + (s.phases['base-pull'] ?? 0);

test('halving the bandwidth roughly doubles the transfer phases, not the build steps', async () => {
  const before = (await execa('ip', ['-o', 'link'])).stdout.replace(/\s+\d+\s*$/gm, '');
  const fast = await seedAt('100mbit/5ms');
  const slow = await seedAt('50mbit/5ms');
  assert.equal(fast.results.environment.networkProfile, '100mbit/5ms');
  assert.ok(Math.abs((fast.results.environment.network?.measuredMbit ?? 0) - 100) / 100 < 0.15, `measured ${fast.results.environment.network?.measuredMbit} Mbit/s`);
  const tRatio = transfer(slow.seed) / transfer(fast.seed);
  const bRatio = (slow.seed.phases.build ?? 0) / (fast.seed.phases.build ?? 1);
  process.stderr.write(`# transfer phases: ${transfer(fast.seed).toFixed(0)} → ${transfer(slow.seed).toFixed(0)} ms (×${tRatio.toFixed(2)}); build: ${fast.seed.phases.build} → ${slow.seed.phases.build} ms (×${bRatio.toFixed(2)})\n`);
  assert.ok(tRatio > 1.5 && tRatio < 2.5, `transfer ratio ${tRatio}`);
  assert.ok(bRatio > 0.7 && bRatio < 1.4, `build ratio ${bRatio}`);
  // The measured rebuild imports the 80 MB cached layer lazily, between steps: that
  // download is its cache-import phase, and it doubles too.
  const rebuild = (r: Results) => r.cells.find((c) => c.mode === 'registry-max')?.runs[0];
  const importMs = (r: Results) => rebuild(r)?.phases['cache-import'] ?? 0;
  const iRatio = importMs(slow.results) / importMs(fast.results);
  process.stderr.write(`# rebuild cache import: ${importMs(fast.results)} → ${importMs(slow.results)} ms (×${iRatio.toFixed(2)}), ${((rebuild(fast.results)?.bytesPulled ?? 0) / 1e6).toFixed(0)} MB pulled\n`);
  assert.ok((rebuild(fast.results)?.bytesPulled ?? 0) > 80 * 2 ** 20, 'the cached 80 MB layer was pulled');
  assert.ok(iRatio > 1.5 && iRatio < 2.5, `cache import ratio ${iRatio}`);
  const netns = (await execa('ip', ['netns', 'list'])).stdout;
  assert.doesNotMatch(netns, /cb[cs]-r/, 'namespaces removed');
  const afterLinks = (await execa('ip', ['-o', 'link'])).stdout.replace(/\s+\d+\s*$/gm, '');
  assert.equal(afterLinks.split('\n').length, before.split('\n').length, 'no interface left');
});

test('local mode pays for its CI cache: the archive crosses a link of its own, both ways', async () => {
  const out = tempDir('cb-ci-cache-');
  const profile = '40mbit/10ms';
  const r = await execa('node', [cli, 'run', '--fixture', 'tiny', '--modes', 'local', '--scenarios', 'code-change', '-n', '1', '--build-arg', 'DEPS_MB=40', '--network-profile', 'loopback', '--no-calibration', '--ci-cache-profile', profile, '--out', out], { reject: false, all: true });
  assert.equal(r.exitCode, 0, r.all);
  const results = readJson<Results>(path.join(out, 'results.json'));
  const ci = results.environment.ciCache;
  assert.equal(ci?.profile, profile);
  assert.ok(Math.abs((ci?.measuredMbit ?? 0) - 40) / 40 < 0.15, `measured ${ci?.measuredMbit} Mbit/s`);
  const seed = results.seeds.local as SeedRecord;
  const job = results.cells[0]?.runs[0];
  assert.ok(job?.status === 'ok', JSON.stringify(job?.error));
  const saved = seed.ciCacheBytes?.saved ?? 0;
  const restored = job.ciCacheBytes?.restored ?? 0;
  assert.ok(saved > 40 * 2 ** 20, `the seed saved ${saved} bytes (the 40 MB layer is in a mode=max cache)`);
  assert.equal(restored, saved, 'the job restored the archive the seed saved');
  assert.ok((job.ciCacheBytes?.saved ?? 0) > 40 * 2 ** 20, 'the job saved its own cache');
  // A link of 40 Mbit/s cannot move the archive faster than this (TCP goodput is ~95% of it).
  const floorMs = (bytes: number) => ((bytes * 8) / 40e6) * 1000;
  process.stderr.write(`# CI cache: ${(saved / 1e6).toFixed(1)} MB; seed save ${seed.phases['cache-save']} ms, restore ${job.phases['cache-restore']} ms, job save ${job.phases['cache-save']} ms (floor ${floorMs(saved).toFixed(0)} ms)\n`);
  assert.ok((seed.phases['cache-save'] ?? 0) >= floorMs(saved), 'the seed uploaded over the link');
  assert.ok((job.phases['cache-restore'] ?? 0) >= floorMs(restored), 'the job downloaded over the link');
  assert.ok((job.phases['cache-save'] ?? 0) >= floorMs(job.ciCacheBytes?.saved ?? 0), 'the job uploaded over the link');
  const report = readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(report, /CI cache profile 40mbit\/10ms: 40 Mbit\/s, 10 ms RTT \(measured/);
  assert.doesNotMatch((await execa('ip', ['netns', 'list'])).stdout, /cb[cs]-c/, 'the CI cache link is removed');
});
