/**
 * Provisions the embedded engine's binaries from Debian's archive into a private prefix:
 * apt with its own source list / lists / cache (the machine's apt state is untouched),
 * `apt-get download` + `dpkg -x`, newest suite first, each binary checked by running it.
 * The archive's address is read from the machine's own apt sources at run time.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cacheHome } from '../paths.ts';
import { run } from '../proc.ts';
import { CachebenchError } from '../errors.ts';

export const SUITES = ['sid', 'trixie', 'bookworm'] as const;
export type Suite = (typeof SUITES)[number];

/** A thing the engine needs, from one or more Debian packages taken from the same suite. */
export interface Component {
  name: string;
  packages: string[];
  /** Binaries to expose: link name → path inside the extracted package tree. */
  binaries: Record<string, string>;
  /** Command (relative to the bin dir) and args whose success proves the binary runs here. */
  check: [string, ...string[]];
  /** Pulls the version out of the check's output. */
  version: (out: string) => string | undefined;
  /** Rejects versions that run but lack what we need. */
  accept?: (version: string) => string | undefined;
  suites: readonly Suite[];
}

const firstMatch = (re: RegExp) => (out: string) => re.exec(out)?.[1];

export function versionAtLeast(v: string, min: string): boolean {
  const a = v.split(/[.+~-]/).map((x) => Number.parseInt(x, 10));
  const b = min.split('.').map((x) => Number.parseInt(x, 10));
  for (let i = 0; i < b.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (Number.isNaN(x)) return false;
    if (x !== y) return x > y;
  }
  return true;
}

export const COMPONENTS: readonly Component[] = [
  {
    name: 'docker',
    packages: ['docker.io', 'docker-cli'],
    binaries: { dockerd: 'usr/sbin/dockerd', docker: 'usr/bin/docker' },
    check: ['dockerd', '--version'],
    version: firstMatch(/version ([\d.]+)/),
    accept: (v) => (versionAtLeast(v, '25.0') ? undefined : 'needs >= 25 for the containerd image store'),
    suites: ['sid', 'trixie'],
  },
  {
    name: 'containerd',
    packages: ['containerd'],
    binaries: { containerd: 'usr/bin/containerd', 'containerd-shim-runc-v2': 'usr/bin/containerd-shim-runc-v2' },
    check: ['containerd', '--version'],
    version: firstMatch(/ v?(\d+\.\d+\.\d+)/),
    suites: ['sid', 'trixie', 'bookworm'],
  },
  {
    name: 'runc',
    packages: ['runc'],
    binaries: { runc: 'usr/sbin/runc' },
    check: ['runc', '--version'],
    version: firstMatch(/runc version ([\d.]+)/),
    suites: ['sid', 'trixie', 'bookworm'],
  },
  {
    name: 'docker-init',
    packages: ['tini'],
    binaries: { 'docker-init': 'usr/bin/tini-static' },
    check: ['docker-init', '--version'],
    version: firstMatch(/tini version ([\d.]+)/),
    suites: ['sid', 'trixie', 'bookworm'],
  },
  {
    name: 'buildx',
    packages: ['docker-buildx'],
    binaries: { 'docker-buildx': 'usr/libexec/docker/cli-plugins/docker-buildx' },
    check: ['docker-buildx', 'version'],
    version: firstMatch(/buildx v?([\d.]+)/),
    accept: (v) => (versionAtLeast(v, '0.19') ? undefined : 'needs >= 0.19 for `buildx history` and one-line rawjson'),
    suites: ['sid', 'trixie'],
  },
  {
    name: 'registry',
    packages: ['docker-registry'],
    binaries: { 'docker-registry': 'usr/bin/docker-registry' },
    check: ['docker-registry', '--version'],
    version: firstMatch(/distribution v?([\d.]+)/),
    suites: ['sid', 'trixie', 'bookworm'],
  },
  {
    name: 'busybox',
    packages: ['busybox-static'],
    binaries: { busybox: 'bin/busybox' },
    check: ['busybox', 'true'],
    version: () => 'static',
    suites: ['bookworm', 'trixie', 'sid'],
  },
];

export interface ProvisionedEngine {
  binDir: string;
  versions: Record<string, string>;
  suites: Record<string, string>;
  /** Debian package versions used, for the record. */
  packages: Record<string, string>;
}

