/**
 * Faults and interruptions on the real engine with the tiny fixture: a failing build is
 * recorded and the run goes on; --fail-fast stops; SIGINT mid-build saves and --resume
 * finishes; a killed registry or dockerd is restarted; two runs at once both finish.
 * After each: nothing finished is lost, nothing is left behind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { projectRoot, cacheHome } from '../../src/paths.ts';
import { layout, pidAlive, processesMentioning } from '../../src/engine/embedded.ts';
import type { Engine } from '../../src/engine/index.ts';
import type { Results } from '../../src/results/types.ts';
import { startEngine, stopIfStarted, readJson } from './helpers.ts';
import { tempDir } from '../unit/helpers/temp-dir.ts';
import { deleteRef, listTags } from '../../src/registry/client.ts';

const cli = path.join(projectRoot, 'bench', 'cachebench.mjs');
let engine: Engine;

before(async () => {
  engine = await startEngine();
});
after(async () => {
  await stopIfStarted(engine);
});

function cachebench(args: string[]): ResultPromise<{ reject: false; all: true; env: Record<string, string>; forceKillAfterDelay: false }> {
  // Faults are about the local engine and registry: no shaped link needed.
  return execa('node', [cli, ...args, '--network-profile', 'loopback', '--no-calibration'], { reject: false, all: true, env: { CI: 'true' }, forceKillAfterDelay: false });
}

/** A copy of the tiny fixture whose code-change breaks the "compile" step. */
function brokenFixture(): string {
  const dir = path.join(tempDir('cb-broken-'), 'tiny-broken');
  cpSync(path.join(projectRoot, 'fixtures', 'tiny'), dir, { recursive: true });
  const df = path.join(dir, 'Dockerfile');
  writeFileSync(df, readFileSync(df, 'utf8').replace('RUN sleep 1 && cat deps.lock', 'RUN sleep 1 && ! grep -q BROKEN src/message.txt && cat deps.lock'));
  const fx = JSON.parse(readFileSync(path.join(dir, 'fixture.json'), 'utf8')) as { name: string; scenarios: Record<string, { edits: Array<{ with: string }> }> };
  fx.name = 'tiny-broken';
  (fx.scenarios['code-change']?.edits[0] as { with: string }).with = 'BROKEN';
  writeFileSync(path.join(dir, 'fixture.json'), JSON.stringify(fx, null, 2));
  return dir;
}

/** Temp clones and build dirs this project creates; none may survive a run. */
function tempLeftovers(): string[] {
  return readdirSync(os.tmpdir()).filter((f) => f.startsWith('cachebench-ws-') || f.startsWith('cachebench-build-'));
}

/**
 * buildx processes whose build context is a throwaway clone that no longer exists: what an
 * interrupted run would leave behind (other runs' builds on this machine are not counted).
 */
function orphanBuilds(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    if (!cmd.includes('buildx build')) continue;
    const ws = /(\/\S*cachebench-ws-[^/\s]+)/.exec(cmd)?.[1];
    if (ws && !existsSync(ws)) out.push(`${pid}: ${cmd.slice(0, 120)}`);
  }
  return out;
}

/** Waits (at most 2 minutes) until results.json holds `n` measured builds. */
async function waitForRuns(file: string, n: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      try {
        if (runsOf(readJson<Results>(file)) >= n) return;
      } catch {
        /* being written */
      }
    }
    await sleep(100);
  }
  assert.fail(`${file} did not reach ${n} builds in 2 minutes`);
}

function runsOf(r: Results): number {
  return r.cells.reduce((a, c) => a + c.runs.length, 0);
}

test('a failing build is recorded with its step and log, the run goes on, exit code 1', async () => {
  const out = tempDir('cb-fail-');
  const before = tempLeftovers();
  const r = await cachebench(['run', '--fixture', brokenFixture(), '--modes', 'none,registry-max', '--scenarios', 'code-change,no-change', '-n', '1', '--out', out]);
  assert.equal(r.exitCode, 1, r.all);
  const res = readJson<Results>(path.join(out, 'results.json'));
  assert.equal(res.status, 'complete');
  for (const c of res.cells) {
    const run = c.runs[0];
    assert.ok(run, c.id);
    if (c.scenario === 'code-change') {
      assert.equal(run.status, 'failed', c.id);
      assert.match(run.error?.step ?? '', /grep -q BROKEN/);
      assert.equal(run.error?.exitCode, 1);
      assert.ok(run.error?.logTail !== undefined);
      assert.ok(c.warnings.some((w) => /1 of 1 builds failed/.test(w)), c.warnings.join('; '));
    } else {
      assert.equal(run.status, 'ok', c.id);
    }
  }
  const md = readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(md, /code-change/);
  assert.match(md, /fail/i);
  assert.deepEqual(tempLeftovers().filter((f) => !before.includes(f)), []);
});

