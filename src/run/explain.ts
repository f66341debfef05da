/** Each build's explanation: why each step re-ran, from the Dockerfiles and the commits (src/explain). */
import { observedSteps } from '../buildx/check.ts';
import type { CacheMode } from '../cache-modes.ts';
import { explainBuild, type CacheSource } from '../explain/explain.ts';
import { contextChanges, type ContextTree } from '../target/changes.ts';
import type { BuildRecord } from '../results/types.ts';
import type { Context } from './context.ts';

export const SEED_CACHE: CacheSource = { imported: false, why: 'the seed builds the parent commit on an empty builder' };

/** The cache a measured build of `mode` starts from: the seed's, exported from the parent commit. */
export function cacheSourceOf(mode: CacheMode): CacheSource {
  if (mode.storage === 'none') return { imported: false, why: `mode ${mode.name} imports no cache` };
  return { imported: true, label: `the ${mode.name} cache of the parent commit`, mode: mode.name, stages: mode.cachesBuilderStage ? 'all' : 'final' };
}

const changes = new WeakMap<Context, Map<string, Promise<string[]>>>();

/** Context files that differ between the parent commit and `tree` (once per commit and run). */
function changesOf(ctx: Context, tree: ContextTree): Promise<string[]> {
  const byCommit = changes.get(ctx) ?? new Map<string, Promise<string[]>>();
  changes.set(ctx, byCommit);
  let p = byCommit.get(tree.commit);
  if (!p) {
    p = contextChanges({ dir: ctx.ws.parentDir, commit: ctx.ws.parentCommit }, tree, ctx.fixture.context, ctx.fixture.dockerfile);
    byCommit.set(tree.commit, p);
  }
  return p;
}

/** Sets `rec.explain` for a successful build of `tree` that started from `cache`; never fails the build. */
export async function attachExplanation(ctx: Context, rec: BuildRecord, tree: ContextTree, cache: CacheSource): Promise<void> {
  if (rec.status !== 'ok') return;
  try {
    const model = ctx.modelOf(tree.dir);
    const parent = cache.imported ? ctx.modelOf(ctx.ws.parentDir) : undefined;
    const changed = cache.imported ? await changesOf(ctx, tree) : [];
    rec.explain = explainBuild({ model, parent, changed, cache }, observedSteps(model, rec.steps));
  } catch (err) {
    rec.warnings.push(`no cache-miss explanation: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
}
