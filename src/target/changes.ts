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
function inContext(files: readonly string[], contextRel: string): string[] {
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

/** The ignore filter of the commit (as BuildKit picks it: `<Dockerfile>.dockerignore`, else `<context>/.dockerignore`) and its text. */
async function ignoreAt(t: ContextTree, contextRel: string, dockerfileRel: string): Promise<{ filter: ContextFilter; text: string }> {
  for (const rel of [path.posix.join(contextRel, `${dockerfileRel}.dockerignore`), path.posix.join(contextRel, '.dockerignore')]) {
    const text = await showFile(t, path.posix.normalize(rel));
    if (text !== undefined) return { filter: contextFilter(text.split(/\r?\n/), rel), text: `${rel}\n${text}` };
  }
  return { filter: contextFilter([]), text: '' };
}

/** Files of the build context that differ between `from` and `to` (context-relative, sorted). */
export async function contextChanges(from: ContextTree, to: ContextTree, contextRel: string, dockerfileRel: string): Promise<string[]> {
  const diff = await gitAt(to.dir).raw(['diff', '--name-only', '--no-renames', '-z', from.commit, to.commit]);
  const changed = inContext(diff.split('\0').filter(Boolean), contextRel);
  const [a, b] = [await ignoreAt(from, contextRel, dockerfileRel), await ignoreAt(to, contextRel, dockerfileRel)];
  const out = new Set(changed.filter((f) => !a.filter.excludes(f) || !b.filter.excludes(f)));
  if (a.text !== b.text) {
    for (const f of inContext(await listTree(to.dir, to.commit), contextRel)) if (a.filter.excludes(f) !== b.filter.excludes(f)) out.add(f);
  }
  return [...out].sort();
}
