/**
 * The Dockerfile model: what BuildKit will build for a target, read with `dockerfile-ast`
 * (the parser behind the Dockerfile language server) and then resolved the way BuildKit's
 * Dockerfile frontend resolves it (moby/buildkit frontend/dockerfile/dockerfile2llb):
 * - stage names are case-insensitive; an unnamed stage is `stage-N`, and a Dockerfile
 *   with a single stage prints no stage name at all (`[2/5] RUN …`);
 * - per stage, BuildKit numbers the instructions that make filesystem operations: FROM an
 *   image (not `scratch`, not another stage), ADD, COPY, RUN and WORKDIR; ENV, ARG, LABEL,
 *   USER, CMD … only change the image config and print no vertex;
 * - only the stages the target needs are built: reached through `FROM stage`,
 *   `COPY --from=stage` and `RUN --mount=…,from=stage`;
 * - a stage (or a FROM image) named by a `--build-context` is served by that context: the
 *   stage's own instructions are not built, the FROM prints `[context NAME]` instead.
 * Pure: text in, model out. Imports nothing from the rest of cachebench.
 */
import { DockerfileParser, From, Onbuild, type Instruction as AstInstruction } from 'dockerfile-ast';
import { expandWord, normalizeImage, predefinedArgs } from './args.ts';
import { shellWords } from './shell.ts';

/** An instruction BuildKit gives a numbered vertex (`[stage i/n] …`). */
export type CountedKeyword = 'FROM' | 'ADD' | 'COPY' | 'RUN' | 'WORKDIR';
const COUNTED = new Set(['ADD', 'COPY', 'RUN', 'WORKDIR']);

export interface Mount {
  type: string;
  from?: string;
  /** `source=`/`src=`: the path mounted, within `from` or the build context. */
  source?: string;
}

export interface Instruction {
  keyword: string;
  /** The instruction as written (continuations and heredoc bodies included). */
  text: string;
  /** 1-based line in the Dockerfile. */
  line: number;
  /** Flags as written (`--link` → link: null, `--from=build` → from: 'build'); repeated flags keep the last. */
  flags: Record<string, string | null>;
  mounts: Mount[];
  heredoc: boolean;
  /**
   * Shell form: the command line after the flags, continuations joined and the comment
   * lines inside them dropped (as Docker does), heredoc bodies not included.
   */
  command: string;
  /** The arguments after the flags: the exec form's JSON array, else the shell words of `command` (quotes removed). */
  args: string[];
  /** Heredoc bodies in order (`<<-` leading tabs stripped). */
  heredocBodies: Array<{ name: string; body: string }>;
  /** Its number in BuildKit's `[stage i/n]` prefix, when it gets a vertex. */
  step?: number;
  /** `ONBUILD X`: the instruction X, run by a stage built FROM this one (before its own). */
  trigger?: Instruction;
  /** A trigger inherited from the base stage's ONBUILD (BuildKit prints `[app 1/4] ONBUILD COPY …`). */
  onbuild?: true;
}

export interface Stage {
  index: number;
  /** Lower-cased `AS` name, or '' when unnamed. */
  name: string;
  /** What BuildKit prints in the prefix: the name, `stage-N`, or '' for a lone stage. */
  label: string;
  /** The FROM image after ARG expansion (`scratch`, an image ref, or another stage's name). */
  base: string;
  /** The stage this one is built on, when FROM names an earlier stage. */
  baseStage?: number;
  platform?: string;
  instructions: Instruction[];
  /** BuildKit's total for the prefix: counted instructions, plus 1 for FROM an image. */
  total: number;
  /** Stages this one needs (FROM, COPY --from, RUN --mount from=). */
  deps: number[];
  /** Images (not stages) this stage copies or mounts from: `COPY --from=busybox:1.36 …`. */
  imageDeps: string[];
}

