/** Folder walking shared by the .NET detection: sorted, locale-independent, skipping build output. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function sortedEntries(dir: string): string[] {
  try {
    return readdirSync(dir).sort(byCodeUnits);
  } catch {
    return [];
  }
}

/** Locale-independent order: the same everywhere. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const SKIP_DIRS = new Set(['bin', 'obj', 'node_modules', 'testresults', 'packages', 'artifacts']);

export function findFiles(dir: string, pred: (f: string) => boolean, maxDepth: number, skip = SKIP_DIRS): string[] {
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

/** Nearest file named `name` (any case) in `dir` or its parents, not above `stop`. */
export function findUp(dir: string, name: string, stop: string): string | undefined {
  const lower = name.toLowerCase();
  for (let d = dir; ; d = path.dirname(d)) {
    const hit = sortedEntries(d).find((e) => e.toLowerCase() === lower);
    if (hit && !isDir(path.join(d, hit))) return path.join(d, hit);
    if (d === stop || path.dirname(d) === d || !d.startsWith(stop)) return undefined;
  }
}

/** `to` relative to `from`, with forward slashes. */
export function rel(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join('/');
}
