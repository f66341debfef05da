/**
 * Runs made from a known truth for the projection's tests: per build, time the link does not
 * change and the bytes of each transfer phase; each transfer phase measured as exactly its
 * local part + bytes·8/goodput + requests·RTT on the run's link, with the requests counted
 * by the rule docs/PROJECTION.md states (written out here, not taken from the model).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { summarizeSamples } from '../../../src/results/stats.ts';
import type { CellResult, Phases, Results, RunRecord } from '../../../src/results/types.ts';

const FIXTURE = path.join(import.meta.dirname, '..', '..', 'fixtures', 'results-tiny-quick.json');

/** Four base layers of 50 MB: a none build pulls 200 MB, so blobs are counted in 50 MB. */
export const BASE_BYTES = 200e6;
export const LAYER_BYTES = 50e6;
const BASE_LAYERS = ['a', 'b', 'c', 'd'].map((c) => `sha256:${c.repeat(64)}`);

export interface Link {
  mbit: number;
  rttMs: number;
}

/** What a build is, link aside. Bytes: base layers and cache layers pulled, image and cache blobs pushed. */
export interface Truth {
  /** Setup, build steps, cache restore/save: everything outside the transfer phases. */
  otherMs: number;
  local: { basePull: number; cacheImport: number; imageExport: number; cacheExport: number };
  bytes: { base: number; cacheIn: number; image: number; cacheOut: number };
}

const blobs = (b: number) => (b > 0 ? Math.ceil(b / LAYER_BYTES) : 0);
const ms = (link: Link, bytes: number, requests: number) => (bytes * 8) / (link.mbit * 1000) + requests * link.rttMs;

/** Requests per phase for a registry-storage mode (cache imported and exported over the link). */
export function registryRequests(t: Truth): [number, number, number, number] {
  return [blobs(t.bytes.base), 2 + blobs(t.bytes.cacheIn), 2 + blobs(t.bytes.image), 2 + blobs(t.bytes.cacheOut)];
}

/** A build of a registry-storage mode (or none, with no cache bytes) measured on `link`; `noise` is added to the build step. */
export function truthBuild(t: Truth, link: Link, repetition: number, mode: string, noise = 0): RunRecord {
  const [rb, rc, ri, ro] = mode === 'none' ? [blobs(t.bytes.base), 0, 2 + blobs(t.bytes.image), 0] : registryRequests(t);
  const phases: Phases = {
    'base-pull': t.local.basePull + ms(link, t.bytes.base, rb),
    'cache-import': t.local.cacheImport + ms(link, t.bytes.cacheIn, rc),
    'image-export': t.local.imageExport + ms(link, t.bytes.image, ri),
    'cache-export': t.local.cacheExport + ms(link, t.bytes.cacheOut, ro),
    build: t.otherMs + noise,
  };
  const wallMs = Object.values(phases).reduce((a, b) => a + (b ?? 0), 0);
  return {
    repetition, startedAt: '2026-01-01T00:00:00.000Z', status: 'ok', wallMs, buildxWallMs: wallMs, phases, steps: [], cachedSteps: 0, totalSteps: 5, warnings: [],
    bytesPulled: t.bytes.base + t.bytes.cacheIn,
    bytesPushed: t.bytes.image + t.bytes.cacheOut,
  };
}

export function cellOf(scenario: string, mode: string, runs: RunRecord[]): CellResult {
  return { id: `syn/${scenario}/${mode}`, fixture: 'syn', scenario, mode, runs, stats: summarizeSamples(runs.map((r) => r.wallMs)), phaseMedians: {}, warnings: [] };
}

/** A complete run on a link of `rateMbit` whose probe measured `link`. */
export function linkRun(cells: CellResult[], link: Link, rateMbit: number, rttMs: number, mix?: Record<string, number>): Results {
  const base = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Results;
  const scenarios = [...new Set(cells.map((c) => c.scenario))];
  const modes = [...new Set(cells.map((c) => c.mode))];
  return {
    ...base,
    runId: `syn-${rateMbit}`,
    plan: { fixture: 'syn', scenarios, modes, repetitions: 3, profile: 'default', commitMix: mix ?? Object.fromEntries(scenarios.map((s) => [s, 1])) },
    environment: {
      ...base.environment,
      fixture: 'syn',
      baseLayers: BASE_LAYERS,
      networkProfile: rateMbit > 0 ? `${rateMbit}mbit/${rttMs}ms` : 'loopback',
      network: { rateMbit, rttMs, description: 'synthetic', ...(rateMbit > 0 ? { measuredMbit: link.mbit, measuredRttMs: link.rttMs } : {}) },
    },
    seeds: {},
    cells,
    status: 'complete',
  };
}

/** none: pulls the base, pushes its image. registry-max: also 300 MB of cache in and 100 MB out. */
export const NONE: Truth = { otherMs: 20_000, local: { basePull: 3000, cacheImport: 0, imageExport: 500, cacheExport: 0 }, bytes: { base: BASE_BYTES, cacheIn: 0, image: 10e6, cacheOut: 0 } };
export const MAX: Truth = { otherMs: 8000, local: { basePull: 2000, cacheImport: 4000, imageExport: 600, cacheExport: 1500 }, bytes: { base: BASE_BYTES, cacheIn: 300e6, image: 10e6, cacheOut: 100e6 } };

/** A run of none and registry-max in one scenario, three builds each, the build step varying by ±`spread`. */
export function twoModeRun(link: Link, rateMbit: number, rttMs: number, spread = 200): Results {
  const noise = [-spread, 0, spread];
  return linkRun(
    [
      cellOf('code-change', 'none', noise.map((n, i) => truthBuild(NONE, link, i + 1, 'none', n))),
      cellOf('code-change', 'registry-max', noise.map((n, i) => truthBuild(MAX, link, i + 1, 'registry-max', n))),
    ],
    link,
    rateMbit,
    rttMs,
  );
}
