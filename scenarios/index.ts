/** Finds every scenario module in this folder: built-ins and any a user drops in. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../src/errors.ts';
import type { Scenario } from './types.ts';

export const DEFAULT_SCENARIOS = ['no-change', 'code-change', 'dependency-change'];
const NOT_SCENARIOS = new Set(['index.ts', 'types.ts', 'edits.ts']);

export async function loadScenarios(dir = path.dirname(fileURLToPath(import.meta.url))): Promise<Map<string, Scenario>> {
  const out = new Map<string, Scenario>();
  for (const f of readdirSync(dir).sort()) {
    if (!/\.(ts|mjs|js)$/.test(f) || f.endsWith('.d.ts') || NOT_SCENARIOS.has(f)) continue;
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { scenario?: Scenario };
    const s = mod.scenario;
    if (!s || typeof s.name !== 'string' || typeof s.apply !== 'function') {
      throw new UsageError(`scenarios/${f} does not export a \`scenario\` with a name and an apply function`, 'see "Adding a scenario" in the README');
    }
    out.set(s.name, s);
  }
  return out;
}

export async function scenarioNames(): Promise<string[]> {
  return [...(await loadScenarios()).keys()];
}
