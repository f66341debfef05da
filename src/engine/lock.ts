/**
 * An exclusive lock on the embedded engine for one reset + build. A fresh builder wipes
 * the whole engine, so two runs at once take turns build by build instead of wiping
 * each other's work. A lock whose holder process is gone is taken over.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheHome } from '../paths.ts';
import { processAlive } from './embedded.ts';

export interface EngineLock {
  waitedMs: number;
  release(): void;
}

function holderAlive(dir: string): boolean {
  try {
    const pid = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 && processAlive(pid);
  } catch {
    return false;
  }
}

export async function lockEngine(opts: { signal?: AbortSignal; onWait?: (holder: string) => void; name?: string } = {}): Promise<EngineLock> {
  const dir = path.join(cacheHome(), `${opts.name ?? 'engine'}.lock`);
  mkdirSync(cacheHome(), { recursive: true });
  const started = performance.now();
  let told = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'pid'), String(process.pid));
      let released = false;
      return {
        waitedMs: performance.now() - started,
        release: () => {
          if (released) return;
          released = true;
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // Give a holder a moment to write its pid before judging it stale.
    await sleep(150);
    if (!holderAlive(dir) && performance.now() - started > 300) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (!told) {
      told = true;
      let holder = '?';
      try {
        holder = readFileSync(path.join(dir, 'pid'), 'utf8');
      } catch {
        /* racing */
      }
      opts.onWait?.(holder);
    }
    if (opts.signal?.aborted) throw new Error('interrupted while waiting for the engine lock');
  }
}

/**
 * Runs that use the embedded engine register here, so that the run which started it
 * stops it only when no other run still uses it.
 */
const usersDir = () => path.join(cacheHome(), 'engine-users');

export function registerUser(): void {
  mkdirSync(usersDir(), { recursive: true });
  writeFileSync(path.join(usersDir(), String(process.pid)), '');
}

export function unregisterUser(): void {
  rmSync(path.join(usersDir(), String(process.pid)), { force: true });
}

export function otherLiveUsers(): number[] {
  let entries: string[] = [];
  try {
    entries = readdirSync(usersDir());
  } catch {
    return [];
  }
  return entries
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid)
    .filter((pid) => {
      if (processAlive(pid)) return true;
      rmSync(path.join(usersDir(), String(pid)), { force: true });
      return false;
    });
}
