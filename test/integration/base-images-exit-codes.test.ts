/**
 * Base images and exit codes on the real engine, with small busybox repositories (and the
 * dotnet-runtime-deps recipe, which needs no .NET on the host):
 * - the preflight refuses an image this machine cannot pull, exit 2, before any build;
 * - an official .NET image (digest-pinned, through ARGs, FROM --platform=$BUILDPLATFORM)
 *   is mapped automatically to dotnet-runtime-deps, said in the console and recorded;
 * - an image the preflight finds but BuildKit cannot use (a manifest list with only a
 *   linux/arm64 entry): the run stops after the first seed, exit 2, naming the image;
 * - a cell that could not be measured: exit 1, the first line at the end says which and why.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../../src/paths.ts';
import type { Engine } from '../../src/engine/index.ts';
import { ensureBaseImage } from '../../src/base-images/index.ts';
import { copyRef, deleteRef, getManifest, parseRef, putManifest } from '../../src/registry/client.ts';
import type { Results } from '../../src/results/types.ts';
import { readJson, startEngine, stopIfStarted } from './helpers.ts';
import { tempDir } from '../unit/helpers/temp-dir.ts';

const cli = path.join(projectRoot, 'bench', 'cachebench.mjs');
const FAST = ['--modes', 'none', '--scenarios', 'no-change', '-n', '1', '--network-profile', 'loopback', '--no-calibration'];
let engine: Engine;
let arm64Only: string;
const made: string[] = [];

const SCENARIOS = { 'code-change': { edits: [{ file: 'app/main.sh', append: 'exit 3' }] } };

async function repo(name: string, dockerfile: string, config: object = { scenarios: SCENARIOS }): Promise<string> {
  const dir = path.join(tempDir('cb-exit-'), name);
  mkdirSync(path.join(dir, 'app'), { recursive: true });
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  writeFileSync(path.join(dir, 'app', 'main.sh'), 'echo hello\n');
  writeFileSync(path.join(dir, '.dockerignore'), '.git\ncachebench.json\n');
  writeFileSync(path.join(dir, 'cachebench.json'), JSON.stringify(config));
  const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
  await execa('git', ['init', '-q', '-b', 'main', dir]);
  await execa('git', ['-C', dir, 'add', '-A'], { env });
  await execa('git', ['-C', dir, 'commit', '-qm', 'initial'], { env });
  return dir;
}

async function cachebench(args: string[]) {
  const out = tempDir('cb-exit-out-');
  const started = Date.now();
  const r = await execa('node', [cli, 'run', ...args, '--out', out], { reject: false, all: true });
  return { ...r, out, ms: Date.now() - started, stdoutLines: r.stdout.split('\n').filter(Boolean) };
}

before(async () => {
  engine = await startEngine();
  // A real image whose only manifest-list entry claims linux/arm64: the registry serves it
  // (the preflight finds it), BuildKit on linux/amd64 finds no match for its platform.
  const bb = await ensureBaseImage(engine, 'busybox');
  const single = `${engine.registry}/cachebench/test-exit-codes/arm64only:single`;
  arm64Only = `${engine.registry}/cachebench/test-exit-codes/arm64only:1`;
  await copyRef(bb.ref, single);
  const r = parseRef(bb.ref);
  const m = await getManifest(r.registry, r.repository, r.tag);
  assert.ok(m);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: m.mediaType, digest: m.digest, size: Buffer.byteLength(m.body), platform: { os: 'linux', architecture: 'arm64' } }],
  };
  await putManifest(arm64Only, JSON.stringify(index), index.mediaType);
  made.push(arm64Only, single);
});

after(async () => {
  for (const ref of made) await deleteRef(ref).catch(() => undefined);
  await stopIfStarted(engine);
});

test('preflight: images this machine cannot pull stop the run with exit 2 before any build, naming image, stages and fix', async () => {
  const dir = await repo(
    'unpullable',
    [
      'FROM example.invalid/team/builder:1 AS build',
      'RUN sh -c "echo hi > /x"',
      'FROM example.invalid/team/never-built:1 AS test',
      'RUN false',
      `FROM ${engine.registry}/cachebench/test-exit-codes/missing:1`,
      'COPY --from=build /x /x',
      '',
    ].join('\n'),
  );
  const r = await cachebench(['--repo', dir, ...FAST]);
  assert.equal(r.exitCode, 2, r.all);
  assert.match(r.all, /error: 2 base images cannot be used; checked before any build:/);
  assert.match(r.all, /- example\.invalid\/team\/builder:1 \(stage build\): cannot be pulled here/);
  assert.match(r.all, /- 127\.0\.0\.1:\d+\/cachebench\/test-exit-codes\/missing:1 \(stage stage-2\): not in the registry/);
  assert.doesNotMatch(r.all, /never-built/, 'a stage the target does not need is not checked');
  assert.match(r.all, /fix: serve each from a local recipe: --base-image example\.invalid\/team\/builder:1=RECIPE, or "imageMap"/);
  assert.match(r.all, /recipes: busybox, dotnet-sdk, dotnet-aspnet, dotnet-runtime-deps/);
  assert.doesNotMatch(r.all, /seed none/, 'no build started');
  assert.ok(!existsSync(path.join(r.out, 'results.json')), 'nothing was measured or written');
  assert.ok(r.ms < 60_000, `refused in ${r.ms} ms`);
});

test('an official .NET image (digest pin, ARGs, --platform=$BUILDPLATFORM) is mapped to dotnet-runtime-deps automatically, said and recorded', async () => {
  const image = `mcr.microsoft.com/dotnet/runtime-deps:10.0.0-noble-chiseled@sha256:${'0123456789abcdef'.repeat(4)}`;
  const dir = await repo(
    'self-contained',
    [
      'ARG BUILDPLATFORM=linux/amd64',
      `ARG DEPS_IMAGE=${image}`,
      'FROM --platform=$BUILDPLATFORM ${DEPS_IMAGE} AS build',
      'WORKDIR /w',
      'COPY app/ app/',
      // What runtime-deps is: the app user and env, the native libraries, CA trust, tzdata, and no dotnet.
      'RUN test "$(id -u app)" = 1654 && test "$APP_UID" = 1654 && test "$ASPNETCORE_HTTP_PORTS" = 8080 && test "$DOTNET_RUNNING_IN_CONTAINER" = true \\',
      '    && ! command -v dotnet && test ! -e /usr/share/dotnet \\',
      '    && for l in libicuuc.so libssl.so.3 libstdc++.so.6 libgcc_s.so.1 libc.so.6; do ldconfig -p | grep -q "$l" || exit 1; done \\',
      '    && test -s /etc/ssl/certs/ca-certificates.crt && test -d /usr/share/zoneinfo && sh app/main.sh > out.txt',
      'FROM ${DEPS_IMAGE}',
      'COPY --from=build /w/out.txt /out.txt',
      '',
    ].join('\n'),
  );
  const r = await cachebench(['--repo', dir, ...FAST]);
  assert.equal(r.exitCode, 0, r.all);
  const line = `base image ${image} → local recipe dotnet-runtime-deps (no registry access; closest equivalent)`;
  assert.equal(r.all.split('\n').filter((l) => l === line).length, 1, `one line for the image:\n${r.all}`);
  const res = readJson<Results>(path.join(r.out, 'results.json'));
  const rec = res.environment.baseImages[image];
  assert.ok(rec, JSON.stringify(res.environment.baseImages));
  assert.equal(rec.recipe, 'dotnet-runtime-deps');
  assert.equal(rec.mappedFrom, image);
  assert.equal(rec.mapping, 'auto');
  assert.match(rec.ref, /\/cachebench\/base\/dotnet-runtime-deps:/);
  assert.match(rec.digest, /^sha256:[0-9a-f]{64}$/);
  const run = res.cells[0]?.runs[0];
  assert.equal(run?.status, 'ok', run?.error?.message);
  if (run?.check) assert.ok(run.check.ok, run.check.problems.join(' | '));
});

test('an image BuildKit cannot use (arm64-only manifest list): the run stops after the first seed, exit 2, naming the image and the fix', async () => {
  const dir = await repo('arm64-only', `FROM ${arm64Only} AS build\nRUN echo hi > /x\nFROM ${arm64Only}\nCOPY --from=build /x /x\n`);
  const r = await cachebench(['--repo', dir, '--modes', 'none,registry-max', '--scenarios', 'no-change,code-change', '-n', '1', '--network-profile', 'loopback', '--no-calibration']);
  assert.equal(r.exitCode, 2, r.all);
  assert.doesNotMatch(r.all, /checked before any build/, 'the preflight found the image');
  const stderr = r.stderr.split('\n');
  const at = stderr.findIndex((l) => l.startsWith('error: '));
  assert.equal(stderr[at], `error: base image ${arm64Only} cannot be used: no match for platform in manifest: not found (every seed build failed on it: none); nothing was measured`, r.all);
  assert.match(stderr[at + 1] ?? '', new RegExp(`^  fix: serve it from a local recipe: --base-image ${arm64Only.replace(/\./g, '\\.')}=RECIPE`));
  assert.doesNotMatch(r.all, /seed registry-max/, 'no second seed');
  const res = readJson<Results>(path.join(r.out, 'results.json'));
  assert.equal(res.status, 'failed');
  assert.deepEqual(Object.keys(res.seeds), ['none']);
  assert.equal(res.seeds.none?.status, 'failed');
  assert.ok(res.cells.every((c) => c.runs.length === 0 && c.warnings.length === 1), JSON.stringify(res.cells.map((c) => c.warnings)));
  assert.ok(existsSync(path.join(r.out, 'report.md')), 'reports are written');
});

test('cells that could not be measured: exit 1, the first line at the end says which and why; a run that measured nothing is failed', async () => {
  const dir = await repo('breaks', 'FROM alpine-like:3\nARG FAIL=0\nCOPY app/ /app/\nRUN test "$FAIL" = 0 && sh /app/main.sh > /out.txt\n', { scenarios: SCENARIOS, imageMap: { 'alpine-like:3': 'busybox' } });
  const r = await cachebench(['--repo', dir, '--modes', 'none', '--scenarios', 'no-change,code-change', '-n', '1', '--network-profile', 'loopback', '--no-calibration']);
  assert.equal(r.exitCode, 1, r.all);
  assert.match(r.stdoutLines[0] ?? '', /^not measured: code-change × none — 1 of 1 builds failed: .*exit code/, r.all);
  assert.match(r.stdoutLines[1] ?? '', /^done in /);
  const res = readJson<Results>(path.join(r.out, 'results.json'));
  assert.equal(res.status, 'complete', 'no-change was measured');
  assert.ok(existsSync(path.join(r.out, 'report.md')));

  // The parent commit itself fails: no cell measured; that never exits 0 (it did before).
  const none = await cachebench(['--repo', dir, ...FAST, '--build-arg', 'FAIL=1']);
  assert.equal(none.exitCode, 1, none.all);
  assert.match(none.stdoutLines[0] ?? '', /^not measured: no-change × none — the seed build failed: /, none.all);
  assert.equal(readJson<Results>(path.join(none.out, 'results.json')).status, 'failed');
});
