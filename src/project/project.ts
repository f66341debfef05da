/**
 * A run projected to another link: every successful measured build fitted on the run's own
 * link and re-computed for the target, the mean per cell, the expected time for the run's
 * commit mix, the crossover against bandwidth, and what a reader must know. Pure.
 */
import { mean, sd } from '../stats/describe.ts';
import type { CellResult, Results } from '../results/types.ts';
import { crossover } from './crossover.ts';
import { buildModel, projectBuild, runFacts, type RunFacts } from './model.ts';
import { CI_CACHE_REQUESTS, withCiCacheLink, type CiCacheLinks } from './ci-cache.ts';
import { DIRECTION, type BuildModel, type CellProjection, type LinkFigures, type MixExpectation, type Projection } from './types.ts';

/** `local` mode's CI cache step moved from the run's CI cache link to another (`project --ci-cache-profile`). */
export interface CiCacheRetime {
  source: CiCacheLinks;
  target: CiCacheLinks;
}

function projectCell(cell: CellResult, facts: RunFacts, source: LinkFigures, target: LinkFigures, ci?: CiCacheRetime): CellProjection | undefined {
  const ok = cell.runs.filter((r) => r.status === 'ok');
  if (ok.length === 0) return undefined;
  const builds = ok.map((r) => {
    const m = buildModel(r, cell.mode, cell.scenario, facts, source);
    return ci ? withCiCacheLink(m, r, ci.source, ci.target) : m;
  });
  const projectedMs = builds.map((b) => projectBuild(b, target));
  const sumOf = (b: BuildModel, dir: 'pull' | 'push') => b.phases.filter((p) => DIRECTION[p.phase] === dir).reduce((a, p) => a + p.bytes, 0);
  return {
    id: cell.id,
    scenario: cell.scenario,
    mode: cell.mode,
    n: ok.length,
    measuredMeanMs: mean(ok.map((r) => r.wallMs)),
    projectedMs,
    meanMs: mean(projectedMs),
    sdMs: sd(projectedMs),
    pulledBytes: mean(builds.map((b) => sumOf(b, 'pull'))),
    pushedBytes: mean(builds.map((b) => sumOf(b, 'push'))),
    requests: mean(builds.map((b) => b.phases.reduce((a, p) => a + p.requests, 0))),
    clampedMs: mean(builds.map((b) => b.clampedMs)),
    clampedBuilds: builds.filter((b) => b.clampedMs > 0).length,
    builds,
  };
}

/**
 * Σ weight × mean over the mix's scenarios, the weights renormalised over their own total;
 * undefined when a weighted scenario has no mean. The rule of src/report/expected.ts,
 * repeated here (without its interval) because src/project must not import src/report.
 */
export function mixExpectation(mode: string, mix: Record<string, number>, meanOf: (scenario: string) => number | undefined): MixExpectation {
  const weighted = Object.entries(mix).filter(([, w]) => w > 0);
  const total = weighted.reduce((a, [, w]) => a + w, 0);
  const missing = weighted.filter(([s]) => meanOf(s) === undefined).map(([s]) => s);
  if (weighted.length === 0 || missing.length) return { mode, missing };
  return { mode, ms: weighted.reduce((a, [s, w]) => a + (w / total) * (meanOf(s) as number), 0), missing };
}

function warningsOf(results: Results, cells: readonly CellProjection[], facts: RunFacts, source: LinkFigures, ci?: CiCacheRetime): string[] {
  const w: string[] = [];
  if (source.from === 'loopback') {
    w.push('the run was measured on loopback: it has no link to subtract, so its transfer phases count as local work in full and the target link\'s transfer time is added on top (an over-estimate by the loopback copy time). Project from a run on a shaped link for a fit.');
  }
  if (facts.baseBytes === undefined) w.push('the run has no successful none build: bytes pulled are split between base-pull and cache-import by their measured times, and pushed bytes between image-export and cache-export likewise.');
  for (const c of cells) {
    if (c.clampedBuilds > 0) {
      w.push(`${c.scenario} / ${c.mode}: ${c.clampedBuilds} of ${c.n} builds clamped (mean ${(c.clampedMs / 1000).toFixed(1)} s): their recorded bytes at the measured rate take longer than their transfer phases lasted, so part of the bytes did not cross the link or went faster; projected back to the run's own link they come out that much slower.`);
    }
  }
  if (results.cells.some((c) => c.mode === 'local')) {
    w.push(
      ci
        ? `local: the build reads every layer from the restored cache directory, so only its image push crosses the registry link; its cache restore and save (the archive's recorded bytes, ${CI_CACHE_REQUESTS} round trips each) are re-timed from the run's CI cache link, ${ci.source.label}, to ${ci.target.label}.`
        : 'local: the build reads every layer from the restored cache directory, so only its image push crosses the registry link; its cache restore and save cross the CI cache link (cache-restore, cache-save) and are kept at their measured times, since the projection changes the registry link only (--ci-cache-profile re-times them).',
    );
  }
  if (results.status !== 'complete') w.push(`the run is ${results.status}: cells with fewer builds than planned are projected from what there is.`);
  return w;
}

/** Projects every cell of `results` from its own link (`source`) to `target`; with `ci`, also local's CI cache step to another CI cache link. */
export function projectRun(results: Results, source: LinkFigures, target: LinkFigures, ci?: CiCacheRetime): Projection {
  const facts = runFacts(results);
  const cells = results.cells.map((c) => projectCell(c, facts, source, target, ci)).filter((c): c is CellProjection => c !== undefined);
  const mix = results.plan.commitMix;
  const modes = results.plan.modes.filter((m) => cells.some((c) => c.mode === m));
  const find = (mode: string, scenario: string) => cells.find((c) => c.mode === mode && c.scenario === scenario);
  const expected = modes.map((mode) => ({
    mode,
    measured: mixExpectation(mode, mix, (s) => find(mode, s)?.measuredMeanMs),
    projected: mixExpectation(mode, mix, (s) => find(mode, s)?.meanMs),
  }));
  return {
    fixture: results.plan.fixture,
    runId: results.runId,
    source,
    target,
    cells,
    mix,
    expected,
    crossover: crossover(cells, modes, mix, source.rttMs),
    warnings: warningsOf(results, cells, facts, source, ci),
    ...(ci ? { ciCache: { source: ci.source.label, target: ci.target.label } } : {}),
  };
}
