/** Where the explanation shows: the report's "Why steps re-ran" section, results.csv, and `cachebench explain DIR`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readDockerfile } from '../../src/dockerfile/model.ts';
import { explainBuild, type CacheSource } from '../../src/explain/explain.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderRunsCsv } from '../../src/report/csv.ts';
import { explainText } from '../../src/report/cache-misses.ts';
import { writeResults, validateResults } from '../../src/results/io.ts';
import { projectRoot } from '../../src/paths.ts';
import { main } from '../../bench/cli.ts';
import { compareResults } from '../../src/compare/index.ts';
import type { Results } from '../../src/results/types.ts';
import { tempDir } from './helpers/temp-dir.ts';

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'results-tiny-quick.json');
const recorded = (): Results => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Results;
const model = readDockerfile(readFileSync(path.join(projectRoot, 'fixtures', 'tiny', 'Dockerfile'), 'utf8'));

function cacheOf(mode: string): CacheSource {
  if (mode === 'none') return { imported: false, why: 'mode none imports no cache' };
  return { imported: true, label: `the ${mode} cache of the parent commit`, mode, stages: mode === 'registry-max' || mode === 'local' ? 'all' : 'final' };
}

/** An explanation with the build doing what was predicted (a `maybe` re-ran). */
function asPredicted(input: Parameters<typeof explainBuild>[0]) {
  const predicted = explainBuild(input, new Map());
  const steps = input.model.expected.filter((e) => e.keyword !== 'FROM');
  return explainBuild(input, new Map(steps.map((e, i) => [e, predicted.steps[i]?.predicted === 'cached'])));
}

/** The recorded tiny run with explanations as a run now records them (code change = src/message.txt). */
function explained(): Results {
  const r = recorded();
  for (const s of Object.values(r.seeds)) s.explain = asPredicted({ model, parent: undefined, changed: [], cache: { imported: false, why: 'the seed builds the parent commit on an empty builder' } });
  for (const c of r.cells) {
    const changed = c.scenario === 'code-change' ? ['src/message.txt'] : c.scenario === 'dependency-change' ? ['deps.txt'] : [];
    for (const run of c.runs) run.explain = asPredicted({ model, parent: model, changed, cache: cacheOf(c.mode) });
  }
  return r;
}

test('results recorded before explanations say so; explained ones get one row per cell with the first re-run and its cause', () => {
  assert.match(renderMarkdown(recorded()), /## Why steps re-ran\n\nNo build carries an explanation/);
  const r = explained();
  const md = renderMarkdown(r);
  assert.match(md, /Every re-run step has a predicted cause/);
  assert.match(md, /\| code-change \| registry-max \| \d+\/\d+ \| \[builder 5\/6\] COPY \. \. \| inputs-changed \| src\/message\.txt changed \|/);
  assert.match(md, /\| code-change \| registry-min \| \d+\/\d+ \| \[builder 2\/6\] WORKDIR \/src \| not-in-cache \| registry-min exports only the final stage's layers, not stage builder \|/);
  const html = renderHtml(r, []);
  assert.match(html, /<h2>Why steps re-ran<\/h2>/);
  assert.match(html, /<details><summary>code-change × registry-max/);
  assert.equal(validateResults(r).length, 0, 'results.json with explanations matches its schema');
});

test('results.csv carries the first re-run step, its cause and the findings', () => {
  const csv = renderRunsCsv(explained());
  const [head, ...rows] = csv.trim().split('\n');
  assert.match(head ?? '', /,first_rerun_step,first_rerun_cause,first_rerun_why,cache_findings$/);
  assert.ok(rows.some((l) => l.includes('code-change,registry-max') && l.includes('[builder 5/6] COPY . .,inputs-changed,src/message.txt changed,')));
});

test('a finding is listed in the report and by explain', () => {
  const r = explained();
  const run = r.cells.find((c) => c.scenario === 'code-change' && c.mode === 'registry-max')?.runs[0];
  assert.ok(run);
  const steps = new Map(model.expected.filter((e) => e.keyword !== 'FROM').map((e) => [e, !e.text.startsWith('RUN sleep 2')]));
  run.explain = explainBuild({ model, parent: model, changed: ['src/message.txt'], cache: cacheOf('registry-max') }, steps);
  assert.match(renderMarkdown(r), /\*\*\d+ findings\*\*[\s\S]*- code-change × registry-max #1: \[builder 4\/6\] RUN sleep 2 .*: re-ran, and nothing predicts it/);
  assert.match(explainText(r), /FINDING: \[builder 4\/6\] RUN sleep 2/);
});

test('cachebench explain DIR prints every build; a run without explanations is a usage error (exit 2)', async () => {
  const dir = tempDir('cb-explain-');
  writeResults(dir, explained());
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stdout.write;
  let code: number;
  try {
    code = await main(['explain', dir, '--steps']);
  } finally {
    process.stdout.write = write;
  }
  assert.equal(code, 0);
  const text = lines.join('');
  assert.match(text, /code-change × registry-max #1: \d+\/\d+ steps cached; started from the registry-max cache of the parent commit\n {2}first re-run: \[builder 5\/6\] COPY \. \. — inputs-changed: src\/message\.txt changed/);
  assert.match(text, /seed × none: .*\n {2}first re-run: \[builder 2\/6\] WORKDIR \/src — not-in-cache: the seed builds the parent commit on an empty builder/);
  const old = tempDir('cb-explain-old-');
  writeResults(old, recorded());
  const errs: string[] = [];
  const ew = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => (errs.push(String(s)), true)) as typeof process.stderr.write;
  try {
    assert.equal(await main(['explain', old]), 2);
  } finally {
    process.stderr.write = ew;
  }
  assert.match(errs.join(''), /no build in .* carries an explanation/);
});

test('compare: when cached steps drop, the verdict names the step that stopped being reused and its cause', () => {
  const baseline = explained();
  const current = explained();
  const cell = current.cells.find((c) => c.scenario === 'code-change' && c.mode === 'registry-max');
  const run = cell?.runs[0];
  assert.ok(cell && run);
  // The restore step re-ran in the current run: a Dockerfile edit put a new step before it.
  const busted = readFileSync(path.join(projectRoot, 'fixtures', 'tiny', 'Dockerfile'), 'utf8').replace('COPY deps.txt ./', 'COPY deps.txt ./\nRUN date > /stamp');
  const bmodel = readDockerfile(busted);
  const observed = new Map(bmodel.expected.filter((e) => e.keyword !== 'FROM').map((e) => [e, e.step < 4]));
  run.explain = explainBuild({ model: bmodel, parent: model, changed: ['src/message.txt'], cache: cacheOf('registry-max') }, observed);
  run.cachedSteps = 2;
  const cmp = compareResults(baseline, current);
  const c = cmp.cells.find((x) => x.id === cell.id);
  assert.equal(c?.verdict, 'fail');
  const reason = c?.reasons.find((r) => r.startsWith('cached steps'));
  assert.match(reason ?? '', /: \[builder 5\/7\] RUN sleep 2 .* re-ran \(after-miss: \[builder 4\/7\] RUN date > \/stamp re-ran\); in the baseline it was cached$/);
});
