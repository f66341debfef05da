/**
 * "Other links" in every report of a run on a shaped link: its builds projected (src/project)
 * to the other named registry profiles, the expected time per mode there, and where the
 * fastest mode changes with bandwidth. Every figure is labelled a projection and kept out of
 * the measured tables. Pure.
 */
import { NETWORK_PROFILES } from '../network/profiles.ts';
import { GOODPUT, runLink, targetLink } from '../project/link.ts';
import { projectRun } from '../project/project.ts';
import type { Crossover, LinkFigures, Projection } from '../project/types.ts';
import type { Results } from '../results/types.ts';

export const PROJECTION_NOTE =
  'Projections, not measurements: each measured build is split into time the registry link does not change and bytes and round trips per transfer phase, fitted on this run\'s measured link, and re-timed for another (docs/PROJECTION.md). Known bias: pulls overlap layer unpacking, so projections to a faster link come out low (13–22% against measured loopback runs).';

export interface ReportProjection {
  /** The run's own link, as fitted. */
  source: LinkFigures;
  /** The link rate (Mbit/s) the run was measured at, for the chart's measured points. */
  measuredRateMbit: number;
  /** One projection per other named profile. */
  targets: Projection[];
  /** At the run's RTT. */
  crossover: Crossover;
  /** Where the fastest mode changes, in words ("registry-max beats none above ~200 Mbit/s …"). */
  headline: string;
}

// One projection per Results: the Markdown, the HTML and the charts of a report each ask for it.
const computed = new WeakMap<Results, ReportProjection | undefined>();

/** The projection section of a run, or undefined when the run has no shaped link to fit (loopback, a real registry) or nothing measured. */
export function reportProjection(results: Results): ReportProjection | undefined {
  if (!computed.has(results)) computed.set(results, projectionOf(results));
  return computed.get(results);
}

function projectionOf(results: Results): ReportProjection | undefined {
  const net = results.environment.network;
  if (!net || !(net.rateMbit > 0) || results.environment.networkProfile === 'remote') return undefined;
  let source: LinkFigures;
  try {
    source = runLink(results, 'the report');
  } catch {
    return undefined;
  }
  // The other named shaped profiles; one with the run's own figures would only repeat the measurement.
  const others = Object.values(NETWORK_PROFILES).filter((p) => p.rateMbit > 0 && !(p.rateMbit === net.rateMbit && p.rttMs === net.rttMs));
  const targets = others.map((p) => projectRun(results, source, targetLink(p.name)));
  const first = targets[0];
  if (!first || first.cells.length === 0) return undefined;
  const crossover = first.crossover;
  const fastest = crossover.changes.filter((c) => c.kind === 'fastest');
  const headline = fastest.length ? crossover.sentences.slice(0, fastest.length).join(' ') : (crossover.sentences[0] ?? '');
  return { source, measuredRateMbit: source.mbit / GOODPUT, targets, crossover, headline };
}

const sec = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? '–' : `${(Math.round(ms / 100) / 10).toFixed(1)} s`);

/** The expected time for the commit mix per mode: measured on the run's link, then projected to each other profile. */
export function projectionTable(p: ReportProjection): { head: string[]; rows: string[][] } {
  const head = ['Mode', `Measured (${p.source.label})`, ...p.targets.map((t) => `Projected: ${t.target.label}`)];
  const first = p.targets[0] as Projection;
  const rows = first.expected.map((e) => [e.mode, sec(e.measured.ms), ...p.targets.map((t) => sec(t.expected.find((x) => x.mode === e.mode)?.projected.ms))]);
  return { head, rows };
}

/** What the section says under its table: the crossover in words, modes left out, the model's warnings (once each). */
export function projectionNotes(p: ReportProjection): string[] {
  const c = p.crossover;
  const notes = [...c.sentences.map((s) => `Projected at ${c.rttMs.toFixed(0)} ms RTT: ${s}`)];
  if (c.excluded.length) notes.push(`Left out of the crossover (a scenario of the mix not measured): ${c.excluded.join(', ')}.`);
  notes.push(...new Set(p.targets.flatMap((t) => t.warnings)));
  return notes;
}
