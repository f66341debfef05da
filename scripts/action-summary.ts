/**
 * The action's "Job summary and outputs" step (action.yml): from the report folder, the
 * Markdown appended to $GITHUB_STEP_SUMMARY (the answer, the Mermaid chart of the means,
 * the expected time per mode, the comparison with its own chart) and the step outputs
 * written to $GITHUB_OUTPUT (verdict, expected-time, winner, exit-code, message).
 * Environment: REPORT_DIR, BENCH_EXIT, COMPARE_EXIT (a number, `skipped` or
 * `missing-baseline`), INPUT_BASELINE, INPUT_FAIL_ON, INPUT_ARTIFACT_NAME.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readResults, RESULTS_FILE } from '../src/results/io.ts';
import type { Results } from '../src/results/types.ts';
import { analyze, type Analysis } from '../src/report/analysis.ts';
import { fmtS } from '../src/report/format.ts';
import { runChartLines } from '../src/report/mermaid.ts';
import { COMPARISON_FILES } from '../src/compare/io.ts';

export const VERDICTS = ['ok', 'improved', 'alert', 'fail'] as const;
export type ActionVerdict = (typeof VERDICTS)[number] | 'none';
export type FailOn = 'fail' | 'alert' | 'never';

export interface StepState {
  /** `cachebench run`'s exit code; undefined when the step wrote none. */
  benchExit?: number;
  /** compare's exit code, or why it did not run. */
  compare: number | 'skipped' | 'missing-baseline';
  failOn: FailOn;
  baseline: string;
  artifactName: string;
}

export interface Comparisonish {
  verdict: ActionVerdict;
  markdown: string;
}

/** The exit code of the action: bad input first, then failed builds and regressions (a regression only per fail-on). */
export function combinedExitCode(s: StepState): number {
  if (s.benchExit === undefined) return 2;
  if (s.benchExit >= 2) return s.benchExit;
  const cmp = typeof s.compare === 'number' ? s.compare : 0;
  if (cmp >= 2) return cmp;
  return Math.max(s.benchExit, s.failOn === 'never' ? 0 : cmp);
}

/** Expected time per build for the commit mix, per mode, in seconds (3 decimals); null when a mode misses a scenario of the mix. */
export function expectedTimes(a: Analysis): Record<string, number | null> {
  return Object.fromEntries(a.modes.map((m) => [m.mode, m.expected.complete && m.expected.ms !== undefined ? Math.round(m.expected.ms) / 1000 : null]));
}

/** One line for the log and the last step: what happened, in words. */
export function message(s: StepState, verdict: ActionVerdict, code: number, results?: Results): string {
  if (!results) return `the run wrote no results (exit ${s.benchExit ?? 'unknown'}); see the Benchmark step's log`;
  const parts = [s.benchExit === 0 ? `every cell measured (${results.cells.length})` : `run exit ${s.benchExit}: a build failed or a cell was not measured (see report.md, "Incomplete or failed cells")`];
  if (typeof s.compare === 'number') parts.push(s.compare >= 2 ? `compare exit ${s.compare}: bad input` : `verdict ${verdict}${s.failOn === 'never' ? ' (fail-on: never)' : ''}`);
  else if (s.compare === 'missing-baseline') parts.push(`no baseline at ${s.baseline} yet`);
  else parts.push('no baseline given');
  return `${parts.join('; ')}; exit ${code}`;
}

function expectedTable(a: Analysis): string[] {
  const rows = a.modes.map((m) => {
    const e = m.expected;
    const ci = e.ci95Ms ? `${fmtS(e.ci95Ms[0])} – ${fmtS(e.ci95Ms[1])}` : '–';
    const pct = e.vsNonePct;
    const vs = m.mode === 'none' ? 'baseline' : pct === undefined ? '–' : `${pct > 0 ? '+' : pct < 0 ? '−' : ''}${Math.abs(pct).toFixed(1)}%`;
    return `| ${m.mode === a.winner ? `**${m.mode}**` : m.mode} | ${e.complete ? fmtS(e.ms) : 'not measured in every scenario'} | ${ci} | ${vs} |`;
  });
  return ['| Mode | Expected time per build (mean) | 95% CI | vs none |', '|---|---:|---:|---:|', ...rows, ''];
}

