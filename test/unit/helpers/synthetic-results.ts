/** Results documents made from wall times alone, for tests of the statistics, the analysis and compare. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { summarizeSamples } from '../../../src/results/stats.ts';
import type { CellResult, Results, RunRecord, SeedRecord } from '../../../src/results/types.ts';

const FIXTURE = path.join(import.meta.dirname, '..', '..', 'fixtures', 'results-tiny-quick.json');

function run(repetition: number, wallMs: number): RunRecord {
  return { repetition, startedAt: '2026-01-01T00:00:00.000Z', status: 'ok', wallMs, buildxWallMs: wallMs, phases: {}, steps: [], cachedSteps: 4, totalSteps: 7, warnings: [] };
}

/** One cell with a successful run per wall time, and its Stats as the runner stores them. */
export function timedCell(scenario: string, mode: string, walls: readonly number[]): CellResult {
  const runs = walls.map((w, i) => run(i + 1, w));
  return { id: `syn/${scenario}/${mode}`, fixture: 'syn', scenario, mode, runs, stats: summarizeSamples(walls), phaseMedians: {}, warnings: [] };
}

/** A complete run of the given cells; the plan lists their scenarios and modes in order of appearance. */
export function timedResults(cells: CellResult[], mix?: Record<string, number>): Results {
  const base = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Results;
  const scenarios = [...new Set(cells.map((c) => c.scenario))];
  const modes = [...new Set(cells.map((c) => c.mode))];
  const repetitions = Math.max(...cells.map((c) => c.runs.length));
  const commitMix = mix ?? Object.fromEntries(scenarios.map((s) => [s, 1]));
  return { ...base, plan: { fixture: 'syn', scenarios, modes, repetitions, profile: 'default', commitMix }, environment: { ...base.environment, fixture: 'syn' }, seeds: {}, cells, status: 'complete' };
}

/** `n` copies of `value`. */
export const times = (n: number, value: number): number[] => Array.from({ length: n }, () => value);

/** The cell with every run's recorded sizes set (bytes pulled and pushed, cache exported). */
export function withBytes(cell: CellResult, bytes: Pick<RunRecord, 'bytesPulled' | 'bytesPushed' | 'cacheBytes'>): CellResult {
  return { ...cell, runs: cell.runs.map((r) => ({ ...r, ...bytes })) };
}

/** A successful seed (parent) build of `mode` that took `wallMs` and exported `cacheBytes`. */
export function seedOf(mode: string, wallMs: number, cacheBytes: number): SeedRecord {
  return { mode, imageRef: `syn/${mode}:parent`, status: 'ok', wallMs, buildxWallMs: wallMs, phases: {}, steps: [], cachedSteps: 0, totalSteps: 7, cacheBytes, warnings: [] };
}
