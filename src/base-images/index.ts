/**
 * Base images with no outside registry: recipes that build a root filesystem locally
 * and push it to the local registry, reproducibly (FROM scratch + ADD rootfs.tar with
 * SOURCE_DATE_EPOCH and rewrite-timestamp), so the digest is stable for the same
 * inputs. Built once per machine; the tag is a hash of the recipe's inputs.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../proc.ts';
import { CachebenchError } from '../errors.ts';
import { manifestDigest } from '../registry/client.ts';
import { runBuild } from '../buildx/run.ts';
import { readProvisioned } from '../engine/provision.ts';
import { lockEngine } from '../engine/lock.ts';
import type { Engine } from '../engine/index.ts';
import type { BaseImageRecipe } from './recipe.ts';
import { dotnetAspnet, dotnetSdk } from './dotnet.ts';
import { dotnetRuntimeDeps } from './dotnet-runtime-deps.ts';

export interface BaseImage {
  ref: string;
  digest: string;
  /** Time it took to build it now; 0 when it was already there. */
  buildMs: number;
}

export type { BaseImageRecipe };

const BUSYBOX_APPLETS = ['sh', 'cat', 'sort', 'yes', 'head', 'wc', 'sleep', 'ls', 'mkdir', 'mv', 'cp', 'rm', 'echo', 'true', 'env', 'dd', 'grep', 'sed', 'tar', 'find', 'test', '['];

export const busybox: BaseImageRecipe = {
  name: 'busybox',
  description: "a 2 MB image from Debian's busybox-static",
  async inputs() {
    const bin = readProvisioned()?.binDir;
    if (!bin) throw new CachebenchError('the engine is not provisioned', { hint: 'run `cachebench engine start`' });
    const sum = await run('sha256sum', [path.join(bin, 'busybox')]);
    return `busybox-v1 ${sum.stdout.split(' ')[0]} ${BUSYBOX_APPLETS.join(',')}`;
  },
  async prepare(dir) {
    const bin = readProvisioned()?.binDir as string;
    const root = path.join(dir, 'rootfs');
    for (const d of ['bin', 'etc', 'tmp', 'root']) mkdirSync(path.join(root, d), { recursive: true });
    chmodSync(path.join(root, 'tmp'), 0o1777);
    await run('cp', ['-L', path.join(bin, 'busybox'), path.join(root, 'bin', 'busybox')]);
    for (const a of BUSYBOX_APPLETS) symlinkSync('busybox', path.join(root, 'bin', a));
    writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\n');
    await run('tar', ['--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '--sort=name', '-C', root, '-cf', path.join(dir, 'rootfs.tar'), '.']);
    rmSync(root, { recursive: true, force: true });
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nADD rootfs.tar /\nENV PATH=/bin\nCMD ["sh"]\n');
  },
};

export const RECIPES = new Map<string, BaseImageRecipe>([busybox, dotnetSdk, dotnetAspnet, dotnetRuntimeDeps].map((r) => [r.name, r]));

export function registerRecipe(r: BaseImageRecipe): void {
  RECIPES.set(r.name, r);
}

/** Every recipe name, for messages that list them. */
export function recipeNames(): string[] {
  return [...RECIPES.keys()];
}

/** The local registry ref of a recipe's image, building and pushing it if missing. */
export async function ensureBaseImage(engine: Engine, name: string, log: (s: string) => void = () => {}): Promise<BaseImage> {
  const recipe = RECIPES.get(name);
  if (!recipe) throw new CachebenchError(`unknown base image recipe "${name}"`, { exitCode: 2, hint: `known: ${[...RECIPES.keys()].join(', ')}` });
  const key = createHash('sha256').update(await recipe.inputs()).digest('hex').slice(0, 16);
  const ref = `${engine.registry}/cachebench/base/${name}:${key}`;
  const existing = await manifestDigest(ref);
  if (existing) return { ref, digest: existing, buildMs: 0 };
  // On the embedded engine another run's fresh-builder reset must not wipe this build, nor
  // this build overlap another run's measured one; and the run that waited finds it built.
  const lock = engine.kind === 'embedded' ? await lockEngine({ onWait: (pid) => log(`base image ${name}: waiting for another cachebench run (pid ${pid}) on the shared engine`) }) : undefined;
  let started = 0;
  try {
    const built = lock ? await manifestDigest(ref) : undefined;
    if (built) return { ref, digest: built, buildMs: 0 };
    log(`base image: building ${name} (${recipe.description})`);
    started = performance.now();
    const dir = mkdtempSync(path.join(os.tmpdir(), `cachebench-base-${name}-`));
    try {
      await recipe.prepare(dir, log);
      const rec = await runBuild(
        engine,
        { context: dir, output: `type=image,name=${ref},push=true`, network: 'host' },
        { env: { SOURCE_DATE_EPOCH: '0' } },
      );
      if (rec.status !== 'ok') {
        throw new CachebenchError(`building base image ${name} failed: ${rec.error?.message ?? ''}\n${rec.error?.logTail ?? ''}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    lock?.release();
  }
  const digest = await manifestDigest(ref);
  if (!digest) throw new CachebenchError(`base image ${ref} was built but the registry does not have it`);
  return { ref, digest, buildMs: performance.now() - started };
}
