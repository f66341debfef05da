/**
 * The embedded registry's TCP port: which one (CACHEBENCH_REGISTRY_PORT), whether it is
 * free, and whose it is when it is not.
 */
import { readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { run } from '../proc.ts';
import { CachebenchError } from '../errors.ts';

export const DEFAULT_REGISTRY_PORT = 5765;

export function registryPort(): number {
  const p = Number(process.env.CACHEBENCH_REGISTRY_PORT ?? DEFAULT_REGISTRY_PORT);
  if (!Number.isInteger(p) || p < 1 || p > 65535) {
    throw new CachebenchError(`CACHEBENCH_REGISTRY_PORT=${process.env.CACHEBENCH_REGISTRY_PORT} is not a port`, {
      exitCode: 2,
      hint: 'set it to a free TCP port between 1 and 65535',
    });
  }
  return p;
}

/**
 * Whether the port is still taken after a few seconds: a registry that was just killed
 * keeps accepting connections on its listening socket until the kernel has torn the
 * process down (seen when the registry is SIGKILLed mid-run and restarted at once).
 */
export async function portStaysTaken(port: number, waitMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (await portTaken(port)) {
    if (Date.now() >= deadline) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/**
 * Whose is the registry port: another cachebench checkout's engine (its registry binary lives
 * under that checkout's cache home) gets told how to stop it; anything else is named by pid.
 */
export async function portInUse(address: string): Promise<CachebenchError> {
  const owner = await portOwner(Number(address.split(':')[1]));
  const otherHome = owner ? cachebenchHomeOf(owner.exe) : undefined;
  if (owner && otherHome) {
    return new CachebenchError(`the registry address ${address} is in use by the engine of another cachebench checkout (registry pid ${owner.pid}, cache home ${otherHome})`, {
      exitCode: 2,
      hint: `one engine runs at a time: stop that one with \`CACHEBENCH_HOME=${otherHome} node bench/cachebench.mjs engine stop\` (or \`npm run cachebench -- engine stop\` in that checkout) once its run has finished`,
    });
  }
  return new CachebenchError(`the registry address ${address} is already in use by another program${owner ? ` (pid ${owner.pid}${owner.exe ? `, ${owner.exe}` : ''})` : ''}`, {
    exitCode: 2,
    hint: 'stop that program, or choose another port with CACHEBENCH_REGISTRY_PORT=PORT',
  });
}

/** The cache home of a cachebench engine's registry binary (`<home>/engine/bin/docker-registry`), else undefined. */
export function cachebenchHomeOf(exe: string): string | undefined {
  const m = /^(.*)\/engine\/bin\/docker-registry(?: \(deleted\))?$/.exec(exe);
  return m && m[1] ? m[1] : undefined;
}

/** The process listening on a TCP port (from `ss`), with its executable where /proc shows it. */
async function portOwner(port: number): Promise<{ pid: number; exe: string } | undefined> {
  const r = await run('ss', ['-Hltnp', `sport = :${port}`], { reject: false }).catch(() => undefined);
  const pid = Number(/pid=(\d+)/.exec(r?.stdout ?? '')?.[1]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let exe = '';
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    /* another user's process */
  }
  return { pid, exe };
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.setTimeout(1000);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', () => resolve(false));
  });
}
