/** `cachebench mix`: a synthetic history of every class is classified exactly; bad input is a usage error. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { computeMix } from '../../src/mix/index.ts';
import { gitAt } from '../../src/target/workspace.ts';
import { projectRoot } from '../../src/paths.ts';
import { main } from '../../bench/cli.ts';
import { run } from '../../src/proc.ts';
import { tempDir } from './helpers/temp-dir.ts';

const DOCKERFILE = `FROM busybox:1.36 AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY src/ src/
RUN npm run build
FROM busybox:1.36
COPY --from=build /src/dist /app
`;

async function repo(): Promise<{ dir: string; commit: (msg: string, files?: Record<string, string | null>) => Promise<string> }> {
  const dir = tempDir('cb-mix-');
  const git = gitAt(dir);
  await git.init(['--quiet', '--initial-branch=main']);
  const commit = async (msg: string, files: Record<string, string | null> = {}) => {
    for (const [p, text] of Object.entries(files)) {
      const f = path.join(dir, p);
      if (text === null) rmSync(f);
      else {
        mkdirSync(path.dirname(f), { recursive: true });
        writeFileSync(f, text);
      }
    }
    await git.add('-A');
    await git.commit(msg, { '--allow-empty': null });
    return (await git.revparse(['HEAD'])).trim();
  };
  return { dir, commit };
}

const mixOf = (dir: string, extra: Partial<Parameters<typeof computeMix>[0]> = {}) => computeMix({ repo: dir, repository: dir, branch: 'HEAD', context: '.', dockerfile: 'Dockerfile', ...extra });

test('a known history: every class, a merge (against its first parent), ignored files, the Dockerfile and its base', async () => {
  const r = await repo();
  await r.commit('initial', { Dockerfile: DOCKERFILE, '.dockerignore': 'docs/\n*.md\n!README.md\n', 'package.json': '{}', 'package-lock.json': '{}', 'src/a.js': '1', 'docs/x.txt': '1', 'NOTES.md': '1' });
  const want: Record<string, string> = {};
  want[await r.commit('code', { 'src/a.js': '2' })] = 'code-change';
  want[await r.commit('deps', { 'package-lock.json': '{"v":2}' })] = 'dependency-change';
  want[await r.commit('ignored only', { 'docs/x.txt': '2', 'NOTES.md': '2' })] = 'no-change';
  want[await r.commit('outside every COPY', { 'README.md': 'read me' })] = 'no-change';
  want[await r.commit('empty')] = 'no-change';
  want[await r.commit('dockerfile', { Dockerfile: DOCKERFILE.replace('RUN npm run build', 'RUN npm run build -- --prod') })] = 'dockerfile-change';
  want[await r.commit('base', { Dockerfile: DOCKERFILE.replace('RUN npm run build', 'RUN npm run build -- --prod').replaceAll('busybox:1.36', 'busybox:1.37') })] = 'base-image-change';
  // A merge whose first-parent diff is a dependency change (the side branch bumped the lock file).
  const git = gitAt(r.dir);
  await git.checkout(['-q', '-b', 'side']);
  await r.commit('side: bump', { 'package-lock.json': '{"v":3}' });
  await git.checkout(['-q', 'main']);
  await r.commit('main: code', { 'src/b.js': '1' });
  want[(await git.revparse(['HEAD'])).trim()] = 'code-change';
  await git.merge(['--no-ff', '-q', '-m', 'merge side', 'side']);
  want[(await git.revparse(['HEAD'])).trim()] = 'dependency-change';

  const mix = await mixOf(r.dir);
  const got = Object.fromEntries(mix.perCommit.map((c) => [c.sha, c.class]));
  assert.deepEqual(got, want);
  assert.equal(mix.commits, Object.keys(want).length);
  assert.equal(mix.skipped, 1, 'the root commit has no parent to diff against');
  const deps = mix.perCommit.find((c) => c.class === 'dependency-change');
  assert.equal(deps?.step, '[build 3/6] COPY package.json package-lock.json ./');
  assert.deepEqual(deps?.files, ['package-lock.json']);
  assert.equal(mix.counts['no-change'], 3);
  assert.ok(Math.abs(Object.values(mix.weights).reduce((a, b) => a + b, 0) - 1) < 1e-9);
  assert.equal(mix.commitsPerDay.days, 1);
});

test("the .NET sample's own scenario commits come out as their names", async () => {
  const dir = tempDir('cb-mix-dotnet-');
  cpSync(path.join(projectRoot, 'fixtures', 'dotnet-sample'), dir, { recursive: true });
  const git = gitAt(dir);
  await git.init(['--quiet', '--initial-branch=main']);
  await git.add('-A');
  await git.commit('fixture');
  const cfg = JSON.parse(readFileSync(path.join(dir, 'fixture.json'), 'utf8')) as { scenarios: Record<string, { edits: Array<{ file: string; replace: string; with: string }> }> };
  const want: Record<string, string> = {};
  for (const scenario of ['code-change', 'dependency-change', 'no-change']) {
    for (const e of cfg.scenarios[scenario]?.edits ?? []) {
      const f = path.join(dir, e.file);
      writeFileSync(f, readFileSync(f, 'utf8').replace(e.replace, e.with));
    }
    await git.add('-A');
    await git.commit(scenario, { '--allow-empty': null });
    want[(await git.revparse(['HEAD'])).trim()] = scenario;
  }
  const mix = await mixOf(dir);
  assert.deepEqual(Object.fromEntries(mix.perCommit.map((c) => [c.sha, c.class])), want);
});

test('a --dependency-step names the step; a context below the root; a range with no Dockerfile is a usage error', async () => {
  const r = await repo();
  await r.commit('initial', { 'svc/Dockerfile': 'FROM busybox\nCOPY req.txt .\nRUN ./fetch-deps.sh\nCOPY . .\nRUN make\n', 'svc/req.txt': '1', 'svc/main.c': '1', 'other/x': '1' });
  const dep = await r.commit('deps', { 'svc/req.txt': '2' });
  const other = await r.commit('outside the context', { 'other/x': '2' });
  const detected = await mixOf(r.dir, { context: 'svc' });
  assert.equal(detected.perCommit.find((c) => c.sha === dep)?.class, 'code-change', 'fetch-deps.sh is not a known install command');
  const named = await mixOf(r.dir, { context: 'svc', dependencyStep: 'fetch-deps' });
  assert.equal(named.perCommit.find((c) => c.sha === dep)?.class, 'dependency-change');
  assert.equal(named.perCommit.find((c) => c.sha === other)?.class, 'no-change');
  await assert.rejects(mixOf(r.dir), /no commit in the range has Dockerfile/);
  await assert.rejects(mixOf(r.dir, { context: 'svc', since: '2999-01-01' }), /no commits in HEAD since 2999-01-01/);
});

test('cachebench mix: not a git repository → exit 2; a shallow clone says so and classifies what it has', async () => {
  // Only stderr is captured: the test runner reports on stdout.
  const errs: string[] = [];
  const ew = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => (errs.push(String(s)), true)) as typeof process.stderr.write;
  try {
    assert.equal(await main(['mix', '--repo', tempDir('cb-mix-nogit-')]), 2);
    assert.match(errs.join(''), /is not a git repository/);
    const r = await repo();
    await r.commit('initial', { Dockerfile: DOCKERFILE, 'package.json': '{}', 'package-lock.json': '{}', 'src/a.js': '1' });
    for (let i = 2; i < 6; i++) await r.commit(`code ${i}`, { 'src/a.js': String(i) });
    const shallow = tempDir('cb-mix-shallow-');
    await run('git', ['clone', '-q', '--depth', '3', `file://${r.dir}`, shallow]);
    const out = tempDir('cb-mix-out-');
    assert.equal(await main(['mix', '--repo', shallow, '--out', out]), 0);
    assert.match(errs.join(''), /is a shallow clone: classified the 2 commits/);
    const mix = JSON.parse(readFileSync(path.join(out, 'mix.json'), 'utf8')) as { shallow: boolean; commits: number; counts: Record<string, number> };
    assert.equal(mix.shallow, true);
    assert.equal(mix.counts['code-change'], 2);
    assert.match(readFileSync(path.join(out, 'mix.csv'), 'utf8'), /^sha,date,class,first_invalidated_step,files\n/);
  } finally {
    process.stderr.write = ew;
  }
});
