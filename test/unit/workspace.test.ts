import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createWorkspace } from '../../src/target/workspace.ts';
import { loadFixture } from '../../src/target/fixture.ts';
import { loadScenarios } from '../../scenarios/index.ts';
import { projectRoot } from '../../src/paths.ts';

test('scenarios are deterministic: the same parent gives the same commits and trees, and the fixture is untouched', async () => {
  const fixture = loadFixture('tiny');
  const scenarios = [...(await loadScenarios()).values()];
  const before = readFileSync(path.join(projectRoot, 'fixtures', 'tiny', 'src', 'message.txt'), 'utf8');
  const a = await createWorkspace(fixture, scenarios);
  const b = await createWorkspace(fixture, scenarios);
  try {
    assert.equal(a.parentCommit, b.parentCommit);
    for (const s of scenarios) {
      assert.equal(a.checkouts.get(s.name)?.commit, b.checkouts.get(s.name)?.commit, s.name);
      assert.notEqual(a.checkouts.get(s.name)?.commit, a.parentCommit, `${s.name} made a commit`);
    }
    const code = a.checkouts.get('code-change');
    assert.match(readFileSync(path.join(code?.dir ?? '', 'src', 'message.txt'), 'utf8'), /version 2/);
    const dep = a.checkouts.get('dependency-change');
    assert.match(readFileSync(path.join(dep?.dir ?? '', 'deps.txt'), 'utf8'), /beta 2\.2\.0/);
    assert.equal(readFileSync(path.join(projectRoot, 'fixtures', 'tiny', 'src', 'message.txt'), 'utf8'), before, 'the source is only read');
  } finally {
    a.cleanup();
    b.cleanup();
  }
  assert.ok(!existsSync(a.root) && !existsSync(b.root), 'throwaway clones removed');
});
