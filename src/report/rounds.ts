/**
 * Rounds and stopping, in words and tables (pure): each build's wall time per round and
 * mode (drift over the run shows as a column that moves for every mode alike), why each
 * cell took no more builds, and how certain each scenario's ranking is — adjacent modes
 * separated by the interval of the difference of their means, or a tie after n builds.
 */
import { separated } from '../stats/difference.ts';
import { escapeHtml } from './format.ts';
import type { CellResult, Results } from '../results/types.ts';

const STOP_WORDS: Record<NonNullable<CellResult['stopReason']>, string> = {
  repetitions: 'the planned repetitions',
  'target-met': 'its interval reached the target and it is separated from its neighbours',
  separated: 'separated from its neighbours in the ranking',
  'max-runs': 'the maximum number of builds',
  budget: 'the time budget',
};

const okTimes = (c: CellResult) => c.runs.filter((r) => r.status === 'ok').map((r) => r.wallMs);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Per scenario: a row per round, a column per mode (wall time of that round's build). */
export function roundTables(results: Results): Array<{ scenario: string; head: string[]; rows: string[][] }> {
  const rounds = Math.max(0, ...results.cells.flatMap((c) => c.runs.map((r) => r.round ?? 0)));
  if (rounds < 2) return [];
  const scenarios = [...new Set(results.cells.map((c) => c.scenario))];
  return scenarios.map((scenario) => {
    const cells = results.cells.filter((c) => c.scenario === scenario);
    const rows: string[][] = [];
    for (let r = 1; r <= rounds; r++) {
      rows.push([String(r), ...cells.map((c) => {
        const run = c.runs.find((x) => x.round === r);
        return run ? (run.status === 'ok' ? s(run.wallMs) : 'failed') : '';
      })]);
    }
    return { scenario, head: ['Round', ...cells.map((c) => c.mode)], rows };
  });
}

/** Per cell: builds taken and why it stopped (interleaved runs). */
export function stopLines(results: Results): string[] {
  return results.cells.filter((c) => c.stopReason).map((c) => `${c.scenario} × ${c.mode}: ${c.runs.length} builds — stopped at ${STOP_WORDS[c.stopReason as keyof typeof STOP_WORDS]}`);
}

/** Per scenario, the ranking by mean and each adjacent pair: separated, or a tie after n builds each. */
export function rankingCertainty(results: Results): string[] {
  const out: string[] = [];
  for (const scenario of [...new Set(results.cells.map((c) => c.scenario))]) {
    const ranked = results.cells.filter((c) => c.scenario === scenario && okTimes(c).length > 0).sort((a, b) => mean(okTimes(a)) - mean(okTimes(b)));
    const pairs: string[] = [];
    for (let i = 0; i + 1 < ranked.length; i++) {
      const [a, b] = [ranked[i] as CellResult, ranked[i + 1] as CellResult];
      const d = separated(okTimes(b), okTimes(a));
      const n = `${okTimes(a).length} and ${okTimes(b).length} builds`;
      pairs.push(d.separated ? `${a.mode} < ${b.mode} (by ${s(d.delta)}, 95% interval ${s(d.lo)} … ${s(d.hi)})` : `${a.mode} and ${b.mode}: not separated after ${n}`);
    }
    if (pairs.length) out.push(`${scenario}: ${pairs.join('; ')}`);
  }
  return out;
}

const mdEsc = (t: string) => t.replace(/\|/g, '\\|');

/** The "Rounds and stopping" section of report.md (empty for a run without rounds). */
export function roundsMarkdown(results: Results): string[] {
  const tables = roundTables(results);
  const stops = stopLines(results);
  if (stops.length === 0 && tables.length === 0) return [];
  const out = ['## Rounds and stopping', ''];
  const p = results.plan;
  out.push(`Builds ran in ${p.order ?? 'sequential'} order${p.seed !== undefined ? ` (shuffle seed ${p.seed})` : ''}; ${p.adaptive && p.adaptive.maxRuns > p.adaptive.minRuns ? `at least ${p.adaptive.minRuns} and at most ${p.adaptive.maxRuns} builds per cell${p.adaptive.targetRmePct !== undefined ? `, target margin of error ${p.adaptive.targetRmePct}%` : ''}` : `${p.repetitions} builds per cell`}${p.adaptive?.budgetMs !== undefined ? `, budget ${Math.round(p.adaptive.budgetMs / 60000)} min` : ''}.`, '');
  const certainty = rankingCertainty(results);
  if (certainty.length) out.push('Ranking certainty (adjacent modes, interval of the difference of the means):', '', ...certainty.map((l) => `- ${mdEsc(l)}`), '');
  if (stops.length) out.push('Why each cell stopped:', '', ...stops.map((l) => `- ${mdEsc(l)}`), '');
  for (const t of tables) {
    out.push(`Wall time per round, ${t.scenario} (drift over the run moves a whole row):`, '');
    out.push(`| ${t.head.join(' | ')} |`, `| ${t.head.map((_, i) => (i === 0 ? '---:' : '---:')).join(' | ')} |`, ...t.rows.map((r) => `| ${r.join(' | ')} |`), '');
  }
  return out;
}

/** The same section for report.html. */
export function roundsHtml(results: Results): string {
  const md = roundsMarkdown(results);
  if (md.length === 0) return '';
  const lists = (items: string[]) => `<ul>${items.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`;
  const tables = roundTables(results).map((t) => `<p>Wall time per round, ${escapeHtml(t.scenario)}:</p><table><thead><tr>${t.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${t.rows.map((r) => `<tr>${r.map((c) => `<td class="num">${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
  return ['<h2>Rounds and stopping</h2>', `<p>${escapeHtml(md[2] ?? '')}</p>`, lists(rankingCertainty(results)), lists(stopLines(results)), ...tables].join('\n');
}
