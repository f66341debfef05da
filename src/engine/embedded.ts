/**
 * The embedded engine: dockerd (containerd image store, no bridge, no iptables) and the
 * distribution registry on 127.0.0.1, both from binaries provisioned out of Debian's
 * archive, with private data root, exec root and socket. Nothing system-wide is touched.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheHome, runtimeDir } from '../paths.ts';
import { run } from '../proc.ts';
import { CachebenchError, tail } from '../errors.ts';
import { provisionEngine, type ProvisionedEngine } from './provision.ts';
import { portInUse, portStaysTaken, registryPort } from './registry-port.ts';
import { engineGet } from './api.ts';

export interface EmbeddedLayout {
  binDir: string;
  dockerConfig: string;
  dataRoot: string;
  execRoot: string;
  socket: string;
  dockerdPid: string;
  registryPid: string;
  registryConfig: string;
  registryStorage: string;
  logDir: string;
}

export function layout(binDir = path.join(cacheHome(), 'engine', 'bin')): EmbeddedLayout {
  const home = cacheHome();
  const rt = runtimeDir();
  return {
    binDir,
    dockerConfig: path.join(home, 'docker-config'),
    dataRoot: path.join(home, 'docker-data'),
    execRoot: path.join(rt, 'exec'),
    socket: path.join(rt, 'docker.sock'),
    dockerdPid: path.join(rt, 'dockerd.pid'),
    registryPid: path.join(rt, 'registry.pid'),
    registryConfig: path.join(rt, 'registry.yml'),
    registryStorage: path.join(home, 'registry'),
    logDir: path.join(home, 'logs'),
  };
}

/** Environment for every docker / buildx call against the embedded engine. */
export function embeddedEnv(l: EmbeddedLayout): Record<string, string> {
  return {
    DOCKER_HOST: `unix://${l.socket}`,
    DOCKER_CONFIG: l.dockerConfig,
    PATH: `${l.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    DOCKER_CLI_HINTS: 'false',
    BUILDX_NO_DEFAULT_ATTESTATIONS: '1',
  };
}

export const DAEMON_JSON = {
  features: { 'containerd-snapshotter': true },
  bridge: 'none',
  iptables: false,
  ip6tables: false,
  'ip-forward': false,
  'ip-masq': false,
  'userland-proxy': false,
} as const;

export function pidAlive(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return processAlive(pid) ? pid : undefined;
}

/** Alive and not a zombie (a killed daemon whose parent is gone may never be reaped here). */
/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), so a reused pid is not mistaken for the owner; undefined if gone or a zombie. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** dockerd answers on its socket (GET /_ping: milliseconds, where `docker version` takes ~0.3 s before every build). */
async function dockerReady(l: EmbeddedLayout): Promise<boolean> {
  return engineGet(l.socket, '/_ping', 5000).then(
    (body) => body.trim() === 'OK',
    () => false,
  );
}

/** The distribution registry's config: plain HTTP on `address`, filesystem storage, deletes on. */
export function registryConfigYaml(address: string, storage: string): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${address}`,
    '',
  ].join('\n');
}


