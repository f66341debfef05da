/** The decision report as Markdown (report.md). Pure; every number comes from analysis.ts. */
import type { Results } from '../results/types.ts';
import { analyze, type Analysis } from './analysis.ts';
import { roundsMarkdown } from './rounds.ts';
import { PROJECTION_NOTE, projectionNotes, projectionTable, reportProjection, type ReportProjection } from './projection.ts';
import { CALIBRATION_HEAD, calibrationRows, calibrationText, IN_RUN_REFERENCE } from './calibration.ts';
import { MISS_HEAD, missRows, missSummary, missText } from './cache-misses.ts';
import { SELF_CHECK_HEAD, selfCheckRows, selfCheckSummary, selfCheckText } from './self-check.ts';
import { runChartLines } from './mermaid.ts';
import { costAssumptions, COVERAGE_HEAD, coverageRows, MONEY_HEAD, moneyRows, MONTH_HEAD, monthIntro, monthRows, mixSourceText, shareLabel } from './month-tables.ts';
import {
  comparisonMarkdown,
  COST_HEAD,
  costRows,
  environmentRows,
  expectedHead,
  expectedRows,
  METHOD_NOTES,
  networkNote,
  overheadText,
  REPORT_COMMAND,
  SCENARIO_HEAD,
  scenarioRows,
  SEED_HEAD,
  SEED_INTRO,
  seedRows,
  CHECKS_PASSED,
} from './tables.ts';

