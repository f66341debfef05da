/**
 * `cachebench run` options: parsed with node:util parseArgs, defaults applied once,
 * every value validated before any work starts. Errors name the flag, the bad value
 * and what is allowed (exit code 2).
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';
import { MODE_NAMES } from './cache-modes.ts';
import { projectRoot } from './paths.ts';
import { parseShard, type Shard } from './plan.ts';
import { DEFAULT_NETWORK_PROFILE, NETWORK_PROFILES, ciCacheProfile, defaultCiCacheProfile, networkProfile } from './network/profiles.ts';
import { chooseMix, COST_FLAGS, COST_USAGE, parseCostSettings } from './options-cost.ts';
import { parseRoundSettings, ROUND_FLAGS, ROUND_USAGE, type Adaptive, type Order } from './options-rounds.ts';
import type { CostSettings, MixSource } from './results/types.ts';

export const PROFILES = {
  quick: { repetitions: 1, description: 'one repetition per cell: a smoke test of the whole pipeline' },
  default: { repetitions: 3, description: 'three repetitions per cell: medians and confidence intervals for a decision' },
  nightly: { repetitions: 5, description: 'five repetitions per cell: tighter intervals for regression checks' },
} as const;
export type ProfileName = keyof typeof PROFILES;

export const DEFAULT_MIX: Record<string, number> = { 'code-change': 0.9, 'dependency-change': 0.05, 'no-change': 0.05 };

export interface RunOptions {
  fixture: string;
  scenarios: string[];
  modes: string[];
  repetitions: number;
  profile: ProfileName;
  outDir: string;
  /** Whether `--out` was chosen by the user (else reports/<timestamp> + reports/latest). */
  outGiven: boolean;
  resume: boolean;
  failFast: boolean;
  mix: Record<string, number>;
  /** Where `mix` came from when read from a history (--mix-from mix.json). */
  mixSource?: MixSource;
  /** Cost-per-month settings given on the command line (the report states defaults for the rest). */
  cost: CostSettings;
  keepWorkspace: boolean;
  /** A baseline results.json (or run folder) to compare with right after the run. */
  baseline?: string;
  failOn: 'fail' | 'alert';
  /** With a baseline: absolute time changes count too, not only those relative to `none` in the same run. */
  absolute: boolean;
  /** Run only this deterministic slice of the cells (CI job matrices). */
  shard?: Shard;
  /** A user's repository (path or git URL) instead of a fixture. */
  repo?: string;
  config?: string;
  dockerfile?: string;
  context?: string;
  target?: string;
  platform?: string;
  buildArgs: Record<string, string>;
  /** FROM image → base-image recipe (--base-image IMAGE=RECIPE). */
  baseImageMap: Record<string, string>;
  /** An existing buildx builder to build on (made fresh per build as its driver allows). */
  builder?: string;
  /** The link to the registry: loopback, datacenter or internet (default). */
  networkProfile: string;
  /** The link to the CI cache service that `local` mode restores from and saves to. */
  ciCacheProfile: string;
  /** A real remote registry for the run's images and cache (--registry HOST[/PATH]). */
  registry?: RemoteRegistry;
  /** Interleaved rounds (default) or a cell's repetitions back to back. */
  order: Order;
  /** The seed of the rounds' shuffle. */
  seed: number;
  /** Builds per cell: the minimum (= repetitions), the maximum and when to stop early. */
  adaptive: Adaptive;
  /** Measure the CPU and package-feed calibration at the run's start and end (--no-calibration skips it). */
  calibration: boolean;
}

export interface RemoteRegistry {
  /** As written in image refs (e.g. ghcr.io, docker.io, registry.example:5000). */
  host: string;
  /** Where its HTTP API answers (docker.io's is registry-1.docker.io). */
  apiHost: string;
  /** The repository the run's tags go into (e.g. team/cachebench). */
  repository: string;
}

