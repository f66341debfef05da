/**
 * The links a projection goes from and to: the run's own (what its probe measured, else its
 * profile's figures) and a target given as a profile name or RATEmbit/RTTms. Pure.
 */
import { UsageError } from '../errors.ts';
import { networkProfile, type LinkProfile } from '../network/profiles.ts';
import type { Results } from '../results/types.ts';
import type { LinkFigures } from './types.ts';

/**
 * TCP goodput as a share of a shaped link's rate (1448 payload bytes per 1514-byte frame,
 * src/network/profiles.ts): what a transfer gets on a profile nobody measured. The run's
 * own probe of the internet profile measured 96.3 of 100 Mbit/s.
 */
export const GOODPUT = 0.96;

/** A rate or RTT in a label: 3 significant-ish digits ("96.3", "382", "9.73"). */
export function trim(x: number): string {
  return String(Number(x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2)));
}

/** A link of `rateMbit` (0 = none: loopback) and `rttMs`, as a profile nobody measured. */
export function linkAt(rateMbit: number, rttMs: number, name?: string): LinkFigures {
  if (!(rateMbit > 0)) return { label: name ?? 'loopback (no link)', mbit: Infinity, rttMs: 0, from: 'loopback' };
  const figures = `${trim(rateMbit)} Mbit/s × ${GOODPUT} goodput, ${trim(rttMs)} ms RTT`;
  return { label: name ? `${name} (${figures})` : figures, mbit: rateMbit * GOODPUT, rttMs, from: 'profile' };
}

/** `--network-profile P|RATEmbit/RTTms` as a target link; an unknown name is a UsageError listing the allowed ones. */
export function targetLink(spec: string): LinkFigures {
  const p: LinkProfile = networkProfile(spec);
  return linkAt(p.rateMbit, p.rttMs, p.name);
}

/**
 * The link a run's builds crossed: its probe's measured goodput and RTT where it has them,
 * else its profile's figures. A loopback run has none (mbit = Infinity). A shaped run
 * without `environment.network` cannot be fitted: a UsageError naming the fix.
 */
export function runLink(results: Results, where: string): LinkFigures {
  const env = results.environment;
  const net = env.network;
  if (!net) {
    if (env.networkProfile === 'loopback') return linkAt(0, 0, 'loopback (no link)');
    throw new UsageError(
      `${where}: the run records no link figures (environment.network is missing; network profile "${env.networkProfile}")`,
      'project needs a run recorded since the shaped registry link existed: run the benchmark again with this cachebench (it records environment.network)',
    );
  }
  if (!(net.rateMbit > 0)) return linkAt(0, 0, `${env.networkProfile} (no link)`);
  if (net.measuredMbit !== undefined && net.measuredMbit > 0) {
    const rtt = net.measuredRttMs ?? net.rttMs;
    return { label: `${env.networkProfile} (measured ${trim(net.measuredMbit)} Mbit/s, ${trim(rtt)} ms RTT)`, mbit: net.measuredMbit, rttMs: rtt, from: 'measured' };
  }
  return linkAt(net.rateMbit, net.rttMs, env.networkProfile);
}

/** ms to move `bytes` over `link`, and `requests` round trips on it. */
export function linkMs(link: LinkFigures, bytes: number, requests: number): number {
  const transfer = link.mbit === Infinity ? 0 : (bytes * 8) / (link.mbit * 1000);
  return transfer + requests * link.rttMs;
}
