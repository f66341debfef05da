/**
 * What every build of a run shares (the Context), and the small pieces around one build:
 * refs in the run's registry, persisting results, keeping raw logs, the engine lock and
 * the fresh-builder preparation with its one retry after an engine restart.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import type { Engine } from '../engine/index.ts';
import { startEarlyWipe, type EarlyWipe, type FreshBuilder } from '../engine/fresh.ts';
import { lockEngine, type EngineLock } from '../engine/lock.ts';
import { embeddedStatus, startEmbedded } from '../engine/embedded.ts';
import { classify } from '../buildx/record.ts';
import { runBuild } from '../buildx/run.ts';
import type { BuildRequest } from '../buildx/args.ts';
import { DockerfileError, readDockerfile, type DockerfileModel } from '../dockerfile/model.ts';
import type { FixtureConfig } from '../target/fixture.ts';
import type { Workspace } from '../target/workspace.ts';
import { parseRef, referencedBlobs } from '../registry/client.ts';
import type { RemoteSession } from '../registry/remote.ts';
import type { CiCache } from '../network/ci-cache.ts';
import type { Cell } from '../plan.ts';
import { writeResults } from '../results/io.ts';
import { rawLogName } from '../results/rephase.ts';
import type { Progress } from '../progress.ts';
import { slug } from '../paths.ts';
import { UsageError } from '../errors.ts';
import type { RunOptions } from '../options.ts';
import type { BuildRecord, Results } from '../results/types.ts';

export const VERSION = '0.1.0';

export interface RunnerHooks {
  progress?: Progress;
  signal?: AbortSignal;
  /** Called after results.json is written (tests use it to interrupt at a known point). */
  onPersist?: (results: Results) => void;
  /** Called after each successful measured build while its image still exists (tests run it). */
  onBuilt?: (cell: Cell, repetition: number, imageRef: string) => Promise<void>;
}

export interface Context {
  engine: Engine;
  opts: RunOptions;
  fixture: FixtureConfig;
  ws: Workspace;
  buildArgs: Record<string, string>;
  buildContexts: Record<string, string>;
  results: Results;
  stateDir: string;
  baseLayers: ReadonlySet<string>;
  remote: RemoteSession | undefined;
  /** `local` mode's CI cache service (restore before, save after a build). */
  ciCache: CiCache;
  progress: Progress;
  signal: AbortSignal | undefined;
  onPersist: ((r: Results) => void) | undefined;
  onBuilt: RunnerHooks['onBuilt'];
  engineRestarts: number;
  /** The next job's wipe, started when the last job finished with the engine (embedded engine); its lock is released when it ends. */
  earlyWipe?: EarlyWipe;
  /** The Dockerfile model of a checkout (parent or scenario commit), for each build's self-check. */
  modelOf: (root: string) => DockerfileModel;
}

/** Reads the Dockerfile of `root` as BuildKit will build it with this run's arguments and contexts. */
export function dockerfileModel(fixture: FixtureConfig, root: string, buildArgs: Record<string, string>, buildContexts: Record<string, string>): DockerfileModel {
  const file = path.join(root, fixture.context, fixture.dockerfile);
  try {
    return readDockerfile(readFileSync(file, 'utf8'), {
      buildArgs,
      ...(fixture.target ? { target: fixture.target } : {}),
      buildContexts: Object.keys(buildContexts),
      ...(fixture.platform ? { platform: fixture.platform } : {}),
    });
  } catch (err) {
    if (err instanceof DockerfileError) throw new UsageError(`${fixture.dockerfile}: ${err.message}`, 'fix the Dockerfile, or pass --target with one of its stage names');
    throw err;
  }
}

/** The one-line outcome of a build for the console, self-check included. */
export function outcome(rec: BuildRecord, ok: string): string {
  if (rec.status !== 'ok') return `FAILED: ${rec.error?.message.split('\n')[0] ?? ''}`;
  const findings = rec.explain?.findings.length ? ` — CACHE FINDING: ${rec.explain.findings.join(' | ')}` : '';
  return (rec.check && !rec.check.ok ? `${ok} — SELF-CHECK FAILED: ${rec.check.problems.join(' | ')}` : ok) + findings;
}

/**
 * Keeps a build's raw progress stream as `logs/NAME.rawjson.gz` next to results.json
 * (for debugging and for re-analysis); called after the measured window. Best effort.
 */
