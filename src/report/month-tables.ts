/**
 * The report's text about the commit mix's origin and the month: where the mix came from
 * and what it covers (next to the expected time), the cost-per-month tables and every
 * assumption behind them with its source. Plain text shared by the Markdown and HTML
 * renderers; callers escape. Pure.
 */
import { LIST_PRICES, PRICE_CAVEAT, type PriceName } from '../cost-assumptions.ts';
import type { Analysis, CostInputs, ModeCost } from './analysis-types.ts';
import { fmtMinutes, fmtPrice, fmtSize, fmtUsd, fmtWeight } from './format.ts';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const fmtRate = (x: number): string => String(Number(x.toPrecision(3)));
const day = (iso: string): string => iso.slice(0, 10);

function classList(classes: Analysis['mixCoverage']['classes']): string {
  return classes.map((c) => `${c.name} ${fmtWeight(c.share)}`).join(', ');
}

/** Where the commit mix came from, what the run covers of it, and that the covered weights are renormalised. */
export function mixSourceText(a: Analysis): string {
  const m = a.mixCoverage;
  const s = m.source;
  if (!s) {
    return 'Commit mix as given to the run (--mix, or the default guess when none was given). `cachebench mix --repo PATH|GIT-URL` measures the mix of your own history, and `run --mix-from mix.json` uses it.';
  }
  const limits = [s.range.since ? `since ${s.range.since}` : '', s.range.maxCommits ? `at most ${s.range.maxCommits} commits` : ''].filter(Boolean).join(', ');
  const skipped = s.skipped ? `; ${plural(s.skipped, 'commit')} not classified${s.shallow ? ', shallow clone' : ''}` : s.shallow ? '; shallow clone' : '';
  const parts = [
    `Commit mix from the history of ${s.repository} (branch ${s.branch}, ${day(s.range.firstDate)} … ${day(s.range.lastDate)}${limits ? `, ${limits}` : ''}): ${plural(s.commits, 'commit')} classified${skipped}; read from ${s.file}.`,
  ];
  const covered = m.classes.filter((c) => c.covered);
  if (m.notCovered.length === 0) {
    parts.push(`This run measures every class of it (${classList(covered)}).`);
  } else {
    parts.push(
      `This run measures ${fmtWeight(m.coveredShare)} of those commits (${classList(covered)}); for the expected time their weights are renormalised to add up to 100%.`,
      `Not covered: ${classList(m.notCovered)} (${fmtWeight(1 - m.coveredShare)} of commits): no scenario of this run builds such a commit, so the expected time leaves them out.`,
    );
  }
  return parts.join(' ');
}

/** A scenario's heading note: its share of the commits ("90% of commits"), with a history also its weight in the expected time. */
export function shareLabel(a: Analysis, scenario: string, weight: number): string {
  if (weight <= 0) return 'not in the commit mix';
  const c = a.mixCoverage.source ? a.mixCoverage.classes.find((x) => x.name === scenario) : undefined;
  return c ? `${fmtWeight(c.share)} of commits, ${fmtWeight(weight)} of the expected time` : `${fmtWeight(weight)} of commits`;
}

/** Per class of the history: its share, whether the run measured it, its weight in the expected time. Empty without a history. */
export function coverageRows(a: Analysis): string[][] {
  if (!a.mixCoverage.source) return [];
  return a.mixCoverage.classes.map((c) => [c.name, fmtWeight(c.share), c.covered ? 'yes' : 'no (not covered)', c.covered ? fmtWeight(c.weight) : '–']);
}
export const COVERAGE_HEAD = ['Commit class', 'Share of commits', 'Measured by this run', 'Weight in expected time'];

function costOrder(a: Analysis): ModeCost[] {
  const c = a.cost;
  const rest = c.modes.filter((m) => !c.ranking.includes(m.mode));
  return [...c.ranking.map((r) => c.modes.find((m) => m.mode === r) as ModeCost), ...rest];
}

/** Quantities per month per mode, cheapest first. */
export function monthRows(a: Analysis): string[][] {
  const builds = Math.round(a.cost.inputs.buildsPerMonth).toLocaleString('en-US');
  return costOrder(a).map((m) => [
    m.mode,
    builds,
    m.buildMinutes !== undefined ? fmtMinutes(m.buildMinutes) : 'incomplete',
    fmtMinutes(m.refreshMinutes),
    fmtSize(m.storageGbMonth === undefined ? undefined : m.storageGbMonth * 1e9),
    fmtSize(m.movedGbPerMonth === undefined ? undefined : m.movedGbPerMonth * 1e9),
  ]);
}
export const MONTH_HEAD = ['Mode', 'Builds/month', 'Build minutes/month', 'Refresh (seed) minutes/month', 'Cache storage (kept all month)', 'Data moved/month'];

