/**
 * The benchmark lifecycle, as four steps: prepare (plan, clone, registry, base images,
 * results.json; then a calibration sample) → seed (per cache mode: the parent commit's
 * build on a fresh builder, the cache a CI job inherits) → measure (per cell and
 * repetition: the seed's state copied, the builder made fresh, the scenario commit built
 * with the mode's --cache-from/--cache-to and an image push: everything a CI job pays) →
 * finish (after a second calibration sample). Results are written after every build;
 * `--resume` skips what is already on disk.
 *
 * Owns the order of a run. Must not: parse Dockerfiles, build arguments or progress
 * streams (dockerfile/, buildx/), or render anything (report/).
 */
import type { Engine } from '../engine/index.ts';
import type { FixtureConfig } from '../target/fixture.ts';
import { loadTarget, withoutSkippedScenarios, type Target } from '../target/index.ts';
import type { RunOptions } from '../options.ts';
import type { Results } from '../results/types.ts';
import { settleEngine, type Context, type RunnerHooks } from './context.ts';
import { openSession, setUp } from './prepare.ts';
import { afterFailedSeed, seed } from './seed.ts';
import { measureCell } from './measure.ts';
import { measureRounds, type Seeded } from './interleave.ts';
import type { Session } from './session.ts';
import { closeSession, finish, recordFailure } from './finish.ts';
import { calibrateRun } from './calibration/index.ts';

export { VERSION, type RunnerHooks } from './context.ts';

export async function runBenchmark(engine: Engine, opts: RunOptions, hooks: RunnerHooks = {}, preloaded?: FixtureConfig): Promise<Results> {
  let target: Target | undefined;
  if (!preloaded) target = await loadTarget(opts, (s) => hooks.progress?.log(s));
  const fixture = preloaded ?? (target as Target).fixture;
  try {
    // Scenarios the target could not provide (not detected) are left out, and said so first.
    const planned = withoutSkippedScenarios(opts, fixture);
    for (const s of planned.skipped) hooks.progress?.log(`not measured: ${s.scenario}: ${s.reason}`);
    return await runWith(engine, planned.opts, hooks, { ...fixture, skippedScenarios: planned.skipped });
  } finally {
    target?.cleanup();
  }
}

async function runWith(engine: Engine, opts: RunOptions, hooks: RunnerHooks, fixture: FixtureConfig): Promise<Results> {
  const session = await openSession(engine, opts, hooks, fixture);
  const startedAt = performance.now();
  let ctx: Context | undefined;
  try {
    ctx = await setUp(session);
    // The machine's and the feed's speed, before the first build and after the last (outside every measured window).
    if (opts.calibration) await calibrateRun(ctx, 'start');
    else hooks.progress?.log('calibration: skipped (--no-calibration)');
    // A resumed run keeps the order and the seed it started with.
    if ((ctx.results.plan.order ?? opts.order) === 'interleaved') await interleaved(ctx, session, startedAt);
    else await sequential(ctx, session);
    if (opts.calibration) await calibrateRun(ctx, 'end');
    return await finish(ctx);
  } catch (err) {
    recordFailure(ctx?.results ?? session.resumed, opts.outDir, hooks.signal?.aborted === true);
    throw err;
  } finally {
    if (ctx) await settleEngine(ctx);
    await closeSession(session, ctx?.results ?? session.resumed);
  }
}

/** Per mode: its seed, then its cells' repetitions back to back. */
async function sequential(ctx: Context, session: Session): Promise<void> {
  for (const mode of session.modes) {
    const seeded = await seed(ctx, mode);
    if (seeded.status !== 'ok') {
      if (afterFailedSeed(ctx, session.plan, mode, seeded) === 'stop') break;
      continue;
    }
    for (const cell of session.plan.cells.filter((c) => c.mode === mode.name)) await measureCell(ctx, cell, mode, seeded, session.plan.repetitions);
  }
}

/** Every mode's seed first, then the measured builds in interleaved rounds. */
async function interleaved(ctx: Context, session: Session, startedAt: number): Promise<void> {
  const seeded = new Map<string, Seeded>();
  for (const mode of session.modes) {
    const s = await seed(ctx, mode);
    if (s.status === 'ok') seeded.set(mode.name, { mode, seed: s });
    else if (afterFailedSeed(ctx, session.plan, mode, s) === 'stop') return;
  }
  const p = ctx.results.plan;
  await measureRounds(ctx, session.plan, seeded, p.adaptive ?? ctx.opts.adaptive, p.seed ?? ctx.opts.seed, startedAt);
}
