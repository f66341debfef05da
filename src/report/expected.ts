/**
 * Expected time per build for the commit mix: Σ weight(scenario) × median(cell), with an
 * approximate 95% CI from the means when every weighted cell has ≥ 2 runs. Pure.
 */
import { tCritical95 } from '../results/stats.ts';
import type { Stats } from '../results/types.ts';
import type { CellSummary, ExpectedTime } from './analysis-types.ts';

/** Σ weight × median over the weighted scenarios; the mix is renormalised over its own total. */
export function expectedTime(mix: Record<string, number>, cellsByScenario: ReadonlyMap<string, CellSummary>): ExpectedTime {
  const total = Object.values(mix).reduce((a, b) => a + (b > 0 ? b : 0), 0);
  const terms = Object.entries(mix)
    .filter(([, w]) => w > 0)
    .map(([scenario, w]) => ({ scenario, weight: total > 0 ? w / total : 0, medianMs: cellsByScenario.get(scenario)?.medianMs }));
  const missing = terms.filter((t) => t.medianMs === undefined).map((t) => t.scenario);
  const complete = terms.length > 0 && missing.length === 0;
  const out: ExpectedTime = { terms, missing, complete };
  if (!complete) return out;
  out.ms = terms.reduce((a, t) => a + t.weight * (t.medianMs as number), 0);
  const stats = terms.map((t) => cellsByScenario.get(t.scenario)?.stats);
  if (stats.every((s): s is Stats => s !== undefined && s.n >= 2)) {
    const m = terms.reduce((a, t, i) => a + t.weight * (stats[i] as Stats).meanMs, 0);
    const se = Math.sqrt(terms.reduce((a, t, i) => a + (t.weight ** 2 * (stats[i] as Stats).sdMs ** 2) / (stats[i] as Stats).n, 0));
    const t = tCritical95(Math.min(...stats.map((s) => s.n)) - 1);
    out.ci95Ms = [m - t * se, m + t * se];
  }
  return out;
}