/** Money per month per mode, cheapest first; empty when unpriced. */
export function moneyRows(a: Analysis): string[][] {
  if (!a.cost.inputs.priced) return [];
  return costOrder(a).map((m) => [m.mode, fmtUsd(m.usd.buildMinutes), fmtUsd(m.usd.refresh), fmtUsd(m.usd.storage), fmtUsd(m.usd.transfer), m.usd.total !== undefined ? fmtUsd(m.usd.total) : 'incomplete']);
}
export const MONEY_HEAD = ['Mode', 'Build minutes', 'Refresh (seed builds)', 'Cache storage', 'Data moved', 'Total per month (USD)'];

/** "at 12.3 commits/day (…)": the rate with where it came from. */
export function rateText(i: CostInputs): string {
  const from = i.commitsPerDayFrom === 'option' ? 'given' : i.commitsPerDayFrom === 'mix file' ? 'from the history' : 'assumed';
  return `${fmtRate(i.commitsPerDay)} commits/day (${from})`;
}

function priceLine(name: PriceName, label: string, flag: string, i: CostInputs): string {
  const p = i.prices[name];
  const l = LIST_PRICES[name];
  const src = p.from === 'option' ? `given with ${flag}` : `default: ${l.what} (${l.url}, checked ${l.checked})`;
  return `${label}: ${fmtPrice(p.usd)} per ${l.unit}, ${src}.`;
}

function commitsLine(a: Analysis): string {
  const i = a.cost.inputs;
  const s = a.mixCoverage.source;
  if (i.commitsPerDayFrom === 'option') return `Commits per day: ${fmtRate(i.commitsPerDay)}, given with --commits-per-day.`;
  if (i.commitsPerDayFrom === 'mix file' && s) {
    return `Commits per day: ${fmtRate(i.commitsPerDay)}, the mean over the ${plural(s.commitsPerDay.days, 'calendar day')} of ${s.repository}'s history, days without commits included (median ${fmtRate(s.commitsPerDay.median)}).`;
  }
  return `Commits per day: ${fmtRate(i.commitsPerDay)}, an assumption (default), not a measurement: give yours with --commits-per-day N, or measure your history with \`cachebench mix\` and pass --mix-from mix.json.`;
}

/** Every assumption behind the month, each with where it comes from. */
export function costAssumptions(a: Analysis): string[] {
  const c = a.cost;
  const i = c.inputs;
  const notCovered = c.notCoveredShare > 0 ? ` Commits of the classes this run did not measure (${fmtWeight(c.notCoveredShare)}) are costed at that same expected time, though a Dockerfile or base-image change usually re-runs more.` : '';
  const lines = [
    commitsLine(a),
    `One CI build per commit and ${i.daysPerMonth} days per month (365 / 12): ${Math.round(i.buildsPerMonth).toLocaleString('en-US')} builds per month.`,
    `Build minutes = expected build time per commit (the mean wall time, weighted by the commit mix, as in "Expected time") × builds per month; the build's own time, unrounded (GitHub rounds each job, not each step, up to a whole minute).${notCovered}`,
    `Refresh = ${plural(i.refreshesPerMonth, 'seed build')} per month (one per branch: a new branch or an evicted cache starts cold), each as long as the mode's seed build, a cold build that exports the cache; none keeps no cache and has no refresh.`,
    `Cache storage = one cache per branch, ${i.branches} branch${i.branches === 1 ? '' : 'es'} (${i.branchesFrom === 'option' ? 'given with --branches' : 'default; --branches N'}), each the median size of the cache the mode's builds exported (the seed's if none recorded one), kept all month; inline's cache is the pushed image itself.`,
    `Data moved per build = bytes pulled + bytes pushed (median per scenario, weighted by the commit mix), base-image pulls included; local adds the CI cache step's download and upload of the cache archive (2 × its size).${c.pulledRecorded ? '' : ' This run did not record bytes pulled (results from before they were recorded): data moved counts pushes only.'}`,
  ];
  if (i.priced) {
    lines.push(
      priceLine('minute', 'Build minute', '--price-minute', i),
      priceLine('gbMonth', 'Storage', '--price-gb-month', i),
      priceLine('gbTransfer', 'Data transfer', '--price-gb-transfer', i),
    );
    if (i.prices.gbMonth.from === 'default' || i.prices.gbTransfer.from === 'default') lines.push(PRICE_CAVEAT);
  } else {
    lines.push('Every price is 0: the month is in minutes only (the chart too).');
  }
  lines.push('GB = 10⁹ bytes. Minutes come from means, the estimand of every time claim here; sizes and bytes moved are medians, descriptive, without an interval.');
  return lines;
}

/** The sentence above the month's tables. */
export function monthIntro(a: Analysis): string {
  const i = a.cost.inputs;
  const unit = i.priced ? 'total per month in USD' : 'build and refresh minutes per month';
  return `What each mode costs per month at ${rateText(i)}, ${Math.round(i.buildsPerMonth).toLocaleString('en-US')} builds a month, cheapest first (by ${unit}); "incomplete" = not measured for every scenario of the commit mix. The assumptions and prices are listed below the tables; every figure is in cost.csv.`;
}
