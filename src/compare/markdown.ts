/**
 * Exporters of a Comparison (src/compare/): Markdown for a GitHub job summary and the
 * github-action-benchmark `customSmallerIsBetter` JSON. Pure: strings in, strings out.
 */
import type { Comparison, CellComparison, CellSide, Verdict } from './types.ts';
import type { CellResult, Results } from '../results/types.ts';
import { summarizeSamples, median } from '../results/stats.ts';
import { levelText } from './time-test.ts';
import { comparisonChartLines } from './mermaid.ts';
import { fmtBytes, fmtCount, fmtDuration, fmtP, fmtPct, fmtRatio } from './format.ts';
import { environmentSectionLines } from './markdown-environment.ts';
import { CONTROL_MODE } from './reference.ts';

export { fmtBytes, fmtCount, fmtDuration, fmtP, fmtPct } from './format.ts';

const MARKER: Record<Verdict, string> = {
  fail: '**FAIL**',
  alert: '**ALERT**',
  improved: '_improved_',
  ok: 'ok',
  'missing-in-baseline': '_new (not in baseline)_',
  'missing-in-current': '_missing in current_',
};

/** Table cells must not contain raw pipes or newlines. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A side's mean wall time: the estimand of the change next to it. */
function sideTime(s: CellSide | null): string {
  if (!s) return '-';
  if (s.meanMs === null) return `no successful run (${s.failed} failed)`;
  return `${fmtDuration(s.meanMs)} (n=${s.n}${s.failed ? `, ${s.failed} failed` : ''})`;
}

function steps(s: CellSide | null): string {
  if (!s || s.cachedSteps === null) return '?';
  return `${fmtCount(s.cachedSteps)}/${s.totalSteps === null ? '?' : fmtCount(s.totalSteps)}`;
}

function change(c: CellComparison): string {
  if (c.changePct === null) return '-';
  const ci = c.changeCi95Pct ? ` (${fmtPct(c.changeCi95Pct[0])} … ${fmtPct(c.changeCi95Pct[1])})` : '';
  return `${fmtPct(c.changePct)}${ci}`;
}

/** The in-run reference: the time as a share of none's in each run, and the change of that share with its interval. */
function referenceChange(x: CellComparison): string {
  const r = x.reference;
  if (!r) return x.mode === CONTROL_MODE ? 'the control' : '-';
  const ci = r.ciPct ? ` (${fmtPct(r.ciPct[0])} … ${fmtPct(r.ciPct[1])})` : '';
  return `${fmtRatio(r.baselineRatio)} → ${fmtRatio(r.currentRatio)}: ${fmtPct(r.changePct)}${ci}`;
}

function referenceMethod(x: CellComparison): string {
  const r = x.reference;
  if (!r) return '-';
  const rounds = r.method === 'paired' ? `, ${r.pairs.baseline}/${r.pairs.current} rounds` : r.pairs.baseline || r.pairs.current ? ` (rounds paired ${r.pairs.baseline}/${r.pairs.current})` : '';
  return `${r.pValue === null ? '' : `${fmtP(r.pValue)}, `}${r.method}${rounds}`;
}

function basisLine(c: Comparison): string {
  return c.basis === 'absolute'
    ? 'Time verdicts: absolute and relative to `none` in the same run; the worse of the two counts (`--absolute`).'
    : 'Time verdicts: relative to `none` in the same run (the in-run reference), so that a slower or faster machine does not move them; absolute changes are notes (`--absolute` makes them count too).';
}

function headline(c: Comparison): string {
  const s = c.summary;
  const word = { fail: 'FAIL', alert: 'ALERT', improved: 'IMPROVED', ok: 'OK' }[c.verdict];
  const what =
    c.verdict === 'fail'
      ? `${s.fail} of ${s.total} cells regressed`
      : c.verdict === 'alert'
        ? `${s.alert} of ${s.total} cells need a look`
        : c.verdict === 'improved'
          ? `${s.improved} of ${s.total} cells got faster, none regressed`
          : 'no regression';
  return `## cachebench comparison: ${word}, ${what}`;
}

