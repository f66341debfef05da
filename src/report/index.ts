/** Writes every report file for a Results document; the one module that writes report files. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Results } from '../types.ts';

export async function writeReports(results: Results, dir: string): Promise<string[]> {
  const file = path.join(dir, 'summary.txt');
  writeFileSync(file, results.cells.map((c) => `${c.id} ${c.stats?.medianMs ?? '-'}`).join('\n') + '\n');
  return [file];
}
