/**
 * The projection checked against a measurement: a run projected to another run's measured
 * link, cell by cell against what that run measured (error %), and whether the modes the
 * measurement clearly separates (the 95% interval of their difference excludes 0,
 * src/stats/difference.ts) keep their order in the projection. Pure.
 */
import { UsageError } from '../errors.ts';
import { mean } from '../stats/describe.ts';
import { separated } from '../stats/difference.ts';
import type { Results } from '../results/types.ts';
import { projectRun, mixExpectation } from './project.ts';
import type { AgainstCell, AgainstComparison, CellProjection, LinkFigures, OrderCheck } from './types.ts';

const okWalls = (results: Results, id: string): number[] =>
  results.cells.find((c) => c.id === id)?.runs.filter((r) => r.status === 'ok').map((r) => r.wallMs) ?? [];

function orderChecks(cells: readonly CellProjection[], other: Results): OrderCheck[] {
  const out: OrderCheck[] = [];
  const scenarios = [...new Set(cells.map((c) => c.scenario))];
  for (const scenario of scenarios) {
    const here = cells.filter((c) => c.scenario === scenario && okWalls(other, c.id).length > 0);
    for (let i = 0; i < here.length; i++) for (let j = i + 1; j < here.length; j++) {
      const [x, y] = [here[i] as CellProjection, here[j] as CellProjection];
      const mx = okWalls(other, x.id);
      const my = okWalls(other, y.id);
      const [a, b, ma, mb] = mean(mx) <= mean(my) ? [x, y, mx, my] : [y, x, my, mx];
      const measured = separated(mb, ma);
      const projected = separated(b.projectedMs, a.projectedMs);
      out.push({
        scenario,
        a: a.mode,
        b: b.mode,
        measuredDeltaMs: measured.delta,
        measuredSeparated: measured.separated,
        projectedDeltaMs: projected.delta,
        projectedSeparated: projected.separated,
        verdict: !measured.separated ? 'not separated' : projected.delta > 0 ? 'same order' : 'flipped',
      });
    }
  }
  return out;
}

function againstCells(cells: readonly CellProjection[], other: Results): AgainstCell[] {
  return cells.flatMap((c) => {
    const walls = okWalls(other, c.id);
    if (walls.length === 0) return [];
    const measuredMeanMs = mean(walls);
    return [{ id: c.id, scenario: c.scenario, mode: c.mode, projectedMeanMs: c.meanMs, measuredMeanMs, nProjected: c.n, nMeasured: walls.length, errorPct: ((c.meanMs - measuredMeanMs) / measuredMeanMs) * 100 }];
  });
}

/** `results` projected to `other`'s measured link (`otherLink`) and compared with what `other` measured. */
export function projectAgainst(results: Results, source: LinkFigures, other: Results, otherLink: LinkFigures): AgainstComparison {
  if (other.plan.fixture !== results.plan.fixture) {
    throw new UsageError(`the runs built different fixtures: ${results.plan.fixture} and ${other.plan.fixture} (--against)`, 'compare against a run of the same fixture');
  }
  const projection = projectRun(results, source, otherLink);
  const cells = againstCells(projection.cells, other);
  if (cells.length === 0) throw new UsageError('the two runs have no cell (scenario × mode) in common with successful builds (--against)', 'compare against a run of the same scenarios and modes');
  const orders = orderChecks(projection.cells.filter((c) => cells.some((x) => x.id === c.id)), other);
  const measuredMean = (mode: string, scenario: string) => {
    const walls = other.cells.filter((c) => c.mode === mode && c.scenario === scenario).flatMap((c) => c.runs.filter((r) => r.status === 'ok').map((r) => r.wallMs));
    return walls.length ? mean(walls) : undefined;
  };
  const expected = projection.expected.filter((e) => cells.some((c) => c.mode === e.mode)).map((e) => {
    const m = mixExpectation(e.mode, results.plan.commitMix, (s) => measuredMean(e.mode, s));
    const p = e.projected.ms;
    return { mode: e.mode, projectedMs: p, measuredMs: m.ms, errorPct: p !== undefined && m.ms !== undefined ? ((p - m.ms) / m.ms) * 100 : undefined };
  });
  const warnings = [...projection.warnings];
  if (otherLink.from === 'loopback') warnings.push('the other run is on loopback: the projection there drops every transfer\'s link time and keeps the fitted local parts.');
  if (other.environment.cpus !== results.environment.cpus) warnings.push(`the runs had different machines (${results.environment.cpus} and ${other.environment.cpus} CPUs): build steps differ too, not only the link.`);
  return { projection, other: { runId: other.runId, link: otherLink }, cells, orders, orderSame: orders.every((o) => o.verdict !== 'flipped'), expected, warnings };
}
