/**
 * The benchmark lifecycle. For each cache mode: a seed build of the parent commit on a
 * fresh builder (the cache a CI job inherits). For each cell (scenario × mode) and
 * repetition: restore exactly the seed's cache state into a repository of its own,
 * make the builder fresh, and measure the scenario commit's build with the mode's
 * --cache-from/--cache-to and an image push: everything a CI job pays. Results are
 * written after every build; `--resume` skips what is already on disk.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Bench } from 'tinybench';
import { docker, engineInfo, hostFacts, type Engine } from './engine/index.ts';
import { freshBuilder, type FreshBuilder } from './engine/fresh.ts';
import { lockEngine, type EngineLock } from './engine/lock.ts';
import { embeddedStatus, startEmbedded } from './engine/embedded.ts';
import { addBuildkitDuration, runBuild } from './buildx/run.ts';
import { classify } from './buildx/record.ts';
import { cacheMode, type CacheLocation, type CacheMode } from './cache-modes.ts';
import type { FixtureConfig } from './fixture.ts';
import { loadTarget, type Target } from './target.ts';
import { networkProfile } from './network/link.ts';
import { openRegistryLink } from './network/registry-link.ts';
import { loadScenarios } from '../scenarios/index.ts';
import { createWorkspace, type Workspace } from './workspace.ts';
import { ensureBaseImage } from './base-images.ts';
import { copyRef, deleteRef, parseRef, referencedBlobs } from './registry.ts';
import { openRemote, type RemoteSession } from './remote-registry.ts';
import { makePlan, planId, shardPlan, type Cell, type Plan } from './plan.ts';
import { computeOverhead, readResults, writeResults, RESULTS_FILE } from './results.ts';
import { median, summarizeSamples } from './stats.ts';
import { phaseMediansOf, rawLogName } from './rephase.ts';
import { Progress, fmtMs } from './progress.ts';
import { run } from './proc.ts';
import { cacheHome, slug } from './paths.ts';
import { CachebenchError, UsageError } from './errors.ts';
import type { RunOptions } from './options.ts';
import type { BuildRecord, CellResult, Phases, Results, RunRecord, SeedRecord, Stats } from './types.ts';

export const VERSION = '0.1.0';

export interface RunnerHooks {
  progress?: Progress;
  signal?: AbortSignal;
  /** Called after results.json is written (tests use it to interrupt at a known point). */
  onPersist?: (results: Results) => void;
  /** Called after each successful measured build while its image still exists (tests run it). */
  onBuilt?: (cell: Cell, repetition: number, imageRef: string) => Promise<void>;
}

interface Context {
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
  progress: Progress;
  signal: AbortSignal | undefined;
  onPersist: ((r: Results) => void) | undefined;
  onBuilt: RunnerHooks['onBuilt'];
  engineRestarts: number;
}

/**
 * Keeps a build's raw progress stream as `logs/NAME.rawjson.gz` next to results.json
 * (for debugging and for re-analysis); called after the measured window. Best effort.
 */
