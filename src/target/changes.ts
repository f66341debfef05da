/**
 * What changed in the build context between two commits of the workspace: the files whose
 * content differs (git diff, renames as delete + add), and when the ignore file changed,
 * the files whose inclusion changed. Paths are context-relative; files `.dockerignore`
 * leaves out of both commits' contexts do not count.
 */
import path from 'node:path';
import { contextFilter, type ContextFilter } from '../dockerfile/ignore.ts';
import { gitAt } from './workspace.ts';

export interface ContextTree {
  /** A work tree at the commit. */
  dir: string;
  commit: string;
}

const toPosix = (p: string) => p.split(path.sep).join('/');

/** Context-relative paths under `contextRel` of `files` (repository-relative); others dropped. */
export function inContext(files: readonly string[], contextRel: string): string[] {
  const prefix = toPosix(path.normalize(contextRel)).replace(/^\.\/?$/, '').replace(/\/$/, '');
  return files.filter((f) => prefix === '' || f.startsWith(`${prefix}/`)).map((f) => (prefix === '' ? f : f.slice(prefix.length + 1)));
}

async function listTree(dir: string, commit: string): Promise<string[]> {
  const out = await gitAt(dir).raw(['ls-tree', '-r', '-z', '--name-only', commit]);
  return out.split('\0').filter(Boolean);
}

/** The file at `rel` in `commit`, or undefined. */
async function showFile(t: ContextTree, rel: string): Promise<string | undefined> {
  try {
    return await gitAt(t.dir).raw(['show', `${t.commit}:${rel}`]);
  } catch {
    return undefined;
  }
}

/** A commit's ignore file: its filter, and its name and text (to tell whether it changed). */
export interface IgnoreAt {
  filter: ContextFilter;
  text: string;
}

/** The ignore files BuildKit looks for, repository-relative, first found wins: `<Dockerfile>.dockerignore`, then `<context>/.dockerignore`. */
export function ignoreFilePaths(contextRel: string, dockerfileRel: string): string[] {
  return [path.posix.join(contextRel, `${dockerfileRel}.dockerignore`), path.posix.join(contextRel, '.dockerignore')].map((p) => path.posix.normalize(p));
}

/** The ignore filter of a commit, given a reader of its files. */
export async function ignoreOf(read: (rel: string) => Promise<string | undefined>, contextRel: string, dockerfileRel: string): Promise<IgnoreAt> {
  for (const rel of ignoreFilePaths(contextRel, dockerfileRel)) {
    const text = await read(rel);
    if (text !== undefined) return { filter: contextFilter(text.split(/\r?\n/), rel), text: `${rel}\n${text}` };
  }
  return { filter: contextFilter([]), text: '' };
}

/**
 * Of a commit's changed files (context-relative), those that count for the build: in
 * either commit's context; and when the ignore file changed, every file whose inclusion
 * changed (`listContext` gives the context's files at the commit).
 */
export async function countedChanges(changed: readonly string[], before: IgnoreAt, after: IgnoreAt, listContext: () => Promise<string[]>): Promise<string[]> {
  const out = new Set(changed.filter((f) => !before.filter.excludes(f) || !after.filter.excludes(f)));
  if (before.text !== after.text) for (const f of await listContext()) if (before.filter.excludes(f) !== after.filter.excludes(f)) out.add(f);
  return [...out].sort();
}

/** Files of the build context that differ between `from` and `to` (context-relative, sorted). */
export async function contextChanges(from: ContextTree, to: ContextTree, contextRel: string, dockerfileRel: string): Promise<string[]> {
  const diff = await gitAt(to.dir).raw(['diff', '--name-only', '--no-renames', '-z', from.commit, to.commit]);
  const changed = inContext(diff.split('\0').filter(Boolean), contextRel);
  const [a, b] = [await ignoreOf((rel) => showFile(from, rel), contextRel, dockerfileRel), await ignoreOf((rel) => showFile(to, rel), contextRel, dockerfileRel)];
  return countedChanges(changed, a, b, async () => inContext(await listTree(to.dir, to.commit), contextRel));
}
