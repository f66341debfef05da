/**
 * Cache phases that the bytes they moved do not explain: a cache import or export that
 * takes many seconds for a few megabytes. Measured on a 100-step stage (docs/NOTES.md):
 * registry-max's cache-export took 84 s and its cache-import 87 s on loopback for a few
 * MB, against 5.5 s for the whole `none` build — BuildKit's own work on the cache chain
 * ("preparing build cache for export", moby/buildkit#3299; matching the steps against the
 * imported cache), not the harness and not the link. The report says so, because a reader
 * would otherwise blame the registry or expect a faster link to help. Pure.
 */
import { MODE_NAMES, cacheMode } from '../cache-modes.ts';
import { median } from '../results/stats.ts';
import type { CellResult, Results } from '../results/types.ts';
import { buildModel, runFacts, type RunFacts } from '../project/model.ts';
import { runLink, targetLink } from '../project/link.ts';
import type { LinkFigures } from '../project/types.ts';
import { okRuns } from './cells.ts';
import { fmtBytes, fmtS } from './format.ts';

/** A phase is flagged from this median length on: shorter ones cannot change a ranking much. */
export const SLOW_PHASE_MIN_MS = 10_000;
/** …when the link explains at most this share of it… */
export const SLOW_PHASE_MAX_LINK_SHARE = 0.5;
/** …and it moved its bytes slower than this (bytes per second of the phase): 5 MB/s, far below a disk or loopback copy. */
export const SLOW_PHASE_MAX_BYTES_PER_S = 5e6;

type CachePhase = 'cache-import' | 'cache-export';

/** One cell's cache phase whose time the bytes it moved do not explain (medians over the cell's successful builds). */
export interface SlowCachePhase {
  cellId: string;
  scenario: string;
  mode: string;
  phase: CachePhase;
  ms: number;
  bytes: number;
  /** The part of `ms` the run's link explains (0 on loopback and for a local cache directory). */
  linkMs: number;
}

/**
 * The run's link as the projection fits it; for a shaped run recorded before the link's
 * figures were, its profile's figures. A real remote registry is not modelled.
 */
function sourceLink(results: Results): LinkFigures | undefined {
  const profile = results.environment.networkProfile;
  if (profile === 'remote') return undefined;
  try {
    return runLink(results, 'the report');
  } catch {
    // No figures recorded: the profile's, when its name still parses; else nothing to say.
    try {
      return targetLink(profile);
    } catch {
      return undefined;
    }
  }
}

function cellPhases(cell: CellResult, facts: RunFacts, source: LinkFigures): SlowCachePhase[] {
  const ok = okRuns(cell.runs);
  // A mode this cachebench does not know (an older or hand-made results file) has no model.
  if (ok.length === 0 || !MODE_NAMES.includes(cell.mode)) return [];
  const local = cacheMode(cell.mode).storage === 'local';
  const models = ok.map((r) => buildModel(r, cell.mode, cell.scenario, facts, source));
  const out: SlowCachePhase[] = [];
  for (const phase of ['cache-import', 'cache-export'] as const) {
    const ms = median(ok.map((r) => r.phases[phase] ?? 0));
    // A local cache directory moves its archive's bytes on disk; the model counts none over the
    // link. Runs from before the CI cache link have only the directory's size (cacheBytes).
    const bytes = local
      ? median(ok.flatMap((r) => (phase === 'cache-import' ? r.ciCacheBytes?.restored : r.ciCacheBytes?.saved) ?? r.cacheBytes ?? []))
      : median(models.map((m) => m.phases.find((p) => p.phase === phase)?.bytes ?? 0));
    const linkMs = local ? 0 : median(models.map((m) => {
      const p = m.phases.find((x) => x.phase === phase);
      return p ? Math.max(0, p.measuredMs - p.localMs) : 0;
    }));
    // No bytes recorded (the median of nothing is NaN): nothing to say.
    const slow = Number.isFinite(bytes) && ms >= SLOW_PHASE_MIN_MS && linkMs <= SLOW_PHASE_MAX_LINK_SHARE * ms && bytes / (ms / 1000) < SLOW_PHASE_MAX_BYTES_PER_S;
    if (slow) out.push({ cellId: cell.id, scenario: cell.scenario, mode: cell.mode, phase, ms, bytes, linkMs });
  }
  return out;
}

/** Every cell's cache phases that took far longer than their bytes explain. */
export function slowCachePhases(results: Results): SlowCachePhase[] {
  const source = sourceLink(results);
  if (!source) return [];
  const facts = runFacts(results);
  return results.cells.flatMap((c) => cellPhases(c, facts, source));
}

const WHY: Record<CachePhase, string> = {
  'cache-export': 'BuildKit\'s own preparation of the cache chain ("preparing build cache for export", which grows with the number of layers: moby/buildkit#3299)',
  'cache-import': 'BuildKit matching the build\'s steps against the imported cache chain before the first step runs (it grows with the number of cached steps)',
};

/** One caveat per flagged phase, in words. */
export function slowCachePhaseCaveats(results: Results): string[] {
  return slowCachePhases(results).map((p) => {
    const link = p.linkMs > 0 ? `; the registry link explains ${fmtS(p.linkMs)} of it` : '';
    return `In ${p.scenario}, ${p.mode}'s ${p.phase} took ${fmtS(p.ms)} (median) for ${fmtBytes(p.bytes)}${link}. The bytes do not explain it: the likely cause is ${WHY[p.phase]}, which a faster link or registry will not shorten. Long stages (many RUN/COPY steps) make it grow.`;
  });
}
