/**
 * The Mermaid charts of report.md, comparison.md and the job summary, read back by mermaid's
 * own parser (test/unit/helpers/mermaid-parse.ts): valid xychart-beta, and what mermaid reads
 * is the means of the cells, one bar per cell, the baseline as the line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Results } from '../../src/results/types.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { axisMax, chartSeconds, mermaidText, renderMeanChart, runChartLines } from '../../src/report/mermaid.ts';
import { compareResults } from '../../src/compare/verdicts.ts';
import { renderComparisonMarkdown } from '../../src/compare/markdown.ts';
import { summaryMarkdown } from '../../scripts/action-summary.ts';
import { mermaidBlocks, parseXyChart } from './helpers/mermaid-parse.ts';
import { timedCell, timedResults } from './helpers/synthetic-results.ts';

const recorded = JSON.parse(readFileSync(new URL('../fixtures/results-tiny-quick.json', import.meta.url), 'utf8')) as Results;

const secs = (ms: number) => Math.round(ms / 10) / 100;

test('report.md of a recorded run: one xychart that mermaid parses, a bar per cell at its mean, scenario by scenario in plan order', async () => {
  const blocks = mermaidBlocks(renderMarkdown(recorded));
  assert.equal(blocks.length, 1);
  const chart = await parseXyChart(blocks[0] as string);
  assert.equal(chart.orientation, 'horizontal');
  assert.match(chart.title, /^Mean build time per cell: tiny$/);
  const expected = recorded.plan.scenarios.flatMap((s) => recorded.plan.modes.map((m) => recorded.cells.find((c) => c.scenario === s && c.mode === m)));
  assert.deepEqual(chart.categories, expected.map((c) => `${c?.scenario} / ${c?.mode}`));
  assert.equal(chart.plots.length, 1);
  assert.equal(chart.plots[0]?.type, 'bar');
  assert.deepEqual(chart.plots[0]?.values, expected.map((c) => secs(c?.stats?.meanMs ?? NaN)));
  assert.equal(chart.yAxis.min, 0, 'bars start at 0');
  assert.ok(Math.max(...(chart.plots[0]?.values ?? [])) <= chart.yAxis.max);
  assert.match(chart.yAxis.title, /mean wall time \(s\)/);
});

test('a cell with no successful build gets no bar (a 0 would read as a time) and is named under the chart', async () => {
  const r: Results = { ...recorded, cells: recorded.cells.map((c) => (c.id === 'tiny/code-change/inline' ? { ...c, stats: undefined, runs: c.runs.map((x) => ({ ...x, status: 'failed' as const })) } : c)) };
  const lines = runChartLines(r);
  const chart = await parseXyChart(mermaidBlocks(lines.join('\n'))[0] as string);
  assert.equal(chart.categories.length, 14);
  assert.ok(!chart.categories.includes('code-change / inline'));
  assert.match(lines.join('\n'), /No bar \(no successful build\): code-change \/ inline\./);
  assert.deepEqual(runChartLines({ ...recorded, cells: [] }), [], 'no chart without a measured cell');
});

test('names with quotes, backticks, HTML, comment markers and line breaks stay one valid label', async () => {
  const nasty = ['say "hi"', 'a`b```', '<script>x</script>', 'two\nlines', '50%% done', 'x'.repeat(80), 'pipe | and ] bracket, comma'];
  const block = renderMeanChart({ title: 'fixture "q" `x`', bars: nasty.map((label, i) => ({ label, meanMs: 1000 * (i + 1) })), barName: 'mean' });
  assert.ok(block);
  assert.equal(block.split('```').length, 3, 'the fence is not broken by a label');
  const chart = await parseXyChart(mermaidBlocks(block + '\n')[0] as string);
  assert.equal(chart.categories.length, nasty.length);
  for (const c of chart.categories) assert.ok(!/["`<>\n]/.test(c) && c.length <= 48, c);
  assert.equal(mermaidText('  \n '), '?');
});

test('comparison.md: the current means as bars, the baseline means as the line; a cell new in the current run is named, not drawn', async () => {
  const baseline = timedResults([timedCell('code-change', 'none', [10_000, 11_000]), timedCell('code-change', 'local', [6000, 6200])]);
  const current = timedResults([timedCell('code-change', 'none', [10_500, 10_900]), timedCell('code-change', 'local', [9000, 9400]), timedCell('no-change', 'local', [2000, 2100])]);
  const md = renderComparisonMarkdown(compareResults(baseline, current));
  const blocks = mermaidBlocks(md);
  assert.equal(blocks.length, 1);
  const chart = await parseXyChart(blocks[0] as string);
  assert.deepEqual(chart.categories, ['code-change / none', 'code-change / local']);
  assert.deepEqual(chart.plots.map((p) => [p.type, p.title, p.values]), [
    ['bar', 'current', [10.7, 9.2]],
    ['line', 'baseline', [10.5, 6.1]],
  ]);
  assert.ok(chart.yAxis.max >= 10.7);
  assert.match(md, /Not drawn \(no successful build on one side\): no-change \/ local\./);
  assert.ok(md.indexOf('### Mean build time') < md.indexOf('### Cells'), 'the chart comes before the table');
});

test('the job summary carries the run chart and the comparison chart, both valid', async () => {
  const current = structuredClone(recorded);
  const comparison = compareResults(recorded, current);
  const md = summaryMarkdown({ benchExit: 0, compare: 0, failOn: 'fail', baseline: 'b.json', artifactName: 'cachebench-report' }, current, { verdict: comparison.verdict, markdown: renderComparisonMarkdown(comparison) });
  const blocks = mermaidBlocks(md);
  assert.equal(blocks.length, 2);
  for (const b of blocks) assert.ok((await parseXyChart(b)).categories.length === 15);
  assert.equal((await parseXyChart(blocks[1] as string)).plots[1]?.type, 'line');
});

test('the parser is real: a broken chart is refused', async () => {
  const block = mermaidBlocks(renderMarkdown(recorded))[0] as string;
  await assert.rejects(parseXyChart(block.replace(/\]\n {2}y-axis/, '\n  y-axis')), /Parse error/);
  await assert.rejects(parseXyChart(block.replace('bar "mean" [', 'bar "mean" ["x", ')), /Parse error/);
});

test('numbers: seconds rounded to the scale, a round axis end above the largest bar', () => {
  assert.equal(chartSeconds(4247.43, 9000), 4.25);
  assert.equal(chartSeconds(42_474.3, 90_000), 42.5);
  assert.equal(chartSeconds(424_743, 900_000), 425);
  assert.deepEqual([0, 0.9, 4.81, 9.5, 42.5, 380].map(axisMax), [1, 1, 6, 15, 50, 500]);
});
