/**
 * The .NET fixture for real: a parent build exporting registry-max cache, then each
 * scenario commit on a fresh builder importing it (registry-min's and inline's misses of
 * the builder stage are checked on the tiny fixture, tiny-matrix.test.ts). Restore downloads
 * packages inside the build from the machine's NuGet source; publish compiles. Every
 * build's cache misses are explained, and none is unexpected.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseRunOptions } from '../../src/options.ts';
import { runBenchmark } from '../../src/run/index.ts';
import { docker, type Engine } from '../../src/engine/index.ts';
import type { CellResult, Results } from '../../src/results/types.ts';
import { startEngine, stopIfStarted } from './helpers.ts';
import { tempDir } from '../unit/helpers/temp-dir.ts';

let engine: Engine;
let results: Results;
const served: Record<string, { version?: string; health?: number; depsJson?: string }> = {};

async function probeImage(scenario: string, image: string): Promise<void> {
  const port = 18500 + Object.keys(served).length;
  const name = `cachebench-test-${scenario}`;
  const out: { version?: string; health?: number; depsJson?: string } = {};
  await docker(engine, ['pull', '-q', image]);
  const deps = await docker(engine, ['run', '--rm', '--network', 'host', '--entrypoint', 'cat', image, '/app/Sample.Api.deps.json']);
  out.depsJson = deps.stdout;
  await docker(engine, ['run', '-d', '--name', name, '--network', 'host', '-e', `ASPNETCORE_HTTP_PORTS=${port}`, image]);
  try {
    for (let i = 0; i < 60; i++) {
      try {
        const h = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
        out.health = h.status;
        const v = (await (await fetch(`http://127.0.0.1:${port}/version`)).json()) as { version: string };
        out.version = v.version;
        break;
      } catch {
        await sleep(500);
      }
    }
  } finally {
    await docker(engine, ['rm', '-f', name], { reject: false });
  }
  served[scenario] = out;
}

before(async () => {
  engine = await startEngine();
  const outDir = tempDir('cb-dotnet-');
  const opts = parseRunOptions(['--fixture', 'dotnet-sample', '--modes', 'registry-max', '--repetitions', '1', '--network-profile', 'loopback', '--no-calibration', '--out', outDir], ['code-change', 'dependency-change', 'no-change']);
  assert.ok(opts !== 'help');
  results = await runBenchmark(engine, opts, { onBuilt: (cell, _rep, image) => probeImage(cell.scenario, image) });
});

after(async () => {
  await stopIfStarted(engine);
});

function run(scenario: string, mode = 'registry-max') {
  const c = results.cells.find((x: CellResult) => x.scenario === scenario && x.mode === mode);
  const r = c?.runs[0];
  assert.ok(r, scenario);
  assert.equal(r.status, 'ok', r.error ? `${r.error.message}\n${r.error.logTail}` : '');
  return r;
}

const step = (scenario: string, text: string) => {
  const s = run(scenario).steps.find((x) => x.kind === 'instruction' && x.name.includes(text));
  assert.ok(s, `${scenario}: a step containing "${text}"`);
  return s;
};

test('the parent (seed) build restored and published from nothing', () => {
  const seed = results.seeds['registry-max'];
  assert.equal(seed?.status, 'ok', seed?.error?.logTail);
  const restore = seed?.steps.find((s) => s.name.includes('dotnet restore'));
  const publish = seed?.steps.find((s) => s.name.includes('dotnet publish'));
  assert.equal(restore?.cached, false);
  assert.equal(publish?.cached, false);
  process.stderr.write(`# seed: wall ${seed?.wallMs.toFixed(0)} ms, restore ${restore?.durationMs} ms, publish ${publish?.durationMs} ms\n`);
});

test('no-change: every builder-stage step is reused', () => {
  const builder = run('no-change').steps.filter((s) => s.kind === 'instruction' && s.stage === 'build');
  assert.ok(builder.length >= 5);
  for (const s of builder) assert.equal(s.cached, true, s.name);
});

test('code-change: restore reused, publish re-runs, the image serves the new version', () => {
  assert.equal(step('code-change', 'dotnet restore').cached, true);
  assert.equal(step('code-change', 'dotnet publish').cached, false);
  assert.equal(served['code-change']?.health, 200);
  assert.equal(served['code-change']?.version, '1.0.1-code-change');
  assert.equal(served['no-change']?.version, '1.0.0');
});

test('dependency-change: restore re-runs and the new package version is what was restored', () => {
  assert.equal(step('dependency-change', 'dotnet restore').cached, false);
  assert.equal(step('dependency-change', 'dotnet publish').cached, false);
  assert.match(served['dependency-change']?.depsJson ?? '', /"Newtonsoft\.Json\/13\.0\.4"/);
  assert.doesNotMatch(served['no-change']?.depsJson ?? '', /"Newtonsoft\.Json\/13\.0\.4"/);
  assert.match(served['no-change']?.depsJson ?? '', /"Newtonsoft\.Json\/13\.0\.3"/);
});

test('every .NET build passes its self-check (all numbered steps accounted, phases cover the span)', () => {
  const builds = [...Object.entries(results.seeds).map(([m, s]) => [`seed ${m}`, s] as const), ...results.cells.flatMap((c) => c.runs.map((r) => [c.id, r] as const))];
  assert.equal(builds.length, 4);
  for (const [name, b] of builds) {
    assert.ok(b.check, `${name}: a self-check is recorded`);
    assert.equal(b.check.instructions.accounted, b.check.instructions.expected, `${name}: missing ${b.check.instructions.missing.join('; ')}`);
    assert.ok(b.check.ok, `${name}: ${b.check.problems.join('; ')}`);
  }
});

/** The first step that re-ran in a cell's build, and its cause. */
function firstRerun(scenario: string, mode: string) {
  const x = run(scenario, mode).explain;
  assert.ok(x, `${scenario} × ${mode}: an explanation is recorded`);
  return x.firstMiss[0] ? x.steps[x.firstMiss[0].index] : undefined;
}

test('every cache miss is explained: the first re-run step and its cause per scenario and mode, nothing unexpected', () => {
  const builds = [...Object.entries(results.seeds).map(([m, s]) => [`seed ${m}`, s] as const), ...results.cells.flatMap((c) => c.runs.map((r) => [c.id, r] as const))];
  const findings = builds.flatMap(([name, b]) => (b.explain ? b.explain.findings.map((f) => `${name}: ${f}`) : [`${name}: no explanation`]));
  assert.deepEqual(findings, []);
  const code = firstRerun('code-change', 'registry-max');
  assert.equal(code?.step, '[build 7/8] COPY . .');
  assert.equal(code?.cause, 'inputs-changed');
  assert.deepEqual(code?.files, ['Sample.Api/BuildInfo.cs']);
  const deps = firstRerun('dependency-change', 'registry-max');
  assert.equal(deps?.step, '[build 4/8] COPY */*.csproj ./');
  assert.deepEqual(deps?.files, ['Sample.Infrastructure/Sample.Infrastructure.csproj']);
  assert.equal(firstRerun('no-change', 'registry-max'), undefined);
});
