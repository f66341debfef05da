/** `cachebench merge DIR|FILE... --out DIR`: the shards of a run (run --shard I/N) combined into one results.json and report. */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { UsageError } from '../../src/errors.ts';
import { checkOutDir } from '../../src/options.ts';
import { readResults, writeResults } from '../../src/results/io.ts';
import { mergeResults } from '../../src/results/merge.ts';
import { writeReports } from '../../src/report/index.ts';
import { out } from './io.ts';

const USAGE = 'Usage: cachebench merge DIR|FILE... --out DIR\n\nCombines the results of `run --shard I/N` jobs into one results.json and report.\nExit 1 when a shard or cell is missing (the merged report says which), 2 on bad input.';

export async function cmdMerge(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw new UsageError((err as Error).message, USAGE.split('\n')[0]);
  }
  if (parsed.values.help) return out(USAGE), 0;
  if (parsed.positionals.length === 0) throw new UsageError('cachebench merge needs the shard result folders or files', USAGE.split('\n')[0]);
  if (!parsed.values.out) throw new UsageError('cachebench merge needs --out DIR', USAGE.split('\n')[0]);
  const parts = parsed.positionals.map((p) => readResults(p));
  const outDir = path.resolve(parsed.values.out);
  checkOutDir(outDir);
  const { merged, missing, warnings } = mergeResults(parts);
  writeResults(outDir, merged);
  const files = await writeReports(merged, outDir);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  for (const m of missing) process.stderr.write(`missing: ${m}\n`);
  out(`merged ${parts.length} shard(s), ${merged.cells.length} cells, into ${outDir} (${files.length + 1} files)`);
  return missing.length ? 1 : 0;
}
