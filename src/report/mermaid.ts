/**
 * Mermaid `xychart-beta` bar charts of mean build times, for the Markdown that GitHub
 * renders: report.md, comparison.md, job summaries and PR comments (GitHub strips images
 * that are not hosted; the PNG charts stay for report.html). Pure: data in, text out.
 *
 * One bar per cell (scenario × mode): xychart draws several bar series on top of each
 * other, not side by side, so the cells are the categories. Horizontal, so the long
 * category labels stay readable; the axis starts at 0 so bar lengths compare honestly.
 * The time is the mean of the successful repetitions, the estimand of every time claim
 * (docs/STATISTICS.md).
 */
import type { Results } from '../results/types.ts';
import { buildsPerCellText } from './format.ts';

export interface MeanBar {
  /** The category, e.g. `code-change / local`. */
  label: string;
  /** Mean wall time of the bar, ms. */
  meanMs: number;
  /** A second value drawn as a line across the bars (the baseline's mean), ms. */
  lineMs?: number;
}

export interface MeanChart {
  title: string;
  bars: MeanBar[];
  /** Names of the two series (xychart draws no legend: the caption says which is which). */
  barName: string;
  lineName?: string;
}

const MAX_LABEL = 48;
const MAX_TITLE = 90;

/**
 * Text that is safe inside a quoted xychart string and a Markdown code fence: xychart's
 * strings end at the next `"` and open a Markdown string on a backtick, mermaid sanitizes
 * HTML, and a line break ends the statement.
 */
export function mermaidText(text: string, max = MAX_LABEL): string {
  const clean = text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/"/g, "'")
    .replace(/[`<>]/g, '')
    .replace(/%%/g, '%')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean || '?';
}

/** Seconds rounded for the chart: two decimals under 10 s, one under 100 s, whole seconds above. */
export function chartSeconds(ms: number, maxMs: number): number {
  const s = ms / 1000;
  const digits = maxMs < 10_000 ? 2 : maxMs < 100_000 ? 1 : 0;
  const f = 10 ** digits;
  return Math.round(s * f) / f;
}

/** A round upper end of the axis a little above the largest value (seconds). */
export function axisMax(maxS: number): number {
  if (!(maxS > 0)) return 1;
  const target = maxS * 1.1;
  const step = 10 ** Math.floor(Math.log10(target));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * step >= target) return m * step;
  return 10 * step;
}

/** The ```mermaid fenced block of a chart; undefined when it has no bar. */
export function renderMeanChart(chart: MeanChart): string | undefined {
  if (chart.bars.length === 0) return undefined;
  const values = chart.bars.flatMap((b) => (b.lineMs === undefined ? [b.meanMs] : [b.meanMs, b.lineMs]));
  const maxMs = Math.max(...values);
  const num = (ms: number) => String(chartSeconds(ms, maxMs));
  const lines = [
    '```mermaid',
    'xychart-beta horizontal',
    `  title "${mermaidText(chart.title, MAX_TITLE)}"`,
    `  x-axis "scenario / mode" [${chart.bars.map((b) => `"${mermaidText(b.label)}"`).join(', ')}]`,
    `  y-axis "mean wall time (s)" 0 --> ${axisMax(maxMs / 1000)}`,
    `  bar "${mermaidText(chart.barName)}" [${chart.bars.map((b) => num(b.meanMs)).join(', ')}]`,
  ];
  if (chart.lineName !== undefined) lines.push(`  line "${mermaidText(chart.lineName)}" [${chart.bars.map((b) => num(b.lineMs ?? b.meanMs)).join(', ')}]`);
  lines.push('```');
  return lines.join('\n');
}

/** `scenario / mode`, the category of a cell. */
export const cellLabel = (scenario: string, mode: string): string => `${scenario} / ${mode}`;

/**
 * Cells grouped by scenario, then by mode, each in the order given (plan order), else in
 * order of first appearance; stable otherwise.
 */
export function byScenarioThenMode<T extends { scenario: string; mode: string }>(cells: readonly T[], scenarios: readonly string[] = [], modes: readonly string[] = []): T[] {
  const rank = (list: string[], x: string) => {
    if (!list.includes(x)) list.push(x);
    return list.indexOf(x);
  };
  const s = [...scenarios];
  const m = [...modes];
  for (const c of cells) {
    rank(s, c.scenario);
    rank(m, c.mode);
  }
  return [...cells].sort((a, b) => rank(s, a.scenario) - rank(s, b.scenario) || rank(m, a.mode) - rank(m, b.mode));
}

/** The cells of a run in plan order (scenario, then mode), with the mean of their successful builds. */
function runBars(results: Results): { bars: MeanBar[]; missing: string[] } {
  const bars: MeanBar[] = [];
  const missing: string[] = [];
  for (const c of byScenarioThenMode(results.cells, results.plan.scenarios, results.plan.modes)) {
    const label = cellLabel(c.scenario, c.mode);
    if (c.stats && Number.isFinite(c.stats.meanMs)) bars.push({ label, meanMs: c.stats.meanMs });
    else missing.push(label);
  }
  return { bars, missing };
}

/**
 * report.md's chart: the mean wall time of every cell, with a caption that says what the
 * bars are and which cells have no successful build (and so no bar). Empty when no cell has one.
 */
export function runChartLines(results: Results): string[] {
  const { bars, missing } = runBars(results);
  const block = renderMeanChart({ title: `Mean build time per cell: ${results.plan.fixture}`, bars, barName: 'mean' });
  if (!block) return [];
  const caption = [`Bars: the mean wall time of each cell's successful builds, in seconds; planned per cell: ${buildsPerCellText(results.plan)}.`];
  if (missing.length) caption.push(`No bar (no successful build): ${missing.join(', ')}.`);
  return [block, '', caption.join(' '), ''];
}
