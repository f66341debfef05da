/**
 * The cost per month: the arithmetic on a synthetic run whose every figure is known, where
 * its inputs come from, the unpriced case, missing sizes, and what the report, cost.csv,
 * the chart and the answer make of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadImage } from '@napi-rs/canvas';
import { analyze, expectedDifference } from '../../src/report/analysis.ts';
import { renderCharts } from '../../src/report/charts.ts';
import { COST_COLUMNS, renderCostCsv } from '../../src/report/csv.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { LIST_PRICES, PRICE_CAVEAT } from '../../src/cost-assumptions.ts';
import { validateResults } from '../../src/results/io.ts';
import type { CostSettings, Results } from '../../src/results/types.ts';
import type { ModeCost } from '../../src/report/analysis-types.ts';
import { seedOf, timedCell, timedResults, withBytes } from './helpers/synthetic-results.ts';

const CODE = 'code-change';
const DEP = 'dependency-change';
const around = (ms: number): number[] => [ms - 1000, ms, ms + 1000];
const PRICED: CostSettings = { commitsPerDay: 10, branches: 2, priceMinuteUsd: 0.01, priceGbMonthUsd: 0.5, priceGbTransferUsd: 0.1 };

/**
 * none, registry-max and local over code-change (80%) and dependency-change (20%), means
 * exact: expected per build none 72 s, registry-max 42 s, local 52 s.
 */
function run(cost: CostSettings | null = PRICED): Results {
  const cells = [
    withBytes(timedCell(CODE, 'none', around(60_000)), { bytesPulled: 5e8, bytesPushed: 1e8, cacheBytes: 0 }),
    withBytes(timedCell(DEP, 'none', around(120_000)), { bytesPulled: 5e8, bytesPushed: 1e8, cacheBytes: 0 }),
    withBytes(timedCell(CODE, 'registry-max', around(30_000)), { bytesPulled: 2e8, bytesPushed: 5e7, cacheBytes: 1e9 }),
    withBytes(timedCell(DEP, 'registry-max', around(90_000)), { bytesPulled: 4e8, bytesPushed: 1e8, cacheBytes: 1e9 }),
    withBytes(timedCell(CODE, 'local', around(40_000)), { bytesPulled: 1e7, bytesPushed: 1e7, cacheBytes: 1e8 }),
    withBytes(timedCell(DEP, 'local', around(100_000)), { bytesPulled: 1e7, bytesPushed: 1e7, cacheBytes: 1e8 }),
  ];
  const r = timedResults(cells, { [CODE]: 0.8, [DEP]: 0.2 });
  r.seeds = { none: seedOf('none', 100_000, 0), 'registry-max': seedOf('registry-max', 150_000, 2e9), local: seedOf('local', 140_000, 1e8) };
  if (cost) r.plan.cost = cost;
  return r;
}

