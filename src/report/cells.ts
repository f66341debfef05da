/**
 * One cell's figures (and a seed build's) from its runs: the mean wall time (what the
 * report's time claims are about), medians over the successful runs, per-build cache
 * costs, hit ratio, what is not attributed to any phase. Pure.
 */
import { median } from '../results/stats.ts';
import type { CellResult, PhaseName, Phases, RunRecord, SeedRecord } from '../results/types.ts';
import type { CellSummary, SeedSummary } from './analysis-types.ts';

export const okRuns = (runs: readonly RunRecord[]): RunRecord[] => runs.filter((r) => r.status === 'ok');

export function medianOf(values: Array<number | undefined>): number | undefined {
  const xs = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return xs.length ? median(xs) : undefined;
}

export function phaseSum(phases: Phases, names: readonly PhaseName[]): number {
  return names.reduce((a, n) => a + (phases[n] ?? 0), 0);
}

/** A build's cache export cost: `cache-export` + `cache-save`. */
export const EXPORT_PHASES: readonly PhaseName[] = ['cache-export', 'cache-save'];
/** A build's cache import cost: `cache-restore` + `cache-import`. */
export const IMPORT_PHASES: readonly PhaseName[] = ['cache-restore', 'cache-import'];

export function summarizeCell(scenario: string, mode: string, cell: CellResult | undefined, plannedRuns: number, fixture: string): CellSummary {
  const runs = cell?.runs ?? [];
  const ok = okRuns(runs);
  const phaseMedians = cell?.phaseMedians ?? {};
  const medianMs = cell?.stats?.medianMs;
  const phaseTotal = Object.values(phaseMedians).reduce((a, b) => a + (b ?? 0), 0);
  const cachedSteps = medianOf(ok.map((r) => r.cachedSteps));
  const totalSteps = medianOf(ok.map((r) => r.totalSteps));
  return {
    id: cell?.id ?? `${fixture}/${scenario}/${mode}`,
    scenario,
    mode,
    cell,
    plannedRuns,
    runs: runs.length,
    okRuns: ok.length,
    failedRuns: runs.length - ok.length,
    stats: cell?.stats,
    medianMs,
    meanMs: cell?.stats?.meanMs,
    cachedSteps,
    totalSteps,
    hitRatio: cachedSteps !== undefined && totalSteps ? cachedSteps / totalSteps : undefined,
    cacheBytes: medianOf(ok.map((r) => r.cacheBytes)),
    bytesPushed: medianOf(ok.map((r) => r.bytesPushed)),
    cacheExportMs: medianOf(ok.map((r) => phaseSum(r.phases, EXPORT_PHASES))),
    cacheImportMs: medianOf(ok.map((r) => phaseSum(r.phases, IMPORT_PHASES))),
    phaseMedians,
    unattributedMs: medianMs !== undefined && ok.length ? Math.max(0, medianMs - phaseTotal) : undefined,
    warnings: cell?.warnings ?? [],
    complete: ok.length >= plannedRuns && ok.length === runs.length,
  };
}

export function summarizeSeed(s: SeedRecord): SeedSummary {
  return {
    status: s.status,
    wallMs: s.wallMs,
    buildkitMs: s.buildkitMs,
    exportMs: phaseSum(s.phases, EXPORT_PHASES),
    cacheBytes: s.cacheBytes,
    cachedSteps: s.cachedSteps,
    totalSteps: s.totalSteps,
    error: s.error ? [s.error.message, s.error.step && `step ${s.error.step}`, s.error.exitCode !== undefined && `exit ${s.error.exitCode}`].filter(Boolean).join('; ') : undefined,
  };
}
