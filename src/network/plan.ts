/**
 * Pure planning for a shaped link: names, addresses, the `ip`/`tc` commands that build
 * it, and the relay configurations. Nothing here runs a process (link.ts does).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import type { LinkProfile } from './profiles.ts';

/** Runtime dirs live under /run: short (unix socket paths are limited to 108 bytes) and on tmpfs. */
export const RUNTIME_PARENT = '/run';
export const RUNTIME_PREFIX = 'cachebench-net-';
export const CLIENT_NS_PREFIX = 'cbc-';
export const SERVER_NS_PREFIX = 'cbs-';

/**
 * Addresses exist only inside the two namespaces, so every link can use the same pair:
 * link-local (169.254/16) and a /30, nothing routable, never in the root namespace.
 */
export const CLIENT_ADDRESS = '169.254.231.1';
export const SERVER_ADDRESS = '169.254.231.2';
export const PREFIX_LENGTH = 30;

/** Port of the measuring HTTP server inside the server namespace. */
export const PROBE_PORT = 7319;

export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

export interface LinkNames {
  id: string;
  clientNs: string;
  serverNs: string;
  /** veth end in the client namespace (interface names: at most 15 bytes). */
  clientVeth: string;
  /** veth end in the server namespace. */
  serverVeth: string;
  /** Owner record and logs; its path is also in the relay's command line (leak checks). */
  runtimeDir: string;
  ownerFile: string;
  relayLog: string;
  probeLog: string;
}

export function validateId(id: string): void {
  if (!ID_PATTERN.test(id)) {
    throw new UsageError(`link id "${id}" is not allowed`, 'use 1-32 characters: lower-case letters, digits and "-", starting with a letter or digit');
  }
}

export function linkNames(id: string): LinkNames {
  validateId(id);
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 8);
  const runtimeDir = path.join(RUNTIME_PARENT, `${RUNTIME_PREFIX}${id}`);
  return {
    id,
    clientNs: `${CLIENT_NS_PREFIX}${id}`,
    serverNs: `${SERVER_NS_PREFIX}${id}`,
    clientVeth: `cbvc-${hash}`,
    serverVeth: `cbvs-${hash}`,
    runtimeDir,
    ownerFile: path.join(runtimeDir, 'owner.json'),
    relayLog: path.join(runtimeDir, 'relay.log'),
    probeLog: path.join(runtimeDir, 'probe.log'),
  };
}

/** Link id from a namespace name we created, or undefined for anyone else's namespace. */
export function idFromNamespace(ns: string): string | undefined {
  for (const prefix of [CLIENT_NS_PREFIX, SERVER_NS_PREFIX]) {
    if (ns.startsWith(prefix)) {
      const id = ns.slice(prefix.length);
      if (ID_PATTERN.test(id)) return id;
    }
  }
  return undefined;
}

export interface TbfParams {
  rate: string;
  /** Bucket size in bytes. */
  burstBytes: number;
  /** Longest a packet may wait in the tbf queue before it is dropped. */
  latencyMs: number;
}

/**
 * tbf settings for a rate. The bucket must hold a whole GSO super-packet (64 KiB plus
 * headers), or tbf has to split every one in software; above ~500 Mbit/s it also needs
 * about 1 ms of traffic, or the timer granularity caps the rate. It is a short burst
 * next to any measured transfer (128 KiB is 10 ms at 100 Mbit/s). The queue holds 20 ms:
 * long enough that TCP on the veth (whose own RTT is ~0) is not sent into constant
 * loss, short enough not to add much queueing delay on top of the profile's RTT.
 */
export function tbfParams(rateMbit: number): TbfParams {
  const bytesPerMs = (rateMbit * 1e6) / 8 / 1000;
  return {
    rate: `${rateMbit}mbit`,
    burstBytes: Math.max(128 * 1024, Math.ceil(bytesPerMs)),
    latencyMs: 20,
  };
}

export type Command = readonly [file: string, args: readonly string[]];

/**
 * Commands that build the link. The veth is created from inside the client namespace
 * with its peer placed straight into the server namespace, so neither end ever exists in
 * the root namespace, not even for a moment.
 */
