/** The shape of mix.json and mix.csv, commits per day, and the console summary (pure). */
import { stringify } from 'csv-stringify/sync';
import { MIX_CLASSES, type MixClass } from './classify.ts';
import type { CommitsPerDay, MixRange } from '../results/types.ts';

export interface MixCommit {
  sha: string;
  date: string;
  class: MixClass;
  /** The first step it invalidates. */
  step?: string;
  /** The files that caused it (first 10). */
  files: string[];
}

export interface MixResult {
  schemaVersion: 1;
  repository: string;
  branch: string;
  range: MixRange;
  /** Commits classified. */
  commits: number;
  /** Commits not classified: root commits, no Dockerfile at that commit, a shallow clone's boundary. */
  skipped: number;
  shallow: boolean;
  counts: Record<MixClass, number>;
  weights: Record<MixClass, number>;
  /** Over every calendar day (UTC) from the first to the last commit, zero days included. */
  commitsPerDay: CommitsPerDay;
  generatedAt: string;
  /** Newest first. */
  perCommit: MixCommit[];
}

const DAY = 86_400_000;
const dayOf = (iso: string) => Math.floor(Date.parse(iso) / DAY);

export function commitsPerDay(dates: readonly string[], firstDate: string, lastDate: string): MixResult['commitsPerDay'] {
  const start = dayOf(firstDate);
  const days = Math.max(1, dayOf(lastDate) - start + 1);
  const perDay = new Array<number>(days).fill(0);
  for (const d of dates) {
    const i = dayOf(d) - start;
    if (i >= 0 && i < days) perDay[i] = (perDay[i] ?? 0) + 1;
  }
  const sorted = [...perDay].sort((a, b) => a - b);
  const mid = Math.floor(days / 2);
  const median = days % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { mean: dates.length / days, median, days };
}

export function renderMixCsv(m: MixResult): string {
  return stringify(
    m.perCommit.map((c) => [c.sha, c.date, c.class, c.step ?? '', c.files.join(' ')]),
    { header: true, columns: ['sha', 'date', 'class', 'first_invalidated_step', 'files'] },
  );
}

/** The `--mix` value equivalent to this mix's weights for the measured scenarios. */
export function mixFlag(m: MixResult): string {
  return ['code-change', 'dependency-change', 'no-change'].map((k) => `${k}=${(m.weights[k as MixClass] ?? 0).toFixed(3)}`).join(',');
}

export function mixSummary(m: MixResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    `${m.commits} commits of ${m.repository} (${m.branch}), ${m.range.firstDate.slice(0, 10)} … ${m.range.lastDate.slice(0, 10)}${m.skipped ? `; ${m.skipped} not classified` : ''}${m.shallow ? ' (shallow clone)' : ''}`,
    ...MIX_CLASSES.map((k) => `  ${k.padEnd(18)} ${String(m.counts[k]).padStart(6)}  ${pct(m.weights[k]).padStart(6)}`),
    `commits per day: mean ${m.commitsPerDay.mean.toFixed(2)}, median ${m.commitsPerDay.median} over ${m.commitsPerDay.days} days`,
  ];
  return lines.join('\n');
}