export function engineDir(): string {
  return path.join(cacheHome(), 'engine');
}

const manifestPath = () => path.join(engineDir(), 'manifest.json');

/** The provisioned engine if every binary is already in place (no network, no apt). */
export function readProvisioned(): ProvisionedEngine | undefined {
  if (!existsSync(manifestPath())) return undefined;
  try {
    const m = JSON.parse(readFileSync(manifestPath(), 'utf8')) as ProvisionedEngine;
    for (const c of COMPONENTS) {
      for (const link of Object.keys(c.binaries)) {
        if (!existsSync(path.join(m.binDir, link))) return undefined;
      }
    }
    return m;
  } catch {
    return undefined;
  }
}

/** The Debian archive the machine already uses (first deb822 or one-line source). */
export function discoverDebianMirror(sources: string[]): string | undefined {
  for (const text of sources) {
    for (const block of text.split(/\n\s*\n/)) {
      const uris = /^URIs:\s*(\S+)/m.exec(block)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(block)?.[1] ?? '';
      if (uris && !/security/.test(suites) && /debian\/?$/.test(uris)) return uris.replace(/\/$/, '');
    }
    for (const line of text.split('\n')) {
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
      if (m?.[1] && !/security/.test(m[2] ?? '') && /debian\/?$/.test(m[1])) return m[1].replace(/\/$/, '');
    }
  }
  return undefined;
}

/** The machine's apt source files, as text. */
export function readAptSources(): string[] {
  const out: string[] = [];
  if (existsSync('/etc/apt/sources.list')) out.push(readFileSync('/etc/apt/sources.list', 'utf8'));
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.sources') || f.endsWith('.list')) out.push(readFileSync(path.join(dir, f), 'utf8'));
    }
  }
  return out;
}

class PrivateApt {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  get opts(): string[] {
    const d = this.dir;
    return [
      `-o`, `Dir::Etc::SourceList=${d}/sources.list`,
      `-o`, `Dir::Etc::SourceParts=${d}/sources.list.d`,
      `-o`, `Dir::Etc::Preferences=${d}/preferences`,
      `-o`, `Dir::Etc::PreferencesParts=${d}/preferences.d`,
      `-o`, `Dir::State::Lists=${d}/lists`,
      `-o`, `Dir::Cache=${d}/cache`,
      `-o`, `Dir::State::status=/dev/null`,
      `-o`, `Debug::NoLocking=1`,
      `-o`, `APT::Sandbox::User=root`,
    ];
  }
  async init(mirror: string, log: (s: string) => void): Promise<void> {
    for (const sub of ['lists/partial', 'cache/archives/partial', 'sources.list.d', 'preferences.d', 'debs']) {
      mkdirSync(path.join(this.dir, sub), { recursive: true });
    }
    const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
    const signed = existsSync(keyring) ? `[signed-by=${keyring}] ` : '';
    writeFileSync(
      path.join(this.dir, 'sources.list'),
      SUITES.map((s) => `deb ${signed}${mirror} ${s} main`).join('\n') + '\n',
    );
    const fresh = existsSync(path.join(this.dir, 'lists', 'updated'));
    if (!fresh) {
      log(`apt: updating private package lists for ${SUITES.join(', ')}`);
      await run('apt-get', [...this.opts, 'update'], {
        what: 'apt-get update (private lists)',
        hint: 'the Debian archive configured in /etc/apt must be reachable; check the network and /etc/apt/sources.list*',
      });
      writeFileSync(path.join(this.dir, 'lists', 'updated'), new Date().toISOString());
    }
  }
  private madison = new Map<string, string>();

  /** One `apt-cache madison` for every package (each call re-reads all lists: slow). */
  async loadVersions(pkgs: string[]): Promise<void> {
    const r = await run('apt-cache', [...this.opts, 'madison', ...pkgs], { reject: false });
    for (const line of r.stdout.split('\n')) {
      const cols = line.split('|').map((c) => c.trim());
      const suite = SUITES.find((x) => ` ${cols[2] ?? ''} `.includes(` ${x}/`));
      if (cols[0] && cols[1] && suite && !this.madison.has(`${cols[0]}@${suite}`)) this.madison.set(`${cols[0]}@${suite}`, cols[1]);
    }
  }

  versionIn(pkg: string, suite: Suite): string | undefined {
    return this.madison.get(`${pkg}@${suite}`);
  }

