/**
 * The action's "Job summary and outputs" step (scripts/action-summary.ts) on a recorded run:
 * the outputs written to $GITHUB_OUTPUT, the Markdown appended to $GITHUB_STEP_SUMMARY, and
 * the exit code the last step takes from it, for every way the earlier steps can end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Results } from '../../src/results/types.ts';
import { compareResults } from '../../src/compare/verdicts.ts';
import { writeComparison } from '../../src/compare/io.ts';
import { combinedExitCode, outputLines, runSummaryStep, type StepState } from '../../scripts/action-summary.ts';
import { tempDir } from './helpers/temp-dir.ts';

const FIXTURE = new URL('../fixtures/results-tiny-quick.json', import.meta.url);
const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Results;

/** A report folder with the recorded results.json and, if given, compare's files against `baseline`. */
function reportDir(baseline?: Results): string {
  const dir = tempDir('cb-action-summary-');
  copyFileSync(FIXTURE, path.join(dir, 'results.json'));
  if (baseline) writeComparison(dir, recorded, compareResults(baseline, recorded));
  return dir;
}

/** Parses a GITHUB_OUTPUT file (key=value lines and key<<DELIM heredocs). */
function readOutputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const here = /^([^=<]+)<<(.+)$/.exec(line);
    if (here) {
      const end = lines.indexOf(here[2] as string, i + 1);
      out[here[1] as string] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return out;
}

function runStep(env: Record<string, string>): { outputs: Record<string, string>; summary: string } {
  const dir = tempDir('cb-action-files-');
  const files = { GITHUB_OUTPUT: path.join(dir, 'output'), GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md') };
  writeFileSync(files.GITHUB_STEP_SUMMARY, '');
  runSummaryStep({ INPUT_FAIL_ON: 'fail', INPUT_ARTIFACT_NAME: 'cachebench-report', ...env, ...files });
  return { outputs: readOutputs(files.GITHUB_OUTPUT), summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8') };
}

test('after a run and a comparison: verdict, expected time per mode (JSON, seconds), winner, exit code, message; the summary has the chart and the comparison', () => {
  const dir = reportDir(recorded);
  const { outputs, summary } = runStep({ REPORT_DIR: dir, BENCH_EXIT: '0', COMPARE_EXIT: '0', INPUT_BASELINE: 'baselines/tiny.json' });
  assert.deepEqual(Object.keys(outputs).sort(), ['exit-code', 'expected-time', 'message', 'verdict', 'winner']);
  assert.equal(outputs.verdict, 'ok');
  const expected = JSON.parse(outputs['expected-time'] ?? '') as Record<string, number>;
  assert.deepEqual(Object.keys(expected), recorded.plan.modes);
  // Σ weight × mean over the commit mix, e.g. none: 0.9·4.247 + 0.05·4.345 + 0.05·4.319 s.
  assert.equal(expected.none, 4.256);
  assert.equal(outputs.winner, 'local');
  assert.equal(outputs['exit-code'], '0');
  assert.match(outputs.message ?? '', /every cell measured \(15\); verdict ok; exit 0/);
  assert.match(summary, /^## cachebench: tiny$/m);
  assert.match(summary, /\*\*Answer\.\*\* For this commit mix/);
  assert.equal((summary.match(/```mermaid/g) ?? []).length, 2, 'the run chart and the comparison chart');
  assert.match(summary, /## cachebench comparison: OK/);
  assert.match(summary, /\| \*\*local\*\* \| 2\.6 s \|/);
  assert.match(summary, /the artifact `cachebench-report`/);
});

test('no baseline yet, no baseline given, a run that wrote nothing', () => {
  const missing = runStep({ REPORT_DIR: reportDir(), BENCH_EXIT: '0', COMPARE_EXIT: 'missing-baseline', INPUT_BASELINE: 'baselines/tiny.json' });
  assert.equal(missing.outputs.verdict, 'none');
  assert.equal(missing.outputs['exit-code'], '0');
  assert.match(missing.summary, /No baseline at `baselines\/tiny\.json` yet: nothing compared\./);
  assert.equal((missing.summary.match(/```mermaid/g) ?? []).length, 1);

  const none = runStep({ REPORT_DIR: reportDir(), BENCH_EXIT: '0', COMPARE_EXIT: 'skipped' });
  assert.match(none.summary, /No baseline: nothing compared\./);
  assert.match(none.outputs.message ?? '', /no baseline given/);

  const nothing = runStep({ REPORT_DIR: tempDir('cb-empty-'), BENCH_EXIT: '2', COMPARE_EXIT: 'skipped' });
  assert.equal(nothing.outputs['exit-code'], '2');
  assert.equal(nothing.outputs['expected-time'], '{}');
  assert.match(nothing.summary, /stopped before it wrote results \(exit 2\)/);
});

test('the exit code: bad input first, then failed builds and regressions, a regression only per fail-on', () => {
  const s = (benchExit: number | undefined, compare: StepState['compare'], failOn: StepState['failOn'] = 'fail'): number =>
    combinedExitCode({ ...(benchExit === undefined ? {} : { benchExit }), compare, failOn, baseline: '', artifactName: '' });
  assert.equal(s(0, 'skipped'), 0);
  assert.equal(s(0, 0), 0);
  assert.equal(s(0, 1), 1);
  assert.equal(s(0, 1, 'never'), 0);
  assert.equal(s(1, 0), 1, 'a failed build fails the job');
  assert.equal(s(1, 1, 'never'), 1);
  assert.equal(s(0, 2, 'never'), 2, 'bad compare input is never ignored');
  assert.equal(s(2, 'skipped'), 2);
  assert.equal(s(130, 'skipped'), 130);
  assert.equal(s(undefined, 'skipped'), 2, 'no exit code recorded: the step did not get to run');
});

test('a regression with fail-on never: the verdict is reported, the exit code stays 0', () => {
  const slower: Results = { ...recorded, runId: 'slower', cells: recorded.cells.map((c) => ({ ...c, runs: c.runs.map((r) => ({ ...r, wallMs: r.wallMs * 3, cachedSteps: 0 })) })) };
  const dir = reportDir(recorded);
  writeComparison(dir, slower, compareResults(recorded, slower));
  const r = runStep({ REPORT_DIR: dir, BENCH_EXIT: '0', COMPARE_EXIT: '1', INPUT_FAIL_ON: 'never' });
  assert.equal(r.outputs.verdict, 'fail');
  assert.equal(r.outputs['exit-code'], '0');
  assert.match(r.outputs.message ?? '', /verdict fail \(fail-on: never\)/);
});

test('outputs with line breaks use a heredoc delimiter', () => {
  assert.equal(outputLines({ a: '1', b: 'x\ny' }), 'a=1\nb<<CACHEBENCH_EOF\nx\ny\nCACHEBENCH_EOF\n');
});
