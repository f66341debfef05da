/**
 * Expected time per mode against bandwidth at a fixed RTT, and the bandwidths where the
 * ranking changes. Each mode's expected time is a line in 1/goodput (aMs + bitsK/mbit), so
 * two modes cross at exactly one bandwidth, if at all: the crossings are solved, not
 * searched on the grid. Pure.
 */
import { mean } from '../stats/describe.ts';
import { GOODPUT } from './link.ts';
import { buildLine } from './model.ts';
import type { CellProjection, Crossover, ModeLine } from './types.ts';

/** Link rates shown, Mbit/s: a 1-2-5 log grid from 10 Mbit/s to 10 Gbit/s. */
export const GRID_MBIT = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
const LO = GRID_MBIT[0] as number;
const HI = GRID_MBIT[GRID_MBIT.length - 1] as number;

/** "~350 Mbit/s", "~1.2 Gbit/s": two significant digits, the precision a projection has. */
export function fmtRate(mbit: number): string {
  const r = Number(mbit.toPrecision(2));
  return r >= 1000 ? `${Number((r / 1000).toPrecision(2))} Gbit/s` : `${r} Mbit/s`;
}

/** A mode's expected time as a line: Σ weight × cell mean of each build's line; undefined when a weighted scenario has no cell. */
export function modeLine(mode: string, cells: readonly CellProjection[], mix: Record<string, number>, rttMs: number): ModeLine | undefined {
  const weighted = Object.entries(mix).filter(([, w]) => w > 0);
  const total = weighted.reduce((a, [, w]) => a + w, 0);
  let aMs = 0;
  let bitsK = 0;
  for (const [scenario, w] of weighted) {
    const cell = cells.find((c) => c.mode === mode && c.scenario === scenario);
    if (!cell) return undefined;
    const lines = cell.builds.map((b) => buildLine(b, rttMs));
    aMs += (w / total) * mean(lines.map((l) => l.aMs));
    bitsK += (w / total) * mean(lines.map((l) => l.bitsK));
  }
  return weighted.length ? { mode, aMs, bitsK } : undefined;
}

/** Expected time of a line at a link rate (goodput = rate × GOODPUT). */
export function lineAt(line: ModeLine, rateMbit: number): number {
  return line.aMs + line.bitsK / (rateMbit * GOODPUT);
}

/** The link rate where two lines meet, if it is inside the grid's range. */
export function crossing(a: ModeLine, b: ModeLine): number | undefined {
  const da = b.aMs - a.aMs;
  const db = a.bitsK - b.bitsK;
  if (da === 0 || db === 0) return undefined;
  const goodput = db / da;
  const rate = goodput / GOODPUT;
  return goodput > 0 && rate > LO && rate < HI ? rate : undefined;
}

type Pick = (lines: readonly ModeLine[], rate: number) => string;
const fastest: Pick = (ls, r) => ls.reduce((x, y) => (lineAt(y, r) < lineAt(x, r) ? y : x)).mode;
const slowest: Pick = (ls, r) => ls.reduce((x, y) => (lineAt(y, r) > lineAt(x, r) ? y : x)).mode;

/** Where `pick`'s mode changes between LO and HI: checked between consecutive crossings. */
function envelopeChanges(lines: readonly ModeLine[], kind: 'fastest' | 'slowest', pick: Pick): Crossover['changes'] {
  const cuts = new Set<number>();
  for (let i = 0; i < lines.length; i++) for (let j = i + 1; j < lines.length; j++) {
    const x = crossing(lines[i] as ModeLine, lines[j] as ModeLine);
    if (x !== undefined) cuts.add(x);
  }
  const points = [LO, ...[...cuts].sort((a, b) => a - b), HI];
  const out: Crossover['changes'] = [];
  let current = pick(lines, LO);
  for (let k = 1; k + 1 < points.length; k++) {
    const next = pick(lines, Math.sqrt((points[k] as number) * (points[k + 1] as number)));
    if (next !== current) out.push({ kind, rateMbit: points[k] as number, before: current, after: next });
    current = next;
  }
  return out;
}

function vsNone(lines: readonly ModeLine[]): Crossover['changes'] {
  const none = lines.find((l) => l.mode === 'none');
  if (!none) return [];
  return lines.flatMap((l) => {
    const x = l === none ? undefined : crossing(l, none);
    if (x === undefined) return [];
    const faster = lineAt(l, x * 2) < lineAt(none, x * 2);
    return [{ kind: 'vs-none' as const, rateMbit: x, before: faster ? 'none' : l.mode, after: faster ? l.mode : 'none' }];
  });
}

function sentence(c: Crossover['changes'][number]): string {
  const at = `~${fmtRate(c.rateMbit)}`;
  if (c.kind === 'fastest') return `${c.after} beats ${c.before} above ${at} (and is the fastest from there).`;
  if (c.kind === 'slowest') return `${c.before} stops being the slowest above ${at} (${c.after} is the slowest from there).`;
  return c.after === 'none' ? `${c.before} falls behind none above ${at}.` : `${c.after} beats none above ${at}.`;
}

/** The grid table, the changes of the fastest and slowest mode, each mode's crossing with none, in words. */
export function crossover(cells: readonly CellProjection[], modes: readonly string[], mix: Record<string, number>, rttMs: number): Crossover {
  const lines = modes.map((m) => modeLine(m, cells, mix, rttMs)).filter((l): l is ModeLine => l !== undefined);
  const excluded = modes.filter((m) => !lines.some((l) => l.mode === m));
  const rows = lines.map((l) => ({ ...l, ms: GRID_MBIT.map((r) => lineAt(l, r)) }));
  if (lines.length < 2) return { rttMs, grid: GRID_MBIT, rows, excluded, changes: [], sentences: lines.length ? [`only ${lines[0]?.mode} has every scenario of the mix: nothing to cross.`] : [] };
  const byRate = (a: { rateMbit: number }, b: { rateMbit: number }) => a.rateMbit - b.rateMbit;
  const first = envelopeChanges(lines, 'fastest', fastest);
  const last = envelopeChanges(lines, 'slowest', slowest);
  // With two modes the change of the fastest is the crossing with none: said once.
  const none = vsNone(lines).filter((c) => !first.some((f) => f.rateMbit === c.rateMbit && f.before === c.before && f.after === c.after)).sort(byRate);
  const range = `from ${fmtRate(LO)} to ${fmtRate(HI)}`;
  const sentences = [
    ...(first.length ? first.map(sentence) : [`${fastest(lines, LO)} is the fastest ${range}.`]),
    ...(last.length ? last.map(sentence) : [`${slowest(lines, LO)} is the slowest ${range}.`]),
    ...none.map(sentence),
  ];
  return { rttMs, grid: GRID_MBIT, rows, excluded, changes: [...first, ...last, ...none], sentences };
}
