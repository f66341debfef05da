/**
 * .NET base images with no outside registry: local equivalents of the official
 * `dotnet/sdk:10.0` and `dotnet/aspnet:10.0` images.
 *
 * Layers (the aspnet image's three layers are the first three of the sdk image's, so the
 * registry stores them once):
 *   1. rootfs.tar   a Debian minbase root filesystem (`debootstrap` against the machine's
 *                   own Debian mirror) with the runtime-deps packages, trimmed of apt
 *                   lists, docs, man pages and locales. Cached per machine under
 *                   cacheHome()/base-images/, keyed by its inputs.
 *   2. deps.tar     what runtime-deps adds on top: the host's CA trust (see
 *                   CACHEBENCH_CA_BUNDLE below), the `app` user (uid/gid 1654) and the
 *                   /usr/bin/dotnet link.
 *   3. runtime.tar  the host's dotnet host, host/fxr, shared/Microsoft.NETCore.App and
 *                   shared/Microsoft.AspNetCore.App (one version each).
 *   4. sdk.tar      (sdk only) sdk/<v>, sdk-manifests, packs, templates. No NuGet packages:
 *                   a restore inside a build downloads.
 * Every tar is made with fixed owners, mtimes and order, and ensureBaseImage builds with
 * SOURCE_DATE_EPOCH=0, so the same inputs give the same image digest.
 *
 * Corporate TLS proxy option: CACHEBENCH_CA_BUNDLE (default
 * /etc/ssl/certs/ca-certificates.crt) names the PEM bundle the images trust, replacing
 * the image's own /etc/ssl/certs/ca-certificates.crt; the host's
 * /usr/local/share/ca-certificates/*.crt are copied along. A host that reaches package
 * registries through a TLS-intercepting proxy trusts the proxy's CA this way, and so do
 * `dotnet restore` and anything else that runs inside builds on these images. Its hash is
 * part of the images' inputs.
 *
 * Same situation, second setting: behind such a proxy the certificate revocation servers
 * NuGet asks while verifying package signatures are often unreachable, and each check
 * waits for a timeout (measured here: the sample fixture's `dotnet restore` step took
 * 281 s with online checks, 13-16 s with NUGET_CERT_REVOCATION_MODE=offline). A host that sets NUGET_CERT_REVOCATION_MODE (`offline`
 * or `online`) gets the same value in the sdk image's environment, so restores in builds
 * behave as they do on the host; unset, the image keeps NuGet's default (online). The
 * value is part of the sdk image's inputs.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { cacheHome } from './paths.ts';
import { run } from './proc.ts';
import { CachebenchError, tail } from './errors.ts';
import { discoverDebianMirror, readAptSources } from './engine/provision.ts';
import { mountsUnder } from './engine/embedded.ts';
import { registerRecipe, type BaseImageRecipe } from './base-images.ts';

/** Bump when anything this file puts into an image changes. */
export const RECIPE_VERSION = 'dotnet-v1';
/** The release line the images stand for (sdk:10.0 / aspnet:10.0). */
export const DOTNET_CHANNEL = '10.0';
export const DEBIAN_SUITE = 'bookworm';
/** The official runtime-deps package set (zlib is not needed since .NET 9). */
export const ROOTFS_PACKAGES = ['ca-certificates', 'libicu72', 'libssl3', 'libstdc++6', 'libgcc-s1', 'tzdata'] as const;
export const APP_UID = 1654;
export const DEFAULT_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const LOCAL_CA_DIR = '/usr/local/share/ca-certificates';
const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
/** Bumped when the trimming or the rootfs tweaks below change (part of the rootfs key). */
const ROOTFS_LAYOUT = 'trim-v1';
const TAR_FIXED = ['--numeric-owner', '--mtime=@0', '--sort=name'];
const TAR_ROOT_OWNED = [...TAR_FIXED, '--owner=0', '--group=0'];

// ---------------------------------------------------------------------------------------
// Pure helpers

export interface ListedSdk {
  version: string;
  /** The `sdk` folder, e.g. /usr/share/dotnet/sdk. */
  dir: string;
}

export interface ListedRuntime {
  name: string;
  version: string;
  /** The framework folder, e.g. /usr/share/dotnet/shared/Microsoft.NETCore.App. */
  dir: string;
}

