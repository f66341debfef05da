import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseChallenge, privateDockerConfig, resolveCredentials } from '../../src/registry/auth.ts';
import { parseRegistry, parseRunOptions } from '../../src/options.ts';
import { tagFor } from '../../src/registry/remote.ts';
import { UsageError } from '../../src/errors.ts';
import { tempDir } from './helpers/temp-dir.ts';

test('parseChallenge reads Bearer and Basic challenges, quoted values with commas included', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
  });
  assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', params: { realm: 'Registry Realm' } });
  assert.deepEqual(parseChallenge('Bearer realm=https://x/t, service=svc'), { scheme: 'bearer', params: { realm: 'https://x/t', service: 'svc' } });
  assert.equal(parseChallenge(''), undefined);
});

test('parseRegistry: HOST[/PATH] with the repository defaulted, Docker Hub mapped, bad values named', () => {
  assert.deepEqual(parseRegistry('ghcr.io/my-org/cachebench'), { host: 'ghcr.io', apiHost: 'ghcr.io', repository: 'my-org/cachebench' });
  assert.deepEqual(parseRegistry('registry.example.com:5000'), { host: 'registry.example.com:5000', apiHost: 'registry.example.com:5000', repository: 'cachebench' });
  assert.deepEqual(parseRegistry('127.0.0.1:5000/team/app/'), { host: '127.0.0.1:5000', apiHost: '127.0.0.1:5000', repository: 'team/app' });
  assert.deepEqual(parseRegistry('docker.io/me/bench'), { host: 'docker.io', apiHost: 'registry-1.docker.io', repository: 'me/bench' });
  assert.throws(() => parseRegistry('https://ghcr.io/x'), (e: UsageError) => e.exitCode === 2 && /has a scheme/.test(e.message) && /drop "https:\/\/"/.test(e.hint ?? ''));
  assert.throws(() => parseRegistry('myorg/cachebench'), /not a registry host/);
  assert.throws(() => parseRegistry('ghcr.io/My-Org'), /not a valid repository path component/);
  assert.throws(() => parseRegistry('docker.io/me'), /Docker Hub needs exactly USER\/REPOSITORY/);
  assert.throws(() => parseRunOptions(['--registry', 'ghcr.io/x', '--network-profile', 'internet'], ['code-change']), /exclude each other/);
  const o = parseRunOptions(['--registry', 'ghcr.io/x', '--out', tempDir('cb-opt-')], ['code-change']);
  assert.ok(o !== 'help' && o.registry?.repository === 'x' && o.networkProfile === 'loopback');
});

test('tagFor: the run prefix, only tag characters, at most 128 long', () => {
  assert.equal(tagFor('20261128-abc', 'tiny-seed-registry-max-parent'), '20261128-abc-tiny-seed-registry-max-parent');
  assert.equal(tagFor('r1', 'a/b c'), 'r1-a-b-c');
  assert.equal(tagFor('r1', 'x'.repeat(300)).length, 128);
});

test('resolveCredentials: environment first, then the Docker config (auth, username/password, identity token)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-dcfg-'));
  try {
    writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'reg.example': { auth: Buffer.from('alice:pa:ss').toString('base64') },
          'https://other.example': { username: 'bob', password: 'pw' },
          'tok.example': { identitytoken: 'refresh-token' },
        },
      }),
    );
    const env = { DOCKER_CONFIG: dir };
    assert.deepEqual(await resolveCredentials('reg.example', env), { username: 'alice', password: 'pa:ss', source: path.join(dir, 'config.json') });
    assert.equal((await resolveCredentials('other.example', env))?.username, 'bob');
    assert.equal((await resolveCredentials('tok.example', env))?.password, 'refresh-token');
    assert.equal(await resolveCredentials('none.example', env), undefined);
    const fromEnv = await resolveCredentials('reg.example', { ...env, CACHEBENCH_REGISTRY_USERNAME: 'ci', CACHEBENCH_REGISTRY_PASSWORD: 'secret' });
    assert.deepEqual(fromEnv, { username: 'ci', password: 'secret', source: 'CACHEBENCH_REGISTRY_USERNAME/PASSWORD' });
    await assert.rejects(resolveCredentials('reg.example', { ...env, CACHEBENCH_REGISTRY_USERNAME: 'ci' }), /must be set together/);
    writeFileSync(path.join(dir, 'config.json'), '{ not json');
    await assert.rejects(resolveCredentials('reg.example', env), (e: UsageError) => e.exitCode === 2 && /cannot read the Docker config/.test(e.message));
    assert.equal(await resolveCredentials('reg.example', { DOCKER_CONFIG: path.join(dir, 'missing') }), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('privateDockerConfig: credentials for the host in a 0600 file, other entries kept by symlink, removed on dispose', () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'cb-dbase-'));
  try {
    mkdirSync(path.join(base, 'buildx'));
    writeFileSync(path.join(base, 'config.json'), JSON.stringify({ auths: { 'a.example': { auth: 'eDp5' } }, credsStore: 'desktop', credHelpers: { 'reg.example': 'gcloud' } }));
    const p = privateDockerConfig(base, 'reg.example', { username: 'u', password: 'p', source: 'test' });
    const cfg = JSON.parse(readFileSync(path.join(p.dir, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }>; credsStore?: string; credHelpers?: Record<string, string> };
    assert.equal(cfg.auths['reg.example']?.auth, Buffer.from('u:p').toString('base64'));
    assert.equal(cfg.auths['a.example']?.auth, 'eDp5', 'other logins kept');
    assert.equal(cfg.credsStore, undefined);
    assert.equal(cfg.credHelpers?.['reg.example'], undefined);
    assert.equal(statSync(path.join(p.dir, 'config.json')).mode & 0o777, 0o600);
    assert.ok(lstatSync(path.join(p.dir, 'buildx')).isSymbolicLink());
    p.dispose();
    assert.ok(!existsSync(p.dir));
    const t = privateDockerConfig(base, 'tok.example', { username: '<token>', password: 'refresh', source: 'test' });
    const tc = JSON.parse(readFileSync(path.join(t.dir, 'config.json'), 'utf8')) as { auths: Record<string, { identitytoken?: string; auth?: string }> };
    assert.deepEqual(tc.auths['tok.example'], { identitytoken: 'refresh' }, 'an identity token stays an identity token');
    t.dispose();
    assert.ok(existsSync(path.join(base, 'buildx')), 'the base directory is untouched');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
