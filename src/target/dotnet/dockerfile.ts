/**
 * What .NET detection reads from a Dockerfile: its stages, the COPYs from the build
 * context, and the `dotnet publish|build|restore` commands of its RUN lines with the
 * directory each runs in. The Dockerfile itself is read by the shared model
 * (src/dockerfile/model.ts); this file follows WORKDIR, ARG and ENV through each stage
 * and reads the shell of RUN lines. Pure.
 */
import path from 'node:path';
import { DockerfileError, readDockerfile, type DockerfileModel, type Instruction } from '../../dockerfile/model.ts';
import { shellCommands } from '../../dockerfile/shell.ts';

export type DotnetVerb = 'publish' | 'build' | 'restore';

export interface DotnetCommand {
  verb: DotnetVerb;
  /** The project, solution or folder argument as written (variables substituted); undefined = the working directory. */
  target?: string;
  /** Absolute container directory the command runs in (WORKDIR, then any `cd` before it in the same RUN). */
  cwd: string;
  /** Options by long name without dashes (`-o x` → output: 'x'); flags are `true`. */
  options: Record<string, string | true>;
  stage: number;
  /** 1-based line of the RUN instruction. */
  line: number;
}

export interface CopyInstruction {
  /** Sources relative to the build context, as written (may hold globs). */
  sources: string[];
  /** Absolute container destination. */
  dest: string;
  /** The destination is a folder for sure (trailing slash, several sources, or a glob). */
  destIsDir: boolean;
  stage: number;
  line: number;
}

export interface DockerfileStage {
  index: number;
  name?: string;
  /** Index of the earlier stage this one is built FROM, if any. */
  parent?: number;
}

export interface ParsedDockerfile {
  stages: DockerfileStage[];
  copies: CopyInstruction[];
  commands: DotnetCommand[];
}

/**
 * `$X`, `${X}`, `${X:-default}`; unknown variables are left as written (in a RUN line
 * the shell expands them, not BuildKit).
 */
export function substituteVars(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\{(\w+)(?::?([-+])([^}]*))?\}|\$(\w+)/g, (all, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const v = vars[name];
    if (op === '-') return v !== undefined && v !== '' ? v : (word ?? '');
    if (op === '+') return v !== undefined && v !== '' ? (word ?? '') : '';
    return v ?? all;
  });
}

const SHELL_PREFIX_WORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '{', '!', 'exec', 'time', 'command', 'env', 'sudo', 'nice']);

/** Drops keywords, `env`/`exec` wrappers and `VAR=value` assignments in front of a command. */
function stripCommandPrefix(words: string[]): string[] {
  let k = 0;
  while (k < words.length) {
    const w = words[k] ?? '';
    if (SHELL_PREFIX_WORDS.has(w) || /^[A-Za-z_]\w*=/.test(w)) k++;
    else break;
  }
  return words.slice(k);
}

const VALUE_OPTIONS: Record<string, string> = {
  '-o': 'output', '--output': 'output',
  '-c': 'configuration', '--configuration': 'configuration',
  '-f': 'framework', '--framework': 'framework',
  '-r': 'runtime', '--runtime': 'runtime',
  '-a': 'arch', '--arch': 'arch', '--os': 'os',
  '-v': 'verbosity', '--verbosity': 'verbosity',
  '-s': 'source', '--source': 'source',
  '-p': 'property', '--property': 'property',
  '--version-suffix': 'version-suffix', '--packages': 'packages', '--artifacts-path': 'artifacts-path',
  '--manifest': 'manifest', '--configfile': 'configfile', '--lockfile-path': 'lockfile-path',
  '-lp': 'launch-profile', '--launch-profile': 'launch-profile', '--project': 'project',
};
const OPTIONAL_BOOL_OPTIONS: Record<string, string> = { '--sc': 'self-contained', '--self-contained': 'self-contained' };
const MSBUILD_SWITCH = /^\/(p|property|t|target|v|verbosity|m|maxcpucount|bl|binarylogger|nr|nodereuse|clp|consoleloggerparameters|warnaserror|nowarn|noconsolelogger|noconlog|nologo|restore|r|tl|graph|graphbuild|ds|detailedsummary)(:.*)?$/i;

/** The arguments after `dotnet publish|build|restore`: the one positional target and the options. */
export function parseDotnetArgs(args: readonly string[]): { target?: string; options: Record<string, string | true> } {
  const options: Record<string, string | true> = {};
  let target: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (/^\d*(>>?|<)&?$/.test(a)) {
      i++; // a redirection and its file
      continue;
    }
    if (/^\d*(>>?|<)/.test(a)) continue;
    if (MSBUILD_SWITCH.test(a)) {
      const m = /^\/([^:]+)(?::(.*))?$/.exec(a);
      options[(m?.[1] ?? a).toLowerCase()] = m?.[2] ?? true;
      continue;
    }
    if (a.startsWith('-')) {
      const inline = /^(--?[A-Za-z][\w-]*)[=:](.*)$/.exec(a);
      const name = inline?.[1] ?? a;
      const long = VALUE_OPTIONS[name];
      if (long !== undefined) {
        const value = inline ? (inline[2] ?? '') : args[++i];
        if (value !== undefined) options[long] = value;
      } else if (OPTIONAL_BOOL_OPTIONS[name] !== undefined) {
        const key = OPTIONAL_BOOL_OPTIONS[name] ?? name;
        if (inline) options[key] = inline[2] ?? true;
        else if (/^(true|false)$/i.test(args[i + 1] ?? '')) options[key] = args[++i] ?? true;
        else options[key] = true;
      } else {
        options[name.replace(/^-+/, '')] = inline ? (inline[2] ?? '') : true;
      }
      continue;
    }
    if (target === undefined) target = a;
  }
  if (target === undefined && typeof options.project === 'string') target = options.project;
  return { ...(target !== undefined ? { target } : {}), options };
}

