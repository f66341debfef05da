/**
 * Built-in scenarios for a .NET repository that brings no cachebench config: finds the
 * project the Dockerfile publishes, a code change that changes its assembly, and a
 * package version bump that the machine's NuGet source serves (and, by default, that
 * restores on the host). Same repository in, same scenarios out.
 *
 * Parsers of the outside formats (Dockerfile, shell, MSBuild XML, NuGet versions) are
 * pure and exported for tests; only `detectDotnetScenarios` reads the network (the NuGet
 * source) and spawns `dotnet`.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Edit, ScenarioSpec } from './fixture.ts';
import { discoverNugetSources, writeSources } from './nuget.ts';
import { run } from './proc.ts';

// ---------------------------------------------------------------------------------------
// Public types

export type DetectedScenario = 'code-change' | 'dependency-change';

export type DetectionResult =
  | { ok: true; scenarios: Record<DetectedScenario, ScenarioSpec>; notes: string[] }
  | {
      ok: false;
      problems: string[];
      /** A cachebench.json the user can start from (JSON text), filled in as far as detection got. */
      suggestion: string;
    };

export interface DetectOptions {
  /** Path of the Dockerfile, relative to the repository (or to the context), or absolute. */
  dockerfile: string;
  /** Build context relative to the repository. @default '.' */
  context?: string;
  /** Restore a copy of the repository with the dependency edit applied before choosing it. @default true */
  verifyRestore?: boolean;
  log?: (s: string) => void;
}

/** How many package bumps are tried with a real restore before giving up. */
export const MAX_RESTORE_CANDIDATES = 5;

/** The name and content of the file the code-change scenario adds. */
export const PROBE_BASENAME = 'CachebenchProbe';

// ---------------------------------------------------------------------------------------
// Dockerfile

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

interface LogicalLine {
  line: number;
  instruction: string;
  rest: string;
  heredocs: string[];
}

function logicalLines(text: string): LogicalLine[] {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  let i = 0;
  // Parser directives: only at the very top, before any other line.
  for (; i < lines.length; i++) {
    const m = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(lines[i] ?? '');
    if (!m) break;
    if (m[1]?.toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) escape = m[2];
  }
  const out: LogicalLine[] = [];
  while (i < lines.length) {
    const first = lines[i] ?? '';
    const start = i + 1;
    i++;
    if (first.trim() === '' || first.trimStart().startsWith('#')) continue;
    let textLine = first.trimEnd();
    while (textLine.endsWith(escape) && i < lines.length) {
      textLine = textLine.slice(0, -1);
      let next = lines[i] ?? '';
      i++;
      // Comment and empty lines inside a continuation are dropped by Docker.
      while ((next.trim() === '' || next.trimStart().startsWith('#')) && i < lines.length) {
        next = lines[i] ?? '';
        i++;
      }
      textLine += ' ' + next.trimEnd();
    }
    const m = /^\s*([A-Za-z]+)\s*([\s\S]*)$/.exec(textLine);
    if (!m) continue;
    const heredocs: string[] = [];
    for (const h of (m[2] ?? '').matchAll(/<<(-?)(["']?)([A-Za-z_]\w*)\2/g)) {
      const body: string[] = [];
      while (i < lines.length) {
        const raw = lines[i] ?? '';
        i++;
        const l = h[1] === '-' ? raw.replace(/^\t+/, '') : raw;
        if (l.trim() === h[3]) break;
        body.push(l);
      }
      heredocs.push(body.join('\n'));
    }
    out.push({ line: start, instruction: (m[1] ?? '').toUpperCase(), rest: m[2] ?? '', heredocs });
  }
  return out;
}

/** `$X`, `${X}`, `${X:-default}`; unknown variables are left as written. */
export function substituteVars(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\{(\w+)(?::?([-+])([^}]*))?\}|\$(\w+)/g, (all, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const v = vars[name];
    if (op === '-') return v !== undefined && v !== '' ? v : (word ?? '');
    if (op === '+') return v !== undefined && v !== '' ? (word ?? '') : '';
    return v ?? all;
  });
}

/**
 * Splits a shell script into simple commands (word lists), honouring quotes, escapes,
 * `$(…)` and the separators `&& || ; | & ( )` and newlines. Good enough for RUN lines;
 * not a shell.
 */
export function shellCommands(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i] ?? '';
    if (c === "'") {
      const j = script.indexOf("'", i + 1);
      const end = j < 0 ? script.length : j;
      word += script.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      for (i++; i < script.length && script[i] !== '"'; i++) {
        if (script[i] === '\\' && /["\\$`]/.test(script[i + 1] ?? '')) i++;
        word += script[i] ?? '';
      }
    } else if (c === '\\') {
      if (script[i + 1] === '\n') {
        i++;
      } else {
        word += script[i + 1] ?? '';
        inWord = true;
        i++;
      }
    } else if (c === '$' && script[i + 1] === '(') {
      let depth = 0;
      const from = i;
      for (; i < script.length; i++) {
        if (script[i] === '(') depth++;
        else if (script[i] === ')' && --depth === 0) break;
      }
      word += script.slice(from, i + 1);
      inWord = true;
    } else if (c === '`') {
      const j = script.indexOf('`', i + 1);
      const end = j < 0 ? script.length : j;
      word += script.slice(i, end + 1);
      inWord = true;
      i = end;
    } else if (c === '#' && !inWord) {
      while (i < script.length && script[i] !== '\n') i++;
      endCommand();
    } else if (/[;&|()\n]/.test(c)) {
      endCommand();
    } else if (/\s/.test(c)) {
      endWord();
    } else {
      word += c;
      inWord = true;
    }
  }
  endCommand();
  return commands;
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

/** Splits an instruction's arguments: JSON exec form, else whitespace-separated words with quotes. */
function instructionWords(rest: string): string[] {
  const t = rest.trim();
  if (t.startsWith('[')) {
    try {
      const arr: unknown = JSON.parse(t);
      if (Array.isArray(arr) && arr.every((x) => typeof x === 'string')) return arr;
    } catch {
      // not JSON after all: shell form
    }
  }
  return shellCommands(t.replace(/\n/g, ' ')).flat();
}

function leadingFlags(words: string[]): { flags: string[]; rest: string[] } {
  let k = 0;
  while (k < words.length && (words[k] ?? '').startsWith('--')) k++;
  return { flags: words.slice(0, k), rest: words.slice(k) };
}

/** The stages, context COPYs and `dotnet publish|build|restore` commands of a Dockerfile. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const stages: DockerfileStage[] = [];
  const copies: CopyInstruction[] = [];
  const commands: DotnetCommand[] = [];
  const globalArgs: Record<string, string> = {};
  const stageState: Array<{ workdir: string; vars: Record<string, string> }> = [];
  let cur = -1;
  let workdir = '/';
  let vars: Record<string, string> = {};
  const save = () => {
    if (cur >= 0) stageState[cur] = { workdir, vars };
  };
  for (const l of logicalLines(text)) {
    const sub = (s: string) => substituteVars(s, cur < 0 ? globalArgs : vars);
    switch (l.instruction) {
      case 'FROM': {
        save();
        const words = leadingFlags(instructionWords(l.rest)).rest;
        const image = substituteVars(words[0] ?? '', globalArgs).toLowerCase();
        const asIdx = words.findIndex((w) => w.toLowerCase() === 'as');
        const name = asIdx >= 0 ? words[asIdx + 1]?.toLowerCase() : undefined;
        const parent = stages.findIndex((s) => s.name !== undefined && s.name === image);
        cur = stages.length;
        stages.push({ index: cur, ...(name ? { name } : {}), ...(parent >= 0 ? { parent } : {}) });
        const inherited = parent >= 0 ? stageState[parent] : undefined;
        workdir = inherited?.workdir ?? '/';
        vars = { ...(inherited?.vars ?? {}) };
        break;
      }
      case 'ARG': {
        for (const w of instructionWords(l.rest)) {
          const m = /^(\w+)(?:=(.*))?$/.exec(w);
          if (!m?.[1]) continue;
          if (cur < 0) {
            if (m[2] !== undefined) globalArgs[m[1]] = substituteVars(m[2], globalArgs);
          } else if (m[2] !== undefined) {
            vars[m[1]] = sub(m[2]);
          } else if (globalArgs[m[1]] !== undefined) {
            vars[m[1]] = globalArgs[m[1]] ?? '';
          }
        }
        break;
      }
      case 'ENV': {
        const words = instructionWords(l.rest);
        if (words.length >= 2 && !(words[0] ?? '').includes('=')) {
          vars[words[0] ?? ''] = sub(words.slice(1).join(' '));
        } else {
          for (const w of words) {
            const eq = w.indexOf('=');
            if (eq > 0) vars[w.slice(0, eq)] = sub(w.slice(eq + 1));
          }
        }
        break;
      }
      case 'WORKDIR':
        workdir = path.posix.resolve(workdir, sub(l.rest.trim().replace(/^["']|["']$/g, '')));
        break;
      case 'COPY':
      case 'ADD': {
        const { flags, rest } = leadingFlags(instructionWords(l.rest));
        if (flags.some((f) => f.startsWith('--from')) || rest.length < 2) break;
        const dest = sub(rest[rest.length - 1] ?? '.');
        const sources = rest
          .slice(0, -1)
          .map(sub)
          .filter((s) => !/^[a-z]+:\/\//i.test(s) && !s.startsWith('<<'));
        if (sources.length === 0) break;
        copies.push({
          sources,
          dest: path.posix.resolve(workdir, dest),
          destIsDir: dest.endsWith('/') || dest === '.' || sources.length > 1 || sources.some((s) => /[*?[]/.test(s)),
          stage: Math.max(cur, 0),
          line: l.line,
        });
        break;
      }
      case 'RUN': {
        const trimmed = l.rest.trim();
        let scripts: string[][] = [];
        if (trimmed.startsWith('[')) {
          scripts = [instructionWords(trimmed)];
        } else {
          let script = trimmed;
          while (script.startsWith('--')) script = script.replace(/^--\S+\s*/, '');
          scripts = shellCommands(script.replace(/<<-?(["']?)[A-Za-z_]\w*\1/g, ''));
          for (const body of l.heredocs) scripts.push(...shellCommands(body));
        }
        let cwd = workdir;
        for (const raw of scripts) {
          const words = stripCommandPrefix(raw.map(sub));
          if (words[0] === 'cd') {
            if (words[1] !== undefined) cwd = path.posix.resolve(cwd, words[1]);
            continue;
          }
          if (path.posix.basename(words[0] ?? '') !== 'dotnet') continue;
          const verb = words[1];
          if (verb !== 'publish' && verb !== 'build' && verb !== 'restore') continue;
          const parsed = parseDotnetArgs(words.slice(2));
          commands.push({ verb, ...parsed, cwd, stage: Math.max(cur, 0), line: l.line });
        }
        break;
      }
      default:
        break;
    }
  }
  save();
  return { stages, copies, commands };
}