export async function registryReady(address: string): Promise<boolean> {
  try {
    const r = await fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(2000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

function startDaemon(file: string, args: string[], env: Record<string, string>, logFile: string): number {
  const fd = openSync(logFile, 'a');
  const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new CachebenchError(`could not start ${file}`);
  return child.pid;
}

export interface EmbeddedStatus {
  dockerd: number | undefined;
  registry: number | undefined;
  ready: boolean;
  registryAddress: string;
}

export async function embeddedStatus(): Promise<EmbeddedStatus> {
  const l = layout();
  const dockerd = pidAlive(l.dockerdPid);
  const registry = pidAlive(l.registryPid);
  const registryAddress = `127.0.0.1:${registryPort()}`;
  const ready = dockerd !== undefined && (await dockerReady(l)) && (await registryReady(registryAddress));
  return { dockerd, registry, ready, registryAddress };
}

export interface StartResult {
  provisioned: ProvisionedEngine;
  alreadyRunning: boolean;
  startMs: number;
}

/** Idempotent: provisions (cached after the first time) and starts whatever is not running. */
export async function startEmbedded(log: (s: string) => void = () => {}): Promise<StartResult> {
  // Before any download: the registry's port must be ours to take.
  const address = `127.0.0.1:${registryPort()}`;
  if (!pidAlive(layout().registryPid) && (await portStaysTaken(registryPort()))) throw await portInUse(address);
  const provisioned = await provisionEngine(log);
  const l = layout(provisioned.binDir);
  const started = performance.now();
  for (const d of [l.dataRoot, l.execRoot, l.logDir, l.registryStorage, path.join(l.dockerConfig, 'cli-plugins')]) {
    mkdirSync(d, { recursive: true });
  }
  const plugin = path.join(l.dockerConfig, 'cli-plugins', 'docker-buildx');
  rmSync(plugin, { force: true });
  symlinkSync(path.join(l.binDir, 'docker-buildx'), plugin);
  if (!existsSync(path.join(l.dockerConfig, 'config.json'))) writeFileSync(path.join(l.dockerConfig, 'config.json'), '{}\n');

  let alreadyRunning = true;
  const startedNow: Array<{ pid: number; file: string }> = [];
  if (!pidAlive(l.registryPid)) {
    alreadyRunning = false;
    writeFileSync(l.registryConfig, registryConfigYaml(address, l.registryStorage));
    const pid = startDaemon(path.join(l.binDir, 'docker-registry'), ['serve', l.registryConfig], {}, path.join(l.logDir, 'registry.log'));
    writeFileSync(l.registryPid, String(pid));
    startedNow.push({ pid, file: l.registryPid });
  }
  if (!pidAlive(l.dockerdPid)) {
    alreadyRunning = false;
    // A dockerd that died (or was killed) leaves its containerd and shims running and a
    // pid file that a zombie still seems to own: clear both, or the new one refuses to start.
    for (const pid of processesMentioning([l.execRoot, l.dataRoot])) await killAndWait(pid, 'leftover', 5000);
    const ownPid = Number(existsSync(l.dockerdPid + '.d') ? readFileSync(l.dockerdPid + '.d', 'utf8') : 0);
    if (ownPid > 0 && !processAlive(ownPid)) rmSync(l.dockerdPid + '.d', { force: true });
    const daemonJson = path.join(runtimeDir(), 'daemon.json');
    writeFileSync(daemonJson, JSON.stringify(DAEMON_JSON, null, 2));
    const pid = startDaemon(
      path.join(l.binDir, 'dockerd'),
      [
        '--config-file', daemonJson,
        '--data-root', l.dataRoot,
        '--exec-root', l.execRoot,
        '--pidfile', l.dockerdPid + '.d',
        '-H', `unix://${l.socket}`,
      ],
      { PATH: embeddedEnv(l).PATH as string },
      path.join(l.logDir, 'dockerd.log'),
    );
    writeFileSync(l.dockerdPid, String(pid));
    startedNow.push({ pid, file: l.dockerdPid });
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    const dockerOk = pidAlive(l.dockerdPid) !== undefined && (await dockerReady(l));
    const regOk = pidAlive(l.registryPid) !== undefined && (await registryReady(address));
    if (dockerOk && regOk) break;
    const dead = !pidAlive(l.dockerdPid) ? 'dockerd' : !pidAlive(l.registryPid) ? 'registry' : undefined;
    if (dead || Date.now() > deadline) {
      const logFile = path.join(l.logDir, dead === 'registry' ? 'registry.log' : 'dockerd.log');
      // The registry logs every 404 (a cache miss) at error level: leave those out.
      const logText = existsSync(logFile)
        ? tail(readFileSync(logFile, 'utf8').split('\n').filter((x) => !x.includes('response completed with error')).join('\n'), 15)
        : '';
      // Undo only what this call started; a component that was already running stays.
      if (startedNow.length === 2) await stopEmbedded();
      else for (const p of startedNow) await killAndWait(p.pid, p.file, 5000);
      throw new CachebenchError(`the embedded ${dead ?? 'engine'} did not become ready${dead ? ' (it exited)' : ' in 60 s'}:\n${logText}`, {
        hint: `see ${logFile}; \`cachebench doctor\` checks each piece`,
      });
    }
    await sleep(100);
  }
  return { provisioned, alreadyRunning, startMs: performance.now() - started };
}

async function killAndWait(pid: number, what: string, timeoutMs = 20_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  void what;
}

/** Mount points at or under one of `roots`, deepest first. */
export function mountsUnder(roots: string[], mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined && p !== '')
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => roots.some((r) => p === r || p.startsWith(r.endsWith('/') ? r : r + '/')));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Processes whose command line mentions one of `needles` (leftover shims, containerd). */
export function processesMentioning(needles: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (needles.some((n) => cmd.includes(n)) && Number(entry) !== process.pid) pids.push(Number(entry));
    } catch {
      /* exited */
    }
  }
  return pids;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
/** Stops dockerd (and its containerd), the registry, and unmounts everything under our dirs. */
export async function stopEmbedded(): Promise<{ stopMs: number; wasRunning: boolean }> {
  const started = performance.now();
  const l = layout();
  const dockerd = pidAlive(l.dockerdPid);
  const registry = pidAlive(l.registryPid);
  if (dockerd) await killAndWait(dockerd, 'dockerd');
  if (registry) await killAndWait(registry, 'registry', 5000);
  // dockerd normally stops its managed containerd and shims; make sure nothing of ours survives.
  for (const pid of processesMentioning([runtimeDir(), l.dataRoot])) await killAndWait(pid, 'leftover', 5000);
  for (const m of mountsUnder([l.dataRoot, runtimeDir()])) {
    await run('umount', [m], { reject: false });
    if (mountsUnder([m]).includes(m)) await run('umount', ['-l', m], { reject: false });
  }
  rmSync(runtimeDir(), { recursive: true, force: true });
  return { stopMs: performance.now() - started, wasRunning: dockerd !== undefined || registry !== undefined };
}