/** `dotnet --list-sdks`: lines like `10.0.401 [/usr/share/dotnet/sdk]`. */
export function parseListSdks(out: string): ListedSdk[] {
  const sdks: ListedSdk[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+\.\d+\.\d+\S*)\s+\[(.+)\]\s*$/.exec(line);
    if (m?.[1] && m[2]) sdks.push({ version: m[1], dir: m[2] });
  }
  return sdks;
}

/** `dotnet --list-runtimes`: lines like `Microsoft.NETCore.App 10.0.12 [/usr/share/dotnet/shared/Microsoft.NETCore.App]`. */
export function parseListRuntimes(out: string): ListedRuntime[] {
  const runtimes: ListedRuntime[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(\S+)\s+(\d+\.\d+\.\d+\S*)\s+\[(.+)\]\s*$/.exec(line);
    if (m?.[1] && m[2] && m[3]) runtimes.push({ name: m[1], version: m[2], dir: m[3] });
  }
  return runtimes;
}

/** Semantic-version order: numeric core, a release sorts after its prereleases. */
export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = splitPre(a);
  const [coreB = '', preB] = splitPre(b);
  const ca = coreA.split('.').map(Number);
  const cb = coreB.split('.').map(Number);
  for (let i = 0; i < Math.max(ca.length, cb.length); i++) {
    const d = (ca[i] ?? 0) - (cb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (preA === undefined || preB === undefined) return preA === preB ? 0 : preA === undefined ? 1 : -1;
  const pa = preA.split('.');
  const pb = preB.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Math.sign(Number(x) - Number(y));
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function splitPre(v: string): [string, string | undefined] {
  const i = v.indexOf('-');
  return i < 0 ? [v, undefined] : [v.slice(0, i), v.slice(i + 1)];
}

function inChannel(version: string, channel: string): boolean {
  return version === channel || version.startsWith(`${channel}.`);
}

function newest<T extends { version: string }>(items: T[]): T | undefined {
  return [...items].sort((a, b) => compareVersions(b.version, a.version))[0];
}

export interface DotnetSelection {
  /** The dotnet root on the host (the folder holding the `dotnet` executable). */
  root: string;
  sdkVersion: string | undefined;
  netcoreVersion: string;
  aspnetVersion: string;
}

/**
 * The newest SDK and the newest Microsoft.NETCore.App / Microsoft.AspNetCore.App of
 * `channel` (e.g. "10.0"). `needSdk` false allows a host with runtimes only.
 */
export function selectDotnet(channel: string, sdks: ListedSdk[], runtimes: ListedRuntime[], needSdk: boolean): DotnetSelection {
  const sdk = newest(sdks.filter((s) => inChannel(s.version, channel)));
  const pick = (name: string) => newest(runtimes.filter((r) => r.name === name && inChannel(r.version, channel)));
  const netcore = pick('Microsoft.NETCore.App');
  const aspnet = pick('Microsoft.AspNetCore.App');
  const missing = [
    ...(needSdk && !sdk ? [`a .NET SDK ${channel}.x`] : []),
    ...(!netcore ? [`Microsoft.NETCore.App ${channel}.x`] : []),
    ...(!aspnet ? [`Microsoft.AspNetCore.App ${channel}.x`] : []),
  ];
  if (missing.length > 0 || !netcore || !aspnet) {
    throw new CachebenchError(`the host's .NET install has no ${missing.join(', ')}`, {
      exitCode: 2,
      hint: `the .NET base images are made from the host's own .NET ${channel}; install the .NET ${channel} SDK (check \`dotnet --list-sdks\` and \`dotnet --list-runtimes\`)`,
    });
  }
  // <root>/shared/Microsoft.NETCore.App → <root>
  const root = path.dirname(path.dirname(netcore.dir));
  return { root, sdkVersion: sdk?.version, netcoreVersion: netcore.version, aspnetVersion: aspnet.version };
}

export type DotnetFlavor = 'aspnet' | 'sdk';

/**
 * What a dotnet layer holds, relative to the dotnet root: `dirs` are added as bare
 * directory entries (so every parent is in the tar with a fixed mtime), `trees` whole.
 */
export function dotnetLayerMembers(layer: 'runtime' | 'sdk', sel: DotnetSelection, fxrVersion: string): { dirs: string[]; trees: string[] } {
  if (layer === 'runtime') {
    return {
      dirs: ['.', 'host', 'host/fxr', 'shared', 'shared/Microsoft.AspNetCore.App', 'shared/Microsoft.NETCore.App'],
      trees: [
        'LICENSE.txt',
        'ThirdPartyNotices.txt',
        'dotnet',
        `host/fxr/${fxrVersion}`,
        `shared/Microsoft.AspNetCore.App/${sel.aspnetVersion}`,
        `shared/Microsoft.NETCore.App/${sel.netcoreVersion}`,
      ],
    };
  }
  if (!sel.sdkVersion) throw new CachebenchError('no SDK selected for the sdk layer');
  return { dirs: ['.', 'sdk'], trees: ['dnx', 'packs', 'sdk-manifests', `sdk/${sel.sdkVersion}`, 'templates'] };
}

/** Where the images keep dotnet (the official images' DOTNET_ROOT). */
export const DOTNET_DIR = 'usr/share/dotnet';

/**
 * tar arguments for a dotnet layer extracted at `/`: members are named under
 * usr/share/dotnet/ (symlink targets untouched), and the folder itself is an entry. Made to
 * be added at `/`, not at /usr/share/dotnet/: BuildKit stamps the current time on an ADD's
 * destination folder, while folders that are entries of the tar keep the tar's mtime.
 */
export function dotnetTarArgs(out: string, dotnetRoot: string, dirs: string[], trees: string[]): string[] {
  return [
    ...TAR_ROOT_OWNED,
    `--transform=s,^,${DOTNET_DIR}/,rSh`,
    '--transform=s,/\\.$,,rSh',
    '-C', dotnetRoot,
    '-cf', out,
    '--no-recursion', ...dirs,
    '--recursion', ...trees,
  ];
}

export interface ImageEnv {
  [name: string]: string;
}

/** Host settings the sdk image takes over (see the corporate TLS proxy note at the top). */
export function hostNugetEnv(env: NodeJS.ProcessEnv = process.env): ImageEnv {
  const mode = env.NUGET_CERT_REVOCATION_MODE?.trim().toLowerCase();
  return mode === 'offline' || mode === 'online' ? { NUGET_CERT_REVOCATION_MODE: mode } : {};
}

/** The environment of the official images (runtime-deps + aspnet, plus sdk's own and `extra`). */
export function imageEnv(flavor: DotnetFlavor, sel: DotnetSelection, extra: ImageEnv = {}): ImageEnv {
  const env: ImageEnv = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/share/dotnet',
    APP_UID: String(APP_UID),
    ASPNETCORE_HTTP_PORTS: '8080',
    DOTNET_RUNNING_IN_CONTAINER: 'true',
    DOTNET_VERSION: sel.netcoreVersion,
    ASPNET_VERSION: sel.aspnetVersion,
  };
  if (flavor === 'sdk') {
    if (!sel.sdkVersion) throw new CachebenchError('no SDK selected for the sdk image');
    Object.assign(env, {
      DOTNET_GENERATE_ASPNET_CERTIFICATE: 'false',
      DOTNET_NOLOGO: 'true',
      DOTNET_SDK_VERSION: sel.sdkVersion,
      DOTNET_USE_POLLING_FILE_WATCHER: 'true',
      NUGET_XMLDOC_MODE: 'skip',
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
      ...extra,
    });
  }
  return env;
}

/** `FROM scratch`, one ADD per layer, one ENV line (no layer), CMD like Debian's. */
export function renderDockerfile(layers: Array<{ file: string; dest: string }>, env: ImageEnv): string {
  const lines = ['FROM scratch'];
  for (const l of layers) lines.push(`ADD ${l.file} ${l.dest}`);
  const pairs = Object.entries(env).map(([k, v]) => `${k}=${/^[\w./:-]*$/.test(v) ? v : JSON.stringify(v)}`);
  lines.push(`ENV ${pairs.join(' \\\n    ')}`);
  lines.push('CMD ["bash"]');
  return lines.join('\n') + '\n';
}

export interface AccountFiles {
  passwd: string;
  group: string;
  shadow?: string | undefined;
  gshadow?: string | undefined;
}

/** Adds the `app` user and group (what `useradd --uid 1654 --create-home app` would). */
export function addAppUser(files: AccountFiles, uid = APP_UID): AccountFiles {
  const has = (text: string | undefined, name: string) => (text ?? '').split('\n').some((l) => l.startsWith(`${name}:`));
  const append = (text: string, line: string) => (text === '' || text.endsWith('\n') ? text : text + '\n') + line + '\n';
  const out: AccountFiles = { ...files };
  if (!has(files.passwd, 'app')) out.passwd = append(files.passwd, `app:x:${uid}:${uid}::/home/app:/bin/sh`);
  if (!has(files.group, 'app')) out.group = append(files.group, `app:x:${uid}:`);
  if (files.shadow !== undefined && !has(files.shadow, 'app')) out.shadow = append(files.shadow, 'app:!::0:99999:7:::');
  if (files.gshadow !== undefined && !has(files.gshadow, 'app')) out.gshadow = append(files.gshadow, 'app:!::');
  return out;
}

/** Clears the "last password change" day in /etc/shadow, the one date debootstrap writes. */
export function normalizeShadow(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const f = line.split(':');
      if (f.length < 9) return line;
      f[2] = '';
      return f.join(':');
    })
    .join('\n');
}

