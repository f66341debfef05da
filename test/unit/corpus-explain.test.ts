/**
 * The expected explanation of every corpus case (test/corpus/): for its code change and its
 * dependency change under a mode=max cache, the first step that re-runs is the COPY that
 * takes the edited file (hand-picked below from each Dockerfile), for inputs-changed; under
 * mode=min every stage but the final chain is not in the cache. The integration test
 * (corpus.test.ts) holds the code-change prediction against real builds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readDockerfile } from '../../src/dockerfile/model.ts';
import { explainBuild } from '../../src/explain/explain.ts';
import { projectRoot } from '../../src/paths.ts';
import { CORPUS_FIRST_RERUN } from './helpers/corpus-expectations.ts';


interface CaseConfig {
  context: string;
  dockerfile: string;
  target?: string;
  buildArgs?: Record<string, string>;
  scenarios: Record<string, { edits: Array<{ file: string }> }>;
}

for (const [name, [code, deps]] of Object.entries(CORPUS_FIRST_RERUN)) {
  test(`corpus ${name}: the first re-run on a code and a dependency change, and mode=min`, () => {
    const dir = path.join(projectRoot, 'test', 'corpus', name);
    const cfg = JSON.parse(readFileSync(path.join(dir, 'fixture.json'), 'utf8')) as CaseConfig;
    const text = readFileSync(path.join(dir, cfg.context, cfg.dockerfile), 'utf8');
    const model = readDockerfile(text, { buildArgs: cfg.buildArgs ?? {}, ...(cfg.target ? { target: cfg.target } : {}) });
    const explain = (scenario: string, stages: 'all' | 'final') => {
      const changed = (cfg.scenarios[scenario]?.edits ?? []).map((e) => e.file);
      return explainBuild({ model, parent: model, changed, cache: { imported: true, label: 'cache', mode: stages === 'all' ? 'registry-max' : 'registry-min', stages } }, new Map());
    };
    for (const [scenario, want] of [['code-change', code], ['dependency-change', deps]] as const) {
      const x = explain(scenario, 'all');
      const first = x.firstMiss[0] ? x.steps[x.firstMiss[0].index] : undefined;
      assert.ok(first?.step.includes(want), `${name} ${scenario}: first re-run ${first?.step ?? 'none'}, expected ${want}`);
      assert.equal(first?.cause, 'inputs-changed', `${name} ${scenario}: ${first?.why ?? ''}`);
    }
    // mode=min: a stage outside the final chain re-runs from its first step, not in the cache.
    const min = explain('code-change', 'final');
    for (const m of min.firstMiss) {
      const s = min.steps[m.index];
      assert.ok(s?.cause === 'not-in-cache' || s?.cause === 'inputs-changed' || s?.predicted === 'maybe' || s?.cause === 'after-miss', `${name} min: ${s?.step} ${s?.cause}`);
    }
  });
}