export function renderComparisonMarkdown(c: Comparison): string {
  const s = c.summary;
  const lines: string[] = [headline(c), ''];
  const counts = [`${s.fail} fail`, `${s.alert} alert`, `${s.improved} improved`, `${s.ok} ok`];
  if (s['missing-in-baseline']) counts.push(`${s['missing-in-baseline']} new`);
  if (s['missing-in-current']) counts.push(`${s['missing-in-current']} missing`);
  lines.push(
    `**${c.verdict.toUpperCase()}**: ${counts.join(', ')}. Exit code ${c.exitCode} (the job fails on ${c.options.failOn === 'alert' ? 'an alert or a fail' : 'a fail'}).`,
    '',
    basisLine(c),
    '',
    `Current run \`${c.current.runId}\` (${c.current.fixture}, profile ${c.current.profile}, ${c.current.startedAt}) against baseline \`${c.baseline.runId}\` (${c.baseline.fixture}, profile ${c.baseline.profile}, ${c.baseline.startedAt}).`,
    '',
  );

  if (c.environmentWarnings.length) {
    lines.push('### Environment differences', '', 'The runs did not happen in the same environment; time differences may come from that rather than from the cache modes:', '');
    for (const w of c.environmentWarnings) lines.push(`- ${w}`);
    lines.push('');
  }

  const flagged = c.cells.filter((x) => x.verdict === 'fail' || x.verdict === 'alert');
  if (flagged.length) {
    lines.push('### Regressions', '');
    for (const x of flagged) lines.push(`- ${MARKER[x.verdict]} ${x.scenario} / ${x.mode}: ${x.reasons.join('; ')}`);
    lines.push('');
  }

  lines.push(...environmentSectionLines(c));
  lines.push(...comparisonChartLines(c));
  const level = levelText(c.options.alpha);
  lines.push(
    '### Cells',
    '',
    'Two views of each build time: the change of the mean (absolute), and the change of the time as a share of `none`\'s in the same run (×0.62 = 62% of none\'s time), which a slower or faster machine leaves alone.',
    '',
    `| Scenario | Mode | Baseline mean | Current mean | Change of the mean (${level} interval of the difference) | p | Vs none in this run: share of none's time, change (${level} interval) | p, method | Cached steps | Verdict | Reasons |`,
    '|---|---|---:|---:|---:|---:|---:|---|---|---|---|',
  );
  for (const x of c.cells) {
    const row = [x.scenario, x.mode, sideTime(x.baseline), sideTime(x.current), change(x), x.pValue === null ? '-' : fmtP(x.pValue), referenceChange(x), referenceMethod(x), x.baseline && x.current ? `${steps(x.baseline)} → ${steps(x.current)}` : x.current ? steps(x.current) : steps(x.baseline), MARKER[x.verdict], x.reasons.join('; ')];
    lines.push(`| ${row.map(cell).join(' | ')} |`);
  }
  lines.push('', '### How a verdict is decided', '', ...c.rule.map((r) => `- ${r}`), '');
  return lines.join('\n');
}

interface BenchmarkEntry {
  name: string;
  unit: 's';
  value: number;
  range: string;
  extra: string;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function entry(cellResult: CellResult, cmp: CellComparison | undefined): BenchmarkEntry | undefined {
  const ok = cellResult.runs.filter((r) => r.status === 'ok');
  const stats = summarizeSamples(ok.map((r) => r.wallMs));
  if (!stats) return undefined;
  // value ± range is one estimand: the mean and half its 95% interval.
  const halfCi = (stats.ci95Ms[1] - stats.ci95Ms[0]) / 2;
  const extra = [`n=${stats.n}`];
  const failed = cellResult.runs.length - ok.length;
  if (failed) extra.push(`${failed} failed`);
  extra.push(`cached ${fmtCount(median(ok.map((r) => r.cachedSteps)))}/${fmtCount(median(ok.map((r) => r.totalSteps)))} steps`);
  const bytes = ok.flatMap((r) => (r.cacheBytes === undefined ? [] : [r.cacheBytes]));
  if (bytes.length) extra.push(`cache ${fmtBytes(median(bytes))}`);
  if (cmp && cmp.verdict !== 'ok') extra.push(`${cmp.verdict}${cmp.changePct === null ? '' : ` ${fmtPct(cmp.changePct)}`} vs baseline`);
  return { name: `${cellResult.scenario} / ${cellResult.mode}`, unit: 's', value: round3(stats.meanMs / 1000), range: `± ${round3(halfCi / 1000)}`, extra: extra.join(', ') };
}

/**
 * github-action-benchmark's `customSmallerIsBetter` input: one entry per cell with at least
 * one successful run; value = mean wall time in seconds, range = half the width of its 95%
 * Student t interval (one estimand for both).
 */
export function renderBenchmarkJson(current: Results, c?: Comparison): string {
  const byId = new Map(c?.cells.map((x) => [x.id, x]));
  const entries = current.cells.flatMap((x) => entry(x, byId.get(x.id)) ?? []);
  return JSON.stringify(entries, null, 2) + '\n';
}
