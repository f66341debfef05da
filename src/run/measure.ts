/**
 * The measured builds: one CI job on a fresh runner for a cell's scenario commit (measure),
 * and a cell's repetitions driven by tinybench with the build's own wall time (measureCell).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Bench } from 'tinybench';
import { freshBuilder } from '../engine/fresh.ts';
import { addBuildkitDuration } from '../buildx/run.ts';
import type { CacheLocation, CacheMode } from '../cache-modes.ts';
import { copyRef, deleteRef } from '../registry/client.ts';
import type { Cell } from '../plan.ts';
import { median, summarizeSamples } from '../results/stats.ts';
import { phaseMediansOf } from '../results/rephase.ts';
import { fmtMs } from '../progress.ts';
import { slug } from '../paths.ts';
import { CachebenchError } from '../errors.ts';
import type { BuildRecord, CellResult, Phases, RunRecord, SeedRecord, Stats } from '../results/types.ts';
import { attachExplanation, cacheSourceOf } from './explain.ts';
import { blobSet, buildCheckout, endEngineUse, keepRawLog, outcome, persist, prepareBuild, refFor, releaseEngine, sum, takeEarlyWipe, withEngineRetry, type Context } from './context.ts';

interface JobRefs {
  parent: string;
  cache: string;
  build: string;
  cacheOut: string;
}

/**
 * Where the job's cache comes from and goes to. For `local`, the CI cache step: the seed's
 * archive is restored from the CI cache service before the build (its own phase, over the
 * CI cache link) and the new directory saved to it after.
 */
async function jobCache(ctx: Context, mode: CacheMode, refs: JobRefs, jobDir: string, rec: { phases: Phases; bytes: { restored?: number } }): Promise<{ from: CacheLocation; to: CacheLocation }> {
  if (mode.storage === 'registry') return { from: { ref: refs.cache }, to: { ref: refs.cacheOut } };
  if (mode.storage === 'image') return { from: { ref: refs.parent }, to: { ref: refs.build } };
  if (mode.storage !== 'local') return { from: {}, to: {} };
  const restored = await ctx.ciCache.restore(`seed-${slug(mode.name)}`, path.join(jobDir, 'restored'));
  rec.phases['cache-restore'] = restored.ms;
  rec.bytes.restored = restored.bytes;
  return { from: { dir: path.join(jobDir, 'restored') }, to: { dir: path.join(jobDir, 'new') } };
}

/** Bytes the build added to the registry (image + cache) and the size of the cache it exported. */
async function recordSizes(rec: BuildRecord, mode: CacheMode, refs: JobRefs, before: ReadonlyMap<string, number>): Promise<void> {
  const after = new Map([...(await blobSet(refs.build)), ...(mode.storage === 'registry' ? await blobSet(refs.cacheOut) : [])]);
  let pushed = 0;
  for (const [d, size] of after) if (!before.has(d)) pushed += size;
  rec.bytesPushed = pushed;
  rec.cacheBytes =
    mode.storage === 'registry' ? sum(await blobSet(refs.cacheOut))
    : mode.storage === 'local' ? (rec.ciCacheBytes?.saved ?? 0)
    : mode.storage === 'image' ? sum(await blobSet(refs.build))
    : 0;
}

