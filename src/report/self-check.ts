/**
 * The per-build self-check in words and tables (pure): how many builds accounted for every
 * instruction their Dockerfile needs and for BuildKit's span, and which did not and why.
 */
import type { BuildRecord, Results } from '../results/types.ts';

export interface SelfCheckRow {
  build: string;
  expected: number;
  accounted: number;
  sumMs: number;
  spanMs: number;
  unattributedMs: number;
  ok: boolean;
  problems: string[];
}

export interface SelfCheckSummary {
  /** Successful builds that carry a check. */
  checked: number;
  failed: SelfCheckRow[];
  rows: SelfCheckRow[];
  /** Stages the target does not build (from any checked build). */
  skippedStages: string[];
}

function row(build: string, r: BuildRecord): SelfCheckRow | undefined {
  if (r.status !== 'ok' || !r.check) return undefined;
  const c = r.check;
  return { build, expected: c.instructions.expected, accounted: c.instructions.accounted, sumMs: c.phases.sumMs, spanMs: c.phases.spanMs, unattributedMs: c.phases.unattributedMs, ok: c.ok, problems: c.problems };
}

export function selfCheckSummary(results: Results): SelfCheckSummary {
  const rows: SelfCheckRow[] = [];
  const skipped = new Set<string>();
  const add = (build: string, r: BuildRecord) => {
    const x = row(build, r);
    if (x) rows.push(x);
    for (const s of r.check?.instructions.skippedStages ?? []) skipped.add(s);
  };
  for (const [mode, s] of Object.entries(results.seeds)) add(`seed · ${mode}`, s);
  for (const c of results.cells) for (const r of c.runs) add(`${c.scenario} · ${c.mode} #${r.repetition}`, r);
  return { checked: rows.length, failed: rows.filter((r) => !r.ok), rows, skippedStages: [...skipped] };
}

export const SELF_CHECK_HEAD = ['Build', 'Steps expected', 'Accounted', 'Phases (s)', 'BuildKit span (s)', 'Problems'];

export function selfCheckRows(s: SelfCheckSummary): string[][] {
  return s.failed.map((r) => [r.build, String(r.expected), String(r.accounted), (r.sumMs / 1000).toFixed(1), (r.spanMs / 1000).toFixed(1), r.problems.join(' | ')]);
}

/** One paragraph: what was checked and the verdict. */
export function selfCheckText(s: SelfCheckSummary): string {
  if (s.checked === 0) return 'No build carries a self-check (results recorded before it existed, or no build succeeded).';
  const skipped = s.skippedStages.length ? ` Stages the target does not build: ${s.skippedStages.join(', ')}.` : '';
  const worst = Math.max(...s.rows.map((r) => (r.spanMs ? r.unattributedMs / r.spanMs : 0)));
  const what = `Each successful build was checked against its Dockerfile: every numbered step of the stages the target needs appears exactly once among BuildKit's vertices, and the phases cover BuildKit's span but for max(1 s, 5%, 50 ms per pause between vertices) (largest unattributed share here: ${(worst * 100).toFixed(1)}%).${skipped}`;
  if (s.failed.length === 0) return `All ${s.checked} builds passed the self-check. ${what}`;
  return `**${s.failed.length} of ${s.checked} builds failed the self-check**: their step counts or phases cannot be fully explained, so treat their numbers with care (listed below). ${what}`;
}
