/**
 * The layout's rule, checked: imports between the project's own modules form no circle
 * (each stage of the pipeline only imports the stages below it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Relative imports (static `import … from`, `export … from`, and `import('…')`) of a module. */
export function importsOf(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2] ?? '');
  return specs.filter((s) => s.startsWith('.')).map((s) => path.resolve(path.dirname(file), s));
}

export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'open') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

test('the cycle finder finds a circle and accepts a tree', () => {
  assert.deepEqual(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), ['a', 'b', 'c', 'a']);
  assert.equal(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), undefined);
  assert.deepEqual(importsOf('/x/a.ts', "import { b } from './b.ts';\nimport type { C } from '../c.ts';\nexport { d } from './d.ts';\nconst e = await import('./e.ts');\nimport fs from 'node:fs';"), ['/x/b.ts', '/c.ts', '/x/d.ts', '/x/e.ts']);
});

test('no import circles among src/, bench/ and scenarios/', () => {
  const files = ['src', 'bench', 'scenarios'].flatMap((d) => sources(path.join(root, d)));
  const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]));
  const cycle = findCycle(graph);
  assert.equal(cycle, undefined, `import circle: ${cycle?.map((f) => path.relative(root, f)).join(' → ')}`);
});

/**
 * src/project (projections to another link) sits between results and report: it reads
 * Results, the statistics and the network profiles' parsing, never a stage above it (run,
 * compare, report) nor anything that touches the engine or the link itself.
 */
test('src/project imports only results, stats, the network profiles and shared leaves', () => {
  const dir = path.join(root, 'src', 'project');
  const allowed = [
    (p: string) => p.startsWith(dir + path.sep),
    (p: string) => p.startsWith(path.join(root, 'src', 'results') + path.sep),
    (p: string) => p.startsWith(path.join(root, 'src', 'stats') + path.sep),
    (p: string) => p === path.join(root, 'src', 'network', 'profiles.ts'),
    (p: string) => ['errors.ts', 'cache-modes.ts'].some((leaf) => p === path.join(root, 'src', leaf)),
  ];
  const bad = sources(dir).flatMap((f) => importsOf(f, readFileSync(f, 'utf8')).filter((imp) => !allowed.some((ok) => ok(imp))).map((imp) => `${path.relative(root, f)} → ${path.relative(root, imp)}`));
  assert.deepEqual(bad, []);
});