export interface DockerfileModel {
  stages: Stage[];
  /** ARGs declared before the first FROM, after --build-arg overrides. */
  globalArgs: Record<string, string>;
  /** The `--build-arg` values the model was read with. */
  buildArgs: Record<string, string>;
  target: number;
  /** Stage indexes BuildKit builds for the target, in Dockerfile order. */
  needed: number[];
  /** Labels of stages it does not build (the target does not need them, or a build context replaces them). */
  skipped: string[];
  /** Every instruction of the needed stages that prints a numbered vertex. */
  expected: ExpectedStep[];
}

export interface ExpectedStep {
  stage: string;
  step: number;
  total: number;
  keyword: CountedKeyword;
  text: string;
  line: number;
  /** FROM served by a named build context: BuildKit prints `[context NAME]`, not this step. */
  viaContext?: string;
  /**
   * The step's place in the build graph: its base and the filesystem steps before it.
   * BuildKit merges identical operations on identical inputs into one vertex (two stages
   * `FROM busybox` share one FROM vertex, named after the first; so do their identical
   * `WORKDIR /app` steps, whatever ENV or LABEL lines lie between), so a step whose vertex
   * is missing is accounted for by a step with an equal chain that has one.
   */
  chain: string;
}

export interface ModelOptions {
  buildArgs?: Record<string, string>;
  target?: string;
  /** Names given to `--build-context NAME=…` (stage names or FROM image names). */
  buildContexts?: readonly string[];
  /** The build platform (`linux/amd64`); the host's by default. */
  platform?: string;
}

export class DockerfileError extends Error {}

function flagsOf(ins: AstInstruction): { flags: Record<string, string | null>; mounts: Mount[] } {
  const flags: Record<string, string | null> = {};
  const mounts: Mount[] = [];
  const getFlags = (ins as unknown as { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> }).getFlags;
  for (const f of getFlags ? getFlags.call(ins) : []) {
    const name = f.getName().toLowerCase();
    const value = f.getValue();
    flags[name] = value;
    if (name === 'mount' && value) {
      const kv = Object.fromEntries(value.split(',').map((p) => p.split('=', 2) as [string, string?]).map(([k, v]) => [k.trim().toLowerCase(), v ?? '']));
      const source = kv.source ?? kv.src;
      mounts.push({ type: kv.type || 'bind', ...(kv.from ? { from: kv.from } : {}), ...(source ? { source } : {}) });
    }
  }
  return { flags, mounts };
}

function hasHeredoc(ins: AstInstruction): boolean {
  const h = (ins as unknown as { getHeredocs?: () => unknown[] }).getHeredocs;
  return h ? h.call(ins).length > 0 : false;
}

/** The logical command line of raw arguments: continuations joined, comment and empty lines inside them dropped. */
function logicalCommand(raw: string, escape: string): string {
  const lines = raw.split(/\r?\n/);
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (i > 0 && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    const end = line.trimEnd();
    if (!end.endsWith(escape) || i === lines.length - 1) return out + (end.endsWith(escape) ? end.slice(0, -1) : end);
    out += end.slice(0, -1);
  }
  return out;
}

function heredocBodies(ins: AstInstruction, command: string, docLines: readonly string[]): Array<{ name: string; body: string }> {
  const h = (ins as unknown as { getHeredocs?: () => Array<{ getName(): string; getContentRange(): { start: { line: number }; end: { line: number } } | null }> }).getHeredocs;
  return (h ? h.call(ins) : []).map((d) => {
    const name = d.getName();
    const r = d.getContentRange();
    const stripTabs = new RegExp(`<<-(["']?)${name.replace(/\W/g, '\\$&')}\\1`).test(command);
    const lines = r ? docLines.slice(r.start.line, r.end.line + 1) : [];
    return { name, body: lines.map((l) => (stripTabs ? l.replace(/^\t+/, '') : l)).join('\n') };
  });
}

