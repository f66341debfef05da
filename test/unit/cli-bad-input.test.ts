/**
 * Bad input through the real CLI: a clear message naming the problem and the fix,
 * exit code 2, and no work started (no results written, no engine needed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { existsSync, linkSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../../src/paths.ts';
import { tempDir } from './helpers/temp-dir.ts';
import { cachebenchHomeOf } from '../../src/engine/registry-port.ts';

const cli = path.join(projectRoot, 'bench', 'cachebench.mjs');
const tmp = () => tempDir('cb-bad-');

async function expectBad(args: string[], message: RegExp, env: Record<string, string> = {}) {
  const out = tmp();
  const r = await execa('node', [cli, ...args.map((a) => a.replace('$OUT', out))], { reject: false, all: true, env });
  assert.equal(r.exitCode, 2, `${args.join(' ')}\n${r.all}`);
  assert.match(r.all ?? '', message, args.join(' '));
  assert.match(r.all ?? '', /^error: /m);
  assert.ok(!existsSync(path.join(out, 'results.json')), 'no work started');
  return r.all ?? '';
}

test('unknown command and unknown flag', async () => {
  await expectBad(['frobnicate'], /unknown command "frobnicate"[\s\S]*fix: commands: run/);
  await expectBad(['run', '--frobnicate', '--out', '$OUT'], /Unknown option '--frobnicate'/);
  await expectBad(['engine', 'explode'], /unknown subcommand "explode"/);
});

test('unknown scenario or mode lists the valid ones', async () => {
  await expectBad(['run', '--modes', 'registry-medium', '--out', '$OUT'], /unknown value "registry-medium"[\s\S]*fix: valid values: none, local, inline, registry-min, registry-max/);
  await expectBad(['run', '--scenarios', 'huge-change', '--out', '$OUT'], /unknown value "huge-change"[\s\S]*code-change/);
});

test('repetitions that are not a positive whole number', async () => {
  await expectBad(['run', '-n', '0', '--out', '$OUT'], /--repetitions: "0" is not a whole number/);
  await expectBad(['run', '--repetitions', 'lots', '--out', '$OUT'], /--repetitions: "lots"/);
  await expectBad(['run', '--repetitions', '-3', '--out', '$OUT'], /repetitions/);
});

test('an output folder that is a file, or cannot be written', async () => {
  const dir = tmp();
  const file = path.join(dir, 'file');
  writeFileSync(file, 'x');
  await expectBad(['run', '--out', file], /--out .* is a file/);
  await expectBad(['run', '--out', path.join(file, 'below')], /is not writable/);
});

test('a fixture path without a Dockerfile, or with a malformed config', async () => {
  const empty = tmp();
  await expectBad(['run', '--fixture', empty, '--out', '$OUT'], /has no fixture\.json or cachebench\.json/);
  const noDockerfile = tmp();
  writeFileSync(path.join(noDockerfile, 'fixture.json'), '{}');
  await expectBad(['run', '--fixture', noDockerfile, '--out', '$OUT'], /no Dockerfile at/);
  const malformed = tmp();
  writeFileSync(path.join(malformed, 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(path.join(malformed, 'fixture.json'), '{"scenarios": {"code-change": {"edits": [{"file": "x.cs"}]}}');
  await expectBad(['run', '--fixture', malformed, '--out', '$OUT'], /not valid JSON/);
  writeFileSync(path.join(malformed, 'fixture.json'), '{"scenarios": {"code-change": {"edits": [{"file": "x.cs", "append": "// x"}]}}}');
  await expectBad(['run', '--fixture', malformed, '--out', '$OUT'], /scenarios\.code-change\.edits\[0\]\.file": x\.cs does not exist/);
  await expectBad(['run', '--fixture', path.join(empty, 'nope'), '--out', '$OUT'], /no such fixture or folder/);
});

test('a malformed baseline is rejected before the run starts, naming the field', async () => {
  const dir = tmp();
  const bad = path.join(dir, 'baseline.json');
  writeFileSync(bad, JSON.stringify({ schemaVersion: 1, planId: 'x', cells: 'no' }));
  await expectBad(['run', '--fixture', 'tiny', '--baseline', bad, '--out', '$OUT'], /not a cachebench results file: .*(plan|cells)/);
  writeFileSync(bad, '{oops');
  await expectBad(['compare', '--baseline', bad, '--current', bad], /not valid JSON/);
});

test('--resume without --out, and --fail-on or --absolute without --baseline', async () => {
  await expectBad(['run', '--resume'], /--resume needs --out/);
  await expectBad(['run', '--fail-on', 'alert', '--out', '$OUT'], /--fail-on needs --baseline/);
  await expectBad(['run', '--absolute', '--out', '$OUT'], /--absolute needs --baseline/);
});

test('no engine to be had: a system engine demanded where none runs', async () => {
  const env = { CACHEBENCH_ENGINE: 'system', DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
  await expectBad(['run', '--fixture', 'tiny', '--out', '$OUT'], /CACHEBENCH_ENGINE=system but no Docker engine[\s\S]*fix: start Docker/, env);
  const doctor = await execa('node', [cli, 'doctor'], { reject: false, all: true, env });
  assert.equal(doctor.exitCode, 1, 'doctor reports the problem and exits 1');
  assert.match(doctor.all ?? '', /problem: CACHEBENCH_ENGINE=system but no Docker engine[\s\S]*fix: start Docker/);
  await expectBad(['run', '--fixture', 'tiny', '--out', '$OUT'], /CACHEBENCH_ENGINE=bogus is not valid[\s\S]*auto, embedded or system/, { CACHEBENCH_ENGINE: 'bogus' });
});

test('a registry address already in use is diagnosed before anything is downloaded', async () => {
  const server = createServer((s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const home = tmp();
  try {
    await expectBad(['engine', 'start'], /registry address 127\.0\.0\.1:\d+ is already in use[\s\S]*CACHEBENCH_REGISTRY_PORT/, { CACHEBENCH_HOME: home, CACHEBENCH_REGISTRY_PORT: String(port) });
    assert.deepEqual(readdirSync(home), [], 'nothing provisioned');
  } finally {
    server.close();
  }
  await expectBad(['engine', 'start'], /CACHEBENCH_REGISTRY_PORT=99999 is not a port/, { CACHEBENCH_HOME: home, CACHEBENCH_REGISTRY_PORT: '99999' });
});

test('a registry port held by another checkout\'s engine is named as such, with how to stop it', async () => {
  // A stand-in for the other checkout's registry: node, linked to where cachebench keeps its registry binary.
  const otherHome = tmp();
  const exe = path.join(otherHome, 'engine', 'bin', 'docker-registry');
  mkdirSync(path.dirname(exe), { recursive: true });
  linkSync(process.execPath, exe);
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const holder = execa(exe, ['-e', `require('node:net').createServer((s) => s.end()).listen(${port}, '127.0.0.1', () => console.log('listening'))`]);
  try {
    await new Promise<void>((resolve) => holder.stdout?.once('data', () => resolve()));
    await expectBad(['engine', 'start'], new RegExp(`in use by the engine of another cachebench checkout \\(registry pid \\d+, cache home ${otherHome}\\)[\\s\\S]*CACHEBENCH_HOME=${otherHome} node bench/cachebench.mjs engine stop`), { CACHEBENCH_HOME: tmp(), CACHEBENCH_REGISTRY_PORT: String(port) });
  } finally {
    holder.kill();
    await holder.catch(() => undefined);
  }

  assert.equal(cachebenchHomeOf('/tmp/other/.cache/cachebench/engine/bin/docker-registry'), '/tmp/other/.cache/cachebench');
  assert.equal(cachebenchHomeOf('/srv/cb/engine/bin/docker-registry (deleted)'), '/srv/cb');
  assert.equal(cachebenchHomeOf('/usr/bin/docker-registry'), undefined);
  assert.equal(cachebenchHomeOf('/usr/bin/python3'), undefined);
  assert.equal(cachebenchHomeOf(''), undefined);
});
