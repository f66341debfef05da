/**
 * The whole pipeline on the tiny fixture with every cache mode (the quick profile):
 * real builds on fresh builders, cache invariants per mode, and every output file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseRunOptions } from '../../src/options.ts';
import { runBenchmark } from '../../src/run/index.ts';
import { writeReports } from '../../src/report/index.ts';
import { validateResults } from '../../src/results/io.ts';
import { rephase } from '../../src/results/rephase.ts';
import type { Engine } from '../../src/engine/index.ts';
import type { Results, CellResult } from '../../src/results/types.ts';
import { startEngine, stopIfStarted } from './helpers.ts';
import { tempDir } from '../unit/helpers/temp-dir.ts';

let engine: Engine;
let results: Results;
let outDir: string;

before(async () => {
  engine = await startEngine();
  outDir = tempDir('cb-tiny-matrix-');
  const opts = parseRunOptions(['--fixture', 'tiny', '--profile', 'quick', '--no-calibration', '--out', outDir], ['code-change', 'dependency-change', 'no-change']);
  assert.ok(opts !== 'help');
  results = await runBenchmark(engine, opts);
  await writeReports(results, outDir);
});

after(async () => {
  await stopIfStarted(engine);
});

function cell(scenario: string, mode: string): CellResult {
  const c = results.cells.find((x) => x.scenario === scenario && x.mode === mode);
  assert.ok(c, `${scenario}/${mode} exists`);
  assert.equal(c.runs.length, 1);
  assert.equal(c.runs[0]?.status, 'ok', c.runs[0]?.error?.message);
  return c;
}

const stepCached = (c: CellResult, text: string) => {
  const s = c.runs[0]?.steps.find((x) => x.name.includes(text));
  assert.ok(s, `step "${text}" in ${c.id}`);
  return s.cached;
};

test('every cell measured once, all builds succeeded, results complete', () => {
  assert.equal(results.status, 'complete');
  // The default profile: the registry behind a shaped link like a cloud registry's.
  assert.equal(results.environment.networkProfile, 'internet');
  const net = results.environment.network;
  assert.ok(net && net.rateMbit === 100 && net.rttMs === 30);
  assert.ok(net.measuredMbit !== undefined && Math.abs(net.measuredMbit - 100) / 100 < 0.15, `measured ${net.measuredMbit} Mbit/s`);
  assert.equal(results.cells.length, 15);
  for (const c of results.cells) {
    assert.equal(c.runs.length, 1, c.id);
    assert.equal(c.runs[0]?.status, 'ok', `${c.id}: ${c.runs[0]?.error?.message ?? ''}`);
    assert.equal(c.runs[0]?.totalSteps, 7, c.id);
  }
  for (const m of ['none', 'local', 'inline', 'registry-min', 'registry-max']) assert.equal(results.seeds[m]?.status, 'ok', `seed ${m}`);
  assert.equal(results.calibration, undefined, '--no-calibration: no calibration sample taken');
});

test('none reuses nothing, in every scenario (the fresh builder is real)', () => {
  for (const s of ['no-change', 'code-change', 'dependency-change']) assert.equal(cell(s, 'none').runs[0]?.cachedSteps, 0, s);
});

test('unchanged context: every mode but none reuses the whole build', () => {
  for (const m of ['local', 'inline', 'registry-min', 'registry-max']) {
    const r = cell('no-change', m).runs[0];
    assert.equal(r?.cachedSteps, r?.totalSteps, m);
  }
});

test('code change: registry-max and local reuse the dependency step; registry-min and inline re-run it', () => {
  for (const m of ['registry-max', 'local']) {
    assert.equal(stepCached(cell('code-change', m), 'sort deps.txt'), true, `${m} reuses the dependency step`);
    assert.equal(stepCached(cell('code-change', m), 'cat deps.lock'), false, `${m} re-runs the code step`);
  }
  for (const m of ['registry-min', 'inline']) {
    assert.equal(stepCached(cell('code-change', m), 'sort deps.txt'), false, `${m} re-runs the dependency step`);
    assert.equal(stepCached(cell('code-change', m), 'cat deps.lock'), false, `${m} re-runs the code step`);
  }
});

test('dependency change: the dependency step re-runs in every mode', () => {
  for (const m of ['none', 'local', 'inline', 'registry-min', 'registry-max']) {
    assert.equal(stepCached(cell('dependency-change', m), 'sort deps.txt'), false, m);
  }
});

test('phases and sizes are recorded: cache export for exporting modes, restore/save for local', () => {
  for (const c of results.cells) {
    const r = c.runs[0];
    assert.ok(r && r.wallMs > 0 && r.buildxWallMs > 0 && r.wallMs >= r.buildxWallMs, c.id);
    assert.ok((r.phases.build ?? 0) >= 0 && (r.phases['image-export'] ?? 0) > 0, `${c.id} image export`);
    if (c.mode === 'none') assert.equal(r.cacheBytes, 0, c.id);
    else assert.ok((r.cacheBytes ?? 0) > 0, `${c.id} cache size`);
    if (c.mode !== 'none' && c.mode !== 'inline') assert.ok((r.phases['cache-export'] ?? 0) > 0, `${c.id} cache export`);
    if (c.mode === 'local') assert.ok((r.phases['cache-restore'] ?? 0) > 0 && (r.phases['cache-save'] ?? 0) > 0, `${c.id} CI cache step`);
    assert.ok(c.stats && c.stats.n === 1 && c.stats.medianMs === r.wallMs, `${c.id} stats`);
  }
  assert.ok(results.overhead && results.overhead.medianHarnessMs >= 0);
});

test('the outputs exist and are consistent: JSON validates, CSV rows = builds, PNGs decode', () => {
  const files = readdirSync(outDir);
  for (const f of ['results.json', 'results.csv', 'summary.csv', 'cost.csv', 'report.md', 'report.html']) assert.ok(files.includes(f), f);
  // The default run's cost per month, with the default assumptions stated.
  const md = readFileSync(path.join(outDir, 'report.md'), 'utf8');
  assert.match(md, /## Cost per month[\s\S]*Commits per day: 10, an assumption \(default\)[\s\S]*Build minute: \$0\.006 per minute, default/);
  assert.equal(readFileSync(path.join(outDir, 'cost.csv'), 'utf8').trim().split('\n').length - 1, results.plan.modes.length);
  const doc = JSON.parse(readFileSync(path.join(outDir, 'results.json'), 'utf8')) as unknown;
  assert.deepEqual(validateResults(doc), []);
  const rows = readFileSync(path.join(outDir, 'results.csv'), 'utf8').trim().split('\n');
  assert.equal(rows.length - 1, results.cells.reduce((a, c) => a + c.runs.length, 0));
  const summary = readFileSync(path.join(outDir, 'summary.csv'), 'utf8').trim().split('\n');
  assert.equal(summary.length - 1, results.cells.length);
  const charts = readdirSync(path.join(outDir, 'charts')).filter((f) => f.endsWith('.png'));
  assert.ok(charts.length >= 4, `charts: ${charts.join(', ')}`);
  for (const c of charts) {
    const png = readFileSync(path.join(outDir, 'charts', c));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], c);
  }
  assert.ok(existsSync(path.join(outDir, 'report.html')));
});

test('each build keeps its progress log, and phases recomputed from the logs equal the recorded ones', () => {
  const logs = readdirSync(path.join(outDir, 'logs'));
  const builds = results.cells.reduce((a, c) => a + c.runs.length, 0) + Object.keys(results.seeds).length;
  assert.equal(logs.filter((f) => f.endsWith('.rawjson.gz')).length, builds);
  assert.ok((results.environment.baseLayers ?? []).length > 0, 'base image layers recorded');
  const copy = structuredClone(results);
  const { updated, missing } = rephase(copy, outDir, new Set(results.environment.baseLayers));
  assert.equal(updated, builds);
  assert.equal(missing, 0);
  for (const c of results.cells) {
    const again = copy.cells.find((x) => x.id === c.id);
    assert.deepEqual(again?.runs[0]?.phases, c.runs[0]?.phases, c.id);
    assert.equal(again?.runs[0]?.bytesPulled, c.runs[0]?.bytesPulled, c.id);
  }
  // A fresh builder without cache pulls the base image (a CI runner starts empty).
  for (const c of results.cells.filter((x) => x.mode === 'none')) {
    const r = c.runs[0];
    assert.ok((r?.bytesPulled ?? 0) > 0 && (r?.phases['base-pull'] ?? 0) > 0, `${c.id} pulled the base image: ${r?.bytesPulled} bytes, phases ${JSON.stringify(r?.phases)}, steps ${JSON.stringify(r?.steps.map((s) => [s.name.split('\n')[0], s.durationMs, s.cached]))}`);
  }
});

test('every build passes its self-check: 9 numbered steps (two FROMs share one vertex) accounted, phases cover the span', () => {
  const builds = [...Object.entries(results.seeds).map(([m, s]) => [`seed ${m}`, s] as const), ...results.cells.flatMap((c) => c.runs.map((r) => [c.id, r] as const))];
  assert.equal(builds.length, 20);
  for (const [name, b] of builds) {
    assert.ok(b.check, `${name}: a self-check is recorded`);
    assert.equal(b.check.instructions.expected, 9, name);
    assert.equal(b.check.instructions.accounted, 9, `${name}: missing ${b.check.instructions.missing.join('; ')}`);
    assert.ok(b.check.ok, `${name}: ${b.check.problems.join('; ')}`);
    assert.ok(b.check.phases.sumMs + b.check.phases.unattributedMs >= b.check.phases.spanMs - 10, name);
  }
});

test('every cache miss is explained, none unexpected: the first re-run step and its cause per cell', () => {
  const builds = [...Object.entries(results.seeds).map(([m, s]) => [`seed ${m}`, s] as const), ...results.cells.flatMap((c) => c.runs.map((r) => [c.id, r] as const))];
  const findings = builds.flatMap(([name, b]) => (b.explain ? b.explain.findings.map((f) => `${name}: ${f}`) : [`${name}: no explanation`]));
  assert.deepEqual(findings, []);
  const first = (scenario: string, mode: string) => {
    const x = results.cells.find((c) => c.scenario === scenario && c.mode === mode)?.runs[0]?.explain;
    assert.ok(x, `${scenario} × ${mode} explained`);
    const s = x.firstMiss[0] ? x.steps[x.firstMiss[0].index] : undefined;
    return s ? `${s.step} | ${s.cause ?? ''} | ${s.why ?? ''}` : 'nothing re-ran';
  };
  for (const mode of ['local', 'registry-max']) {
    assert.equal(first('code-change', mode), '[builder 5/6] COPY . . | inputs-changed | src/message.txt changed');
    assert.equal(first('dependency-change', mode), '[builder 3/6] COPY deps.txt ./ | inputs-changed | deps.txt changed');
  }
  for (const mode of ['inline', 'registry-min']) {
    for (const scenario of ['code-change', 'dependency-change']) {
      assert.equal(first(scenario, mode), `[builder 2/6] WORKDIR /src | not-in-cache | ${mode} exports only the final stage's layers, not stage builder`);
    }
  }
  for (const scenario of ['code-change', 'dependency-change', 'no-change']) assert.equal(first(scenario, 'none'), '[builder 2/6] WORKDIR /src | not-in-cache | mode none imports no cache');
  for (const mode of ['local', 'inline', 'registry-min', 'registry-max']) assert.equal(first('no-change', mode), 'nothing re-ran');
});
