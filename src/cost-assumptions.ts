/**
 * The cost model's defaults as data: list prices with where they come from, and the
 * assumptions that turn one build into a month (days per month, commits per day,
 * branches). Every one of them is stated in the report next to the figures it makes;
 * `--price-*`, `--commits-per-day`, `--branches` and `--mix-from` replace them.
 * Imports nothing of ours.
 */

/** A price the report uses when none is given, with its public source. */
export interface ListPrice {
  usd: number;
  /** What one unit is ("minute", "GB-month", "GB"). */
  unit: string;
  /** What the price is for, as the source names it. */
  what: string;
  url: string;
  /** When the source was read (ISO date). */
  checked: string;
}

/**
 * GitHub's list prices (checked 2026-12-01 against GitHub's documentation and pricing
 * calculator; README "Cost per month" quotes them):
 * - minutes: standard GitHub-hosted runner, Linux 2-core (`linux` SKU), $0.006 a minute
 *   from January 1, 2026 ($0.008 until then);
 * - storage: GitHub Packages beyond the plan's included amounts, $0.25 per GB a month;
 * - transfer: GitHub Packages bills data transfer only outside of Actions ($0.50 per GB);
 *   a CI job on GitHub Actions moves its cache, image and base layers for $0, so that is
 *   the default (base-image pulls from other registries are not billed by GitHub either).
 */
export const LIST_PRICES = {
  minute: {
    usd: 0.006,
    unit: 'minute',
    what: 'GitHub Actions standard hosted runner, Linux 2-core, per-minute rate from January 1, 2026',
    url: 'https://docs.github.com/en/billing/reference/actions-runner-pricing',
    checked: '2026-12-01',
  },
  gbMonth: {
    usd: 0.25,
    unit: 'GB-month',
    what: 'GitHub Packages additional storage',
    url: 'https://github.com/pricing/calculator',
    checked: '2026-12-01',
  },
  gbTransfer: {
    usd: 0,
    unit: 'GB',
    what: 'GitHub Packages data transfer by GitHub Actions (free; $0.50 per GB only outside of Actions: give --price-gb-transfer 0.5 for a registry reached from elsewhere)',
    url: 'https://github.com/pricing/calculator',
    checked: '2026-12-01',
  },
} as const satisfies Record<string, ListPrice>;

export type PriceName = keyof typeof LIST_PRICES;

/** What GitHub does not bill, which the defaults above do: said under the prices in the report. */
export const PRICE_CAVEAT =
  'GitHub bills no data transfer for the Actions cache (actions/cache: the CI cache step of the local mode) nor for packages that Actions workflows move with a GITHUB_TOKEN, hence the $0 transfer default; container storage on ghcr.io is currently free too (--price-gb-month 0). A registry in another cloud or region bills egress: give its price per GB with --price-gb-transfer (data moved includes base-image pulls). The prices are list prices before the free minutes and storage a plan includes.';

/** 365 days / 12 months, rounded to a tenth: the month the report's monthly figures are for. */
export const DAYS_PER_MONTH = 30.4;

/**
 * Commits per day when neither --commits-per-day nor a mix file (`cachebench mix`) gives
 * it: an assumption, not a measurement, and the report says so.
 */
export const DEFAULT_COMMITS_PER_DAY = 10;

/** Branches that keep a cache of their own (--branches). */
export const DEFAULT_BRANCHES = 1;

/** Cache refreshes (seed builds: a cold build that exports the cache) per branch and month. */
export const REFRESHES_PER_BRANCH_PER_MONTH = 1;

/** Decimal gigabyte, as the report's MB (10⁶ bytes). */
export const BYTES_PER_GB = 1e9;
