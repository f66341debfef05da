/**
 * One measured build as a model of its link: time that does not depend on the link, plus
 * per transfer phase the bytes and round trips it moved, so that its time on another link
 * is `fixed + Σ bytes·8/mbit' + requests·rtt'` (docs/PROJECTION.md). Pure.
 *
 * The run records bytes per direction (bytesPulled: base layers and imported cache layers;
 * bytesPushed: image and cache blobs new to the registry), not per phase, and no layer
 * sizes (those are only in the kept raw logs). The split per phase is estimated from the
 * run itself: a `none` build pulls only base layers and pushes only its image.
 */
import { cacheMode, type CacheStorage } from '../cache-modes.ts';
import { median } from '../stats/describe.ts';
import type { BuildRecord, Results } from '../results/types.ts';
import { linkMs } from './link.ts';
import { DIRECTION, TRANSFER_PHASES, type BuildModel, type LinkFigures, type PhaseModel, type TransferPhase } from './types.ts';

/** Layer size to count blobs by when the run has no `none` build to take a base layer's mean size from. */
export const DEFAULT_LAYER_BYTES = 50e6;

/** What the whole run says about its builds' bytes. */
export interface RunFacts {
  /** Bytes a `none` build pulls: the base layers it needs and nothing else (median over the run's none builds). */
  baseBytes?: number;
  /** Per scenario: bytes a `none` build pushes, its image's new blobs (median). */
  imageBytes: ReadonlyMap<string, number>;
  /** A base layer's mean size (baseBytes over the base layer digests): the unit blobs are counted in. */
  layerBytes: number;
}

const okRuns = (rs: readonly BuildRecord[]) => rs.filter((r) => r.status === 'ok');

export function runFacts(results: Results): RunFacts {
  const none = results.cells.filter((c) => c.mode === 'none');
  const pulled = none.flatMap((c) => okRuns(c.runs)).flatMap((r) => (r.bytesPulled !== undefined ? [r.bytesPulled] : []));
  const baseBytes = pulled.length ? median(pulled) : undefined;
  const imageBytes = new Map<string, number>();
  for (const c of none) {
    const pushed = okRuns(c.runs).flatMap((r) => (r.bytesPushed !== undefined ? [r.bytesPushed] : []));
    if (pushed.length) imageBytes.set(c.scenario, median(pushed));
  }
  const layers = results.environment.baseLayers?.length ?? 0;
  const layerBytes = baseBytes !== undefined && baseBytes > 0 && layers > 0 ? baseBytes / layers : DEFAULT_LAYER_BYTES;
  return { ...(baseBytes !== undefined ? { baseBytes } : {}), imageBytes, layerBytes };
}

/** Splits `total` between two phases by their measured times (the fallback when the run cannot tell). */
function byTime(total: number, a: number, b: number): [number, number] {
  const t = a + b;
  const first = t > 0 ? (total * a) / t : total;
  return [first, total - first];
}

/**
 * Bytes over the link per transfer phase. `local` mode pulls nothing over the link: its
 * restored cache directory holds every layer (mode=max), the base images' too — measured:
 * its base-pull moves 294 MB in ~8 s on a 96 Mbit/s link, which needs 24 s.
 */
export function linkBytes(rec: BuildRecord, storage: CacheStorage, scenario: string, facts: RunFacts): Record<TransferPhase, number> {
  const ph = rec.phases;
  const pulled = storage === 'local' ? 0 : (rec.bytesPulled ?? 0);
  const [base, cacheIn] =
    facts.baseBytes !== undefined
      ? [Math.min(pulled, facts.baseBytes), pulled - Math.min(pulled, facts.baseBytes)]
      : byTime(pulled, ph['base-pull'] ?? 0, ph['cache-import'] ?? 0);
  const pushed = rec.bytesPushed ?? 0;
  const image = facts.imageBytes.get(scenario);
  const [img, cacheOut] =
    storage !== 'registry' ? [pushed, 0]
    : image !== undefined ? [Math.min(pushed, image), pushed - Math.min(pushed, image)]
    : byTime(pushed, ph['image-export'] ?? 0, ph['cache-export'] ?? 0);
  return { 'base-pull': base, 'cache-import': cacheIn, 'image-export': img, 'cache-export': cacheOut };
}

