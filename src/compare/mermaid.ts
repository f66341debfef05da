/**
 * comparison.md's chart: the current run's mean wall time per cell as bars, the baseline's
 * mean as a line across them (src/report/mermaid.ts draws it). Pure.
 */
import { byScenarioThenMode, cellLabel, renderMeanChart, type MeanBar } from '../report/mermaid.ts';
import type { Comparison } from './types.ts';

/** The chart and its caption; cells without a mean on both sides are named, not drawn (a 0 would read as a build time). */
export function comparisonChartLines(c: Comparison): string[] {
  const bars: MeanBar[] = [];
  const missing: string[] = [];
  for (const x of byScenarioThenMode(c.cells)) {
    const current = x.current?.meanMs ?? null;
    const baseline = x.baseline?.meanMs ?? null;
    if (current !== null && baseline !== null && Number.isFinite(current) && Number.isFinite(baseline)) bars.push({ label: cellLabel(x.scenario, x.mode), meanMs: current, lineMs: baseline });
    else missing.push(cellLabel(x.scenario, x.mode));
  }
  const block = renderMeanChart({ title: 'Mean build time: current run (bars), baseline (line)', bars, barName: 'current', lineName: 'baseline' });
  if (!block) return [];
  const caption = [`Bars: the current run's mean wall time per cell (\`${c.current.runId}\`); line: the baseline's (\`${c.baseline.runId}\`), in seconds.`];
  if (missing.length) caption.push(`Not drawn (no successful build on one side): ${missing.join(', ')}.`);
  return ['### Mean build time', '', block, '', caption.join(' '), ''];
}
