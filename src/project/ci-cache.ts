/**
 * `local` mode's CI cache step re-timed for another CI cache link (`project
 * --ci-cache-profile`). The run records per build the archive's bytes restored and saved
 * (ciCacheBytes) and the phases' times (cache-restore, cache-save); the CI cache link it
 * crossed is in environment.ciCache (its probe's download and upload goodput and RTT).
 * Each phase is split like a registry transfer: local = phase − bytes·8/mbit − requests·rtt
 * (≥ 0), and its time on another link is local + bytes·8/mbit' + requests·rtt'. Without
 * --ci-cache-profile a projection keeps both phases at their measured times. Pure.
 */
import { ciCacheProfile } from '../network/profiles.ts';
import type { BuildRecord, Results } from '../results/types.ts';
import { linkAt, linkMs, trim } from './link.ts';
import type { BuildModel, LinkFigures } from './types.ts';

/** Round trips per restore or save: the connection and the one HTTP request that streams the archive. */
export const CI_CACHE_REQUESTS = 2;

/** The CI cache link each way: restores download, saves upload. */
export interface CiCacheLinks {
  label: string;
  down: LinkFigures;
  up: LinkFigures;
}

/** The CI cache link a run's local builds crossed: its probe's figures where recorded, else its profile's; loopback = no link. */
export function runCiCacheLinks(results: Results): CiCacheLinks {
  const c = results.environment.ciCache;
  if (!c || !(c.rateMbit > 0)) {
    const none = linkAt(0, 0, 'loopback (no link)');
    return { label: c ? `${c.profile} (no link: a copy on the local disk)` : 'not recorded (a copy on the local disk)', down: none, up: none };
  }
  if (c.measuredMbit !== undefined && c.measuredMbit > 0) {
    const rtt = c.measuredRttMs ?? c.rttMs;
    const upMbit = c.measuredUploadMbit !== undefined && c.measuredUploadMbit > 0 ? c.measuredUploadMbit : c.measuredMbit;
    return {
      label: `${c.profile} (measured ${trim(c.measuredMbit)} Mbit/s down, ${trim(upMbit)} up, ${trim(rtt)} ms RTT)`,
      down: { label: `${c.profile} down`, mbit: c.measuredMbit, rttMs: rtt, from: 'measured' },
      up: { label: `${c.profile} up`, mbit: upMbit, rttMs: rtt, from: 'measured' },
    };
  }
  const l = linkAt(c.rateMbit, c.rttMs, c.profile);
  return { label: l.label, down: l, up: l };
}

/** `--ci-cache-profile P|RATEmbit/RTTms` as a target: the profile's rate × goodput both ways. */
export function ciCacheTarget(spec: string): CiCacheLinks {
  const p = ciCacheProfile(spec);
  const l = linkAt(p.rateMbit, p.rttMs, p.name);
  return { label: l.label, down: l, up: l };
}

/** The change of a build's time when its CI cache restore and save cross `target` instead of `source`. */
export function ciCacheDeltaMs(rec: BuildRecord, source: CiCacheLinks, target: CiCacheLinks): number {
  const parts: Array<[number | undefined, number | undefined, LinkFigures, LinkFigures]> = [
    [rec.phases['cache-restore'], rec.ciCacheBytes?.restored, source.down, target.down],
    [rec.phases['cache-save'], rec.ciCacheBytes?.saved, source.up, target.up],
  ];
  let delta = 0;
  for (const [measured, bytes, from, to] of parts) {
    if (measured === undefined || bytes === undefined) continue;
    // The link's share cannot exceed the phase: a clamped fit keeps no local part.
    const linkShare = Math.min(measured, linkMs(from, bytes, CI_CACHE_REQUESTS));
    delta += linkMs(to, bytes, CI_CACHE_REQUESTS) - linkShare;
  }
  return delta;
}

/** The build model with its CI cache step moved to `target`: the link-independent time shifts, the registry part stays. */
export function withCiCacheLink(model: BuildModel, rec: BuildRecord, source: CiCacheLinks, target: CiCacheLinks): BuildModel {
  return { ...model, fixedMs: model.fixedMs + ciCacheDeltaMs(rec, source, target) };
}
