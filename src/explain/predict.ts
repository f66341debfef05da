/**
 * Pure: what each step's cache key has that the imported cache may lack — the causes that
 * make a step re-run by itself, independent of the steps before it. The chain of misses
 * (after-miss) and the comparison with what the build did are in explain.ts.
 */
import type { DockerfileModel, ExpectedStep, Stage } from '../dockerfile/model.ts';
import { excludedBy, sourceTakes } from '../dockerfile/copy-sources.ts';
import { stepInputs, type StepInputs } from '../dockerfile/step-inputs.ts';
import type { MissCause } from '../results/types.ts';

/** The cache a build started from. */
export type CacheSource =
  | { imported: false; why: string }
  | { imported: true; label: string; mode: string; /** `all`: every stage (mode=max); `final`: the target stage and the stages it is built FROM. */ stages: 'all' | 'final' };

export interface ExplainInput {
  /** The Dockerfile of the commit built. */
  model: DockerfileModel;
  /** The Dockerfile of the commit whose build exported the imported cache. */
  parent: DockerfileModel | undefined;
  /** Context-relative files whose content (or inclusion) differs between the two commits' build contexts. */
  changed: readonly string[];
  cache: CacheSource;
}

export interface RootCause {
  cause: MissCause;
  why: string;
  files?: string[];
  fileCount?: number;
}

export interface StepFacts {
  expected: ExpectedStep;
  inputs: StepInputs;
  /** A cause in the step's own cache key (what differs from the parent's build), whatever the mode holds. */
  root?: RootCause;
  /** Whether the imported cache holds the step's result (mode=max: every step; min/inline: the final stage's chain). */
  exported: boolean;
  /** Inputs that may or may not differ (stages it copies from: content-addressed; URLs). */
  external: string[];
}

export const stageOf = (model: DockerfileModel, label: string): Stage => model.stages.find((s) => s.label === label && model.needed.includes(s.index)) as Stage;

/**
 * What a mode=min (or inline) cache holds: the steps of the target and of the stages it is
 * built FROM, by chain — a step of another stage that BuildKit merged with one of those
 * (same base, same instructions before it) is the same vertex, so it is in the cache too.
 */
function finalChain(model: DockerfileModel): Set<string> {
  const stages = new Set<number>();
  for (let i: number | undefined = model.target; i !== undefined && !stages.has(i); i = model.stages[i]?.baseStage) stages.add(i);
  return new Set(model.expected.filter((e) => stages.has(stageOf(model, e.stage).index)).map((e) => e.chain));
}

const list = (files: string[]) => ({ files: files.slice(0, 10), fileCount: files.length });

function contextRoot(inputs: StepInputs, changed: readonly string[]): RootCause | undefined {
  const c = inputs.context;
  if (!c) return undefined;
  const hit = changed.filter((f) => c.sources.some((s) => sourceTakes(s, f, { parents: c.parents })) && !excludedBy(c.excludes, f));
  if (hit.length === 0) return undefined;
  return { cause: 'inputs-changed', why: `${hit.slice(0, 3).join(', ')}${hit.length > 3 ? ` and ${hit.length - 3} more` : ''} changed`, ...list(hit) };
}

function valuesRoot(own: StepInputs, before: StepInputs): RootCause | undefined {
  const keys = new Set([...Object.keys(own.values), ...Object.keys(before.values)]);
  const diff = [...keys].filter((k) => own.values[k] !== before.values[k]).sort();
  if (diff.length === 0) return undefined;
  const shown = diff.slice(0, 3).map((k) => `${k} ${JSON.stringify(before.values[k] ?? null)} → ${JSON.stringify(own.values[k] ?? null)}`);
  return { cause: 'arg-changed', why: `${shown.join(', ')}${diff.length > 3 ? ` and ${diff.length - 3} more` : ''}` };
}

/** The why of a step the mode=min/inline cache does not hold. */
export function notExportedCause(input: ExplainInput, e: ExpectedStep): RootCause {
  const mode = input.cache.imported ? input.cache.mode : 'the mode';
  return { cause: 'not-in-cache', why: `${mode} exports only the final stage's layers, not stage ${e.stage || stageOf(input.model, e.stage).index}` };
}

/** The step's own cause, given the parent's steps by chain (undefined: nothing of its own). */
function rootOf(input: ExplainInput, e: ExpectedStep, inputs: StepInputs, parentByChain: Map<string, StepInputs>): RootCause | undefined {
  const { cache, model, parent } = input;
  if (!cache.imported) return { cause: 'not-in-cache', why: cache.why };
  const stage = stageOf(model, e.stage);
  const parentStage = parent?.stages.find((s) => s.label === e.stage);
  if (parentStage && parentStage.baseStage === undefined && stage.baseStage === undefined && parentStage.base !== stage.base) {
    return { cause: 'base-changed', why: `FROM ${parentStage.base} → ${stage.base}` };
  }
  const before = parentByChain.get(e.chain);
  if (!before) return { cause: 'not-in-cache', why: 'the instruction (or one before it in its stage) is new or edited since the parent commit' };
  return valuesRoot(inputs, before) ?? contextRoot(inputs, input.changed);
}

/** Every numbered instruction (FROM aside) of the stages the target needs, with its own cause. */
export function stepFacts(input: ExplainInput): StepFacts[] {
  const inputs = stepInputs(input.model);
  const parentByChain = new Map<string, StepInputs>();
  if (input.parent) {
    const pin = stepInputs(input.parent);
    for (const e of input.parent.expected) {
      const s = e.keyword === 'FROM' ? undefined : pin.get(`${stageOf(input.parent, e.stage).index}:${e.step}`);
      if (s) parentByChain.set(e.chain, s);
    }
  }
  const exported = finalChain(input.model);
  const out: StepFacts[] = [];
  for (const e of input.model.expected) {
    if (e.keyword === 'FROM') continue;
    const own = inputs.get(`${stageOf(input.model, e.stage).index}:${e.step}`);
    if (!own) continue;
    const root = rootOf(input, e, own, parentByChain);
    const held = !input.cache.imported || input.cache.stages === 'all' || exported.has(e.chain);
    out.push({ expected: e, inputs: own, ...(root ? { root } : {}), exported: held, external: own.external });
  }
  return out;
}
