/**
 * `--registry HOST[/PATH]`: a real remote registry for the run's images and cache. Tested
 * against a registry that behaves like a hosted one (TLS, token auth, 401 for anonymous;
 * see auth-registry.ts): credentials come from the Docker config, the refs are tags under
 * the run's prefix in the given repository, and they are gone afterwards while a tag of
 * someone else on the same image survives. Wrong credentials and a registry that is down
 * stop the run before any build with an error that names the problem and the fix.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../../src/paths.ts';
import type { Engine } from '../../src/engine/index.ts';
import type { Results } from '../../src/results/types.ts';
import { freePort } from '../../src/network/registry-link.ts';
import { readJson, startEngine, stopIfStarted } from './helpers.ts';
import { startAuthRegistry, type AuthRegistry } from './auth-registry.ts';
import { ensureBaseImage } from '../../src/base-images/index.ts';

const cli = path.join(projectRoot, 'bench', 'cachebench.mjs');
let engine: Engine;
let reg: AuthRegistry;
let dockerConfig: string;

const privateConfigs = () => readdirSync(os.tmpdir()).filter((f) => f.startsWith('cachebench-docker-config-'));

before(async () => {
  engine = await startEngine();
  reg = await startAuthRegistry();
  dockerConfig = mkdtempSync(path.join(os.tmpdir(), 'cb-docker-config-'));
  writeFileSync(path.join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(`${reg.username}:${reg.password}`).toString('base64') } } }));
});
after(async () => {
  await reg?.stop();
  rmSync(dockerConfig, { recursive: true, force: true });
  await stopIfStarted(engine);
});

/** curl against the test registry with a token of the test's own. */
async function api(pathname: string, scopes: string[], extra: string[] = []): Promise<string> {
  const token = await reg.token(scopes);
  const r = await execa('curl', ['-sf', '--cacert', reg.caFile, '-H', `Authorization: Bearer ${token}`, ...extra, `https://${reg.host}${pathname}`]);
  return r.stdout;
}
const tags = async (repo: string) => ((JSON.parse(await api(`/v2/${repo}/tags/list`, [`repository:${repo}:pull`])) as { tags: string[] | null }).tags ?? []);

/** Runs the CLI the way a CI job would: the registry's CA trusted, credentials in the Docker config. */
function cachebench(args: string[], env: Record<string, string> = {}) {
  // Every call is a run; the calibration is covered by compare-reference.test.ts.
  return execa('node', [cli, ...args, '--no-calibration'], {
    reject: false,
    all: true,
    env: { DOCKER_CONFIG: dockerConfig, NODE_EXTRA_CA_CERTS: reg.caFile, SSL_CERT_FILE: reg.caFile, ...env },
  });
}

test('the test registry really demands auth: anonymous /v2/ gets 401 with a Bearer challenge', async () => {
  const r = await execa('curl', ['-s', '-D', '-', '-o', '/dev/null', '--cacert', reg.caFile, `https://${reg.host}/v2/`]);
  assert.match(r.stdout, /^HTTP\/\S+ 401/m);
  assert.match(r.stdout, /www-authenticate: Bearer realm="https:\/\/127\.0\.0\.1:\d+\/token"/i);
});

