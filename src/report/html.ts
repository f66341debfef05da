/**
 * The decision report as one self-contained HTML page (report.html): inline CSS, charts
 * as data: URIs, no scripts and no external resources, so it opens offline and can be
 * attached to a CI run as is. Same content as report.md, built from the same analysis. Pure.
 */
import type { Results } from '../results/types.ts';
import { analyze, type Analysis } from './analysis.ts';
import { modeColor } from './colors.ts';
import {
  CHECKS_PASSED,
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
} from './tables.ts';
import { escapeHtml } from './format.ts';
import { missHtml } from './cache-misses-html.ts';
import { PROJECTION_NOTE, projectionNotes, projectionTable, reportProjection, type ReportProjection } from './projection.ts';
import { roundsHtml } from './rounds.ts';
import { CALIBRATION_HEAD, calibrationRows, calibrationText, IN_RUN_REFERENCE } from './calibration.ts';
import { SELF_CHECK_HEAD, selfCheckRows, selfCheckSummary, selfCheckText } from './self-check.ts';
import { costAssumptions, COVERAGE_HEAD, coverageRows, MONEY_HEAD, moneyRows, MONTH_HEAD, monthIntro, monthRows, mixSourceText, shareLabel } from './month-tables.ts';

export interface ChartInput {
  name: string;
  png: Buffer;
  title?: string;
  width?: number;
  height?: number;
}

export { escapeHtml };

/**
 * The comparison hook: the compare module's `html` string is inserted as is (it must be
 * escaped by its producer); failing that, its `markdown` string is shown preformatted.
 */
export function comparisonHtml(comparison: unknown): string | undefined {
  if (typeof comparison === 'object' && comparison !== null) {
    const html = (comparison as { html?: unknown }).html;
    if (typeof html === 'string' && html.trim()) return html;
  }
  const md = comparisonMarkdown(comparison);
  return md ? `<pre class="cmp">${escapeHtml(md)}</pre>` : undefined;
}

const CSS = `
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; font-size: 15px; line-height: 1.45; color: #1d1d1f; background: #fff; margin: 0; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 8px 0 16px; }
h2 { font-size: 20px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #e4e4e7; }
h3 { font-size: 16px; margin: 22px 0 8px; }
p { margin: 8px 0; }
.answer { background: #f0f6ff; border-left: 5px solid #0072B2; padding: 12px 16px; margin: 12px 0; font-size: 16px; }
.network { background: #fff7e6; border-left: 5px solid #E69F00; padding: 10px 16px; margin: 12px 0; }
.status { background: #fdecea; border-left: 5px solid #B2182B; padding: 10px 16px; margin: 12px 0; font-weight: bold; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 14px; }
th, td { border: 1px solid #d4d4d8; padding: 5px 9px; text-align: left; vertical-align: top; }
th { background: #f4f4f5; }
tbody tr:nth-child(even) td { background: #fafafa; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.mode { white-space: nowrap; }
tr.best td { background: #eaf6ee !important; font-weight: bold; }
table.kv td:first-child { font-weight: bold; white-space: nowrap; }
table.kv td { overflow-wrap: anywhere; }
.sw { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
figure { margin: 16px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e4e4e7; }
figcaption { font-size: 13px; color: #555; }
ul { padding-left: 22px; }
li { margin: 4px 0; }
.flag-error { color: #B2182B; font-weight: bold; }
.flag-warning { color: #a15c00; font-weight: bold; }
pre { background: #f4f4f5; padding: 10px 12px; overflow-x: auto; font-size: 13px; white-space: pre-wrap; overflow-wrap: anywhere; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
tr.rerun td { background: #fff7e6 !important; }
tr.finding td { background: #fdecea !important; }
details { margin: 6px 0; }
summary { cursor: pointer; }
footer { margin-top: 32px; font-size: 12px; color: #777; }
`;

type Align = 'l' | 'r';

