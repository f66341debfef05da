/** The "Why steps re-ran" section of report.html (pure): the per-cell table, the findings, and each cell's step list with the cause beside every re-run step. */
import { escapeHtml } from './format.ts';
import { MISS_HEAD, missRows, missSummary, missText, type MissRow } from './cache-misses.ts';

const cells = (tag: 'td' | 'th', row: readonly string[]) => `<tr>${row.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;

function stepList(r: MissRow): string {
  const rows = r.steps.map((s) => {
    const state = s.cached === null ? 'no vertex' : s.cached ? 'cached' : 're-ran';
    const why = !s.cached && s.cause ? `${s.cause}: ${s.why ?? ''}${s.fileCount && s.fileCount > (s.files?.length ?? 0) ? ` (${s.fileCount} files)` : ''}` : '';
    const cls = s.finding ? ' class="finding"' : s.cached === false ? ' class="rerun"' : '';
    return `<tr${cls}><td><code>${escapeHtml(s.step)}</code></td><td>${state}</td><td>${escapeHtml(why)}${s.finding ? ` <strong>finding: ${escapeHtml(s.finding)}</strong>` : ''}</td></tr>`;
  });
  return `<details><summary>${escapeHtml(`${r.scenario} × ${r.mode}: ${r.cached} steps cached`)}</summary><table><thead>${cells('th', ['Step', 'Build', 'Why it re-ran'])}</thead><tbody>${rows.join('\n')}</tbody></table></details>`;
}

export function missHtml(results: Parameters<typeof missSummary>[0]): string {
  const s = missSummary(results);
  const out = [`<p>${escapeHtml(missText(s).replace(/\*\*/g, ''))}</p>`];
  if (s.rows.length) out.push(`<table><thead>${cells('th', MISS_HEAD)}</thead><tbody>${missRows(s).map((r) => cells('td', r)).join('\n')}</tbody></table>`);
  if (s.findings.length) out.push(`<p>Findings:</p><ul>${s.findings.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`);
  out.push(...s.rows.map(stepList));
  return out.join('\n');
}