// ---------------------------------------------------------------------------------------
// From container paths to files of the build context

const hasGlob = (s: string) => /[*?[]/.test(s);

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function sortedEntries(dir: string): string[] {
  try {
    return readdirSync(dir).sort(byCodeUnits);
  } catch {
    return [];
  }
}

/** Locale-independent order: the same everywhere. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function globSegmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] ?? '';
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const j = seg.indexOf(']', i + 1);
      if (j < 0) re += '\\[';
      else {
        re += '[' + seg.slice(i + 1, j).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Host paths a COPY source names in the context (globs expanded, in sorted order). */
function expandSource(contextDir: string, src: string): string[] {
  const clean = path.posix.normalize(src.replace(/^\/+/, '')).replace(/\/+$/, '');
  if (clean === '.' || clean === '') return [contextDir];
  if (clean.startsWith('..')) return [];
  if (!hasGlob(clean)) {
    const p = path.join(contextDir, clean);
    return existsSync(p) ? [p] : [];
  }
  let current = [contextDir];
  for (const seg of clean.split('/')) {
    const next: string[] = [];
    for (const dir of current) {
      if (!hasGlob(seg)) {
        const p = path.join(dir, seg);
        if (existsSync(p)) next.push(p);
        continue;
      }
      const re = globSegmentRegex(seg);
      for (const e of sortedEntries(dir)) if (re.test(e)) next.push(path.join(dir, e));
    }
    current = next;
  }
  return current;
}

/** What the context COPYs of a stage (and the stages it is built from) put where. */
export class ContainerView {
  constructor(
    private readonly contextDir: string,
    private readonly copies: readonly CopyInstruction[],
  ) {}

  static forCommand(parsed: ParsedDockerfile, cmd: DotnetCommand, contextDir: string): ContainerView {
    const lineage = new Set<number>();
    for (let s: number | undefined = cmd.stage; s !== undefined && !lineage.has(s); s = parsed.stages[s]?.parent) lineage.add(s);
    return new ContainerView(contextDir, parsed.copies.filter((c) => lineage.has(c.stage) && c.line < cmd.line));
  }

  /** The host file or folder at container path `p`, if a COPY put it there. */
  resolve(p: string): string | undefined {
    for (const copy of [...this.copies].reverse()) {
      for (const src of [...copy.sources].reverse()) {
        for (const hp of expandSource(this.contextDir, src)) {
          if (isDir(hp)) {
            if (p === copy.dest || p.startsWith(copy.dest === '/' ? '/' : copy.dest + '/')) {
              const cand = path.join(hp, path.posix.relative(copy.dest, p));
              if (existsSync(cand)) return cand;
            }
          } else if (p === path.posix.join(copy.dest, path.basename(hp)) || (!copy.destIsDir && p === copy.dest)) {
            return hp;
          }
        }
      }
    }
    return undefined;
  }

  /** Entries (name → host path) of container folder `d`, later COPYs winning. */
  list(d: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const copy of this.copies) {
      for (const src of copy.sources) {
        for (const hp of expandSource(this.contextDir, src)) {
          if (isDir(hp)) {
            if (d === copy.dest || d.startsWith(copy.dest === '/' ? '/' : copy.dest + '/')) {
              const hostDir = path.join(hp, path.posix.relative(copy.dest, d));
              for (const e of sortedEntries(hostDir)) out.set(e, path.join(hostDir, e));
            }
          } else if (copy.dest === d || (!copy.destIsDir && path.posix.dirname(copy.dest) === d)) {
            out.set(copy.dest === d ? path.basename(hp) : path.posix.basename(copy.dest), hp);
          }
        }
      }
    }
    return out;
  }
}

