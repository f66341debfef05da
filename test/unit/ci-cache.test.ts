/**
 * The CI cache link's options (`--ci-cache-profile`, its default beside the registry link),
 * the loopback CI cache (archives on the local disk), and the report's sentence about it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseRunOptions, type RunOptions } from '../../src/options.ts';
import { UsageError } from '../../src/errors.ts';
import { ciCacheProfile, defaultCiCacheProfile } from '../../src/network/profiles.ts';
import { openCiCache } from '../../src/network/ci-cache.ts';
import { ciCacheNote } from '../../src/report/tables.ts';
import type { Results } from '../../src/results/types.ts';
import { tempDir } from './helpers/temp-dir.ts';

function run(...args: string[]): RunOptions {
  const o = parseRunOptions(['--out', tempDir('cb-opt-'), ...args], ['code-change', 'no-change']);
  assert.notEqual(o, 'help');
  return o as RunOptions;
}

test('--ci-cache-profile defaults to hosted, and to loopback beside a loopback or a real registry', () => {
  assert.equal(run().ciCacheProfile, 'hosted');
  assert.equal(run('--network-profile', 'datacenter').ciCacheProfile, 'hosted');
  assert.equal(run('--network-profile', 'loopback').ciCacheProfile, 'loopback');
  assert.equal(run('--network-profile', 'loopback', '--ci-cache-profile', '40mbit/10ms').ciCacheProfile, '40mbit/10ms');
  assert.equal(defaultCiCacheProfile('loopback', true), 'loopback', 'beside a real registry (maybe no root): the local disk');
  assert.equal(defaultCiCacheProfile('internet', false), 'hosted');
  const hosted = ciCacheProfile('hosted');
  assert.equal(hosted.rateMbit, 400);
  assert.equal(hosted.rttMs, 10);
  assert.equal(ciCacheProfile('internet').rateMbit, 100);
});

test('an unknown --ci-cache-profile is a usage error naming the allowed ones', () => {
  assert.throws(
    () => run('--ci-cache-profile', 'fast'),
    (err: unknown) => err instanceof UsageError && /--ci-cache-profile: unknown network profile "fast"/.test(err.message) && /hosted, loopback/.test(err.hint ?? ''),
  );
});

test('the loopback CI cache saves and restores an archive on the local disk, with its size', async () => {
  const root = tempDir('cb-ci-');
  const from = path.join(root, 'from');
  mkdirSync(path.join(from, 'blobs'), { recursive: true });
  writeFileSync(path.join(from, 'index.json'), '{"a":1}');
  writeFileSync(path.join(from, 'blobs', 'x'), Buffer.alloc(100_000, 7));
  const cache = await openCiCache(ciCacheProfile('loopback'), path.join(root, 'store'), 'unused');
  const saved = await cache.save('seed-local', from);
  assert.ok(existsSync(cache.archivePath('seed-local')));
  assert.ok(saved.bytes > 100_000 && saved.ms >= 0);
  const restored = await cache.restore('seed-local', path.join(root, 'to'));
  assert.equal(restored.bytes, saved.bytes);
  assert.equal(readFileSync(path.join(root, 'to', 'index.json'), 'utf8'), '{"a":1}');
  assert.equal(readFileSync(path.join(root, 'to', 'blobs', 'x')).length, 100_000);
  await assert.rejects(cache.restore('missing', path.join(root, 'to2')), /restoring the CI cache archive/);
  await cache.destroy();
});

test('the report states the CI cache link only when local was measured', () => {
  const results = (ciCache?: Results['environment']['ciCache'], mode = 'local') =>
    ({ environment: { ...(ciCache ? { ciCache } : {}) }, cells: [{ mode }] }) as unknown as Results;
  const shaped = { profile: 'hosted', rateMbit: 400, rttMs: 10, description: '', measuredMbit: 377.4, measuredUploadMbit: 360.2, measuredRttMs: 10.4 };
  assert.equal(ciCacheNote(results(shaped, 'registry-max')), undefined);
  assert.equal(ciCacheNote(results(shaped)), "local's cache archive is restored from and saved to a CI cache service behind a link of its own, CI cache profile hosted: 400 Mbit/s, 10 ms RTT (measured 377 Mbit/s down, 360 up, 10.4 ms).");
  assert.match(ciCacheNote(results({ profile: 'loopback', rateMbit: 0, rttMs: 0, description: '' })) ?? '', /on the local disk \(CI cache profile loopback\).*looks cheaper here/);
  assert.match(ciCacheNote(results()) ?? '', /a run from before the CI cache link/);
});