  async download(pkg: string, version: string): Promise<string> {
    const debs = path.join(this.dir, 'debs');
    const before = new Set(readdirSync(debs));
    await run('apt-get', [...this.opts, 'download', `${pkg}=${version}`], {
      cwd: debs,
      what: `apt-get download ${pkg}=${version}`,
    });
    const added = readdirSync(debs).find((f) => !before.has(f) && f.startsWith(`${pkg}_`));
    const file = added ?? readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && f.includes(version.replace(/^\d+:/, '')));
    if (!file) throw new CachebenchError(`apt-get download ${pkg}=${version} produced no .deb`);
    return path.join(debs, file);
  }
}

/**
 * Makes sure every engine binary is present and runs. Cheap when already provisioned.
 */
export async function provisionEngine(log: (s: string) => void = () => {}): Promise<ProvisionedEngine> {
  const existing = readProvisioned();
  if (existing) return existing;
  if (process.getuid?.() !== 0) {
    throw new CachebenchError('provisioning the embedded engine needs root (it runs dockerd)', {
      exitCode: 2,
      hint: 'run as root, or point DOCKER_HOST at a Docker engine with buildx and the containerd image store',
    });
  }
  const mirror = discoverDebianMirror(readAptSources());
  if (!mirror) {
    throw new CachebenchError('no Debian archive found in /etc/apt/sources.list*', {
      exitCode: 2,
      hint: 'the embedded engine is taken from Debian packages; configure a Debian mirror, or use an existing Docker engine',
    });
  }
  const root = engineDir();
  const apt = new PrivateApt(path.join(root, 'apt'));
  await apt.init(mirror, log);
  await apt.loadVersions([...new Set(COMPONENTS.flatMap((c) => c.packages))]);
  const binDir = path.join(root, 'bin');
  rmSync(binDir, { recursive: true, force: true });
  mkdirSync(binDir, { recursive: true });
  const result: ProvisionedEngine = { binDir, versions: {}, suites: {}, packages: {} };
  for (const c of COMPONENTS) {
    const problems: string[] = [];
    let done = false;
    for (const suite of c.suites) {
      const versions: Record<string, string> = {};
      for (const p of c.packages) {
        const v = apt.versionIn(p, suite);
        if (v) versions[p] = v;
      }
      if (Object.keys(versions).length !== c.packages.length) {
        problems.push(`${suite}: not available`);
        continue;
      }
      const tree = path.join(root, 'pkgs', `${c.name}-${suite}`);
      rmSync(tree, { recursive: true, force: true });
      mkdirSync(tree, { recursive: true });
      for (const [p, v] of Object.entries(versions)) {
        const deb = await apt.download(p, v);
        await run('dpkg', ['-x', deb, tree], { what: `dpkg -x ${deb}` });
      }
      const missing = Object.values(c.binaries).filter((rel) => !existsSync(path.join(tree, rel)));
      if (missing.length > 0) {
        problems.push(`${suite}: package has no ${missing.join(', ')}`);
        rmSync(tree, { recursive: true, force: true });
        continue;
      }
      for (const [link, rel] of Object.entries(c.binaries)) {
        rmSync(path.join(binDir, link), { force: true });
        symlinkSync(path.join(tree, rel), path.join(binDir, link));
      }
      const [cmd, ...args] = c.check;
      const r = await run(path.join(binDir, cmd), args, { reject: false });
      const out = `${r.stdout}\n${r.stderr}`;
      const version = r.exitCode === 0 ? c.version(out) : undefined;
      const rejected = version ? c.accept?.(version) : `does not run here: ${out.trim().split('\n')[0] ?? ''}`;
      if (version && !rejected) {
        result.versions[c.name] = version;
        result.suites[c.name] = suite;
        Object.assign(result.packages, versions);
        log(`engine: ${c.name} ${version} (${suite})`);
        done = true;
        break;
      }
      problems.push(`${suite}: ${rejected ?? 'no version in output'}`);
      rmSync(tree, { recursive: true, force: true });
    }
    if (!done) {
      throw new CachebenchError(`no usable ${c.name} in Debian's archive (${problems.join('; ')})`, {
        hint: 'use an existing Docker engine with buildx instead (set DOCKER_HOST)',
      });
    }
  }
  writeFileSync(manifestPath(), JSON.stringify(result, null, 2));
  return result;
}
