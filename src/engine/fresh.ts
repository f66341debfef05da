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
  dispose: () => Promise<void>;
}

export async function wipeEmbedded(engine: Engine): Promise<void> {
  if (engine.kind !== 'embedded') throw new Error('refusing to wipe an engine cachebench did not start');
  const containers = (await docker(engine, ['ps', '-aq'])).stdout.split('\n').filter(Boolean);
  if (containers.length) await docker(engine, ['rm', '-f', ...containers]);
  await docker(engine, ['buildx', 'prune', '-af']);
  const images = (await docker(engine, ['images', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
  if (images.length) await docker(engine, ['image', 'rm', '-f', ...new Set(images)], { reject: false });
  await docker(engine, ['image', 'prune', '-af']);
  await docker(engine, ['buildx', 'history', 'rm', '--all'], { reject: false });
}

export async function freshBuilder(engine: Engine, name: string): Promise<FreshBuilder> {
  const started = performance.now();
  if (engine.kind === 'embedded') {
    await wipeEmbedded(engine);
    return { resetMs: performance.now() - started, dispose: async () => {} };
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
