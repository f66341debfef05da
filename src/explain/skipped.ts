/**
 * Pure: which stages a mode=min (or inline) build never has to run. BuildKit resolves a
 * build from its result backwards and matches each step first by its definition (the
 * instruction, the keys of its inputs, the checksums of the context files it reads). A
 * stage that the cache does not hold (the builder stage under mode=min) is still skipped —
 * and reported cached — when every step that reads it (`COPY --from`, `FROM stage`, a
 * mount) is found in the cache by its definition: then nobody needs its result. That
 * holds when nothing in the stage, in what it depends on, or in its readers changed.
 */
import type { DockerfileModel } from '../dockerfile/model.ts';
import { stageOf, type StepFacts } from './predict.ts';

/** Per step: whether its definition-based cache key equals the parent build's (its own key and every input's). */
export function keyMatches(model: DockerfileModel, facts: readonly StepFacts[]): Map<StepFacts, boolean> {
  const out = new Map<StepFacts, boolean>();
  const stageOk = new Map<number, boolean>();
  const ok = (i: number): boolean => {
    const known = stageOk.get(i);
    if (known !== undefined) return known;
    const base = model.stages[i]?.baseStage;
    return base === undefined ? true : ok(base);
  };
  for (const f of facts) {
    const stage = stageOf(model, f.expected.stage).index;
    const match = !f.root && ok(stage) && f.inputs.fromStages.every(ok);
    out.set(f, match);
    stageOk.set(stage, match);
  }
  return out;
}

/** Stage indexes that a mode=min/inline build skips although the cache does not hold them. */
export function skippedStages(model: DockerfileModel, facts: readonly StepFacts[]): Set<number> {
  const match = keyMatches(model, facts);
  const stageIndex = (f: StepFacts) => stageOf(model, f.expected.stage).index;
  const skipped = new Set<number>();
  // Readers come after what they read: decide from the last stage back.
  for (const stage of [...model.needed].reverse()) {
    const own = facts.filter((f) => stageIndex(f) === stage);
    if (own.length === 0 || own.every((f) => f.exported) || !own.every((f) => match.get(f))) continue;
    const readers = facts.filter((f) => f.inputs.fromStages.includes(stage) || (model.stages[stageIndex(f)]?.baseStage === stage && f === facts.find((g) => stageIndex(g) === stageIndex(f))));
    const served = (r: StepFacts) => (r.exported && match.get(r) === true) || skipped.has(stageIndex(r));
    if (readers.length > 0 && readers.every(served)) skipped.add(stage);
  }
  return skipped;
}
