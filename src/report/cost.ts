/**
 * What each mode costs per month (README "Cost per month"). Pure.
 *
 * - builds per month = commits per day × 30.4 days (one CI build per commit);
 * - build minutes = expected build time per commit (the mean, over the covered commit
 *   classes: src/report/expected.ts) × builds per month;
 * - refresh minutes = seed builds per month (branches × 1) × the seed's wall time: a cold
 *   build that exports the cache, as on a new branch or after the cache was evicted; none
 *   keeps no cache and has none;
 * - cache storage = the cache one branch keeps (median cacheBytes of the mode's measured
 *   builds, else its seed's) × branches, kept all month (GB-months);
 * - data moved = Σ weight × median per build of bytesPulled + bytesPushed (local: + the
 *   CI cache step's download and upload of the archive, 2 × cacheBytes) × builds per month;
 * - money = minutes × price per minute + GB-months × price per GB-month + GB moved × price
 *   per GB; GB = 10⁹ bytes.
 */
import {
  BYTES_PER_GB,
  DAYS_PER_MONTH,
  DEFAULT_BRANCHES,
  DEFAULT_COMMITS_PER_DAY,
  LIST_PRICES,
  REFRESHES_PER_BRANCH_PER_MONTH,
  type PriceName,
} from '../cost-assumptions.ts';
import type { Results, RunRecord } from '../results/types.ts';
import { BASELINE_MODE, type CostAnalysis, type CostInputs, type CostVsNone, type InputSource, type ModeAnalysis, type ModeCost, type ScenarioAnalysis } from './analysis-types.ts';
import { medianOf, okRuns } from './cells.ts';
import { expectedDifference } from './expected.ts';

const MS_PER_MINUTE = 60_000;

/** The inputs of the month: what was given (results.json plan.cost), the history's commits per day, else the defaults. */
export function costInputs(results: Results): CostInputs {
  const given = results.plan.cost ?? {};
  const history = results.plan.mixSource?.commitsPerDay.mean;
  const [commitsPerDay, commitsPerDayFrom]: [number, InputSource] =
    given.commitsPerDay !== undefined ? [given.commitsPerDay, 'option'] : history !== undefined && history > 0 ? [history, 'mix file'] : [DEFAULT_COMMITS_PER_DAY, 'default'];
  const branches = given.branches ?? DEFAULT_BRANCHES;
  const price = (name: PriceName, value: number | undefined) => ({ usd: value ?? LIST_PRICES[name].usd, from: (value !== undefined ? 'option' : 'default') as InputSource });
  const prices = { minute: price('minute', given.priceMinuteUsd), gbMonth: price('gbMonth', given.priceGbMonthUsd), gbTransfer: price('gbTransfer', given.priceGbTransferUsd) };
  return {
    commitsPerDay,
    commitsPerDayFrom,
    daysPerMonth: DAYS_PER_MONTH,
    buildsPerMonth: commitsPerDay * DAYS_PER_MONTH,
    branches,
    branchesFrom: given.branches !== undefined ? 'option' : 'default',
    refreshesPerMonth: branches * REFRESHES_PER_BRANCH_PER_MONTH,
    prices,
    priced: Object.values(prices).some((p) => p.usd > 0),
  };
}

/** Bytes one build moved over the network; undefined when the build recorded neither direction. */
export function movedBytes(r: RunRecord, localArchive: boolean): number | undefined {
  if (r.bytesPulled === undefined && r.bytesPushed === undefined) return undefined;
  return (r.bytesPulled ?? 0) + (r.bytesPushed ?? 0) + (localArchive ? 2 * (r.cacheBytes ?? 0) : 0);
}

/** Σ weight × median bytes moved per build over the expected time's terms; undefined when a weighted cell has none. */
function movedPerBuild(m: ModeAnalysis, scenarios: readonly ScenarioAnalysis[]): number | undefined {
  const local = m.facts?.storage === 'local';
  let sum = 0;
  for (const t of m.expected.terms) {
    const runs = okRuns(scenarios.find((s) => s.scenario === t.scenario)?.cells.find((c) => c.mode === m.mode)?.cell?.runs ?? []);
    const median = medianOf(runs.map((r) => movedBytes(r, local)));
    if (median === undefined) return undefined;
    sum += t.weight * median;
  }
  return m.expected.terms.length ? sum : undefined;
}

const times = (x: number | undefined, k: number): number | undefined => (x === undefined ? undefined : x * k);
const sumAll = (xs: Array<number | undefined>): number | undefined => (xs.every((x): x is number => x !== undefined) ? xs.reduce((a, b) => a + b, 0) : undefined);

