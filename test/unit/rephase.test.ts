import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths.ts';
import { rawLogName, rephase } from '../../src/results/rephase.ts';
import type { BuildCheck, Results } from '../../src/results/types.ts';
import { tempDir } from './helpers/temp-dir.ts';

// Recorded: the .NET sample's seed under registry-min whose SDK layer download BuildKit never
// marked completed; the run's self-check (at the time) found 7.1 s of the span unattributed.
const LOG = path.join(projectRoot, 'test', 'fixtures', 'rawjson', 'dotnet-seed-download-never-completed.rawjson.gz');
const COVERAGE = "phases cover 80.4 s of BuildKit's 87.5 s span: 7.1 s unattributed (tolerance 4.4 s)";

function resultsWithSeed(problems: string[]): { results: Results; check: () => BuildCheck } {
  const seed = {
    status: 'ok',
    phases: { 'cache-save': 5 },
    check: {
      ok: false,
      instructions: { expected: 11, accounted: 11, missing: [], unexpected: [], skippedStages: [], counted: 9, cached: 0 },
      phases: { sumMs: 80395, spanMs: 87536, unattributedMs: 7141, toleranceMs: 4377 },
      problems,
    },
  };
  return { results: { seeds: { 'registry-min': seed }, cells: [] } as unknown as Results, check: () => seed.check as BuildCheck };
}

function logDir(): string {
  const dir = tempDir('cb-rephase-');
  mkdirSync(path.join(dir, 'logs'));
  copyFileSync(LOG, path.join(dir, 'logs', rawLogName('seed-registry-min')));
  return dir;
}

test('rephase recomputes the self-check\'s phase coverage with the phases: the build now passes', () => {
  const { results, check } = resultsWithSeed([COVERAGE]);
  assert.deepEqual(rephase(results, logDir(), new Set()), { updated: 1, missing: 0 });
  assert.equal(check().ok, true);
  assert.deepEqual(check().problems, []);
  assert.ok(check().phases.unattributedMs < 500, `${check().phases.unattributedMs} ms`);
  assert.equal(check().instructions.counted, 9, 'the instruction accounting stands');
  assert.equal(results.seeds['registry-min']?.phases['cache-save'], 5, 'harness phases are kept');
});

test('rephase keeps the self-check\'s other findings', () => {
  const other = 'cached step "[build 6/8] RUN dotnet restore" took 9.0 s, 9.0 s of it with no layer transfer reported';
  const { results, check } = resultsWithSeed([COVERAGE, other]);
  rephase(results, logDir(), new Set());
  assert.equal(check().ok, false);
  assert.deepEqual(check().problems, [other]);
});
