/**
 * The kernel side of a link: listing namespaces and their processes, running the setup
 * commands from plan.ts (namespaces, veth, tbf), and removing every piece again, both
 * asynchronously (destroy(), destroyStaleLinks()) and synchronously (the exit hook).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { run } from '../proc.ts';
import { LinkError } from './link-types.ts';
import { setupCommands, type LinkNames } from './plan.ts';
import type { LinkProfile } from './profiles.ts';
import { processesMentioning, signal, stopProcesses } from './processes.ts';

export async function listNamespaces(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list'], { timeoutMs: 10_000, what: 'listing network namespaces' });
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n !== '');
}

async function namespacePids(ns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', ns], { reject: false, timeoutMs: 10_000 });
  if (r.exitCode !== 0) return [];
  return r.stdout.split('\n').map((l) => Number(l.trim())).filter((p) => Number.isInteger(p) && p > 0);
}

/** Creates both namespaces, the veth between them and the tbf shaping (plan.ts's commands, in order). */
export async function setUpNamespaces(n: LinkNames, profile: LinkProfile): Promise<void> {
  for (const [file, args] of setupCommands(n, profile)) {
    await run(file, args, { timeoutMs: 15_000, what: `setting up network link "${n.id}"`, hint: 'this needs root, iproute2, and the veth and sch_tbf kernel modules' });
  }
}

/**
 * Removes everything of link `n.id`: processes in its namespaces or mentioning its runtime
 * dir, the veth, both namespaces, the runtime dir. Safe to call on partial or no state.
 */
export async function teardown(n: LinkNames, extraPids: number[]): Promise<void> {
  const problems: string[] = [];
  const existing = await listNamespaces();
  const namespaces = [n.serverNs, n.clientNs].filter((ns) => existing.includes(ns));
  // Processes first: a namespace with a process in it outlives `ip netns del`.
  const pids = [...extraPids, ...processesMentioning(`${n.runtimeDir}/`)];
  for (const ns of namespaces) pids.push(...(await namespacePids(ns)));
  const stuck = await stopProcesses(pids);
  if (stuck.length > 0) problems.push(`processes that would not die: ${stuck.join(', ')}`);
  // Second sweep: anything that started while we were stopping the first lot.
  for (const ns of namespaces) {
    const again = await stopProcesses(await namespacePids(ns));
    if (again.length > 0) problems.push(`processes in ${ns} that would not die: ${again.join(', ')}`);
  }
  if (namespaces.includes(n.clientNs)) {
    // Deleting the namespace would destroy the veth too; deleting it first makes that not depend on refcounts.
    await run('ip', ['-n', n.clientNs, 'link', 'del', n.clientVeth], { reject: false, timeoutMs: 10_000 });
  }
  for (const ns of namespaces) {
    const r = await run('ip', ['netns', 'del', ns], { reject: false, timeoutMs: 10_000 });
    if (r.exitCode !== 0) problems.push(`ip netns del ${ns}: ${r.stderr}`);
  }
  rmSync(n.runtimeDir, { recursive: true, force: true });
  const after = await listNamespaces();
  const still = [n.clientNs, n.serverNs].filter((ns) => after.includes(ns));
  if (still.length > 0) problems.push(`namespaces still present: ${still.join(', ')}`);
  if (problems.length > 0) {
    throw new LinkError(`could not fully remove network link "${n.id}":\n${problems.join('\n')}`, {
      hint: `inspect with \`ip netns list\` and \`ip netns pids ${n.serverNs}\`; destroyStaleLinks() retries`,
    });
  }
}

/** teardown() for a process that is exiting: synchronous, SIGKILL only, best effort, no checks. */
export function teardownSync(names: LinkNames, pids: readonly number[]): void {
  for (const p of pids) signal(p, 'SIGKILL');
  for (const ns of [names.serverNs, names.clientNs]) {
    const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5_000 });
    for (const p of (r.stdout ?? '').split('\n').map(Number).filter((x) => x > 0)) signal(p, 'SIGKILL');
  }
  spawnSync('ip', ['-n', names.clientNs, 'link', 'del', names.clientVeth], { timeout: 5_000 });
  for (const ns of [names.serverNs, names.clientNs]) spawnSync('ip', ['netns', 'del', ns], { timeout: 5_000 });
  rmSync(names.runtimeDir, { recursive: true, force: true });
}
