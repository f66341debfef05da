/**
 * Trimming a debootstrapped root filesystem to what a container image needs (as
 * debian:*-slim does) and removing the traces of the host and of the time it was made, so
 * the rootfs tar is small and the same for the same inputs.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../proc.ts';
import { normalizeShadow } from './accounts.ts';

/** Bumped when the trimming or the rootfs tweaks below change (part of the rootfs key). */
export const ROOTFS_LAYOUT = 'trim-v1';

const EMPTIED = ['var/lib/apt/lists', 'var/cache/apt', 'var/log', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'usr/share/groff', 'usr/share/lintian', 'usr/share/linda', 'tmp', 'var/tmp', 'dev', 'proc', 'sys', 'run'];
const HOST_TRACES = ['etc/hostname', 'etc/resolv.conf', 'etc/machine-id', 'var/cache/ldconfig/aux-cache', 'etc/passwd-', 'etc/group-', 'etc/shadow-', 'etc/gshadow-', 'etc/subuid-', 'etc/subgid-'];

/** What debian:*-slim configures, so a later `apt-get install` in derived images stays as lean. */
const DPKG_EXCLUDES = [
  '# Trimmed like debian:*-slim: no docs (but copyright), man pages or translations.',
  'path-exclude /usr/share/doc/*',
  'path-include /usr/share/doc/*/copyright',
  'path-exclude /usr/share/man/*',
  'path-exclude /usr/share/groff/*',
  'path-exclude /usr/share/info/*',
  'path-exclude /usr/share/locale/*',
  'path-exclude /usr/share/lintian/*',
  'path-exclude /usr/share/linda/*',
  '',
].join('\n');
const APT_CLEAN = [
  'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
  'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
  'Dir::Cache::pkgcache "";',
  'Dir::Cache::srcpkgcache "";',
  '',
].join('\n');

/** Removes what a container image does not need (as debian:*-slim does) and host traces. */
export async function trimRootfs(root: string): Promise<void> {
  for (const rel of EMPTIED) emptyDir(root, rel);
  recreateAptPartialDirs(root);
  await keepCopyrightDocsOnly(root);
  removeHostTraces(root);
  writeSlimConfig(root);
}

function emptyDir(root: string, rel: string): void {
  const d = path.join(root, rel);
  if (!existsSync(d)) return;
  for (const e of readdirSync(d)) rmSync(path.join(d, e), { recursive: true, force: true });
}

function recreateAptPartialDirs(root: string): void {
  mkdirSync(path.join(root, 'var/lib/apt/lists/partial'), { recursive: true });
  mkdirSync(path.join(root, 'var/cache/apt/archives/partial'), { recursive: true });
  // apt's sandbox user owns its partial dirs in a real install.
  const aptUid = /^_apt:x:(\d+):(\d+):/m.exec(readFileSync(path.join(root, 'etc/passwd'), 'utf8'));
  if (aptUid) {
    for (const p of ['var/lib/apt/lists/partial', 'var/cache/apt/archives/partial']) chownSync(path.join(root, p), Number(aptUid[1]), 0);
    chmodSync(path.join(root, 'var/lib/apt/lists/partial'), 0o700);
    chmodSync(path.join(root, 'var/cache/apt/archives/partial'), 0o700);
  }
}

/** Docs: keep each package's copyright file only. */
async function keepCopyrightDocsOnly(root: string): Promise<void> {
  const doc = path.join(root, 'usr/share/doc');
  if (existsSync(doc)) {
    await run('find', [doc, '-mindepth', '1', '!', '-type', 'd', '!', '-name', 'copyright', '-delete']);
    await run('find', [doc, '-mindepth', '1', '-type', 'd', '-empty', '-delete']);
  }
}

/** Host traces and timestamps debootstrap leaves behind. */
function removeHostTraces(root: string): void {
  for (const rel of HOST_TRACES) rmSync(path.join(root, rel), { force: true });
  for (const dir of ['var/cache/debconf', 'var/lib/dpkg']) {
    const d = path.join(root, dir);
    if (existsSync(d)) for (const f of readdirSync(d)) if (f.endsWith('-old')) rmSync(path.join(d, f), { force: true });
  }
  const shadow = path.join(root, 'etc/shadow');
  if (existsSync(shadow)) writeFileSync(shadow, normalizeShadow(readFileSync(shadow, 'utf8')));
}

function writeSlimConfig(root: string): void {
  mkdirSync(path.join(root, 'etc/dpkg/dpkg.cfg.d'), { recursive: true });
  writeFileSync(path.join(root, 'etc/dpkg/dpkg.cfg.d/docker'), DPKG_EXCLUDES);
  writeFileSync(path.join(root, 'etc/apt/apt.conf.d/docker-clean'), APT_CLEAN);
}