test('--fail-fast stops at the first failed build, keeping what finished', async () => {
  const out = tempDir('cb-failfast-');
  // Sequential: the order decides what finished before the failure (interleaved rounds shuffle it).
  const r = await cachebench(['run', '--fixture', brokenFixture(), '--modes', 'none', '--scenarios', 'no-change,code-change', '-n', '2', '--out', out, '--fail-fast', '--order', 'sequential']);
  assert.equal(r.exitCode, 1, r.all);
  assert.match(r.all ?? '', /build failed \(tiny-broken\/code-change\/none #1\)/);
  assert.match(r.all ?? '', /--resume/);
  const res = readJson<Results>(path.join(out, 'results.json'));
  assert.equal(res.status, 'failed');
  assert.equal(res.cells.find((c) => c.scenario === 'no-change')?.runs.length, 2, 'finished builds are kept');
  assert.equal(res.cells.find((c) => c.scenario === 'code-change')?.runs.length, 1);
});

test('SIGINT mid-build stops promptly and saves; --resume finishes without redoing builds', async () => {
  const out = tempDir('cb-sigint-');
  const before = tempLeftovers();
  const args = ['run', '--fixture', 'tiny', '--modes', 'registry-max', '--scenarios', 'code-change,no-change', '-n', '2', '--out', out];
  const child = cachebench(args);
  const file = path.join(out, 'results.json');
  // Wait until one measured build is on disk, then interrupt during the next one.
  await waitForRuns(file, 1);
  await sleep(1500);
  const sentAt = Date.now();
  child.kill('SIGINT');
  const r = await child;
  const stopMs = Date.now() - sentAt;
  assert.equal(r.exitCode, 130, r.all);
  assert.ok(stopMs < 15_000, `stopped in ${stopMs} ms`);
  const partial = readJson<Results>(file);
  assert.equal(partial.status, 'interrupted');
  const done = runsOf(partial);
  assert.ok(done >= 1 && done < 4, `finished builds kept (${done})`);
  const firstRun = partial.cells.flatMap((c) => c.runs)[0];
  assert.deepEqual(tempLeftovers().filter((f) => !before.includes(f)), [], 'temp clones removed');
  assert.deepEqual(orphanBuilds(), [], 'no buildx process left building from a removed clone');

  const resumed = await cachebench([...args, '--resume']);
  assert.equal(resumed.exitCode, 0, resumed.all);
  const full = readJson<Results>(file);
  assert.equal(full.status, 'complete');
  assert.equal(runsOf(full), 4);
  assert.equal(full.runId, partial.runId);
  const same = full.cells.flatMap((c) => c.runs).find((x) => x.startedAt === firstRun?.startedAt);
  assert.ok(same, 'the build finished before the interrupt was not redone');
  for (const c of full.cells) assert.deepEqual(c.runs.map((x) => x.repetition), [1, 2], c.id);
});

test('--resume refuses a folder from a different plan (exit 2, no work)', async () => {
  const out = tempDir('cb-resume-plan-');
  const r1 = await cachebench(['run', '--fixture', 'tiny', '--modes', 'none', '--scenarios', 'no-change', '-n', '1', '--out', out]);
  assert.equal(r1.exitCode, 0, r1.all);
  const r2 = await cachebench(['run', '--fixture', 'tiny', '--modes', 'none', '--scenarios', 'no-change', '-n', '2', '--out', out, '--resume']);
  assert.equal(r2.exitCode, 2, r2.all);
  assert.match(r2.all ?? '', /holds a different plan/);
  const r3 = await cachebench(['run', '--fixture', 'tiny', '--modes', 'none', '--scenarios', 'no-change', '-n', '1', '--out', out]);
  assert.equal(r3.exitCode, 2);
  assert.match(r3.all ?? '', /already holds a results.json/);
});

/** Pids of running `docker buildx prune` commands of the embedded engine (the fresh-builder reset). */
function resetsRunning(): number[] {
  return processesMentioning([`${engine.dockerBin} buildx prune`]);
}

/**
 * Kills the registry or dockerd while a run is going: after its first measured build
 * ('build'), or in the middle of the second build's fresh-builder reset ('reset').
 */
async function killDuringRun(which: 'registry' | 'dockerd', at: 'build' | 'reset' | 'during-build' = 'build'): Promise<string> {
  const out = tempDir(`cb-kill-${which}-`);
  const child = cachebench(['run', '--fixture', 'tiny', '--modes', 'registry-max', '--scenarios', 'code-change,no-change', '-n', '1', '--out', out]);
  const file = path.join(out, 'results.json');
  if (at === 'build') {
    await waitForRuns(file, 1);
  } else if (at === 'during-build') {
    // The second measured build's buildx process: kill while it builds (its push must fail).
    await waitForRuns(file, 1);
    const deadline = Date.now() + 120_000;
    while (processesMentioning([`${engine.dockerBin} buildx build`]).length === 0 && Date.now() < deadline) await sleep(5);
    assert.ok(processesMentioning([`${engine.dockerBin} buildx build`]).length > 0, 'saw the second build running');
  } else {
    // The seed's reset, then the first measured build's (started when the seed is done with the engine): kill during that one.
    const seen = new Set<number>();
    const deadline = Date.now() + 120_000;
    while (seen.size < 2 && Date.now() < deadline) {
      for (const pid of resetsRunning()) seen.add(pid);
      if (seen.size < 2) await sleep(5);
    }
    assert.equal(seen.size, 2, 'saw the second build\'s reset');
  }
  const l = layout();
  const pid = pidAlive(which === 'registry' ? l.registryPid : l.dockerdPid);
  assert.ok(pid, `${which} runs`);
  process.kill(pid, 'SIGKILL');
  const r = await child;
  const res = readJson<Results>(file);
  // The next build finds it restarted before it starts, or fails under it and is retried once
  // after the restart; either way nothing is lost.
  assert.equal(runsOf(res), 2, r.all);
  assert.equal(res.status, 'complete', r.all);
  assert.match(r.all ?? '', /stopped answering .*restarting it/);
  assert.equal(r.exitCode, res.cells.some((c) => c.runs.some((x) => x.status === 'failed')) ? 1 : 0);
  return r.all ?? '';
}

test('the registry killed mid-run is restarted; finished builds are kept', async () => {
  await killDuringRun('registry');
});

test('the registry killed under a running build: restarted, and that build retried once (the failure was the harness\'s)', async () => {
  const all = await killDuringRun('registry', 'during-build');
  assert.match(all, /stopped answering during the build .*restarting it/);
  assert.doesNotMatch(all, /FAILED/, 'the retried build succeeds');
});

test('dockerd killed mid-run is restarted; finished builds are kept', async () => {
  await killDuringRun('dockerd');
});

test('dockerd killed while a builder is being made fresh: restarted, the reset retried, the build done', async () => {
  const all = await killDuringRun('dockerd', 'reset');
  // The wipe for the first measured build starts as soon as the seed has finished with the
  // engine: the kill lands in it, and the next build finds the engine gone before it starts.
  assert.match(all, /stopped answering (before the next build|while preparing the build) .*restarting it/);
  assert.doesNotMatch(all, /FAILED/, 'the build after the restart succeeds');
});

test('two runs at once (different output folders) both finish with correct cache behaviour', async () => {
  // Start without the base image, as on a fresh machine: one run builds it, the other waits.
  for (const tag of await listTags(engine.registry, 'cachebench/base/busybox')) await deleteRef(`${engine.registry}/cachebench/base/busybox:${tag}`);
  const outs = [tempDir('cb-par-a-'), tempDir('cb-par-b-')];
  const rs = await Promise.all(outs.map((o) => cachebench(['run', '--fixture', 'tiny', '--modes', 'none,registry-max', '--scenarios', 'code-change', '-n', '1', '--out', o])));
  for (const [i, r] of rs.entries()) {
    assert.equal(r.exitCode, 0, r.all);
    const res = readJson<Results>(path.join(outs[i] as string, 'results.json'));
    const none = res.cells.find((c) => c.mode === 'none')?.runs[0];
    const max = res.cells.find((c) => c.mode === 'registry-max')?.runs[0];
    const cached = (x: typeof none) => x?.steps.filter((s) => s.cached).map((s) => s.name).join('; ');
    assert.equal(none?.cachedSteps, 0, `none reused [${cached(none)}]\n${r.all}`);
    assert.ok(max?.steps.find((s) => s.name.includes('sort deps.txt'))?.cached, `registry-max reuses the dependency step; reused [${cached(max)}]\n${r.all}`);
  }
  const [a, b] = outs.map((o) => readJson<Results>(path.join(o, 'results.json')));
  assert.notEqual(a?.runId, b?.runId, 'unique refs per run');
  const builtBase = rs.filter((r) => /base image: building busybox/.test(r.all ?? ''));
  assert.equal(builtBase.length, 1, 'the missing base image is built once, by one of the runs');
  assert.equal(a?.environment.baseImages.BASE_IMAGE?.digest, b?.environment.baseImages.BASE_IMAGE?.digest);
  assert.ok(!existsSync(path.join(cacheHome(), 'engine.lock')), 'engine lock released');
});

test('a full disk on the output folder stops the run with a clear message; what was written stays valid', async () => {
  const out = tempDir('cb-diskfull-');
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=24k', 'tmpfs', out]);
  const before = tempLeftovers();
  try {
    const r = await cachebench(['run', '--fixture', 'tiny', '--modes', 'none', '--scenarios', 'no-change,code-change,dependency-change', '-n', '1', '--out', out]);
    assert.equal(r.exitCode, 1, r.all);
    assert.match(r.all ?? '', /could not write .*results\.json[\s\S]*fix: the disk is full: free space, then continue with --resume/);
    const res = readJson<Results>(path.join(out, 'results.json'));
    assert.ok(res.seeds.none, 'the last complete write is intact and parses');
    assert.ok(!readdirSync(out).some((f) => f.includes('.tmp-')), 'no half-written temp file left');
  } finally {
    await execa('umount', [out], { reject: false });
  }
  assert.deepEqual(tempLeftovers().filter((f) => !before.includes(f)), []);
});
