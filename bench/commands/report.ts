/**
 * `cachebench report DIR [--from-logs] [commit mix and cost flags]`: the reports of a run
 * folder, rendered again from its results.json; a new commit mix or cost setting is written
 * into results.json's plan first, so the folder stays consistent.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '../../src/errors.ts';
import { parseMix } from '../../src/options.ts';
import { applyToPlan, COST_FLAGS, COST_USAGE } from '../../src/options-cost.ts';
import { embeddedStatus } from '../../src/engine/embedded.ts';
import { readResults, writeResults } from '../../src/results/io.ts';
import { rephase } from '../../src/results/rephase.ts';
import { parseRef, referencedBlobs } from '../../src/registry/client.ts';
import type { Results } from '../../src/results/types.ts';
import { writeReports } from '../../src/report/index.ts';
import { out } from './io.ts';

const USAGE = `Usage: cachebench report DIR [--from-logs] [--mix s=w,... | --mix-from FILE] [--commits-per-day N] [--branches N] [--price-* USD]

Re-renders CSV, charts, report.md and report.html from DIR/results.json.

  --from-logs            first recompute every build's phases from the progress logs the run kept
                         in DIR/logs (after an upgrade that changed how phases are attributed);
                         wall times and cached steps are measurements and stay as they are
The run's commit mix and cost settings stay unless given here (what is given is written into DIR/results.json's plan):
${COST_USAGE}`;

function flags(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' }, 'from-logs': { type: 'boolean' }, ...COST_FLAGS } });
  } catch (err) {
    throw new UsageError(`cachebench report: ${(err as Error).message}`, 'see `cachebench report --help`');
  }
}

export async function cmdReport(argv: string[]): Promise<number> {
  const { values, positionals } = flags(argv);
  if (values.help) return out(USAGE), 0;
  const dir = positionals[0];
  if (!dir) throw new UsageError('cachebench report needs a run folder', USAGE.split('\n')[0]);
  const results = readResults(dir);
  const changed = applyToPlan(results.plan, values, parseMix);
  if (values['from-logs']) await rephaseFromLogs(dir, results);
  if (changed.length) {
    writeResults(dir, results);
    out(`results.json: ${changed.join('; ')}`);
  }
  const files = await writeReports(results, path.resolve(dir));
  out(`wrote ${files.join(', ')}`);
  return 0;
}

/** --from-logs: every build's phases recomputed from DIR/logs, and results.json rewritten. */
async function rephaseFromLogs(dir: string, results: Results): Promise<void> {
  if (!existsSync(path.join(dir, 'logs'))) throw new UsageError(`${dir} has no logs/ folder`, 'only runs made by cachebench ≥ 0.2 keep their progress logs');
  const baseLayers = new Set(results.environment.baseLayers ?? (await localBaseLayers(results)));
  if (baseLayers.size === 0) process.stderr.write('warning: base image layers unknown (start the embedded engine to look them up); base layer downloads are told apart by their step only\n');
  else results.environment.baseLayers = [...baseLayers].sort();
  const { updated, missing } = rephase(results, dir, baseLayers);
  writeResults(dir, results);
  out(`recomputed phases of ${updated} builds from logs${missing ? ` (${missing} had no log and kept theirs)` : ''}`);
}

/** Layers of a run's base images, looked up in the embedded registry (which keeps them). */
async function localBaseLayers(results: Results): Promise<string[]> {
  const st = await embeddedStatus();
  if (!st.registry) return [];
  const layers: string[] = [];
  for (const { ref } of Object.values(results.environment.baseImages)) {
    try {
      const r = parseRef(ref);
      if (!r.repository.startsWith('cachebench/base/')) continue;
      layers.push(...(await referencedBlobs(st.registryAddress, r.repository, r.tag)).keys());
    } catch {
      /* not there: fall back */
    }
  }
  return layers;
}
