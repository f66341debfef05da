/** The per-build link model: fit on the run's own link, projection to another, clamping, loopback, local mode. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, projectBuild, runFacts } from '../../src/project/model.ts';
import { GOODPUT, linkAt, runLink, targetLink } from '../../src/project/link.ts';
import { mixExpectation, projectRun } from '../../src/project/project.ts';
import type { LinkFigures } from '../../src/project/types.ts';
import { UsageError } from '../../src/errors.ts';
import { BASE_BYTES, MAX, NONE, cellOf, linkRun, truthBuild, twoModeRun, type Link, type Truth } from './helpers/synthetic-link-runs.ts';

const INTERNET: Link = { mbit: 96, rttMs: 30 };
const FAST: LinkFigures = { label: 'fast', mbit: 480, rttMs: 2, from: 'profile' };

/** What a build of `truth` takes on `link`, by construction. */
function truthOn(t: Truth, link: Link, mode: string, noise = 0): number {
  return truthBuild(t, link, 1, mode, noise).wallMs;
}

const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} ≠ ${b}`);

test('a build whose transfer phases are exactly bytes/bw + requests·rtt projects exactly to another link', () => {
  const run = twoModeRun(INTERNET, 100, 30);
  const p = projectRun(run, runLink(run, 'syn'), FAST);
  for (const [mode, truth] of [['none', NONE], ['registry-max', MAX]] as const) {
    const cell = p.cells.find((c) => c.mode === mode);
    assert.ok(cell);
    [-200, 0, 200].forEach((noise, i) => near(cell.projectedMs[i] as number, truthOn(truth, FAST, mode, noise), `${mode} build ${i + 1}`));
    assert.equal(cell.clampedBuilds, 0);
  }
  const max = p.cells.find((c) => c.mode === 'registry-max');
  const phases = max?.builds[0]?.phases ?? [];
  assert.deepEqual(phases.map((x) => [x.phase, x.bytes]), [['base-pull', 200e6], ['cache-import', 300e6], ['image-export', 10e6], ['cache-export', 100e6]]);
  assert.deepEqual(phases.map((x) => Math.round(x.localMs)), [2000, 4000, 600, 1500]);
});

test('projected back to its own link, a fitted build gives its measured time', () => {
  const run = twoModeRun(INTERNET, 100, 30);
  const source = runLink(run, 'syn');
  assert.equal(source.from, 'measured');
  for (const c of projectRun(run, source, source).cells) c.projectedMs.forEach((x, i) => near(x, c.builds[i]?.wallMs as number, c.id));
});

test('the run link: measured figures first, else the profile × goodput; loopback has no link', () => {
  const run = twoModeRun(INTERNET, 100, 30);
  assert.deepEqual([runLink(run, 'x').mbit, runLink(run, 'x').rttMs], [96, 30]);
  const unmeasured = { ...run, environment: { ...run.environment, network: { rateMbit: 100, rttMs: 30, description: 'x' } } };
  assert.deepEqual([runLink(unmeasured, 'x').mbit, runLink(unmeasured, 'x').from], [100 * GOODPUT, 'profile']);
  assert.deepEqual([targetLink('datacenter').mbit, targetLink('datacenter').rttMs], [500 * GOODPUT, 2]);
  assert.deepEqual([targetLink('50mbit/40ms').mbit, targetLink('50mbit/40ms').rttMs], [50 * GOODPUT, 40]);
  assert.equal(targetLink('loopback').mbit, Infinity);
  assert.throws(() => targetLink('moon'), /unknown network profile "moon"/);
  const noNetwork = { ...run, environment: { ...run.environment, networkProfile: 'internet', network: undefined } };
  assert.throws(() => runLink(noNetwork, 'DIR'), (e: unknown) => e instanceof UsageError && /environment\.network is missing/.test(e.message) && /run the benchmark again/.test(e.hint ?? ''));
});

test('clamping: bytes the measured rate could not have moved in the phase time are said, and added back', () => {
  // 200 MB at 96 Mbit/s is 16.7 s; the build's base-pull took 5 s: 11.8 s cannot be taken out.
  const run = twoModeRun(INTERNET, 100, 30);
  const none = run.cells[0];
  assert.ok(none);
  const fast = { ...(none.runs[0] as (typeof none.runs)[number]) };
  fast.phases = { ...fast.phases, 'base-pull': 5000 };
  fast.wallMs = Object.values(fast.phases).reduce((a, b) => a + (b ?? 0), 0);
  const facts = runFacts(run);
  const m = buildModel(fast, 'none', 'code-change', facts, runLink(run, 'x'));
  const link = (BASE_BYTES * 8) / (96 * 1000) + 4 * 30;
  near(m.clampedMs, link - 5000, 'clamped');
  assert.equal(m.phases.find((p) => p.phase === 'base-pull')?.localMs, 0);
  near(projectBuild(m, runLink(run, 'x')), fast.wallMs + m.clampedMs, 'back on its own link');
  const clamped = projectRun({ ...run, cells: [{ ...none, runs: [fast] }] }, runLink(run, 'x'), FAST);
  assert.match(clamped.warnings.join('\n'), /code-change \/ none: 1 of 1 builds clamped \(mean 11\.8 s\)/);
});

test('within a direction a phase short of its estimated bytes borrows from its sibling, without a clamp', () => {
  const run = twoModeRun(INTERNET, 100, 30);
  const max = run.cells[1]?.runs[0];
  assert.ok(max);
  // Concurrent downloads: 3 s of base-pull time went to cache-import in the partition.
  const moved = { ...max, phases: { ...max.phases, 'base-pull': (max.phases['base-pull'] ?? 0) - 3000, 'cache-import': (max.phases['cache-import'] ?? 0) + 3000 } };
  const m = buildModel(moved, 'registry-max', 'code-change', runFacts(run), runLink(run, 'x'));
  assert.equal(m.clampedMs, 0);
  assert.equal(m.phases.find((p) => p.phase === 'base-pull')?.localMs, 0);
  near(m.phases.find((p) => p.phase === 'cache-import')?.localMs as number, 2000 + 4000, 'cache-import keeps the pull direction\'s local time');
  near(projectBuild(m, FAST), truthOn(MAX, FAST, 'registry-max', -200), 'the projection is unchanged');
});

test('loopback: nothing to subtract, the transfer phases count as local work, and a warning says so', () => {
  const zero: Link = { mbit: Infinity, rttMs: 0 };
  const run = linkRun([cellOf('code-change', 'none', [truthBuild(NONE, { mbit: 1e9, rttMs: 0 }, 1, 'none')])], zero, 0, 0);
  const source = runLink(run, 'x');
  assert.equal(source.from, 'loopback');
  const p = projectRun(run, source, FAST);
  const b = p.cells[0]?.builds[0];
  assert.ok(b);
  near(b.fixedMs, b.wallMs, 'everything is link-independent');
  near(p.cells[0]?.meanMs as number, b.wallMs + (BASE_BYTES * 8 + 10e6 * 8) / (480 * 1000) + (4 + 3) * 2, 'the target link added on top');
  assert.match(p.warnings.join('\n'), /measured on loopback: it has no link to subtract/);
  const old = { ...run, environment: { ...run.environment, network: undefined } };
  assert.equal(runLink(old, 'x').from, 'loopback', 'a loopback run from before environment.network');
});

test('local mode: pulls come from the restored directory, cache restore/save stay link-independent', () => {
  const run = twoModeRun(INTERNET, 100, 30);
  const rec = { ...(run.cells[1]?.runs[0] as (typeof run.cells)[number]['runs'][number]) };
  rec.phases = { ...rec.phases, 'cache-restore': 4000, 'cache-save': 6000 };
  rec.bytesPushed = 10e6;
  rec.wallMs += 10_000;
  const m = buildModel(rec, 'local', 'code-change', runFacts(run), runLink(run, 'x'));
  assert.deepEqual(m.phases.map((p) => p.bytes), [0, 0, 10e6, 0]);
  const slow = projectBuild(m, { label: 's', mbit: 10, rttMs: 100, from: 'profile' });
  const fast = projectBuild(m, FAST);
  near(slow - fast, (10e6 * 8) / 10_000 + 3 * 100 - (10e6 * 8) / 480_000 - 3 * 2, 'only the image push moves with the link');
  const p = projectRun({ ...run, cells: [...run.cells, cellOf('code-change', 'local', [rec])], plan: { ...run.plan, modes: [...run.plan.modes, 'local'] } }, runLink(run, 'x'), FAST);
  assert.match(p.warnings.join('\n'), /local: .*cross the CI cache link .* kept at their measured times/);
});

test('expected time for the mix: weights renormalised; undefined when a weighted scenario is missing', () => {
  const means: Record<string, number> = { a: 10, b: 20 };
  assert.equal(mixExpectation('m', { a: 3, b: 1 }, (s) => means[s]).ms, 12.5);
  assert.deepEqual(mixExpectation('m', { a: 1, c: 1 }, (s) => means[s]), { mode: 'm', missing: ['c'] });
  assert.equal(mixExpectation('m', { a: 1, c: 0 }, (s) => means[s]).ms, 10);
});

test('linkAt: a rate of 0 is no link', () => {
  assert.equal(linkAt(0, 30).from, 'loopback');
  assert.equal(linkAt(1000, 10).mbit, 1000 * GOODPUT);
});
