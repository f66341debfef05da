/**
 * Pure: BuildKit's progress → where each millisecond of the build went. Every instant of
 * BuildKit's span (first vertex start → last vertex end) goes to at most one phase, so the
 * phases add up to the span minus the time no activity covered ("unattributed"), and that
 * remainder is what the per-build self-check bounds.
 *
 * Which phase gets an instant that several activities cover:
 * 1. a layer download or extraction (BuildKit pulls base and cached layers lazily, as
 *    statuses inside the step that first needs them — often a cached `LINK COPY` or a RUN
 *    that has not started its command yet): base-pull for a base image's layer,
 *    cache-import for any other; downloads running at once share the instant by their
 *    average rates (bytes over duration), roughly the bandwidth each took;
 * 2. otherwise the vertices covering it, by priority: build (an instruction), base-pull
 *    (FROM), cache-import, image-export, cache-export, setup;
 * 3. an instant no vertex covers, after a cache import finished and before the last
 *    cached step was reported, is cache-import too: BuildKit matches each step against
 *    the imported cache before it reports the step as cached, and shows no vertex while
 *    it does (measured: 51 s for a 100-step stage with registry mode=max, on loopback).
 * Anything else — an instant no activity covers, or a vertex of a kind we do not know —
 * is unattributed, and the self-check bounds it.
 */
import type { PhaseName, Phases, StepKind } from '../results/types.ts';
import type { Status, Vertex } from './rawjson.ts';

export type Interval = [number, number];

/** Total length of the union of intervals (overlaps count once). */
export function unionMs(intervals: Interval[]): number {
  return mergeIntervals(intervals).reduce((total, [a, b]) => total + (b - a), 0);
}

/** `a` minus the union of `b`, as disjoint intervals. */
export function subtractIntervals(a: Interval[], b: Interval[]): Interval[] {
  const cover = mergeIntervals(b);
  const out: Interval[] = [];
  for (const [s0, e0] of mergeIntervals(a)) {
    let s = s0;
    for (const [cs, ce] of cover) {
      if (ce <= s) continue;
      if (cs >= e0) break;
      if (cs > s) out.push([s, cs]);
      s = Math.max(s, ce);
      if (s >= e0) break;
    }
    if (s < e0) out.push([s, e0]);
  }
  return out;
}

function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = list.filter(([x, y]) => y > x).sort((p, q) => p[0] - q[0]);
  const out: Interval[] = [];
  for (const [x, y] of sorted) {
    const last = out[out.length - 1];
    if (last && x <= last[1]) last[1] = Math.max(last[1], y);
    else out.push([x, y]);
  }
  return out;
}

const LAYER = /^(?:extracting )?(sha256:[0-9a-f]{64})$/;

/** A layer's download or extraction, as BuildKit reported it inside some vertex. */
export interface Transfer {
  start: number;
  end: number;
  phase: 'base-pull' | 'cache-import';
  /** Average rate (bytes/ms) of the download; extractions weigh like their layer's download. */
  weight: number;
  /** The vertex it was reported in. */
  vertex: string;
}

/**
 * Layer transfers from the statuses: downloads (`sha256:…`) and extractions
 * (`extracting sha256:…`), in whichever vertex needed them — also in `exporting to image`,
 * which pulls the base layers it must unpack when every step was cached. (Uploads are
 * reported differently: `pushing layers`, `writing layer sha256:…`.)
 */
export function layerTransfers(statuses: readonly Status[], kindOf: ReadonlyMap<string, StepKind>, baseLayers?: ReadonlySet<string>): { transfers: Transfer[]; bytes: number; layers: number } {
  const sizes = new Map<string, number>();
  const pulls = statuses.filter((st) => LAYER.test(st.id));
  for (const st of pulls) {
    const digest = (LAYER.exec(st.id) as RegExpExecArray)[1] as string;
    if (!st.id.startsWith('extracting') && typeof st.total === 'number') sizes.set(digest, st.total);
  }
  const transfers: Transfer[] = [];
  for (const st of pulls) {
    if (!st.started) continue;
    const digest = (LAYER.exec(st.id) as RegExpExecArray)[1] as string;
    const start = st.started.getTime();
    // (A download is sometimes never marked completed: its last update is its end.)
    const end = (st.completed ?? st.updated ?? st.started).getTime();
    if (end <= start) continue;
    const phase = baseLayers?.has(digest) || kindOf.get(st.vertex) === 'base' ? 'base-pull' : 'cache-import';
    const size = sizes.get(digest);
    transfers.push({ start, end, phase, weight: size && size > 0 ? size / (end - start) : 1e-9, vertex: st.vertex });
  }
  let bytes = 0;
  for (const v of sizes.values()) bytes += v;
  return { transfers, bytes, layers: sizes.size };
}

