/** Pure: parsed rawjson progress → steps, phases and step counts of a BuildRecord. */
import type { Phases, StepKind, StepRecord } from '../results/types.ts';
import type { ParsedProgress, Vertex } from './rawjson.ts';
import { layerTransfers, partition } from './phases.ts';
import { classify, instructionKey, parseInstructionName } from './vertex-name.ts';

export { classify } from './vertex-name.ts';
export { subtractIntervals, unionMs } from './phases.ts';

export interface SummarizeOptions {
  /** Layer digests of the base images: their downloads count as base-pull, others as cache-import. */
  baseLayers?: ReadonlySet<string>;
}

export interface StepSummary {
  steps: StepRecord[];
  phases: Phases;
  /** Instructions (not FROM) whose every vertex was cached. */
  cachedSteps: number;
  /** Instructions (not FROM): one per `[stage i/n]`, however many vertices it has. */
  totalSteps: number;
  /** BuildKit's span: first vertex start to last vertex completion. */
  spanMs: number;
  /** Span time no known activity covered (phases + this = span). */
  unattributedMs: number;
  /** How many separate stretches the unattributed time falls into, and the longest. */
  unattributedGaps: number;
  longestGapMs: number;
  /** Per step name: how much of its time was a layer download or extraction. */
  transferMs: Map<string, number>;
  /** Bytes of layers BuildKit downloaded (base image and imported cache), and how many layers. */
  bytesPulled: number;
  layersPulled: number;
  failedStep?: StepRecord;
}

function stepOf(v: Vertex, t0: number): StepRecord {
  const { kind, stage } = classify(v.name);
  const ins = parseInstructionName(v.name);
  const startMs = v.started ? v.started.getTime() - t0 : null;
  const durationMs = v.started && v.completed ? v.completed.getTime() - v.started.getTime() : v.cached ? 0 : null;
  const step: StepRecord = { name: v.name, kind, cached: v.cached, startMs, durationMs };
  if (stage !== undefined) step.stage = stage;
  if (ins) step.step = ins.step;
  if (ins?.platform) step.platform = ins.platform;
  if (ins?.link) step.link = true;
  if (v.error) step.error = v.error;
  return step;
}

/** Instructions (FROM aside), each counted once across its vertices; cached when all of them were. */
function countInstructions(vs: readonly Vertex[]): { total: number; cached: number } {
  const byKey = new Map<string, boolean>();
  for (const v of vs) {
    const ins = parseInstructionName(v.name);
    if (!ins || ins.keyword === 'FROM') continue;
    const key = instructionKey(ins);
    byKey.set(key, (byKey.get(key) ?? true) && v.cached);
  }
  return { total: byKey.size, cached: [...byKey.values()].filter(Boolean).length };
}

const CANCELLED = /\b(context canceled|canceled|cancelled)\s*$/i;

/**
 * The step that failed for its own reason: when one step fails, BuildKit cancels its
 * siblings, and their errors ("context canceled") come in too, sometimes first. The
 * earliest-ending error that is not a cancellation wins; a cancellation only when there is
 * nothing else.
 */
function rootCause(steps: readonly StepRecord[]): StepRecord | undefined {
  const failed = steps.filter((s) => s.error !== undefined);
  const end = (s: StepRecord) => (s.startMs ?? Infinity) + (s.durationMs ?? 0);
  const own = failed.filter((s) => !CANCELLED.test(s.error ?? '')).sort((a, b) => end(a) - end(b));
  return own.find((s) => s.kind !== 'internal') ?? own[0] ?? failed.find((s) => s.kind !== 'internal') ?? failed[0];
}

export function summarize(progress: ParsedProgress, opts: SummarizeOptions = {}): StepSummary {
  const vs = progress.vertexes.filter((v) => v.name !== '');
  const starts = vs.map((v) => v.started?.getTime()).filter((t): t is number => t !== undefined);
  const t0 = starts.length ? Math.min(...starts) : 0;
  const steps = vs.map((v) => stepOf(v, t0));
  const kindOf = new Map<string, StepKind>(vs.map((v, i) => [v.digest, (steps[i] as StepRecord).kind]));
  const pulls = layerTransfers(progress.statuses, kindOf, opts.baseLayers);
  const part = partition(vs, kindOf, pulls.transfers);
  const transferMs = new Map<string, number>();
  for (const v of vs) {
    const ms = part.transferMsIn.get(v.digest);
    if (ms) transferMs.set(v.name, ms);
  }
  const counts = countInstructions(vs);
  const failedStep = rootCause(steps);
  return {
    steps,
    phases: part.phases,
    cachedSteps: counts.cached,
    totalSteps: counts.total,
    spanMs: part.spanMs,
    unattributedMs: part.unattributedMs,
    unattributedGaps: part.unattributedGaps,
    longestGapMs: part.longestGapMs,
    transferMs,
    bytesPulled: pulls.bytes,
    layersPulled: pulls.layers,
    ...(failedStep ? { failedStep } : {}),
  };
}

/** The log of the failing vertex (or of the whole build), last lines only. */
export function failingLog(progress: ParsedProgress, lines = 25, failed?: StepRecord): string {
  const vertex = failed ? progress.vertexes.find((v) => v.name === failed.name && progress.logs.has(v.digest)) : undefined;
  const any = vertex ?? progress.vertexes.find((v) => v.error && !CANCELLED.test(v.error) && progress.logs.has(v.digest)) ?? progress.vertexes.find((v) => v.error && progress.logs.has(v.digest));
  const text = any ? progress.logs.get(any.digest) ?? '' : progress.otherText;
  return text.split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n');
}
