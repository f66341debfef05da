/**
 * The one-paragraph answer: which mode is fastest for the commit mix, by how much, how
 * sure, and what limits it. Plain text. Pure.
 */
import type { Results } from '../results/types.ts';
import { BASELINE_MODE, type AnalysisCore } from './analysis-types.ts';
import { costSentence, mixPhrase } from './answer-cost.ts';
import { fmtPct, fmtS } from './format.ts';

/** Whether the lead is real, from the 95% interval of the difference of the expected times (not from overlapping intervals). */
function leadSentence(lead: AnalysisCore['lead']): string | undefined {
  if (!lead || !Number.isFinite(lead.loMs) || !Number.isFinite(lead.hiMs)) return undefined;
  const range = `${fmtS(lead.loMs)} … ${fmtS(lead.hiMs)}`;
  return lead.separated
    ? `The lead is significant: the 95% interval of the difference, ${range} per build, excludes 0.`
    : `The 95% interval of the difference, ${range} per build, includes 0, so the lead over ${lead.runnerUp} is not clearly real.`;
}

export function buildAnswer(a: AnalysisCore, results: Results): string {
  const forMix = mixPhrase(a);
  const byMode = new Map(a.modes.map((m) => [m.mode, m]));
  const none = byMode.get(BASELINE_MODE);
  const winner = a.winner ? byMode.get(a.winner) : undefined;
  const parts: string[] = [];
  if (!winner || winner.expected.ms === undefined) {
    return `No mode has a successful measurement for every scenario in the commit mix (${a.mix.filter((m) => m.weight > 0).map((m) => m.scenario).join(', ')}), so there is no answer yet; see "Incomplete or failed cells".`;
  }
  const w = winner.expected.ms;
  const noneMs = none?.expected.ms;
  if (winner.mode === BASELINE_MODE) {
    const best = a.ranking.find((m) => m !== BASELINE_MODE);
    const b = best ? byMode.get(best) : undefined;
    parts.push(`${forMix}, no cache mode beat building from scratch: none is fastest at an expected ${fmtS(w)} per build.`);
    if (b?.expected.ms !== undefined) parts.push(`The best cache mode, ${b.mode}, expects ${fmtS(b.expected.ms)} (${fmtPct(b.expected.vsNonePct)}).`);
    const lead = leadSentence(a.lead);
    if (lead) parts.push(lead);
  } else {
    const vs = noneMs !== undefined ? ` vs ${fmtS(noneMs)} with none (${fmtPct(winner.expected.vsNonePct)})` : ' (none was not measured, so there is no baseline)';
    parts.push(`${forMix}, ${winner.mode} is fastest: expected ${fmtS(w)} per build${vs}.`);
    const second = a.ranking[1] !== undefined ? byMode.get(a.ranking[1]) : undefined;
    if (second?.expected.ms !== undefined) {
      const gap = (second.expected.ms / w - 1) * 100;
      parts.push(`Runner-up: ${second.mode} at ${fmtS(second.expected.ms)}${second.mode === BASELINE_MODE ? '' : ` (${fmtPct(second.expected.vsNonePct)})`}, ${gap < 0.5 ? 'practically tied' : `${gap.toFixed(0)}% slower than ${winner.mode}`}.`);
      const lead = leadSentence(a.lead);
      if (lead) parts.push(lead);
    }
  }
  const cost = costSentence(a);
  if (cost) parts.push(cost);
  if (a.minRuns <= 1) parts.push('Each cell was built once, so differences of a few percent may be noise.');
  if (results.environment.networkProfile === 'loopback') parts.push('The registry was on loopback, which understates the transfer cost of cache import and export.');
  if (a.incomplete.length) parts.push(`${a.incomplete.length} cell${a.incomplete.length === 1 ? ' is' : 's are'} incomplete or failed (listed below).`);
  return parts.join(' ');
}
