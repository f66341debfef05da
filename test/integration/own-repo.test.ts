/**
 * Benchmarking a repository that is not one of the project's fixtures: a small git
 * repository made here with its own Dockerfile (FROM an image that cannot be pulled,
 * mapped to a local recipe) and cachebench.json. All three scenarios; the cache
 * invariants hold; the user's clone is not touched; bad configs are refused first.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../../src/paths.ts';
import type { Engine } from '../../src/engine/index.ts';
import type { Results } from '../../src/results/types.ts';
import { readJson, startEngine, stopIfStarted } from './helpers.ts';
import { tempDir } from '../unit/helpers/temp-dir.ts';

const cli = path.join(projectRoot, 'bench', 'cachebench.mjs');
let engine: Engine;
let repo: string;

const DOCKERFILE = `FROM alpine-like:3 AS deps
WORKDIR /w
COPY requirements.txt ./
RUN sleep 2 && sort requirements.txt > installed.txt
COPY . .
RUN sleep 1 && cat installed.txt app/*.sh > bundle.txt

FROM alpine-like:3
COPY --from=deps /w/bundle.txt /bundle.txt
CMD ["cat", "/bundle.txt"]
`;

const CONFIG = {
  description: 'a tiny shell app',
  imageMap: { 'alpine-like:3': 'busybox' },
  scenarios: {
    'code-change': { edits: [{ file: 'app/main.sh', append: 'echo changed' }] },
    'dependency-change': { edits: [{ file: 'requirements.txt', replace: 'left-pad==1.0.0', with: 'left-pad==1.1.0' }] },
  },
};

async function git(args: string[]) {
  return execa('git', ['-C', repo, ...args], { env: { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
}

before(async () => {
  engine = await startEngine();
  repo = path.join(tempDir('cb-own-'), 'shell-app');
  mkdirSync(path.join(repo, 'app'), { recursive: true });
  writeFileSync(path.join(repo, 'Dockerfile'), DOCKERFILE);
  writeFileSync(path.join(repo, 'requirements.txt'), 'left-pad==1.0.0\nis-even==2.0.0\n');
  writeFileSync(path.join(repo, 'app', 'main.sh'), '#!/bin/sh\necho hello\n');
  writeFileSync(path.join(repo, '.dockerignore'), '.git\ncachebench.json\n');
  writeFileSync(path.join(repo, 'cachebench.json'), JSON.stringify(CONFIG, null, 2));
  await execa('git', ['init', '-q', '-b', 'main', repo]);
  await git(['add', '-A']);
  await git(['commit', '-qm', 'initial']);
});

after(async () => {
  await stopIfStarted(engine);
});

test('a repository outside the fixtures, all three scenarios: the cache invariants hold', async () => {
  const head = (await git(['rev-parse', 'HEAD'])).stdout;
  const out = tempDir('cb-own-out-');
  const r = await execa('node', [cli, 'run', '--repo', repo, '--modes', 'none,registry-max', '-n', '1', '--network-profile', 'loopback', '--no-calibration', '--out', out], { reject: false, all: true });
  assert.equal(r.exitCode, 0, r.all);
  const res = readJson<Results>(path.join(out, 'results.json'));
  assert.equal(res.plan.fixture, 'shell-app');
  assert.ok(res.environment.baseImages['alpine-like:3']?.digest.startsWith('sha256:'), 'the FROM image came from the local recipe');
  assert.equal(res.environment.fixtureCommit, head, 'the repository commit is recorded');
  assert.equal(res.cells.length, 6);
  for (const c of res.cells) assert.equal(c.runs[0]?.status, 'ok', `${c.id}: ${c.runs[0]?.error?.message ?? ''}`);
  for (const c of res.cells.filter((x) => x.mode === 'none')) assert.equal(c.runs[0]?.cachedSteps, 0, c.id);
  const cached = (scenario: string, text: string) =>
    res.cells.find((c) => c.mode === 'registry-max' && c.scenario === scenario)?.runs[0]?.steps.find((s) => s.name.includes(text))?.cached;
  assert.equal(cached('code-change', 'sort requirements.txt'), true, 'the dependency step is reused on a code change');
  assert.equal(cached('code-change', 'cat installed.txt'), false);
  assert.equal(cached('dependency-change', 'sort requirements.txt'), false);
  assert.equal(cached('no-change', 'cat installed.txt'), true);
  // The user's clone is untouched.
  assert.equal((await git(['rev-parse', 'HEAD'])).stdout, head);
  assert.equal((await git(['status', '--porcelain'])).stdout, '');
});

test('bad configs are refused before any build, naming the field', async () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ ...CONFIG, scenarios: { 'huge-change': { edits: [{ file: 'app/main.sh', append: 'x' }] } } }, /"scenarios\.huge-change": unknown scenario/],
    [{ ...CONFIG, scenarios: { 'code-change': { edits: [{ file: 'app/missing.sh', append: 'x' }] } } }, /"scenarios\.code-change\.edits\[0\]\.file": app\/missing\.sh does not exist/],
    [{ ...CONFIG, scenarios: { 'dependency-change': { edits: [{ file: 'requirements.txt', replace: 'right-pad==9', with: 'x' }] } } }, /"scenarios\.dependency-change\.edits\[0\]\.replace": "right-pad==9" does not occur in requirements\.txt/],
  ];
  for (const [config, re] of cases) {
    const file = path.join(tempDir('cb-cfg-'), 'cachebench.json');
    writeFileSync(file, JSON.stringify(config));
    const out = tempDir('cb-own-bad-');
    const started = Date.now();
    const r = await execa('node', [cli, 'run', '--repo', repo, '--config', file, '--out', out], { reject: false, all: true });
    assert.equal(r.exitCode, 2, r.all);
    assert.match(r.all ?? '', re);
    assert.ok(Date.now() - started < 15_000, 'refused before any build');
  }
  const notRepo = tempDir('cb-notrepo-');
  const r = await execa('node', [cli, 'run', '--repo', notRepo, '--out', notRepo], { reject: false, all: true });
  assert.equal(r.exitCode, 2);
  assert.match(r.all ?? '', /is not a git repository/);
});

test('a git URL is cloned (here file://), never touching the source; secrets in build args stay out of every output', async () => {
  const out = tempDir('cb-own-url-');
  const secret = 'hunter2-do-not-log-7f3a9';
  const r = await execa('node', [cli, 'run', '--repo', `file://${repo}`, '--modes', 'none', '--scenarios', 'no-change', '-n', '1', '--network-profile', 'loopback', '--no-calibration', '--build-arg', `API_TOKEN=${secret}`, '--out', out], { reject: false, all: true });
  assert.equal(r.exitCode, 0, r.all);
  const res = readJson<Results>(path.join(out, 'results.json'));
  assert.equal(res.cells[0]?.runs[0]?.status, 'ok');
  assert.equal(res.plan.fixture, 'shell-app');
  assert.doesNotMatch(r.all ?? '', new RegExp(secret), 'not in the console output');
  for (const f of readdirSync(out, { recursive: true }) as string[]) {
    const file = path.join(out, f);
    if (statSync(file).isFile()) assert.ok(!readFileSync(file).includes(secret), `not in ${f}`);
  }
  assert.equal(readdirSync(os.tmpdir()).filter((f) => f.startsWith('cachebench-repo-')).length, 0, 'the clone of the URL is removed');
});
