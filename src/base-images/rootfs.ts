/**
 * The Debian root filesystem under the local .NET images: a debootstrap minbase of the
 * machine's own Debian mirror with the runtime-deps packages, trimmed (rootfs-trim.ts) and
 * kept as a reproducible tar (fixed owners, mtimes and order), made once per machine and
 * cached under cacheHome()/base-images/, keyed by its inputs. Also how layers are put
 * into a build context and read back.
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cacheHome } from '../paths.ts';
import { run } from '../proc.ts';
import { CachebenchError } from '../errors.ts';
import { discoverDebianMirror, readAptSources } from '../engine/provision.ts';
import { mountsUnder } from '../engine/embedded.ts';
import { findDebootstrap, runDebootstrap, type Debootstrap } from './debootstrap.ts';
import { ROOTFS_LAYOUT, trimRootfs } from './rootfs-trim.ts';

/**
 * Bump when anything the .NET recipes put into an image changes (this folder's rootfs,
 * deps, dotnet and runtime-deps layers): it leads every one of their inputs.
 */
export const RECIPE_VERSION = 'dotnet-v1';
export const DEBIAN_SUITE = 'bookworm';
/** The official runtime-deps package set (zlib is not needed since .NET 9). */
export const ROOTFS_PACKAGES = ['ca-certificates', 'libicu72', 'libssl3', 'libstdc++6', 'libgcc-s1', 'tzdata'] as const;
/** tar arguments that fix mtimes and order (owners as numbers): same tree, same bytes. */
export const TAR_FIXED = ['--numeric-owner', '--mtime=@0', '--sort=name'];

/** Short, host-name-free fingerprint of a string (the mirror URL goes into keys only this way). */
export function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

export function baseImagesDir(): string {
  return path.join(cacheHome(), 'base-images');
}

export function debianMirror(): string {
  const mirror = discoverDebianMirror(readAptSources());
  if (!mirror) {
    throw new CachebenchError('no Debian archive found in /etc/apt/sources.list*', {
      exitCode: 2,
      hint: 'the .NET base images start from a Debian root filesystem made with debootstrap; configure a Debian mirror in apt',
    });
  }
  return mirror;
}

/** What the debootstrapped root filesystem depends on. */
export function rootfsInputs(mirror: string): string {
  return [RECIPE_VERSION, ROOTFS_LAYOUT, `suite=${DEBIAN_SUITE}`, 'variant=minbase', `mirror=${fingerprint(mirror)}`, `packages=${ROOTFS_PACKAGES.join(',')}`].join(' ');
}

async function unmountUnder(dir: string): Promise<void> {
  for (const m of mountsUnder([dir])) {
    await run('umount', [m], { reject: false });
    if (mountsUnder([m]).includes(m)) await run('umount', ['-l', m], { reject: false });
  }
  if (mountsUnder([dir]).length > 0) {
    throw new CachebenchError(`could not unmount everything under ${dir}; not deleting it`, { hint: `check \`grep ${dir} /proc/self/mountinfo\`` });
  }
}

export interface RootfsInfo {
  tarball: string;
  key: string;
  /** 0 when it came from the cache. */
  debootstrapMs: number;
  /** du of the tree before and after trimming (only when made now). */
  bytesBefore?: number;
  bytesAfter?: number;
}

async function duBytes(dir: string): Promise<number> {
  const r = await run('du', ['-sb', dir]);
  return Number(r.stdout.split(/\s/)[0]);
}

/** The trimmed Debian rootfs as a reproducible tar, made once per machine and inputs. */
export async function ensureRootfs(log: (s: string) => void = () => {}): Promise<RootfsInfo> {
  const mirror = debianMirror();
  const key = fingerprint(rootfsInputs(mirror));
  const dir = baseImagesDir();
  const tarball = path.join(dir, `rootfs-${DEBIAN_SUITE}-${key}.tar`);
  if (existsSync(tarball)) return { tarball, key, debootstrapMs: 0 };
  if (process.getuid?.() !== 0) {
    throw new CachebenchError('making the .NET base images\' root filesystem needs root (debootstrap)', {
      exitCode: 2,
      hint: 'run as root once on this machine; the result is cached under ' + dir,
    });
  }
  mkdirSync(dir, { recursive: true });
  const tool = await findDebootstrap({ mirror, suite: DEBIAN_SUITE, cacheDir: dir }, log);
  const work = path.join(dir, `work-${process.pid}`);
  const root = path.join(work, 'rootfs');
  await unmountUnder(work);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  try {
    const made = await makeRootfs(tool, work, root, mirror, log);
    await writeRootfsTar(root, tarball, { inputs: rootfsInputs(mirror), debootstrapMs: Math.round(made.debootstrapMs), bytesBefore: made.bytesBefore, bytesAfter: made.bytesAfter });
    log(`base image: rootfs ${(made.bytesBefore / 1e6).toFixed(0)} MB → ${(made.bytesAfter / 1e6).toFixed(0)} MB after trimming (debootstrap ${(made.debootstrapMs / 1000).toFixed(1)} s)`);
    return { tarball, key, ...made };
  } finally {
    await unmountUnder(work);
    rmSync(work, { recursive: true, force: true });
  }
}

/** debootstrap into `root` (inside `work`), then trimming, measured. */
async function makeRootfs(tool: Debootstrap, work: string, root: string, mirror: string, log: (s: string) => void) {
  log(`base image: debootstrap ${DEBIAN_SUITE} (minbase + ${ROOTFS_PACKAGES.join(', ')}) from the machine's Debian mirror`);
  const debootstrapMs = await runDebootstrap(tool, DEBIAN_SUITE, ROOTFS_PACKAGES, root, mirror);
  await unmountUnder(work);
  const bytesBefore = await duBytes(root);
  await trimRootfs(root);
  const bytesAfter = await duBytes(root);
  return { debootstrapMs, bytesBefore, bytesAfter };
}

/** The tar, put in place atomically, and next to it a .json saying how it was made and which packages it holds. */
async function writeRootfsTar(root: string, tarball: string, record: { inputs: string; debootstrapMs: number; bytesBefore: number; bytesAfter: number }): Promise<void> {
  const pkgs = await run('dpkg-query', [`--admindir=${path.join(root, 'var/lib/dpkg')}`, '-W', '-f', '${Package}=${Version}\\n']);
  const tmp = `${tarball}.tmp-${process.pid}`;
  // Owners are kept as they are (root, plus e.g. group shadow and user _apt); mtimes and order fixed.
  await run('tar', [...TAR_FIXED, '-C', root, '-cf', tmp, '.'], { what: 'tar of the root filesystem' });
  renameSync(tmp, tarball);
  writeFileSync(tarball.replace(/\.tar$/, '.json'), JSON.stringify({ ...record, packages: pkgs.stdout.split('\n').filter(Boolean) }, null, 2) + '\n');
}

/** Puts a cached tar into a build context: a hard link, or a copy across file systems. */
export function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** Reads a few /etc files out of the rootfs tar. */
export async function readFromTar(tarball: string, rel: string): Promise<string | undefined> {
  const r = await run('tar', ['-xOf', tarball, `./${rel}`], { reject: false });
  return r.exitCode === 0 ? r.stdout + (r.stdout.endsWith('\n') || r.stdout === '' ? '' : '\n') : undefined;
}
