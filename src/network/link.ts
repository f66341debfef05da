/**
 * A "remote-like" link to a test server, built offline from network namespaces this
 * process creates and removes itself:
 *
 *   engine → 127.0.0.1:listenPort ─ relay in cbc-<id> (RTT/2 each way) ─ veth, tbf on
 *   both ends ─ server on SERVER_ADDRESS:serverPort in cbs-<id>
 *
 * The listening socket is created here, in the root namespace, on 127.0.0.1 and handed
 * to the relay over IPC; a socket keeps the namespace it was made in, so the relay
 * accepts on the root namespace's loopback and connects out from inside cbc-<id>.
 * Nothing in the root namespace gets an address, a bridge, a route or a firewall rule;
 * only loopback and addresses inside the two namespaces are used. destroy() and
 * destroyStaleLinks() remove every piece.
 *
 * (A first version had a second relay in the root namespace talking to the namespaced one
 * over a unix socket. One more process hop added ~1 ms to every round trip and cost CPU
 * at high rates; handing over the socket needs neither.)
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError, tail } from '../errors.ts';
import { run } from '../proc.ts';
import { clearEarlierLink, forgetLiveLink, registerLiveLink, writeOwner } from './leftovers.ts';
import { LinkError, type Link, type LinkOptions } from './link-types.ts';
import { setUpNamespaces, teardown } from './namespaces.ts';
import { PROBE_PORT, SERVER_ADDRESS, linkNames, validateId, type LinkNames } from './plan.ts';
import { measureThrough } from './probe.ts';
import { pidsOf, readSafe, spawnLogged, stopProcesses } from './processes.ts';
import { isShaped, validateProfile } from './profiles.ts';
import { listenLoopback, startLoopbackProbe, startRelay, startShapedProbe, type Started } from './relay-process.ts';

// The link's whole public surface, so callers (and tests) import from this one module.
export { NETWORK_PROFILES, DEFAULT_NETWORK_PROFILE, networkProfile, isShaped, type LinkProfile, type NetworkProfileName } from './profiles.ts';
export { LinkError, type Link, type LinkMeasurement, type LinkOptions, type MeasureOptions, type SpawnOptions } from './link-types.ts';
export { destroyStaleLinks, linkLeftovers, type Leftovers } from './leftovers.ts';
export { listNamespaces } from './namespaces.ts';
export { defaultMeasureBytes } from './probe.ts';
export { processesMentioning } from './processes.ts';

function validatePort(name: string, port: number, allowZero = false): void {
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
    throw new UsageError(`createLink: ${name} = ${port} is not a port`, `${name} must be an integer in 1..65535`);
  }
}

/** The loopback profile: no namespaces, the server on 127.0.0.1:listenPort, as before. */
function loopbackLink(opts: LinkOptions): Link {
  const children: ChildProcess[] = [];
  let destroyed: Promise<void> | undefined;
  return {
    id: opts.id,
    profile: opts.profile,
    shaped: false,
    serverAddress: '127.0.0.1',
    serverPort: opts.listenPort,
    listenAddress: `127.0.0.1:${opts.listenPort}`,
    listenPort: opts.listenPort,
    namespaces: undefined,
    runtimeDir: undefined,
    spawnInServer(file, args, spawnOpts = {}) {
      const child = spawnLogged(file, args, spawnOpts);
      children.push(child);
      return child.pid ?? -1;
    },
    check() {
      if (destroyed) throw new LinkError(`network link "${opts.id}" is destroyed`);
    },
    exec(file, args, runOpts = {}) {
      return run(file, args, runOpts);
    },
    async measure(measureOpts = {}) {
      const dir = mkdtempSync(path.join(tmpdir(), 'cachebench-net-probe-'));
      try {
        const probe = await startLoopbackProbe(path.join(dir, 'probe.log'));
        try {
          return await measureThrough(Number(probe.ready.port), opts.profile, measureOpts);
        } finally {
          await stopProcesses([probe.pid]);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    destroy() {
      destroyed ??= stopProcesses(pidsOf(children)).then(() => undefined);
      return destroyed;
    },
  };
}

/** Options, then what a shaped link needs before anything is created. */
function validateLinkOptions(opts: LinkOptions): void {
  validateId(opts.id);
  validateProfile(opts.profile);
  validatePort('serverPort', opts.serverPort);
  validatePort('listenPort', opts.listenPort);
  if (!isShaped(opts.profile)) return;
  if (opts.serverPort === PROBE_PORT) {
    throw new UsageError(`createLink: serverPort ${PROBE_PORT} is taken by the link's own probe server`, 'pick another serverPort');
  }
  if (process.getuid?.() !== 0) {
    throw new LinkError('a shaped network link needs root (network namespaces, veth, tc)', {
      hint: 'run as root, or use the "loopback" network profile',
    });
  }
}

/**
 * Creates the link and returns once the whole path is up. On any failure everything
 * created so far is removed before the error is thrown.
 */
export async function createLink(opts: LinkOptions): Promise<Link> {
  validateLinkOptions(opts);
  if (!isShaped(opts.profile)) return loopbackLink(opts);
  const n = linkNames(opts.id);
  await clearEarlierLink(n);

  const spawned: ChildProcess[] = [];
  registerLiveLink(n, () => pidsOf(spawned));
  try {
    writeOwner(n, opts.profile);
    await setUpNamespaces(n, opts.profile);
    const { relay, probeListenPort } = await startRelayPath(opts, n);
    spawned.push(relay.child);
    return shapedLink(opts, n, spawned, relay.child, probeListenPort);
  } catch (err) {
    forgetLiveLink(opts.id);
    await teardown(n, pidsOf(spawned)).catch(() => {});
    throw err;
  }
}

/** The root-namespace listeners (the engine's, the probe's) and the relay that takes them over. */
async function startRelayPath(opts: LinkOptions, n: LinkNames): Promise<{ relay: Started; probeListenPort: number }> {
  const listener = await listenLoopback(opts.listenPort).catch((err: unknown) => {
    throw new LinkError(`cannot listen on 127.0.0.1:${opts.listenPort} for network link "${opts.id}"`, {
      cause: err,
      hint: 'is the port in use (`ss -ltnp`)? pick another listenPort',
    });
  });
  const probeListener = await listenLoopback(0).catch((err: unknown) => {
    listener.close();
    throw err;
  });
  const probeAddr = probeListener.address();
  const probeListenPort = typeof probeAddr === 'object' && probeAddr !== null ? probeAddr.port : 0;
  const relay = await startRelay(n, opts.profile, opts.serverPort, [listener, probeListener]);
  return { relay, probeListenPort };
}

/** A check that throws once the link is destroyed or its relay has died (with the relay's log). */
function openCheck(n: LinkNames, relay: ChildProcess, isDestroyed: () => boolean): (what: string) => void {
  let relayExit: string | undefined;
  relay.once('exit', (code, sig) => {
    relayExit = `the relay (pid ${relay.pid}) exited (code ${code}, signal ${sig})`;
  });
  return (what) => {
    if (isDestroyed()) throw new LinkError(`network link "${n.id}" is destroyed; cannot ${what}`);
    if (relayExit !== undefined) {
      throw new LinkError(`network link "${n.id}" is broken: ${relayExit}\n${tail(readSafe(n.relayLog), 15)}`, {
        hint: `see ${n.relayLog}; destroy the link and create a new one`,
      });
    }
  };
}

/** The Link handle of a shaped link whose relay is up; `spawned` collects what destroy() stops. */
function shapedLink(opts: LinkOptions, n: LinkNames, spawned: ChildProcess[], relay: ChildProcess, probeListenPort: number): Link {
  let destroyed: Promise<void> | undefined;
  const checkOpen = openCheck(n, relay, () => destroyed !== undefined);
  return {
    id: opts.id,
    profile: opts.profile,
    shaped: true,
    serverAddress: SERVER_ADDRESS,
    serverPort: opts.serverPort,
    listenAddress: `127.0.0.1:${opts.listenPort}`,
    listenPort: opts.listenPort,
    namespaces: { client: n.clientNs, server: n.serverNs },
    runtimeDir: n.runtimeDir,
    spawnInServer(file, args, spawnOpts = {}) {
      checkOpen('spawn');
      const child = spawnLogged('ip', ['netns', 'exec', n.serverNs, file, ...args], spawnOpts);
      spawned.push(child);
      return child.pid ?? -1;
    },
    check() {
      checkOpen('use it');
    },
    exec(file, args, runOpts = {}) {
      checkOpen('exec');
      return run('ip', ['netns', 'exec', n.serverNs, file, ...args], { what: runOpts.what ?? `${file} in ${n.serverNs}`, ...runOpts });
    },
    async measure(measureOpts = {}) {
      checkOpen('measure');
      const probe = await startShapedProbe(n);
      spawned.push(probe.child);
      try {
        return await measureThrough(probeListenPort, opts.profile, measureOpts);
      } finally {
        await stopProcesses([probe.pid]);
      }
    },
    destroy() {
      destroyed ??= (async () => {
        try {
          await teardown(n, pidsOf(spawned));
        } finally {
          forgetLiveLink(opts.id);
        }
      })();
      return destroyed;
    },
  };
}
