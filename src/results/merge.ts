/**
 * Combines the results.json of shards (`run --shard I/N`) into one, as if one runner
 * had measured every cell. Missing shards and differing environments are reported.
 */
import type { Results } from './types.ts';
import { UsageError } from '../errors.ts';
import { environmentWarnings } from './environment.ts';
import { computeOverhead } from './io.ts';

export interface MergeOutcome {
  merged: Results;
  /** Missing shards or cells: the merged run is incomplete. */
  missing: string[];
  /** Differences between the shards' environments (engine versions, CPUs, base images…). */
  warnings: string[];
}

const basePlanId = (r: Results) => r.planId.replace(/\|shard \d+\/\d+$/, '');

export function mergeResults(parts: Results[]): MergeOutcome {
  if (parts.length === 0) throw new UsageError('merge needs at least one results.json');
  const first = parts[0] as Results;
  for (const p of parts) {
    if (basePlanId(p) !== basePlanId(first)) {
      throw new UsageError(`cannot merge runs of different plans: "${basePlanId(first)}" and "${basePlanId(p)}"`, 'merge only the shards of one `run --shard I/N` matrix');
    }
  }
  const counts = new Set(parts.map((p) => p.plan.shard?.count ?? 1));
  if (counts.size > 1) throw new UsageError(`the runs were split into different shard counts (${[...counts].join(', ')})`);
  const count = [...counts][0] as number;
  const seen = new Map<number, Results>();
  const warnings: string[] = [];
  for (const p of parts) {
    const i = p.plan.shard?.index ?? 1;
    if (seen.has(i)) throw new UsageError(`shard ${i}/${count} given twice (runs ${seen.get(i)?.runId} and ${p.runId})`);
    seen.set(i, p);
    for (const w of environmentWarnings(first, p)) if (p !== first) warnings.push(`shard ${i}: ${w}`);
  }
  const missing: string[] = [];
  for (let i = 1; i <= count; i++) if (!seen.has(i)) missing.push(`shard ${i}/${count} is missing`);
  const allCells = first.plan.allCells ?? first.cells.map((c) => c.id);
  const byId = new Map(parts.flatMap((p) => p.cells.map((c) => [c.id, c] as const)));
  const cells = allCells.flatMap((id) => {
    const c = byId.get(id);
    if (!c) {
      missing.push(`cell ${id} was not measured`);
      return [];
    }
    if (c.runs.length < first.plan.repetitions) missing.push(`cell ${id} has ${c.runs.length} of ${first.plan.repetitions} builds`);
    return [c];
  });
  for (const p of parts) if (p.status !== 'complete') missing.push(`shard ${p.plan.shard?.index ?? 1}/${count} did not complete (status ${p.status})`);
  const seeds: Results['seeds'] = {};
  for (const p of [...parts].sort((a, b) => (a.plan.shard?.index ?? 1) - (b.plan.shard?.index ?? 1))) {
    for (const [mode, s] of Object.entries(p.seeds)) seeds[mode] ??= s;
  }
  const calibration = calibrationOfShards(parts, count);
  const plan = { ...first.plan };
  delete plan.shard;
  delete plan.allCells;
  const starts = parts.map((p) => p.environment.startedAt).sort();
  const ends = parts.map((p) => p.environment.finishedAt ?? '').filter(Boolean).sort();
  const merged: Results = {
    ...first,
    planId: basePlanId(first),
    runId: `merged-${parts.map((p) => p.runId).join('+')}`.slice(0, 120),
    plan,
    environment: { ...first.environment, startedAt: starts[0] as string, ...(ends.length ? { finishedAt: ends[ends.length - 1] as string } : {}) },
    seeds,
    cells,
    status: missing.length ? 'failed' : 'complete',
    notes: [`merged from ${parts.length} of ${count} shards`, ...missing, ...warnings],
  };
  if (calibration) merged.calibration = calibration;
  else delete merged.calibration;
  merged.overhead = computeOverhead(merged);
  return { merged, missing, warnings };
}

/**
 * The calibration of the lowest-numbered shard that has one, marked as that shard's: each
 * shard calibrated its own machine, and samples of different machines are not one sample.
 */
function calibrationOfShards(parts: readonly Results[], count: number): Results['calibration'] {
  const byIndex = [...parts].sort((a, b) => (a.plan.shard?.index ?? 1) - (b.plan.shard?.index ?? 1));
  const p = byIndex.find((x) => x.calibration?.start ?? x.calibration?.end);
  if (!p?.calibration) return undefined;
  return count > 1 ? { ...p.calibration, shard: { index: p.plan.shard?.index ?? 1, count } } : p.calibration;
}
