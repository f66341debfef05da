/** Pure: parsed rawjson progress → steps, phases and step counts of a BuildRecord. */
import type { PhaseName, Phases, StepKind, StepRecord } from '../types.ts';
import type { ParsedProgress, Status, Vertex } from './rawjson.ts';

const INSTRUCTION = /^\[([^\]\s]+) (\d+)\/(\d+)\] (.*)$/s;

export function classify(name: string): { kind: StepKind; stage?: string } {
  const m = INSTRUCTION.exec(name);
  if (m) {
    const stage = m[1];
    return /^FROM\s/i.test(m[4] ?? '') ? { kind: 'base', stage } : { kind: 'instruction', stage };
  }
  if (name.startsWith('[internal]') || name.startsWith('[auth]')) return { kind: 'internal' };
  if (/^importing cache manifest/i.test(name)) return { kind: 'cache-import' };
  if (/^exporting cache|^preparing build cache|^writing cache/i.test(name)) return { kind: 'cache-export' };
  if (/^exporting to (image|docker|oci|client)|^exporting layers|^pushing/i.test(name)) return { kind: 'image-export' };
  return { kind: 'other' };
}

const PHASE_OF: Record<StepKind, PhaseName | undefined> = {
  internal: 'setup',
  'cache-import': 'cache-import',
  base: 'base-pull',
  instruction: 'build',
  'image-export': 'image-export',
  'cache-export': 'cache-export',
  other: undefined,
};

/** Total length of the union of [start, end] intervals (overlapping steps count once). */
export function unionMs(intervals: Array<[number, number]>): number {
  return mergeIntervals(intervals).reduce((total, [a, b]) => total + (b - a), 0);
}

