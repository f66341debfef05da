/** What changed in the build context between two commits: git diff, .dockerignore (with `!` re-includes), a context below the repository root. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { contextChanges } from '../../src/target/changes.ts';
import { gitAt } from '../../src/target/workspace.ts';
import { tempDir } from './helpers/temp-dir.ts';

async function repo(files: Record<string, string>): Promise<{ dir: string; commit: () => Promise<string>; write: (f: Record<string, string>) => void }> {
  const dir = tempDir('cb-changes-');
  const git = gitAt(dir);
  await git.init(['--quiet', '--initial-branch=main']);
  const write = (f: Record<string, string>) => {
    for (const [p, text] of Object.entries(f)) {
      mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      writeFileSync(path.join(dir, p), text);
    }
  };
  const commit = async () => {
    await git.add('-A');
    await git.commit('c', { '--allow-empty': null });
    return (await git.revparse(['HEAD'])).trim();
  };
  write(files);
  return { dir, commit, write };
}

test('changed files after .dockerignore: ignored ones drop out, `!` re-includes stay', async () => {
  const r = await repo({ '.dockerignore': '*.md\n!README.md\ndocs/\n', 'Dockerfile': 'FROM busybox\n', 'README.md': 'a', 'NOTES.md': 'a', 'docs/x.txt': 'a', 'src/a.c': 'a' });
  const parent = await r.commit();
  r.write({ 'README.md': 'b', 'NOTES.md': 'b', 'docs/x.txt': 'b', 'src/a.c': 'b' });
  const child = await r.commit();
  const changed = await contextChanges({ dir: r.dir, commit: parent }, { dir: r.dir, commit: child }, '.', 'Dockerfile');
  assert.deepEqual(changed, ['README.md', 'src/a.c']);
});

test('a context below the repository root: paths relative to it, files outside it do not count', async () => {
  const r = await repo({ 'svc/Dockerfile': 'FROM busybox\n', 'svc/app/main.go': 'a', 'other/x.go': 'a' });
  const parent = await r.commit();
  r.write({ 'svc/app/main.go': 'b', 'other/x.go': 'b' });
  const child = await r.commit();
  assert.deepEqual(await contextChanges({ dir: r.dir, commit: parent }, { dir: r.dir, commit: child }, 'svc', 'Dockerfile'), ['app/main.go']);
});

test('an edited .dockerignore adds the files whose inclusion changed, though their content did not', async () => {
  const r = await repo({ '.dockerignore': 'secret.txt\n', 'Dockerfile': 'FROM busybox\n', 'secret.txt': 's', 'a.txt': 'a' });
  const parent = await r.commit();
  r.write({ '.dockerignore': '# nothing ignored\n' });
  const child = await r.commit();
  assert.deepEqual(await contextChanges({ dir: r.dir, commit: parent }, { dir: r.dir, commit: child }, '.', 'Dockerfile'), ['.dockerignore', 'secret.txt']);
});

test('a Dockerfile-specific ignore file (Dockerfile.dockerignore) is the one that applies', async () => {
  const r = await repo({ 'Dockerfile': 'FROM busybox\n', 'Dockerfile.dockerignore': 'build/\n', '.dockerignore': '', 'build/out.o': 'a', 'main.c': 'a' });
  const parent = await r.commit();
  r.write({ 'build/out.o': 'b', 'main.c': 'b' });
  const child = await r.commit();
  assert.deepEqual(await contextChanges({ dir: r.dir, commit: parent }, { dir: r.dir, commit: child }, '.', 'Dockerfile'), ['main.c']);
});