const HOST_RE = /^(?:localhost|\[[0-9a-f:]+\]|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::\d{1,5})?$/;
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** `HOST[/PATH]` → the registry and the repository that will hold the run's tags. */
export function parseRegistry(value: string): RemoteRegistry {
  const hint = 'e.g. --registry ghcr.io/my-org/cachebench or --registry registry.example.com:5000/team';
  if (/^[a-z]+:\/\//i.test(value)) throw new UsageError(`--registry: "${value}" has a scheme`, `drop "${value.split('://')[0]}://": HTTPS is used; ${hint}`);
  const [host = '', ...rest] = value.replace(/\/+$/, '').split('/');
  if (!HOST_RE.test(host) || !(host.includes('.') || host.includes(':') || host === 'localhost')) {
    throw new UsageError(`--registry: "${host}" is not a registry host (a name with a dot or a port, or localhost)`, hint);
  }
  for (const c of rest) {
    if (!PATH_COMPONENT_RE.test(c)) throw new UsageError(`--registry: "${c}" is not a valid repository path component (lower-case letters, digits, . _ -)`, hint);
  }
  const docker = host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io';
  if (docker && rest.length !== 2) throw new UsageError('--registry: Docker Hub needs exactly USER/REPOSITORY', 'e.g. --registry docker.io/myuser/cachebench');
  return { host: docker ? 'docker.io' : host, apiHost: docker ? 'registry-1.docker.io' : host, repository: rest.length ? rest.join('/') : 'cachebench' };
}

export const RUN_USAGE = `Usage: cachebench run [options]

Builds every scenario × cache mode on a fresh builder, importing the cache that
building the parent commit produced, and writes results.json, CSV, charts and reports.

Options:
  --fixture NAME|PATH    dotnet-sample (default), tiny, or a folder with a Dockerfile and fixture.json
  --repo PATH|GIT-URL    benchmark your own repository (its cachebench.json, or detected .NET scenarios)
  --config FILE          the repository's config, if not <repo>/cachebench.json
  --dockerfile FILE      Dockerfile, relative to --context (default: Dockerfile)
  --context DIR          build context, relative to the repository (default: .)
  --target STAGE         build target, passed to buildx
  --build-arg K=V        build argument (repeatable)
  --platform P           target platform, passed to buildx
  --network-profile P    registry link: internet (default: 100 Mbit/s, 30 ms RTT), datacenter (500 Mbit/s, 2 ms),
                         loopback (unshaped), or RATEmbit/RTTms (e.g. 50mbit/30ms)
  --ci-cache-profile P   CI cache link (local mode's restore and save): hosted (default: 400 Mbit/s,
                         10 ms, as hosted runners reach actions/cache), a registry profile, or RATEmbit/RTTms;
                         loopback (a copy on local disk) by default with --network-profile loopback or --registry
  --registry HOST[/PATH] use this real registry for the run's images and cache (HTTPS; credentials from
                         the Docker config or CACHEBENCH_REGISTRY_USERNAME/PASSWORD; the run's tags are
                         removed afterwards where the registry allows deletes). Excludes --network-profile.
  --builder NAME         build on this existing buildx builder (see README: fresh builders per driver)
  --base-image IMG=R     build FROM IMG from the local base-image recipe R (repeatable; dotnet-sdk, dotnet-aspnet, dotnet-runtime-deps, busybox)
  --scenarios a,b        scenarios to run (default: all in scenarios/)
  --modes a,b            cache modes (default: ${MODE_NAMES.join(',')})
  -n, --repetitions N    measured builds per cell (default: from the profile)
  --profile NAME         quick (1 repetition), default (3), nightly (5)
  --out DIR              output folder (default: reports/<timestamp>, linked as reports/latest)
  --resume               continue an interrupted run in --out without redoing finished builds
${COST_USAGE}${ROUND_USAGE}  --fail-fast            stop at the first failed build (default: record it and go on)
  --keep-workspace       keep the throwaway clone (its path is printed)
  --baseline FILE|DIR    compare with this baseline results.json after the run (see cachebench compare)
  --fail-on fail|alert   with --baseline: which verdict makes the exit code 1 (default: fail)
  --absolute             with --baseline: absolute time changes count too, not only changes
                         relative to none in the same run (see cachebench compare)
  --shard I/N            run shard I of N (cells balanced by expected cost); combine with cachebench merge
  --no-calibration       skip the CPU and package-feed calibration at the start and end (about 5 s);
                         compare then has only none's times to say whether the environment moved
  -h, --help             this help
`;

function list(flag: string, value: string, valid: readonly string[]): string[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`${flag} is empty`, `give one or more of: ${valid.join(', ')}`);
  for (const it of items) {
    if (!valid.includes(it)) throw new UsageError(`${flag}: unknown value "${it}"`, `valid values: ${valid.join(', ')}`);
  }
  return [...new Set(items)];
}

