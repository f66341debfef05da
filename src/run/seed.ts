/** A seed: the parent commit's build under one cache mode, on a fresh builder, exporting the cache its cells start from. */
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { freshBuilder } from '../engine/fresh.ts';
import { addBuildkitDuration } from '../buildx/run.ts';
import type { CacheLocation, CacheMode } from '../cache-modes.ts';
import type { Plan } from '../plan.ts';
import { slug } from '../paths.ts';
import { CachebenchError } from '../errors.ts';
import type { CellResult, SeedRecord } from '../results/types.ts';
import { blobSet, buildCheckout, endEngineUse, keepRawLog, outcome, persist, prepareBuild, refFor, releaseEngine, sum, takeEarlyWipe, withEngineRetry, type Context } from './context.ts';
import { attachExplanation, SEED_CACHE } from './explain.ts';
import { markStopped, setupProblemOf } from './outcome.ts';

/** The parent commit's build under `mode`, exporting the cache every cell of that mode starts from. */
export function seed(ctx: Context, mode: CacheMode): Promise<SeedRecord> {
  return withEngineRetry(ctx, () => seedOnce(ctx, mode));
}

async function seedOnce(ctx: Context, mode: CacheMode): Promise<SeedRecord> {
  const prior = ctx.results.seeds[mode.name];
  const imageRef = refFor(ctx, `seed-${mode.name}`, 'parent');
  const cacheRef = mode.storage === 'registry' ? refFor(ctx, `seed-${mode.name}`, 'cache') : undefined;
  const cacheKey = `seed-${slug(mode.name)}`;
  const cacheArchive = mode.storage === 'local' ? ctx.ciCache.archivePath(cacheKey) : undefined;
  if (prior?.status === 'ok') {
    const still = (await blobSet(imageRef)).size > 0 && (!cacheRef || (await blobSet(cacheRef)).size > 0) && (!cacheArchive || existsSync(cacheArchive));
    if (still) {
      ctx.progress.skip();
      return prior;
    }
  }
  ctx.progress.begin(`seed ${mode.name} (parent commit)`);
  const { lock, fresh } = await prepareBuild(ctx, () => freshBuilder(ctx.engine, `cachebench-${ctx.results.runId}`, ctx.opts.builder, takeEarlyWipe(ctx)));
  const localDir = cacheArchive ? path.join(ctx.stateDir, `seed-${slug(mode.name)}-dir`) : undefined;
  const to: CacheLocation = { ...(cacheRef ? { ref: cacheRef } : {}), ...(localDir ? { dir: localDir } : {}) };
  let raw: string | undefined;
  const startedAt = new Date().toISOString();
  try {
    const started = performance.now();
    const rec = await buildCheckout(ctx, ctx.ws.parentDir, imageRef, { cacheTo: mode.cacheTo(to) }, fresh.builder, (r) => (raw = r));
    if (localDir && rec.status === 'ok') {
      // The parent commit's CI job saves its cache directory to the CI cache service.
      const saved = await ctx.ciCache.save(cacheKey, localDir);
      rec.phases['cache-save'] = saved.ms;
      rec.ciCacheBytes = { saved: saved.bytes };
      rmSync(localDir, { recursive: true, force: true });
    }
    rec.wallMs = performance.now() - started;
    keepRawLog(ctx, `seed-${mode.name}`, raw);
    await addBuildkitDuration(ctx.engine, rec);
    endEngineUse(ctx);
    await attachExplanation(ctx, rec, { dir: ctx.ws.parentDir, commit: ctx.ws.parentCommit }, SEED_CACHE);
    if (rec.status === 'ok') {
      rec.cacheBytes = cacheRef ? sum(await blobSet(cacheRef)) : cacheArchive ? statSync(cacheArchive).size : mode.storage === 'image' ? sum(await blobSet(imageRef)) : 0;
    }
    const s: SeedRecord = { ...rec, mode: mode.name, imageRef, ...(cacheRef ? { cacheRef } : {}), ...(cacheArchive ? { cacheArchive } : {}), startedAt, resetMs: fresh.resetMs };
    ctx.results.seeds[mode.name] = s;
    persist(ctx);
    ctx.progress.end(outcome(rec, `ok, ${rec.cachedSteps}/${rec.totalSteps} cached`));
    return s;
  } finally {
    await fresh.dispose();
    releaseEngine(ctx, lock);
  }
}

/**
 * After a failed seed: its cells are not measured (said in each cell). Returns 'stop' when
 * every seed so far failed on one base image BuildKit cannot use: the next would too.
 */
export function afterFailedSeed(ctx: Context, plan: Plan, mode: CacheMode, s: SeedRecord): 'stop' | 'next' {
  const setup = setupProblemOf(ctx.results);
  if (ctx.opts.failFast) throw new CachebenchError(`the seed build for ${mode.name} failed: ${s.error?.message ?? ''}`, { hint: 'see results.json; fix the build, then --resume', exitCode: setup ? 2 : 1 });
  for (const c of plan.cells.filter((x) => x.mode === mode.name)) {
    const cr = ctx.results.cells.find((x) => x.id === c.id) as CellResult;
    cr.warnings = [`not measured: the seed build of the parent commit failed (${s.error?.message ?? ''})`];
    for (let i = 0; i < plan.repetitions; i++) ctx.progress.skip();
  }
  if (setup) markStopped(ctx.results, setup);
  persist(ctx);
  return setup ? 'stop' : 'next';
}
