/** The code-change scenario of a detected .NET repository: a new internal type in the published project. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Edit } from '../fixture.ts';
import { byCodeUnits, isDir, rel, SKIP_DIRS, sortedEntries } from './files.ts';
import { PROJECT_EXT } from './msbuild.ts';

/** The name and content of the file the code-change scenario adds. */
export const PROBE_BASENAME = 'CachebenchProbe';

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

export function codeChange(project: string, repoDir: string, notes: string[]): { edit: Edit } | { problem: string } {
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
