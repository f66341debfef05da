/**
 * Writes every report file for a Results document; the one module that writes report
 * files. results.json is not among them: the runner persists it after every build.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Results } from '../results/types.ts';
import { analyze } from './analysis.ts';
import { renderCharts } from './charts.ts';
import { renderCostCsv, renderRunsCsv, renderSummaryCsv } from './csv.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';

export const CHARTS_DIR = 'charts';

/**
 * Renders everything first, then writes: results.csv, summary.csv, cost.csv,
 * charts/*.png, report.md, report.html. `comparison` is passed through to the Markdown/HTML hook.
 * Returns the written paths.
 */
export async function writeReports(results: Results, dir: string, comparison?: unknown): Promise<string[]> {
  const analysis = analyze(results);
  const charts = renderCharts(results, analysis);
  const files: Array<[string, string | Buffer]> = [
    ['results.csv', renderRunsCsv(results)],
    ['summary.csv', renderSummaryCsv(results)],
    ['cost.csv', renderCostCsv(results, analysis)],
    ...charts.map((c): [string, Buffer] => [path.join(CHARTS_DIR, c.name), c.png]),
    ['report.md', renderMarkdown(results, comparison, analysis)],
    ['report.html', renderHtml(results, charts, comparison, analysis)],
  ];
  await mkdir(path.join(dir, CHARTS_DIR), { recursive: true });
  const written: string[] = [];
  for (const [name, content] of files) {
    const file = path.join(dir, name);
    await writeFile(file, content);
    written.push(file);
  }
  return written;
}
