/** How compare writes numbers: durations, sizes, percentages, p-values, step counts. Pure. */

/** `888 ms`, `2.52 s`, `1m 23.4s`: two decimals of seconds so nightly differences stay visible. */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (Math.abs(s) < 60) return `${s.toFixed(2)} s`;
  const m = Math.floor(s / 60);
  return `${m}m ${(s - m * 60).toFixed(1)}s`;
}

/** Decimal units (kB = 1000 B), like registries and `docker images` report sizes. */
export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '?';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** Signed percent with one decimal: `+15.0%`, `-3.2%`. */
export function fmtPct(pct: number): string {
  if (!Number.isFinite(pct)) return '?';
  const r = Math.round(pct * 10) / 10;
  return `${r > 0 ? '+' : r < 0 ? '-' : ''}${Math.abs(r).toFixed(1)}%`;
}

export function fmtP(p: number): string {
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** Step counts are medians, so they can be halves. */
export function fmtCount(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/** A time as a share of the control's: `×0.62` (62% of none's time). */
export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `×${r.toFixed(2)}` : '?';
}