export function keepRawLog(ctx: Context, name: string, raw: string | undefined): void {
  if (!raw) return;
  try {
    const dir = path.join(ctx.opts.outDir, 'logs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, rawLogName(name)), gzipSync(raw));
  } catch {
    /* the log is a convenience; results.json is what must not be lost */
  }
}

export function repoFor(ctx: Context, name: string): string {
  return `${ctx.engine.registry}/cachebench/${ctx.results.runId}/${slug(ctx.fixture.name)}-${slug(name)}`;
}

/**
 * The ref `kind` (parent, cache, build, …) of the state `name`: its own repository in the
 * run's local registry, or a `RUNID-…` tag in the one repository of a remote registry.
 */
export function refFor(ctx: Context, name: string, kind: string): string {
  if (ctx.remote) return ctx.remote.ref(`${slug(ctx.fixture.name)}-${slug(name)}-${kind}`);
  return `${repoFor(ctx, name)}:${kind}`;
}

export function persist(ctx: Context): void {
  writeResults(ctx.opts.outDir, ctx.results);
  ctx.onPersist?.(ctx.results);
}

export function phaseLabel(name: string): string {
  const k = classify(name).kind;
  return k === 'instruction' ? `build: ${name.replace(/^\[[^\]]*\]\s*/, '').slice(0, 50)}` : k === 'internal' ? 'setup' : k;
}

export async function blobSet(ref: string): Promise<Map<string, number>> {
  const r = parseRef(ref);
  try {
    return await referencedBlobs(r.registry, r.repository, r.tag);
  } catch {
    return new Map();
  }
}

/** Restarts the embedded engine or registry if either stopped answering; true if it did. */
export async function reviveEngine(ctx: Context, when: string): Promise<boolean> {
  const st = await embeddedStatus();
  if (st.ready) return false;
  ctx.progress.log(`the embedded engine or registry stopped answering ${when} (dockerd ${st.dockerd ? 'running' : 'gone'}, registry ${st.registry ? 'running' : 'gone'}): restarting it`);
  await startEmbedded();
  ctx.engineRestarts++;
  return true;
}

/**
 * Before each build: take the engine lock (embedded engine: a reset wipes everything),
 * make sure the engine and registry answer, and run `setup` (copy the job's starting
 * state, make the builder fresh). An engine or registry that dies before or during the
 * setup is restarted and the setup retried once; the lock is released on failure.
 * `setup` learns whether a restart came first: work it began before then is void.
 */
export async function prepareBuild(ctx: Context, setup: (restarted: boolean) => Promise<FreshBuilder>): Promise<{ lock: EngineLock | undefined; fresh: FreshBuilder }> {
  if (ctx.engine.kind !== 'embedded') return { lock: undefined, fresh: await setup(false) };
  await settleEngine(ctx);
  const lock = await lockEngine({
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onWait: (pid) => ctx.progress.log(`waiting for another cachebench run (pid ${pid.trim()}) to finish its build on the shared engine`),
  });
  try {
    const restarted = await reviveEngine(ctx, 'before the next build');
    try {
      return { lock, fresh: await setup(restarted) };
    } catch (err) {
      if (!(await reviveEngine(ctx, `while preparing the build (${(err as Error).message.split('\n')[0]})`))) throw err;
      return { lock, fresh: await setup(true) };
    }
  } catch (err) {
    lock.release();
    throw err;
  }
}

/**
 * A job has finished with the engine (its history record read): on the embedded engine
 * made fresh by cachebench, the next job's wipe starts now, alongside this job's registry
 * bookkeeping and the next job's starting state.
 */
export function endEngineUse(ctx: Context): void {
  if (ctx.engine.kind === 'embedded' && !ctx.opts.builder && !ctx.earlyWipe) ctx.earlyWipe = startEarlyWipe(ctx.engine);
}

/** Releases a job's engine lock; after an early wipe, only once the wipe has ended (the engine is not handed over half-wiped). */
export function releaseEngine(ctx: Context, lock: EngineLock | undefined): void {
  if (!lock) return;
  const early = ctx.earlyWipe;
  if (!early) return lock.release();
  ctx.earlyWipe = {
    done: early.done.then((d) => {
      lock.release();
      return d;
    }),
  };
}

/** Waits for an early wipe that is still running: before the engine is locked, used, or left. */
export async function settleEngine(ctx: Context): Promise<void> {
  await ctx.earlyWipe?.done;
}

/** The early wipe a job's fresh builder waits for (taken once: a retried setup wipes in full). */
export function takeEarlyWipe(ctx: Context): EarlyWipe | undefined {
  const early = ctx.earlyWipe;
  delete ctx.earlyWipe;
  return early;
}

/**
 * Builds the checkout at `root` as the run builds everything (its args, contexts, target,
 * platform; the image pushed to `tag`), checked against that checkout's Dockerfile; the
 * raw progress stream goes to `onRaw` once the build has ended.
 */
export function buildCheckout(ctx: Context, root: string, tag: string, cache: { cacheFrom?: string[]; cacheTo?: string[] }, builder: string | undefined, onRaw: (raw: string) => void): Promise<BuildRecord> {
  const request: BuildRequest = {
    context: path.join(root, ctx.fixture.context),
    dockerfile: path.join(root, ctx.fixture.context, ctx.fixture.dockerfile),
    ...(ctx.fixture.target ? { target: ctx.fixture.target } : {}),
    ...(ctx.fixture.platform ? { platform: ctx.fixture.platform } : {}),
    buildArgs: ctx.buildArgs,
    buildContexts: ctx.buildContexts,
    tags: [tag],
    push: true,
    ...cache,
    ...(builder ? { builder } : {}),
  };
  return runBuild(ctx.engine, request, { onVertex: (v) => ctx.progress.setPhase(phaseLabel(v.name)), onRaw, baseLayers: ctx.baseLayers, model: ctx.modelOf(root), ...(ctx.signal ? { signal: ctx.signal } : {}) });
}

/**
 * A failed build on the embedded engine whose engine or registry died under it failed for
 * the harness's reason, not the build's: the engine is restarted and the build done once
 * more on a fresh builder (as a CI system retries a job whose runner died).
 */
export async function withEngineRetry<T extends BuildRecord>(ctx: Context, build: () => Promise<T>): Promise<T> {
  const first = await build();
  if (first.status === 'ok' || ctx.engine.kind !== 'embedded' || ctx.signal?.aborted) return first;
  const why = first.error?.message.split('\n')[0]?.slice(0, 120) ?? '';
  return (await reviveEngine(ctx, `during the build (${why})`)) ? build() : first;
}

export function sum(m: Map<string, number>): number {
  let t = 0;
  for (const v of m.values()) t += v;
  return t;
}
