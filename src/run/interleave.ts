/**
 * The measured builds in interleaved rounds (the default order): every seeded cell once per
 * round, in the round's shuffled order; after the minimum, only the cells that still
 * matter (rounds.ts), until the maximum or the budget. Each cell's stop reason is recorded;
 * statistics are computed when its builds are done.
 */
import type { CacheMode } from '../cache-modes.ts';
import { expectedCost, type Cell, type Plan } from '../plan.ts';
import { fmtMs } from '../progress.ts';
import type { CellResult, SeedRecord } from '../results/types.ts';
import type { Context } from './context.ts';
import { persist } from './context.ts';
import { finalizeCell, measureOne } from './measure.ts';
import { decide, roundCells, type Adaptive, type CellSamples, type StopReason } from './rounds.ts';

export interface Seeded {
  mode: CacheMode;
  seed: SeedRecord;
}

const resultOf = (ctx: Context, cell: Cell) => ctx.results.cells.find((x) => x.id === cell.id) as CellResult;

function samplesOf(ctx: Context, cells: readonly Cell[]): CellSamples[] {
  return cells.map((c) => {
    const r = resultOf(ctx, c);
    return { id: c.id, scenario: c.scenario, mode: c.mode, samples: r.runs.filter((x) => x.status === 'ok').map((x) => x.wallMs), builds: r.runs.length };
  });
}

/** Decides, before a round, which cells stop (and why); returns the ids still active. */
function review(ctx: Context, cells: readonly Cell[], a: Adaptive, stopped: Map<string, StopReason>): Set<string> {
  const all = samplesOf(ctx, cells);
  const active = new Set<string>();
  for (const c of all) {
    if (stopped.has(c.id)) continue;
    const d = decide(c, all, a);
    if (d.more) active.add(c.id);
    else stopped.set(c.id, d.reason);
  }
  return active;
}

/** Before the first measured build: how long the rounds should take, from the seeds' wall times (a seed is a full build). */
function estimate(ctx: Context, cells: readonly Cell[], seeded: ReadonlyMap<string, Seeded>, a: Adaptive): void {
  const perRound = cells.reduce((t, c) => t + expectedCost(c) * (seeded.get(c.mode)?.seed.wallMs ?? 0), 0);
  if (perRound <= 0) return;
  const more = a.maxRuns > a.minRuns ? `; up to ${fmtMs(perRound * a.maxRuns)} if every cell takes ${a.maxRuns} builds` : '';
  const budget = a.budgetMs !== undefined ? `; the budget stops new builds after ${fmtMs(a.budgetMs)} of the run` : '';
  ctx.progress.log(`estimate: ${cells.length} cells × ${a.minRuns} round${a.minRuns === 1 ? "" : "s"} ≈ ${fmtMs(perRound * a.minRuns)} of builds (from the seeds' times and each scenario's expected share of a full build)${more}${budget}`);
}

export async function measureRounds(ctx: Context, plan: Plan, seeded: ReadonlyMap<string, Seeded>, a: Adaptive, seed: number, startedAt: number): Promise<void> {
  const cells = plan.cells.filter((c) => seeded.has(c.mode));
  const stopped = new Map<string, StopReason>();
  const overBudget = () => a.budgetMs !== undefined && performance.now() - startedAt >= a.budgetMs;
  const builds = (id: string) => resultOf(ctx, cells.find((c) => c.id === id) as Cell).runs.length;
  estimate(ctx, cells, seeded, a);
  // Builds already on disk (a resumed run) count as done.
  for (const c of cells) for (let i = 0; i < Math.min(builds(c.id), a.minRuns); i++) ctx.progress.skip();
  for (let round = 1; round <= a.maxRuns; round++) {
    const active = review(ctx, cells, a, stopped);
    if (active.size === 0) break;
    if (round > a.minRuns) ctx.progress.total += [...active].filter((id) => builds(id) < round).length;
    for (const cell of roundCells(cells, round, seed, builds, (id) => active.has(id))) {
      if (overBudget()) break;
      const s = seeded.get(cell.mode) as Seeded;
      await measureOne(ctx, cell, s.mode, s.seed, builds(cell.id) + 1, round);
    }
    if (overBudget()) {
      for (const id of review(ctx, cells, a, stopped)) stopped.set(id, 'budget');
      ctx.progress.log(`budget of ${fmtMs(a.budgetMs ?? 0)} reached in round ${round}: no further builds`);
      break;
    }
  }
  review(ctx, cells, a, stopped);
  for (const cell of cells) {
    const reason = stopped.get(cell.id) ?? 'max-runs';
    resultOf(ctx, cell).stopReason = reason;
    await finalizeCell(ctx, cell);
  }
  persist(ctx);
}
