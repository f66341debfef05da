/**
 * `--mix-from mix.json`: reading and checking the history's mix (every bad file a
 * UsageError naming the file and the fix), the share the run does not cover, the
 * renormalised weights of the expected time, the cost flags, their conflicts, and
 * `report DIR` taking the same flags.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { UsageError } from '../../src/errors.ts';
import { parseMix, parseRunOptions } from '../../src/options.ts';
import { applyToPlan } from '../../src/options-cost.ts';
import { MIX_CLASSES, MIX_FILE, readMixFile } from '../../src/options-mix.ts';
import { MIX_CLASSES as WRITER_CLASSES } from '../../src/mix/classify.ts';
import type { MixResult } from '../../src/mix/result.ts';
import { projectRoot } from '../../src/paths.ts';
import { analyze } from '../../src/report/analysis.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { withoutSkippedScenarios } from '../../src/target/index.ts';
import type { Results } from '../../src/results/types.ts';
import { tempDir } from './helpers/temp-dir.ts';
import { timedCell, timedResults } from './helpers/synthetic-results.ts';

const SCEN = ['code-change', 'dependency-change', 'no-change'];

/** What `cachebench mix` writes (its own type: the contract): 412 commits, 16% of them classes cachebench does not build. */
function mixDoc(): Record<string, unknown> & MixResult {
  return {
    schemaVersion: 1,
    repository: 'https://git.example/team/shop.git',
    branch: 'main',
    range: { since: '2026-05-01', first: '1111111', last: '2222222', firstDate: '2026-05-01T08:00:00Z', lastDate: '2026-10-31T17:00:00Z' },
    commits: 412,
    skipped: 3,
    shallow: false,
    counts: { 'no-change': 16, 'code-change': 293, 'dependency-change': 37, 'dockerfile-change': 41, 'base-image-change': 25 },
    weights: { 'no-change': 16 / 412, 'code-change': 293 / 412, 'dependency-change': 37 / 412, 'dockerfile-change': 41 / 412, 'base-image-change': 25 / 412 },
    commitsPerDay: { mean: 2.24, median: 2, days: 184 },
    generatedAt: '2026-11-01T00:00:00Z',
    perCommit: [{ sha: '2222222', date: '2026-10-31T17:00:00Z', class: 'code-change', files: ['src/Api/Program.cs'] }],
  } satisfies MixResult;
}

function writeMix(doc: unknown, raw?: string): string {
  const dir = tempDir('cb-mix-from-');
  const file = path.join(dir, MIX_FILE);
  writeFileSync(file, raw ?? JSON.stringify(doc));
  return file;
}

const COVERED = (293 + 37 + 16) / 412;