/** The debootstrap command line (without the program itself). */
export function debootstrapArgs(suite: string, packages: readonly string[], dir: string, mirror: string): string[] {
  return ['--variant=minbase', `--include=${packages.join(',')}`, suite, dir, mirror];
}

/** Short, host-name-free fingerprint of a string (the mirror URL goes into keys only this way). */
export function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

// ---------------------------------------------------------------------------------------
// Host discovery

export function baseImagesDir(): string {
  return path.join(cacheHome(), 'base-images');
}

function debianMirror(): string {
  const mirror = discoverDebianMirror(readAptSources());
  if (!mirror) {
    throw new CachebenchError('no Debian archive found in /etc/apt/sources.list*', {
      exitCode: 2,
      hint: 'the .NET base images start from a Debian root filesystem made with debootstrap; configure a Debian mirror in apt',
    });
  }
  return mirror;
}

let hostDotnet: Promise<{ sdks: ListedSdk[]; runtimes: ListedRuntime[] }> | undefined;

async function listHostDotnet(): Promise<{ sdks: ListedSdk[]; runtimes: ListedRuntime[] }> {
  hostDotnet ??= (async () => {
    const env = { DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' };
    const hint = 'install the .NET SDK on the host: the .NET base images are made from it';
    const sdks = await run('dotnet', ['--list-sdks'], { env, what: 'dotnet --list-sdks', hint });
    const runtimes = await run('dotnet', ['--list-runtimes'], { env, what: 'dotnet --list-runtimes', hint });
    return { sdks: parseListSdks(sdks.stdout), runtimes: parseListRuntimes(runtimes.stdout) };
  })();
  try {
    return await hostDotnet;
  } catch (err) {
    hostDotnet = undefined;
    throw err;
  }
}

async function selectHostDotnet(flavor: DotnetFlavor): Promise<DotnetSelection> {
  const { sdks, runtimes } = await listHostDotnet();
  return selectDotnet(DOTNET_CHANNEL, sdks, runtimes, flavor === 'sdk');
}

/** host/fxr/<v>: the one matching the runtime if present, else the newest. */
function fxrVersion(sel: DotnetSelection): string {
  const dir = path.join(sel.root, 'host', 'fxr');
  const versions = existsSync(dir) ? readdirSync(dir) : [];
  if (versions.includes(sel.netcoreVersion)) return sel.netcoreVersion;
  const best = [...versions].sort((a, b) => compareVersions(b, a))[0];
  if (!best) throw new CachebenchError(`the host's .NET install has no ${dir}/<version>`, { hint: 'repair or reinstall the .NET SDK' });
  return best;
}

/** The CA bundle to bake in: CACHEBENCH_CA_BUNDLE, else the system bundle if there is one. */
function caBundlePath(): string | undefined {
  const set = process.env.CACHEBENCH_CA_BUNDLE;
  if (set !== undefined && set !== '') {
    if (!existsSync(set)) {
      throw new CachebenchError(`CACHEBENCH_CA_BUNDLE=${set} does not exist`, {
        exitCode: 2,
        hint: 'point it at a PEM bundle of the CAs builds must trust (e.g. your corporate TLS proxy\'s), or unset it',
      });
    }
    return set;
  }
  return existsSync(DEFAULT_CA_BUNDLE) ? DEFAULT_CA_BUNDLE : undefined;
}

function localCaFiles(): string[] {
  if (!existsSync(LOCAL_CA_DIR)) return [];
  return readdirSync(LOCAL_CA_DIR)
    .filter((f) => f.endsWith('.crt'))
    .sort();
}

/** Hash of the CA bundle and the local CA files: what the images' trust depends on. */
function caFingerprint(): string {
  const h = createHash('sha256');
  const bundle = caBundlePath();
  h.update(bundle ? readFileSync(bundle) : 'none');
  for (const f of localCaFiles()) h.update(`\0${f}\0`).update(readFileSync(path.join(LOCAL_CA_DIR, f)));
  return h.digest('hex').slice(0, 16);
}

// ---------------------------------------------------------------------------------------
// debootstrap, obtained privately when the machine has none

async function findDebootstrap(mirror: string, log: (s: string) => void): Promise<{ bin: string; env: Record<string, string> }> {
  const onPath = await run('sh', ['-c', 'command -v debootstrap'], { reject: false });
  if (onPath.exitCode === 0 && onPath.stdout.trim() !== '') return { bin: onPath.stdout.trim(), env: {} };
  const tools = path.join(baseImagesDir(), 'tools', 'debootstrap');
  const bin = path.join(tools, 'usr', 'sbin', 'debootstrap');
  const env = { DEBOOTSTRAP_DIR: path.join(tools, 'usr', 'share', 'debootstrap') };
  if (existsSync(bin) && existsSync(env.DEBOOTSTRAP_DIR)) return { bin, env };

  // A private apt (own source list, lists and cache): the machine's apt state is untouched.
  log('base image: fetching debootstrap into the cache (apt-get download + dpkg -x)');
  const apt = path.join(baseImagesDir(), 'apt');
  for (const sub of ['lists/partial', 'cache/archives/partial', 'sources.list.d', 'preferences.d', 'debs']) {
    mkdirSync(path.join(apt, sub), { recursive: true });
  }
  const signed = existsSync(DEBIAN_KEYRING) ? `[signed-by=${DEBIAN_KEYRING}] ` : '';
  writeFileSync(path.join(apt, 'sources.list'), `deb ${signed}${mirror} ${DEBIAN_SUITE} main\n`);
  const opts = [
    '-o', `Dir::Etc::SourceList=${apt}/sources.list`,
    '-o', `Dir::Etc::SourceParts=${apt}/sources.list.d`,
    '-o', `Dir::Etc::Preferences=${apt}/preferences`,
    '-o', `Dir::Etc::PreferencesParts=${apt}/preferences.d`,
    '-o', `Dir::State::Lists=${apt}/lists`,
    '-o', `Dir::Cache=${apt}/cache`,
    '-o', 'Dir::State::status=/dev/null',
    '-o', 'Debug::NoLocking=1',
    '-o', 'APT::Sandbox::User=root',
  ];
  const hint = 'the Debian archive configured in /etc/apt must be reachable (or install debootstrap: apt-get install debootstrap)';
  await run('apt-get', [...opts, 'update'], { what: 'apt-get update (private lists for debootstrap)', hint });
  const debs = path.join(apt, 'debs');
  rmSync(debs, { recursive: true, force: true });
  mkdirSync(debs, { recursive: true });
  await run('apt-get', [...opts, 'download', 'debootstrap'], { cwd: debs, what: 'apt-get download debootstrap', hint });
  const deb = readdirSync(debs).find((f) => f.startsWith('debootstrap_') && f.endsWith('.deb'));
  if (!deb) throw new CachebenchError('apt-get download debootstrap produced no .deb', { hint });
  const staging = `${tools}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await run('dpkg', ['-x', path.join(debs, deb), staging], { what: `dpkg -x ${deb}` });
  rmSync(tools, { recursive: true, force: true });
  renameSync(staging, tools);
  rmSync(path.join(apt, 'lists'), { recursive: true, force: true });
  if (!existsSync(bin)) throw new CachebenchError(`the debootstrap package has no usr/sbin/debootstrap`);
  return { bin, env };
}

// ---------------------------------------------------------------------------------------
// The root filesystem (cached tarball)

/** What the debootstrapped root filesystem depends on. */
function rootfsInputs(mirror: string): string {
  return [RECIPE_VERSION, ROOTFS_LAYOUT, `suite=${DEBIAN_SUITE}`, 'variant=minbase', `mirror=${fingerprint(mirror)}`, `packages=${ROOTFS_PACKAGES.join(',')}`].join(' ');
}

/** Removes what a container image does not need (as debian:*-slim does) and host traces. */
async function trimRootfs(root: string): Promise<void> {
  const emptyDir = (rel: string) => {
    const d = path.join(root, rel);
    if (!existsSync(d)) return;
    for (const e of readdirSync(d)) rmSync(path.join(d, e), { recursive: true, force: true });
  };
  for (const rel of ['var/lib/apt/lists', 'var/cache/apt', 'var/log', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'usr/share/groff', 'usr/share/lintian', 'usr/share/linda', 'tmp', 'var/tmp', 'dev', 'proc', 'sys', 'run']) {
    emptyDir(rel);
  }
  mkdirSync(path.join(root, 'var/lib/apt/lists/partial'), { recursive: true });
  mkdirSync(path.join(root, 'var/cache/apt/archives/partial'), { recursive: true });
  // apt's sandbox user owns its partial dirs in a real install.
  const aptUid = /^_apt:x:(\d+):(\d+):/m.exec(readFileSync(path.join(root, 'etc/passwd'), 'utf8'));
  if (aptUid) {
    for (const p of ['var/lib/apt/lists/partial', 'var/cache/apt/archives/partial']) chownSync(path.join(root, p), Number(aptUid[1]), 0);
    chmodSync(path.join(root, 'var/lib/apt/lists/partial'), 0o700);
    chmodSync(path.join(root, 'var/cache/apt/archives/partial'), 0o700);
  }
  // Docs: keep each package's copyright file only.
  const doc = path.join(root, 'usr/share/doc');
  if (existsSync(doc)) {
    await run('find', [doc, '-mindepth', '1', '!', '-type', 'd', '!', '-name', 'copyright', '-delete']);
    await run('find', [doc, '-mindepth', '1', '-type', 'd', '-empty', '-delete']);
  }
  // Host traces and timestamps debootstrap leaves behind.
  for (const rel of ['etc/hostname', 'etc/resolv.conf', 'etc/machine-id', 'var/cache/ldconfig/aux-cache', 'etc/passwd-', 'etc/group-', 'etc/shadow-', 'etc/gshadow-', 'etc/subuid-', 'etc/subgid-']) {
    rmSync(path.join(root, rel), { force: true });
  }
  for (const dir of ['var/cache/debconf', 'var/lib/dpkg']) {
    const d = path.join(root, dir);
    if (existsSync(d)) for (const f of readdirSync(d)) if (f.endsWith('-old')) rmSync(path.join(d, f), { force: true });
  }
  const shadow = path.join(root, 'etc/shadow');
  if (existsSync(shadow)) writeFileSync(shadow, normalizeShadow(readFileSync(shadow, 'utf8')));
  // Keep later `apt-get install` in derived images as lean (what debian:*-slim configures).
  mkdirSync(path.join(root, 'etc/dpkg/dpkg.cfg.d'), { recursive: true });
  writeFileSync(
    path.join(root, 'etc/dpkg/dpkg.cfg.d/docker'),
    [
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
    ].join('\n'),
  );
  writeFileSync(
    path.join(root, 'etc/apt/apt.conf.d/docker-clean'),
    [
      'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
      'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
      'Dir::Cache::pkgcache "";',
      'Dir::Cache::srcpkgcache "";',
      '',
    ].join('\n'),
  );
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
  const { bin, env } = await findDebootstrap(mirror, log);
  const work = path.join(dir, `work-${process.pid}`);
  const root = path.join(work, 'rootfs');
  await unmountUnder(work);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  try {
    log(`base image: debootstrap ${DEBIAN_SUITE} (minbase + ${ROOTFS_PACKAGES.join(', ')}) from the machine's Debian mirror`);
    const started = performance.now();
    const r = await run(bin, debootstrapArgs(DEBIAN_SUITE, ROOTFS_PACKAGES, root, mirror), {
      env: { ...env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive' },
      reject: false,
      timeoutMs: 30 * 60_000,
    });
    const debootstrapMs = performance.now() - started;
    if (r.exitCode !== 0) {
      const logFile = path.join(root, 'debootstrap', 'debootstrap.log');
      const detail = existsSync(logFile) ? tail(readFileSync(logFile, 'utf8'), 15) : tail(`${r.stdout}\n${r.stderr}`, 15);
      throw new CachebenchError(`debootstrap ${DEBIAN_SUITE} failed (exit ${r.exitCode}):\n${detail}`, {
        hint: 'the Debian archive configured in /etc/apt must be reachable; the full log is in debootstrap/debootstrap.log of the target',
      });
    }
    await unmountUnder(work);
    const bytesBefore = await duBytes(root);
    await trimRootfs(root);
    const bytesAfter = await duBytes(root);
    const pkgs = await run('dpkg-query', [`--admindir=${path.join(root, 'var/lib/dpkg')}`, '-W', '-f', '${Package}=${Version}\\n']);
    const tmp = `${tarball}.tmp-${process.pid}`;
    // Owners are kept as they are (root, plus e.g. group shadow and user _apt); mtimes and order fixed.
    await run('tar', [...TAR_FIXED, '-C', root, '-cf', tmp, '.'], { what: 'tar of the root filesystem' });
    renameSync(tmp, tarball);
    writeFileSync(
      tarball.replace(/\.tar$/, '.json'),
      JSON.stringify({ inputs: rootfsInputs(mirror), debootstrapMs: Math.round(debootstrapMs), bytesBefore, bytesAfter, packages: pkgs.stdout.split('\n').filter(Boolean) }, null, 2) + '\n',
    );
    log(`base image: rootfs ${(bytesBefore / 1e6).toFixed(0)} MB → ${(bytesAfter / 1e6).toFixed(0)} MB after trimming (debootstrap ${(debootstrapMs / 1000).toFixed(1)} s)`);
    return { tarball, key, debootstrapMs, bytesBefore, bytesAfter };
  } finally {
    await unmountUnder(work);
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// The build context

function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** Reads a few /etc files out of the rootfs tar. */
async function readFromTar(tarball: string, rel: string): Promise<string | undefined> {
  const r = await run('tar', ['-xOf', tarball, `./${rel}`], { reject: false });
  return r.exitCode === 0 ? r.stdout + (r.stdout.endsWith('\n') || r.stdout === '' ? '' : '\n') : undefined;
}

/**
 * deps.tar: the CA trust, the `app` user and the /usr/bin/dotnet link, with every parent
 * directory as an entry (mode 0755, mtime 0) so extracting it changes no directory's time.
 */
async function writeDepsLayer(ctx: string, rootfsTar: string): Promise<void> {
  const stage = path.join(ctx, 'deps-stage');
  const mk = (rel: string) => {
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const d = path.join(stage, ...parts.slice(0, i));
      if (!existsSync(d)) {
        mkdirSync(d);
        chmodSync(d, 0o755);
      }
    }
  };
  mkdirSync(stage);
  chmodSync(stage, 0o755);
  mk('etc/ssl/certs');
  mk('usr/local/share/ca-certificates');
  mk('usr/bin');
  mk('usr/share/dotnet');
  mk('home');

  // CA trust: the bundle, the local CA files, and their /etc/ssl/certs links as on the host.
  const bundle = caBundlePath();
  if (bundle) {
    copyFileSync(bundle, path.join(stage, 'etc/ssl/certs/ca-certificates.crt'));
    chmodSync(path.join(stage, 'etc/ssl/certs/ca-certificates.crt'), 0o644);
  }
  const hostCerts = '/etc/ssl/certs';
  const hostLinks = existsSync(hostCerts) ? readdirSync(hostCerts) : [];
  for (const f of localCaFiles()) {
    copyFileSync(path.join(LOCAL_CA_DIR, f), path.join(stage, 'usr/local/share/ca-certificates', f));
    chmodSync(path.join(stage, 'usr/local/share/ca-certificates', f), 0o644);
    const pem = f.replace(/\.crt$/, '.pem');
    if (!hostLinks.includes(pem)) continue;
    symlinkSync(path.join(LOCAL_CA_DIR, f), path.join(stage, 'etc/ssl/certs', pem));
    // OpenSSL's hash links (<hash>.N → name.pem) that update-ca-certificates made on the host.
    for (const h of hostLinks) {
      if (!/^[0-9a-f]{8}\.\d+$/.test(h)) continue;
      const p = path.join(hostCerts, h);
      if (lstatSync(p).isSymbolicLink() && readlinkSync(p) === pem) symlinkSync(pem, path.join(stage, 'etc/ssl/certs', h));
    }
  }

  // The `app` user (uid/gid 1654) with its home.
  const files = {
    passwd: (await readFromTar(rootfsTar, 'etc/passwd')) ?? 'root:x:0:0:root:/root:/bin/bash\n',
    group: (await readFromTar(rootfsTar, 'etc/group')) ?? 'root:x:0:\n',
    shadow: await readFromTar(rootfsTar, 'etc/shadow'),
    gshadow: await readFromTar(rootfsTar, 'etc/gshadow'),
  };
  const withApp = addAppUser(files);
  writeFileSync(path.join(stage, 'etc/passwd'), withApp.passwd, { mode: 0o644 });
  writeFileSync(path.join(stage, 'etc/group'), withApp.group, { mode: 0o644 });
  const shadowGid = /^shadow:x:(\d+):/m.exec(withApp.group)?.[1];
  for (const name of ['shadow', 'gshadow'] as const) {
    const text = withApp[name];
    if (text === undefined) continue;
    const p = path.join(stage, 'etc', name);
    writeFileSync(p, text);
    chmodSync(p, 0o640);
    if (shadowGid) chownSync(p, 0, Number(shadowGid));
  }
  mk('home/app');
  chownSync(path.join(stage, 'home/app'), APP_UID, APP_UID);
  chmodSync(path.join(stage, 'home/app'), 0o700);

  symlinkSync('/usr/share/dotnet/dotnet', path.join(stage, 'usr/bin/dotnet'));

  // Owners kept (root, except home/app and the shadow files' group).
  await run('tar', [...TAR_FIXED, '-C', stage, '-cf', path.join(ctx, 'deps.tar'), '.'], { what: 'tar of the deps layer' });
  rmSync(stage, { recursive: true, force: true });
}

async function writeDotnetLayer(ctx: string, file: string, layer: 'runtime' | 'sdk', sel: DotnetSelection): Promise<void> {
  const m = dotnetLayerMembers(layer, sel, fxrVersion(sel));
  const present = (rel: string) => existsSync(path.join(sel.root, rel));
  const trees = m.trees.filter(present);
  const required = layer === 'runtime' ? ['dotnet', ...m.trees.slice(3)] : [`sdk/${sel.sdkVersion}`];
  const missing = required.filter((r) => !present(r));
  if (missing.length > 0) {
    throw new CachebenchError(`the host's .NET install at ${sel.root} lacks ${missing.join(', ')}`, { hint: 'repair or reinstall the .NET SDK' });
  }
  await run('tar', dotnetTarArgs(path.join(ctx, file), sel.root, m.dirs.filter(present), trees), { what: `tar of the dotnet ${layer} layer` });
}

async function prepareDotnet(flavor: DotnetFlavor, ctx: string, log: (s: string) => void): Promise<void> {
  const sel = await selectHostDotnet(flavor);
  const rootfs = await ensureRootfs(log);
  linkOrCopy(rootfs.tarball, path.join(ctx, 'rootfs.tar'));
  await writeDepsLayer(ctx, rootfs.tarball);
  await writeDotnetLayer(ctx, 'runtime.tar', 'runtime', sel);
  const layers = [
    { file: 'rootfs.tar', dest: '/' },
    { file: 'deps.tar', dest: '/' },
    { file: 'runtime.tar', dest: '/' },
  ];
  if (flavor === 'sdk') {
    await writeDotnetLayer(ctx, 'sdk.tar', 'sdk', sel);
    layers.push({ file: 'sdk.tar', dest: '/' });
  }
  writeFileSync(path.join(ctx, 'Dockerfile'), renderDockerfile(layers, imageEnv(flavor, sel, hostNugetEnv())));
}

async function dotnetInputs(flavor: DotnetFlavor): Promise<string> {
  const sel = await selectHostDotnet(flavor);
  return [
    rootfsInputs(debianMirror()),
    `flavor=${flavor}`,
    `sdk=${flavor === 'sdk' ? sel.sdkVersion : '-'}`,
    `netcore=${sel.netcoreVersion}`,
    `aspnet=${sel.aspnetVersion}`,
    `fxr=${fxrVersion(sel)}`,
    `ca=${caFingerprint()}`,
    ...(flavor === 'sdk' ? Object.entries(hostNugetEnv()).map(([k, v]) => `${k}=${v}`) : []),
  ].join(' ');
}

export const dotnetSdk: BaseImageRecipe = {
  name: 'dotnet-sdk',
  description: `the .NET ${DOTNET_CHANNEL} SDK image (like dotnet/sdk:${DOTNET_CHANNEL}) from a Debian ${DEBIAN_SUITE} rootfs and the host's SDK`,
  inputs: () => dotnetInputs('sdk'),
  prepare: (dir, log) => prepareDotnet('sdk', dir, log),
};

export const dotnetAspnet: BaseImageRecipe = {
  name: 'dotnet-aspnet',
  description: `the ASP.NET Core ${DOTNET_CHANNEL} runtime image (like dotnet/aspnet:${DOTNET_CHANNEL}) from a Debian ${DEBIAN_SUITE} rootfs and the host's runtime`,
  inputs: () => dotnetInputs('aspnet'),
  prepare: (dir, log) => prepareDotnet('aspnet', dir, log),
};

export function registerDotnetRecipes(): void {
  registerRecipe(dotnetSdk);
  registerRecipe(dotnetAspnet);
}