const PROJECT_EXT = /\.(csproj|fsproj|vbproj|proj)$/i;
const SOLUTION_EXT = /\.(sln|slnx|slnf)$/i;

/** The host project or solution file a dotnet command acts on, with how it was found. */
function resolveCommandTarget(cmd: DotnetCommand, view: ContainerView, contextDir: string): { file?: string; how: string; problem?: string } {
  const p = path.posix.resolve(cmd.cwd, cmd.target ?? '.');
  const written = cmd.target ?? `(no path: the working directory ${cmd.cwd})`;
  const looksLikeFile = cmd.target !== undefined && (PROJECT_EXT.test(cmd.target) || SOLUTION_EXT.test(cmd.target));
  let host = view.resolve(p);
  let how = `the Dockerfile's COPY instructions map ${p} to it`;
  if (!host) {
    // The file may have been moved into place by a shell step (e.g. a loop over flattened
    // *.csproj files); fall back to the longest tail of the container path that exists.
    const segs = p.split('/').filter(Boolean);
    for (let k = 0; k < segs.length && !host; k++) {
      const cand = path.join(contextDir, ...segs.slice(k));
      if (existsSync(cand) && (looksLikeFile ? !isDir(cand) : true)) {
        host = cand;
        how = `${segs.slice(k).join('/')} exists in the build context (${p} was not traced through COPY)`;
      }
    }
  }
  if (!host && looksLikeFile) {
    const name = path.posix.basename(p);
    const found = findFiles(contextDir, (f) => path.basename(f) === name, 6);
    if (found.length === 1) {
      host = found[0];
      how = `the only ${name} in the build context`;
    } else if (found.length > 1) {
      return { how: '', problem: `dotnet ${cmd.verb} ${written} (line ${cmd.line}): ${found.length} files named ${name} in the build context` };
    }
  }
  if (!host) return { how: '', problem: `dotnet ${cmd.verb} ${written} (line ${cmd.line}): ${p} is not found in the build context` };
  if (!isDir(host)) return { file: host, how };
  // A folder: dotnet takes the single project or solution file in it.
  const entries = [...new Map([...view.list(p), ...sortedEntries(host).map((e) => [e, path.join(host, e)] as const)])];
  const files = entries.filter(([n]) => PROJECT_EXT.test(n) || SOLUTION_EXT.test(n)).map(([, f]) => f);
  const unique = [...new Set(files)].sort(byCodeUnits);
  if (unique.length === 1) return { file: unique[0], how: `the only project or solution file in ${p}` };
  if (unique.length === 0) return { how: '', problem: `dotnet ${cmd.verb} ${written} (line ${cmd.line}): no project or solution file in ${p}` };
  return { how: '', problem: `dotnet ${cmd.verb} ${written} (line ${cmd.line}): ${p} holds several project/solution files (${unique.map((f) => path.basename(f)).join(', ')})` };
}

function findFiles(dir: string, pred: (f: string) => boolean, maxDepth: number, skip = SKIP_DIRS): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    for (const e of sortedEntries(d)) {
      const p = path.join(d, e);
      if (isDir(p)) {
        if (depth < maxDepth && !skip.has(e.toLowerCase()) && !e.startsWith('.')) walk(p, depth + 1);
      } else if (pred(p)) out.push(p);
    }
  };
  walk(dir, 0);
  return out;
}

const SKIP_DIRS = new Set(['bin', 'obj', 'node_modules', 'testresults', 'packages', 'artifacts']);

// ---------------------------------------------------------------------------------------
// Solutions and projects

