/**
 * Network profiles: the link between the CI runner (the build engine) and its registry.
 * A profile is a bandwidth and a round-trip time; link.ts turns it into a shaped veth
 * (tbf, both directions) plus a delaying relay (half the RTT each way).
 */
import { UsageError } from '../errors.ts';

export interface LinkProfile {
  /** Short name, used in results and on the command line. */
  name: string;
  /**
   * Link rate in Mbit/s, enforced by tbf on each direction of the veth. TCP goodput
   * over it is ~95% of this (1448 payload bytes per 1514-byte frame). 0 = not shaped.
   */
  rateMbit: number;
  /** Round-trip time in ms added by the relay (half each way). 0 = none. */
  rttMs: number;
  /** What real setup the figures stand for. */
  description: string;
}

export type NetworkProfileName = 'loopback' | 'datacenter' | 'internet';

/**
 * Why these figures are realistic:
 * - datacenter: a runner and its registry in the same cloud region (e.g. a GitHub-hosted
 *   runner pulling from a registry in its Azure region, or a self-hosted runner next to
 *   ECR/GAR): same-region TCP round trips are 0.5–2 ms; a single TCP stream from a
 *   small CI VM reaches a few hundred Mbit/s up to ~1 Gbit/s. 500 Mbit/s is what one
 *   stream through the relay reliably sustains on a 2-core VM, and still ~10x "internet".
 * - internet: the common case the issue asks for, a CI runner talking to a cloud
 *   registry in another region or on another provider (GitHub Actions in US-East to
 *   Docker Hub / GHCR / a registry in EU): cross-region RTTs are 20–80 ms (30 ms within
 *   one continent), and a single pull or push stream typically gets 50–200 Mbit/s,
 *   limited by per-connection throttling at the registry/CDN and the runner's NIC share.
 * - loopback: no namespaces, no shaping, the registry on 127.0.0.1 (the old behaviour).
 */
export const NETWORK_PROFILES: Record<NetworkProfileName, LinkProfile> = {
  loopback: {
    name: 'loopback',
    rateMbit: 0,
    rttMs: 0,
    description: 'registry on 127.0.0.1, no shaping (transfers cost almost nothing)',
  },
  datacenter: {
    name: 'datacenter',
    rateMbit: 500,
    rttMs: 2,
    description: 'CI runner and registry in the same cloud region: 500 Mbit/s, 2 ms RTT',
  },
  internet: {
    name: 'internet',
    rateMbit: 100,
    rttMs: 30,
    description: 'CI runner to a cloud registry in another region: 100 Mbit/s, 30 ms RTT',
  },
};

/** A realistic CI-runner-to-cloud-registry link. */
export const DEFAULT_NETWORK_PROFILE: NetworkProfileName = 'internet';

/** True when the profile needs namespaces and shaping (anything but loopback). */
export function isShaped(profile: LinkProfile): boolean {
  return profile.rateMbit > 0 || profile.rttMs > 0;
}

/** Looks a profile up by name, with a message listing what is allowed. */
export function networkProfile(name: string): LinkProfile {
  const custom = /^(\d+(?:\.\d+)?)mbit\/(\d+(?:\.\d+)?)ms$/.exec(name);
  if (custom) {
    const p: LinkProfile = { name, rateMbit: Number(custom[1]), rttMs: Number(custom[2]), description: `custom: ${custom[1]} Mbit/s, ${custom[2]} ms RTT` };
    validateProfile(p);
    return p;
  }
  const p = (NETWORK_PROFILES as Record<string, LinkProfile | undefined>)[name];
  if (!p) {
    throw new UsageError(`unknown network profile "${name}"`, `use one of: ${Object.keys(NETWORK_PROFILES).join(', ')}, or RATEmbit/RTTms (e.g. 50mbit/30ms)`);
  }
  return p;
}

/** Checks a (possibly hand-made) profile before any namespace is created. */
export function validateProfile(profile: LinkProfile): void {
  const bad = (field: string, value: unknown, allowed: string): never => {
    throw new UsageError(`network profile "${profile.name}": ${field} = ${String(value)} is not allowed`, `${field} must be ${allowed}`);
  };
  if (!Number.isFinite(profile.rateMbit) || profile.rateMbit < 0 || profile.rateMbit > 10_000) {
    bad('rateMbit', profile.rateMbit, 'a number in 0..10000 (0 = not shaped)');
  }
  if (profile.rateMbit > 0 && profile.rateMbit < 1) bad('rateMbit', profile.rateMbit, 'at least 1 when shaped');
  if (!Number.isFinite(profile.rttMs) || profile.rttMs < 0 || profile.rttMs > 2_000) {
    bad('rttMs', profile.rttMs, 'a number in 0..2000 (0 = no added delay)');
  }
}

/**
 * Hosted runner ↔ its CI cache service. GitHub-hosted runners restore actions/cache
 * archives at ~40–50 MB/s (actions/cache#928: "hosted runners: 50 MBs/s" for a 300 MB
 * cache; tespkg/actions-cache#43: 434 MB in 11 s, 261 MB in 6 s), i.e. 320–400 Mbit/s, from
 * blob storage in the runner's region (a few ms away).
 */
export const CI_CACHE_PROFILES: Record<string, LinkProfile> = {
  hosted: { name: 'hosted', rateMbit: 400, rttMs: 10, description: 'hosted runner to its CI cache service (actions/cache): 400 Mbit/s, 10 ms RTT' },
};

/**
 * The CI cache link when `--ci-cache-profile` is not given: `hosted` beside a shaped registry
 * link, loopback (a copy on the local disk) beside a loopback registry or a real one
 * (--registry: often a hosted runner without root, where no link can be shaped).
 */
export function defaultCiCacheProfile(registryProfile: string, remoteRegistry: boolean): string {
  return remoteRegistry || registryProfile === 'loopback' ? 'loopback' : 'hosted';
}

/** `--ci-cache-profile`: `hosted`, one of the registry's profiles, or RATEmbit/RTTms. */
export function ciCacheProfile(name: string): LinkProfile {
  const named = CI_CACHE_PROFILES[name];
  if (named) return named;
  try {
    return networkProfile(name);
  } catch (err) {
    throw new UsageError(`--ci-cache-profile: ${(err as Error).message}`, 'use hosted, loopback, datacenter, internet, or RATEmbit/RTTms (e.g. 400mbit/10ms)');
  }
}