export function setupCommands(n: LinkNames, profile: LinkProfile): Command[] {
  const cmds: Command[] = [
    ['ip', ['netns', 'add', n.clientNs]],
    ['ip', ['netns', 'add', n.serverNs]],
    ['ip', ['-n', n.clientNs, 'link', 'add', n.clientVeth, 'type', 'veth', 'peer', 'name', n.serverVeth, 'netns', n.serverNs]],
    ['ip', ['-n', n.clientNs, 'addr', 'add', `${CLIENT_ADDRESS}/${PREFIX_LENGTH}`, 'dev', n.clientVeth]],
    ['ip', ['-n', n.serverNs, 'addr', 'add', `${SERVER_ADDRESS}/${PREFIX_LENGTH}`, 'dev', n.serverVeth]],
    ['ip', ['-n', n.clientNs, 'link', 'set', 'lo', 'up']],
    ['ip', ['-n', n.serverNs, 'link', 'set', 'lo', 'up']],
    ['ip', ['-n', n.clientNs, 'link', 'set', n.clientVeth, 'up']],
    ['ip', ['-n', n.serverNs, 'link', 'set', n.serverVeth, 'up']],
  ];
  if (profile.rateMbit > 0) {
    const t = tbfParams(profile.rateMbit);
    const tbf = ['root', 'tbf', 'rate', t.rate, 'burst', String(t.burstBytes), 'latency', `${t.latencyMs}ms`];
    // Egress of each end: client→server (pushes) and server→client (pulls).
    cmds.push(['tc', ['-n', n.clientNs, 'qdisc', 'add', 'dev', n.clientVeth, ...tbf]]);
    cmds.push(['tc', ['-n', n.serverNs, 'qdisc', 'add', 'dev', n.serverVeth, ...tbf]]);
  }
  return cmds;
}

export interface RelayEndpointTcp {
  host: string;
  port: number;
}
export interface RelayEndpointUnix {
  path: string;
}
export type RelayEndpoint = RelayEndpointTcp | RelayEndpointUnix;

export interface RelayRoute {
  /** Where each accepted connection is forwarded (from inside the client namespace). */
  connect: RelayEndpoint;
  /** Added to every chunk in each direction. */
  oneWayDelayMs: number;
  /** The client's first byte leaves no earlier than this after accept (TCP handshake). */
  handshakeMs: number;
}

/**
 * The JSON relay.mjs takes as its argument. Route i serves the i-th listening socket
 * the parent sends over IPC.
 */
export interface RelayConfig {
  /** The link's runtime dir; unused by the relay, it is there so its command line names the link (leak checks). */
  tag: string;
  routes: RelayRoute[];
  /** Per direction of one connection; reading pauses above it. */
  maxQueueBytes: number;
  maxLifetimeMs: number;
  maxConnections: number;
}

/** Relays live at most this long; a benchmark run that needs longer creates a new link. */
export const RELAY_LIFETIME_MS = 24 * 3600 * 1000;

/**
 * Queue bound per direction: it must hold a bandwidth-delay product (bytes in flight
 * during the one-way delay) or the relay, not tbf, limits the rate; 4x for margin.
 */
export function maxQueueBytes(profile: LinkProfile): number {
  const rate = profile.rateMbit > 0 ? profile.rateMbit : 10_000;
  const bdp = ((rate * 1e6) / 8) * (profile.rttMs / 2 / 1000);
  return Math.max(1 << 20, Math.ceil(4 * bdp));
}

/** Route 0: the caller's server. Route 1: the probe server measure() starts. */
export function relayConfig(n: LinkNames, profile: LinkProfile, serverPort: number): RelayConfig {
  const oneWayDelayMs = profile.rttMs / 2;
  const handshakeMs = profile.rttMs;
  return {
    tag: `${n.runtimeDir}/`,
    routes: [
      { connect: { host: SERVER_ADDRESS, port: serverPort }, oneWayDelayMs, handshakeMs },
      { connect: { host: SERVER_ADDRESS, port: PROBE_PORT }, oneWayDelayMs, handshakeMs },
    ],
    maxQueueBytes: maxQueueBytes(profile),
    maxLifetimeMs: RELAY_LIFETIME_MS,
    maxConnections: 512,
  };
}
