/**
 * The processes a link owns: starting a logged, detached one (a server in the server
 * namespace), finding ours by command line, and stopping them (SIGTERM, grace, SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { processesMentioning as mentioning, processStartTime } from '../engine/embedded.ts';
import type { SpawnOptions } from './link-types.ts';

const TERM_GRACE_MS = 3_000;
const KILL_WAIT_MS = 3_000;

export function alive(pid: number): boolean {
  return processStartTime(pid) !== undefined;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

async function waitGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = performance.now() + timeoutMs;
  let left = pids.filter(alive);
  while (left.length > 0 && performance.now() < deadline) {
    await sleep(50);
    left = left.filter(alive);
  }
  return left;
}

/** SIGTERM, a grace period, then SIGKILL. Returns pids that still would not die. */
export async function stopProcesses(pids: number[]): Promise<number[]> {
  const live = [...new Set(pids)].filter((p) => p !== process.pid && alive(p));
  if (live.length === 0) return [];
  for (const p of live) signal(p, 'SIGTERM');
  const stubborn = await waitGone(live, TERM_GRACE_MS);
  for (const p of stubborn) signal(p, 'SIGKILL');
  return waitGone(stubborn, KILL_WAIT_MS);
}

/** Live processes whose command line mentions `needle` (our relays carry the runtime dir in theirs). */
export function processesMentioning(needle: string): number[] {
  return mentioning([needle]).filter((pid) => alive(pid));
}

/** Pids of the children that were started (a failed spawn has none). */
export function pidsOf(children: readonly ChildProcess[]): number[] {
  return children.map((c) => c.pid ?? -1).filter((p) => p > 0);
}

/** Starts a detached process with stdout and stderr appended to `opts.logFile` (or discarded). */
export function spawnLogged(file: string, args: readonly string[], opts: SpawnOptions): ChildProcess {
  const fd = opts.logFile ? openSync(opts.logFile, 'a') : undefined;
  try {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', fd ?? 'ignore', fd ?? 'ignore'],
    });
    child.on('error', () => {});
    child.unref();
    return child;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function readSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
