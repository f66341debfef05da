/**
 * A fresh builder per measured build: nothing local survives, as on a new CI runner.
 * Embedded engine: wipe every container, image, build cache record and build history
 * (the engine is ours). System engine: never wipe it; builds go to a throwaway
 * docker-container builder instead, created and removed per build.
 */
import { docker, type Engine } from './index.ts';
import { engineGet, unixSocketOf } from './api.ts';

export interface FreshBuilder {
  /** `--builder` for buildx, if not the engine's default. */
  builder?: string;
  resetMs: number;
  /** Where the reset's time went, per command (embedded engine). */
  resetSteps?: Record<string, number>;
  dispose: () => Promise<void>;
}

/** A wipe of the embedded engine started at the end of a job, which the next job awaits. */
export interface EarlyWipe {
  done: Promise<{ ms: number; steps?: Record<string, number>; error?: Error }>;
}

/**
 * Starts the next job's wipe as soon as a job has finished with the engine (after its
 * history record is read), so that it runs alongside that job's registry bookkeeping and
 * the next job's starting state instead of after them. Never rejects: a failed wipe is
 * redone in full by the next job.
 */
export function startEarlyWipe(engine: Engine): EarlyWipe {
  const t = performance.now();
  return {
    done: wipeEmbedded(engine).then(
      (steps) => ({ ms: performance.now() - t, steps }),
      (error: Error) => ({ ms: performance.now() - t, error }),
    ),
  };
}

/** GET on the engine's API, parsed as JSON. */
async function apiGet(engine: Engine, urlPath: string): Promise<unknown> {
  const socket = unixSocketOf(engine.env.DOCKER_HOST);
  if (!socket) throw new Error(`not a unix socket: ${engine.env.DOCKER_HOST}`);
  return JSON.parse(await engineGet(socket, urlPath));
}

const count = (x: unknown): number => (Array.isArray(x) ? x.length : Number.NaN);

/** Containers, images and build cache records, from the engine's API (as `ps -a`, `images -a`, `buildx du`). */
async function leftoverCounts(engine: Engine): Promise<Record<string, number>> {
  const [containers, images, df] = await Promise.all([
    apiGet(engine, '/containers/json?all=1'),
    apiGet(engine, '/images/json?all=1'),
    apiGet(engine, '/system/df?type=build-cache'),
  ]);
  const counts = { containers: count(containers), images: count(images), 'build cache records': count((df as { BuildCache?: unknown } | null)?.BuildCache ?? []) };
  if (Object.values(counts).some(Number.isNaN)) throw new Error(`unexpected answers from the engine's API: ${JSON.stringify(counts)}`);
  return counts;
}

/** The same counts through the docker CLI, where the API cannot be reached directly. */
async function leftoverCountsCli(engine: Engine): Promise<Record<string, number>> {
  const lines = async (args: string[]): Promise<number> => (await docker(engine, args)).stdout.split('\n').filter((l) => l.trim()).length;
  const [containers, images, cache] = await Promise.all([lines(['ps', '-aq']), lines(['images', '-aq']), lines(['buildx', 'du', '--format', 'json'])]);
  return { containers, images, 'build cache records': cache };
}

/**
 * What is left on the embedded engine that a build could reuse: containers, images, build
 * cache records. Empty is the proof that a job starts fresh; it is checked before every
 * build whose wipe ran early (alongside the job's starting state). Build history is not
 * listed: `buildx history ls` can crash this engine's BuildKit (a nil event in
 * filterHistoryEvents, moby/buildkit#6598, #6614); the wipe removes it, and a history
 * record is not a cache a build can reuse.
 */
export async function engineLeftovers(engine: Engine): Promise<string[]> {
  const left = await leftoverCounts(engine).catch(() => leftoverCountsCli(engine));
  return Object.entries(left).filter(([, n]) => n > 0).map(([what, n]) => `${n} ${what}`);
}

/**
 * The embedded engine made fresh for a job: when the previous job started a wipe early,
 * wait for it and check that nothing is left; otherwise (first job, a failed or interrupted
 * wipe, anything left) wipe it now.
 */
