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
