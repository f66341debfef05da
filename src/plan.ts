/** Pure: options → the cells to measure and the order to measure them in. */

export interface Cell {
  id: string;
  fixture: string;
  scenario: string;
  mode: string;
}

export interface Plan {
  fixture: string;
  scenarios: string[];
  modes: string[];
  repetitions: number;
  cells: Cell[];
}

export function cellId(fixture: string, scenario: string, mode: string): string {
  return `${fixture}/${scenario}/${mode}`;
}

export function makePlan(fixture: string, scenarios: string[], modes: string[], repetitions: number): Plan {
  const cells: Cell[] = [];
  // Mode-major: a mode's seed (the parent build) is made once, then its scenarios.
  for (const mode of modes) {
    for (const scenario of scenarios) cells.push({ id: cellId(fixture, scenario, mode), fixture, scenario, mode });
  }
  return { fixture, scenarios, modes, repetitions, cells };
}

/** Same plan ⇔ same id; `--resume` refuses a results folder from another plan. */
export function planId(p: Pick<Plan, 'fixture' | 'scenarios' | 'modes' | 'repetitions'>): string {
  return [p.fixture, p.scenarios.join(','), p.modes.join(','), String(p.repetitions)].join('|');
}

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) return undefined;
  return { index, count };
}

/**
 * Expected relative cost of measuring one cell (a full uncached build = 1). Used only
 * to balance shards; the numbers are rough and need not be exact.
 */
export function expectedCost(cell: Pick<Cell, 'scenario' | 'mode'>): number {
  if (cell.mode === 'none') return 1;
  const buildsBuilderStage = cell.mode === 'local' || cell.mode === 'registry-max';
  if (cell.scenario === 'no-change') return 0.3;
  if (cell.scenario === 'code-change') return buildsBuilderStage ? 0.6 : 1;
  return 1;
}

/** The seed build a shard pays once per mode it measures. */
export const SEED_COST = 1.1;

/**
 * Deterministic longest-processing-time assignment of cells to `count` shards; a cell
 * (with all its repetitions) goes to one shard, and a shard pays a mode's seed once.
 */
export function assignShards(cells: readonly Cell[], count: number, cost = expectedCost): Cell[][] {
  const shards: Array<{ cells: Cell[]; load: number; modes: Set<string> }> = Array.from({ length: count }, () => ({ cells: [], load: 0, modes: new Set() }));
  const order = [...cells].sort((a, b) => cost(b) - cost(a) || a.id.localeCompare(b.id));
  for (const cell of order) {
    let best = 0;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const [i, s] of shards.entries()) {
      const load = s.load + cost(cell) + (s.modes.has(cell.mode) ? 0 : SEED_COST);
      if (load < bestLoad - 1e-9) {
        best = i;
        bestLoad = load;
      }
    }
    const s = shards[best] as (typeof shards)[number];
    s.cells.push(cell);
    s.load = bestLoad;
    s.modes.add(cell.mode);
  }
  // Keep the plan's own order inside a shard.
  return shards.map((s) => cells.filter((c) => s.cells.includes(c)));
}

export function shardPlan(plan: Plan, shard: Shard | undefined): Plan {
  if (!shard || shard.count === 1) return plan;
  const cells = assignShards(plan.cells, shard.count)[shard.index - 1] ?? [];
  return { ...plan, cells, modes: plan.modes.filter((m) => cells.some((c) => c.mode === m)) };
}
