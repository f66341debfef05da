/**
 * Why steps re-ran, per cell (pure): the first step that re-ran and its cause (from each
 * build's explanation, src/explain), whether the repetitions agree, and every finding —
 * a re-run nothing predicts, or a predicted re-run that came out cached.
 */
import { firstRerun } from '../explain/explain.ts';
import type { BuildExplanation, BuildRecord, Results, StepExplanation } from '../results/types.ts';

export interface MissRow {
  /** `seed` for the parent builds, else the scenario. */
  scenario: string;
  mode: string;
  /** Cached/total of the first explained build. */
  cached: string;
  first?: StepExplanation;
  /** Whether every explained repetition re-ran the same first step for the same cause. */
  agree: boolean;
  explained: number;
  /** The first explained build's steps (for the HTML step list). */
  steps: StepExplanation[];
}

export interface MissSummary {
  rows: MissRow[];
  /** `scenario × mode #r: finding`. */
  findings: string[];
  /** Builds that succeeded but carry no explanation (recorded before it existed). */
  unexplained: number;
}

const key = (s: StepExplanation | undefined) => (s ? `${s.step}|${s.cause ?? ''}` : 'none');

function rowOf(scenario: string, mode: string, builds: BuildRecord[]): MissRow | undefined {
  const explained = builds.filter((b) => b.status === 'ok' && b.explain);
  const x = explained[0]?.explain;
  if (!x) return undefined;
  const first = firstRerun(x);
  const b0 = explained[0] as BuildRecord;
  return {
    scenario,
    mode,
    cached: `${b0.cachedSteps}/${b0.totalSteps}`,
    ...(first ? { first } : {}),
    agree: explained.every((b) => key(firstRerun(b.explain as BuildExplanation)) === key(first)),
    explained: explained.length,
    steps: x.steps,
  };
}

export function missSummary(results: Results): MissSummary {
  const rows: MissRow[] = [];
  const findings: string[] = [];
  let unexplained = 0;
  const note = (where: string, b: BuildRecord) => {
    if (b.status === 'ok' && !b.explain) unexplained++;
    for (const f of b.explain?.findings ?? []) findings.push(`${where}: ${f}`);
  };
  for (const [mode, s] of Object.entries(results.seeds)) {
    note(`seed × ${mode}`, s);
    const r = rowOf('seed', mode, [s]);
    if (r) rows.push(r);
  }
  for (const c of results.cells) {
    for (const r of c.runs) note(`${c.scenario} × ${c.mode} #${r.repetition}`, r);
    const r = rowOf(c.scenario, c.mode, c.runs);
    if (r) rows.push(r);
  }
  return { rows, findings, unexplained };
}

export const MISS_HEAD = ['Scenario', 'Mode', 'Steps cached', 'First step that re-ran', 'Cause', 'Why'];

export function missRows(s: MissSummary): string[][] {
  return s.rows.map((r) => [
    r.scenario,
    r.mode,
    r.cached,
    r.first ? r.first.step : 'nothing re-ran',
    r.first?.cause ?? '',
    `${r.first?.why ?? ''}${r.agree ? '' : ' (repetitions differ: see results.json)'}`,
  ]);
}

/** One paragraph: what the table shows and the verdict on the findings. */
export function missText(s: MissSummary): string {
  if (s.rows.length === 0) return 'No build carries an explanation (results recorded before explanations existed, or no build succeeded).';
  const what = 'For every build, cachebench predicts from the Dockerfile, the two commits and the cache mode which steps must re-run and why (the mode does not hold the stage, the files a COPY reads changed, an ARG changed, the base image changed, or an earlier step re-ran), then holds the prediction against what BuildKit did.';
  const older = s.unexplained ? ` ${s.unexplained} builds were recorded without an explanation.` : '';
  if (s.findings.length === 0) return `${what} Every re-run step has a predicted cause, and no predicted re-run came out cached.${older}`;
  return `${what} **${s.findings.length} findings** where BuildKit did not do what the Dockerfile predicts (listed below): a re-run nothing predicts points at a non-deterministic step, an incomplete cache or a BuildKit behaviour.${older}`;
}

function stepLines(steps: readonly StepExplanation[]): string[] {
  return steps.map((s) => {
    const state = s.cached === null ? 'no vertex' : s.cached ? 'cached' : 're-ran';
    const cause = s.cause && !s.cached ? ` — ${s.cause}: ${s.why ?? ''}` : '';
    const finding = s.finding ? `  [FINDING: ${s.finding}]` : '';
    return `    ${state.padEnd(9)} ${s.step}${cause}${finding}`;
  });
}

/** `cachebench explain`'s text: per build of each cell, the first re-run step and its cause (all steps with `steps`). */
export function explainText(results: Results, opts: { steps?: boolean } = {}): string {
  const lines: string[] = [];
  const build = (where: string, b: BuildRecord) => {
    const x = b.explain;
    if (b.status !== 'ok') return lines.push(`${where}: failed, not explained`);
    if (!x) return lines.push(`${where}: no explanation recorded`);
    const first = firstRerun(x);
    lines.push(`${where}: ${b.cachedSteps}/${b.totalSteps} steps cached; started from ${x.cache}`);
    lines.push(first ? `  first re-run: ${first.step} — ${first.cause ?? '?'}: ${first.why ?? ''}` : '  nothing re-ran');
    for (const m of x.firstMiss.slice(1)) {
      const s = x.steps[m.index] as StepExplanation;
      lines.push(`  stage ${s.stage || '(single)'}: first re-run ${s.step} — ${s.cause ?? '?'}: ${s.why ?? ''}`);
    }
    if (opts.steps) lines.push(...stepLines(x.steps));
    for (const f of x.findings) lines.push(`  FINDING: ${f}`);
    return lines.length;
  };
  for (const [mode, s] of Object.entries(results.seeds)) build(`seed × ${mode}`, s);
  for (const c of results.cells) for (const r of c.runs) build(`${c.scenario} × ${c.mode} #${r.repetition}`, r);
  const s = missSummary(results);
  lines.push('', s.findings.length ? `${s.findings.length} findings: builds that did not do what the Dockerfile predicts.` : 'No findings: every re-run step has a predicted cause.');
  return lines.join('\n');
}
