/** Number formatting shared by the text exporters (Markdown, HTML): one place for units. Pure. */
import { fmtMs } from '../progress.ts';
import type { Results } from '../results/types.ts';

export { fmtMs };

/** Build times: seconds with one decimal ("4.3 s"); "–" when unknown. */
export function fmtS(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  // Round half up on tenths of a second: (2150).toFixed would give 2.1 through binary rounding.
  return `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
}

/** Small costs (cache export, restore): "41 ms" below a second, else seconds. */
export function fmtCost(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  return fmtMs(ms);
}

/** Sizes in decimal units (1 MB = 10^6 bytes), kB below 0.1 MB so small pushes are not "0.00 MB". */
export function fmtBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  if (bytes === 0) return '0 MB';
  const mb = bytes / 1e6;
  if (mb < 0.1) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${mb.toFixed(mb >= 100 ? 0 : mb >= 10 ? 1 : 2)} MB`;
}

/** Sizes that can reach gigabytes (a month of transfers): GB from 1 GB (10⁹ bytes), else as fmtBytes. */
export function fmtSize(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  const gb = bytes / 1e9;
  if (gb < 1) return fmtBytes(bytes);
  return `${gb.toFixed(gb >= 100 ? 0 : gb >= 10 ? 1 : 2)} GB`;
}

/** Money in US dollars: "$1,234", "$12.34", "$0.004"; "–" when unknown. */
export function fmtUsd(usd: number | undefined): string {
  if (usd === undefined || !Number.isFinite(usd)) return '–';
  const sign = usd < 0 ? '−' : '';
  const a = Math.abs(usd);
  if (a === 0) return '$0';
  if (a < 1e-4) return `${sign}<$0.0001`;
  const text = a >= 1000 ? Math.round(a).toLocaleString('en-US') : a >= 1 ? a.toFixed(2) : a.toPrecision(2);
  return `${sign}$${text}`;
}

/** A unit price in US dollars, at least to the cent: "$0.50", "$0.006". */
export function fmtPrice(usd: number): string {
  return `$${Number.isInteger(usd * 100) ? usd.toFixed(2) : String(usd)}`;
}

/** Minutes of build time per month: "1,520 min", "12.3 min". */
export function fmtMinutes(min: number | undefined): string {
  if (min === undefined || !Number.isFinite(min)) return '–';
  if (min === 0) return '0 min';
  const sign = min < 0 ? '−' : '';
  const a = Math.abs(min);
  return `${sign}${a >= 100 ? Math.round(a).toLocaleString('en-US') : a.toFixed(1)} min`;
}

/** A relative change with its sign and a real minus ("−37%", "+4%"). */
export function fmtPct(pct: number | undefined, decimals = 0): string {
  if (pct === undefined || !Number.isFinite(pct)) return '–';
  const r = Number(pct.toFixed(decimals));
  if (r === 0) return `±${(0).toFixed(decimals)}%`;
  return `${r < 0 ? '−' : '+'}${Math.abs(r).toFixed(decimals)}%`;
}

export function fmtRange(lo: number, hi: number, fmt: (x: number) => string): string {
  return `${fmt(lo)} … ${fmt(hi)}`;
}

/** Commit-mix weight as a percentage ("90%"). */
export function fmtWeight(w: number): string {
  const p = w * 100;
  return `${Number.isInteger(Math.round(p * 10) / 10) ? Math.round(p) : p.toFixed(1)}%`;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The plan's adaptive settings when they make it adaptive (more runs allowed than the minimum, or a budget); else undefined. */
export function adaptiveOf(plan: Results['plan']): NonNullable<Results['plan']['adaptive']> | undefined {
  const a = plan.adaptive;
  return a !== undefined && (a.maxRuns > a.minRuns || a.budgetMs !== undefined) ? a : undefined;
}

/** What the run's plan says about builds per cell: "3 repetitions", or "3–10 builds (adaptive: target margin of error 5%, budget 50m)". */
export function buildsPerCellText(plan: Results['plan']): string {
  const a = adaptiveOf(plan);
  if (!a) return `${plan.repetitions} repetition${plan.repetitions === 1 ? '' : 's'}`;
  const range = a.maxRuns > a.minRuns ? `${a.minRuns}–${a.maxRuns} builds` : `${a.minRuns} build${a.minRuns === 1 ? '' : 's'}`;
  const rules = [a.targetRmePct !== undefined ? `target margin of error ${a.targetRmePct}%` : '', a.budgetMs !== undefined ? `budget ${fmtBudget(a.budgetMs)}` : ''].filter(Boolean);
  return `${range} (adaptive${rules.length ? `: ${rules.join(', ')}` : ''})`;
}

/** A duration as `--budget` reads it back: 50m, 1h30m, 90s. */
export function fmtBudget(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${rest || s === 0 ? `${rest}s` : ''}`;
}
