/**
 * The package-feed part of the calibration: the time to download a fixed set of pinned
 * packages from the machine's first NuGet source (discovered at run time, never named
 * here), whole into memory, every repetition afresh. A part that cannot be measured (no
 * `dotnet`, no source, an HTTP error, no answer in time) is skipped with the reason.
 */
import os from 'node:os';
import { discoverNugetSources } from '../../target/nuget-sources.ts';
import { packageBaseAddress } from '../../target/dotnet/nuget.ts';
import type { CalibrationSample } from '../../results/types.ts';

export interface PinnedPackage {
  id: string;
  version: string;
}

export type FeedSample = NonNullable<CalibrationSample['feed']>;

/** Small, stable, widely used packages; pinned so every run downloads the same bytes (3.4 MB). */
export const FEED_PACKAGES: readonly PinnedPackage[] = [
  { id: 'Humanizer.Core', version: '2.14.1' },
  { id: 'Dapper', version: '2.1.66' },
  { id: 'Newtonsoft.Json', version: '13.0.3' },
];

export interface FeedOptions {
  /** Service index URLs; default the machine's enabled sources (`dotnet nuget list source`). Only the first is used. */
  sources?: readonly string[];
  packages?: readonly PinnedPackage[];
  repetitions?: number;
  /** For the whole feed part: discovery, service index and every download. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export const FEED_DEFAULTS = { repetitions: 3, timeoutMs: 30_000 } as const;

/** A failure in words that names what failed and never the source's address. */
class FeedProblem extends Error {}

/** The flat-container address of a package version (PackageBaseAddress/3.0.0: lower-case id and version). */
export function nupkgUrl(base: string, p: PinnedPackage): string {
  const id = encodeURIComponent(p.id.toLowerCase());
  const v = encodeURIComponent(p.version.toLowerCase());
  return `${base.endsWith('/') ? base : `${base}/`}${id}/${v}/${id}.${v}.nupkg`;
}

export function feedWorkloadText(packages: readonly PinnedPackage[]): string {
  return `${packages.length} pinned packages (${packages.map((p) => `${p.id} ${p.version}`).join(', ')}) from the machine's first NuGet source, one after another`;
}

/** fetch's own errors say "fetch failed" and keep the reason in `cause`: its code (a message may name the host). */
async function get(url: string, what: string, signal: AbortSignal): Promise<Response> {
  let r: Response;
  try {
    r = await fetch(url, { signal, redirect: 'follow' });
  } catch (err) {
    if (signal.aborted) throw err;
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : (err as Error).name;
    throw new FeedProblem(`${what}: the request failed (${why})`);
  }
  if (!r.ok) {
    await r.body?.cancel();
    throw new FeedProblem(`${what}: HTTP ${r.status}`);
  }
  return r;
}

/** Downloads every package, whole, once per repetition; ms per repetition and the bytes of one. */
export async function fetchPackages(base: string, packages: readonly PinnedPackage[], opts: { repetitions?: number; signal?: AbortSignal } = {}): Promise<{ workload: string; bytes: number; ms: number[] }> {
  const signal = opts.signal ?? new AbortController().signal;
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < (opts.repetitions ?? FEED_DEFAULTS.repetitions); i++) {
    const t = performance.now();
    let total = 0;
    for (const p of packages) {
      const r = await get(nupkgUrl(base, p), `package ${p.id} ${p.version}`, signal);
      total += (await r.arrayBuffer()).byteLength;
    }
    ms.push(performance.now() - t);
    bytes = total;
  }
  return { workload: feedWorkloadText(packages), bytes, ms };
}

/** Resolves with `p`, or rejects as soon as `signal` aborts (for work that takes no signal). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The feed sample, or `{ skipped }` with the reason; only an interruption (opts.signal) throws. */
export async function measureFeed(opts: FeedOptions = {}): Promise<FeedSample> {
  const timeoutMs = opts.timeoutMs ?? FEED_DEFAULTS.timeoutMs;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  try {
    const sources = opts.sources ?? (await untilAborted(discoverNugetSources(os.homedir()), signal));
    const source = sources[0];
    if (!source) return { skipped: 'no enabled NuGet source on this machine (`dotnet nuget list source` lists none)' };
    const index: unknown = await (await get(source, "the first NuGet source's service index", signal)).json().catch(() => undefined);
    const base = packageBaseAddress(index);
    if (!base) return { skipped: "the first NuGet source's service index has no PackageBaseAddress/3.0.0 resource" };
    return await fetchPackages(base, opts.packages ?? FEED_PACKAGES, { repetitions: opts.repetitions ?? FEED_DEFAULTS.repetitions, signal });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    if (deadline.aborted) return { skipped: `the package feed did not serve the packages within ${timeoutMs / 1000} s` };
    return { skipped: err instanceof FeedProblem ? err.message : (err as Error).message.split('\n')[0] ?? 'unknown error' };
  }
}
