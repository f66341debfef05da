/**
 * The commit-mix and cost-per-month flags that `run` and `report DIR` share: --mix,
 * --mix-from, --commits-per-day, --branches, --price-minute, --price-gb-month,
 * --price-gb-transfer. Only what is given is kept (results.json `plan.cost`); the report
 * states the defaults of src/cost-assumptions.ts for the rest.
 */
import { UsageError } from './errors.ts';
import { DAYS_PER_MONTH, DEFAULT_BRANCHES, DEFAULT_COMMITS_PER_DAY, LIST_PRICES } from './cost-assumptions.ts';
import { mixFromHistory, readMixFile } from './options-mix.ts';
import type { CostSettings, MixSource, Results } from './results/types.ts';

/** parseArgs declarations of the shared flags. */
export const COST_FLAGS = {
  mix: { type: 'string' },
  'mix-from': { type: 'string' },
  'commits-per-day': { type: 'string' },
  branches: { type: 'string' },
  'price-minute': { type: 'string' },
  'price-gb-month': { type: 'string' },
  'price-gb-transfer': { type: 'string' },
} as const;

export type CostFlagValues = Partial<Record<keyof typeof COST_FLAGS, string>>;

const p = LIST_PRICES;
const usd = (x: number): string => `$${Number.isInteger(x * 100) ? x.toFixed(2) : String(x)}`;
export const COST_USAGE = `  --mix s=w,...          commit mix for the expected-time estimate (default: code-change=0.9,dependency-change=0.05,no-change=0.05)
  --mix-from FILE|DIR    the commit mix (and commits per day) of your history: the mix.json \`cachebench mix\` wrote;
                         classes the run does not measure are reported as not covered. Excludes --mix.
  --commits-per-day N    CI builds per day for the cost per month (default: the mix file's mean, else ${DEFAULT_COMMITS_PER_DAY}, an assumption)
  --branches N           branches that keep a cache of their own (default: ${DEFAULT_BRANCHES})
  --price-minute USD     price of a build minute (default: ${usd(p.minute.usd)}, GitHub Actions Linux 2-core)
  --price-gb-month USD   price of a GB of cache storage for a month (default: ${usd(p.gbMonth.usd)}, GitHub Packages)
  --price-gb-transfer USD  price of a GB of data moved (default: ${usd(p.gbTransfer.usd)}: GitHub Actions moves Packages data for free)
                         (a month is ${DAYS_PER_MONTH} days; README "Cost per month" has the model and the sources)
`;

function positive(flag: string, value: string, example: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1e6) throw new UsageError(`${flag}: "${value}" is not a number above 0`, `e.g. ${flag} ${example}`);
  return n;
}

function price(flag: string, value: string, example: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1e6) {
    throw new UsageError(`${flag}: "${value}" is not a price in USD (a number, 0 or more)`, `e.g. ${flag} ${example} (no currency sign); 0 leaves that part out of the money`);
  }
  return n;
}

/** The cost settings given (validated); what is absent takes its default in the report. */
export function parseCostSettings(v: CostFlagValues): CostSettings {
  const out: CostSettings = {};
  if (v['commits-per-day'] !== undefined) out.commitsPerDay = positive('--commits-per-day', v['commits-per-day'], '12.5');
  if (v.branches !== undefined) {
    const b = Number(v.branches);
    if (!/^\d+$/.test(v.branches) || b < 1 || b > 10000) throw new UsageError(`--branches: "${v.branches}" is not a whole number from 1 to 10000`, 'e.g. --branches 3 (main and two long-lived branches)');
    out.branches = b;
  }
  if (v['price-minute'] !== undefined) out.priceMinuteUsd = price('--price-minute', v['price-minute'], String(p.minute.usd));
  if (v['price-gb-month'] !== undefined) out.priceGbMonthUsd = price('--price-gb-month', v['price-gb-month'], String(p.gbMonth.usd));
  if (v['price-gb-transfer'] !== undefined) out.priceGbTransferUsd = price('--price-gb-transfer', v['price-gb-transfer'], String(p.gbTransfer.usd));
  return out;
}

/**
 * The commit mix from --mix or --mix-from (never both), over the run's scenarios; undefined
 * when neither is given (the caller's default applies). `parseMix` is the --mix parser.
 */
export function chooseMix(v: CostFlagValues, scenarios: readonly string[], parseMix: (s: string) => Record<string, number>): { mix: Record<string, number>; mixSource?: MixSource } | undefined {
  if (v.mix !== undefined && v['mix-from'] !== undefined) {
    throw new UsageError('--mix and --mix-from exclude each other', 'give the weights (--mix) or the history they come from (--mix-from mix.json), not both');
  }
  if (v['mix-from'] !== undefined) {
    const mixSource = readMixFile(v['mix-from']);
    return { mix: mixFromHistory(mixSource, scenarios), mixSource };
  }
  return v.mix !== undefined ? { mix: parseMix(v.mix) } : undefined;
}

/**
 * `report DIR` with these flags: the run's plan gets the new commit mix (over the
 * scenarios it measured) and cost settings, so results.json and the re-rendered reports
 * agree. Returns what changed, in words (empty when nothing was given).
 */
export function applyToPlan(plan: Results['plan'], v: CostFlagValues, parseMix: (s: string) => Record<string, number>): string[] {
  const changed: string[] = [];
  const chosen = chooseMix(v, plan.scenarios, parseMix);
  if (chosen) {
    plan.commitMix = chosen.mix;
    if (chosen.mixSource) plan.mixSource = chosen.mixSource;
    else delete plan.mixSource;
    changed.push(chosen.mixSource ? `commit mix from ${chosen.mixSource.file}` : 'commit mix from --mix');
  }
  const cost = parseCostSettings(v);
  if (Object.keys(cost).length) {
    plan.cost = { ...plan.cost, ...cost };
    changed.push(`cost settings (${Object.keys(cost).join(', ')})`);
  }
  return changed;
}