/** Working directory and variables while walking a stage. */
interface StageState {
  workdir: string;
  vars: Record<string, string>;
}

function applyArg(ins: Instruction, st: StageState, globalArgs: Readonly<Record<string, string>>): void {
  for (const w of ins.args) {
    const m = /^(\w+)(?:=(.*))?$/.exec(w);
    if (!m?.[1]) continue;
    if (m[2] !== undefined) st.vars[m[1]] = substituteVars(m[2], st.vars);
    else if (globalArgs[m[1]] !== undefined) st.vars[m[1]] = globalArgs[m[1]] ?? '';
  }
}

function applyEnv(ins: Instruction, st: StageState): void {
  const words = ins.args;
  if (words.length >= 2 && !(words[0] ?? '').includes('=')) {
    st.vars[words[0] ?? ''] = substituteVars(words.slice(1).join(' '), st.vars);
    return;
  }
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq > 0) st.vars[w.slice(0, eq)] = substituteVars(w.slice(eq + 1), st.vars);
  }
}

/** A COPY/ADD from the build context (not `--from`, not URLs or heredocs). */
function contextCopy(ins: Instruction, st: StageState, stage: number): CopyInstruction | undefined {
  if (ins.flags.from !== undefined || ins.args.length < 2) return undefined;
  const sub = (s: string) => substituteVars(s, st.vars);
  const dest = sub(ins.args[ins.args.length - 1] ?? '.');
  const sources = ins.args
    .slice(0, -1)
    .map(sub)
    .filter((s) => !/^[a-z]+:\/\//i.test(s) && !s.startsWith('<<'));
  if (sources.length === 0) return undefined;
  return {
    sources,
    dest: path.posix.resolve(st.workdir, dest),
    destIsDir: dest.endsWith('/') || dest === '.' || sources.length > 1 || sources.some((s) => /[*?[]/.test(s)),
    stage,
    line: ins.line,
  };
}

/** The `dotnet publish|build|restore` commands of a RUN line, with the directory each runs in. */
function dotnetCommands(ins: Instruction, st: StageState, stage: number): DotnetCommand[] {
  let scripts: string[][];
  if (ins.command.trim().startsWith('[')) {
    scripts = [ins.args];
  } else {
    scripts = shellCommands(ins.command.replace(/<<-?(["']?)[A-Za-z_]\w*\1/g, ''));
    for (const h of ins.heredocBodies) scripts.push(...shellCommands(h.body));
  }
  const out: DotnetCommand[] = [];
  let cwd = st.workdir;
  for (const raw of scripts) {
    const words = stripCommandPrefix(raw.map((w) => substituteVars(w, st.vars)));
    if (words[0] === 'cd') {
      if (words[1] !== undefined) cwd = path.posix.resolve(cwd, words[1]);
      continue;
    }
    if (path.posix.basename(words[0] ?? '') !== 'dotnet') continue;
    const verb = words[1];
    if (verb !== 'publish' && verb !== 'build' && verb !== 'restore') continue;
    out.push({ verb, ...parseDotnetArgs(words.slice(2)), cwd, stage, line: ins.line });
  }
  return out;
}

function readModel(text: string): DockerfileModel | undefined {
  try {
    return readDockerfile(text);
  } catch (err) {
    if (err instanceof DockerfileError) return undefined;
    throw err;
  }
}

/** The stages, context COPYs and `dotnet publish|build|restore` commands of a Dockerfile. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const out: ParsedDockerfile = { stages: [], copies: [], commands: [] };
  const model = readModel(text);
  if (!model) return out;
  const states: StageState[] = [];
  for (const s of model.stages) {
    const inherited = s.baseStage !== undefined ? states[s.baseStage] : undefined;
    const st: StageState = { workdir: inherited?.workdir ?? '/', vars: { ...(inherited?.vars ?? {}) } };
    out.stages.push({ index: s.index, ...(s.name ? { name: s.name } : {}), ...(s.baseStage !== undefined ? { parent: s.baseStage } : {}) });
    for (const ins of s.instructions) {
      if (ins.keyword === 'ARG') applyArg(ins, st, model.globalArgs);
      else if (ins.keyword === 'ENV') applyEnv(ins, st);
      else if (ins.keyword === 'WORKDIR') st.workdir = path.posix.resolve(st.workdir, substituteVars(ins.command.trim().replace(/^["']|["']$/g, ''), st.vars));
      else if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
        const c = contextCopy(ins, st, s.index);
        if (c) out.copies.push(c);
      } else if (ins.keyword === 'RUN') out.commands.push(...dotnetCommands(ins, st, s.index));
    }
    states[s.index] = st;
  }
  return out;
}
