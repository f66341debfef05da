/**
 * Before the first build: the plan (and a resumed run's results), the throwaway clone and
 * its scenario commits, the run's registry behind its link (or a real remote one), the
 * base images (with the preflight), the environment record and results.json.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { engineInfo, hostFacts, type Engine } from '../engine/index.ts';
import { cacheMode } from '../cache-modes.ts';
import type { FixtureConfig } from '../target/fixture.ts';
import { createWorkspace } from '../target/workspace.ts';
import { networkProfile } from '../network/link.ts';
import { ciCacheProfile } from '../network/profiles.ts';
import { openCiCache, type CiCache } from '../network/ci-cache.ts';
import { openRegistryLink } from '../network/registry-link.ts';
import { loadScenarios } from '../../scenarios/index.ts';
import type { Scenario } from '../../scenarios/types.ts';
import { openRemote, type RemoteSession } from '../registry/remote.ts';
import { makePlan, planId, shardPlan, type Plan } from '../plan.ts';
import { readResults, RESULTS_FILE } from '../results/io.ts';
import { Progress } from '../progress.ts';
import { cacheHome } from '../paths.ts';
import { UsageError } from '../errors.ts';
import type { RunOptions } from '../options.ts';
import type { Results } from '../results/types.ts';
import { dockerfileModel, persist, type Context, type RunnerHooks } from './context.ts';
import type { DockerfileModel } from '../dockerfile/model.ts';

export type { Session } from './session.ts';
import { resolveBaseImages, type BaseImageSetup } from './base-images.ts';
import type { Session } from './session.ts';
import { newResults, resumeResults } from './new-results.ts';

async function scenariosOf(opts: RunOptions): Promise<Scenario[]> {
  const all = await loadScenarios();
  return opts.scenarios.map((n) => {
    const s = all.get(n);
    if (!s) throw new UsageError(`unknown scenario "${n}"`, `valid scenarios: ${[...all.keys()].join(', ')}`);
    return s;
  });
}

/** results.json of an interrupted run in --out, when it may be resumed. */
function resumable(opts: RunOptions, id: string): Results | undefined {
  if (!existsSync(path.join(opts.outDir, RESULTS_FILE))) return undefined;
  if (!opts.resume) throw new UsageError(`${opts.outDir} already holds a results.json`, 'continue it with --resume, or choose another --out');
  const results = readResults(opts.outDir);
  if (results.planId !== id) {
    throw new UsageError(`--resume: ${opts.outDir} holds a different plan (${results.planId}), not ${id}`, 'resume with the same --fixture, --scenarios, --modes and --repetitions, or choose another --out');
  }
  return results;
}

/** Validates the plan, then opens what the run holds; on failure nothing is left open. */
export async function openSession(engineIn: Engine, opts: RunOptions, hooks: RunnerHooks, fixture: FixtureConfig): Promise<Session> {
  const scenarios = await scenariosOf(opts);
  opts.modes.forEach(cacheMode);
  const fullPlan: Plan = makePlan(fixture.name, opts.scenarios, opts.modes, opts.repetitions);
  const plan = shardPlan(fullPlan, opts.shard);
  const a = opts.adaptive;
  const adaptive = a && a.maxRuns > a.minRuns ? `|max ${a.maxRuns}${a.targetRmePct !== undefined ? ` rme ${a.targetRmePct}%` : ''}` : '';
  const id = planId(fullPlan) + adaptive + (opts.shard ? `|shard ${opts.shard.index}/${opts.shard.count}` : '');
  const modes = plan.modes.map(cacheMode);
  const resumed = resumable(opts, id);
  const progress = hooks.progress ?? new Progress(0);
  progress.total = modes.length + plan.cells.length * plan.repetitions;

  progress.log(`preparing: throwaway clone of ${fixture.name} and ${scenarios.length} scenario commits`);
  const ws = await createWorkspace(fixture, scenarios);
  const runId = resumed?.runId ?? `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
  // The run's registry: local, behind a shaped link as a remote registry would be, or a
  // real remote one (--registry).
  const profile = networkProfile(opts.networkProfile);
  let remote: RemoteSession | undefined;
  let net: Session['net'] | undefined;
  let ciCache: CiCache;
  const stateDir = path.join(cacheHome(), 'runs', runId);
  mkdirSync(stateDir, { recursive: true });
  try {
    if (opts.registry) remote = await openRemote(opts.registry, engineIn, runId, (s) => progress.log(s));
    net = await openRegistryLink(profile, engineIn.registry, `r${runId.slice(-6)}`, (s) => progress.log(s));
    // Only `local` mode uses the CI cache; the others do not open its link.
    const cacheProfile = ciCacheProfile(modes.some((m) => m.storage === 'local') ? opts.ciCacheProfile : 'loopback');
    ciCache = await openCiCache(cacheProfile, path.join(stateDir, 'ci-cache'), `c${runId.slice(-6)}`, (s) => progress.log(s));
  } catch (err) {
    await net?.destroy();
    remote?.dispose();
    ws.cleanup();
    throw err;
  }
  const engine = { ...(remote?.engine ?? engineIn), registry: net.address };
  return { engine, opts, hooks, fixture, fullPlan, plan, planId: id, modes, resumed, progress, ws, runId, profile, remote, net, ciCache, stateDir };
}

/** Base images, the environment and results.json: the context every build of the run shares. */
export async function setUp(s: Session): Promise<Context> {
  const images: BaseImageSetup = await resolveBaseImages(s);
  const info = await engineInfo(s.engine);
  const results = s.resumed ? resumeResults(s.resumed, images.baseImages, s.ciCache) : newResults(s, images, info, hostFacts());
  const { buildArgs, buildContexts } = images;
  // A checkout's Dockerfile does not change during the run: read each once (self-check and explanation share it).
  const models = new Map<string, DockerfileModel>();
  const modelOf = (root: string): DockerfileModel => {
    let m = models.get(root);
    if (!m) models.set(root, (m = dockerfileModel(s.fixture, root, buildArgs, buildContexts)));
    return m;
  };
  modelOf(s.ws.parentDir);
  const { engine, opts, fixture, ws, remote, stateDir, progress, hooks, ciCache } = s;
  const ctx: Context = { engine, opts, fixture, ws, buildArgs, buildContexts, baseLayers: images.baseLayers, remote, ciCache, results, stateDir, progress, signal: hooks.signal, onPersist: hooks.onPersist, onBuilt: hooks.onBuilt, engineRestarts: 0, modelOf };
  persist(ctx);
  return ctx;
}