/** Command line, words and heredoc bodies of an instruction's arguments (after its flags). */
function argumentsOf(ins: AstInstruction, escape: string, docLines: readonly string[]): Pick<Instruction, 'command' | 'args' | 'heredocBodies'> {
  const command = logicalCommand(ins.getRawArgumentsContent() ?? '', escape);
  let args: string[] | undefined;
  if (command.trim().startsWith('[')) {
    try {
      const arr: unknown = JSON.parse(command.trim());
      if (Array.isArray(arr) && arr.every((x) => typeof x === 'string')) args = arr;
    } catch {
      // not JSON after all: shell form
    }
  }
  return { command, args: args ?? shellWords(command), heredocBodies: heredocBodies(ins, command, docLines) };
}

interface RawStage {
  name: string;
  from: string;
  platform?: string;
  line: number;
  instructions: Instruction[];
}

/** Splits the parsed file into global ARGs and stages. */
function rawStages(text: string): { args: Array<[string, string | undefined]>; stages: RawStage[] } {
  const df = DockerfileParser.parse(text);
  const escape = df.getEscapeCharacter();
  const docLines = text.split(/\r?\n/);
  const args: Array<[string, string | undefined]> = [];
  const stages: RawStage[] = [];
  for (const ins of df.getInstructions()) {
    const keyword = ins.getKeyword().toUpperCase();
    const line = ins.getRange().start.line + 1;
    if (ins instanceof From) {
      const platform = ins.getPlatformFlag()?.getValue();
      stages.push({
        name: (ins.getBuildStage() ?? '').toLowerCase(),
        from: ins.getImage() ?? '',
        ...(platform ? { platform } : {}),
        line,
        instructions: [],
      });
      continue;
    }
    const current = stages[stages.length - 1];
    if (!current) {
      if (keyword === 'ARG') {
        // Shell words, as stage ARGs: a quoted value keeps its spaces and its backslashes
        // (dockerfile-ast's arguments split at spaces and drop them).
        for (const word of argumentsOf(ins, escape, docLines).args ?? []) {
          const [k, ...v] = word.split('=');
          if (k) args.push([k, v.length ? v.join('=') : undefined]);
        }
      }
      continue;
    }
    current.instructions.push(instructionOf(ins, keyword, line, escape, docLines));
  }
  return { args, stages };
}

function instructionOf(ins: AstInstruction, keyword: string, line: number, escape: string, docLines: readonly string[]): Instruction {
  const { flags, mounts } = flagsOf(ins);
  const out: Instruction = { keyword, text: ins.getTextContent().replace(/\r/g, ''), line, flags, mounts, heredoc: hasHeredoc(ins), ...argumentsOf(ins, escape, docLines) };
  const t = ins instanceof Onbuild ? ins.getTriggerInstruction() : null;
  if (t) out.trigger = instructionOf(t, t.getKeyword().toUpperCase(), line, escape, docLines);
  return out;
}

/**
 * A stage built FROM another stage runs that stage's ONBUILD triggers first (BuildKit
 * `initOnBuildTriggers`); triggers of a base *image* are in its config, unknown here.
 */
function withTriggers(own: readonly Instruction[], base: RawStage | undefined): Instruction[] {
  const inherited = (base?.instructions ?? []).flatMap((i) => (i.trigger ? [{ ...i.trigger, onbuild: true as const }] : []));
  return [...inherited, ...own.map((i) => ({ ...i }))];
}

/** The index of the stage `ref` names (case-insensitive name, or a number) among the stages before `before`. */
export function stageIndex(stages: readonly { name: string }[], ref: string, before: number): number | undefined {
  const lower = ref.toLowerCase();
  const byName = stages.findIndex((s, i) => i < before && s.name !== '' && s.name === lower);
  if (byName >= 0) return byName;
  if (/^\d+$/.test(ref) && Number(ref) < before) return Number(ref);
  return undefined;
}