test('a run on a remote registry: credentials from the Docker config, tags under the run prefix, removed afterwards', async () => {
  const repo = 'team/app';
  const configsBefore = privateConfigs().length;
  const tokensBefore = reg.tokenRequests.length;
  const out = mkdtempSync(path.join(os.tmpdir(), 'cb-rr-'));
  const r = await cachebench(['run', '--fixture', 'tiny', '--modes', 'registry-max,inline', '--scenarios', 'code-change', '-n', '1', '--registry', `${reg.host}/${repo}`, '--out', out]);
  assert.equal(r.exitCode, 0, r.all);
  const results = readJson<Results>(path.join(out, 'results.json'));
  assert.equal(results.environment.networkProfile, 'remote');
  assert.equal(results.environment.registry, `${reg.host}/${repo}`);
  assert.equal(results.environment.network, undefined, 'no shaped link in front of a real registry');
  for (const sd of Object.values(results.seeds)) {
    assert.ok(sd.imageRef.startsWith(`${reg.host}/${repo}:${results.runId}-`), sd.imageRef);
    if (sd.cacheRef) assert.ok(sd.cacheRef.startsWith(`${reg.host}/${repo}:${results.runId}-`), sd.cacheRef);
  }
  const cell = (mode: string) => results.cells.find((c) => c.mode === mode)?.runs[0];
  // The same cache behaviour as on the local registry: max keeps the builder stage, inline does not.
  assert.equal(cell('registry-max')?.status, 'ok');
  assert.equal(cell('registry-max')?.cachedSteps, 4);
  assert.equal(cell('registry-max')?.totalSteps, 7);
  assert.equal(cell('inline')?.status, 'ok');
  assert.equal(cell('inline')?.cachedSteps, 1);
  assert.ok((cell('registry-max')?.phases['cache-export'] ?? 0) > 0, 'cache export to the remote registry measured');
  // Both cachebench's own client and BuildKit (containerd's resolver in dockerd) authenticated.
  const asked = reg.tokenRequests.slice(tokensBefore);
  assert.ok(asked.length > 0);
  assert.ok(asked.every((t) => t.granted && t.user === reg.username), JSON.stringify(asked));
  assert.ok(asked.some((t) => t.userAgent.startsWith('node') && t.scopes.some((s) => s.endsWith(':pull,push'))), 'cachebench fetched a push token');
  assert.ok(asked.some((t) => !t.userAgent.startsWith('node') && t.scopes.some((s) => s === `repository:${repo}:pull,push`)), 'BuildKit fetched a push token');
  assert.ok(asked.some((t) => t.scopes.includes(`repository:${repo}:delete`)), 'cleanup asked for delete rights');
  // Cleanup: none of the run's tags are left; the private Docker config is gone.
  assert.deepEqual((await tags(repo)).filter((t) => t.startsWith(results.runId)), []);
  assert.match(r.all ?? '', /removed this run's \d+ tags/);
  assert.equal(privateConfigs().length, configsBefore, 'the private Docker config was removed');
  // The secret is never printed or written.
  const written = [r.all ?? '', ...['results.json', 'results.csv', 'report.md', 'report.html'].map((f) => readFileSync(path.join(out, f), 'utf8'))].join('\n');
  assert.ok(!written.includes(reg.password), 'password not in output files');
  assert.ok(!written.includes(Buffer.from(`${reg.username}:${reg.password}`).toString('base64')), 'auth string not in output files');
  rmSync(out, { recursive: true, force: true });
});

test('cleanup never deletes a digest that a tag outside the run also names', async () => {
  const repo = 'team/shared';
  // Someone else's tag on the very manifest the run copies in as its base image: cleanup
  // deletes by digest, which would take that tag with it.
  const local = await ensureBaseImage(engine, 'busybox', () => {});
  const code = [
    `import { configureRemote, copyAcross } from ${JSON.stringify(path.join(projectRoot, 'src', 'registry', 'client.ts'))};`,
    `configureRemote(${JSON.stringify(reg.host)}, { username: ${JSON.stringify(reg.username)}, password: process.env.PW, source: 'test' });`,
    `await copyAcross(${JSON.stringify(local.ref)}, ${JSON.stringify(`${reg.host}/${repo}:keep-me`)});`,
  ].join('\n');
  await execa('node', ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: projectRoot, env: { NODE_EXTRA_CA_CERTS: reg.caFile, PW: reg.password } });
  assert.deepEqual(await tags(repo), ['keep-me']);

  const out = mkdtempSync(path.join(os.tmpdir(), 'cb-rr1-'));
  const r = await cachebench(['run', '--fixture', 'tiny', '--modes', 'none', '--scenarios', 'no-change', '-n', '1', '--registry', `${reg.host}/${repo}`, '--out', out]);
  assert.equal(r.exitCode, 0, r.all);
  const results = readJson<Results>(path.join(out, 'results.json'));
  const left = (await tags(repo)).sort();
  // keep-me survives, and so does the run's base tag that shares its digest (reported);
  // every other tag of the run is gone.
  assert.ok(left.includes('keep-me'), left.join(', '));
  assert.deepEqual(left.filter((t) => t !== 'keep-me').map((t) => t.replace(results.runId, 'RUN')), ['RUN-base-busybox']);
  assert.ok(results.notes?.some((n) => n.includes('tags of this run are left') && n.includes('base-busybox')), JSON.stringify(results.notes));
  const keep = await api(`/v2/${repo}/manifests/keep-me`, [`repository:${repo}:pull`], ['-H', 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json']);
  assert.ok(keep.includes('layers') || keep.includes('manifests'), 'keep-me still resolves');
  rmSync(out, { recursive: true, force: true });
});

test('wrong credentials stop the run before any build; the message names the registry and the fix, not the secret', async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'cb-rr-bad-'));
  const secret = 'not-the-password-4711';
  const r = await cachebench(['run', '--fixture', 'tiny', '--modes', 'registry-max', '--scenarios', 'code-change', '-n', '1', '--registry', `${reg.host}/team/app`, '--out', out], {
    CACHEBENCH_REGISTRY_USERNAME: reg.username,
    CACHEBENCH_REGISTRY_PASSWORD: secret,
  });
  assert.equal(r.exitCode, 2, r.all);
  assert.match(r.all ?? '', /refused the credentials from CACHEBENCH_REGISTRY_USERNAME\/PASSWORD/);
  assert.match(r.all ?? '', /docker login|CACHEBENCH_REGISTRY_USERNAME/);
  assert.ok(!(r.all ?? '').includes(secret));
  assert.ok(reg.tokenRequests.some((t) => !t.granted && t.user === reg.username), 'the token server saw and refused them');
  const results = path.join(out, 'results.json');
  const built = readdirSync(out).includes('results.json') ? readJson<Results>(results).cells.flatMap((c) => c.runs).length : 0;
  assert.equal(built, 0, 'nothing was built');
  rmSync(out, { recursive: true, force: true });
});

test('a registry that is down: exit 2 before any build, naming the registry', async () => {
  const port = await freePort();
  const out = mkdtempSync(path.join(os.tmpdir(), 'cb-rr-down-'));
  const r = await cachebench(['run', '--fixture', 'tiny', '--modes', 'none', '--scenarios', 'no-change', '-n', '1', '--registry', `127.0.0.1:${port}/team/app`, '--out', out]);
  rmSync(out, { recursive: true, force: true });
  assert.equal(r.exitCode, 2, r.all);
  assert.match(r.all ?? '', new RegExp(`--registry 127\\.0\\.0\\.1:${port}/team/app: registry request failed`));
  assert.match(r.all ?? '', /ECONNREFUSED/);
});
