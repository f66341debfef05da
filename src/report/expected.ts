/**
 * Expected time per build for the commit mix: Σ weight(scenario) × mean(cell), with its 95%
 * CI when every weighted cell has ≥ 2 runs (Welch–Satterthwaite df), and the interval of the
 * difference between two modes' expectations. Pure.
 */
import { diffOfEstimates, meanEstimate, weightedSum, type Estimate, type Separation } from '../stats/difference.ts';
import { tCritical } from '../stats/t-dist.ts';
import type { CellSummary, ExpectedTime } from './analysis-types.ts';

function cellEstimate(c: CellSummary | undefined): Estimate | undefined {
  return c?.stats ? meanEstimate({ n: c.stats.n, mean: c.stats.meanMs, sd: c.stats.sdMs }) : undefined;
}

/** Σ weight × mean over the weighted scenarios; the mix is renormalised over its own total. */
export function expectedTime(mix: Record<string, number>, cellsByScenario: ReadonlyMap<string, CellSummary>): ExpectedTime {
  const total = Object.values(mix).reduce((a, b) => a + (b > 0 ? b : 0), 0);
  const terms = Object.entries(mix)
    .filter(([, w]) => w > 0)
    .map(([scenario, w]) => {
      const c = cellsByScenario.get(scenario);
      return { scenario, weight: total > 0 ? w / total : 0, meanMs: c?.meanMs, medianMs: c?.medianMs };
    });
  const missing = terms.filter((t) => t.meanMs === undefined).map((t) => t.scenario);
  const complete = terms.length > 0 && missing.length === 0;
  const out: ExpectedTime = { terms, missing, complete };
  if (!complete) return out;
  out.ms = terms.reduce((a, t) => a + t.weight * (t.meanMs as number), 0);
  const estimates = terms.map((t) => cellEstimate(cellsByScenario.get(t.scenario)));
  if (estimates.every((e): e is Estimate => e !== undefined)) {
    const sum = weightedSum(terms.map((t, i) => ({ weight: t.weight, estimate: estimates[i] as Estimate })));
    const half = sum.se > 0 ? tCritical(0.95, sum.df) * sum.se : 0;
    out.ci95Ms = [sum.value - half, sum.value + half];
    out.seMs = sum.se;
    out.df = sum.df;
  }
  return out;
}

/** expected(a) − expected(b) with its 95% interval; unbounded when either has no standard error. */
export function expectedDifference(a: ExpectedTime, b: ExpectedTime): Separation | undefined {
  if (a.ms === undefined || b.ms === undefined) return undefined;
  if (a.seMs === undefined || b.seMs === undefined || a.df === undefined || b.df === undefined) {
    return { delta: a.ms - b.ms, lo: -Infinity, hi: Infinity, separated: false };
  }
  const d = diffOfEstimates({ value: a.ms, se: a.seMs, df: a.df }, { value: b.ms, se: b.seMs, df: b.df });
  return { delta: d.delta, lo: d.lo, hi: d.hi, separated: d.lo > 0 || d.hi < 0 };
}
