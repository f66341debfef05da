/**
 * CSV exporters. Pure. Times in ms and sizes in bytes, unrounded, so spreadsheets and
 * scripts get the raw numbers; an empty field means "not measured".
 */
import { stringify } from 'csv-stringify/sync';
import { PHASES, type Results, type RunRecord } from '../results/types.ts';
import { analyze, type Analysis } from './analysis.ts';
import { firstRerun } from '../explain/explain.ts';

type Field = string | number | undefined;

const num = (x: number | undefined): Field => (x === undefined || !Number.isFinite(x) ? undefined : x);

export const RUNS_COLUMNS = [
  'fixture',
  'scenario',
  'mode',
  'repetition',
  'status',
  'wall_ms',
  'buildx_wall_ms',
  'buildkit_ms',
  ...PHASES.map((p) => `phase_${p}_ms`),
  'cached_steps',
  'total_steps',
  'cache_bytes',
  'bytes_pushed',
  'bytes_pulled',
  'started_at',
  'error',
  'first_rerun_step',
  'first_rerun_cause',
  'first_rerun_why',
  'cache_findings',
] as const;

/** The first step that re-ran and why (src/explain), and the build's cache findings; empty when not explained. */
function explainFields(r: RunRecord): Field[] {
  const x = r.explain;
  if (!x) return [undefined, undefined, undefined, undefined];
  const first = firstRerun(x);
  return [first?.step ?? '', first?.cause ?? '', first?.why ?? '', x.findings.join(' | ')];
}

/** One row per measured build, failed ones included. */
export function renderRunsCsv(results: Results): string {
  const rows: Field[][] = [];
  for (const cell of results.cells) {
    for (const r of cell.runs) {
      const err = r.error ? [r.error.message, r.error.step && `step: ${r.error.step}`, r.error.exitCode !== undefined && `exit code ${r.error.exitCode}`].filter(Boolean).join('; ') : undefined;
      rows.push([
        cell.fixture,
        cell.scenario,
        cell.mode,
        r.repetition,
        r.status,
        num(r.wallMs),
        num(r.buildxWallMs),
        num(r.buildkitMs),
        ...PHASES.map((p) => num(r.phases[p])),
        r.cachedSteps,
        r.totalSteps,
        num(r.cacheBytes),
        num(r.bytesPushed),
        num(r.bytesPulled),
        r.startedAt,
        err,
        ...explainFields(r),
      ]);
    }
  }
  return stringify(rows, { header: true, columns: [...RUNS_COLUMNS] });
}

export const SUMMARY_COLUMNS = [
  'fixture',
  'scenario',
  'mode',
  'n',
  'ok_runs',
  'median_ms',
  'mean_ms',
  'sd_ms',
  'min_ms',
  'max_ms',
  'ci95_low_ms',
  'ci95_high_ms',
  'rme_pct',
  'cached_steps',
  'total_steps',
  'cache_bytes',
  'saving_vs_none_pct',
  'seed_wall_ms',
  'warnings',
] as const;

/**
 * One row per cell of results.cells. `n` is the number of builds recorded (failed included),
 * the stats are over the successful ones; saving_vs_none_pct = (1 − mean/mean_none) × 100 (the report's "vs none"),
 * positive = faster than none.
 */
export function renderSummaryCsv(results: Results): string {
  const a = analyze(results);
  const rows: Field[][] = [];
  for (const cell of results.cells) {
    const s = a.scenarios.find((x) => x.scenario === cell.scenario)?.cells.find((c) => c.mode === cell.mode);
    const st = cell.stats;
    const vs = a.scenarios.find((x) => x.scenario === cell.scenario)?.vsNone[cell.mode];
    rows.push([
      cell.fixture,
      cell.scenario,
      cell.mode,
      cell.runs.length,
      s?.okRuns ?? cell.runs.filter((r) => r.status === 'ok').length,
      num(st?.medianMs),
      num(st?.meanMs),
      num(st?.sdMs),
      num(st?.minMs),
      num(st?.maxMs),
      num(st?.ci95Ms[0]),
      num(st?.ci95Ms[1]),
      num(st?.rmePct),
      num(s?.cachedSteps),
      num(s?.totalSteps),
      num(s?.cacheBytes),
      vs ? 0 - vs.changePct || 0 : undefined,
      num(results.seeds[cell.mode]?.wallMs),
      cell.warnings.join(' | ') || undefined,
    ]);
  }
  return stringify(rows, { header: true, columns: [...SUMMARY_COLUMNS] });
}

export const COST_COLUMNS = [
  'mode',
  'commits_per_day',
  'commits_per_day_from',
  'builds_per_month',
  'expected_build_ms',
  'build_minutes_per_month',
  'build_minutes_ci95_low',
  'build_minutes_ci95_high',
  'refreshes_per_month',
  'refresh_minutes_per_month',
  'branches',
  'cache_bytes',
  'cache_bytes_from',
  'storage_gb_month',
  'moved_bytes_per_build',
  'moved_gb_per_month',
  'price_minute_usd',
  'price_gb_month_usd',
  'price_gb_transfer_usd',
  'usd_build_minutes',
  'usd_refresh',
  'usd_storage',
  'usd_transfer',
  'usd_total_per_month',
] as const;

/**
 * One row per mode: the month of src/report/cost.ts with its inputs (and where commits per
 * day came from: option, mix file or default). GB = 10⁹ bytes; the USD columns are empty
 * when the mode's figure is not measured, and 0 when its price is 0.
 */
export function renderCostCsv(results: Results, a: Analysis = analyze(results)): string {
  const i = a.cost.inputs;
  const rows: Field[][] = a.cost.modes.map((m) => [
    m.mode,
    i.commitsPerDay,
    i.commitsPerDayFrom,
    i.buildsPerMonth,
    num(m.expectedMs),
    num(m.buildMinutes),
    num(m.buildMinutesCi95?.[0]),
    num(m.buildMinutesCi95?.[1]),
    i.refreshesPerMonth,
    num(m.refreshMinutes),
    i.branches,
    num(m.cacheBytes),
    m.cacheBytesFrom,
    num(m.storageGbMonth),
    num(m.movedBytesPerBuild),
    num(m.movedGbPerMonth),
    i.prices.minute.usd,
    i.prices.gbMonth.usd,
    i.prices.gbTransfer.usd,
    num(m.usd.buildMinutes),
    num(m.usd.refresh),
    num(m.usd.storage),
    num(m.usd.transfer),
    num(m.usd.total),
  ]);
  return stringify(rows, { header: true, columns: [...COST_COLUMNS] });
}
