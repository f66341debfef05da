/**
 * Starting the link's Node helpers: the relay (`relay.mjs`, in the client namespace, adds
 * the RTT) and the probe server (`probe-server.mjs`, for measurements). Both talk to us
 * over an IPC channel: they say hello, receive the listening sockets made here (in the
 * root namespace), and report ready. Stopping them is `stopProcesses` (processes.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import net from 'node:net';
import { setPriority } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tail } from '../errors.ts';
import { LinkError } from './link-types.ts';
import { PROBE_PORT, SERVER_ADDRESS, relayConfig, type LinkNames } from './plan.ts';
import type { LinkProfile } from './profiles.ts';
import { readSafe } from './processes.ts';

// The helper scripts sit next to this module (src/network/), wherever the tree is run from.
const HERE = path.dirname(fileURLToPath(import.meta.url));
const RELAY_SCRIPT = path.join(HERE, 'relay.mjs');
const PROBE_SCRIPT = path.join(HERE, 'probe-server.mjs');

const READY_TIMEOUT_MS = 15_000;

export interface Started {
  child: ChildProcess;
  pid: number;
  ready: Record<string, unknown>;
}

/** The relay inside the client namespace, given the engine's listener and the probe's. */
export function startRelay(n: LinkNames, profile: LinkProfile, serverPort: number, handles: net.Server[]): Promise<Started> {
  return startHelper('relay in the client namespace', n.clientNs, RELAY_SCRIPT, relayConfig(n, profile, serverPort), n.relayLog, handles);
}

/** The probe server inside the server namespace, reached through the relay. */
export function startShapedProbe(n: LinkNames): Promise<Started> {
  return startHelper('probe server', n.serverNs, PROBE_SCRIPT, { tag: `${n.runtimeDir}/`, host: SERVER_ADDRESS, port: PROBE_PORT, maxBytes: 1e9, maxLifetimeMs: 600_000 }, n.probeLog);
}

/** The probe server on 127.0.0.1 (any free port) for the loopback profile. */
export function startLoopbackProbe(logFile: string): Promise<Started> {
  return startHelper('probe server', undefined, PROBE_SCRIPT, { host: '127.0.0.1', port: 0, maxBytes: 1e9, maxLifetimeMs: 600_000 }, logFile);
}

/**
 * Starts one of our .mjs helpers (optionally inside a namespace) with an IPC channel:
 * it says hello, receives `handles` (listening sockets made here, in the root
 * namespace), and reports ready. The channel is its lifeline: when this process dies,
 * the helper exits even if destroy() never ran.
 */
async function startHelper(what: string, ns: string | undefined, script: string, config: unknown, logFile: string, handles: net.Server[] = []): Promise<Started> {
  const child = spawnHelper(ns, script, config, logFile);
  const failure = (why: string, cause?: unknown) =>
    new LinkError(`${what} did not start: ${why}\n${tail(readSafe(logFile), 15)}`, {
      cause,
      hint: `see ${logFile}; \`ip netns exec\` needs root and iproute2`,
    });
  try {
    const ready = await waitReady(child, handles, failure);
    child.on('error', () => {});
    raisePriority(child.pid);
    // Keep the channel (the lifeline) open, but do not let it keep this process alive.
    child.channel?.unref();
    child.unref();
    return { child, pid: child.pid ?? -1, ready };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    // The helper holds its own copies of the listening sockets now (or is dead).
    for (const h of handles) h.close();
  }
}

function spawnHelper(ns: string | undefined, script: string, config: unknown, logFile: string): ChildProcess {
  const nodeArgs = [script, JSON.stringify(config)];
  const [file, args] = ns === undefined ? [process.execPath, nodeArgs] : ['ip', ['netns', 'exec', ns, process.execPath, ...nodeArgs]];
  const logFd = openSync(logFile, 'a');
  try {
    return spawn(file, args, { stdio: ['ignore', logFd, logFd, 'ipc'] });
  } finally {
    closeSync(logFd);
  }
}

/** Hands over `handles` on hello and resolves with the ready report; rejects on exit, error, timeout. */
function waitReady(child: ChildProcess, handles: net.Server[], failure: (why: string, cause?: unknown) => LinkError): Promise<Record<string, unknown>> {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(failure(`no ready report within ${READY_TIMEOUT_MS} ms`));
    }, READY_TIMEOUT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      child.removeListener('message', onMessage);
      child.removeListener('exit', onExit);
      child.removeListener('error', onError);
    };
    const onExit = (code: number | null, sig: NodeJS.Signals | null) => {
      cleanup();
      reject(failure(`exited (code ${code}, signal ${sig}) before it was ready`));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(failure(err.message, err));
    };
    const onMessage = (msg: unknown) => {
      const type = typeof msg === 'object' && msg !== null ? (msg as { type?: unknown }).type : undefined;
      if (type === 'hello') {
        handles.forEach((h, route) => child.send({ type: 'listen', route }, h));
      } else if (type === 'ready') {
        cleanup();
        resolve(msg as Record<string, unknown>);
      } else {
        cleanup();
        reject(failure(`unexpected message ${JSON.stringify(msg)}`));
      }
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/**
 * The relay and the probe server stand in for the network, which does not slow down when
 * the build machine is busy; at normal priority a fully loaded 2-core VM added 1-3 ms of
 * wake-up latency to the median round trip. Best effort: without the privilege it stays as is.
 */
function raisePriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, -10);
  } catch {
    /* not permitted: measurements get noisier, nothing breaks */
  }
}

/** A listening socket on 127.0.0.1 in this (the root) namespace, to hand to the relay. */
export async function listenLoopback(port: number): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
