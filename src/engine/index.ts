/**
 * The engine a benchmark runs on: detected (a reachable system Docker engine with buildx)
 * or the embedded one (provisioned and started here). Everything else talks to docker
 * through `Engine.env` and never assumes which kind it is.
 */
import os from 'node:os';
import path from 'node:path';
import { run, type CommandResult, type RunOptions } from '../proc.ts';
import { CachebenchError } from '../errors.ts';
import { embeddedEnv, embeddedStatus, layout, registryReady, startEmbedded, stopEmbedded } from './embedded.ts';
import { registryPort } from './registry-port.ts';
import { lockEngine, otherLiveUsers, registerUser, unregisterUser } from './lock.ts';
import { readProvisioned, versionAtLeast } from './provision.ts';

export type EngineKind = 'embedded' | 'system';

export interface EngineInfo {
  kind: EngineKind;
  dockerVersion: string;
  buildxVersion: string;
  containerdVersion: string;
  buildkitVersion?: string;
  /** containerd image store on: every cache backend works with the docker driver. */
  containerdStore: boolean;
  cacheBackends: string[];
  registry: string;
  registryReady: boolean;
}

export interface Engine {
  kind: EngineKind;
  env: Record<string, string>;
  registry: string;
  /** Whether this process started the embedded engine (and so should stop it). */
  startedHere: boolean;
  /** The docker CLI binary. */
  dockerBin: string;
}

export function docker(engine: Engine, args: string[], opts: RunOptions = {}): Promise<CommandResult> {
  return run(engine.dockerBin, args, { ...opts, env: { ...engine.env, ...opts.env } });
}

export type EngineChoice = 'auto' | 'embedded' | 'system';

export function engineChoice(): EngineChoice {
  const v = process.env.CACHEBENCH_ENGINE ?? 'auto';
  if (v === 'auto' || v === 'embedded' || v === 'system') return v;
  throw new CachebenchError(`CACHEBENCH_ENGINE=${v} is not valid`, { exitCode: 2, hint: 'use auto, embedded or system' });
}

/** A system engine is usable if the plain `docker` CLI reaches a daemon and has buildx. */
async function systemEngine(): Promise<Engine | undefined> {
  const probe = await run('docker', ['version', '--format', '{{.Server.Version}}'], { reject: false, timeoutMs: 5000 });
  if (probe.exitCode !== 0) return undefined;
  const bx = await run('docker', ['buildx', 'version'], { reject: false, timeoutMs: 5000 });
  if (bx.exitCode !== 0) return undefined;
  const address = `127.0.0.1:${registryPort()}`;
  return { kind: 'system', env: {}, registry: address, startedHere: false, dockerBin: 'docker' };
}

/**
 * Connects to an engine, starting the embedded one if needed (and `start` allows it).
 * With the system engine the local registry is still the embedded one's.
 */
export async function connectEngine(opts: { start: boolean; log?: (s: string) => void }): Promise<Engine> {
  const choice = engineChoice();
  if (choice !== 'embedded') {
    const sys = await systemEngine();
    if (sys) return sys;
    if (choice === 'system') {
      throw new CachebenchError('CACHEBENCH_ENGINE=system but no Docker engine with buildx answers', {
        exitCode: 2,
        hint: 'start Docker (check `docker version` and `docker buildx version`), or unset CACHEBENCH_ENGINE to use the embedded engine',
      });
    }
  }
  let status = await embeddedStatus();
  let startedHere = false;
  if (!status.ready) {
    if (!opts.start) {
      throw new CachebenchError('the embedded engine is not running', { exitCode: 2, hint: 'run `cachebench engine start`' });
    }
    // Two runs starting at once: one starts the engine, the other finds it running.
    const lock = await lockEngine({ name: 'engine-start' });
    try {
      status = await embeddedStatus();
      if (!status.ready) {
        await startEmbedded(opts.log);
        startedHere = true;
      }
    } finally {
      lock.release();
    }
  }
  registerUser();
  const l = layout(readProvisioned()?.binDir);
  return {
    kind: 'embedded',
    env: embeddedEnv(l),
    registry: status.registryAddress,
    startedHere,
    dockerBin: path.join(l.binDir, 'docker'),
  };
}