function modeCost(m: ModeAnalysis, scenarios: readonly ScenarioAnalysis[], inputs: CostInputs): ModeCost {
  const perBuild = inputs.buildsPerMonth / MS_PER_MINUTE;
  const keepsNoCache = m.mode === BASELINE_MODE || m.facts?.storage === 'none';
  const seedOk = m.seed?.status === 'ok' ? m.seed : undefined;
  const buildMinutes = times(m.expected.ms, perBuild);
  const refreshMinutes = keepsNoCache ? 0 : times(seedOk?.wallMs, inputs.refreshesPerMonth / MS_PER_MINUTE);
  const measuredCache = keepsNoCache ? 0 : m.cost.cacheBytes;
  const cacheBytes = measuredCache ?? seedOk?.cacheBytes;
  const storageGbMonth = times(cacheBytes, inputs.branches / BYTES_PER_GB);
  const movedBytesPerBuild = movedPerBuild(m, scenarios);
  const movedGbPerMonth = times(movedBytesPerBuild, inputs.buildsPerMonth / BYTES_PER_GB);
  const p = inputs.prices;
  const usd = {
    buildMinutes: times(buildMinutes, p.minute.usd),
    refresh: times(refreshMinutes, p.minute.usd),
    storage: times(storageGbMonth, p.gbMonth.usd),
    transfer: times(movedGbPerMonth, p.gbTransfer.usd),
  };
  const ci = m.expected.ci95Ms;
  return {
    mode: m.mode,
    expectedMs: m.expected.ms,
    buildMinutes,
    ...(ci ? { buildMinutesCi95: [ci[0] * perBuild, ci[1] * perBuild] as [number, number] } : {}),
    refreshMinutes,
    cacheBytes,
    ...(cacheBytes !== undefined ? { cacheBytesFrom: measuredCache !== undefined ? ('builds' as const) : ('seed' as const) } : {}),
    storageGbMonth,
    movedBytesPerBuild,
    movedGbPerMonth,
    usd: { ...usd, total: sumAll(Object.values(usd)) },
    totalMinutes: sumAll([buildMinutes, refreshMinutes]),
  };
}

/** The month's total in the report's unit: USD when priced, else minutes. */
export function monthTotal(c: ModeCost, priced: boolean): number | undefined {
  return priced ? c.usd.total : c.totalMinutes;
}

/**
 * The cheapest mode other than none against none. Its interval comes from the interval of
 * the difference of the expected times (the only part with one), scaled to the month.
 */
function vsNone(costs: readonly ModeCost[], modes: readonly ModeAnalysis[], ranking: readonly string[], inputs: CostInputs): CostVsNone | undefined {
  const best = ranking.find((m) => m !== BASELINE_MODE);
  const none = costs.find((c) => c.mode === BASELINE_MODE);
  const mine = costs.find((c) => c.mode === best);
  const a = none ? monthTotal(none, inputs.priced) : undefined;
  const b = mine ? monthTotal(mine, inputs.priced) : undefined;
  if (!best || a === undefined || b === undefined) return undefined;
  const delta = b - a;
  const expected = (mode: string) => (modes.find((m) => m.mode === mode) as ModeAnalysis).expected;
  const d = expectedDifference(expected(best), expected(BASELINE_MODE));
  const k = (inputs.buildsPerMonth / MS_PER_MINUTE) * (inputs.priced ? inputs.prices.minute.usd : 1);
  const bounded = d && Number.isFinite(d.lo) && Number.isFinite(d.hi);
  const fixed = d ? delta - k * d.delta : 0;
  return { mode: best, unit: inputs.priced ? 'usd' : 'minutes', delta, ...(bounded ? { ci95: [fixed + k * d.lo, fixed + k * d.hi] as [number, number] } : {}) };
}

export function costPerMonth(results: Results, modes: readonly ModeAnalysis[], scenarios: readonly ScenarioAnalysis[], notCoveredShare: number): CostAnalysis {
  const inputs = costInputs(results);
  const costs = modes.map((m) => modeCost(m, scenarios, inputs));
  const ranking = costs
    .filter((c) => monthTotal(c, inputs.priced) !== undefined)
    .sort((x, y) => (monthTotal(x, inputs.priced) as number) - (monthTotal(y, inputs.priced) as number))
    .map((c) => c.mode);
  const pulledRecorded = results.cells.some((c) => c.runs.some((r) => r.bytesPulled !== undefined));
  const lead = vsNone(costs, modes, ranking, inputs);
  return { inputs, modes: costs, ranking, ...(lead ? { vsNone: lead } : {}), pulledRecorded, notCoveredShare };
}