const PHASE_OF: Partial<Record<StepKind, PhaseName>> = {
  instruction: 'build',
  base: 'base-pull',
  'cache-import': 'cache-import',
  'image-export': 'image-export',
  'cache-export': 'cache-export',
  internal: 'setup',
};
/** For an instant covered by several vertices (and no transfer): the first phase listed wins. */
const VERTEX_PRIORITY: readonly PhaseName[] = ['build', 'base-pull', 'cache-import', 'image-export', 'cache-export', 'setup'];

export interface Partition {
  phases: Phases;
  spanMs: number;
  /** Time inside the span that no known activity covered. */
  unattributedMs: number;
  /** How many separate stretches that time falls into, and the longest (BuildKit's pauses between vertices are many and short). */
  unattributedGaps: number;
  longestGapMs: number;
  /** Per vertex digest: how much of its own interval was a layer transfer. */
  transferMsIn: Map<string, number>;
}

/** From the end of the first cache import to the start of the last cached step: BuildKit matching the imported cache. */
function cacheMatching(spans: ReadonlyArray<{ v: Vertex; s: number; e: number; kind: StepKind | undefined }>): Interval | undefined {
  const imports = spans.filter((x) => x.kind === 'cache-import');
  const cached = spans.filter((x) => x.kind === 'instruction' && x.v.cached);
  if (imports.length === 0 || cached.length === 0) return undefined;
  const from = Math.min(...imports.map((x) => x.e));
  const to = Math.max(...cached.map((x) => x.s));
  return to > from ? [from, to] : undefined;
}

/** Splits BuildKit's span among the phases; see the module comment for the rules. */
export function partition(vertexes: readonly Vertex[], kindOf: ReadonlyMap<string, StepKind>, transfers: readonly Transfer[]): Partition {
  const timed = vertexes.filter((v) => v.started);
  if (timed.length === 0) return { phases: {}, spanMs: 0, unattributedMs: 0, unattributedGaps: 0, longestGapMs: 0, transferMsIn: new Map() };
  const spans = timed.map((v) => ({ v, s: (v.started as Date).getTime(), e: (v.completed ?? v.started as Date).getTime(), phase: PHASE_OF[kindOf.get(v.digest) ?? 'other'] }));
  const t0 = Math.min(...spans.map((x) => x.s));
  const t1 = Math.max(...spans.map((x) => x.e));
  const cuts = new Set<number>([t0, t1]);
  for (const x of spans) cuts.add(x.s).add(x.e);
  for (const t of transfers) cuts.add(Math.min(Math.max(t.start, t0), t1)).add(Math.min(Math.max(t.end, t0), t1));
  const points = [...cuts].sort((a, b) => a - b);
  const matching = cacheMatching(spans.map((x) => ({ ...x, kind: kindOf.get(x.v.digest) })));
  const ms = new Map<PhaseName, number>();
  const add = (p: PhaseName, d: number) => ms.set(p, (ms.get(p) ?? 0) + d);
  const transferMsIn = new Map<string, number>();
  let unattributed = 0;
  const gaps: number[] = [];
  let gapEnd: number | undefined;
  const unattribute = (a: number, b: number): void => {
    unattributed += b - a;
    if (gapEnd === a) gaps[gaps.length - 1] = (gaps.at(-1) as number) + (b - a);
    else gaps.push(b - a);
    gapEnd = b;
  };
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k] as number;
    const b = points[k + 1] as number;
    const d = b - a;
    const moving = transfers.filter((t) => t.start <= a && t.end >= b);
    const covering = spans.filter((x) => x.s <= a && x.e >= b);
    if (moving.length) {
      const total = moving.reduce((x, t) => x + t.weight, 0);
      for (const t of moving) add(t.phase, (d * t.weight) / total);
      for (const x of covering) transferMsIn.set(x.v.digest, (transferMsIn.get(x.v.digest) ?? 0) + d);
      continue;
    }
    const phase = VERTEX_PRIORITY.find((p) => covering.some((x) => x.phase === p));
    if (phase) add(phase, d);
    else if (matching && a >= matching[0] && b <= matching[1]) add('cache-import', d);
    else unattribute(a, b);
  }
  const phases: Phases = {};
  for (const [p, v] of ms) phases[p] = Math.round(v);
  return { phases, spanMs: t1 - t0, unattributedMs: unattributed, unattributedGaps: gaps.length, longestGapMs: gaps.length ? Math.max(...gaps) : 0, transferMsIn };
}
