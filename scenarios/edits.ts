/** Applies the edits a fixture declares for a scenario (shared by code- and dependency-change). */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../src/errors.ts';
import type { ScenarioContext } from './types.ts';

export async function applyDeclaredEdits(ctx: ScenarioContext, scenario: string): Promise<void> {
  const spec = ctx.fixture.scenarios[scenario];
  if (!spec || !spec.edits || spec.edits.length === 0) {
    throw new UsageError(
      `fixture ${ctx.fixture.name} does not declare what "${scenario}" changes`,
      `add "scenarios": {"${scenario}": {"edits": [...]}} to its fixture.json`,
    );
  }
  for (const [i, e] of spec.edits.entries()) {
    const file = path.join(ctx.dir, e.file);
    const field = `scenarios.${scenario}.edits[${i}]`;
    if (e.create !== undefined) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, e.create);
      continue;
    }
    if (!existsSync(file)) throw new UsageError(`${field}: ${e.file} does not exist in the fixture`);
    const text = readFileSync(file, 'utf8');
    if (e.append !== undefined) {
      writeFileSync(file, text + (text.endsWith('\n') || text === '' ? '' : '\n') + e.append + '\n');
    } else if (e.replace !== undefined) {
      if (!text.includes(e.replace)) throw new UsageError(`${field}: "${e.replace}" does not occur in ${e.file}`, 'fix the edit so that it matches the file');
      writeFileSync(file, text.replace(e.replace, e.with ?? ''));
    }
  }
  await ctx.git.add('-A');
}
