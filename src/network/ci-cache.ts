/**
 * The CI cache service (`local` mode's cache directory is restored from it before the
 * build and saved to it after, as actions/cache does on a hosted runner), behind a link of
 * its own, shaped to `--ci-cache-profile`. The archives live in DIR/<key>.tar on this
 * machine either way; shaped, every byte of a restore or a save crosses the link (tar
 * streamed over HTTP to a blob server in the link's server namespace). The loopback
 * profile restores and saves with tar on the local disk (cachebench's earlier behaviour).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import { createLink, isShaped, type Link, type LinkMeasurement, type LinkProfile } from './link.ts';
import { freePort } from './registry-link.ts';
import { run } from '../proc.ts';
import { CachebenchError } from '../errors.ts';

const SERVER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ci-cache-server.mjs');
const SERVER_PORT = 5100;

export interface Transfer {
  ms: number;
  bytes: number;
}

export interface CiCache {
  profile: LinkProfile;
  /** The link as measured when it was opened (shaped profiles). */
  measured?: LinkMeasurement;
  /** Where a key's archive is stored on this machine (to check that it is there). */
  archivePath(key: string): string;
  /** Archives `fromDir` and saves it under `key`. */
  save(key: string, fromDir: string): Promise<Transfer>;
  /** Restores the archive saved under `key` into `toDir` (created). */
  restore(key: string, toDir: string): Promise<Transfer>;
  destroy(): Promise<void>;
}

/** Opens the CI cache of a run: archives under `dir`, behind a link shaped to `profile`. */
export async function openCiCache(profile: LinkProfile, dir: string, id: string, log: (s: string) => void = () => {}): Promise<CiCache> {
  mkdirSync(dir, { recursive: true });
  const archivePath = (key: string) => path.join(dir, `${key}.tar`);
  if (!isShaped(profile)) return localDisk(profile, archivePath);
  const link = await createLink({ id, profile, serverPort: SERVER_PORT, listenPort: await freePort() });
  try {
    link.spawnInServer(process.execPath, [SERVER_SCRIPT, dir, link.serverAddress, String(SERVER_PORT), String(process.pid)], { logFile: path.join(dir, 'server.log') });
    await waitHealthy(link, path.join(dir, 'server.log'));
    const measured = await link.measure();
    log(`CI cache (local mode) through a link of ${profile.rateMbit} Mbit/s, ${profile.rttMs} ms RTT (${profile.name}; measured ${measured.throughputMbit.toFixed(0)} Mbit/s down, ${measured.uploadMbit.toFixed(0)} up, ${measured.rttMs.toFixed(1)} ms)`);
    return { profile, measured, archivePath, save: (key, from) => upload(link, key, from), restore: (key, to) => download(link, key, to), destroy: () => link.destroy() };
  } catch (err) {
    await link.destroy();
    throw err;
  }
}

function localDisk(profile: LinkProfile, archivePath: (key: string) => string): CiCache {
  const timed = async (file: string, work: () => Promise<unknown>): Promise<Transfer> => {
    const t = performance.now();
    await work();
    return { ms: performance.now() - t, bytes: statSync(file).size };
  };
  return {
    profile,
    archivePath,
    save: (key, from) => timed(archivePath(key), () => run('tar', ['-cf', archivePath(key), '-C', from, '.'], { what: 'saving the CI cache archive' })),
    restore: (key, to) => {
      mkdirSync(to, { recursive: true });
      return timed(archivePath(key), () => run('tar', ['-xf', archivePath(key), '-C', to], { what: 'restoring the CI cache archive' }));
    },
    destroy: async () => {},
  };
}

async function waitHealthy(link: Link, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    // A timer of our own: AbortSignal.timeout's does not keep the process alive while the relay holds the connection.
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 3000);
    try {
      const r = await fetch(`http://${link.listenAddress}/healthz`, { signal: ac.signal });
      if (r.status === 204) return;
    } catch {
      /* not yet */
    } finally {
      clearTimeout(timer);
    }
    if (Date.now() > deadline) throw new CachebenchError(`the CI cache server on ${link.listenAddress} did not answer in 30 s`, { hint: `see ${logFile}` });
    await sleep(200);
  }
}

/** Counts the bytes that pass. */
async function* counted(src: Readable, count: { n: number }): AsyncGenerator<Buffer> {
  for await (const chunk of src) {
    count.n += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
}

/** `tar -c` of `from`, streamed over the link as the body of PUT /blobs/key. */
async function upload(link: Link, key: string, from: string): Promise<Transfer> {
  link.check();
  const t = performance.now();
  const tar = spawn('tar', ['-cf', '-', '-C', from, '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const count = { n: 0 };
  const req = http.request(`http://${link.listenAddress}/blobs/${key}`, { method: 'PUT', headers: { 'content-type': 'application/x-tar' } });
  const answered = new Promise<http.IncomingMessage>((resolve, reject) => req.once('response', resolve).once('error', reject));
  answered.catch(() => undefined); // awaited below; a failure that comes after tar's must not go unhandled
  await Promise.all([pipeline(counted(tar.stdout, count), req), exited(tar, 'tar -c of the CI cache directory')]);
  const res = await answered;
  res.resume();
  if (res.statusCode !== 201) throw new CachebenchError(`saving the CI cache "${key}" failed: HTTP ${res.statusCode}`);
  return { ms: performance.now() - t, bytes: count.n };
}

/** GET /blobs/key over the link, streamed into `tar -x` in `to`. */
async function download(link: Link, key: string, to: string): Promise<Transfer> {
  link.check();
  mkdirSync(to, { recursive: true });
  const t = performance.now();
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(`http://${link.listenAddress}/blobs/${key}`, resolve).once('error', reject));
  if (res.statusCode !== 200) {
    res.resume();
    throw new CachebenchError(`restoring the CI cache "${key}" failed: HTTP ${res.statusCode}`, { hint: 'the seed saves it; --resume re-runs a seed whose archive is gone' });
  }
  const tar = spawn('tar', ['-xf', '-', '-C', to], { stdio: ['pipe', 'ignore', 'pipe'] });
  const count = { n: 0 };
  await Promise.all([pipeline(counted(res, count), tar.stdin as Writable), exited(tar, 'tar -x of the CI cache archive')]);
  return { ms: performance.now() - t, bytes: count.n };
}

function exited(child: ReturnType<typeof spawn>, what: string): Promise<void> {
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new CachebenchError(`${what} failed (exit ${code}): ${err.trim().slice(-500)}`))));
  });
}
