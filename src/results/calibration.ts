/**
 * A calibration sample reduced to what is read from it: the median of each workload's
 * repetitions (the run, the report and compare all read it the same way). Pure.
 */
import { median } from './stats.ts';
import type { CalibrationSample, Results } from './types.ts';

export interface CalibrationMedians {
  cpuMs: number;
  feedMs?: number;
  feedBytes?: number;
  /** Packages in the feed workload, when its text says ("3 pinned packages …"). */
  feedPackages?: number;
  feedSkipped?: string;
}

export function calibrationMedians(s: CalibrationSample): CalibrationMedians {
  const out: CalibrationMedians = { cpuMs: median(s.cpu.ms) };
  const f = s.feed;
  if (f && 'skipped' in f) out.feedSkipped = f.skipped;
  else if (f && f.ms.length) {
    out.feedMs = median(f.ms);
    out.feedBytes = f.bytes;
    const n = /^(\d+) /.exec(f.workload)?.[1];
    if (n) out.feedPackages = Number(n);
  }
  return out;
}

/** end ÷ start − 1 in percent, when both are known. */
export function calibrationChangePct(start: number | undefined, end: number | undefined): number | undefined {
  return start !== undefined && end !== undefined && start > 0 ? (end / start - 1) * 100 : undefined;
}

/** The run's two samples as medians (either may be missing: older results, a run that stopped early). */
export function calibrationOf(results: Results): { start?: CalibrationMedians; end?: CalibrationMedians } {
  const c = results.calibration;
  return { ...(c?.start ? { start: calibrationMedians(c.start) } : {}), ...(c?.end ? { end: calibrationMedians(c.end) } : {}) };
}

/** A run's calibration, start and end samples pooled (compare's view); null when the run has none. */
export interface PooledCalibration {
  /** Median ms of every CPU repetition of the start and end samples. */
  cpuMedianMs: number | null;
  cpuN: number;
  /** Median ms of every feed repetition; null when the feed was not measured. */
  feedMedianMs: number | null;
  /** Why the feed was not measured, when no sample measured it. */
  feedSkipped?: string;
}

export function pooledCalibration(r: Results): PooledCalibration | null {
  const samples = [r.calibration?.start, r.calibration?.end].filter((s): s is CalibrationSample => s !== undefined);
  if (!samples.length) return null;
  const cpu = samples.flatMap((s) => s.cpu.ms);
  const feed = samples.flatMap((s) => (s.feed && 'ms' in s.feed ? s.feed.ms : []));
  const skipped = samples.flatMap((s) => (s.feed && 'skipped' in s.feed ? [s.feed.skipped] : []))[0];
  return { cpuMedianMs: cpu.length ? median(cpu) : null, cpuN: cpu.length, feedMedianMs: feed.length ? median(feed) : null, ...(!feed.length && skipped ? { feedSkipped: skipped } : {}) };
}