async function freshEmbedded(engine: Engine, early: EarlyWipe | undefined): Promise<FreshBuilder> {
  const done = early ? await early.done : undefined;
  if (done && !done.error) {
    const t = performance.now();
    const left = await engineLeftovers(engine);
    const check = performance.now() - t;
    if (!left.length) {
      return { resetMs: done.ms + check, resetSteps: { ...done.steps, 'emptiness check': check }, dispose: async () => {} };
    }
  }
  const started = performance.now();
  const resetSteps = await wipeEmbedded(engine);
  return { resetMs: performance.now() - started, resetSteps, dispose: async () => {} };
}

/**
 * Wipes the embedded engine; returns how long each part took (ms). Two lanes run at once:
 * containers then images, and the build cache then the build history. The prune deletes
 * the snapshots and dominates (2–2.6 s of a .NET build's 3.6 s reset done one part after
 * the other); the image lane hides behind it. The history is not removed alongside the
 * prune: listing history while records go away crashed this engine's BuildKit (a nil
 * event in filterHistoryEvents, moby/buildkit#6598, fixed upstream in #6614). Nothing of
 * the next build starts before both lanes have finished.
 */
export async function wipeEmbedded(engine: Engine): Promise<Record<string, number>> {
  if (engine.kind !== 'embedded') throw new Error('refusing to wipe an engine cachebench did not start');
  const steps: Record<string, number> = {};
  const part = async (name: string, f: () => Promise<unknown>): Promise<void> => {
    const t = performance.now();
    try {
      await f();
    } finally {
      steps[name] = performance.now() - t;
    }
  };
  const containersThenImages = async (): Promise<void> => {
    const containers = (await docker(engine, ['ps', '-aq'])).stdout.split('\n').filter(Boolean);
    if (containers.length) await docker(engine, ['rm', '-f', ...containers]);
    const images = (await docker(engine, ['images', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
    if (images.length) await docker(engine, ['image', 'rm', '-f', ...new Set(images)], { reject: false });
    await docker(engine, ['image', 'prune', '-af']);
  };
  const cacheThenHistory = async (): Promise<void> => {
    await part('build cache', () => docker(engine, ['buildx', 'prune', '-af']));
    await part('history', () => docker(engine, ['buildx', 'history', 'rm', '--all'], { reject: false }));
  };
  await Promise.all([part('containers and images', containersThenImages), cacheThenHistory()]);
  return steps;
}

/**
 * A user's existing builder (`--builder NAME`): how it is made fresh depends on its driver.
 * - docker (the engine's own BuildKit): on the embedded engine the full wipe; on a system
 *   engine only the build cache and history are pruned (its images are the user's);
 * - docker-container, kubernetes, remote: `buildx prune --all` and `buildx history rm --all`
 *   on that builder empty its BuildKit cache (the builder itself is kept: it may be shared
 *   infrastructure that cachebench cannot recreate).
 */
export async function freshUserBuilder(engine: Engine, builder: string): Promise<FreshBuilder> {
  const started = performance.now();
  const info = await docker(engine, ['buildx', 'inspect', builder], {
    what: `inspecting builder ${builder}`,
    hint: 'list builders with `docker buildx ls`',
  });
  const driver = /Driver:\s*(\S+)/.exec(info.stdout)?.[1] ?? 'unknown';
  if (driver === 'docker' && engine.kind === 'embedded') {
    await wipeEmbedded(engine);
  } else {
    await docker(engine, ['buildx', 'prune', '--builder', builder, '--all', '--force']);
    await docker(engine, ['buildx', 'history', 'rm', '--builder', builder, '--all'], { reject: false });
  }
  return { builder, resetMs: performance.now() - started, dispose: async () => {} };
}

export async function freshBuilder(engine: Engine, name: string, userBuilder?: string, early?: EarlyWipe): Promise<FreshBuilder> {
  if (userBuilder) return freshUserBuilder(engine, userBuilder);
  if (engine.kind === 'embedded') return freshEmbedded(engine, early);
  const started = performance.now();
  await docker(engine, ['buildx', 'create', '--name', name, '--driver', 'docker-container', '--driver-opt', 'network=host', '--bootstrap'], {
    what: 'creating a throwaway buildx builder',
    hint: 'the docker-container driver needs the moby/buildkit image; pull it first or set BUILDX_BUILDKIT_IMAGE',
  });
  return {
    builder: name,
    resetMs: performance.now() - started,
    dispose: async () => {
      await docker(engine, ['buildx', 'rm', '--force', name], { reject: false });
    },
  };
}