/** `a` minus the union of `b`, as disjoint intervals. */
export function subtractIntervals(a: Array<[number, number]>, b: Array<[number, number]>): Array<[number, number]> {
  const cover = mergeIntervals(b);
  const out: Array<[number, number]> = [];
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

function mergeIntervals(list: Array<[number, number]>): Array<[number, number]> {
  const sorted = list.filter(([x, y]) => y > x).sort((p, q) => p[0] - q[0]);
  const out: Array<[number, number]> = [];
  for (const [x, y] of sorted) {
    const last = out[out.length - 1];
    if (last && x <= last[1]) last[1] = Math.max(last[1], y);
    else out.push([x, y]);
  }
  return out;
}

const LAYER = /^(?:extracting )?(sha256:[0-9a-f]{64})$/;

export interface SummarizeOptions {
  /** Layer digests of the base images: their downloads count as base-pull, others as cache-import. */
  baseLayers?: ReadonlySet<string>;
}

/**
 * Lazily pulled layers: BuildKit downloads a cached or base layer when a step first needs
 * it, and reports it as a status inside that step's vertex, often long before the vertex
 * itself starts. Those downloads (and extractions) are attributed to base-pull (a base
 * image's layer) or cache-import (any other layer), counting only time that no vertex
 * already covers, so phases never count an instant twice. Where base and cache layers
 * download at once, each instant is shared in proportion to the transfers' average rates
 * (bytes over duration), i.e. roughly by the bandwidth each took.
 */
export function layerPulls(statuses: readonly Status[], kindOf: ReadonlyMap<string, StepKind>, covered: Array<[number, number]>, opts: SummarizeOptions) {
  const sizes = new Map<string, number>();
  for (const st of statuses) {
    const m = LAYER.exec(st.id);
    if (m && !st.id.startsWith('extracting') && typeof st.total === 'number') sizes.set(m[1] as string, st.total);
  }
  interface Transfer { start: number; end: number; phase: 'base-pull' | 'cache-import'; weight: number }
  const transfers: Transfer[] = [];
  for (const st of statuses) {
    const m = LAYER.exec(st.id);
    if (!m || !st.started) continue;
    const digest = m[1] as string;
    const start = st.started.getTime();
    const end = (st.completed ?? st.started).getTime();
    if (end <= start) continue;
    const phase = opts.baseLayers?.has(digest) || kindOf.get(st.vertex) === 'base' ? 'base-pull' : 'cache-import';
    const size = sizes.get(digest);
    transfers.push({ start, end, phase, weight: size && size > 0 ? size / (end - start) : 1e-9 });
  }
  const shares = new Map<PhaseName, number>();
  const free = subtractIntervals(
    transfers.map((t) => [t.start, t.end]),
    covered,
  );
  for (const [fs, fe] of free) {
    const cuts = new Set<number>([fs, fe]);
    for (const t of transfers) {
      if (t.start > fs && t.start < fe) cuts.add(t.start);
      if (t.end > fs && t.end < fe) cuts.add(t.end);
    }
    const points = [...cuts].sort((a, b) => a - b);
    for (let k = 0; k + 1 < points.length; k++) {
      const a = points[k] as number;
      const b = points[k + 1] as number;
      const active = transfers.filter((t) => t.start <= a && t.end >= b);
      const total = active.reduce((x, t) => x + t.weight, 0);
      if (total <= 0) continue;
      for (const t of active) shares.set(t.phase, (shares.get(t.phase) ?? 0) + ((b - a) * t.weight) / total);
    }
  }
  let bytes = 0;
  for (const v of sizes.values()) bytes += v;
  return { shares, bytes, layers: sizes.size };
}

export interface StepSummary {
  steps: StepRecord[];
  phases: Phases;
  cachedSteps: number;
  totalSteps: number;
  /** BuildKit's span: first vertex start to last vertex completion. */
  spanMs: number;
  /** Bytes of layers BuildKit downloaded (base image and imported cache), and how many layers. */
  bytesPulled: number;
  layersPulled: number;
  failedStep?: StepRecord;
}

export function summarize(progress: ParsedProgress, opts: SummarizeOptions = {}): StepSummary {
  const vs = progress.vertexes.filter((v) => v.name !== '');
  const starts = vs.map((v) => v.started?.getTime()).filter((t): t is number => t !== undefined);
  const t0 = starts.length ? Math.min(...starts) : 0;
  const steps: StepRecord[] = vs.map((v: Vertex) => {
    const { kind, stage } = classify(v.name);
    const startMs = v.started ? v.started.getTime() - t0 : null;
    const durationMs = v.started && v.completed ? v.completed.getTime() - v.started.getTime() : v.cached ? 0 : null;
    const step: StepRecord = { name: v.name, kind, cached: v.cached, startMs, durationMs };
    if (stage) step.stage = stage;
    if (v.error) step.error = v.error;
    return step;
  });
  const intervals = new Map<PhaseName, Array<[number, number]>>();
  const kindOf = new Map<string, StepKind>();
  const covered: Array<[number, number]> = [];
  let end = t0;
  for (const v of vs) {
    const kind = classify(v.name).kind;
    kindOf.set(v.digest, kind);
    if (!v.started) continue;
    const s = v.started.getTime();
    const e = (v.completed ?? v.started).getTime();
    end = Math.max(end, e);
    covered.push([s, e]);
    const phase = PHASE_OF[kind];
    if (!phase) continue;
    const list = intervals.get(phase) ?? [];
    list.push([s, e]);
    intervals.set(phase, list);
  }
  const pulls = layerPulls(progress.statuses, kindOf, covered, opts);
  const phases: Phases = {};
  for (const [phase, list] of intervals) phases[phase] = unionMs(list);
  for (const [phase, ms] of pulls.shares) phases[phase] = (phases[phase] ?? 0) + Math.round(ms);
  const instructions = steps.filter((s) => s.kind === 'instruction');
  const failedStep = steps.find((s) => s.error !== undefined && s.kind !== 'internal') ?? steps.find((s) => s.error !== undefined);
  return {
    steps,
    phases,
    cachedSteps: instructions.filter((s) => s.cached).length,
    totalSteps: instructions.length,
    spanMs: starts.length ? end - t0 : 0,
    bytesPulled: pulls.bytes,
    layersPulled: pulls.layers,
    ...(failedStep ? { failedStep } : {}),
  };
}

/** The log of the failing vertex (or of the whole build), last lines only. */
export function failingLog(progress: ParsedProgress, lines = 25): string {
  const failed = progress.vertexes.find((v) => v.error && progress.logs.has(v.digest));
  const text = failed ? progress.logs.get(failed.digest) ?? '' : progress.otherText;
  return text.split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n');
}
