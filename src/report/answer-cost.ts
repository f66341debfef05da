/**
 * The answer's words about the month and the mix: which mode costs least per month (in
 * money when priced, else in build minutes) against none, and where the commit mix came
 * from. Plain text. Pure.
 */
import { BASELINE_MODE, type AnalysisCore, type ModeCost } from './analysis-types.ts';
import { monthTotal } from './cost.ts';
import { fmtMinutes, fmtUsd, fmtWeight } from './format.ts';
import { rateText } from './month-tables.ts';

/** "For this commit mix (…)", or "For the commit mix of REPO's history (…)" with the share it covers. */
export function mixPhrase(a: AnalysisCore): string {
  const weights = a.mix.filter((m) => m.weight > 0).map((m) => `${m.scenario} ${fmtWeight(m.weight)}`).join(', ');
  const s = a.mixCoverage.source;
  if (!s) return `For this commit mix (${weights})`;
  const share = a.mixCoverage.notCovered.length ? ` of the ${fmtWeight(a.mixCoverage.coveredShare)} of its commits this run covers` : '';
  return `For the commit mix of ${s.repository}'s history (${weights}${share})`;
}

function signed(x: number, fmt: (v: number) => string): string {
  return x > 0 ? `+${fmt(x)}` : fmt(x);
}

/**
 * "At 10 commits/day (assumed) and the prices under "Cost per month", registry-min costs
 * least per month: $4.12, $1.30 less than none (difference −$1.30, 95% interval …)."
 */
export function costSentence(a: AnalysisCore): string | undefined {
  const c = a.cost;
  const i = c.inputs;
  const cheapest = c.ranking[0];
  if (!cheapest) return undefined;
  const fmt = i.priced ? fmtUsd : fmtMinutes;
  const unit = i.priced ? '' : ' of build time';
  const total = (mode: string): number => monthTotal(c.modes.find((m) => m.mode === mode) as ModeCost, i.priced) as number;
  const parts = [`At ${rateText(i)}${i.priced ? ' and the prices under "Cost per month"' : ''}, ${cheapest} costs least per month: ${fmt(total(cheapest))}${unit}`];
  const v = c.vsNone;
  if (v) {
    const interval = v.ci95 ? `; difference ${signed(v.delta, fmt)}, 95% interval ${signed(v.ci95[0], fmt)} … ${signed(v.ci95[1], fmt)} from the build times alone` : '';
    parts.push(
      cheapest === BASELINE_MODE
        ? `; the cheapest cache mode, ${v.mode}, costs ${fmt(Math.abs(v.delta))} more a month${interval}`
        : `, ${fmt(Math.abs(v.delta))} a month ${v.delta <= 0 ? 'less' : 'more'} than none${interval}`,
    );
  } else if (!c.modes.some((m) => m.mode === BASELINE_MODE)) {
    parts.push(' (none was not measured)');
  }
  if (a.winner && a.winner !== cheapest && c.ranking.includes(a.winner)) parts.push(`; the fastest, ${a.winner}, costs ${fmt(total(a.winner))}`);
  return `${parts.join('')}.`;
}