/**
 * The default commit mix over the scenarios actually run (renormalized), so that a run of
 * some scenarios still gets an expected time; scenarios outside the default mix share equally.
 */
export function defaultMix(scenarios: readonly string[]): Record<string, number> {
  const known = scenarios.filter((s) => DEFAULT_MIX[s] !== undefined);
  const mix: Record<string, number> = {};
  if (known.length === 0) {
    for (const s of scenarios) mix[s] = 1 / scenarios.length;
    return mix;
  }
  const total = known.reduce((a, s) => a + (DEFAULT_MIX[s] as number), 0);
  for (const s of known) mix[s] = (DEFAULT_MIX[s] as number) / total;
  return mix;
}

export function parseMix(value: string): Record<string, number> {
  const mix: Record<string, number> = {};
  for (const part of value.split(',')) {
    const [k, v] = part.split('=');
    const w = Number(v);
    if (!k || v === undefined || !Number.isFinite(w) || w < 0) throw new UsageError(`--mix: "${part}" is not scenario=weight`, 'e.g. --mix code-change=0.9,dependency-change=0.05,no-change=0.05');
    mix[k.trim()] = w;
  }
  const total = Object.values(mix).reduce((a, b) => a + b, 0);
  if (total <= 0) throw new UsageError('--mix: weights add up to 0');
  for (const k of Object.keys(mix)) mix[k] = (mix[k] as number) / total;
  return mix;
}

export function timestampDir(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
}

