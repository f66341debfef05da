/**
 * A fresh builder per measured build: nothing local survives, as on a new CI runner.
 * Embedded engine: wipe every container, image, build cache record and build history
 * (the engine is ours). System engine: never wipe it; builds go to a throwaway
 * docker-container builder instead, created and removed per build.
 */
import { docker, type Engine } from './index.ts';

export interface FreshBuilder {
  /** `--builder` for buildx, if not the engine's default. */
  builder?: string;
  resetMs: number;
  /** Where the reset's time went, per command (embedded engine). */
  resetSteps?: Record<string, number>;
  dispose: () => Promise<void>;
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

export async function freshBuilder(engine: Engine, name: string, userBuilder?: string): Promise<FreshBuilder> {
  if (userBuilder) return freshUserBuilder(engine, userBuilder);
  const started = performance.now();
  if (engine.kind === 'embedded') {
    const resetSteps = await wipeEmbedded(engine);
    return { resetMs: performance.now() - started, resetSteps, dispose: async () => {} };
  }
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
