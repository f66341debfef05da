/**
 * After the last build: statistics of the harness overhead, the final status, the seeds'
 * registry state removed; on failure the results are still written; in any case the clone,
 * the registry link and a remote session are closed.
 */
import { rmSync } from 'node:fs';
import { deleteRef } from '../registry/client.ts';
import type { RemoteSession } from '../registry/remote.ts';
import { computeOverhead, writeResults } from '../results/io.ts';
import type { Progress } from '../progress.ts';
import type { Results } from '../results/types.ts';
import { persist, settleEngine, type Context } from './context.ts';
import { finishedStatus } from './outcome.ts';
import type { Session } from './session.ts';

export async function finish(ctx: Context): Promise<Results> {
  const { results } = ctx;
  // The wipe after the last build is part of the run's time, and nothing is left running.
  await settleEngine(ctx);
  results.status = finishedStatus(results);
  results.environment.finishedAt = new Date().toISOString();
  results.overhead = computeOverhead(results);
  persist(ctx);
  // (On a remote registry every tag of the run goes at the end, with a check for shared digests.)
  if (!ctx.remote) {
    for (const sd of Object.values(results.seeds)) {
      for (const r of [sd.imageRef, sd.cacheRef]) if (r) await deleteRef(r).catch(() => undefined);
    }
  }
  rmSync(ctx.stateDir, { recursive: true, force: true });
  return results;
}

/** A run that stopped early keeps what it measured: results.json says failed or interrupted. */
export function recordFailure(results: Results | undefined, outDir: string, aborted: boolean): void {
  if (!results) return;
  results.status = aborted ? 'interrupted' : 'failed';
  results.overhead = computeOverhead(results);
  try {
    writeResults(outDir, results);
  } catch {
    /* the original error matters more */
  }
}

export async function closeSession(s: Session, results: Results | undefined): Promise<void> {
  if (s.opts.keepWorkspace) s.progress.log(`workspace kept at ${s.ws.root}`);
  else s.ws.cleanup();
  await s.net.destroy();
  await s.ciCache.destroy();
  if (s.remote) await cleanupRemote(s.remote, results, s.opts.outDir, s.progress);
}

/** Removes the run's tags from the remote registry; what it cannot remove goes into the results' notes. */
async function cleanupRemote(remote: RemoteSession, results: Results | undefined, outDir: string, progress: Progress): Promise<void> {
  const where = `${remote.registry.host}/${remote.registry.repository}`;
  try {
    const { removed, left } = await remote.cleanup();
    if (removed) progress.log(`registry ${where}: removed this run's ${removed} tags`);
    if (left.length) {
      const note = `${left.length} tags of this run are left in ${where} (the registry refuses deletes, or another tag shares their digest): ${left.slice(0, 5).join(', ')}${left.length > 5 ? ', …' : ''}; delete them in the registry's UI or API.`;
      progress.log(`warning: ${note}`);
      if (results) {
        results.notes = [...(results.notes ?? []), note];
        writeResults(outDir, results);
      }
    }
  } catch (err) {
    progress.log(`warning: could not clean up this run's tags in ${where}: ${(err as Error).message}`);
  } finally {
    remote.dispose();
  }
}
