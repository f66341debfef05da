/**
 * Cache modes as data. Adding a mode = adding one entry here.
 *
 * Each mode says which buildx cache flags a CI job passes, given where the parent's
 * cache lives (`from`) and where this build's cache goes (`to`). The runner prepares
 * those places (a registry repository copied from the seed, or a restored local dir).
 */
import { UsageError } from './errors.ts';

export type CacheStorage = 'none' | 'registry' | 'local' | 'image';

export interface CacheLocation {
  /** Registry ref of the cache (registry modes) or of the parent image (inline). */
  ref?: string;
  /** Directory (local mode). */
  dir?: string;
}

export interface CacheMode {
  name: string;
  description: string;
  /** Where the cache lives between jobs. */
  storage: CacheStorage;
  /** Whether layers of non-final stages (the builder stage) are cached. */
  cachesBuilderStage: boolean;
  cacheFrom(from: CacheLocation): string[];
  cacheTo(to: CacheLocation): string[];
}

function need<K extends keyof CacheLocation>(loc: CacheLocation, key: K, mode: string): string {
  const v = loc[key];
  if (!v) throw new Error(`cache mode ${mode} needs a ${key}`);
  return v;
}

export const CACHE_MODES: readonly CacheMode[] = [
  {
    name: 'none',
    description: 'no cache import or export: every build starts from nothing',
    storage: 'none',
    cachesBuilderStage: false,
    cacheFrom: () => [],
    cacheTo: () => [],
  },
  {
    name: 'local',
    description: 'type=local,mode=max: a cache directory saved and restored by the CI cache step',
    storage: 'local',
    cachesBuilderStage: true,
    cacheFrom: (l) => [`type=local,src=${need(l, 'dir', 'local')}`],
    cacheTo: (l) => [`type=local,dest=${need(l, 'dir', 'local')},mode=max`],
  },
  {
    name: 'inline',
    description: 'type=inline: cache metadata inside the pushed image; only the final stage is cached',
    storage: 'image',
    cachesBuilderStage: false,
    cacheFrom: (l) => [`type=registry,ref=${need(l, 'ref', 'inline')}`],
    cacheTo: () => ['type=inline'],
  },
  {
    name: 'registry-min',
    description: 'type=registry,mode=min: a cache manifest in the registry; only the final stage is cached',
    storage: 'registry',
    cachesBuilderStage: false,
    cacheFrom: (l) => [`type=registry,ref=${need(l, 'ref', 'registry-min')}`],
    cacheTo: (l) => [`type=registry,ref=${need(l, 'ref', 'registry-min')},mode=min`],
  },
  {
    name: 'registry-max',
    description: 'type=registry,mode=max: a cache manifest in the registry with every stage\'s layers',
    storage: 'registry',
    cachesBuilderStage: true,
    cacheFrom: (l) => [`type=registry,ref=${need(l, 'ref', 'registry-max')}`],
    cacheTo: (l) => [`type=registry,ref=${need(l, 'ref', 'registry-max')},mode=max`],
  },
];

export const MODE_NAMES = CACHE_MODES.map((m) => m.name);

export function cacheMode(name: string): CacheMode {
  const m = CACHE_MODES.find((x) => x.name === name);
  if (!m) throw new UsageError(`unknown cache mode "${name}"`, `valid modes: ${MODE_NAMES.join(', ')}`);
  return m;
}
