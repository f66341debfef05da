/**
 * The link's public shapes (options, the Link handle, measurements) and its error class,
 * at the bottom of src/network's import graph so every part of the link can use them.
 */
import { CachebenchError } from '../errors.ts';
import type { CommandResult, RunOptions } from '../proc.ts';
import type { LinkProfile } from './profiles.ts';

export interface LinkOptions {
  /** Names the namespaces (`cbc-<id>`, `cbs-<id>`) and the runtime dir; 1-32 of [a-z0-9-]. */
  id: string;
  profile: LinkProfile;
  /** Port the server listens on, on `serverAddress` (shaped) or 127.0.0.1 (loopback). */
  serverPort: number;
  /** Port on 127.0.0.1 the engine talks to. For the loopback profile it is also the server's port. */
  listenPort: number;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  /** stdout and stderr are appended here; default: discarded. */
  logFile?: string;
  cwd?: string;
}

export interface LinkMeasurement {
  /** Download (server → client) goodput in Mbit/s, first byte to last byte. */
  throughputMbit: number;
  /** Upload (client → server) goodput in Mbit/s. */
  uploadMbit: number;
  /** Median of small request/response round trips on an open connection, in ms. */
  rttMs: number;
  /** Every round trip measured, in ms, in order. */
  rttSamplesMs: number[];
  /** Bytes transferred each way for the throughput figures. */
  bytes: number;
  /** Wall time of the download, request to last byte, in ms. */
  downloadMs: number;
  uploadMs: number;
}

export interface MeasureOptions {
  /** Payload each way; default sized to take ~1.5 s at the profile's rate (4–64 MB). */
  bytes?: number;
  /** Round trips for the RTT median; default 20. */
  pings?: number;
}

export interface Link {
  readonly id: string;
  readonly profile: LinkProfile;
  /** Whether namespaces and shaping are in use (false for the loopback profile). */
  readonly shaped: boolean;
  /** Where the server must listen: an address inside cbs-<id>, or 127.0.0.1 for loopback. */
  readonly serverAddress: string;
  readonly serverPort: number;
  /** What the engine uses: "127.0.0.1:<listenPort>". */
  readonly listenAddress: string;
  readonly listenPort: number;
  /** Namespace names, when shaped. */
  readonly namespaces: { client: string; server: string } | undefined;
  /** Runtime dir (owner record, relay and probe logs) when shaped. */
  readonly runtimeDir: string | undefined;
  /** Starts a long-running process inside the server namespace; destroy() stops it. */
  spawnInServer(file: string, args: readonly string[], opts?: SpawnOptions): number;
  /** Runs a command to completion inside the server namespace. */
  exec(file: string, args: readonly string[], opts?: RunOptions): Promise<CommandResult>;
  /** Measures goodput and round-trip time through the whole path, from the root namespace. */
  measure(opts?: MeasureOptions): Promise<LinkMeasurement>;
  /** Throws a LinkError (with the relay's log) if the link is destroyed or its relay died. */
  check(): void;
  /** Stops everything this link started and removes namespaces, veth and runtime dir. Idempotent. */
  destroy(): Promise<void>;
}

export class LinkError extends CachebenchError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts);
    this.name = 'LinkError';
  }
}