/**
 * The stage a `--from` (COPY, ADD, RUN --mount) names: any stage, later ones too (BuildKit
 * resolves --from after every stage is known; FROM sees only the stages before it).
 */
export function fromStageIndex(stages: readonly { name: string }[], ref: string): number | undefined {
  return stageIndex(stages, ref, stages.length);
}

/** Global ARGs (declared before the first FROM), with --build-arg values and BuildKit's platform ARGs. */
function globalArgsOf(declared: ReadonlyArray<[string, string | undefined]>, opts: ModelOptions): Record<string, string> {
  const args: Record<string, string> = { ...predefinedArgs(opts.platform) };
  for (const [k, v] of declared) {
    const value = opts.buildArgs?.[k] ?? (v !== undefined ? expandWord(v, args) : undefined);
    if (value !== undefined) args[k] = value;
  }
  return args;
}

/** A FROM image or --from/--platform value after BuildKit's word processing: `alpine:"3.20"` is `alpine:3.20`. */
function unquoted(word: string): string {
  return /["'\\]/.test(word) ? shellWords(word).join(' ') : word;
}

/** One stage resolved: its base, the stages and images it needs, its numbered steps. */
function resolveStage(raw: readonly RawStage[], index: number, args: Record<string, string>, contexts: ContextMatcher): Stage {
  const r = raw[index] as RawStage;
  const base = unquoted(expandWord(r.from, args));
  const baseStage = stageIndex(raw, base, index);
  const deps = new Set<number>(baseStage !== undefined ? [baseStage] : []);
  const imageDeps: string[] = [];
  const instructions = withTriggers(r.instructions, baseStage !== undefined ? raw[baseStage] : undefined);
  for (const ins of instructions) {
    for (const f of [ins.flags.from, ...ins.mounts.map((m) => m.from)]) {
      if (!f) continue;
      const ref = unquoted(expandWord(f, args));
      const dep = fromStageIndex(raw, ref);
      if (dep !== undefined) deps.add(dep);
      else if (!contexts.image(ref)) imageDeps.push(ref);
    }
  }
  let step = base.toLowerCase() !== 'scratch' && baseStage === undefined ? 1 : 0;
  for (const ins of instructions) if (COUNTED.has(ins.keyword)) ins.step = ++step;
  // BuildKit adds every ONBUILD trigger to the stage's total (ENV and ARG too), though only
  // RUN, COPY, ADD and WORKDIR print a step: `[app 2/4]` can be the last one printed.
  const uncountedTriggers = instructions.filter((i) => i.onbuild && !COUNTED.has(i.keyword)).length;
  return {
    index,
    name: r.name,
    label: raw.length === 1 ? '' : r.name || `stage-${index}`,
    base,
    ...(baseStage !== undefined ? { baseStage } : {}),
    ...(r.platform ? { platform: unquoted(expandWord(r.platform, args)) } : {}),
    instructions,
    total: step + uncountedTriggers,
    deps: [...deps],
    imageDeps,
  };
}

/** Whether BuildKit builds each stage for `target`: needed by it, and not replaced by a build context. */
function builtStages(stages: readonly Stage[], target: number, contexts: ContextMatcher): (s: Stage) => boolean {
  const needed = new Set<number>();
  const visit = (i: number) => {
    if (needed.has(i)) return;
    needed.add(i);
    const s = stages[i] as Stage;
    // A stage served by a build context is not built, and neither is what it needs.
    if (s.name && contexts.stage(s.name) && i !== target) return;
    for (const d of s.deps) visit(d);
  };
  visit(target);
  return (s) => needed.has(s.index) && !(s.name && contexts.stage(s.name));
}

/** Reads a Dockerfile the way BuildKit will build it for `opts.target`. */
export function readDockerfile(text: string, opts: ModelOptions = {}): DockerfileModel {
  const raw = rawStages(text);
  if (raw.stages.length === 0) {
    const nbsp = text.includes('\u00a0') ? ': it contains non-breaking spaces (U+00A0), which Dockerfile parsers (BuildKit\'s too) do not read as spaces; replace them with plain spaces' : '';
    throw new DockerfileError(`the Dockerfile has no FROM instruction${nbsp}`);
  }
  const globalArgs = globalArgsOf(raw.args, opts);
  const contexts = contextMatcher(opts.buildContexts ?? []);
  const stages = raw.stages.map((_, index) => resolveStage(raw.stages, index, globalArgs, contexts));
  const target = opts.target ? stages.findIndex((s) => s.name === opts.target?.toLowerCase()) : stages.length - 1;
  if (target < 0) throw new DockerfileError(`target stage "${opts.target}" is not in the Dockerfile (stages: ${stages.map((s) => s.name || `#${s.index}`).join(', ')})`);
  const built = builtStages(stages, target, contexts);
  return {
    stages,
    globalArgs,
    buildArgs: { ...opts.buildArgs },
    target,
    needed: stages.filter(built).map((s) => s.index),
    skipped: stages.filter((s) => !built(s)).map((s) => s.label || s.name || `stage-${s.index}`),
    expected: stages.filter(built).flatMap((s) => expectedSteps(s, contexts, stages)),
  };
}

interface ContextMatcher {
  stage(name: string): boolean;
  image(ref: string): boolean;
}

/** BuildKit looks a FROM image up among the named contexts by its normalised name. */
function contextMatcher(names: readonly string[]): ContextMatcher {
  const exact = new Set(names.map((n) => n.toLowerCase()));
  const images = new Set(names.map((n) => normalizeImage(n)));
  return { stage: (name) => exact.has(name.toLowerCase()), image: (ref) => exact.has(ref.toLowerCase()) || images.has(normalizeImage(ref)) };
}

function expectedSteps(s: Stage, contexts: ContextMatcher, stages: readonly Stage[]): ExpectedStep[] {
  const out: ExpectedStep[] = [];
  let chain = stageRoot(s, stages);
  if (s.total === 0) return out;
  if (s.base.toLowerCase() !== 'scratch' && s.baseStage === undefined) {
    out.push({
      stage: s.label,
      step: 1,
      total: s.total,
      keyword: 'FROM',
      text: `FROM ${s.base}`,
      line: 0,
      ...(contexts.image(s.base) ? { viaContext: s.base } : {}),
      chain,
    });
  }
  for (const ins of s.instructions) {
    if (ins.step === undefined) continue;
    chain += `\n${ins.text}`;
    out.push({ stage: s.label, step: ins.step, total: s.total, keyword: ins.keyword as CountedKeyword, text: ins.text, line: ins.line, chain });
  }
  return out;
}

/** What a stage starts from: its base stage's whole chain, or the image (without a digest pin). */
function stageRoot(s: Stage, stages: readonly Stage[]): string {
  if (s.baseStage === undefined) return `FROM ${s.base.toLowerCase() === 'scratch' ? 'scratch' : normalizeImage(s.base).split('@')[0]} ${s.platform ?? ''}`;
  const base = stages[s.baseStage] as Stage;
  return `${stageRoot(base, stages)}${base.instructions.filter((i) => i.step !== undefined).map((i) => `\n${i.text}`).join('')}`;
}

/** FROM images of the stages the target needs (not stages, not scratch), with the stages using each. */
export function baseImagesOf(model: DockerfileModel): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (image: string, stage: string) => out.set(image, [...(out.get(image) ?? []), stage]);
  for (const i of model.needed) {
    const s = model.stages[i] as Stage;
    if (s.baseStage === undefined && s.base.toLowerCase() !== 'scratch') add(s.base, s.label || s.name || `stage-${s.index}`);
    for (const img of s.imageDeps) add(img, s.label || s.name || `stage-${s.index}`);
  }
  return out;
}
