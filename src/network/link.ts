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
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { setPriority, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { CachebenchError, UsageError, tail } from '../errors.ts';
import { processesMentioning as mentioning, processStartTime } from '../engine/embedded.ts';
import { run, type CommandResult, type RunOptions } from '../proc.ts';
import { isShaped, validateProfile, type LinkProfile } from './profiles.ts';
import {
  PROBE_PORT,
  RUNTIME_PARENT,
  RUNTIME_PREFIX,
  SERVER_ADDRESS,
  idFromNamespace,
  linkNames,
  relayConfig,
  setupCommands,
  validateId,
  type LinkNames,
} from './plan.ts';

export { NETWORK_PROFILES, DEFAULT_NETWORK_PROFILE, networkProfile, isShaped, type LinkProfile, type NetworkProfileName } from './profiles.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RELAY_SCRIPT = path.join(HERE, 'relay.mjs');
const PROBE_SCRIPT = path.join(HERE, 'probe-server.mjs');

const READY_TIMEOUT_MS = 15_000;
const WARMUP_PINGS = 5;
const TERM_GRACE_MS = 3_000;
const KILL_WAIT_MS = 3_000;

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

// ---------------------------------------------------------------------------------------
// Processes

interface OwnerRecord {
  pid: number;
  startTime: string;
  createdAt: string;
  profile: LinkProfile;
}

function alive(pid: number): boolean {
  return processStartTime(pid) !== undefined;
}

function signal(pid: number, sig: NodeJS.Signals): void {
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
async function stopProcesses(pids: number[]): Promise<number[]> {
  const live = [...new Set(pids)].filter((p) => p !== process.pid && alive(p));
  if (live.length === 0) return [];
  for (const p of live) signal(p, 'SIGTERM');
  const stubborn = await waitGone(live, TERM_GRACE_MS);
  for (const p of stubborn) signal(p, 'SIGKILL');
  return waitGone(stubborn, KILL_WAIT_MS);
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Live processes whose command line mentions `needle` (our relays carry the runtime dir in theirs). */
export function processesMentioning(needle: string): number[] {
  return mentioning([needle]).filter((pid) => alive(pid));
}

async function namespacePids(ns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', ns], { reject: false, timeoutMs: 10_000 });
  if (r.exitCode !== 0) return [];
  return r.stdout.split('\n').map((l) => Number(l.trim())).filter((p) => Number.isInteger(p) && p > 0);
}

export async function listNamespaces(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list'], { timeoutMs: 10_000, what: 'listing network namespaces' });
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n !== '');
}

interface Started {
  child: ChildProcess;
  pid: number;
  ready: Record<string, unknown>;
}

/**
 * Starts one of our .mjs helpers (optionally inside a namespace) with an IPC channel:
 * it says hello, receives `handles` (listening sockets made here, in the root
 * namespace), and reports ready. The channel is its lifeline: when this process dies,
 * the helper exits even if destroy() never ran.
 */
async function startHelper(what: string, ns: string | undefined, script: string, config: unknown, logFile: string, handles: net.Server[] = []): Promise<Started> {
  const nodeArgs = [script, JSON.stringify(config)];
  const [file, args] = ns === undefined ? [process.execPath, nodeArgs] : ['ip', ['netns', 'exec', ns, process.execPath, ...nodeArgs]];
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(file, args, { stdio: ['ignore', logFd, logFd, 'ipc'] });
  } finally {
    closeSync(logFd);
  }
  const failure = (why: string, cause?: unknown) =>
    new LinkError(`${what} did not start: ${why}\n${tail(readSafe(logFile), 15)}`, {
      cause,
      hint: `see ${logFile}; \`ip netns exec\` needs root and iproute2`,
    });
  try {
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
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
async function listenLoopback(port: number): Promise<net.Server> {
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

function readSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------
// Teardown (shared by destroy(), destroyStaleLinks() and the exit hook)

export interface Leftovers {
  namespaces: string[];
  processes: number[];
  runtimeDir: boolean;
}

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
 * Removes everything of link `id`: processes in its namespaces or mentioning its runtime
 * dir, the veth, both namespaces, the runtime dir. Safe to call on partial or no state.
 */
async function teardown(n: LinkNames, extraPids: number[]): Promise<void> {
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

/** Links created by this process and not yet destroyed, for the exit hook. */
const liveLinks = new Map<string, { names: LinkNames; pids: () => number[] }>();
let exitHookInstalled = false;

/**
 * Last resort when the process exits without destroy() (an uncaught error): synchronous,
 * best effort. Relays exit by themselves (their IPC channel closes); the rest is removed here.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const { names, pids } of liveLinks.values()) {
      for (const p of pids()) signal(p, 'SIGKILL');
      for (const ns of [names.serverNs, names.clientNs]) {
        const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5_000 });
        for (const p of (r.stdout ?? '').split('\n').map(Number).filter((x) => x > 0)) signal(p, 'SIGKILL');
      }
      spawnSync('ip', ['-n', names.clientNs, 'link', 'del', names.clientVeth], { timeout: 5_000 });
      for (const ns of [names.serverNs, names.clientNs]) spawnSync('ip', ['netns', 'del', ns], { timeout: 5_000 });
      rmSync(names.runtimeDir, { recursive: true, force: true });
    }
  });
}

/**
 * Removes the leftovers of earlier runs that died without cleaning up: links whose
 * namespaces or runtime dir exist but whose recorded owner process is gone. Links of
 * live processes (another run in progress) are left alone. Returns the ids removed.
 */
export async function destroyStaleLinks(): Promise<string[]> {
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
  const removed: string[] = [];
  for (const id of ids) {
    const n = linkNames(id);
    const owner = readOwner(n.ownerFile);
    if (owner !== undefined && processStartTime(owner.pid) === owner.startTime) continue;
    if (liveLinks.has(id)) continue;
    // A dir without an owner record may be one another process is creating right now.
    if (owner === undefined && ageMs(n.runtimeDir) < 60_000) continue;
    await teardown(n, []);
    removed.push(id);
  }
  return removed;
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
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

// ---------------------------------------------------------------------------------------
// Measuring

interface TimedResponse {
  status: number;
  bytes: number;
  body: string;
  startedAt: number;
  firstByteAt: number;
  endedAt: number;
}

function timedRequest(
  agent: http.Agent,
  port: number,
  method: string,
  urlPath: string,
  timeoutMs: number,
  upload?: { bytes: number },
): Promise<TimedResponse> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    let firstByteAt = 0;
    let bytes = 0;
    let body = '';
    const headers: Record<string, string> = upload ? { 'content-length': String(upload.bytes), 'content-type': 'application/octet-stream' } : {};
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent, headers }, (res) => {
      res.on('data', (d: Buffer) => {
        if (firstByteAt === 0) firstByteAt = performance.now();
        bytes += d.length;
        if (body.length < 200) body += d.toString('utf8', 0, Math.min(d.length, 200));
      });
      res.on('end', () => {
        const endedAt = performance.now();
        resolve({ status: res.statusCode ?? 0, bytes, body, startedAt, firstByteAt: firstByteAt || endedAt, endedAt });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${urlPath} took longer than ${timeoutMs} ms`)));
    req.on('error', reject);
    if (!upload) {
      req.end();
      return;
    }
    const chunk = Buffer.alloc(Math.min(upload.bytes, 256 * 1024), 0x62);
    let left = upload.bytes;
    const pump = () => {
      while (left > 0) {
        const size = Math.min(left, chunk.length);
        left -= size;
        if (!req.write(chunk.subarray(0, size))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Payload size so a transfer takes ~1.5 s at `rateMbit`, within 4..64 MB. */
export function defaultMeasureBytes(rateMbit: number): number {
  if (rateMbit <= 0) return 64e6;
  return Math.round(Math.min(64e6, Math.max(4e6, ((rateMbit * 1e6) / 8) * 1.5)));
}

async function measureThrough(port: number, profile: LinkProfile, opts: MeasureOptions): Promise<LinkMeasurement> {
  const bytes = opts.bytes ?? defaultMeasureBytes(profile.rateMbit);
  const pings = opts.pings ?? 20;
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 1e9) throw new UsageError(`measure: bytes = ${bytes} is not allowed`, 'use an integer in 1..1e9');
  if (!Number.isInteger(pings) || pings < 1 || pings > 1000) throw new UsageError(`measure: pings = ${pings} is not allowed`, 'use an integer in 1..1000');
  // Generous bound: 5x the expected time at the profile's rate, plus 10 s.
  const expectedMs = profile.rateMbit > 0 ? (bytes * 8) / (profile.rateMbit * 1e3) : 1000;
  const transferTimeout = Math.ceil(expectedMs * 5 + 10_000);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // The first request opens the connection (and pays the handshake); a few more warm up
    // the freshly started probe server (its first answers are JIT-slow). None is counted.
    for (let i = 0; i < WARMUP_PINGS; i++) {
      const warm = await timedRequest(agent, port, 'GET', '/ping', 10_000);
      if (warm.status !== 204) throw new LinkError(`probe server answered ${warm.status} to /ping`);
    }
    const down = await timedRequest(agent, port, 'GET', `/bytes?n=${bytes}`, transferTimeout);
    if (down.status !== 200 || down.bytes !== bytes) throw new LinkError(`download through the link returned ${down.status} with ${down.bytes} of ${bytes} bytes`);
    const up = await timedRequest(agent, port, 'PUT', '/sink', transferTimeout, { bytes });
    if (up.status !== 200 || Number(up.body) !== bytes) throw new LinkError(`upload through the link returned ${up.status}, server got ${up.body} of ${bytes} bytes`);
    // Round trips last, on the same (idle again) connection.
    const samples: number[] = [];
    for (let i = 0; i < pings; i++) {
      const r = await timedRequest(agent, port, 'GET', '/ping', 10_000);
      samples.push(r.endedAt - r.startedAt);
    }
    const rttMs = median(samples);
    const downloadMs = down.endedAt - down.startedAt;
    const uploadMs = up.endedAt - up.startedAt;
    // Goodput excludes the one round trip before the first byte (download) or before the
    // server's answer reaches us (upload), so it estimates the link rate, not the latency.
    const downSpan = Math.max(1e-3, down.endedAt - down.firstByteAt);
    const upSpan = Math.max(1e-3, uploadMs - rttMs);
    return {
      throughputMbit: (bytes * 8) / (downSpan * 1e3),
      uploadMbit: (bytes * 8) / (upSpan * 1e3),
      rttMs,
      rttSamplesMs: samples,
      bytes,
      downloadMs,
      uploadMs,
    };
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------
// Creating links

function validatePort(name: string, port: number, allowZero = false): void {
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
    throw new UsageError(`createLink: ${name} = ${port} is not a port`, `${name} must be an integer in 1..65535`);
  }
}

function spawnLogged(file: string, args: readonly string[], opts: SpawnOptions): ChildProcess {
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
        const probe = await startHelper('probe server', undefined, PROBE_SCRIPT, { host: '127.0.0.1', port: 0, maxBytes: 1e9, maxLifetimeMs: 600_000 }, path.join(dir, 'probe.log'));
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
      destroyed ??= stopProcesses(children.map((c) => c.pid ?? -1).filter((p) => p > 0)).then(() => undefined);
      return destroyed;
    },
  };
}

/**
 * Creates the link and returns once the whole path is up. On any failure everything
 * created so far is removed before the error is thrown.
 */
export async function createLink(opts: LinkOptions): Promise<Link> {
  validateId(opts.id);
  validateProfile(opts.profile);
  validatePort('serverPort', opts.serverPort);
  validatePort('listenPort', opts.listenPort);
  if (!isShaped(opts.profile)) return loopbackLink(opts);
  if (opts.serverPort === PROBE_PORT) {
    throw new UsageError(`createLink: serverPort ${PROBE_PORT} is taken by the link's own probe server`, 'pick another serverPort');
  }
  if (process.getuid?.() !== 0) {
    throw new LinkError('a shaped network link needs root (network namespaces, veth, tc)', {
      hint: 'run as root, or use the "loopback" network profile',
    });
  }
  const n = linkNames(opts.id);
  const existing = await listNamespaces();
  if (existing.includes(n.clientNs) || existing.includes(n.serverNs) || existsSync(n.runtimeDir)) {
    const owner = readOwner(n.ownerFile);
    if (owner !== undefined && processStartTime(owner.pid) === owner.startTime) {
      throw new LinkError(`network link "${opts.id}" is in use by process ${owner.pid}`, { hint: 'pick another id, or stop that process' });
    }
    await teardown(n, []);
  }

  const spawned: ChildProcess[] = [];
  const pidsOf = () => spawned.map((c) => c.pid ?? -1).filter((p) => p > 0);
  liveLinks.set(opts.id, { names: n, pids: pidsOf });
  installExitHook();
  try {
    mkdirSync(n.runtimeDir, { recursive: true, mode: 0o700 });
    const owner: OwnerRecord = {
      pid: process.pid,
      startTime: processStartTime(process.pid) ?? '',
      createdAt: new Date().toISOString(),
      profile: opts.profile,
    };
    writeFileSync(n.ownerFile, `${JSON.stringify(owner, null, 2)}\n`);
    for (const [file, args] of setupCommands(n, opts.profile)) {
      await run(file, args, { timeoutMs: 15_000, what: `setting up network link "${opts.id}"`, hint: 'this needs root, iproute2, and the veth and sch_tbf kernel modules' });
    }
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
    const relay = await startHelper('relay in the client namespace', n.clientNs, RELAY_SCRIPT, relayConfig(n, opts.profile, opts.serverPort), n.relayLog, [listener, probeListener]);
    spawned.push(relay.child);
    return shapedLink(opts, n, spawned, relay.child, probeListenPort);
  } catch (err) {
    liveLinks.delete(opts.id);
    await teardown(n, pidsOf()).catch(() => {});
    throw err;
  }
}

function shapedLink(opts: LinkOptions, n: LinkNames, spawned: ChildProcess[], relay: ChildProcess, probeListenPort: number): Link {
  let destroyed: Promise<void> | undefined;
  let relayExit: string | undefined;
  relay.once('exit', (code, sig) => {
    relayExit = `the relay (pid ${relay.pid}) exited (code ${code}, signal ${sig})`;
  });
  const checkOpen = (what: string) => {
    if (destroyed) throw new LinkError(`network link "${opts.id}" is destroyed; cannot ${what}`);
    if (relayExit !== undefined) {
      throw new LinkError(`network link "${opts.id}" is broken: ${relayExit}\n${tail(readSafe(n.relayLog), 15)}`, {
        hint: `see ${n.relayLog}; destroy the link and create a new one`,
      });
    }
  };
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
      const probe = await startHelper('probe server', n.serverNs, PROBE_SCRIPT, { tag: `${n.runtimeDir}/`, host: SERVER_ADDRESS, port: PROBE_PORT, maxBytes: 1e9, maxLifetimeMs: 600_000 }, n.probeLog);
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
          await teardown(n, spawned.map((c) => c.pid ?? -1).filter((p) => p > 0));
        } finally {
          liveLinks.delete(opts.id);
        }
      })();
      return destroyed;
    },
  };
}
