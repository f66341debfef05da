/** Pure: parsed rawjson progress → steps, phases and step counts of a BuildRecord. */
import type { PhaseName, Phases, StepKind, StepRecord } from '../types.ts';
import type { ParsedProgress, Vertex } from './rawjson.ts';

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
  const sorted = intervals.filter(([a, b]) => b >= a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curStart = Number.NEGATIVE_INFINITY;
  let curEnd = Number.NEGATIVE_INFINITY;
  for (const [a, b] of sorted) {
    if (a > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = a;
      curEnd = b;
    } else if (b > curEnd) {
      curEnd = b;
    }
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

export interface StepSummary {
  steps: StepRecord[];
  phases: Phases;
  cachedSteps: number;
  totalSteps: number;
  /** BuildKit's span: first vertex start to last vertex completion. */
  spanMs: number;
  failedStep?: StepRecord;
}

export function summarize(progress: ParsedProgress): StepSummary {
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
  let end = t0;
  for (const v of vs) {
    if (!v.started) continue;
    const s = v.started.getTime();
    const e = (v.completed ?? v.started).getTime();
    end = Math.max(end, e);
    const phase = PHASE_OF[classify(v.name).kind];
    if (!phase) continue;
    const list = intervals.get(phase) ?? [];
    list.push([s, e]);
    intervals.set(phase, list);
  }
  const phases: Phases = {};
  for (const [phase, list] of intervals) phases[phase] = unionMs(list);
  const instructions = steps.filter((s) => s.kind === 'instruction');
  const failedStep = steps.find((s) => s.error !== undefined && s.kind !== 'internal') ?? steps.find((s) => s.error !== undefined);
  return {
    steps,
    phases,
    cachedSteps: instructions.filter((s) => s.cached).length,
    totalSteps: instructions.length,
    spanMs: starts.length ? end - t0 : 0,
    ...(failedStep ? { failedStep } : {}),
  };
}

/** The log of the failing vertex (or of the whole build), last lines only. */
export function failingLog(progress: ParsedProgress, lines = 25): string {
  const failed = progress.vertexes.find((v) => v.error && progress.logs.has(v.digest));
  const text = failed ? progress.logs.get(failed.digest) ?? '' : progress.otherText;
  return text.split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n');
}
