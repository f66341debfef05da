import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createHash } from 'node:crypto';

/** Repository root (this file lives in src/). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Everything the project downloads or keeps between runs (engine binaries, apt lists,
 * registry storage, base-image build inputs). Git-ignored. CACHEBENCH_HOME overrides it.
 */
export function cacheHome(): string {
  return path.resolve(process.env.CACHEBENCH_HOME ?? path.join(projectRoot, '.cache', 'cachebench'));
}

/**
 * Short runtime dir for the embedded engine's sockets and exec root. Unix socket paths
 * are limited to 108 bytes, so this lives under /run and is keyed by the cache home.
 */
export function runtimeDir(): string {
  const key = createHash('sha256').update(cacheHome()).digest('hex').slice(0, 10);
  return `/run/cachebench-${key}`;
}

/** A name made safe for file names, repository paths and tags: lower case, [a-z0-9-]. */
export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