/** Project paths (relative to the solution's folder, forward slashes) listed in a .sln or .slnx. */
export function parseSolutionProjects(text: string, kind: 'sln' | 'slnx'): string[] {
  const out: string[] = [];
  if (kind === 'sln') {
    for (const m of text.matchAll(/^Project\("\{[^}]*\}"\)\s*=\s*"[^"]*"\s*,\s*"([^"]+)"/gm)) {
      if (PROJECT_EXT.test(m[1] ?? '')) out.push((m[1] ?? '').replace(/\\/g, '/'));
    }
  } else {
    for (const m of text.matchAll(/<Project\b[^>]*?\bPath\s*=\s*(?:"([^"]+)"|'([^']+)')/g)) out.push((m[1] ?? m[2] ?? '').replace(/\\/g, '/'));
  }
  return out;
}

interface ProjectKind {
  app: boolean;
  test: boolean;
}

function projectKind(file: string, xml: string): ProjectKind {
  const sdk = /<Project\b[^>]*\bSdk\s*=\s*["']([^"']+)["']/i.exec(xml)?.[1] ?? '';
  const outputType = /<OutputType>\s*([^<\s]+)\s*<\/OutputType>/i.exec(xml)?.[1]?.toLowerCase();
  const test =
    /<IsTestProject>\s*true\s*<\/IsTestProject>/i.test(xml) ||
    /Include\s*=\s*["'](Microsoft\.NET\.Test\.Sdk|xunit|xunit\.v3|NUnit|MSTest\.TestFramework|MSTest)["']/i.test(xml) ||
    /\.(Tests?|UnitTests|IntegrationTests|Specs)\.csproj$/i.test(file);
  const app = /Microsoft\.NET\.Sdk\.(Web|Worker|BlazorWebAssembly)/i.test(sdk) || outputType === 'exe' || outputType === 'winexe';
  return { app, test };
}

/** The one app project a solution-wide publish or build produces. */
function projectFromSolution(solution: string): { project?: string; how: string; problem?: string } {
  const kind = solution.toLowerCase().endsWith('.slnx') ? 'slnx' : solution.toLowerCase().endsWith('.sln') ? 'sln' : undefined;
  if (!kind) return { how: '', problem: `${path.basename(solution)}: solution filters (.slnf) are not supported` };
  const dir = path.dirname(solution);
  const projects = parseSolutionProjects(readFileSync(solution, 'utf8'), kind)
    .map((p) => path.resolve(dir, p))
    .filter((p) => existsSync(p));
  if (projects.length === 1) return { project: projects[0], how: `the only project in ${path.basename(solution)}` };
  const apps = projects.filter((p) => {
    const k = projectKind(p, readFileSync(p, 'utf8'));
    return k.app && !k.test;
  });
  if (apps.length === 1) return { project: apps[0], how: `the only app (web/worker/exe, not test) project in ${path.basename(solution)}` };
  return {
    how: '',
    problem:
      apps.length === 0
        ? `${path.basename(solution)} lists no app project (${projects.length} projects)`
        : `${path.basename(solution)} holds ${apps.length} app projects (${apps.map((a) => path.basename(a)).join(', ')}): cannot tell which one the image is for`,
  };
}

export interface PublishedProject {
  /** Absolute path of the .csproj the Dockerfile publishes (or builds). */
  project: string;
  /** Absolute path of what the Dockerfile restores (solution or project), when it says. */
  restoreTarget?: string;
  notes: string[];
}

/** The project the Dockerfile publishes (else builds), mapped into the build context. */
export function findPublishedProject(parsed: ParsedDockerfile, contextDir: string): PublishedProject | { problems: string[] } {
  const publishes = parsed.commands.filter((c) => c.verb === 'publish');
  const chosen = publishes.length > 0 ? publishes : parsed.commands.filter((c) => c.verb === 'build');
  if (chosen.length === 0) {
    return { problems: ['the Dockerfile has no RUN line with `dotnet publish` or `dotnet build`'] };
  }
  const problems: string[] = [];
  const found = new Map<string, string>();
  for (const cmd of chosen) {
    const t = resolveCommandTarget(cmd, ContainerView.forCommand(parsed, cmd, contextDir), contextDir);
    if (!t.file) {
      problems.push(t.problem ?? `line ${cmd.line}: target not found`);
      continue;
    }
    let project = t.file;
    let how = t.how;
    if (SOLUTION_EXT.test(project)) {
      const s = projectFromSolution(project);
      if (!s.project) {
        problems.push(`dotnet ${cmd.verb} (line ${cmd.line}) acts on a solution: ${s.problem ?? 'no project'}`);
        continue;
      }
      how = `${how}; ${s.how}`;
      project = s.project;
    }
    if (!project.toLowerCase().endsWith('.csproj')) {
      problems.push(`dotnet ${cmd.verb} (line ${cmd.line}) acts on ${path.basename(project)}: only C# projects (.csproj) are supported`);
      continue;
    }
    if (!found.has(project)) found.set(project, `\`dotnet ${cmd.verb}\` on line ${cmd.line}: ${how}`);
  }
  if (found.size > 1) {
    return { problems: [`the Dockerfile ${chosen[0]?.verb === 'publish' ? 'publishes' : 'builds'} ${found.size} different projects (${[...found.keys()].map((p) => path.relative(contextDir, p)).join(', ')}): cannot tell which one the benchmark is about`] };
  }
  const [entry] = [...found];
  if (!entry) return { problems };
  const [project, how] = entry;
  const notes = [`project: ${path.relative(contextDir, project).split(path.sep).join('/')} (${how})`];
  // What the Dockerfile restores decides whether a version bump restores in the image.
  let restoreTarget: string | undefined;
  const restores = parsed.commands.filter((c) => c.verb === 'restore');
  const lastRestore = restores[restores.length - 1];
  if (lastRestore) {
    const r = resolveCommandTarget(lastRestore, ContainerView.forCommand(parsed, lastRestore, contextDir), contextDir);
    if (r.file) restoreTarget = r.file;
  }
  return { project, ...(restoreTarget ? { restoreTarget } : {}), notes };
}

// ---------------------------------------------------------------------------------------
// MSBuild items

export type PackageElement = 'PackageReference' | 'PackageVersion' | 'GlobalPackageReference';

export interface PackageItem {
  element: PackageElement;
  id: string;
  /** The version as written. */
  version: string;
  form: 'attribute' | 'element';
  /** Text of the file that holds the id and the version, occurring exactly once in it. */
  replace: string;
  /** Offset of the version value inside `replace`. */
  versionAt: number;
  /** The item or its ItemGroup/Choose has a Condition. */
  conditional: boolean;
  /** PrivateAssets="all": a build-time tool, not part of the output's dependencies. */
  privateAssets: boolean;
  /** Position in the file (document order). */
  offset: number;
}

export interface PackageItems {
  items: PackageItem[];
  /** PackageReference ids without a version (centrally managed). */
  unversioned: string[];
  /** Items that cannot be bumped, with the reason. */
  skipped: string[];
}

const ATTRS = String.raw`((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)`;
const PLAIN_VERSION = /^\d+(\.\d+){0,3}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

interface Attr {
  name: string;
  value: string;
  /** Absolute offsets of the whole attribute and of its value. */
  start: number;
  end: number;
  valueStart: number;
}

function parseAttrs(attrs: string, base: number): Attr[] {
  const out: Attr[] = [];
  for (const m of attrs.matchAll(/([\w:.-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    const start = base + (m.index ?? 0);
    const quoted = m[2] ?? '';
    out.push({ name: m[1] ?? '', value: m[3] ?? m[4] ?? '', start, end: start + m[0].length, valueStart: start + m[0].length - quoted.length + 1 });
  }
  return out;
}

function rangesOf(xml: string, open: RegExp, close: string, pred: (openText: string) => boolean): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const m of xml.matchAll(open)) {
    if (!pred(m[0])) continue;
    const from = m.index ?? 0;
    const end = xml.indexOf(close, from);
    out.push([from, end < 0 ? xml.length : end]);
  }
  return out;
}

function countOccurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** PackageReference / PackageVersion / GlobalPackageReference items of an MSBuild file, with bumpable replace texts. */
export function parsePackageItems(xml: string, elements: readonly PackageElement[] = ['PackageReference', 'PackageVersion', 'GlobalPackageReference']): PackageItems {
  const comments = rangesOf(xml, /<!--/g, '-->', () => true);
  const conditionalScopes = [
    ...rangesOf(xml, new RegExp(`<ItemGroup\\b${ATTRS}\\s*>`, 'g'), '</ItemGroup', (t) => /\bCondition\s*=/.test(t)),
    ...rangesOf(xml, /<Choose\b[^>]*>/g, '</Choose', () => true),
  ];
  const inside = (ranges: Array<[number, number]>, at: number) => ranges.some(([a, b]) => at > a && at < b);
  const items: PackageItem[] = [];
  const unversioned: string[] = [];
  const skipped: string[] = [];
  const tag = new RegExp(`<(${elements.join('|')})${ATTRS}\\s*(\\/?)>`, 'g');
  for (const m of xml.matchAll(tag)) {
    const start = m.index ?? 0;
    if (inside(comments, start)) continue;
    const element = m[1] as PackageElement;
    const tagText = m[0];
    const tagEnd = start + tagText.length;
    const attrs = parseAttrs(m[2] ?? '', start + 1 + element.length);
    const idAttr = attrs.find((a) => a.name === 'Include') ?? attrs.find((a) => a.name === 'Update');
    if (!idAttr) continue;
    const id = idAttr.value.trim();
    let body = '';
    if (m[3] !== '/') {
      const close = xml.indexOf(`</${element}`, tagEnd);
      body = xml.slice(tagEnd, close < 0 ? tagEnd : close);
    }
    const privateAssets =
      attrs.some((a) => a.name.toLowerCase() === 'privateassets' && a.value.trim().toLowerCase() === 'all') ||
      /<PrivateAssets>\s*all\s*<\/PrivateAssets>/i.test(body);
    const conditional = attrs.some((a) => a.name === 'Condition') || inside(conditionalScopes, start);
    const versionAttr = attrs.find((a) => a.name.toLowerCase() === 'versionoverride') ?? attrs.find((a) => a.name.toLowerCase() === 'version');
    const child = /<(VersionOverride|Version)\s*>([^<]*)<\/\1\s*>/.exec(body);
    if (!versionAttr && !child) {
      if (element === 'PackageReference') unversioned.push(id);
      continue;
    }
    let version: string;
    let versionOffset: number;
    let spans: Array<[number, number]>;
    let form: PackageItem['form'];
    if (versionAttr) {
      form = 'attribute';
      version = versionAttr.value;
      versionOffset = versionAttr.valueStart;
      const lo = Math.min(idAttr.start, versionAttr.start);
      const hi = Math.max(idAttr.end, versionAttr.end);
      spans = [[lo, hi], [start, tagEnd]];
    } else {
      form = 'element';
      const c = child as RegExpExecArray;
      const childStart = tagEnd + c.index;
      version = c[2] ?? '';
      versionOffset = childStart + c[0].indexOf('>') + 1;
      const childEnd = childStart + c[0].length;
      spans = [[idAttr.start, childEnd], [start, childEnd]];
    }
    const lead = version.length - version.trimStart().length;
    versionOffset += lead;
    version = version.trim();
    if (/[;*$@]/.test(id)) {
      skipped.push(`${id}: the item names several or computed packages`);
      continue;
    }
    if (!PLAIN_VERSION.test(version)) {
      skipped.push(`${id} ${version}: not a plain version (range, wildcard or property)`);
      continue;
    }
    const span = spans.find(([a, b]) => countOccurrences(xml, xml.slice(a, b)) === 1);
    if (!span) {
      skipped.push(`${id} ${version}: its text occurs more than once in the file`);
      continue;
    }
    items.push({
      element,
      id,
      version,
      form,
      replace: xml.slice(span[0], span[1]),
      versionAt: versionOffset - span[0],
      conditional,
      privateAssets,
      offset: start,
    });
  }
  return { items, unversioned, skipped };
}

/** The `replace`/`with` pair that moves `item` to `newVersion`. */
export function versionEdit(item: PackageItem, newVersion: string): { replace: string; with: string } {
  return {
    replace: item.replace,
    with: item.replace.slice(0, item.versionAt) + newVersion + item.replace.slice(item.versionAt + item.version.length),
  };
}

/** ProjectReference paths of a project file (forward slashes, as written). */
export function parseProjectReferences(xml: string): string[] {
  const comments = rangesOf(xml, /<!--/g, '-->', () => true);
  const out: string[] = [];
  for (const m of xml.matchAll(new RegExp(`<ProjectReference${ATTRS}\\s*\\/?>`, 'g'))) {
    if (comments.some(([a, b]) => (m.index ?? 0) > a && (m.index ?? 0) < b)) continue;
    const inc = parseAttrs(m[1] ?? '', 0).find((a) => a.name === 'Include');
    if (inc) out.push(inc.value.trim().replace(/\\/g, '/'));
  }
  return out;
}

/** Nearest file named `name` (any case) in `dir` or its parents, not above `stop`. */
function findUp(dir: string, name: string, stop: string): string | undefined {
  const lower = name.toLowerCase();
  for (let d = dir; ; d = path.dirname(d)) {
    const hit = sortedEntries(d).find((e) => e.toLowerCase() === lower);
    if (hit && !isDir(path.join(d, hit))) return path.join(d, hit);
    if (d === stop || path.dirname(d) === d || !d.startsWith(stop)) return undefined;
  }
}

/** The project and every project it references, transitively (breadth first, document order). */
export function projectClosure(root: string, notes: string[]): string[] {
  const seen = new Set<string>([root]);
  const order = [root];
  for (let i = 0; i < order.length; i++) {
    const p = order[i] ?? '';
    for (const ref of parseProjectReferences(readFileSync(p, 'utf8'))) {
      if (ref.includes('$(')) {
        notes.push(`${path.basename(p)}: ProjectReference ${ref} uses a property; not followed`);
        continue;
      }
      const abs = path.resolve(path.dirname(p), ref);
      if (!existsSync(abs)) {
        notes.push(`${path.basename(p)}: ProjectReference ${ref} does not exist; not followed`);
        continue;
      }
      if (!seen.has(abs)) {
        seen.add(abs);
        order.push(abs);
      }
    }
  }
  return order;
}

// ---------------------------------------------------------------------------------------
// NuGet versions

export interface NuGetVersion {
  parts: [number, number, number, number];
  pre: string[];
}

export function parseNuGetVersion(s: string): NuGetVersion | undefined {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(s.trim());
  if (!m) return undefined;
  return { parts: [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0), Number(m[4] ?? 0)], pre: m[5] ? m[5].split('.') : [] };
}

export function compareNuGetVersions(a: NuGetVersion, b: NuGetVersion): number {
  for (let i = 0; i < 4; i++) {
    const d = (a.parts[i] ?? 0) - (b.parts[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (a.pre.length === 0 || b.pre.length === 0) return Math.sign(b.pre.length - a.pre.length);
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i] ?? '';
    const y = b.pre[i] ?? '';
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn && Number(x) !== Number(y)) return Math.sign(Number(x) - Number(y));
    if (xn !== yn) return xn ? -1 : 1;
    const c = byCodeUnits(x.toLowerCase(), y.toLowerCase());
    if (c !== 0) return c;
  }
  return Math.sign(a.pre.length - b.pre.length);
}

export interface VersionBump {
  from: string;
  to: string;
  direction: 'up' | 'down';
  kind: 'patch' | 'minor' | 'major';
  /** The version the repository has now is served too (so the parent commit restores). */
  currentServed: boolean;
}

/** Next-newer stable served version, else next-older; undefined if neither exists. */
export function chooseVersionBump(current: string, served: readonly string[]): VersionBump | undefined {
  const cur = parseNuGetVersion(current);
  if (!cur) return undefined;
  const parsed = served
    .map((s) => ({ s, v: parseNuGetVersion(s) }))
    .filter((x): x is { s: string; v: NuGetVersion } => x.v !== undefined);
  const currentServed = parsed.some((x) => compareNuGetVersions(x.v, cur) === 0);
  const stable = parsed.filter((x) => x.v.pre.length === 0).sort((a, b) => compareNuGetVersions(a.v, b.v));
  const up = stable.find((x) => compareNuGetVersions(x.v, cur) > 0);
  const down = [...stable].reverse().find((x) => compareNuGetVersions(x.v, cur) < 0);
  const pick = up ?? down;
  if (!pick) return undefined;
  const kind = pick.v.parts[0] !== cur.parts[0] ? 'major' : pick.v.parts[1] !== cur.parts[1] ? 'minor' : 'patch';
  return { from: current, to: pick.s, direction: up ? 'up' : 'down', kind, currentServed };
}

/** Packages that ship with (or version with) the shared framework. */
export function isFrameworkPackage(id: string): boolean {
  return /^(Microsoft|System|runtime|NETStandard)\./i.test(id) || /^NETStandard\.Library$/i.test(id);
}

/** Analyzers, test adapters, coverage and versioning tools: not what an app depends on at run time. */
export function isToolingPackage(id: string): boolean {
  return (
    /(^|\.)Analyzers?($|\.)/i.test(id) ||
    /^(StyleCop|SonarAnalyzer|Roslynator|Meziantou\.Analyzer|coverlet|xunit\.runner|NUnit3TestAdapter|MSTest\.TestAdapter|Nerdbank\.GitVersioning|MinVer|GitVersion|Microsoft\.SourceLink|Microsoft\.CodeAnalysis|Microsoft\.NET\.Test\.Sdk)/i.test(id)
  );
}

export interface PackageCandidate {
  id: string;
  /** Repository-relative file (forward slashes) that holds the version. */
  file: string;
  item: PackageItem;
  bump: VersionBump;
  /** Framework, analyzer or build-only (PrivateAssets=all) package. */
  secondary: boolean;
  /** Discovery order: the published project first, then what it references. */
  order: number;
}

const KIND_RANK = { patch: 0, minor: 1, major: 2 } as const;

/** Best first: ordinary packages, unconditional items, currently served versions, patch bumps, upgrades, discovery order. */
export function rankCandidates<T extends Pick<PackageCandidate, 'secondary' | 'bump' | 'order'> & { item: Pick<PackageItem, 'conditional'> }>(list: readonly T[]): T[] {
  const key = (c: T) => [c.secondary ? 1 : 0, c.item.conditional ? 1 : 0, c.bump.currentServed ? 0 : 1, KIND_RANK[c.bump.kind], c.bump.direction === 'up' ? 0 : 1, c.order];
  return [...list].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return (ka[i] ?? 0) - (kb[i] ?? 0);
    return 0;
  });
}

interface FoundItem {
  file: string;
  item: PackageItem;
  order: number;
}

/** Versioned package items that reach the project: its own, its references', Directory.Build.* and central versions. */
function collectPackageItems(closure: readonly string[], repoDir: string, notes: string[]): FoundItem[] {
  const found = new Map<string, FoundItem>();
  let order = 0;
  const add = (file: string, item: PackageItem) => {
    const key = `${file}#${item.offset}`;
    if (!found.has(key)) found.set(key, { file, item, order: order++ });
  };
  const skippedSeen = new Set<string>();
  const parse = (file: string, elements: readonly PackageElement[]) => {
    const r = parsePackageItems(readFileSync(file, 'utf8'), elements);
    for (const s of r.skipped) {
      const msg = `${rel(repoDir, file)}: ${s}`;
      if (!skippedSeen.has(msg)) {
        skippedSeen.add(msg);
        notes.push(`not bumpable: ${msg}`);
      }
    }
    return r;
  };
  for (const project of closure) {
    const dir = path.dirname(project);
    const central = new Set<string>();
    for (const file of [project, findUp(dir, 'Directory.Build.props', repoDir), findUp(dir, 'Directory.Build.targets', repoDir)]) {
      if (!file) continue;
      const r = parse(file, ['PackageReference']);
      for (const item of r.items) add(file, item);
      for (const id of r.unversioned) central.add(id.toLowerCase());
    }
    const packagesProps = findUp(dir, 'Directory.Packages.props', repoDir);
    if (packagesProps) {
      const r = parse(packagesProps, ['PackageVersion', 'GlobalPackageReference']);
      for (const item of r.items) {
        if (item.element === 'GlobalPackageReference' || central.has(item.id.toLowerCase())) add(packagesProps, item);
      }
    }
  }
  return [...found.values()];
}

// ---------------------------------------------------------------------------------------
// The NuGet source (v3 flat container)

async function getJson(url: string): Promise<{ status: number; json?: unknown }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(30_000), headers: { accept: 'application/json' } });
  if (!r.ok) return { status: r.status };
  return { status: r.status, json: await r.json() };
}

