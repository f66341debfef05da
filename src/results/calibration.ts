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
