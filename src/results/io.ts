/** results.json: the schema, atomic writes after every build, reading and validation. */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import AjvModule from 'ajv';
import type { Results, RunRecord } from './types.ts';
import { CachebenchError, UsageError } from '../errors.ts';
import { median } from './stats.ts';

const require = createRequire(import.meta.url);
const schema = require('./schema.json') as object;
const Ajv = AjvModule as unknown as typeof AjvModule.default;
const validator = new Ajv({ allErrors: true, strict: false }).compile(schema);

export const RESULTS_FILE = 'results.json';

/** Problems with a results document, each naming the field; empty when valid. */
export function validateResults(doc: unknown): string[] {
  if (validator(doc)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
}

/** Writes results.json atomically (write a temp file, then rename), so a crash never leaves half a file. */
export function writeResults(dir: string, results: Results): string {
  const file = path.join(dir, RESULTS_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, JSON.stringify(results, null, 2) + '\n');
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new CachebenchError(`could not write ${file}: ${(err as Error).message}`, {
      cause: err,
      hint: (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full: free space, then continue with --resume' : 'check the folder is writable, then continue with --resume',
    });
  }
  return file;
}

/** Reads results.json from a file or a folder that holds one; throws a UsageError naming the problem. */
export function readResults(fileOrDir: string): Results {
  const file = existsSync(fileOrDir) && statSync(fileOrDir).isDirectory() ? path.join(fileOrDir, RESULTS_FILE) : fileOrDir;
  if (!existsSync(file)) throw new UsageError(`${file} does not exist`, 'give a results.json file or a run folder that contains one');
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const problems = validateResults(doc);
  if (problems.length) throw new UsageError(`${file} is not a cachebench results file: ${problems.slice(0, 5).join('; ')}`);
  return doc as Results;
}

/** Harness overhead: what the measured window holds beyond buildx, and buildx beyond BuildKit. */
export function computeOverhead(results: Results): Results['overhead'] {
  const runs = results.cells.flatMap((c) => c.runs).filter((r) => r.status === 'ok');
  if (runs.length === 0) return undefined;
  const harness = runs.map((r) => r.wallMs - r.buildxWallMs - (r.phases['cache-restore'] ?? 0) - (r.phases['cache-save'] ?? 0));
  const cli = runs.filter((r) => r.buildkitMs !== undefined).map((r) => r.buildxWallMs - (r.buildkitMs as number));
  const resets = runs.filter((r) => r.resetMs !== undefined).map((r) => r.resetMs as number);
  const prepares = runs.filter((r) => r.prepareMs !== undefined).map((r) => r.prepareMs as number);
  const waits = runs.filter((r) => r.waitMs !== undefined).map((r) => r.waitMs as number);
  return {
    medianHarnessMs: median(harness),
    ...(cli.length ? { medianBuildxVsBuildkitMs: median(cli) } : {}),
    ...(resets.length ? { medianResetMs: median(resets) } : {}),
    ...resetParts(runs),
    ...(prepares.length ? { medianPrepareMs: median(prepares) } : {}),
    ...(waits.length ? { medianWaitMs: median(waits) } : {}),
    ...runRatio(results),
  };
}

/** Median time of each part of the reset, over the builds that recorded them. */
function resetParts(runs: readonly RunRecord[]): { medianResetSteps?: Record<string, number> } {
  const parts = new Map<string, number[]>();
  for (const r of runs) for (const [k, v] of Object.entries(r.resetSteps ?? {})) parts.set(k, [...(parts.get(k) ?? []), v]);
  return parts.size ? { medianResetSteps: Object.fromEntries([...parts].map(([k, v]) => [k, median(v)])) } : {};
}

/** Run wall time (started → finished) over the builds' wall time, when the run has finished. */
function runRatio(results: Results): { runRatio?: number } {
  const { startedAt, finishedAt } = results.environment;
  if (!finishedAt) return {};
  const builds = [...Object.values(results.seeds), ...results.cells.flatMap((c) => c.runs)].reduce((t, b) => t + b.wallMs, 0);
  const run = Date.parse(finishedAt) - Date.parse(startedAt);
  return builds > 0 && run > 0 ? { runRatio: run / builds } : {};
}
