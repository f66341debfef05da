/**
 * Pure: the class of one commit, by the first step of the Dockerfile it would invalidate —
 * the same rules as the cache-miss explanation (src/explain), with a cache that holds every
 * step of the parent commit's build:
 * - dockerfile-change / base-image-change: the Dockerfile's text changed (its FROM images
 *   too for the latter);
 * - no-change: no step's inputs changed (files outside the context, ignored by
 *   `.dockerignore`, or read by no COPY);
 * - dependency-change: the dependency step (restore/install) re-runs — it or a COPY
 *   feeding it is the first invalidated step;
 * - code-change: something after the dependency step is invalidated.
 */
import { readDockerfile, type DockerfileModel, type ModelOptions } from '../dockerfile/model.ts';
import { normalizeImage } from '../dockerfile/args.ts';
import { explainBuild, firstRerun } from '../explain/explain.ts';
import { stageOf, stepFacts, type StepFacts } from '../explain/predict.ts';
import type { StepExplanation } from '../results/types.ts';

export const MIX_CLASSES = ['no-change', 'code-change', 'dependency-change', 'dockerfile-change', 'base-image-change'] as const;
export type MixClass = (typeof MIX_CLASSES)[number];

/**
 * Commands that install a project's dependencies, for finding the dependency step when the
 * user does not name it (`--dependency-step`). System packages (apt, apk) are not the project's.
 */
const DEPENDENCY_COMMANDS = /\b(dotnet restore|nuget restore|npm (ci|install|i)\b|yarn( install)?\b|pnpm (install|fetch|i)\b|bun install|pip3? install|poetry install|uv (sync|pip install)|pipenv install|go mod download|bundle (install|config)|composer install|mvn\b.*(dependency:|go-offline|install)|gradle\b.*(dependencies|--refresh)|cargo (fetch|build)|mix deps\.get|deno (install|cache)|conan install|vcpkg install)/;

export interface CommitView {
  /** Dockerfile texts at the first parent and at the commit. */
  parentDockerfile: string;
  dockerfile: string;
  /** Context-relative files whose content or inclusion changed (after `.dockerignore`). */
  changed: string[];
}

export interface Classification {
  class: MixClass;
  /** The first step it invalidates (`[build 4/8] COPY deps.txt ./`). */
  step?: string;
  /** The files that caused it (first 10). */
  files: string[];
}

export interface Classifier {
  classify(c: CommitView): Classification;
}

const bases = (m: DockerfileModel) => m.needed.map((i) => m.stages[i]).filter((s) => s && s.baseStage === undefined).map((s) => normalizeImage(s?.base ?? '')).sort().join('\n');

/**
 * The step whose re-run makes a commit a dependency change: named (`--dependency-step
 * TEXT`), or the first RUN of an install command that reads the project — a step reading
 * the build context comes before it in its stage (or the stages it is built FROM), or it
 * mounts the context itself. `RUN npm install -g bower` before any COPY is a tool, not the
 * project's dependencies.
 */
function dependencyStep(model: DockerfileModel, steps: readonly StepExplanation[], named?: string): StepExplanation | undefined {
  if (named) return steps.find((s) => s.step.includes(named));
  const facts = stepFacts({ model, parent: model, changed: [], cache: { imported: true, label: '', mode: 'max', stages: 'all' } });
  const readsContext = new Set<number>();
  const stageIndex = (f: StepFacts) => stageOf(model, f.expected.stage).index;
  const chainReads = (i: number): boolean => readsContext.has(i) || (model.stages[i]?.baseStage !== undefined && chainReads(model.stages[i]?.baseStage as number));
  for (const [k, f] of facts.entries()) {
    if (f.inputs.keyword === 'RUN' && DEPENDENCY_COMMANDS.test(f.inputs.text) && !/\s-g\b|--global\b/.test(f.inputs.text) && (chainReads(stageIndex(f)) || f.inputs.context)) return steps[k];
    if (f.inputs.context) readsContext.add(stageIndex(f));
  }
  return undefined;
}

export function classifier(opts: ModelOptions & { dependencyStep?: string; dockerfilePath: string }): Classifier {
  const models = new Map<string, DockerfileModel>();
  const model = (text: string) => {
    let m = models.get(text);
    if (!m) models.set(text, (m = readDockerfile(text, opts)));
    return m;
  };
  return {
    classify(c) {
      const m = model(c.dockerfile);
      const parent = model(c.parentDockerfile);
      const x = explainBuild({ model: m, parent, changed: c.changed, cache: { imported: true, label: 'the parent commit', mode: 'max', stages: 'all' } }, new Map());
      const first = firstRerun(x);
      if (c.dockerfile !== c.parentDockerfile) {
        const cls: MixClass = bases(m) !== bases(parent) ? 'base-image-change' : 'dockerfile-change';
        return { class: cls, ...(first ? { step: first.step } : {}), files: [opts.dockerfilePath] };
      }
      if (!first) return { class: 'no-change', files: [] };
      const dep = dependencyStep(m, x.steps, opts.dependencyStep);
      const cls: MixClass = dep && dep.predicted === 'run' ? 'dependency-change' : 'code-change';
      return { class: cls, step: first.step, files: first.files ?? [] };
    },
  };
}

/** Whether the model has a dependency step (to warn when every change will count as code). */
export function findsDependencyStep(text: string, opts: ModelOptions & { dependencyStep?: string }): string | undefined {
  const m = readDockerfile(text, opts);
  const x = explainBuild({ model: m, parent: m, changed: [], cache: { imported: true, label: '', mode: 'max', stages: 'all' } }, new Map());
  return dependencyStep(m, x.steps, opts.dependencyStep)?.step;
}