export async function engineInfo(engine: Engine): Promise<EngineInfo> {
  const ver = await docker(engine, ['version', '--format', '{{json .}}']);
  const v = JSON.parse(ver.stdout) as { Server?: { Version?: string; Components?: Array<{ Name: string; Version: string }> } };
  const components = v.Server?.Components ?? [];
  const containerdVersion = components.find((c) => c.Name.toLowerCase() === 'containerd')?.Version ?? 'unknown';
  const info = await docker(engine, ['info', '--format', '{{json .DriverStatus}}']);
  const containerdStore = info.stdout.includes('io.containerd.snapshotter');
  const bx = await docker(engine, ['buildx', 'version']);
  const buildxVersion = /v?(\d+\.\d+\.\d+)/.exec(bx.stdout)?.[1] ?? bx.stdout;
  const ls = await docker(engine, ['buildx', 'inspect'], { reject: false });
  const buildkitVersion = /BuildKit version:\s*(\S+)/.exec(ls.stdout)?.[1];
  return {
    kind: engine.kind,
    dockerVersion: v.Server?.Version ?? 'unknown',
    buildxVersion,
    containerdVersion,
    ...(buildkitVersion ? { buildkitVersion } : {}),
    containerdStore,
    cacheBackends: containerdStore ? ['inline', 'local', 'registry'] : ['inline'],
    registry: engine.registry,
    registryReady: await registryReady(engine.registry),
  };
}

export interface Problem {
  what: string;
  fix: string;
}

/** What stops a benchmark from running on this engine, each with its fix. */
export function problems(info: EngineInfo): Problem[] {
  const out: Problem[] = [];
  if (!versionAtLeast(info.buildxVersion, '0.19')) {
    out.push({ what: `buildx ${info.buildxVersion} is too old (needs >= 0.19 for build history and one-line rawjson)`, fix: 'upgrade docker-buildx, or use the embedded engine (CACHEBENCH_ENGINE=embedded)' });
  }
  if (!info.containerdStore) {
    out.push({ what: 'the containerd image store is off: only inline cache export works with the docker driver', fix: 'enable "features": {"containerd-snapshotter": true} in daemon.json, or use the embedded engine' });
  }
  if (!info.registryReady) {
    out.push({ what: `no registry answers on ${info.registry}`, fix: 'run `cachebench engine start` (it starts the local registry)' });
  }
  return out;
}

export function hostFacts(): { cpus: number; memoryBytes: number; os: string } {
  return { cpus: os.cpus().length, memoryBytes: os.totalmem(), os: `${os.type()} ${os.release()}` };
}

/**
 * Done with the engine: stop the embedded one if this process started it and no other
 * run is still using it.
 */
export async function releaseEngine(engine: Engine): Promise<void> {
  if (engine.kind !== 'embedded') return;
  unregisterUser();
  if (engine.startedHere && otherLiveUsers().length === 0) await stopEmbedded();
}

export interface BuilderInfo {
  name: string;
  driver: string;
  status: string;
  cacheBackends: string[];
  /** How cachebench makes this builder fresh before each measured build. */
  fresh: string;
  problem?: string;
}

/** What an existing buildx builder supports (doctor --builder). */
export async function builderInfo(engine: Engine, name: string, containerdStore: boolean): Promise<BuilderInfo> {
  const r = await docker(engine, ['buildx', 'inspect', name], { reject: false });
  if (r.exitCode !== 0) {
    return { name, driver: 'unknown', status: 'missing', cacheBackends: [], fresh: '-', problem: `no buildx builder named "${name}": ${r.stderr.split('\n')[0] ?? ''}` };
  }
  const driver = /Driver:\s*(\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
  const status = /Status:\s*(\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
  const all = ['inline', 'local', 'registry'];
  const cacheBackends = driver === 'docker' && !containerdStore ? ['inline'] : all;
  const fresh =
    driver === 'docker'
      ? engine.kind === 'embedded'
        ? 'full wipe of the embedded engine (containers, images, build cache, history)'
        : 'buildx prune --all + history rm (the system engine\'s images are left alone)'
      : 'buildx prune --all + history rm on that builder (the builder itself is kept)';
  return { name, driver, status, cacheBackends, fresh };
}
