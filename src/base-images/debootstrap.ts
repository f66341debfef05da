/**
 * debootstrap: the machine's own, or one fetched privately into the cache when the machine
 * has none (a private apt with its own source list, lists and cache, so the machine's apt
 * state is untouched); and running it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../proc.ts';
import { CachebenchError, tail } from '../errors.ts';

const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const FETCH_HINT = 'the Debian archive configured in /etc/apt must be reachable (or install debootstrap: apt-get install debootstrap)';

export interface Debootstrap {
  bin: string;
  env: Record<string, string>;
}

/** Where a fetched debootstrap lives: `cacheDir` is the base-image cache, `suite` the Debian release it comes from. */
export interface DebootstrapSource {
  mirror: string;
  suite: string;
  cacheDir: string;
}

/** The debootstrap command line (without the program itself). */
export function debootstrapArgs(suite: string, packages: readonly string[], dir: string, mirror: string): string[] {
  return ['--variant=minbase', `--include=${packages.join(',')}`, suite, dir, mirror];
}

/** The machine's debootstrap, else the one in the cache, else fetched into the cache now. */
export async function findDebootstrap(src: DebootstrapSource, log: (s: string) => void): Promise<Debootstrap> {
  const onPath = await run('sh', ['-c', 'command -v debootstrap'], { reject: false });
  if (onPath.exitCode === 0 && onPath.stdout.trim() !== '') return { bin: onPath.stdout.trim(), env: {} };
  const tools = path.join(src.cacheDir, 'tools', 'debootstrap');
  const bin = path.join(tools, 'usr', 'sbin', 'debootstrap');
  const env = { DEBOOTSTRAP_DIR: path.join(tools, 'usr', 'share', 'debootstrap') };
  if (existsSync(bin) && existsSync(env.DEBOOTSTRAP_DIR)) return { bin, env };
  log('base image: fetching debootstrap into the cache (apt-get download + dpkg -x)');
  await fetchDebootstrap(src, tools);
  if (!existsSync(bin)) throw new CachebenchError(`the debootstrap package has no usr/sbin/debootstrap`);
  return { bin, env };
}

/** apt-get options that keep every file apt touches under `apt`. */
function privateAptOptions(apt: string): string[] {
  return [
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
}

/** Downloads the debootstrap package with a private apt and unpacks it into `tools`. */
async function fetchDebootstrap(src: DebootstrapSource, tools: string): Promise<void> {
  const apt = path.join(src.cacheDir, 'apt');
  for (const sub of ['lists/partial', 'cache/archives/partial', 'sources.list.d', 'preferences.d', 'debs']) {
    mkdirSync(path.join(apt, sub), { recursive: true });
  }
  const signed = existsSync(DEBIAN_KEYRING) ? `[signed-by=${DEBIAN_KEYRING}] ` : '';
  writeFileSync(path.join(apt, 'sources.list'), `deb ${signed}${src.mirror} ${src.suite} main\n`);
  const opts = privateAptOptions(apt);
  await run('apt-get', [...opts, 'update'], { what: 'apt-get update (private lists for debootstrap)', hint: FETCH_HINT });
  const debs = path.join(apt, 'debs');
  rmSync(debs, { recursive: true, force: true });
  mkdirSync(debs, { recursive: true });
  await run('apt-get', [...opts, 'download', 'debootstrap'], { cwd: debs, what: 'apt-get download debootstrap', hint: FETCH_HINT });
  const deb = readdirSync(debs).find((f) => f.startsWith('debootstrap_') && f.endsWith('.deb'));
  if (!deb) throw new CachebenchError('apt-get download debootstrap produced no .deb', { hint: FETCH_HINT });
  const staging = `${tools}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await run('dpkg', ['-x', path.join(debs, deb), staging], { what: `dpkg -x ${deb}` });
  rmSync(tools, { recursive: true, force: true });
  renameSync(staging, tools);
  rmSync(path.join(apt, 'lists'), { recursive: true, force: true });
}

/** Runs debootstrap into `root`; returns how long it took (ms), or throws with its log's tail. */
export async function runDebootstrap(tool: Debootstrap, suite: string, packages: readonly string[], root: string, mirror: string): Promise<number> {
  const started = performance.now();
  const r = await run(tool.bin, debootstrapArgs(suite, packages, root, mirror), {
    env: { ...tool.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive' },
    reject: false,
    timeoutMs: 30 * 60_000,
  });
  const ms = performance.now() - started;
  if (r.exitCode !== 0) {
    const logFile = path.join(root, 'debootstrap', 'debootstrap.log');
    const detail = existsSync(logFile) ? tail(readFileSync(logFile, 'utf8'), 15) : tail(`${r.stdout}\n${r.stderr}`, 15);
    throw new CachebenchError(`debootstrap ${suite} failed (exit ${r.exitCode}):\n${detail}`, {
      hint: 'the Debian archive configured in /etc/apt must be reachable; the full log is in debootstrap/debootstrap.log of the target',
    });
  }
  return ms;
}