export function checkOutDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--out ${dir} is a file`, 'give a folder path');
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new UsageError(`--out ${dir} is not writable: ${(err as Error).message}`, 'choose a folder you can write to');
  }
}

export function parseRunOptions(argv: string[], scenarioNames: readonly string[]): RunOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        fixture: { type: 'string' },
        scenarios: { type: 'string' },
        modes: { type: 'string' },
        repetitions: { type: 'string', short: 'n' },
        profile: { type: 'string' },
        out: { type: 'string' },
        resume: { type: 'boolean' },
        ...COST_FLAGS,
        ...ROUND_FLAGS,
        'fail-fast': { type: 'boolean' },
        'keep-workspace': { type: 'boolean' },
        baseline: { type: 'string' },
        'fail-on': { type: 'string' },
        absolute: { type: 'boolean' },
        shard: { type: 'string' },
        'no-calibration': { type: 'boolean' },
        repo: { type: 'string' },
        config: { type: 'string' },
        dockerfile: { type: 'string' },
        context: { type: 'string' },
        target: { type: 'string' },
        platform: { type: 'string' },
        'build-arg': { type: 'string', multiple: true },
        'base-image': { type: 'string', multiple: true },
        builder: { type: 'string' },
        'network-profile': { type: 'string' },
        'ci-cache-profile': { type: 'string' },
        registry: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`cachebench run: ${(err as Error).message}`, 'see `cachebench run --help`');
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const profile = (v.profile ?? 'default') as ProfileName;
  if (!(profile in PROFILES)) throw new UsageError(`--profile: unknown profile "${v.profile}"`, `valid profiles: ${Object.keys(PROFILES).join(', ')}`);
  let repetitions: number = PROFILES[profile].repetitions;
  if (v.repetitions !== undefined) {
    repetitions = Number(v.repetitions);
    if (!/^\d+$/.test(v.repetitions) || !Number.isInteger(repetitions) || repetitions < 1 || repetitions > 1000) {
      throw new UsageError(`--repetitions: "${v.repetitions}" is not a whole number from 1 to 1000`, 'e.g. --repetitions 3');
    }
  }
  if (v.resume && !v.out) throw new UsageError('--resume needs --out DIR (the folder of the run to continue)');
  const outGiven = v.out !== undefined;
  const outDir = path.resolve(v.out ?? path.join(projectRoot, 'reports', timestampDir()));
  const scenarios = v.scenarios !== undefined ? list('--scenarios', v.scenarios, scenarioNames) : [...scenarioNames];
  const chosen = chooseMix(v, scenarios, parseMix);
  const cost = parseCostSettings(v);
  const failOn = v['fail-on'] ?? 'fail';
  if (failOn !== 'fail' && failOn !== 'alert') throw new UsageError(`--fail-on: "${failOn}" is not fail or alert`);
  if (v['fail-on'] !== undefined && v.baseline === undefined) throw new UsageError('--fail-on needs --baseline');
  if (v.absolute && v.baseline === undefined) throw new UsageError('--absolute needs --baseline', 'compare with a baseline run: --baseline FILE|DIR');
  const pairs = (flag: string, items: string[] | undefined): Record<string, string> => {
    const outPairs: Record<string, string> = {};
    for (const it of items ?? []) {
      const i = it.indexOf('=');
      if (i <= 0) throw new UsageError(`${flag}: "${it}" is not NAME=VALUE`);
      outPairs[it.slice(0, i)] = it.slice(i + 1);
    }
    return outPairs;
  };
  const buildArgs = pairs('--build-arg', v['build-arg']);
  const baseImageMap = pairs('--base-image', v['base-image']);
  if (v.repo !== undefined && v.fixture !== undefined) throw new UsageError('--repo and --fixture exclude each other', 'give one of them');
  if (v.config !== undefined && v.repo === undefined) throw new UsageError('--config needs --repo');
  const registry = v.registry !== undefined ? parseRegistry(v.registry) : undefined;
  if (registry && v['network-profile'] !== undefined) {
    throw new UsageError('--registry and --network-profile exclude each other', 'a real registry is reached over the real network; the profiles shape the local one');
  }
  const networkProfileName = registry ? 'loopback' : (v['network-profile'] ?? DEFAULT_NETWORK_PROFILE);
  try {
    networkProfile(networkProfileName);
  } catch (err) {
    throw new UsageError(`--network-profile: ${(err as Error).message}`, `valid: ${Object.keys(NETWORK_PROFILES).join(', ')}, or RATEmbit/RTTms (e.g. 50mbit/30ms)`);
  }
  const ciCacheProfileName = v['ci-cache-profile'] ?? defaultCiCacheProfile(networkProfileName, registry !== undefined);
  ciCacheProfile(ciCacheProfileName);
  const rounds = parseRoundSettings(v, repetitions);
  repetitions = rounds.adaptive.minRuns;
  const shard = v.shard !== undefined ? parseShard(v.shard) : undefined;
  if (v.shard !== undefined && !shard) throw new UsageError(`--shard: "${v.shard}" is not I/N with 1 ≤ I ≤ N`, 'e.g. --shard 2/3');
  return {
    fixture: v.fixture ?? 'dotnet-sample',
    scenarios,
    modes: v.modes !== undefined ? list('--modes', v.modes, MODE_NAMES) : [...MODE_NAMES],
    repetitions,
    profile,
    outDir,
    outGiven,
    resume: v.resume ?? false,
    failFast: v['fail-fast'] ?? false,
    mix: chosen?.mix ?? defaultMix(scenarios),
    ...(chosen?.mixSource ? { mixSource: chosen.mixSource } : {}),
    cost,
    keepWorkspace: v['keep-workspace'] ?? false,
    ...(v.baseline !== undefined ? { baseline: path.resolve(v.baseline) } : {}),
    failOn,
    absolute: v.absolute === true,
    ...(shard ? { shard } : {}),
    ...(v.repo !== undefined ? { repo: v.repo } : {}),
    ...(v.config !== undefined ? { config: v.config } : {}),
    ...(v.dockerfile !== undefined ? { dockerfile: v.dockerfile } : {}),
    ...(v.context !== undefined ? { context: v.context } : {}),
    ...(v.target !== undefined ? { target: v.target } : {}),
    ...(v.platform !== undefined ? { platform: v.platform } : {}),
    buildArgs,
    baseImageMap,
    ...(v.builder !== undefined ? { builder: v.builder } : {}),
    networkProfile: networkProfileName,
    ciCacheProfile: ciCacheProfileName,
    ...(registry ? { registry } : {}),
    ...rounds,
    calibration: v['no-calibration'] !== true,
  };
}
