/** The engine lock: one holder at a time across processes; a dead holder's lock is taken over. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { lockEngine, lockHolderAlive } from '../../src/engine/lock.ts';
import { processStartTime } from '../../src/engine/embedded.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
let home: string;
const saved = process.env.CACHEBENCH_HOME;

before(() => {
  home = mkdtempSync(path.join(tmpdir(), 'cb-lock-'));
  process.env.CACHEBENCH_HOME = home;
});
after(() => {
  if (saved === undefined) delete process.env.CACHEBENCH_HOME;
  else process.env.CACHEBENCH_HOME = saved;
  rmSync(home, { recursive: true, force: true });
});

/** A pid that certainly belongs to no running process any more. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(r.stdout.toString().trim());
}

test('six processes taking the lock 100 times each never hold it at the same time', async () => {
  const marker = path.join(home, 'held');
  const workers = Array.from({ length: 6 }, () =>
    execa('node', ['--import', 'tsx', path.join(here, 'helpers', 'lock-worker.ts'), marker, '100'], { env: { CACHEBENCH_HOME: home } }),
  );
  const outs = await Promise.all(workers);
  assert.deepEqual(outs.map((o) => o.stdout.trim()), Array(6).fill('overlap 0'));
  assert.deepEqual(readdirSync(home), [], 'no lock or private file left');
});

test('a lock whose holder is gone is taken over; a live holder is waited for', async () => {
  const file = path.join(home, 'engine.lock');
  writeFileSync(file, `${deadPid()} 1 abc\n`);
  const l1 = await lockEngine();
  assert.ok(l1.waitedMs < 1000, `stale lock taken over at once (${l1.waitedMs} ms)`);
  // Held by this (live) process: a second taker waits until interrupted.
  const ac = new AbortController();
  const waits: string[] = [];
  setTimeout(() => ac.abort(), 600);
  await assert.rejects(lockEngine({ signal: ac.signal, onWait: (pid) => waits.push(pid) }), /interrupted while waiting for the engine lock/);
  assert.deepEqual(waits, [String(process.pid)]);
  l1.release();
  assert.ok(!existsSync(file), 'released');
  l1.release(); // twice is harmless
  assert.deepEqual(readdirSync(home), []);
});

test('a reused pid does not keep a stale lock alive; a lock another process holds is not released by us', async () => {
  // This process is alive, but not the one that started at tick 1.
  assert.equal(lockHolderAlive(`${process.pid} 1 abc`), false);
  const start = processStartTime(process.pid);
  assert.equal(lockHolderAlive(`${process.pid} ${start} abc`), true);
  assert.equal(lockHolderAlive(`${deadPid()} - abc`), false);
  assert.equal(lockHolderAlive(''), false);

  const file = path.join(home, 'engine.lock');
  writeFileSync(file, `${process.pid} 1 abc\n`);
  const l = await lockEngine();
  // Someone else's lock replaces ours (as if we had been judged dead): release leaves it.
  writeFileSync(file, `${process.pid} ${start} other\n`);
  l.release();
  assert.equal(readFileSync(file, 'utf8'), `${process.pid} ${start} other\n`);
  rmSync(file);
});

test('files left by a process killed while waiting or taking over are swept', async () => {
  const dead = deadPid();
  writeFileSync(path.join(home, `engine.lock.${dead}-0123abcd`), `${dead} - x\n`);
  writeFileSync(path.join(home, `engine.lock.stale-${dead}-0123abcd`), `1 - x\n`);
  const live = path.join(home, `engine.lock.${process.pid}-0123abcd`);
  writeFileSync(live, 'another lock call of this process, still waiting\n');
  const l = await lockEngine();
  l.release();
  assert.deepEqual(readdirSync(home), [path.basename(live)]);
  rmSync(live);
});

test('a directory lock left by an older cachebench with a dead holder is taken over', async () => {
  const dir = path.join(home, 'engine.lock');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'pid'), String(deadPid()));
  const l = await lockEngine();
  assert.ok(readFileSync(dir, 'utf8').startsWith(`${process.pid} `));
  l.release();
  assert.deepEqual(readdirSync(home), []);
});