function table(head: string[], rows: string[][], opts: { align?: Align[]; modeCol?: number; modes?: readonly string[]; highlight?: (row: string[]) => boolean; cls?: string } = {}): string {
  const cls = (i: number): string => (opts.align?.[i] === 'r' ? ' class="num"' : '');
  const cell = (text: string, i: number): string => {
    const swatch = i === opts.modeCol && opts.modes?.includes(text) ? `<span class="sw" style="background:${modeColor(text, opts.modes)}"></span>` : '';
    return `<td${swatch ? ' class="mode"' : cls(i)}>${swatch}${escapeHtml(text)}</td>`;
  };
  const thead = `<thead><tr>${head.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const tbody = rows.map((r) => `<tr${opts.highlight?.(r) ? ' class="best"' : ''}>${r.map(cell).join('')}</tr>`).join('\n');
  return `<table${opts.cls ? ` class="${opts.cls}"` : ''}>${thead}<tbody>\n${tbody}\n</tbody></table>`;
}

function list(items: string[]): string {
  return `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('\n')}</ul>`;
}

function figure(c: ChartInput): string {
  const alt = c.title ?? c.name;
  const size = c.width && c.height ? ` width="${c.width}" height="${c.height}"` : '';
  return `<figure><img src="data:image/png;base64,${c.png.toString('base64')}" alt="${escapeHtml(alt)}"${size}><figcaption>${escapeHtml(alt)} (charts/${escapeHtml(c.name)})</figcaption></figure>`;
}

/** Where each known chart goes; others land in a final "More charts" section. */
const CHART_PLACE: Record<string, 'expected' | 'month' | 'scenarios' | 'cost' | 'projection'> = {
  'crossover.png': 'projection',
  'time.png': 'expected',
  'cost-month.png': 'month',
  'hit-ratio.png': 'scenarios',
  'phases.png': 'scenarios',
  'cache-size.png': 'cost',
};

/** "Cost per month": the quantities, the money when priced, the chart, every assumption with its source. */
function monthHtml(a: Analysis, modes: readonly string[], chart: string): string[] {
  const cheapest = (r: string[]): boolean => r[0] === a.cost.ranking[0];
  const align: Align[] = ['l', 'r', 'r', 'r', 'r', 'r'];
  const money = moneyRows(a);
  return [
    '<h2>Cost per month</h2>',
    `<p>${escapeHtml(monthIntro(a))}</p>`,
    table(MONTH_HEAD, monthRows(a), { align, modeCol: 0, modes, highlight: cheapest }),
    money.length ? table(MONEY_HEAD, money, { align, modeCol: 0, modes, highlight: cheapest }) : '',
    chart,
    '<p>Assumptions:</p>',
    list(costAssumptions(a)),
  ];
}

/** What the run checked of itself: expectations, the per-build self-check, the cache-miss explanations, what failed. */
function checkSections(results: Results, a: Analysis): string[] {
  const b: string[] = [];
  b.push('<h2>Expectation checks</h2>');
  if (a.flags.length === 0) b.push(`<p>${escapeHtml(CHECKS_PASSED)}</p>`);
  else b.push(`<ul>${a.flags.map((f) => `<li><span class="flag-${f.severity}">${f.severity === 'error' ? 'Error' : 'Warning'}:</span> ${escapeHtml(f.message)}</li>`).join('\n')}</ul>`);

  b.push('<h2>Self-check</h2>');
  const check = selfCheckSummary(results);
  b.push(`<p>${escapeHtml(selfCheckText(check).replace(/\*\*/g, ''))}</p>`);
  if (check.failed.length) b.push(table(SELF_CHECK_HEAD, selfCheckRows(check), { align: ['l', 'r', 'r', 'r', 'r', 'l'] }));

  b.push('<h2>Why steps re-ran</h2>', missHtml(results));

  b.push('<h2>Incomplete or failed cells</h2>');
  if (a.incomplete.length === 0) b.push('<p>None: every planned build succeeded.</p>');
  else b.push(table(['Cell', 'Problem'], a.incomplete.map((p) => [p.id, p.problem])));
  if (a.cellWarnings.length) b.push('<p>Warnings recorded by the runner:</p>', list(a.cellWarnings));
  return b;
}

/** The expected time for the commit mix: the table, where the mix came from, what it does not cover. */
function expectedHtml(a: Analysis, modes: readonly string[], figs: string): string[] {
  const b: string[] = [];
  b.push('<h2>Expected time for the commit mix</h2>');
  b.push(
    table(expectedHead(a), expectedRows(a), {
      align: ['l', 'r', 'r', 'r', ...a.mix.map(() => 'r' as const)],
      modeCol: 0,
      modes,
      highlight: (r) => r[0] === a.winner,
    }),
  );
  b.push(`<p>${escapeHtml(mixSourceText(a))}</p>`);
  const coverage = coverageRows(a);
  if (coverage.length) b.push(table(COVERAGE_HEAD, coverage, { align: ['l', 'r', 'l', 'r'] }));
  b.push(figs);
  return b;
}

/** What was measured: per scenario, the rounds, what was not measured, the seeds, the cost side. */
function measuredHtml(results: Results, a: Analysis, modes: readonly string[], figures: (place: string) => string): string[] {
  const b: string[] = [];
  b.push('<h2>Results per scenario</h2>');
  for (const s of a.scenarios) {
    b.push(`<h3>${escapeHtml(s.scenario)} (${escapeHtml(shareLabel(a, s.scenario, s.weight))})</h3>`);
    b.push(table(SCENARIO_HEAD, scenarioRows(s), { align: ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r'], modeCol: 1, modes, highlight: (r) => r[0] === '1' }));
  }
  b.push(figures('scenarios'));

  b.push(roundsHtml(results));

  // Requested scenarios the target could not provide (not detected), with why.
  const skipped = results.plan.skippedScenarios ?? [];
  if (skipped.length) b.push('<h2>Scenarios not measured</h2>', list(skipped.map((s) => `${s.scenario}: ${s.reason}`)));

  b.push('<h2>Seed (parent) builds</h2>');
  b.push(`<p>${escapeHtml(SEED_INTRO)}</p>`);
  b.push(table(SEED_HEAD, seedRows(a), { align: ['l', 'l', 'r', 'r', 'r', 'r', 'r'], modeCol: 0, modes }));

  b.push('<h2>Cost side</h2>');
  b.push(table(COST_HEAD, costRows(a), { align: ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r'], modeCol: 0, modes }));
  b.push(figures('cost'));
  return b;
}

/** "Other links": the expected time projected to the other profiles, the crossover, the chart. */
function projectionHtml(p: ReportProjection | undefined, modes: readonly string[], chart: string): string[] {
  if (!p) return [];
  const t = projectionTable(p);
  return ['<h2>Other links (projected, not measured)</h2>', `<div class="projection-note">${inlineCode(PROJECTION_NOTE)}</div>`, table(t.head, t.rows, { align: ['l', ...t.head.slice(1).map(() => 'r' as const)], modeCol: 0, modes }), list(projectionNotes(p)), chart];
}

/** Under "Method": the calibration samples and the in-run reference compare uses. */
function calibrationHtml(results: Results): string[] {
  const b = ['<h3>Calibration</h3>', `<p>${inlineCode(calibrationText(results))}</p>`];
  if (results.calibration?.start || results.calibration?.end) b.push(table(CALIBRATION_HEAD, calibrationRows(results), { align: ['l', 'r', 'r', 'r'] }));
  b.push(`<p>${inlineCode(IN_RUN_REFERENCE)}</p>`);
  return b;
}

/** Escapes `text`, then shows its `code` spans as <code>. */
function inlineCode(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

export function renderHtml(results: Results, charts: readonly ChartInput[], comparison?: unknown, analysis: Analysis = analyze(results)): string {
  const a = analysis;
  const e = results.environment;
  const modes = a.modes.map((m) => m.mode);
  const figures = (place: string): string => charts.filter((c) => CHART_PLACE[c.name] === place).map(figure).join('\n');
  const rest = charts.filter((c) => !CHART_PLACE[c.name]);
  const b: string[] = [];

  b.push(`<h1>Which BuildKit cache mode is fastest for ${escapeHtml(a.fixture)}?</h1>`);
  if (results.status !== 'complete') b.push(`<div class="status">This run is ${escapeHtml(results.status)}. Numbers below cover only what finished.</div>`);
  b.push(`<div class="answer"><strong>Answer.</strong> ${escapeHtml(a.answer)}</div>`);
  b.push(`<div class="network"><strong>Network profile: ${escapeHtml(e.networkProfile)}.</strong> ${escapeHtml(networkNote(results))}</div>`);
  const projection = reportProjection(results);
  if (projection?.headline) b.push(`<div class="network"><strong>Other links (projected, not measured):</strong> ${escapeHtml(projection.headline)} See “Other links”.</div>`);

  b.push('<h2>Environment</h2>');
  b.push(table(['What', 'Value'], environmentRows(results), { cls: 'kv' }));

  b.push(...expectedHtml(a, modes, figures('expected')));

  b.push(...monthHtml(a, modes, figures('month')));

  b.push(...projectionHtml(projection, modes, figures('projection')));

  b.push(...measuredHtml(results, a, modes, figures));

  b.push('<h2>Caveats</h2>');
  b.push(list(a.caveats));

  b.push(...checkSections(results, a));

  b.push('<h2>Harness overhead</h2>');
  b.push(`<p>${escapeHtml(overheadText(results))}</p>`);

  b.push('<h2>Method</h2>');
  b.push(list(METHOD_NOTES));
  b.push(...calibrationHtml(results));

  b.push('<h2>How to reproduce</h2>');
  b.push(`<pre><code>${escapeHtml([a.reproduce, "# re-render these reports from this folder's results.json:", REPORT_COMMAND].join('\n'))}</code></pre>`);

  if (rest.length) b.push('<h2>More charts</h2>', rest.map(figure).join('\n'));

  const cmp = comparisonHtml(comparison);
  if (cmp) b.push('<h2>Comparison with baseline</h2>', cmp);

  b.push(`<footer>cachebench ${escapeHtml(e.cachebenchVersion)} · run ${escapeHtml(results.runId)} · plan ${escapeHtml(results.planId)}</footer>`);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cachebench: ${escapeHtml(a.fixture)} (${escapeHtml(results.runId)})</title>
<style>${CSS}</style>
</head>
<body>
<main>
${b.filter(Boolean).join('\n')}
</main>
</body>
</html>
`;
}