function keepRawLog(ctx: Context, name: string, raw: string | undefined): void {
  if (!raw) return;
  try {
    const dir = path.join(ctx.opts.outDir, 'logs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, rawLogName(name)), gzipSync(raw));
  } catch {
    /* the log is a convenience; results.json is what must not be lost */
  }
}

function repoFor(ctx: Context, name: string): string {
  return `${ctx.engine.registry}/cachebench/${ctx.results.runId}/${slug(ctx.fixture.name)}-${slug(name)}`;
}

/**
 * The ref `kind` (parent, cache, build, …) of the state `name`: its own repository in the
 * run's local registry, or a `RUNID-…` tag in the one repository of a remote registry.
 */
function refFor(ctx: Context, name: string, kind: string): string {
  if (ctx.remote) return ctx.remote.ref(`${slug(ctx.fixture.name)}-${slug(name)}-${kind}`);
  return `${repoFor(ctx, name)}:${kind}`;
}

function persist(ctx: Context): void {
  writeResults(ctx.opts.outDir, ctx.results);
  ctx.onPersist?.(ctx.results);
}

function phaseLabel(name: string): string {
  const k = classify(name).kind;
  return k === 'instruction' ? `build: ${name.replace(/^\[[^\]]*\]\s*/, '').slice(0, 50)}` : k === 'internal' ? 'setup' : k;
}

async function blobSet(ref: string): Promise<Map<string, number>> {
  const r = parseRef(ref);
  try {
    return await referencedBlobs(r.registry, r.repository, r.tag);
  } catch {
    return new Map();
  }
}

/** Restarts the embedded engine or registry if either stopped answering; true if it did. */
async function reviveEngine(ctx: Context, when: string): Promise<boolean> {
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
 */
async function prepareBuild(ctx: Context, setup: () => Promise<FreshBuilder>): Promise<{ lock: EngineLock | undefined; fresh: FreshBuilder }> {
  if (ctx.engine.kind !== 'embedded') return { lock: undefined, fresh: await setup() };
  const lock = await lockEngine({
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onWait: (pid) => ctx.progress.log(`waiting for another cachebench run (pid ${pid.trim()}) to finish its build on the shared engine`),
  });
  try {
    await reviveEngine(ctx, 'before the next build');
    try {
      return { lock, fresh: await setup() };
    } catch (err) {
      if (!(await reviveEngine(ctx, `while preparing the build (${(err as Error).message.split('\n')[0]})`))) throw err;
      return { lock, fresh: await setup() };
    }
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** The parent commit's build under `mode`, exporting the cache every cell of that mode starts from. */
async function seed(ctx: Context, mode: CacheMode): Promise<SeedRecord> {
  const prior = ctx.results.seeds[mode.name];
  const imageRef = refFor(ctx, `seed-${mode.name}`, 'parent');
  const cacheRef = mode.storage === 'registry' ? refFor(ctx, `seed-${mode.name}`, 'cache') : undefined;
  const cacheArchive = mode.storage === 'local' ? path.join(ctx.stateDir, `seed-${slug(mode.name)}.tar`) : undefined;
  if (prior?.status === 'ok') {
    const still = (await blobSet(imageRef)).size > 0 && (!cacheRef || (await blobSet(cacheRef)).size > 0) && (!cacheArchive || existsSync(cacheArchive));
    if (still) {
      ctx.progress.skip();
      return prior;
    }
  }
  ctx.progress.begin(`seed ${mode.name} (parent commit)`);
  const { lock, fresh } = await prepareBuild(ctx, () => freshBuilder(ctx.engine, `cachebench-${ctx.results.runId}`, ctx.opts.builder));
  const localDir = cacheArchive ? path.join(ctx.stateDir, `seed-${slug(mode.name)}-dir`) : undefined;
  const to: CacheLocation = { ...(cacheRef ? { ref: cacheRef } : {}), ...(localDir ? { dir: localDir } : {}) };
  let raw: string | undefined;
  try {
    const started = performance.now();
    const rec = await runBuild(
      ctx.engine,
      {
        context: path.join(ctx.ws.parentDir, ctx.fixture.context),
        dockerfile: path.join(ctx.ws.parentDir, ctx.fixture.context, ctx.fixture.dockerfile),
        ...(ctx.fixture.target ? { target: ctx.fixture.target } : {}),
        ...(ctx.fixture.platform ? { platform: ctx.fixture.platform } : {}),
        buildArgs: ctx.buildArgs,
        buildContexts: ctx.buildContexts,
        tags: [imageRef],
        push: true,
        cacheTo: mode.cacheTo(to),
        ...(fresh.builder ? { builder: fresh.builder } : {}),
      },
      { onVertex: (v) => ctx.progress.setPhase(phaseLabel(v.name)), onRaw: (r) => (raw = r), baseLayers: ctx.baseLayers, ...(ctx.signal ? { signal: ctx.signal } : {}) },
    );
    if (localDir && rec.status === 'ok') {
      const t = performance.now();
      await run('tar', ['-cf', cacheArchive as string, '-C', localDir, '.'], { what: 'archiving the seed local cache' });
      rec.phases['cache-save'] = performance.now() - t;
      rmSync(localDir, { recursive: true, force: true });
    }
    rec.wallMs = performance.now() - started;
    keepRawLog(ctx, `seed-${mode.name}`, raw);
    await addBuildkitDuration(ctx.engine, rec);
    if (rec.status === 'ok') {
      rec.cacheBytes = cacheRef ? sum(await blobSet(cacheRef)) : cacheArchive ? statSync(cacheArchive).size : mode.storage === 'image' ? sum(await blobSet(imageRef)) : 0;
    }
    const s: SeedRecord = { ...rec, mode: mode.name, imageRef, ...(cacheRef ? { cacheRef } : {}), ...(cacheArchive ? { cacheArchive } : {}) };
    ctx.results.seeds[mode.name] = s;
    persist(ctx);
    ctx.progress.end(rec.status === 'ok' ? `ok, ${rec.cachedSteps}/${rec.totalSteps} cached` : `FAILED: ${rec.error?.message ?? ''}`);
    return s;
  } finally {
    await fresh.dispose();
    lock?.release();
  }
}

function sum(m: Map<string, number>): number {
  let t = 0;
  for (const v of m.values()) t += v;
  return t;
}

/** One measured build: a CI job on a fresh runner for `cell`'s scenario commit. */
async function measure(ctx: Context, cell: Cell, mode: CacheMode, s: SeedRecord, repetition: number): Promise<RunRecord> {
  const checkout = ctx.ws.checkouts.get(cell.scenario);
  if (!checkout) throw new CachebenchError(`no checkout for scenario ${cell.scenario}`);
  const name = `${cell.scenario}-${mode.name}-r${repetition}`;
  // On a remote registry the job reads the seed's tags in the shared repository directly.
  const refs = {
    parent: ctx.remote ? s.imageRef : refFor(ctx, name, 'parent'),
    cache: ctx.remote && s.cacheRef ? s.cacheRef : refFor(ctx, name, 'cache'),
    build: refFor(ctx, name, 'build'),
    cacheOut: refFor(ctx, name, 'cache-new'),
  };
  // The CI job's starting state, copied from the seed without moving bytes: the parent
  // image in the app's repository, and the parent's cache (registry modes).
  let before = new Map<string, number>();
  const { lock, fresh } = await prepareBuild(ctx, async () => {
    if (!ctx.remote) {
      await copyRef(s.imageRef, refs.parent);
      if (s.cacheRef) await copyRef(s.cacheRef, refs.cache);
    }
    before = new Map([...(await blobSet(refs.parent)), ...(s.cacheRef ? await blobSet(refs.cache) : [])]);
    return freshBuilder(ctx.engine, `cachebench-${ctx.results.runId}`, ctx.opts.builder);
  });
  const jobDir = path.join(ctx.stateDir, `job-${slug(cell.id)}-r${repetition}`);
  const startedAt = new Date().toISOString();
  const extraPhases: Phases = {};
  let rec: BuildRecord;
  let raw: string | undefined;
  const t0 = performance.now();
  try {
    const from: CacheLocation = {};
    const to: CacheLocation = {};
    if (mode.storage === 'registry') {
      from.ref = refs.cache;
      to.ref = refs.cacheOut;
    } else if (mode.storage === 'image') {
      from.ref = refs.parent;
      to.ref = refs.build;
    } else if (mode.storage === 'local') {
      // A CI cache step: the archive is restored before the build and saved after it.
      const t = performance.now();
      mkdirSync(path.join(jobDir, 'restored'), { recursive: true });
      await run('tar', ['-xf', s.cacheArchive as string, '-C', path.join(jobDir, 'restored')], { what: 'restoring the local cache archive' });
      extraPhases['cache-restore'] = performance.now() - t;
      from.dir = path.join(jobDir, 'restored');
      to.dir = path.join(jobDir, 'new');
    }
    rec = await runBuild(
      ctx.engine,
      {
        context: path.join(checkout.dir, ctx.fixture.context),
        dockerfile: path.join(checkout.dir, ctx.fixture.context, ctx.fixture.dockerfile),
        ...(ctx.fixture.target ? { target: ctx.fixture.target } : {}),
        ...(ctx.fixture.platform ? { platform: ctx.fixture.platform } : {}),
        buildArgs: ctx.buildArgs,
        buildContexts: ctx.buildContexts,
        tags: [refs.build],
        push: true,
        cacheFrom: mode.cacheFrom(from),
        cacheTo: mode.cacheTo(to),
        ...(fresh.builder ? { builder: fresh.builder } : {}),
      },
      { onVertex: (v) => ctx.progress.setPhase(phaseLabel(v.name)), onRaw: (r) => (raw = r), baseLayers: ctx.baseLayers, ...(ctx.signal ? { signal: ctx.signal } : {}) },
    );
    if (mode.storage === 'local' && rec.status === 'ok') {
      const t = performance.now();
      await run('tar', ['-cf', path.join(jobDir, 'saved.tar'), '-C', path.join(jobDir, 'new'), '.'], { what: 'saving the local cache archive' });
      extraPhases['cache-save'] = performance.now() - t;
    }
    const wallMs = performance.now() - t0;
    rec.wallMs = wallMs;
    keepRawLog(ctx, `${cell.id}-r${repetition}`, raw);
    await addBuildkitDuration(ctx.engine, rec);
    rec.phases = { ...extraPhases, ...rec.phases };
    if (rec.status === 'ok') {
      const after = new Map([...(await blobSet(refs.build)), ...(mode.storage === 'registry' ? await blobSet(refs.cacheOut) : [])]);
      let pushed = 0;
      for (const [d, size] of after) if (!before.has(d)) pushed += size;
      rec.bytesPushed = pushed;
      rec.cacheBytes =
        mode.storage === 'registry' ? sum(await blobSet(refs.cacheOut))
        : mode.storage === 'local' ? statSync(path.join(jobDir, 'saved.tar')).size
        : mode.storage === 'image' ? sum(await blobSet(refs.build))
        : 0;
      if (ctx.onBuilt) await ctx.onBuilt(cell, repetition, refs.build);
    }
  } finally {
    rmSync(jobDir, { recursive: true, force: true });
    await fresh.dispose();
    lock?.release();
    // (A remote run's tags may share digests with the seed's; they go at the end of the run.)
    if (!ctx.remote) for (const r of Object.values(refs)) await deleteRef(r).catch(() => undefined);
  }
  return { ...rec, repetition, startedAt, resetMs: fresh.resetMs };
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

/** `ARG NAME=default` in a Dockerfile. */
export function argDefault(dockerfile: string, name: string): string | undefined {
  const m = new RegExp(`^\\s*ARG\\s+${name}=(\\S+)`, 'mi').exec(dockerfile);
  return m?.[1]?.replace(/^["']|["']$/g, '');
}

/**
 * Official base images or local equivalents? CACHEBENCH_BASE_IMAGES=official|local|auto;
 * auto: a system engine is assumed to reach the official registries, the embedded engine
 * (a machine with no outside registry) uses local recipes. No outside host is probed.
 */
export function useOfficialImages(engine: Engine): boolean {
  const policy = process.env.CACHEBENCH_BASE_IMAGES ?? 'auto';
  if (!['official', 'local', 'auto'].includes(policy)) {
    throw new UsageError(`CACHEBENCH_BASE_IMAGES=${policy} is not valid`, 'use official, local or auto');
  }
  return policy === 'official' || (policy === 'auto' && engine.kind === 'system');
}

async function remoteDigest(engine: Engine, image: string): Promise<string> {
  const r = await docker(engine, ['buildx', 'imagetools', 'inspect', '--raw', image], { reject: false, timeoutMs: 60_000 });
  if (r.exitCode !== 0) {
    throw new CachebenchError(`cannot resolve the base image ${image}: ${r.stderr.split('\n')[0] ?? ''}`, {
      hint: 'set CACHEBENCH_BASE_IMAGES=local to build local equivalents instead',
    });
  }
  return `sha256:${createHash('sha256').update(r.stdout).digest('hex')}`;
}

export async function runBenchmark(engine: Engine, opts: RunOptions, hooks: RunnerHooks = {}, preloaded?: FixtureConfig): Promise<Results> {
  let target: Target | undefined;
  if (!preloaded) target = await loadTarget(opts, (s) => hooks.progress?.log(s));
  const fixture = preloaded ?? (target as Target).fixture;
  try {
    return await runWith(engine, opts, hooks, fixture);
  } finally {
    target?.cleanup();
  }
}

async function runWith(engineIn: Engine, opts: RunOptions, hooks: RunnerHooks, fixture: FixtureConfig): Promise<Results> {
  let engine = engineIn;
  const all = await loadScenarios();
  const scenarios = opts.scenarios.map((n) => {
    const s = all.get(n);
    if (!s) throw new UsageError(`unknown scenario "${n}"`, `valid scenarios: ${[...all.keys()].join(', ')}`);
    return s;
  });
  opts.modes.forEach(cacheMode);
  const fullPlan: Plan = makePlan(fixture.name, opts.scenarios, opts.modes, opts.repetitions);
  const plan = shardPlan(fullPlan, opts.shard);
  const id = planId(fullPlan) + (opts.shard ? `|shard ${opts.shard.index}/${opts.shard.count}` : '');
  const modes = plan.modes.map(cacheMode);
  let results: Results | undefined;
  if (existsSync(path.join(opts.outDir, RESULTS_FILE))) {
    if (!opts.resume) throw new UsageError(`${opts.outDir} already holds a results.json`, 'continue it with --resume, or choose another --out');
    results = readResults(opts.outDir);
    if (results.planId !== id) {
      throw new UsageError(`--resume: ${opts.outDir} holds a different plan (${results.planId}), not ${id}`, 'resume with the same --fixture, --scenarios, --modes and --repetitions, or choose another --out');
    }
  }
  const progress = hooks.progress ?? new Progress(0);
  progress.total = modes.length + plan.cells.length * plan.repetitions;

  progress.log(`preparing: throwaway clone of ${fixture.name} and ${scenarios.length} scenario commits`);
  const ws = await createWorkspace(fixture, scenarios);
  const runId = results?.runId ?? `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
  // The run's registry: local, behind a shaped link as a remote registry would be, or a
  // real remote one (--registry).
  const profile = networkProfile(opts.networkProfile);
  let remote: RemoteSession | undefined;
  try {
    if (opts.registry) remote = await openRemote(opts.registry, engine, runId, (s) => progress.log(s));
  } catch (err) {
    ws.cleanup();
    throw err;
  }
  let net;
  try {
    net = await openRegistryLink(profile, engine.registry, `r${runId.slice(-6)}`, (s) => progress.log(s));
  } catch (err) {
    remote?.dispose();
    ws.cleanup();
    throw err;
  }
  engine = { ...(remote?.engine ?? engine), registry: net.address };
  const stateDir = path.join(cacheHome(), 'runs', runId);
  mkdirSync(stateDir, { recursive: true });
  try {
    const buildArgs = { ...fixture.buildArgs };
    const buildContexts: Record<string, string> = {};
    const baseImages: Results['environment']['baseImages'] = {};
    // A local base-image recipe, built into the local registry; on a remote registry copied
    // into the run's tags there, so that every build pulls it over the real network.
    const baseImage = async (recipe: string): Promise<{ ref: string; digest: string }> => {
      const img = await ensureBaseImage(engine, recipe, (s) => progress.log(s));
      if (img.buildMs > 0) progress.log(`base image ${recipe}: built in ${fmtMs(img.buildMs)} → ${img.ref}`);
      if (!remote) return img;
      const t = performance.now();
      const ref = await remote.copyIn(img.ref, `base-${slug(recipe)}`);
      progress.log(`base image ${recipe}: copied to ${ref} in ${fmtMs(performance.now() - t)}`);
      return { ref, digest: img.digest };
    };
    for (const [image, recipe] of Object.entries(fixture.imageMap)) {
      const img = await baseImage(recipe);
      // The Dockerfile's FROM image is served from the registry, the file unchanged.
      buildContexts[image] = `docker-image://${img.ref}`;
      baseImages[image] = { ref: img.ref, digest: img.digest };
    }
    const dockerfileText = readFileSync(path.join(fixture.dir, fixture.context, fixture.dockerfile), 'utf8');
    for (const [arg, recipe] of Object.entries(fixture.baseImages)) {
      const official = argDefault(dockerfileText, arg);
      if (official && useOfficialImages(engine)) {
        // The Dockerfile's own default (e.g. the official .NET image), pulled as a CI runner would.
        baseImages[arg] = { ref: official, digest: await remoteDigest(engine, official) };
        continue;
      }
      const img = await baseImage(recipe);
      buildArgs[arg] = img.ref;
      baseImages[arg] = { ref: img.ref, digest: img.digest };
    }
    // Layers of the base images in the run's registry, to tell base pulls from cache imports.
    const baseLayers = new Set<string>();
    for (const { ref } of Object.values(baseImages)) {
      if (!ref.startsWith(`${engine.registry}/`) && !(remote && ref.startsWith(`${remote.registry.host}/`))) continue;
      for (const d of (await blobSet(ref)).keys()) baseLayers.add(d);
    }
    const info = await engineInfo(engine);
    const host = hostFacts();
    if (results) {
      for (const [k, v] of Object.entries(baseImages)) {
        if (results.environment.baseImages[k]?.digest !== v.digest) {
          throw new UsageError(`--resume: base image ${k} changed since the run started (${results.environment.baseImages[k]?.digest} → ${v.digest})`, 'start a new run');
        }
      }
      results.status = 'running';
    } else {
      results = {
        schemaVersion: 1,
        runId,
        planId: id,
        plan: {
          fixture: fixture.name,
          scenarios: fullPlan.scenarios,
          modes: fullPlan.modes,
          repetitions: plan.repetitions,
          profile: opts.profile,
          commitMix: opts.mix,
          ...(opts.shard ? { shard: opts.shard, allCells: fullPlan.cells.map((c) => c.id) } : {}),
        },
        environment: {
          engineKind: engine.kind,
          dockerVersion: info.dockerVersion,
          buildxVersion: info.buildxVersion,
          containerdVersion: info.containerdVersion,
          ...(info.buildkitVersion ? { buildkitVersion: info.buildkitVersion } : {}),
          cpus: host.cpus,
          memoryBytes: host.memoryBytes,
          os: host.os,
          node: process.version,
          fixture: fixture.name,
          ...(ws.sourceCommit ? { fixtureCommit: ws.sourceCommit } : {}),
          parentCommit: ws.parentCommit,
          baseImages,
          ...(baseLayers.size ? { baseLayers: [...baseLayers].sort() } : {}),
          registry: remote ? `${remote.registry.host}/${remote.registry.repository}` : engine.registry,
          networkProfile: remote ? 'remote' : profile.name,
          ...(remote
            ? {}
            : {
                network: {
                  rateMbit: profile.rateMbit,
                  rttMs: profile.rttMs,
                  description: profile.description,
                  ...(net.measured ? { measuredMbit: net.measured.throughputMbit, measuredRttMs: net.measured.rttMs } : {}),
                },
              }),
          startedAt: new Date().toISOString(),
          cachebenchVersion: VERSION,
        },
        seeds: {},
        cells: plan.cells.map((c) => ({ id: c.id, fixture: c.fixture, scenario: c.scenario, mode: c.mode, runs: [], warnings: [] })),
        status: 'running',
      };
    }
    const ctx: Context = { engine, opts, fixture, ws, buildArgs, buildContexts, baseLayers, remote, results, stateDir, progress, signal: hooks.signal, onPersist: hooks.onPersist, onBuilt: hooks.onBuilt, engineRestarts: 0 };
    persist(ctx);

    for (const mode of modes) {
      const s = await seed(ctx, mode);
      const cellsOfMode = plan.cells.filter((c) => c.mode === mode.name);
      if (s.status !== 'ok') {
        if (opts.failFast) throw new CachebenchError(`the seed build for ${mode.name} failed: ${s.error?.message ?? ''}`, { hint: 'see results.json; fix the build, then --resume' });
        for (const c of cellsOfMode) {
          const cr = results.cells.find((x) => x.id === c.id) as CellResult;
          cr.warnings = [`not measured: the seed build of the parent commit failed (${s.error?.message ?? ''})`];
          for (let i = 0; i < plan.repetitions; i++) progress.skip();
        }
        persist(ctx);
        continue;
      }
      for (const cell of cellsOfMode) {
        const cr = results.cells.find((x) => x.id === cell.id) as CellResult;
        let repetition = 0;
        const bench = new Bench({ name: cell.id, iterations: plan.repetitions, time: 0, warmup: false, throws: true, retainSamples: true });
        bench.add(cell.id, async () => {
          repetition++;
          const existing = cr.runs.find((r) => r.repetition === repetition);
          if (existing) {
            progress.skip();
            return { overriddenDuration: existing.wallMs };
          }
          if (hooks.signal?.aborted) throw new CachebenchError('interrupted');
          progress.begin(`${cell.scenario} × ${mode.name} #${repetition}`);
          const run = await measure(ctx, cell, mode, s, repetition);
          if (hooks.signal?.aborted && run.status === 'failed') throw new CachebenchError('interrupted');
          cr.runs.push(run);
          cr.runs.sort((a, b) => a.repetition - b.repetition);
          cr.stats = cellStats(cr.runs, undefined);
          cr.phaseMedians = phaseMediansOf(cr.runs);
          cr.warnings = cellWarnings(cr);
          persist(ctx);
          progress.end(run.status === 'ok' ? `${fmtMs(run.wallMs)}, ${run.cachedSteps}/${run.totalSteps} steps cached` : `FAILED: ${run.error?.message.split('\n')[0] ?? ''}`);
          if (run.status === 'failed' && opts.failFast) {
            throw new CachebenchError(`build failed (${cell.id} #${repetition}): ${run.error?.message ?? ''}`, { hint: `log tail:\n${run.error?.logTail ?? ''}` });
          }
          return { overriddenDuration: run.wallMs };
        });
        await bench.run();
        cr.stats = cellStats(cr.runs, fromTinybench(bench, cr.runs));
        cr.phaseMedians = phaseMediansOf(cr.runs);
        cr.warnings = cellWarnings(cr);
        persist(ctx);
      }
      // The seed's registry state is no longer needed once its cells are measured.
    }
    results.overhead = computeOverhead(results);
    results.status = 'complete';
    results.environment.finishedAt = new Date().toISOString();
    persist(ctx);
    // (On a remote registry every tag of the run goes at the end, with a check for shared digests.)
    if (!remote) {
      for (const sd of Object.values(results.seeds)) {
        for (const r of [sd.imageRef, sd.cacheRef]) if (r) await deleteRef(r).catch(() => undefined);
      }
    }
    rmSync(stateDir, { recursive: true, force: true });
    return results;
  } catch (err) {
    if (results) {
      results.status = hooks.signal?.aborted ? 'interrupted' : 'failed';
      results.overhead = computeOverhead(results);
      try {
        writeResults(opts.outDir, results);
      } catch {
        /* the original error matters more */
      }
    }
    throw err;
  } finally {
    if (opts.keepWorkspace) progress.log(`workspace kept at ${ws.root}`);
    else ws.cleanup();
    await net.destroy();
    if (remote) await cleanupRemote(remote, results, opts.outDir, progress);
  }
}