/** Base URL of the PackageBaseAddress/3.0.0 resource in a v3 service index. */
export function packageBaseAddress(serviceIndex: unknown): string | undefined {
  if (typeof serviceIndex !== 'object' || serviceIndex === null) return undefined;
  const resources = (serviceIndex as { resources?: unknown }).resources;
  if (!Array.isArray(resources)) return undefined;
  for (const r of resources) {
    if (typeof r !== 'object' || r === null) continue;
    const { '@id': id, '@type': type } = r as Record<string, unknown>;
    const types = Array.isArray(type) ? type : [type];
    if (typeof id === 'string' && types.some((t) => typeof t === 'string' && t.startsWith('PackageBaseAddress/3.0.0'))) return id.endsWith('/') ? id : `${id}/`;
  }
  return undefined;
}

/** Versions each package id (lower case) is served in, over all sources; undefined = could not ask. */
async function servedVersions(sources: readonly string[], ids: readonly string[], notes: string[]): Promise<Map<string, string[] | undefined>> {
  const bases: string[] = [];
  for (const s of sources) {
    try {
      const r = await getJson(s);
      const base = packageBaseAddress(r.json);
      if (base) bases.push(base);
      else notes.push(`NuGet source ${s}: no PackageBaseAddress/3.0.0 in its service index (HTTP ${r.status}); not asked`);
    } catch (err) {
      notes.push(`NuGet source ${s}: ${(err as Error).message}; not asked`);
    }
  }
  const out = new Map<string, string[] | undefined>();
  const queue = [...new Set(ids.map((i) => i.toLowerCase()))].sort(byCodeUnits);
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const versions = new Set<string>();
      let asked = false;
      for (const base of bases) {
        try {
          const r = await getJson(`${base}${encodeURIComponent(id)}/index.json`);
          asked = true;
          const v = (r.json as { versions?: unknown } | undefined)?.versions;
          if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') versions.add(x);
        } catch {
          // an unreachable source for this id: the others may still answer
        }
      }
      out.set(id, asked ? [...versions] : undefined);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return out;
}