/** The job summary: the answer, the chart, the expected times, the comparison (or why there is none), where the full report is. */
export function summaryMarkdown(s: StepState, results: Results | undefined, comparison: Comparisonish | undefined, analysis?: Analysis): string {
  if (!results) return `## cachebench: no results\n\nThe run stopped before it wrote results (exit ${s.benchExit ?? 'unknown'}): see the Benchmark step's log.\n`;
  const a = analysis ?? analyze(results);
  const out = [`## cachebench: ${a.fixture}`, ''];
  if (results.status !== 'complete') out.push(`> **This run is ${results.status}.** Numbers cover only what finished.`, '');
  out.push(`**Answer.** ${a.answer}`, '', ...runChartLines(results), ...expectedTable(a));
  if (comparison) out.push(comparison.markdown.trim(), '');
  else if (s.compare === 'missing-baseline') out.push(`No baseline at \`${s.baseline}\` yet: nothing compared.`, '');
  else if (s.compare === 'skipped') out.push('No baseline: nothing compared.', '');
  else out.push(`The comparison failed (exit ${s.compare}): see the Compare step's log.`, '');
  const where = s.artifactName ? `the artifact \`${s.artifactName}\`` : 'the report folder';
  out.push(`The full report (report.html with the PNG charts, report.md, results.json, CSV) is ${where}.`, '');
  return out.join('\n');
}

/** `key=value` lines for $GITHUB_OUTPUT; a value with a line break gets a heredoc delimiter. */
export function outputLines(outputs: Record<string, string>): string {
  return Object.entries(outputs)
    .map(([k, v]) => (/[\r\n]/.test(v) ? `${k}<<CACHEBENCH_EOF\n${v}\nCACHEBENCH_EOF\n` : `${k}=${v}\n`))
    .join('');
}

/** The comparison compare wrote into the report folder, if it ran; its verdict is checked. */
export function readComparison(dir: string): Comparisonish | undefined {
  const json = path.join(dir, COMPARISON_FILES.json);
  const md = path.join(dir, COMPARISON_FILES.markdown);
  if (!existsSync(json) || !existsSync(md)) return undefined;
  const doc = JSON.parse(readFileSync(json, 'utf8')) as { verdict?: unknown };
  const verdict = VERDICTS.find((v) => v === doc.verdict);
  if (!verdict) throw new Error(`${json}: verdict ${JSON.stringify(doc.verdict)} is not one of ${VERDICTS.join(', ')}`);
  return { verdict, markdown: readFileSync(md, 'utf8') };
}

export function stepState(env: NodeJS.ProcessEnv): StepState {
  const bench = env.BENCH_EXIT ?? '';
  const cmp = env.COMPARE_EXIT ?? 'skipped';
  const failOn = env.INPUT_FAIL_ON === 'alert' || env.INPUT_FAIL_ON === 'never' ? env.INPUT_FAIL_ON : 'fail';
  return {
    ...(/^\d+$/.test(bench) ? { benchExit: Number(bench) } : {}),
    compare: /^\d+$/.test(cmp) ? Number(cmp) : cmp === 'missing-baseline' ? 'missing-baseline' : 'skipped',
    failOn,
    baseline: env.INPUT_BASELINE ?? '',
    artifactName: env.INPUT_ARTIFACT_NAME ?? '',
  };
}

/** Reads the folder, writes the summary and the outputs; the step itself succeeds (the last step fails the job). */
export function runSummaryStep(env: NodeJS.ProcessEnv): Record<string, string> {
  const s = stepState(env);
  const dir = env.REPORT_DIR ?? '';
  const results = dir && existsSync(path.join(dir, RESULTS_FILE)) ? readResults(dir) : undefined;
  const comparison = results && typeof s.compare === 'number' && s.compare < 2 ? readComparison(dir) : undefined;
  const analysis = results ? analyze(results) : undefined;
  const verdict: ActionVerdict = comparison?.verdict ?? 'none';
  const code = combinedExitCode(s);
  const outputs = {
    verdict,
    'expected-time': JSON.stringify(analysis ? expectedTimes(analysis) : {}),
    winner: analysis?.winner ?? '',
    'exit-code': String(code),
    message: message(s, verdict, code, results),
  };
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, summaryMarkdown(s, results, comparison, analysis) + '\n');
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, outputLines(outputs));
  return outputs;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outputs = runSummaryStep(process.env);
  process.stdout.write(Object.entries(outputs).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n');
}
