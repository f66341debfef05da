/**
 * What goes into each numbered step's cache key besides the steps before it, as BuildKit's
 * Dockerfile frontend builds it (dockerfile2llb): the build-context files a COPY/ADD (or a
 * RUN's bind mount of the context) reads, the stages it copies or mounts from, inputs
 * outside the context (ADD of a URL or a git repository), and the values a step depends
 * on: a RUN's environment holds every ARG in scope and the ENV, USER and SHELL in effect;
 * a COPY/ADD/WORKDIR only the variables its text expands. ARGs do not cross a FROM; ENV is
 * inherited from a base stage. Pure: the model in, one record per step out.
 */
import { expandWord } from './args.ts';
import { cleanSource } from './copy-sources.ts';
import { fromStageIndex, type DockerfileModel, type Instruction, type Stage } from './model.ts';

export interface StepInputs {
  /** Stage index and BuildKit's step number (`[stage step/total]`). */
  stage: number;
  step: number;
  keyword: string;
  text: string;
  line: number;
  /** The files of the build context the step reads, when it reads any. */
  context?: { sources: string[]; parents: boolean; excludes: string[] };
  /** ADD of a URL or a git repository, `COPY --from` another build context: inputs nobody here can diff. */
  external: string[];
  /** Stages whose output the step reads (`COPY --from`, `RUN --mount=…,from=`). */
  fromStages: number[];
  /** Values in the step's cache key: `ARG NAME`, `ENV NAME`, `USER`, `SHELL` → value. */
  values: Record<string, string>;
}

interface Scope {
  args: Record<string, string>;
  env: Record<string, string>;
  user: string;
  shell: string;
}

const REMOTE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i;

function declareArgs(ins: Instruction, scope: Scope, model: DockerfileModel): void {
  for (const word of ins.args) {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    const fallback = eq < 0 ? model.globalArgs[name] : expandWord(word.slice(eq + 1), { ...scope.env, ...scope.args });
    const value = model.buildArgs[name] ?? fallback;
    if (value !== undefined) scope.args[name] = value;
  }
}

function setEnv(ins: Instruction, scope: Scope): void {
  const vars = { ...scope.env, ...scope.args };
  const words = ins.args;
  if (words.length >= 2 && !(words[0] ?? '').includes('=')) {
    scope.env[words[0] as string] = expandWord(words.slice(1).join(' '), vars);
    return;
  }
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq > 0) scope.env[w.slice(0, eq)] = expandWord(w.slice(eq + 1), vars);
  }
}

/** The names `$NAME`/`${NAME…}` in a text. */
const referenced = (text: string) => new Set([...text.matchAll(/\$\{?(\w+)/g)].map((m) => m[1] as string));

function valuesOf(ins: Instruction, scope: Scope): Record<string, string> {
  const out: Record<string, string> = {};
  if (ins.keyword === 'RUN') {
    for (const [k, v] of Object.entries(scope.args)) out[`ARG ${k}`] = v;
    for (const [k, v] of Object.entries(scope.env)) out[`ENV ${k}`] = v;
    if (scope.user) out.USER = scope.user;
    if (scope.shell) out.SHELL = scope.shell;
    return out;
  }
  for (const name of referenced(ins.text)) {
    if (scope.args[name] !== undefined) out[`ARG ${name}`] = scope.args[name] as string;
    else if (scope.env[name] !== undefined) out[`ENV ${name}`] = scope.env[name] as string;
  }
  return out;
}

/** COPY/ADD: context sources, or the stage / other context it copies from. */
function copyInputs(ins: Instruction, vars: Record<string, string>, model: DockerfileModel, out: StepInputs): void {
  const from = ins.flags.from ? expandWord(ins.flags.from, vars) : undefined;
  if (from !== undefined) {
    const dep = fromStageIndex(model.stages, from);
    if (dep !== undefined) out.fromStages.push(dep);
    else if (!/[:/@.]/.test(from)) out.external.push(`build context ${from}`);
    return; // an image: fixed content for a given digest
  }
  const sources = ins.args.slice(0, -1).map((s) => expandWord(s, vars)).filter((s) => !s.startsWith('<<'));
  const remote = ins.keyword === 'ADD' ? sources.filter((s) => REMOTE.test(s) || /\.git(#.*)?$/.test(s)) : [];
  out.external.push(...remote);
  const local = sources.filter((s) => !remote.includes(s));
  if (local.length === 0) return;
  const excludes = ins.flags.exclude ? [expandWord(ins.flags.exclude, vars)] : [];
  out.context = { sources: local, parents: 'parents' in ins.flags && ins.flags.parents !== 'false', excludes };
}

/** RUN: bind mounts of the context, and stages it mounts. */
function runInputs(ins: Instruction, vars: Record<string, string>, model: DockerfileModel, out: StepInputs): void {
  for (const m of ins.mounts) {
    if (m.type !== 'bind' && m.from === undefined) continue;
    if (m.type === 'cache' || m.type === 'secret' || m.type === 'ssh' || m.type === 'tmpfs') continue;
    if (m.from === undefined) {
      const src = cleanSource(expandWord(m.source ?? '.', vars));
      out.context = { sources: [...(out.context?.sources ?? []), src === '' ? '.' : src], parents: false, excludes: [] };
      continue;
    }
    const dep = fromStageIndex(model.stages, expandWord(m.from, vars));
    if (dep !== undefined) out.fromStages.push(dep);
    else if (!/[:/@.]/.test(m.from)) out.external.push(`build context ${m.from}`);
  }
}

function inputsOf(ins: Instruction, scope: Scope, model: DockerfileModel, stage: Stage): StepInputs {
  const out: StepInputs = { stage: stage.index, step: ins.step as number, keyword: ins.keyword, text: ins.text, line: ins.line, external: [], fromStages: [], values: valuesOf(ins, scope) };
  const vars = { ...scope.env, ...scope.args };
  if (ins.keyword === 'COPY' || ins.keyword === 'ADD') copyInputs(ins, vars, model, out);
  else if (ins.keyword === 'RUN') runInputs(ins, vars, model, out);
  return out;
}

/** Every numbered step of every stage (FROM aside), with its inputs; keyed `stageIndex:step`. */
export function stepInputs(model: DockerfileModel): Map<string, StepInputs> {
  const out = new Map<string, StepInputs>();
  const finalEnv = new Map<number, Scope>();
  for (const stage of model.stages) {
    const base = stage.baseStage !== undefined ? finalEnv.get(stage.baseStage) : undefined;
    const scope: Scope = { args: {}, env: { ...base?.env }, user: base?.user ?? '', shell: base?.shell ?? '' };
    for (const ins of stage.instructions) {
      if (ins.keyword === 'ARG') declareArgs(ins, scope, model);
      else if (ins.keyword === 'ENV') setEnv(ins, scope);
      else if (ins.keyword === 'USER') scope.user = expandWord(ins.command.trim(), { ...scope.env, ...scope.args });
      else if (ins.keyword === 'SHELL') scope.shell = ins.command.trim();
      if (ins.step !== undefined) out.set(`${stage.index}:${ins.step}`, inputsOf(ins, scope, model, stage));
    }
    finalEnv.set(stage.index, scope);
  }
  return out;
}
