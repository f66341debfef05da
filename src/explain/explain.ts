/**
 * Pure: why each step of a build re-ran. Per stage, in Dockerfile order: a step with a
 * cause of its own (predict.ts) re-runs; a step after one that re-ran in its stage (or in
 * the stage it is built FROM) re-runs too (after-miss); a step that copies or mounts from a
 * stage that re-ran may stay cached — BuildKit keys those inputs by content — so it is
 * `maybe`. Then the prediction is held against what the build did: a re-run that nothing
 * predicts is `unexpected`, a predicted re-run that came out cached is a finding too.
 */
import type { DockerfileModel, ExpectedStep } from '../dockerfile/model.ts';
import type { BuildExplanation, StepExplanation } from '../results/types.ts';
import { notExportedCause, stageOf, stepFacts, type ExplainInput, type StepFacts } from './predict.ts';
import { skippedStages } from './skipped.ts';

export type { CacheSource, ExplainInput } from './predict.ts';

export const stepLabel = (e: ExpectedStep) => `[${e.stage ? `${e.stage} ` : ''}${e.step}/${e.total}] ${e.text.split('\n')[0]}`;

/** Per stage index: the label of the first step that re-ran (or was predicted to), once known. */
type StageMisses = Map<number, string | undefined>;

/** The step that makes `f` re-run by inheritance: an earlier re-run of its stage, or of the stage it is built FROM. */
function inheritedMiss(model: DockerfileModel, f: StepFacts, firstRun: StageMisses): string | undefined {
  const stage = stageOf(model, f.expected.stage);
  const own = firstRun.get(stage.index);
  if (own) return own;
  for (let b = stage.baseStage; b !== undefined; b = model.stages[b]?.baseStage) {
    const m = firstRun.get(b);
    if (m) return m;
  }
  return undefined;
}

function predictOne(input: ExplainInput, f: StepFacts, firstRun: StageMisses, skipped: ReadonlySet<number>): StepExplanation {
  const model = input.model;
  const step = stepLabel(f.expected);
  const base = { step, stage: f.expected.stage };
  if (skipped.has(stageOf(model, f.expected.stage).index)) return { ...base, cached: null, predicted: 'cached' };
  const inherited = inheritedMiss(model, f, firstRun);
  if (inherited) return { ...base, cached: null, predicted: 'run', cause: 'after-miss', why: `${inherited} re-ran`, after: inherited };
  if (f.root) return { ...base, cached: null, predicted: 'run', ...f.root };
  if (!f.exported) return { ...base, cached: null, predicted: 'run', ...notExportedCause(input, f.expected) };
  const fromStage = f.inputs.fromStages.find((i) => firstRun.get(i) !== undefined);
  if (fromStage !== undefined) {
    const from = firstRun.get(fromStage) as string;
    const name = model.stages[fromStage]?.label || `stage-${fromStage}`;
    return { ...base, cached: null, predicted: 'maybe', cause: 'after-miss', why: `it reads stage ${name}, which re-ran from ${from}; cached only if what it reads came out byte-identical`, after: from };
  }
  if (f.external.length) return { ...base, cached: null, predicted: 'maybe', cause: 'inputs-changed', why: `it reads ${f.external.join(', ')}, which cachebench cannot compare` };
  return { ...base, cached: null, predicted: 'cached' };
}

/** Holds one prediction against what the build did. */
function judge(x: StepExplanation, cached: boolean | undefined, findings: string[]): StepExplanation {
  if (cached === undefined) return x;
  const out: StepExplanation = { ...x, cached };
  if (!cached && x.predicted === 'cached') {
    findings.push(`${x.step}: re-ran, and nothing predicts it (its inputs, values and chain match the parent's; the cache should hold it)`);
    return { ...out, cause: 'unexpected', why: 'nothing predicts this re-run: a non-deterministic input, an evicted or incomplete cache, or a BuildKit behaviour', finding: 'ran-unpredicted' };
  }
  if (cached && x.predicted === 'run') {
    findings.push(`${x.step}: predicted to re-run (${x.cause}: ${x.why ?? ''}) but came out cached`);
    return { ...out, finding: 'cached-unpredicted' };
  }
  if (!cached && x.predicted === 'maybe' && x.cause === 'after-miss') {
    return { ...out, why: (x.why ?? '').replace(/; cached only if .*$/, ', and what it reads changed') };
  }
  if (cached) {
    const { cause: _c, why: _w, after: _a, files: _f, fileCount: _n, ...rest } = out;
    return rest;
  }
  return out;
}

/**
 * Why each step re-ran. `observed` is what the build did per expected step (from the
 * self-check's accounting); a build with no observations gets the prediction alone.
 */
export function explainBuild(input: ExplainInput, observed: ReadonlyMap<ExpectedStep, boolean>): BuildExplanation {
  const firstRun: StageMisses = new Map();
  const findings: string[] = [];
  const steps: StepExplanation[] = [];
  const facts = stepFacts(input);
  const skipped = input.cache.imported && input.cache.stages === 'final' ? skippedStages(input.model, facts) : new Set<number>();
  const firstMiss: BuildExplanation['firstMiss'] = [];
  for (const f of facts) {
    const judged = judge(predictOne(input, f, firstRun, skipped), observed.get(f.expected), findings);
    steps.push(judged);
    const ran = judged.cached === false || (judged.cached === null && judged.predicted === 'run');
    const stage = stageOf(input.model, f.expected.stage).index;
    if (ran && !firstRun.get(stage)) {
      firstRun.set(stage, judged.step);
      firstMiss.push({ stage: judged.stage, index: steps.length - 1 });
    }
  }
  const cache = input.cache.imported ? input.cache.label : `no cache imported (${input.cache.why})`;
  return { cache, steps, firstMiss, findings };
}

/** The first step that re-ran, in Dockerfile order, or undefined when nothing did. */
export function firstRerun(x: BuildExplanation): StepExplanation | undefined {
  const first = x.firstMiss[0];
  return first ? x.steps[first.index] : undefined;
}

/** The first step that re-ran (in Dockerfile order) and its cause, in one line. */
export function firstRerunLine(x: BuildExplanation | undefined): string | undefined {
  if (!x) return undefined;
  const s = firstRerun(x);
  return s ? `${s.step} — ${s.cause ?? '?'}: ${s.why ?? ''}` : 'nothing re-ran';
}
