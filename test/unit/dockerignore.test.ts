/** The build context's filter: which ignore file applies, and Docker's matching rules. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { contextFilter, dockerignorePath, readDockerignore } from '../../src/dockerfile/ignore.ts';

const temps: string[] = [];
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-ignore-unit-'));
  temps.push(dir);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

test('<Dockerfile>.dockerignore next to the Dockerfile takes precedence over <context>/.dockerignore', () => {
  const dir = tree({
    '.dockerignore': 'docs\n',
    'build/App.Dockerfile': 'FROM x\n',
    'build/App.Dockerfile.dockerignore': 'src/secret.txt\n',
    'Dockerfile': 'FROM x\n',
  });
  const specific = readDockerignore(path.join(dir, 'build', 'App.Dockerfile'), dir);
  assert.equal(specific.file, path.join(dir, 'build', 'App.Dockerfile.dockerignore'));
  assert.equal(specific.excludes('src/secret.txt'), true);
  assert.equal(specific.excludes('docs/a.md'), false, 'the context .dockerignore is not read at all');

  const general = readDockerignore(path.join(dir, 'Dockerfile'), dir);
  assert.equal(general.file, path.join(dir, '.dockerignore'));
  assert.equal(general.excludes('docs/a.md'), true);
  assert.equal(general.excludes('src/secret.txt'), false);

  const none = tree({ Dockerfile: 'FROM x\n' });
  assert.equal(dockerignorePath(path.join(none, 'Dockerfile'), none), undefined);
  assert.equal(readDockerignore(path.join(none, 'Dockerfile'), none).excludes('anything/at/all'), false);
});

test('! re-includes: the last matching line decides, also under an excluded folder', () => {
  const f = contextFilter(['**/bin', '!**/bin/keep.txt', '*.md', '!README*.md', 'README-secret.md']);
  assert.equal(f.excludes('a/bin/x.dll'), true);
  assert.equal(f.excludes('a/bin/keep.txt'), false);
  assert.equal(f.excludes('README.md'), false);
  assert.equal(f.excludes('README-secret.md'), true, 'a later exclusion wins over the earlier re-include');
  const allowList = contextFilter(['*', '!src', '!*.sln']);
  assert.equal(allowList.excludes('src/App/Program.cs'), false, 're-included under an excluded root');
  assert.equal(allowList.excludes('App.sln'), false);
  assert.equal(allowList.excludes('other/x.cs'), true);
  const order = contextFilter(['*.md', 'README-secret.md', '!README*.md']);
  assert.equal(order.excludes('README-secret.md'), false);
});

test('Docker pattern rules: ** at any depth, *.md at the root only, leading and trailing slashes, classes, case', () => {
  const f = contextFilter(['# comment', '**/obj/', '*.md', '/secrets/*', 'docs/', '[a-c].txt', '*.LOG']);
  assert.equal(f.excludes('obj/project.assets.json'), true);
  assert.equal(f.excludes('src/App/obj/x'), true);
  assert.equal(f.excludes('README.md'), true);
  assert.equal(f.excludes('src/README.md'), false);
  assert.equal(f.excludes('secrets/key'), true);
  assert.equal(f.excludes('x/secrets/key'), false);
  assert.equal(f.excludes('docs/a/b.cs'), true);
  assert.equal(f.excludes('b.txt'), true);
  assert.equal(f.excludes('d.txt'), false);
  assert.equal(f.excludes('build.log'), false, 'case-sensitive, as Docker on Linux');
  assert.equal(f.excludes('# comment'), false);
});