// ---------------------------------------------------------------------------------------
// .dockerignore

/** Whether `relPath` (context-relative, forward slashes) is left out by .dockerignore patterns. */
export function dockerignoreExcludes(patterns: readonly string[], relPath: string): boolean {
  const segs = relPath.split('/');
  const prefixes = segs.map((_, i) => segs.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const raw of patterns) {
    let p = raw.trim();
    if (p === '' || p.startsWith('#')) continue;
    const negate = p.startsWith('!');
    if (negate) p = p.slice(1).trim();
    p = path.posix.normalize(p.replace(/^\/+/, '')).replace(/\/+$/, '');
    let re = '';
    for (let i = 0; i < p.length; i++) {
      const c = p[i] ?? '';
      if (c === '*' && p[i + 1] === '*') {
        if (p[i + 2] === '/') {
          re += '(?:.*/)?';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else if (c === '*') re += '[^/]*';
      else if (c === '?') re += '[^/]';
      else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    const rx = new RegExp(`^${re}$`);
    if (prefixes.some((x) => rx.test(x))) excluded = !negate;
  }
  return excluded;
}

function readDockerignore(dockerfilePath: string, contextDir: string): string[] {
  for (const f of [`${dockerfilePath}.dockerignore`, path.join(contextDir, '.dockerignore')]) {
    if (existsSync(f)) return readFileSync(f, 'utf8').split(/\r?\n/);
  }
  return [];
}

// ---------------------------------------------------------------------------------------
// The code change

const GENERATED = /(\.Designer\.cs|\.g\.cs|\.g\.i\.cs|\.generated\.cs|AssemblyInfo\.cs|AssemblyAttributes\.cs|GlobalUsings\.cs|GlobalUsings\.g\.cs)$/i;

/** First hand-written C# file of a project folder (sorted paths; generated files and nested projects skipped). */
export function firstSourceFile(projectDir: string): string | undefined {
  const walk = (d: string): string | undefined => {
    const entries = sortedEntries(d);
    if (d !== projectDir && entries.some((e) => PROJECT_EXT.test(e))) return undefined;
    // Files and folders interleaved in path order, like a sorted `find`.
    for (const e of entries) {
      const p = path.join(d, e);
      if (isDir(p)) {
        if (SKIP_DIRS.has(e.toLowerCase()) || e.startsWith('.')) continue;
        const hit = walk(p);
        if (hit) return hit;
      } else if (e.endsWith('.cs') && !GENERATED.test(e)) return p;
    }
    return undefined;
  };
  return walk(projectDir);
}

export function probeSource(n: number): string {
  const cls = n === 1 ? PROBE_BASENAME : `${PROBE_BASENAME}${n}`;
  // Block namespace and an internal, documented type: compiles under old language
  // versions, analyzers that want docs, and warnings-as-errors.
  return [
    '// Added by cachebench (code-change scenario): a new type changes the compiled assembly.',
    'namespace Cachebench.Probe',
    '{',
    '    /// <summary>Marks the code-change scenario.</summary>',
    `    internal static class ${cls}`,
    '    {',
    '        /// <summary>The change.</summary>',
    '        internal const string Value = "code-change-1";',
    '    }',
    '}',
    '',
  ].join('\n');
}

function codeChange(project: string, repoDir: string, notes: string[]): { edit: Edit } | { problem: string } {
  const dir = path.dirname(project);
  const xml = readFileSync(project, 'utf8');
  const first = firstSourceFile(dir);
  const defaultCompile = !/<EnableDefaultCompileItems>\s*false\s*<\/EnableDefaultCompileItems>/i.test(xml);
  if (!defaultCompile) {
    // Only files the project names are compiled: append to the first of those.
    const listed = [...xml.matchAll(/<Compile\s+Include\s*=\s*["']([^"'*?]+\.cs)["']/g)]
      .map((m) => path.resolve(dir, (m[1] ?? '').replace(/\\/g, '/')))
      .filter((f) => existsSync(f))
      .sort(byCodeUnits);
    const target = listed[0];
    if (!target) return { problem: `${rel(repoDir, project)} turns default compile items off and names no existing .cs file` };
    notes.push(`code-change: appends a type to ${rel(repoDir, target)} (the project turns default compile items off)`);
    return { edit: { file: rel(repoDir, target), append: `internal static class ${PROBE_BASENAME}Appended { internal const string Value = "code-change-1"; }` } };
  }
  let n = 1;
  while (existsSync(path.join(dir, `${n === 1 ? PROBE_BASENAME : PROBE_BASENAME + n}.cs`))) n++;
  const file = path.join(dir, `${n === 1 ? PROBE_BASENAME : PROBE_BASENAME + n}.cs`);
  notes.push(
    `code-change: creates ${rel(repoDir, file)} (a new internal type, so the assembly and the context change) in the project folder, ` +
      (first ? `next to its first source file ${rel(repoDir, first)}` : 'which has no other C# file yet'),
  );
  return { edit: { file: rel(repoDir, file), create: probeSource(n) } };
}

// ---------------------------------------------------------------------------------------
// Restore check

const RESTORE_PROBLEM = /\b(NU1101|NU1102|NU1103|NU1603|NU1605)\b/;

function removeUnder(dir: string, names: ReadonlySet<string>): void {
  for (const e of sortedEntries(dir)) {
    const p = path.join(dir, e);
    if (!isDir(p)) continue;
    if (names.has(e)) rmSync(p, { recursive: true, force: true });
    else removeUnder(p, names);
  }
}

/** A throwaway copy of the repository for restores; sources written into its nuget.config(s). */
class RestoreSandbox {
  readonly root: string;
  constructor(
    private readonly repoDir: string,
    sources: readonly string[],
    projectDirRel: string,
  ) {
    this.root = mkdtempSync(path.join(os.tmpdir(), 'cachebench-detect-'));
    cpSync(repoDir, this.root, {
      recursive: true,
      filter: (src) => !['.git', 'bin', 'obj', 'node_modules', 'TestResults'].includes(path.basename(src)) || src === repoDir,
    });
    // Every nuget.config from the project up to the root, nearest first, gets the
    // machine's sources (after its <clear/>); the root one is created if missing.
    const configs: string[] = [];
    for (let d = path.join(this.root, projectDirRel); d.startsWith(this.root); d = path.dirname(d)) {
      for (const e of sortedEntries(d)) if (e.toLowerCase() === 'nuget.config') configs.push(path.join(d, e));
      if (d === this.root) break;
    }
    if (!configs.some((c) => path.dirname(c) === this.root)) configs.push(path.join(this.root, 'nuget.config'));
    for (const c of configs) writeSources(c, [...sources]);
  }

  /** Applies `edit` to the copy, restores `target`, and undoes the edit. */
  async tryEdit(edit: Edit, target: string, assetsProject: string, id: string, version: string): Promise<{ ok: boolean; detail: string; ms: number }> {
    const file = path.join(this.root, edit.file);
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(edit.replace ?? '', edit.with ?? ''));
    removeUnder(this.root, new Set(['obj']));
    const started = performance.now();
    try {
      const r = await run('dotnet', ['restore', path.join(this.root, target), '-p:NuGetAudit=false'], {
        cwd: this.root,
        reject: false,
        timeoutMs: 600_000,
        env: { DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' },
      });
      const ms = performance.now() - started;
      const out = `${r.stdout}\n${r.stderr}`;
      const codes = [...new Set([...out.matchAll(new RegExp(RESTORE_PROBLEM.source, 'g'))].map((m) => m[1] ?? ''))].sort(byCodeUnits);
      if (r.exitCode !== 0 || codes.length > 0) {
        const line = (out.split('\n').find((l) => RESTORE_PROBLEM.test(l) || /error/i.test(l))?.trim() ?? '').split(this.root + path.sep).join('');
        return { ok: false, detail: `restore exit ${r.exitCode}${codes.length ? `, ${codes.join(', ')}` : ''}${line ? `: ${line.slice(0, 300)}` : ''}`, ms };
      }
      const assets = path.join(this.root, path.dirname(assetsProject), 'obj', 'project.assets.json');
      if (existsSync(assets)) {
        const libs = (JSON.parse(readFileSync(assets, 'utf8')) as { libraries?: Record<string, unknown> }).libraries ?? {};
        const want = parseNuGetVersion(version);
        const resolved = Object.keys(libs)
          .filter((k) => k.toLowerCase().startsWith(`${id.toLowerCase()}/`))
          .map((k) => k.slice(id.length + 1));
        if (!want || !resolved.some((v) => { const p = parseNuGetVersion(v); return p !== undefined && compareNuGetVersions(p, want) === 0; })) {
          return { ok: false, detail: `restore resolved ${id} ${resolved.join(', ') || '(not at all)'}, not ${version}`, ms };
        }
      }
      return { ok: true, detail: `restored in ${(ms / 1000).toFixed(1)} s`, ms };
    } finally {
      writeFileSync(file, original);
    }
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// The suggestion

/** A cachebench.json to start from, with what detection found and placeholders for the rest. */
export function buildSuggestion(s: { dockerfile: string; context: string; codeChange?: Edit; dependencyChange?: Edit; project?: string }): string {
  const projectDir = s.project ? path.posix.dirname(s.project) : '<ProjectDir>';
  const csproj = s.project ?? '<ProjectDir>/<Project>.csproj';
  const config = {
    dockerfile: s.dockerfile,
    context: s.context,
    prepare: ['nuget-sources'],
    scenarios: {
      'code-change': {
        description: 'A source change that changes the compiled output (not the dependencies).',
        edits: [s.codeChange ?? { file: `${projectDir}/<SomeFile>.cs`, replace: '<text in the file>', with: '<changed text of another length>' }],
      },
      'dependency-change': {
        description: 'A NuGet package version bump, to a version the NuGet source serves.',
        edits: [s.dependencyChange ?? { file: csproj, replace: 'Include="<Package.Id>" Version="<current>"', with: 'Include="<Package.Id>" Version="<next>"' }],
      },
    },
  };
  return JSON.stringify(config, null, 2);
}

// ---------------------------------------------------------------------------------------
// Detection

function rel(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join('/');
}

/** Scenarios for a .NET repository without a cachebench config, or the reasons there are none. */
export async function detectDotnetScenarios(repoDir: string, opts: DetectOptions): Promise<DetectionResult> {
  const log = opts.log ?? (() => {});
  const verify = opts.verifyRestore ?? true;
  const context = opts.context ?? '.';
  const repo = path.resolve(repoDir);
  const contextDir = path.resolve(repo, context);
  const notes: string[] = [];
  const problems: string[] = [];
  const found: { codeChange?: Edit; dependencyChange?: Edit; project?: string } = {};
  const fail = (): DetectionResult => ({ ok: false, problems, suggestion: buildSuggestion({ dockerfile: opts.dockerfile, context, ...found }) });

  const dockerfilePath = path.isAbsolute(opts.dockerfile)
    ? opts.dockerfile
    : [path.join(repo, opts.dockerfile), path.join(contextDir, opts.dockerfile)].find((f) => existsSync(f));
  if (!dockerfilePath || !existsSync(dockerfilePath)) {
    problems.push(`no Dockerfile at ${path.join(repo, opts.dockerfile)}`);
    return fail();
  }
  if (!isDir(contextDir)) {
    problems.push(`the build context ${contextDir} is not a folder`);
    return fail();
  }

  const parsed = parseDockerfile(readFileSync(dockerfilePath, 'utf8'));
  const published = findPublishedProject(parsed, contextDir);
  if ('problems' in published) {
    problems.push(...published.problems);
    return fail();
  }
  const project = published.project;
  found.project = rel(repo, project);
  notes.push(...published.notes);
  log(`detect: project ${found.project}`);
  if (found.project.startsWith('..')) {
    problems.push(`${found.project} is outside the repository`);
    return fail();
  }

  const ignore = readDockerignore(dockerfilePath, contextDir);
  const inContext = (repoRel: string) => {
    const c = rel(contextDir, path.join(repo, repoRel));
    return !c.startsWith('..') && !dockerignoreExcludes(ignore, c);
  };

  const code = codeChange(project, repo, notes);
  if ('problem' in code) problems.push(code.problem);
  else if (!inContext(code.edit.file)) problems.push(`code-change: ${code.edit.file} is not in the build context (outside it, or left out by .dockerignore)`);
  else found.codeChange = code.edit;

  const closure = projectClosure(project, notes);
  if (closure.length > 1) notes.push(`referenced projects: ${closure.slice(1).map((p) => rel(repo, p)).join(', ')}`);
  const items = collectPackageItems(closure, repo, notes).filter((f) => inContext(rel(repo, f.file)));
  if (items.length === 0) {
    problems.push(`no PackageReference (or central PackageVersion) with a plain Version in ${found.project} or the projects it references`);
    return fail();
  }

  let sources: string[];
  try {
    // The machine's sources, not the repository's: ask from the home folder.
    sources = await discoverNugetSources(os.homedir());
  } catch (err) {
    problems.push((err as Error).message);
    return fail();
  }
  if (sources.length === 0) {
    problems.push('no enabled http(s) NuGet source on this machine (`dotnet nuget list source`)');
    return fail();
  }
  const t0 = performance.now();
  const served = await servedVersions(sources, items.map((f) => f.item.id), notes);
  log(`detect: looked up ${served.size} packages on ${sources.join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const candidates: PackageCandidate[] = [];
  for (const f of items) {
    const versions = served.get(f.item.id.toLowerCase());
    if (versions === undefined) continue;
    const bump = chooseVersionBump(f.item.version, versions);
    if (!bump) continue;
    candidates.push({
      id: f.item.id,
      file: rel(repo, f.file),
      item: f.item,
      bump,
      secondary: isFrameworkPackage(f.item.id) || isToolingPackage(f.item.id) || f.item.privateAssets,
      order: f.order,
    });
  }
  const ranked = rankCandidates(candidates);
  if (ranked.length === 0) {
    problems.push(`none of the ${items.length} versioned packages has another stable version on the NuGet source (${sources.join(', ')})`);
    return fail();
  }

  const editFor = (c: PackageCandidate): Edit => ({ file: c.file, ...versionEdit(c.item, c.bump.to) });
  const describe = (c: PackageCandidate) => `${c.id} ${c.bump.from} -> ${c.bump.to} in ${c.file}`;
  let chosen: PackageCandidate | undefined;
  if (!verify) {
    chosen = ranked[0];
    notes.push('dependency-change: not checked with a restore (verifyRestore: false)');
  } else {
    const target = published.restoreTarget ?? project;
    notes.push(`restore check: \`dotnet restore ${rel(repo, target)}\` on the host (${published.restoreTarget ? 'what the Dockerfile restores' : 'the published project'})`);
    const sandbox = new RestoreSandbox(repo, sources, rel(repo, path.dirname(project)));
    try {
      for (const c of ranked.slice(0, MAX_RESTORE_CANDIDATES)) {
        log(`detect: restoring with ${describe(c)}`);
        const r = await sandbox.tryEdit(editFor(c), rel(repo, target), rel(repo, project), c.id, c.bump.to);
        log(`detect: ${r.ok ? 'ok' : 'rejected'}: ${r.detail}`);
        if (r.ok) {
          chosen = c;
          notes.push(`restore check: ${describe(c)} ${r.detail}`);
          break;
        }
        notes.push(`restore check: ${describe(c)} rejected (${r.detail})`);
        problems.push(`${describe(c)}: ${r.detail}`);
      }
    } finally {
      sandbox.dispose();
    }
  }
  if (!chosen) {
    problems.unshift(`no package bump of the first ${Math.min(ranked.length, MAX_RESTORE_CANDIDATES)} candidates restores on this machine`);
    return fail();
  }
  found.dependencyChange = editFor(chosen);
  notes.push(
    `dependency-change: ${describe(chosen)} (${chosen.bump.kind} ${chosen.bump.direction === 'up' ? 'upgrade' : 'downgrade'}; ` +
      `${chosen.item.form === 'attribute' ? 'Version attribute' : '<Version> element'} of its ${chosen.item.element}; ${ranked.length} candidates)`,
  );
  if (!found.codeChange) return fail();
  const depDescription = `Bump ${chosen.id} ${chosen.bump.from} -> ${chosen.bump.to} in ${chosen.file}: a file read by restore changes, so restore and everything after it re-run.`;
  return {
    ok: true,
    scenarios: {
      'code-change': {
        description: `Adds a C# file to ${path.posix.dirname(found.project)}: sources change, project files do not, so restore is reused and the build re-runs.`,
        edits: [found.codeChange],
      },
      'dependency-change': { description: depDescription, edits: [found.dependencyChange] },
    },
    notes,
  };
}