function esc(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(head: string[], rows: string[][], align: Array<'l' | 'r'> = []): string {
  const sep = head.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.map((c, i) => (i < head.length ? c : '')).join(' | ')} |`).join('\n');
}

/** The expected time per build for the commit mix, and where the mix came from. */
function expectedSection(a: Analysis): string[] {
  const out = ['## Expected time for the commit mix', ''];
  out.push(table(expectedHead(a), expectedRows(a), ['l', 'r', 'r', 'r', ...a.mix.map(() => 'r' as const)]), '');
  out.push(esc(mixSourceText(a)), '');
  const coverage = coverageRows(a);
  if (coverage.length) out.push(table(COVERAGE_HEAD, coverage.map((r) => r.map(esc)), ['l', 'r', 'l', 'r']), '');
  return out;
}

/** "Cost per month": the quantities, the money when priced, the chart, every assumption with its source. */
function monthSection(a: Analysis): string[] {
  const out = ['## Cost per month', '', monthIntro(a), ''];
  out.push(table(MONTH_HEAD, monthRows(a).map((r) => r.map(esc)), ['l', 'r', 'r', 'r', 'r', 'r']), '');
  const money = moneyRows(a);
  if (money.length) out.push(table(MONEY_HEAD, money.map((r) => r.map(esc)), ['l', 'r', 'r', 'r', 'r', 'r']), '');
  out.push('Chart: `charts/cost-month.png`.', '', 'Assumptions:', '', ...costAssumptions(a).map((l) => `- ${l}`), '');
  return out;
}

/** "Other links": the expected time projected to the other profiles, the crossover, the chart. */
function projectionSection(p: ReportProjection | undefined): string[] {
  if (!p) return [];
  const t = projectionTable(p);
  return ['## Other links (projected, not measured)', '', `> ${PROJECTION_NOTE}`, '', table(t.head, t.rows.map((r) => r.map(esc)), ['l', ...t.head.slice(1).map(() => 'r' as const)]), '', ...projectionNotes(p).map((n) => `- ${esc(n)}`), '', ...(p.crossover.rows.length ? ['Chart: `charts/crossover.png`.', ''] : [])];
}

/** What the run checked of itself: expectations, the per-build self-check, the cache-miss explanations, what failed. */
function checkSections(results: Results, a: Analysis): string[] {
  const out: string[] = [];
  out.push('## Expectation checks', '');
  if (a.flags.length === 0) out.push(CHECKS_PASSED, '');
  else out.push(...a.flags.map((f) => `- **${f.severity === 'error' ? 'Error' : 'Warning'}:** ${f.message}`), '');

  out.push('## Self-check', '');
  const check = selfCheckSummary(results);
  out.push(selfCheckText(check), '');
  if (check.failed.length) out.push(table(SELF_CHECK_HEAD, selfCheckRows(check).map((r) => r.map(esc)), ['l', 'r', 'r', 'r', 'r', 'l']), '');

  out.push('## Why steps re-ran', '');
  const misses = missSummary(results);
  out.push(missText(misses), '');
  if (misses.rows.length) out.push(table(MISS_HEAD, missRows(misses).map((r) => r.map(esc)), ['l', 'l', 'r', 'l', 'l', 'l']), '');
  if (misses.findings.length) out.push('Findings:', '', ...misses.findings.map((f) => `- ${esc(f)}`), '');

  out.push('## Incomplete or failed cells', '');
  if (a.incomplete.length === 0) out.push('None: every planned build succeeded.', '');
  else out.push(table(['Cell', 'Problem'], a.incomplete.map((p) => [esc(p.id), esc(p.problem)])), '');
  if (a.cellWarnings.length) out.push('Warnings recorded by the runner:', '', ...a.cellWarnings.map((w) => `- ${w}`), '');
  return out;
}

/** Under "Method": the calibration samples and the in-run reference compare uses. */
function calibrationSection(results: Results): string[] {
  const out = ['### Calibration', '', esc(calibrationText(results)), ''];
  if (results.calibration?.start || results.calibration?.end) out.push(table(CALIBRATION_HEAD, calibrationRows(results).map((r) => r.map(esc)), ['l', 'r', 'r', 'r']), '');
  out.push(esc(IN_RUN_REFERENCE), '');
  return out;
}

export function renderMarkdown(results: Results, comparison?: unknown, analysis: Analysis = analyze(results)): string {
  const a = analysis;
  const out: string[] = [];
  out.push(`# Which BuildKit cache mode is fastest for ${a.fixture}?`, '');
  if (results.status !== 'complete') out.push(`> **This run is ${results.status}.** Numbers below cover only what finished.`, '');
  out.push(`**Answer.** ${a.answer}`, '');
  const e = results.environment;
  out.push(`> **Network profile: ${e.networkProfile}.** ${networkNote(results)}`, '');
  const projection = reportProjection(results);
  if (projection?.headline) out.push(`> **Other links (projected, not measured):** ${projection.headline} See "Other links".`, '');

  out.push('## Environment', '');
  out.push(table(['What', 'Value'], environmentRows(results).map(([k, v]) => [`**${esc(k)}**`, esc(v)])), '');

  out.push(...expectedSection(a), ...monthSection(a), ...projectionSection(projection));

  out.push('## Results per scenario', '');
  out.push(...runChartLines(results));
  for (const s of a.scenarios) {
    out.push(`### ${s.scenario} (${shareLabel(a, s.scenario, s.weight)})`, '');
    out.push(table(SCENARIO_HEAD, scenarioRows(s).map((r) => r.map(esc)), ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r']), '');
  }
  out.push('Charts: `charts/time.png`, `charts/phases.png`, `charts/hit-ratio.png`, `charts/cache-size.png`.', '');

  out.push(...roundsMarkdown(results));

  // Requested scenarios the target could not provide (not detected), with why.
  const skipped = results.plan.skippedScenarios ?? [];
  if (skipped.length) out.push('## Scenarios not measured', '', ...skipped.map((s) => `- **${esc(s.scenario)}**: ${esc(s.reason)}`), '');

  out.push('## Seed (parent) builds', '');
  out.push(SEED_INTRO, '');
  out.push(table(SEED_HEAD, seedRows(a).map((r) => r.map(esc)), ['l', 'l', 'r', 'r', 'r', 'r', 'r']), '');

  out.push('## Cost side', '');
  out.push(table(COST_HEAD, costRows(a).map((r) => r.map(esc)), ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r']), '');

  out.push('## Caveats', '');
  out.push(...a.caveats.map((c) => `- ${c}`), '');

  out.push(...checkSections(results, a));

  out.push('## Harness overhead', '', overheadText(results), '');

  out.push('## Method', '', ...METHOD_NOTES.map((n) => `- ${n}`), '');
  out.push(...calibrationSection(results));

  out.push('## How to reproduce', '');
  out.push('```sh', a.reproduce, '# re-render these reports from this folder\'s results.json:', REPORT_COMMAND, '```', '');

  const cmp = comparisonMarkdown(comparison);
  if (cmp) out.push('## Comparison with baseline', '', cmp, '');
  return out.join('\n');
}