const close = (actual: number | undefined, expected: number, what: string): void => {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} ≠ ${expected}`);
};
const modeCost = (r: Results, mode: string): ModeCost => analyze(r).cost.modes.find((m) => m.mode === mode) as ModeCost;

test('the month per mode: builds, minutes, refresh, storage, data moved and money, from the measured figures', () => {
  const a = analyze(run());
  assert.equal(a.cost.inputs.buildsPerMonth, 10 * 30.4);
  const none = modeCost(run(), 'none');
  close(none.buildMinutes, (72_000 / 60_000) * 304, 'none build minutes');
  assert.equal(none.refreshMinutes, 0, 'none keeps no cache: no refresh');
  assert.equal(none.storageGbMonth, 0);
  close(none.movedBytesPerBuild, 6e8, 'none moved per build');
  close(none.movedGbPerMonth, 182.4, 'none GB moved');
  close(none.usd.total, 364.8 * 0.01 + 182.4 * 0.1, 'none total');

  const max = modeCost(run(), 'registry-max');
  close(max.buildMinutes, 0.7 * 304, 'registry-max build minutes');
  close(max.refreshMinutes, 2 * 2.5, 'two branches: two seed builds of 150 s');
  assert.equal(max.cacheBytesFrom, 'builds', 'the median of the builds, not the seed');
  close(max.storageGbMonth, 2, '1 GB cache × 2 branches');
  close(max.movedBytesPerBuild, 0.8 * 2.5e8 + 0.2 * 5e8, 'weighted medians of pulled + pushed');
  close(max.usd.total, 212.8 * 0.01 + 5 * 0.01 + 2 * 0.5 + 91.2 * 0.1, 'registry-max total');

  const local = modeCost(run(), 'local');
  close(local.movedBytesPerBuild, 1e7 + 1e7 + 2 * 1e8, 'local adds the cache archive down and up');
  close(local.usd.storage, 0.2 * 0.5, 'local storage');
  close(local.usd.total, (52_000 / 60_000) * 304 * 0.01 + (2 * 140_000 / 60_000) * 0.01 + 0.1 + 66.88 * 0.1, 'local total');
  assert.deepEqual(a.cost.ranking, ['local', 'registry-max', 'none']);
});

test('the cheapest mode against none: the difference, and its interval from the build times alone', () => {
  const a = analyze(run());
  const v = a.cost.vsNone;
  assert.ok(v);
  assert.equal(v.mode, 'local');
  assert.equal(v.unit, 'usd');
  const local = modeCost(run(), 'local');
  const none = modeCost(run(), 'none');
  close(v.delta, (local.usd.total as number) - (none.usd.total as number), 'delta');
  assert.ok(v.ci95 && v.ci95[0] < v.delta && v.delta < v.ci95[1], `${v.ci95} around ${v.delta}`);
  const mode = (m: string) => a.modes.find((x) => x.mode === m)?.expected;
  const d = expectedDifference(mode('local') as NonNullable<ReturnType<typeof mode>>, mode('none') as NonNullable<ReturnType<typeof mode>>);
  assert.ok(d);
  close(v.ci95[1] - v.ci95[0], ((d.hi - d.lo) * 304 * 0.01) / 60_000, 'interval width: the expected-time interval × builds × price per ms');
  assert.match(a.answer, /At 10 commits\/day \(given\) and the prices under "Cost per month", local costs least per month: \$9\.47, \$12\.42 a month less than none; difference −\$12\.42, 95% interval −\$\d+\.\d+ … −\$\d+\.\d+ from the build times alone; the fastest, registry-max, costs \$12\.30\./);
});

test('commits per day: the flag first, then the history\'s mean, then the stated default', () => {
  const history = run(null);
  history.plan.mixSource = {
    file: '/tmp/mix.json',
    repository: 'shop',
    branch: 'main',
    range: { first: 'a', last: 'b', firstDate: '2026-01-01T00:00:00Z', lastDate: '2026-03-01T00:00:00Z' },
    commits: 180,
    skipped: 0,
    shallow: false,
    weights: { 'no-change': 0, [CODE]: 0.8, [DEP]: 0.2, 'dockerfile-change': 0, 'base-image-change': 0 },
    commitsPerDay: { mean: 3, median: 2, days: 60 },
    generatedAt: '2026-03-02T00:00:00Z',
  };
  const fromHistory = analyze(history).cost.inputs;
  assert.deepEqual([fromHistory.commitsPerDay, fromHistory.commitsPerDayFrom, fromHistory.buildsPerMonth], [3, 'mix file', 3 * 30.4]);
  history.plan.cost = { commitsPerDay: 7 };
  assert.deepEqual([analyze(history).cost.inputs.commitsPerDay, analyze(history).cost.inputs.commitsPerDayFrom], [7, 'option']);
  const plain = analyze(run(null)).cost.inputs;
  assert.deepEqual([plain.commitsPerDay, plain.commitsPerDayFrom, plain.branches, plain.branchesFrom], [10, 'default', 1, 'default']);
  assert.deepEqual(
    Object.values(plain.prices).map((p) => [p.usd, p.from]),
    [
      [LIST_PRICES.minute.usd, 'default'],
      [LIST_PRICES.gbMonth.usd, 'default'],
      [LIST_PRICES.gbTransfer.usd, 'default'],
    ],
  );
});

test('unpriced (every price 0): the month is in minutes, ranked by minutes, no money table', async () => {
  const r = run({ commitsPerDay: 10, branches: 2, priceMinuteUsd: 0, priceGbMonthUsd: 0, priceGbTransferUsd: 0 });
  const a = analyze(r);
  assert.equal(a.cost.inputs.priced, false);
  assert.deepEqual(a.cost.ranking, ['registry-max', 'local', 'none'], 'build + refresh minutes: 217.8, 268.1, 364.8');
  assert.equal(a.cost.vsNone?.unit, 'minutes');
  assert.match(a.answer, /registry-max costs least per month: 218 min of build time, 147 min a month less than none/);
  const md = renderMarkdown(r, undefined, a);
  assert.ok(!md.includes('Total per month (USD)'));
  assert.match(md, /Every price is 0: the month is in minutes only/);
  const chart = renderCharts(r, a).find((c) => c.name === 'cost-month.png');
  assert.ok(chart && /minutes/i.test(chart.title));
  assert.equal((await loadImage(chart.png)).width, chart.width);
});

test('sizes not recorded: pushes only (said so), and a mode with neither is incomplete, not free', () => {
  const r = run();
  for (const c of r.cells) for (const x of c.runs) delete x.bytesPulled;
  const a = analyze(r);
  assert.equal(a.cost.pulledRecorded, false);
  close(modeCost(r, 'none').movedBytesPerBuild, 1e8, 'pushes only');
  assert.ok(renderMarkdown(r, undefined, a).includes('This run did not record bytes pulled'));
  for (const c of r.cells.filter((x) => x.mode === 'registry-max')) for (const x of c.runs) delete x.bytesPushed;
  const max = modeCost(r, 'registry-max');
  assert.equal(max.movedBytesPerBuild, undefined);
  assert.equal(max.usd.total, undefined);
  assert.ok(!analyze(r).cost.ranking.includes('registry-max'));
  assert.match(renderMarkdown(r), /\| registry-max \|[^\n]*\| incomplete \|/);
});

test('report: a "Cost per month" section with both tables, the chart and every assumption with its source', () => {
  const r = run();
  const md = renderMarkdown(r);
  const section = md.slice(md.indexOf('## Cost per month'), md.indexOf('## Results per scenario'));
  assert.ok(section.length > 0, 'the section comes before the per-scenario results');
  for (const h of ['Builds/month', 'Build minutes/month', 'Refresh (seed) minutes/month', 'Cache storage (kept all month)', 'Data moved/month', 'Total per month (USD)']) assert.ok(section.includes(h), h);
  assert.match(section, /\| local \| 304 \| 263 min \| 4\.7 min \| 200 MB \| 66\.9 GB \|/);
  assert.match(section, /\| local \| \$2\.63 \| \$0\.047 \| \$0\.10 \| \$6\.69 \| \$9\.47 \|/);
  assert.match(section, /charts\/cost-month\.png/);
  assert.match(section, /Commits per day: 10, given with --commits-per-day/);
  assert.match(section, /30\.4 days per month/);
  assert.match(section, /Build minute: \$0\.01 per minute, given with --price-minute/);
  assert.match(section, /2 branches \(given with --branches\)/);
  assert.ok(!section.includes(PRICE_CAVEAT), 'the caveat is about the default prices');

  const defaults = renderMarkdown(run(null));
  assert.match(defaults, /Commits per day: 10, an assumption \(default\), not a measurement/);
  for (const p of Object.values(LIST_PRICES)) assert.ok(defaults.includes(p.url) && defaults.includes(`checked ${p.checked}`), p.url);
  assert.ok(defaults.includes(PRICE_CAVEAT));
  assert.ok(!defaults.includes('NaN') && !defaults.includes('undefined'));

  const charts = renderCharts(r);
  const html = renderHtml(r, charts);
  assert.match(html, /<h2>Cost per month<\/h2>/);
  assert.match(html, /<figcaption>[^<]*\(charts\/cost-month\.png\)<\/figcaption>/);
  assert.ok(html.indexOf('<h2>Cost per month</h2>') < html.indexOf('cost-month.png'));
});

test('cost.csv: one row per mode, the documented columns, unrounded figures', () => {
  const rows = renderCostCsv(run()).trim().split('\n').map((l) => l.split(','));
  assert.deepEqual(rows[0], [...COST_COLUMNS]);
  assert.deepEqual(rows.slice(1).map((r) => r[0]), ['none', 'registry-max', 'local']);
  const local = Object.fromEntries(COST_COLUMNS.map((c, i) => [c, rows[3]?.[i]]));
  assert.equal(local.commits_per_day_from, 'option');
  assert.equal(local.builds_per_month, '304');
  assert.equal(local.branches, '2');
  assert.equal(local.cache_bytes_from, 'builds');
  close(Number(local.moved_bytes_per_build), 2.2e8, 'moved bytes per build');
  close(Number(local.usd_total_per_month), (52_000 / 60_000) * 304 * 0.01 + (2 * 140_000 / 60_000) * 0.01 + 0.1 + 66.88 * 0.1, 'local total');
});

test('results.json: plan.cost and plan.mixSource are optional and checked; old results stay valid', () => {
  const r = run();
  assert.deepEqual(validateResults(r), []);
  assert.deepEqual(validateResults(run(null)), []);
  const bad = run({ branches: 0 });
  assert.ok(validateResults(bad).some((p) => p.includes('/plan/cost/branches')));
});
