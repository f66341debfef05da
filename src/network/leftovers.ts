/**
 * Who owns a link, and removing what killed runs left behind. Each shaped link records
 * its owner (pid + process start time) in `owner.json`; links whose owner is gone are
 * removed by destroyStaleLinks() (e.g. after a SIGKILL) or by createLink() reusing the id.
 * Links of this process that destroy() never reached are removed by an exit hook.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { processStartTime } from '../engine/embedded.ts';
import { LinkError } from './link-types.ts';
import { listNamespaces, teardown, teardownSync } from './namespaces.ts';
import { RUNTIME_PARENT, RUNTIME_PREFIX, idFromNamespace, linkNames, validateId, type LinkNames } from './plan.ts';
import type { LinkProfile } from './profiles.ts';
import { processesMentioning } from './processes.ts';

interface OwnerRecord {
  pid: number;
  startTime: string;
  createdAt: string;
  profile: LinkProfile;
}

export interface Leftovers {
  namespaces: string[];
  processes: number[];
  runtimeDir: boolean;
}

// ---------------------------------------------------------------------------------------
// Ownership

/** Creates the runtime dir and records this process as the link's owner. */
export function writeOwner(n: LinkNames, profile: LinkProfile): void {
  mkdirSync(n.runtimeDir, { recursive: true, mode: 0o700 });
  const owner: OwnerRecord = {
    pid: process.pid,
    startTime: processStartTime(process.pid) ?? '',
    createdAt: new Date().toISOString(),
    profile,
  };
  writeFileSync(n.ownerFile, `${JSON.stringify(owner, null, 2)}\n`);
}

function readOwner(file: string): OwnerRecord | undefined {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<OwnerRecord>;
    if (typeof o.pid === 'number' && typeof o.startTime === 'string') return o as OwnerRecord;
  } catch {
    /* missing or half-written: treat as ownerless */
  }
  return undefined;
}

/** The same pid with the same start time: the recorded owner itself, not a reused pid. */
function ownerAlive(owner: OwnerRecord | undefined): owner is OwnerRecord {
  return owner !== undefined && processStartTime(owner.pid) === owner.startTime;
}

/** Links created by this process and not yet destroyed, for the exit hook. */
const liveLinks = new Map<string, { names: LinkNames; pids: () => number[] }>();
let exitHookInstalled = false;

/** Marks link `n.id` as this process's until forgetLiveLink(); the exit hook removes it if need be. */
export function registerLiveLink(n: LinkNames, pids: () => number[]): void {
  liveLinks.set(n.id, { names: n, pids });
  installExitHook();
}

export function forgetLiveLink(id: string): void {
  liveLinks.delete(id);
}

/**
 * Last resort when the process exits without destroy() (an uncaught error): synchronous,
 * best effort. Relays exit by themselves (their IPC channel closes); the rest is removed here.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const { names, pids } of liveLinks.values()) teardownSync(names, pids());
  });
}

// ---------------------------------------------------------------------------------------
// Leftovers

/** What of link `id` still exists: namespaces, processes mentioning its runtime dir, the dir. */
export async function linkLeftovers(id: string): Promise<Leftovers> {
  const n = linkNames(id);
  const nsList = await listNamespaces();
  return {
    namespaces: nsList.filter((ns) => ns === n.clientNs || ns === n.serverNs),
    processes: processesMentioning(`${n.runtimeDir}/`),
    runtimeDir: existsSync(n.runtimeDir),
  };
}

/**
 * Before link `n.id` is created: removes an earlier one of that id whose owner is gone;
 * throws if its owner still runs.
 */
export async function clearEarlierLink(n: LinkNames): Promise<void> {
  const existing = await listNamespaces();
  if (!existing.includes(n.clientNs) && !existing.includes(n.serverNs) && !existsSync(n.runtimeDir)) return;
  const owner = readOwner(n.ownerFile);
  if (ownerAlive(owner)) {
    throw new LinkError(`network link "${n.id}" is in use by process ${owner.pid}`, { hint: 'pick another id, or stop that process' });
  }
  await teardown(n, []);
}

/**
 * Removes the leftovers of earlier runs that died without cleaning up: links whose
 * namespaces or runtime dir exist but whose recorded owner process is gone. Links of
 * live processes (another run in progress) are left alone. Returns the ids removed.
 */
export async function destroyStaleLinks(): Promise<string[]> {
  const removed: string[] = [];
  for (const id of await candidateIds()) {
    const n = linkNames(id);
    const owner = readOwner(n.ownerFile);
    if (ownerAlive(owner)) continue;
    if (liveLinks.has(id)) continue;
    // A dir without an owner record may be one another process is creating right now.
    if (owner === undefined && ageMs(n.runtimeDir) < 60_000) continue;
    await teardown(n, []);
    removed.push(id);
  }
  return removed;
}

/** Ids of every link with a namespace or a runtime dir on this machine. */
async function candidateIds(): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const ns of await listNamespaces()) {
    const id = idFromNamespace(ns);
    if (id !== undefined) ids.add(id);
  }
  for (const entry of readdirSafe(RUNTIME_PARENT)) {
    if (entry.startsWith(RUNTIME_PREFIX)) {
      const id = entry.slice(RUNTIME_PREFIX.length);
      try {
        validateId(id);
        ids.add(id);
      } catch {
        /* not one of ours */
      }
    }
  }
  return ids;
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
