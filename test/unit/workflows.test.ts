/**
 * CI's check of action.yml and .github/workflows/ (scripts/check-workflows.ts, run by
 * `npm run lint`): the real files pass; broken copies — an invalid input name, an invalid
 * step, a reference to an input or step that does not exist, a workflow passing an input
 * the action does not declare — fail, and the command exits 1 on them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { parseDocument } from 'yaml';
import { checkProject } from '../../scripts/check-workflows.ts';
import { tempDir } from './helpers/temp-dir.ts';

const root = path.join(import.meta.dirname, '..', '..');
const SCRIPT = path.join(root, 'scripts', 'check-workflows.ts');

/** A copy of action.yml and the workflows, with `edit` applied to one file's text. */
function brokenCopy(file: string, edit: (text: string) => string): string {
  const dir = tempDir('cb-workflows-');
  mkdirSync(path.join(dir, '.github'), { recursive: true });
  cpSync(path.join(root, 'action.yml'), path.join(dir, 'action.yml'));
  cpSync(path.join(root, '.github', 'workflows'), path.join(dir, '.github', 'workflows'), { recursive: true });
  const target = path.join(dir, file);
  const before = readFileSync(target, 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, `the edit changed ${file}`);
  writeFileSync(target, after);
  return dir;
}

/** A structural edit of a YAML file (comments and layout kept). */
const yamlEdit = (fn: (doc: ReturnType<typeof parseDocument>) => void) => (text: string) => {
  const doc = parseDocument(text);
  fn(doc);
  return doc.toString();
};

function findings(dir: string): string[] {
  return checkProject(dir).findings.map((f) => `${f.file}: ${f.message}`);
}

test('action.yml and every workflow pass the validator and the reference checks', () => {
  const r = checkProject(root);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.files.map((f) => path.relative(root, f)), ['action.yml', '.github/workflows/nightly.yml', '.github/workflows/sharded.yml']);
  const out = execFileSync(process.execPath, ['--import', 'tsx', SCRIPT, root], { cwd: root, encoding: 'utf8' });
  assert.match(out, /valid/);
});

test('both example workflows use the action (uses: ./)', () => {
  for (const f of ['nightly.yml', 'sharded.yml']) assert.match(readFileSync(path.join(root, '.github', 'workflows', f), 'utf8'), /^\s+uses: \.\/$/m, f);
});

const BROKEN: Array<[string, string, (t: string) => string, RegExp]> = [
  ['an input name GitHub does not allow', 'action.yml', (t) => t.replace(/^ {2}fail-on:$/m, '  fail on!:'), /Additional property 'fail on!' is not allowed/],
  ['a composite run step without a shell', 'action.yml', yamlEdit((d) => d.deleteIn(['runs', 'steps', 3, 'shell'])), /\/runs\/steps\/3\/shell: This property is required/],
  ['an unknown key in a step', 'action.yml', yamlEdit((d) => d.setIn(['runs', 'steps', 4, 'runs-on'], 'ubuntu-latest')), /\/runs\/steps\/4: .*Additional property 'runs-on' is not allowed/],
  ['a step reading an input that is not declared', 'action.yml', (t) => t.replace('${{ inputs.mix }}', '${{ inputs.commit-mix }}'), /reads inputs\.commit-mix, which action\.yml does not declare/],
  ['an output reading a step id that does not exist', 'action.yml', (t) => t.replace('${{ steps.summary.outputs.verdict }}', '${{ steps.summarize.outputs.verdict }}'), /reads steps\.summarize, which is not a step id/],
  ['a YAML syntax error', 'action.yml', (t) => t.replace('runs:\n', 'runs:\n  - [unclosed\n'), /Parse Error/],
  ['a workflow passing an input the action does not declare', '.github/workflows/nightly.yml', (t) => t.replace('          profile: nightly', '          profil: nightly'), /input "profil" is not declared in action\.yml/],
  ['a workflow reading an output the action does not declare', '.github/workflows/nightly.yml', (t) => t.replace('steps.bench.outputs.report-dir', 'steps.bench.outputs.report-folder'), /steps\.bench\.outputs\.report-folder is not an output of action\.yml/],
  ['a workflow job without runs-on', '.github/workflows/sharded.yml', yamlEdit((d) => d.deleteIn(['jobs', 'merge', 'runs-on'])), /\/jobs\/merge\/runs-on: This property is required/],
  ['a workflow step with both run and uses', '.github/workflows/sharded.yml', yamlEdit((d) => d.setIn(['jobs', 'merge', 'steps', 2, 'uses'], 'actions/checkout@v4')), /\/jobs\/merge\/steps\/2: OneOf conditions are not met/],
];

for (const [what, file, edit, message] of BROKEN) {
  test(`a broken copy fails: ${what}`, () => {
    const dir = brokenCopy(file, edit);
    const found = findings(dir);
    assert.ok(found.length > 0, 'found a problem');
    assert.ok(found.every((f) => f.startsWith(`${file}: `)), found.join('\n'));
    assert.match(found.join('\n'), message);
  });
}

test('the lint command exits 1 on a broken copy and names the file and the problem', () => {
  const dir = brokenCopy('action.yml', (t) => t.replace(/^ {2}fail-on:$/m, '  fail on!:'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, dir], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^action\.yml: \/inputs: .*'fail on!'/m);
  assert.match(r.stderr, /1 problem\(s\) in 1 of 3 file\(s\)/);
});

test('the lint script runs the check after eslint', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts.lint ?? '', /check:workflows/);
  assert.match(pkg.scripts['check:workflows'] ?? '', /scripts\/check-workflows\.ts/);
});