/** One measured build: a CI job on a fresh runner for `cell`'s scenario commit. */
export async function measure(ctx: Context, cell: Cell, mode: CacheMode, s: SeedRecord, repetition: number): Promise<RunRecord> {
  const checkout = ctx.ws.checkouts.get(cell.scenario);
  if (!checkout) throw new CachebenchError(`no checkout for scenario ${cell.scenario}`);
  const name = `${cell.scenario}-${mode.name}-r${repetition}`;
  // On a remote registry the job reads the seed's tags in the shared repository directly.
  const refs: JobRefs = {
    parent: ctx.remote ? s.imageRef : refFor(ctx, name, 'parent'),
    cache: ctx.remote && s.cacheRef ? s.cacheRef : refFor(ctx, name, 'cache'),
    build: refFor(ctx, name, 'build'),
    cacheOut: refFor(ctx, name, 'cache-new'),
  };
  // The CI job's starting state, copied from the seed without moving bytes: the parent
  // image in the app's repository, and the parent's cache (registry modes).
  let before = new Map<string, number>();
  let prepareMs = 0;
  // Registry work only, so it runs while the builder is made fresh.
  const startingState = async (): Promise<void> => {
    const t = performance.now();
    if (!ctx.remote) {
      await copyRef(s.imageRef, refs.parent);
      if (s.cacheRef) await copyRef(s.cacheRef, refs.cache);
    }
    before = new Map([...(await blobSet(refs.parent)), ...(s.cacheRef ? await blobSet(refs.cache) : [])]);
    prepareMs = performance.now() - t;
  };
  // The starting state is copied while the previous job's wipe may still run; after a
  // restart of the engine or registry (it may have failed against the dead one) it is
  // copied again.
  let copying: Promise<void> | undefined = startingState();
  copying.catch(() => undefined);
  const preparing = performance.now();
  const { lock, fresh } = await prepareBuild(ctx, async (restarted) => {
    const state = copying && !restarted ? copying : (copying ?? Promise.resolve()).catch(() => undefined).then(startingState);
    copying = undefined;
    const [, made] = await Promise.all([state, freshBuilder(ctx.engine, `cachebench-${ctx.results.runId}`, ctx.opts.builder, takeEarlyWipe(ctx))]);
    return made;
  });
  const waitMs = performance.now() - preparing;
  const jobDir = path.join(ctx.stateDir, `job-${slug(cell.id)}-r${repetition}`);
  const startedAt = new Date().toISOString();
  const ci = { phases: {} as Phases, bytes: {} as { restored?: number; saved?: number } };
  const jobKey = `job-${slug(cell.id)}-r${repetition}`;
  let rec: BuildRecord;
  let raw: string | undefined;
  const t0 = performance.now();
  try {
    const { from, to } = await jobCache(ctx, mode, refs, jobDir, ci);
    rec = await buildCheckout(ctx, checkout.dir, refs.build, { cacheFrom: mode.cacheFrom(from), cacheTo: mode.cacheTo(to) }, fresh.builder, (r) => (raw = r));
    if (mode.storage === 'local' && rec.status === 'ok') {
      const saved = await ctx.ciCache.save(jobKey, path.join(jobDir, 'new'));
      ci.phases['cache-save'] = saved.ms;
      ci.bytes.saved = saved.bytes;
    }
    if (mode.storage === 'local') rec.ciCacheBytes = ci.bytes;
    const wallMs = performance.now() - t0;
    rec.wallMs = wallMs;
    keepRawLog(ctx, `${cell.id}-r${repetition}`, raw);
    await addBuildkitDuration(ctx.engine, rec);
    // (A hook may use the engine: it runs before the next job's wipe starts.)
    if (rec.status === 'ok' && ctx.onBuilt) await ctx.onBuilt(cell, repetition, refs.build);
    endEngineUse(ctx);
    rec.phases = { ...ci.phases, ...rec.phases };
    await attachExplanation(ctx, rec, checkout, cacheSourceOf(mode));
    if (rec.status === 'ok') await recordSizes(rec, mode, refs, before);
  } finally {
    rmSync(jobDir, { recursive: true, force: true });
    if (mode.storage === 'local') rmSync(ctx.ciCache.archivePath(jobKey), { force: true });
    await fresh.dispose();
    releaseEngine(ctx, lock);
    // (A remote run's tags may share digests with the seed's; they go at the end of the run.)
    if (!ctx.remote) for (const r of Object.values(refs)) await deleteRef(r).catch(() => undefined);
  }
  return { ...rec, repetition, startedAt, resetMs: fresh.resetMs, prepareMs, waitMs, ...(fresh.resetSteps ? { resetSteps: fresh.resetSteps } : {}) };
}

/**
 * One measured build of `cell` (repetition `repetition`, in `round` when rounds are
 * interleaved), persisted as soon as it ends; a failed build stops the run with --fail-fast.
 */
export async function measureOne(ctx: Context, cell: Cell, mode: CacheMode, s: SeedRecord, repetition: number, round?: number): Promise<RunRecord> {
  const cr = ctx.results.cells.find((x) => x.id === cell.id) as CellResult;
  if (ctx.signal?.aborted) throw new CachebenchError('interrupted');
  ctx.progress.begin(`${cell.scenario} × ${mode.name} #${repetition}${round !== undefined ? ` (round ${round})` : ''}`);
  const built = await withEngineRetry(ctx, () => measure(ctx, cell, mode, s, repetition));
  if (ctx.signal?.aborted && built.status === 'failed') throw new CachebenchError('interrupted');
  const run: RunRecord = round !== undefined ? { ...built, round } : built;
  cr.runs.push(run);
  cr.runs.sort((a, b) => a.repetition - b.repetition);
  updateCell(cr, undefined);
  persist(ctx);
  ctx.progress.end(outcome(run, `${fmtMs(run.wallMs)}, ${run.cachedSteps}/${run.totalSteps} steps cached`));
  if (run.status === 'failed' && ctx.opts.failFast) {
    throw new CachebenchError(`build failed (${cell.id} #${repetition}): ${run.error?.message ?? ''}`, { hint: `log tail:\n${run.error?.logTail ?? ''}` });
  }
  return run;
}

