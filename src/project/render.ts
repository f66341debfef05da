/**
 * A projection and its check against a measured run as Markdown (what `cachebench project`
 * prints) and as JSON (--json). Every figure of the Markdown says "projected". Pure.
 */
import { fmtRate } from './crossover.ts';
import type { AgainstComparison, Crossover, Projection } from './types.ts';

const s = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? '–' : `${(Math.round(ms / 100) / 10).toFixed(1)} s`);
const signed = (ms: number) => `${ms < 0 ? '−' : '+'}${s(Math.abs(ms))}`;
const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;
function pct(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  const r = Math.round(x);
  return `${r > 0 ? '+' : r < 0 ? '−' : '±'}${Math.abs(r)}%`;
}
const row = (cells: ReadonlyArray<string | number>) => `| ${cells.join(' | ')} |`;
const head = (cols: readonly string[]) => [row(cols), row(cols.map(() => '---'))];

const PROJECTED_NOTE = '> Projections, not measurements: each measured build is split into time the link does not change and bytes and round trips per transfer phase, fitted on the run\'s own link, and re-timed for another (docs/PROJECTION.md).';

function mixText(mix: Record<string, number>): string {
  const total = Object.values(mix).reduce((a, w) => a + (w > 0 ? w : 0), 0);
  return Object.entries(mix).filter(([, w]) => w > 0).map(([k, w]) => `${k} ${Math.round((100 * w) / total)}%`).join(', ');
}

function cellTable(p: Projection): string[] {
  const lines = head(['scenario', 'mode', 'builds', 'measured (run\'s link)', 'projected', 'change', 'over the link: pulled / pushed', 'clamped']);
  for (const c of p.cells) {
    const change = ((c.meanMs - c.measuredMeanMs) / c.measuredMeanMs) * 100;
    lines.push(row([c.scenario, c.mode, c.n, s(c.measuredMeanMs), `**${s(c.meanMs)}**`, pct(change), `${mb(c.pulledBytes)} / ${mb(c.pushedBytes)}`, c.clampedBuilds ? `${c.clampedBuilds} (${s(c.clampedMs)})` : '–']));
  }
  return lines;
}

function expectedTable(p: Projection): string[] {
  const none = p.expected.find((e) => e.mode === 'none')?.projected.ms;
  const lines = head(['mode', 'measured (run\'s link)', 'projected', 'projected vs none']);
  for (const e of p.expected) {
    const vs = none !== undefined && e.projected.ms !== undefined && e.mode !== 'none' ? ((e.projected.ms - none) / none) * 100 : undefined;
    const missing = e.projected.missing.length ? ` (no ${e.projected.missing.join(', ')})` : '';
    lines.push(row([e.mode, s(e.measured.ms), `**${s(e.projected.ms)}**${missing}`, pct(vs)]));
  }
  return lines;
}

function crossoverSection(c: Crossover): string[] {
  const lines = [`## Crossover: projected expected time against bandwidth (${c.rttMs.toFixed(0)} ms RTT)`, ''];
  if (c.rows.length === 0) return [...lines, 'No mode has every scenario of the mix.', ''];
  lines.push(...head(['link', ...c.rows.map((r) => r.mode)]));
  c.grid.forEach((rate, i) => lines.push(row([fmtRate(rate), ...c.rows.map((r) => s(r.ms[i]))])));
  lines.push('', ...c.sentences.map((x) => `- ${x}`));
  if (c.excluded.length) lines.push(`- left out (a scenario of the mix not measured): ${c.excluded.join(', ')}`);
  lines.push('', 'Link rates are the link\'s; transfers get 0.96 of them (TCP goodput). Near a crossing the two modes are within noise of each other: read the rate as a region, not a line.', '');
  return lines;
}

function warningsSection(warnings: readonly string[]): string[] {
  return warnings.length ? ['## Read with care', '', ...warnings.map((w) => `- ${w}`), ''] : [];
}

/** What `cachebench project DIR --network-profile P` prints. */
export function renderProjection(p: Projection): string {
  return [
    `# Projection of run ${p.runId} (${p.fixture}) to ${p.target.label}`,
    '',
    PROJECTED_NOTE,
    '',
    `Fitted on: ${p.source.label}. Projected to: ${p.target.label}.${p.ciCache ? ` CI cache (local mode): ${p.ciCache.source} → ${p.ciCache.target}.` : ''}`,
    '',
    '## Projected mean per cell',
    '',
    ...cellTable(p),
    '',
    `## Projected expected time for the commit mix (${mixText(p.mix)})`,
    '',
    ...expectedTable(p),
    '',
    ...crossoverSection(p.crossover),
    ...warningsSection(p.warnings),
  ].join('\n');
}

/** What `cachebench project DIR --against OTHER` prints. */
export function renderAgainst(a: AgainstComparison): string {
  const p = a.projection;
  const cells = head(['scenario', 'mode', 'projected', 'measured', 'error', 'builds (projected / measured)']);
  for (const c of a.cells) cells.push(row([c.scenario, c.mode, s(c.projectedMeanMs), s(c.measuredMeanMs), pct(c.errorPct), `${c.nProjected} / ${c.nMeasured}`]));
  const orders = head(['scenario', 'faster (measured)', 'slower', 'measured Δ', 'separated', 'projected Δ', 'order']);
  for (const o of a.orders) orders.push(row([o.scenario, o.a, o.b, signed(o.measuredDeltaMs), o.measuredSeparated ? 'yes' : 'no', signed(o.projectedDeltaMs), o.verdict]));
  const expected = head(['mode', 'projected', 'measured', 'error']);
  for (const e of a.expected) expected.push(row([e.mode, s(e.projectedMs), s(e.measuredMs), pct(e.errorPct)]));
  const separatedPairs = a.orders.filter((o) => o.measuredSeparated);
  const flipped = separatedPairs.filter((o) => o.verdict === 'flipped');
  const summary = separatedPairs.length === 0
    ? 'The measured run separates no pair of modes: there is no order to check.'
    : flipped.length === 0
      ? `The projection keeps the order of all ${separatedPairs.length} pairs of modes the measured run clearly separates.`
      : `The projection flips ${flipped.length} of ${separatedPairs.length} clearly separated pairs: ${flipped.map((o) => `${o.scenario} ${o.a} < ${o.b}`).join('; ')}.`;
  return [
    `# Projection of run ${p.runId} checked against run ${a.other.runId} (${p.fixture})`,
    '',
    PROJECTED_NOTE,
    '',
    `Fitted on: ${p.source.label}. Projected to the other run's link: ${a.other.link.label}.`,
    '',
    '## Projected vs measured per cell',
    '',
    ...cells,
    '',
    '## Order of the modes',
    '',
    summary,
    '',
    ...orders,
    '',
    `## Expected time for the commit mix (${mixText(p.mix)})`,
    '',
    ...expected,
    '',
    ...warningsSection(a.warnings),
  ].join('\n');
}

/** --json: everything, per build included; a link without a rate (loopback, Infinity) as null. */
export function projectionJson(x: Projection | AgainstComparison): string {
  return JSON.stringify(x, (_k, v: unknown) => (v === Infinity ? null : v), 2);
}
