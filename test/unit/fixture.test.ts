import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadFixture, parseFixtureConfig } from '../../src/target/fixture.ts';
import { UsageError } from '../../src/errors.ts';
import { loadScenarios } from '../../scenarios/index.ts';
import { tempDir } from './helpers/temp-dir.ts';

test('the built-in fixtures load and declare code and dependency changes', () => {
  for (const name of ['tiny', 'dotnet-sample']) {
    const f = loadFixture(name);
    assert.equal(f.name, name);
    assert.ok(f.scenarios['code-change']?.edits?.length, `${name} code-change`);
    assert.ok(f.scenarios['dependency-change']?.edits?.length, `${name} dependency-change`);
    assert.ok(Object.keys(f.baseImages).length > 0);
  }
  assert.deepEqual(loadFixture('dotnet-sample').prepare, ['nuget-sources']);
});

test('the built-in scenarios are found in scenarios/', async () => {
  const s = await loadScenarios();
  assert.deepEqual([...s.keys()].sort(), ['code-change', 'dependency-change', 'no-change']);
  for (const x of s.values()) assert.ok(x.description.length > 10);
});

test('bad fixture configs are rejected naming the field', () => {
  const dir = tempDir('cb-fx-');
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(path.join(dir, 'a.txt'), 'hello\n');
  const bad: Array<[unknown, RegExp]> = [
    [{ scenarios: { 'code-change': { edits: [{ file: 'missing.txt', append: 'x' }] } } }, /scenarios\.code-change\.edits\[0\]\.file": missing\.txt does not exist/],
    [{ scenarios: { 'code-change': { edits: [{ file: 'a.txt' }] } } }, /needs exactly one of replace\/with, append, create/],
    [{ scenarios: { 'code-change': { edits: [{ file: 'a.txt', replace: 'x' }] } } }, /\.with" must be a string/],
    [{ scenarios: { 'code-change': { edits: 'nope' } } }, /edits" must be an array/],
    [{ buildArgs: { A: 1 } }, /"buildArgs\.A" must be a string/],
    [{ dockerfile: 'Nope.Dockerfile' }, /no Dockerfile at/],
  ];
  for (const [json, re] of bad) {
    assert.throws(() => parseFixtureConfig(json, dir, 'fixture.json'), (err: unknown) => err instanceof UsageError && re.test(err.message), String(re));
  }
  assert.throws(() => loadFixture(path.join(dir, 'nothing-here')), /no such fixture or folder/);
  assert.throws(() => loadFixture(dir), /has no fixture.json/);
});
