/**
 * What the context COPYs of a stage put where in the container: from a container path
 * back to the file of the build context it came from.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CopyInstruction, DotnetCommand, ParsedDockerfile } from './dockerfile.ts';
import { isDir, sortedEntries } from './files.ts';
import { globSegmentRegex } from '../../dockerfile/copy-sources.ts';

const hasGlob = (s: string) => /[*?[]/.test(s);

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
