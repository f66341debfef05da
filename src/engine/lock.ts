/**
 * An exclusive lock on the embedded engine for one reset + build. A fresh builder wipes
 * the whole engine, so two runs at once take turns build by build instead of wiping
 * each other's work. A lock whose holder process is gone is taken over.
 *
 * The lock is a file that appears whole or not at all: the holder writes its identity
 * (pid, process start time, a random token) to a private file and hard-links it to the
 * lock's name, which fails if the lock exists. A waiter therefore never sees a half-made
 * lock, and displaces one only when the process it names is gone (a stale lock is moved
 * aside by an atomic rename, so two waiters cannot both remove it).
 */
import { linkSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheHome } from '../paths.ts';
import { processAlive, processStartTime } from './embedded.ts';

export interface EngineLock {
  waitedMs: number;
  release(): void;
}

/** What a lock file says, or undefined if there is no lock (any more). */
function readLock(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // A directory lock left by an older cachebench: its holder's pid is inside.
    if (code === 'EISDIR') return readLock(path.join(file, 'pid')) ?? '';
    throw err;
  }
}

/** Is the process a lock names still running (and the same process, not a reused pid)? */
export function lockHolderAlive(content: string): boolean {
  const [pidText, start] = content.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return false;
  if (!start || start === '-') return true;
  const now = processStartTime(pid);
  return now === undefined || now === start;
}

/** Removes a lock whose holder is gone, unless it changed hands since it was read. */
function removeStale(file: string, seen: string): void {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else removed it
    throw err;
  }
  // Only one waiter wins the rename. If what it moved is not the stale lock it judged
  // (a live run took the lock in between), it puts it back.
  if (readLock(aside) !== seen) {
    try {
      linkSync(aside, file);
    } catch {
      /* the lock was taken again meanwhile: the mover's copy is dropped */
    }
  }
  rmSync(aside, { recursive: true, force: true });
}

/** Private identity files and moved-aside locks of processes killed mid-way. */
function sweepStrays(file: string): void {
  const base = path.basename(file);
  for (const f of readdirSync(path.dirname(file))) {
    const m = f.startsWith(`${base}.`) ? /^(?:stale-)?(\d+)-[0-9a-f]{8}$/.exec(f.slice(base.length + 1)) : null;
    if (m && !processAlive(Number(m[1]))) rmSync(path.join(path.dirname(file), f), { recursive: true, force: true });
  }
}

export async function lockEngine(opts: { signal?: AbortSignal; onWait?: (holder: string) => void; name?: string } = {}): Promise<EngineLock> {
  const file = path.join(cacheHome(), `${opts.name ?? 'engine'}.lock`);
  mkdirSync(cacheHome(), { recursive: true });
  sweepStrays(file);
  const identity = `${process.pid} ${processStartTime(process.pid) ?? '-'} ${randomBytes(8).toString('hex')}\n`;
  const mine = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(mine, identity);
  const started = performance.now();
  let told = false;
  try {
    for (;;) {
      try {
        linkSync(mine, file);
        let released = false;
        return {
          waitedMs: performance.now() - started,
          release: () => {
            if (released) return;
            released = true;
            if (readLock(file) === identity) unlinkSync(file);
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = readLock(file);
      if (held === undefined) continue; // released between our link and our read
      if (!lockHolderAlive(held)) {
        removeStale(file, held);
        continue;
      }
      if (!told) {
        told = true;
        opts.onWait?.(held.split(' ')[0] ?? '?');
      }
      if (opts.signal?.aborted) throw new Error('interrupted while waiting for the engine lock');
      await sleep(150);
    }
  } finally {
    rmSync(mine, { force: true });
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
