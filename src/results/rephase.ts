/**
 * Recomputes every build's phases (and bytes pulled) from the raw progress logs a run
 * kept in `logs/`, for results written before a change in how phases are attributed.
 * Wall times, cached steps and statistics are measurements and stay as they are.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseRawJson } from '../buildx/rawjson.ts';
import { summarize } from '../buildx/record.ts';
import { isCoverageProblem, phaseCoverage } from '../buildx/check.ts';
import { median } from './stats.ts';
import { slug } from '../paths.ts';
import type { BuildRecord, Phases, Results } from './types.ts';

/** Phases the harness measures itself (not from BuildKit's progress). */
const HARNESS_PHASES = ['cache-restore', 'cache-save'] as const;

export function rawLogName(name: string): string {
  return `${slug(name)}.rawjson.gz`;
}

export function phaseMediansOf(runs: readonly BuildRecord[]): Phases {
  const ok = runs.filter((r) => r.status === 'ok');
  const out: Phases = {};
  const names = new Set(ok.flatMap((r) => Object.keys(r.phases))) as Set<keyof Phases>;
  for (const n of names) out[n] = median(ok.map((r) => r.phases[n] ?? 0));
  return out;
}

/** Rewrites phases in `results` from `dir/logs`; returns how many builds had a log. */
export function rephase(results: Results, dir: string, baseLayers: ReadonlySet<string>): { updated: number; missing: number } {
  let updated = 0;
  let missing = 0;
  const apply = (rec: BuildRecord, name: string) => {
    const file = path.join(dir, 'logs', rawLogName(name));
    if (!existsSync(file)) {
      missing++;
      return;
    }
    const s = summarize(parseRawJson(gunzipSync(readFileSync(file)).toString('utf8')), { baseLayers });
    const kept: Phases = {};
    for (const p of HARNESS_PHASES) if (rec.phases[p] !== undefined) kept[p] = rec.phases[p];
    rec.phases = { ...kept, ...s.phases };
    rec.bytesPulled = s.bytesPulled;
    // The self-check's phase coverage follows the phases; its other findings stand.
    if (rec.check) {
      const coverage = phaseCoverage(s);
      const problems = [...rec.check.problems.filter((p) => !isCoverageProblem(p)), ...coverage.problems];
      rec.check = { ...rec.check, phases: coverage.phases, problems, ok: problems.length === 0 };
    }
    updated++;
  };
  for (const [mode, sd] of Object.entries(results.seeds)) apply(sd, `seed-${mode}`);
  for (const cell of results.cells) {
    for (const r of cell.runs) apply(r, `${cell.id}-r${r.repetition}`);
    cell.phaseMedians = phaseMediansOf(cell.runs);
  }
  return { updated, missing };
}
