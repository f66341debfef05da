/** Official base images or local recipes, by engine and CACHEBENCH_BASE_IMAGES; and resolving an official image's digest. */
import { createHash } from 'node:crypto';
import { docker, type Engine } from '../engine/index.ts';
import { CachebenchError, UsageError } from '../errors.ts';

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

export async function remoteDigest(engine: Engine, image: string): Promise<string> {
  const r = await docker(engine, ['buildx', 'imagetools', 'inspect', '--raw', image], { reject: false, timeoutMs: 60_000 });
  if (r.exitCode !== 0) {
    throw new CachebenchError(`cannot resolve the base image ${image}: ${r.stderr.split('\n')[0] ?? ''}`, {
      hint: 'set CACHEBENCH_BASE_IMAGES=local to build local equivalents instead',
    });
  }
  return `sha256:${createHash('sha256').update(r.stdout).digest('hex')}`;
}
