/**
 * Partial detection on the real engine: a .NET repository without a config whose
 * published project has only a project reference. The run measures code-change and
 * no-change, and records the dependency-change it could not detect, with the reason, in
 * the console, results.json and report.md.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { Engine } from '../../src/engine/index.ts';
import { projectRoot } from '../../src/paths.ts';
import type { Results } from '../../src/results/types.ts';
import { writeProjectRefsRepo } from '../unit/helpers/project-refs-repo.ts';
import { readJson, startEngine, stopIfStarted } from './helpers.ts';
import { tempDir } from '../unit/helpers/temp-dir.ts';

const cli = path.join(projectRoot, 'bench', 'cachebench.mjs');
const REASON = 'not applicable — the published project App.csproj has no package references (only project references: Lib.csproj)';
let engine: Engine;
let repo: string;

before(async () => {
  engine = await startEngine();
  repo = path.join(tempDir('cb-partial-'), 'project-refs-app');
  writeProjectRefsRepo(repo);
  const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
  await execa('git', ['init', '-q', '-b', 'main', repo]);
  await execa('git', ['-C', repo, 'add', '-A'], { env });
  await execa('git', ['-C', repo, 'commit', '-qm', 'initial'], { env });
});

after(async () => {
  await stopIfStarted(engine);
});

test('a repository with no package references: code-change and no-change are measured, dependency-change is skipped with its reason', async () => {
  const out = tempDir('cb-partial-out-');
  const args = ['run', '--repo', repo, '--modes', 'none', '--scenarios', 'no-change,code-change,dependency-change', '-n', '1', '--network-profile', 'loopback', '--no-calibration', '--out', out];
  const r = await execa('node', [cli, ...args], { reject: false, all: true });
  assert.equal(r.exitCode, 0, r.all);
  assert.match(r.all ?? '', new RegExp(`not measured: dependency-change: ${REASON.replace(/[()]/g, '\\$&')}`));

  const res = readJson<Results>(path.join(out, 'results.json'));
  assert.deepEqual(res.plan.scenarios, ['no-change', 'code-change']);
  assert.deepEqual(res.plan.skippedScenarios, [{ scenario: 'dependency-change', reason: REASON }]);
  assert.deepEqual(Object.keys(res.plan.commitMix).sort(), ['code-change', 'no-change']);
  assert.deepEqual(res.cells.map((c) => c.scenario).sort(), ['code-change', 'no-change']);
  for (const c of res.cells) assert.equal(c.runs[0]?.status, 'ok', `${c.id}: ${c.runs[0]?.error?.message ?? ''}`);

  const md = readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(md, /## Scenarios not measured/);
  assert.ok(md.includes(`- **dependency-change**: ${REASON}`), md);
  assert.ok(readFileSync(path.join(out, 'report.html'), 'utf8').includes('<h2>Scenarios not measured</h2>'));
});