/** A cell's repetitions back to back (--order sequential), driven by tinybench; those on disk are replayed, not rebuilt. */
export async function measureCell(ctx: Context, cell: Cell, mode: CacheMode, s: SeedRecord, repetitions: number): Promise<void> {
  const cr = ctx.results.cells.find((x) => x.id === cell.id) as CellResult;
  let repetition = 0;
  const bench = new Bench({ name: cell.id, iterations: repetitions, time: 0, warmup: false, throws: true, retainSamples: true });
  bench.add(cell.id, async () => {
    repetition++;
    const existing = cr.runs.find((r) => r.repetition === repetition);
    if (existing) {
      ctx.progress.skip();
      return { overriddenDuration: existing.wallMs };
    }
    return { overriddenDuration: (await measureOne(ctx, cell, mode, s, repetition)).wallMs };
  });
  await bench.run();
  updateCell(cr, fromTinybench(bench, cr.runs));
  persist(ctx);
}

/**
 * A cell's statistics once its builds are done (interleaved rounds): tinybench replays the
 * recorded wall times of the successful builds (nothing is rebuilt) and computes them.
 */
export async function finalizeCell(ctx: Context, cell: Cell): Promise<void> {
  const cr = ctx.results.cells.find((x) => x.id === cell.id) as CellResult;
  const ok = cr.runs.filter((r) => r.status === 'ok');
  if (ok.length === 0) return;
  let i = 0;
  const bench = new Bench({ name: cell.id, iterations: ok.length, time: 0, warmup: false, throws: true, retainSamples: true });
  // Async on purpose: tinybench calls a plain function once more to find out whether it is async.
  bench.add(cell.id, async () => ({ overriddenDuration: (ok[i++] as RunRecord).wallMs }));
  await bench.run();
  updateCell(cr, fromTinybench(bench, ok));
  persist(ctx);
}

function updateCell(cr: CellResult, tiny: Stats | undefined): void {
  cr.stats = cellStats(cr.runs, tiny);
  cr.phaseMedians = phaseMediansOf(cr.runs);
  cr.warnings = cellWarnings(cr);
}

function cellStats(runs: RunRecord[], tiny: Stats | undefined): Stats | undefined {
  const ok = runs.filter((r) => r.status === 'ok');
  if (ok.length === 0) return undefined;
  if (tiny && ok.length === runs.length) return tiny;
  return summarizeSamples(ok.map((r) => r.wallMs), ok.map((r) => r.repetition));
}

function cellWarnings(cell: CellResult): string[] {
  const w: string[] = [];
  const failed = cell.runs.filter((r) => r.status === 'failed');
  if (failed.length) w.push(`${failed.length} of ${cell.runs.length} builds failed: ${failed[0]?.error?.message ?? ''}`);
  if (cell.stats?.outliers.length) w.push(`outlier repetitions (MAD z > 3.5): ${cell.stats.outliers.join(', ')}`);
  const unchecked = cell.runs.filter((r) => r.check && !r.check.ok);
  if (unchecked.length) w.push(`self-check failed in ${unchecked.length} of ${cell.runs.length} builds: ${unchecked[0]?.check?.problems.join(' | ') ?? ''}`);
  const counts = new Set(cell.runs.filter((r) => r.status === 'ok').map((r) => r.cachedSteps));
  if (counts.size > 1) w.push(`cached step counts differ between repetitions: ${[...counts].join(', ')}`);
  return w;
}

/** Tinybench's statistics for the samples it drove, in our Stats shape. */
function fromTinybench(bench: Bench, runs: RunRecord[]): Stats | undefined {
  const task = bench.tasks[0];
  const r = task?.result as { state?: string; latency?: { samplesCount: number; mean: number; p50?: number; sd: number; min: number; max: number; moe: number; rme: number } } | undefined;
  const l = r?.latency;
  if (!l || l.samplesCount === 0) return undefined;
  const labels = runs.map((x) => x.repetition);
  const fallback = summarizeSamples(runs.map((x) => x.wallMs), labels);
  return {
    n: l.samplesCount,
    meanMs: l.mean,
    medianMs: l.p50 ?? median(runs.map((x) => x.wallMs)),
    sdMs: l.sd,
    minMs: l.min,
    maxMs: l.max,
    ci95Ms: [l.mean - l.moe, l.mean + l.moe],
    rmePct: Number.isFinite(l.rme) ? l.rme : 0,
    outliers: fallback?.outliers ?? [],
  };
}