/**
 * Round trips per phase: one per layer-sized blob moved, plus a manifest and a config for
 * a cache import or export and for the image push. An estimate (layer counts are not
 * recorded); BuildKit moves layers a few at a time, so it errs high.
 */
export function requestsOf(bytes: Record<TransferPhase, number>, storage: CacheStorage, layerBytes: number): Record<TransferPhase, number> {
  const blobs = (b: number) => (b > 0 ? Math.ceil(b / layerBytes) : 0);
  const overLink = storage === 'registry' || storage === 'image';
  return {
    'base-pull': blobs(bytes['base-pull']),
    'cache-import': (overLink ? 2 : 0) + blobs(bytes['cache-import']),
    'image-export': 2 + blobs(bytes['image-export']),
    'cache-export': (storage === 'registry' ? 2 : 0) + blobs(bytes['cache-export']),
  };
}

/**
 * Within one direction the split of bytes (and, for concurrent downloads, of time) between
 * its phases is an estimate, so a phase whose link share exceeds its time borrows from its
 * sibling's local part; what the direction as a whole cannot cover is clamped.
 */
function balance(raw: readonly number[]): { local: number[]; clamped: number } {
  const sum = raw.reduce((a, b) => a + b, 0);
  if (sum <= 0) return { local: raw.map(() => 0), clamped: -sum };
  const positive = raw.reduce((a, b) => a + Math.max(0, b), 0);
  return { local: raw.map((x) => (x > 0 ? (x * sum) / positive : 0)), clamped: 0 };
}

/** Fits one build on the link it was measured on (`source`). */
export function buildModel(rec: BuildRecord & { repetition?: number }, mode: string, scenario: string, facts: RunFacts, source: LinkFigures): BuildModel {
  const storage = cacheMode(mode).storage;
  const bytes = linkBytes(rec, storage, scenario, facts);
  const requests = requestsOf(bytes, storage, facts.layerBytes);
  const phases: PhaseModel[] = TRANSFER_PHASES.map((phase) => {
    const measuredMs = rec.phases[phase] ?? 0;
    const rawLocalMs = measuredMs - linkMs(source, bytes[phase], requests[phase]);
    return { phase, measuredMs, bytes: bytes[phase], requests: requests[phase], rawLocalMs, localMs: 0 };
  });
  let clampedMs = 0;
  for (const dir of ['pull', 'push'] as const) {
    const group = phases.filter((p) => DIRECTION[p.phase] === dir);
    const b = balance(group.map((p) => p.rawLocalMs));
    group.forEach((p, i) => (p.localMs = b.local[i] as number));
    clampedMs += b.clamped;
  }
  const linkShare = phases.reduce((a, p) => a + p.measuredMs - p.localMs, 0);
  return { repetition: rec.repetition ?? 0, wallMs: rec.wallMs, fixedMs: rec.wallMs - linkShare, phases, clampedMs };
}

/** The build's time on `link`. */
export function projectBuild(model: BuildModel, link: LinkFigures): number {
  return model.fixedMs + model.phases.reduce((a, p) => a + linkMs(link, p.bytes, p.requests), 0);
}

/** The build as a line in 1/goodput at a fixed RTT: aMs + bitsK / mbit (for the crossover). */
export function buildLine(model: BuildModel, rttMs: number): { aMs: number; bitsK: number } {
  const requests = model.phases.reduce((a, p) => a + p.requests, 0);
  const bytes = model.phases.reduce((a, p) => a + p.bytes, 0);
  return { aMs: model.fixedMs + requests * rttMs, bitsK: (bytes * 8) / 1000 };
}