function usageError(fn: () => unknown, message: RegExp, hint?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UsageError, `UsageError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, message);
    if (hint) assert.match(err.hint ?? '', hint);
    return true;
  });
}

test('the reader knows the classes the writer counts', () => {
  assert.deepEqual([...MIX_CLASSES], [...WRITER_CLASSES]);
});

test('a valid mix.json (or its folder): the weights of the scenarios run, renormalised; the source kept', () => {
  const file = writeMix(mixDoc());
  for (const given of [file, path.dirname(file)]) {
    const o = parseRunOptions(['--mix-from', given], SCEN);
    assert.ok(o !== 'help');
    assert.equal(o.mixSource?.file, file);
    assert.equal(o.mixSource?.repository, 'https://git.example/team/shop.git');
    assert.equal(o.mixSource?.commits, 412);
    assert.equal(o.mixSource?.weights['dockerfile-change'], 41 / 412, 'every class keeps its share');
    assert.ok(Math.abs((o.mix['code-change'] as number) - 293 / 412 / COVERED) < 1e-12);
    assert.ok(Math.abs(Object.values(o.mix).reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.deepEqual(Object.keys(o.mix).sort(), ['code-change', 'dependency-change', 'no-change']);
  }
  const two = parseRunOptions(['--mix-from', file, '--scenarios', 'code-change,no-change'], SCEN);
  assert.ok(two !== 'help');
  assert.ok(Math.abs((two.mix['code-change'] as number) - 293 / (293 + 16)) < 1e-12, 'renormalised over the scenarios that run');
});

test('bad mix files are usage errors that name the file and the fix', () => {
  const dir = tempDir('cb-mix-from-');
  const missing = path.join(dir, 'nope.json');
  usageError(() => readMixFile(missing), new RegExp(`--mix-from: ${missing} does not exist`), /cachebench mix --repo/);
  const json = writeMix(undefined, '{"schemaVersion": 1,');
  usageError(() => readMixFile(json), new RegExp(`${json} is not valid JSON`), /cachebench mix --repo/);
  const v2 = writeMix({ ...mixDoc(), schemaVersion: 2 });
  usageError(() => readMixFile(v2), new RegExp(`${v2} has schemaVersion 2; this cachebench reads schemaVersion 1`), /write it again/);
  const none = writeMix({ ...mixDoc(), schemaVersion: undefined });
  usageError(() => readMixFile(none), /has schemaVersion undefined/);
  const sum = writeMix({ ...mixDoc(), weights: { ...(mixDoc().weights as object), 'code-change': 0.5 } });
  usageError(() => readMixFile(sum), new RegExp(`the weights in ${sum} add up to 0\\.78\\d*, not 1`), /count \/ commits; do not edit them by hand/);
  const shape = writeMix({ ...mixDoc(), weights: { 'code-change': 1 } });
  usageError(() => readMixFile(shape), new RegExp(`${shape} is not a cachebench mix file: /weights must have required property`));
  const empty = writeMix({ ...mixDoc(), commits: 0 });
  usageError(() => readMixFile(empty), /classifies no commits \(3 skipped\)/, /--since, --max-commits/);
  const noWeight = writeMix({ ...mixDoc(), weights: { 'no-change': 0, 'code-change': 0.9, 'dependency-change': 0.1, 'dockerfile-change': 0, 'base-image-change': 0 } });
  usageError(() => parseRunOptions(['--mix-from', noWeight, '--scenarios', 'no-change'], SCEN), /gives the scenarios this run measures \(no-change\) no weight; its commits are code-change, dependency-change/, /--scenarios/);
});

test('option conflicts and bad cost flags name the flag and what is allowed', () => {
  const file = writeMix(mixDoc());
  usageError(() => parseRunOptions(['--mix', 'code-change=1', '--mix-from', file], SCEN), /--mix and --mix-from exclude each other/, /not both/);
  usageError(() => parseRunOptions(['--commits-per-day', '0'], SCEN), /--commits-per-day: "0" is not a number above 0/);
  usageError(() => parseRunOptions(['--commits-per-day', 'lots'], SCEN), /--commits-per-day: "lots"/);
  usageError(() => parseRunOptions(['--branches', '1.5'], SCEN), /--branches: "1\.5" is not a whole number/);
  usageError(() => parseRunOptions(['--price-minute', '$0.006'], SCEN), /--price-minute: "\$0\.006" is not a price in USD/, /no currency sign/);
  usageError(() => parseRunOptions(['--price-gb-month=-1'], SCEN), /--price-gb-month: "-1"/);
  const o = parseRunOptions(['--commits-per-day', '12.5', '--branches', '3', '--price-minute', '0.008', '--price-gb-month', '0', '--price-gb-transfer', '0.09'], SCEN);
  assert.ok(o !== 'help');
  assert.deepEqual(o.cost, { commitsPerDay: 12.5, branches: 3, priceMinuteUsd: 0.008, priceGbMonthUsd: 0, priceGbTransferUsd: 0.09 });
  const plain = parseRunOptions([], SCEN);
  assert.ok(plain !== 'help');
  assert.deepEqual(plain.cost, {}, 'only what is given is kept: the report states the defaults');
  assert.equal(plain.mixSource, undefined);
});

/** A finished run measured with --mix-from: the plan as new-results.ts writes it. */
function measuredWithHistory(scenarios = SCEN): Results {
  const o = parseRunOptions(['--mix-from', writeMix(mixDoc()), '--scenarios', scenarios.join(',')], SCEN);
  assert.ok(o !== 'help');
  const cells = scenarios.flatMap((s, i) => [timedCell(s, 'none', [60_000 + i * 1000, 61_000 + i * 1000]), timedCell(s, 'registry-max', [30_000 + i * 1000, 31_000 + i * 1000])]);
  const r = timedResults(cells, o.mix);
  r.plan.mixSource = o.mixSource;
  return r;
}

test('classes the run did not measure are reported as not covered, with their share', () => {
  const a = analyze(measuredWithHistory());
  const m = a.mixCoverage;
  assert.ok(Math.abs(m.coveredShare - COVERED) < 1e-12);
  assert.deepEqual(
    m.notCovered.map((c) => [c.name, c.share, c.weight]),
    [
      ['dockerfile-change', 41 / 412, 0],
      ['base-image-change', 25 / 412, 0],
    ],
  );
  assert.ok(Math.abs(a.cost.notCoveredShare - 66 / 412) < 1e-12);
  const md = renderMarkdown(measuredWithHistory());
  assert.match(md, /Commit mix from the history of https:\/\/git\.example\/team\/shop\.git \(branch main, 2026-05-01 … 2026-10-31, since 2026-05-01\): 412 commits classified; 3 commits not classified; read from \S+mix\.json\./);
  assert.match(md, /This run measures 84% of those commits \(code-change 71\.1%, dependency-change 9%, no-change 3\.9%\); for the expected time their weights are renormalised to add up to 100%\./);
  assert.match(md, /Not covered: dockerfile-change 10%, base-image-change 6\.1% \(16% of commits\)/);
  assert.match(md, /\| dockerfile-change \| 10% \| no \(not covered\) \| – \|/);
  assert.match(md, /### code-change \(71\.1% of commits, 84\.7% of the expected time\)/);
  assert.match(md, /\*\*Answer\.\*\* For the commit mix of https:\/\/git\.example\/team\/shop\.git's history \(code-change 84\.7%, dependency-change 10\.7%, no-change 4\.6% of the 84% of its commits this run covers\)/);
  assert.match(md, /Commits per day: 2\.24, the mean over the 184 calendar days/);
  assert.match(md, /costed at that same expected time/);
  assert.match(md, /--mix-from \S+mix\.json/, 'the reproduce command reads the same file');
});

test('the expected time uses the covered weights renormalised; a scenario the target could not provide is not covered', () => {
  const a = analyze(measuredWithHistory());
  const max = a.modes.find((m) => m.mode === 'registry-max');
  const weights = Object.fromEntries((max?.expected.terms ?? []).map((t) => [t.scenario, t.weight]));
  assert.ok(Math.abs((weights['code-change'] as number) - 293 / 412 / COVERED) < 1e-12);
  assert.ok(Math.abs((weights['no-change'] as number) - 16 / 412 / COVERED) < 1e-12);
  const expected = (293 * 30_500 + 37 * 31_500 + 16 * 32_500) / (293 + 37 + 16);
  assert.ok(Math.abs((max?.expected.ms as number) - expected) < 1e-6);

  // The target had no dependency change: the runner drops it and renormalises; the report counts it as not covered.
  const o = parseRunOptions(['--mix-from', writeMix(mixDoc())], SCEN);
  assert.ok(o !== 'help');
  const kept = withoutSkippedScenarios(o, { skippedScenarios: [{ scenario: 'dependency-change', reason: 'no package reference' }] } as Parameters<typeof withoutSkippedScenarios>[1]);
  const r = measuredWithHistory(['code-change', 'no-change']);
  r.plan.commitMix = kept.opts.mix;
  const cov = analyze(r).mixCoverage;
  assert.deepEqual(cov.notCovered.map((c) => c.name), ['dockerfile-change', 'dependency-change', 'base-image-change']);
  assert.ok(Math.abs(cov.classes.filter((c) => c.covered).reduce((s, c) => s + c.weight, 0) - 1) < 1e-12);
});

test('report DIR takes the same flags and writes them into the plan', () => {
  const r = measuredWithHistory();
  const plan = structuredClone(r.plan);
  assert.deepEqual(applyToPlan(plan, {}, parseMix), []);
  assert.deepEqual(plan, r.plan, 'no flags: the plan as it was');
  const changed = applyToPlan(plan, { mix: 'code-change=1', branches: '4' }, parseMix);
  assert.deepEqual(changed, ['commit mix from --mix', 'cost settings (branches)']);
  assert.deepEqual(plan.commitMix, { 'code-change': 1 });
  assert.equal(plan.mixSource, undefined, 'a mix given by hand has no history');
  assert.deepEqual(plan.cost, { branches: 4 });
  applyToPlan(plan, { 'mix-from': r.plan.mixSource?.file, 'price-minute': '0.008' }, parseMix);
  const sourceOf = (p: Results['plan']) => p.mixSource; // (assert.equal above narrowed plan.mixSource to undefined)
  assert.equal(sourceOf(plan)?.file, r.plan.mixSource?.file);
  assert.deepEqual(plan.cost, { branches: 4, priceMinuteUsd: 0.008 });
  assert.throws(() => applyToPlan(plan, { mix: 'code-change=1', 'mix-from': 'x' }, parseMix), /exclude each other/);
});

test('through the CLI: a conflict or a bad mix file stops with exit code 2 before any work', async () => {
  const cli = path.join(projectRoot, 'bench', 'cachebench.mjs');
  const out = tempDir('cb-mix-cli-');
  const bad = writeMix(undefined, 'not json');
  for (const args of [
    ['run', '--mix', 'code-change=1', '--mix-from', bad, '--out', out],
    ['run', '--mix-from', bad, '--out', out],
  ]) {
    const r = await execa('node', [cli, ...args], { reject: false, all: true });
    assert.equal(r.exitCode, 2, r.all);
    assert.match(r.all ?? '', /^error: --mix/m);
    assert.match(r.all ?? '', /fix: /);
  }
  // report DIR with a new commit mix: results.json's plan and the reports follow it.
  const dir = tempDir('cb-mix-report-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify(measuredWithHistory()));
  const r = await execa('node', [cli, 'report', dir, '--commits-per-day', '4', '--price-gb-transfer', '0'], { reject: false, all: true });
  assert.equal(r.exitCode, 0, r.all);
  assert.match(r.all ?? '', /results\.json: cost settings \(commitsPerDay, priceGbTransferUsd\)/);
  const saved = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as Results;
  assert.deepEqual(saved.plan.cost, { commitsPerDay: 4, priceGbTransferUsd: 0 });
  assert.match(readFileSync(path.join(dir, 'report.md'), 'utf8'), /Commits per day: 4, given with --commits-per-day/);
  assert.match(readFileSync(path.join(dir, 'cost.csv'), 'utf8'), /^mode,commits_per_day,/);
  const conflict = await execa('node', [cli, 'report', dir, '--mix', 'code-change=1', '--mix-from', bad], { reject: false, all: true });
  assert.equal(conflict.exitCode, 2, conflict.all);
});
