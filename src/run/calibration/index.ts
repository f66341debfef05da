/**
 * The run's calibration: fixed workloads measured before the first seed build and after
 * the last measured build, so that `compare` can tell "the environment moved" from "a mode
 * regressed". Outside every build's measured window, and (embedded engine) holding the
 * engine lock, so no build of this or another run overlaps it. The link to the registry
 * is not measured again: the run measured it when it opened the link.
 */
import { lockEngine } from '../../engine/lock.ts';
import { fmtMs } from '../../progress.ts';
import { CachebenchError } from '../../errors.ts';
import { calibrationMedians } from '../../results/calibration.ts';
import type { CalibrationSample } from '../../results/types.ts';
import { persist, settleEngine, type Context } from '../context.ts';
import { measureCpu, type CpuOptions } from './cpu.ts';
import { measureFeed, type FeedOptions } from './feed.ts';

export { FEED_PACKAGES, fetchPackages, measureFeed, nupkgUrl, type PinnedPackage } from './feed.ts';
export { measureCpu } from './cpu.ts';

export interface CalibrationOptions {
  cpu?: CpuOptions;
  feed?: FeedOptions;
  signal?: AbortSignal;
}

/** One sample: the CPU workload, then the package feed (never both at once: each would slow the other). */
export async function measureCalibration(opts: CalibrationOptions = {}): Promise<CalibrationSample> {
  const at = new Date().toISOString();
  const signal = opts.signal ? { signal: opts.signal } : {};
  const cpu = await measureCpu({ ...opts.cpu, ...signal });
  const feed = await measureFeed({ ...opts.feed, ...signal });
  return { at, cpu, feed };
}

/** "CPU 412 ms (median of 3), feed 1.9 s for 3 packages (2.1 MB)". */
export function calibrationLine(s: CalibrationSample): string {
  const m = calibrationMedians(s);
  const feed = m.feedMs !== undefined ? `feed ${fmtMs(m.feedMs)} for ${m.feedPackages ?? '?'} packages (${((m.feedBytes ?? 0) / 1e6).toFixed(1)} MB)` : `feed skipped: ${m.feedSkipped ?? ''}`;
  return `CPU ${fmtMs(m.cpuMs)} (median of ${s.cpu.ms.length}), ${feed}`;
}

/**
 * Measures `which` sample into results.calibration and persists it. A resumed run keeps
 * the start sample it has. A calibration that fails is said and left out: it never fails
 * the run; an interruption stops it like any build.
 */
export async function calibrateRun(ctx: Context, which: 'start' | 'end'): Promise<void> {
  if (which === 'start' && ctx.results.calibration?.start) {
    ctx.progress.log('calibration (start): kept from the run being resumed');
    return;
  }
  if (ctx.signal?.aborted) throw new CachebenchError('interrupted');
  await settleEngine(ctx);
  const lock =
    ctx.engine.kind === 'embedded'
      ? await lockEngine({ ...(ctx.signal ? { signal: ctx.signal } : {}), onWait: (pid) => ctx.progress.log(`calibration: waiting for another cachebench run (pid ${pid.trim()}) to finish its build on the shared engine`) })
      : undefined;
  try {
    const sample = await measureCalibration(ctx.signal ? { signal: ctx.signal } : {});
    ctx.results.calibration = { ...ctx.results.calibration, [which]: sample };
    persist(ctx);
    ctx.progress.log(`calibration (${which}): ${calibrationLine(sample)}`);
  } catch (err) {
    if (ctx.signal?.aborted) throw new CachebenchError('interrupted', { cause: err });
    ctx.progress.log(`warning: calibration (${which}) not measured: ${(err as Error).message.split('\n')[0] ?? ''}`);
  } finally {
    lock?.release();
  }
}
