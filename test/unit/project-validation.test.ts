/**
 * The projection's accuracy as a checked number: one pair of .NET code-change runs measured
 * on this machine family on 2026-12-01 (test/fixtures/projection/: the default run on
 * `internet`, 3 builds a cell, and an adaptive run on `datacenter`, 7–9 builds a cell),
 * each projected to the other's measured link. Measured errors per cell, internet →
 * datacenter: none +3%, local +4%, inline −1%, registry-min +11%, registry-max −5%;
 * datacenter → internet: −2%, −4%, +1%, −7%, +2%. Every pair of modes the measured run
 * clearly separates keeps its order. A change of the model that makes it worse fails here.
 *
 * The fixtures are the runs' results.json trimmed to the code-change cells (mix 100%), with
 * no seeds, calibration, step lists, explanations or self-checks:
 *   jq '.seeds = {} | .plan.scenarios = ["code-change"] | .plan.commitMix = {"code-change": 1}
 *     | .cells |= map(select(.scenario == "code-change") | .runs |= map(del(.explain, .check,
 *     .buildRef, .imageDigest) | .steps = [] | .warnings = [])) | del(.calibration)'
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { projectAgainst } from '../../src/project/against.ts';
import { runLink } from '../../src/project/link.ts';
import { readResults } from '../../src/results/io.ts';

const DIR = path.join(import.meta.dirname, '..', 'fixtures', 'projection');
const internet = readResults(path.join(DIR, 'dotnet-code-change-internet.results.json'));
const datacenter = readResults(path.join(DIR, 'dotnet-code-change-datacenter.results.json'));

/** The largest error measured was 11% (registry-min, internet → datacenter); one point of slack for rounding. */
const MAX_ERROR_PCT = 12;

function check(from: typeof internet, to: typeof internet, expected: Record<string, number>): void {
  const a = projectAgainst(from, runLink(from, 'from'), to, runLink(to, 'to'));
  const errors = Object.fromEntries(a.cells.map((c) => [c.mode, Math.round(c.errorPct)]));
  assert.deepEqual(errors, expected);
  for (const c of a.cells) assert.ok(Math.abs(c.errorPct) <= MAX_ERROR_PCT, `${c.id}: ${c.errorPct.toFixed(1)}%`);
  const separated = a.orders.filter((o) => o.measuredSeparated);
  assert.ok(separated.length >= 4, `${separated.length} separated pairs`);
  assert.ok(separated.every((o) => o.verdict === 'same order'), separated.map((o) => `${o.a}<${o.b}: ${o.verdict}`).join(', '));
  assert.equal(a.orderSame, true);
}

test('internet → datacenter: every .NET code-change cell within 12% of the measured run, the separated order kept', () => {
  assert.equal(internet.environment.networkProfile, 'internet');
  assert.equal(datacenter.environment.networkProfile, 'datacenter');
  check(internet, datacenter, { none: 3, local: 4, inline: -1, 'registry-min': 11, 'registry-max': -5 });
});

test('datacenter → internet: every cell within 12%, the separated order kept', () => {
  check(datacenter, internet, { none: -2, local: -4, inline: 1, 'registry-min': -7, 'registry-max': 2 });
});

test('the crossover sentence, confirmed near its bandwidth (reports/links/): registry-max stops being the slowest above ~110 Mbit/s, and at 110 Mbit/s it ties with local', () => {
  const links = path.join(import.meta.dirname, '..', '..', 'reports', 'links');
  const internetRun = readResults(path.join(links, '2026-12-02-code-change-internet.results.json'));
  const at110 = readResults(path.join(links, '2026-12-02-code-change-110mbit.results.json'));
  const a = projectAgainst(internetRun, runLink(internetRun, 'internet'), at110, runLink(at110, '110mbit'));
  const slowest = a.projection.crossover.changes.find((c) => c.kind === 'slowest' && c.before === 'registry-max');
  assert.ok(slowest, a.projection.crossover.sentences.join(' '));
  assert.ok(slowest.rateMbit > 90 && slowest.rateMbit < 130, `crossing at ${slowest.rateMbit} Mbit/s`);
  // Measured at 110 Mbit/s (probe: 106): local 81.9 s, registry-max 84.9 s, not separated; projected 79.3 and 80.0 s.
  assert.deepEqual(a.cells.map((c) => [c.mode, Math.round(c.errorPct)]), [['local', -3], ['registry-max', -6]]);
  const pair = a.orders.find((o) => o.scenario === 'code-change');
  assert.equal(pair?.verdict, 'not separated');
});
