/**
 * Issue 14, example by example: each report sentence and regression verdict must be what
 * its numbers support (one estimand per claim, intervals of differences). Each test failed
 * on the code before the issue was fixed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareResults, defaultCompareOutDir, mannWhitneyU, type CellComparison } from '../../src/compare/index.ts';
import { renderBenchmarkJson } from '../../src/compare/markdown.ts';
import { analyze } from '../../src/report/analysis.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { outlierIndexes, tCritical95 } from '../../src/results/stats.ts';
import { tempDir } from './helpers/temp-dir.ts';
import { timedCell, timedResults, times } from './helpers/synthetic-results.ts';

/** The comparison of one cell: baseline wall times vs current wall times. */
function compareTimes(base: number[], cur: number[]): CellComparison {
  const c = compareResults(timedResults([timedCell('code-change', 'registry-max', base)]), timedResults([timedCell('code-change', 'registry-max', cur)]));
  return c.cells[0] as CellComparison;
}

const near = (actual: number, expected: number, tol: number, what: string) => assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual}, expected ${expected} ± ${tol}`);

test('1. one repetition against a side of n ≥ 2 uses that side\'s spread (prediction interval)', () => {
  const tight = [99_500, 100_500, 99_600, 100_400, 99_700, 100_300, 99_800, 100_200, 99_900, 100_100];
  const slow = compareTimes(tight, [140_000]);
  assert.equal(slow.verdict, 'fail', slow.reasons.join('; '));
  assert.match(slow.reasons[0] as string, /prediction interval/);
  const noisy = compareTimes([70_000, 130_000, 100_000, 60_000, 140_000], [155_000]);
  assert.equal(noisy.verdict, 'ok', noisy.reasons.join('; '));
  assert.match(noisy.reasons[0] as string, /not significant/);
  // The other way round: one baseline build, a tight current side.
  assert.equal(compareTimes([100_000], tight.map((x) => x * 1.4)).verdict, 'fail');
});

test('2. two repetitions detect at least what one does', () => {
  const two = compareTimes([100_000, 110_000], [160_000, 170_000]);
  assert.equal(two.verdict, 'fail', two.reasons.join('; '));
  assert.equal(compareTimes([100_000], [160_000]).verdict, 'fail');
});

test('3. the interval printed with the change is the interval of the difference', () => {
  const c = compareTimes([80_000, 100_000, 120_000], [100_000, 100_500, 101_000]);
  near(c.changePct as number, 0.5, 1e-9, 'change of the mean, %');
  assert.ok(c.changeCi95Pct);
  // Welch: se = √(20000²/3 + 500²/3) ms, df ≈ 2.0, t ≈ 4.30 → ±49.7% of the baseline mean.
  near(c.changeCi95Pct[0], 0.5 - 49.7, 0.2, 'lower end');
  near(c.changeCi95Pct[1], 0.5 + 49.7, 0.2, 'upper end');
  assert.equal(c.verdict, 'ok');
});

test('4. "vs none": the number, its interval and its verdict are of one estimand (means, Welch)', () => {
  const none = timedCell('code-change', 'none', [...times(7, 10_000), ...times(5, 30_000)]);
  const local = timedCell('code-change', 'local', times(12, 11_000));
  const a = analyze(timedResults([none, local]));
  const v = a.scenarios[0]?.vsNone.local;
  assert.ok(v?.ci);
  near(v.changePct, -40, 1e-9, 'change of the mean, %');
  assert.ok(v.ci.changePct[0] <= v.changePct && v.changePct <= v.ci.changePct[1], `${v.changePct} outside ${v.ci.changePct.join(' … ')}`);
  near(v.ci.changePct[0], -75.7, 0.1, 'lower end');
  near(v.ci.changePct[1], -4.3, 0.1, 'upper end');
  assert.equal(v.verdict, 'faster');
  assert.ok(v.diffMs < 0);
  assert.ok(!a.caveats.some((c) => /slower than none/.test(c)), a.caveats.join('\n'));
});

test('5. the expected time lies inside its own interval (both of the mean)', () => {
  const walls = [60_000, 60_000, 60_000, 72_000, 72_000];
  const a = analyze(timedResults(['a', 'b', 'c'].map((s) => timedCell(s, 'none', walls))));
  const e = a.modes[0]?.expected;
  assert.ok(e?.ms !== undefined && e.ci95Ms);
  near(e.ms, 64_800, 1e-6, 'Σ w·mean');
  assert.ok(e.ci95Ms[0] < e.ms && e.ms < e.ci95Ms[1], `${e.ms} outside ${e.ci95Ms.join(' … ')}`);
  near((e.ci95Ms[0] + e.ci95Ms[1]) / 2, e.ms, 1e-6, 'centre');
});

test('6. the ranking text decides "separated" from the interval of the difference, not from overlap', () => {
  const cells = ['a', 'b'].flatMap((s) => [timedCell(s, 'none', [10_500, 10_700, 10_900]), timedCell(s, 'fast', [10_000, 10_200, 10_400])]);
  const a = analyze(timedResults(cells, { a: 3, b: 1 }));
  const fast = a.modes.find((m) => m.mode === 'fast')?.expected.ci95Ms;
  const none = a.modes.find((m) => m.mode === 'none')?.expected.ci95Ms;
  assert.ok(fast && none && fast[1] > none[0], 'the two intervals overlap');
  assert.ok(a.lead?.separated, 'the difference is significant');
  assert.doesNotMatch(a.answer, /not clearly real/);
  assert.match(a.answer, /The lead is significant: the 95% interval of the difference, 0\.2 s … 0\.8 s per build, excludes 0/);
  // A lead the interval of the difference does not confirm is called so.
  const close = ['a', 'b'].flatMap((s) => [timedCell(s, 'none', [10_000, 10_600, 10_900]), timedCell(s, 'fast', [10_000, 10_400, 10_700])]);
  const b = analyze(timedResults(close, { a: 3, b: 1 }));
  assert.equal(b.lead?.separated, false);
  assert.match(b.answer, /includes 0, so the lead over none is not clearly real/);
});

test('7. no outliers are named below 7 repetitions', () => {
  assert.deepEqual(outlierIndexes([10, 10.2, 9.9, 10.1, 30]), []);
  assert.deepEqual(outlierIndexes([10, 10.2, 30]), []);
  assert.deepEqual(outlierIndexes([10, 10.2, 9.9, 10.1, 10.05, 9.95, 30]), [6]);
  // Stats stored by an older run with an outlier at n = 5: the report stays silent too.
  const cell = timedCell('a', 'none', [10_000, 10_200, 9_900, 10_100, 30_000]);
  (cell.stats as NonNullable<typeof cell.stats>).outliers = [5];
  assert.ok(!analyze(timedResults([cell])).caveats.some((c) => /outlier/.test(c)));
});

test('8. ties: the exact permutation distribution of U with mid-ranks', () => {
  const r = mannWhitneyU([100, 100, 100], [200, 200, 200]);
  assert.equal(r.method, 'exact');
  near(r.pValue, 0.1, 1e-12, 'p');
});

test('9. t quantiles beyond 30 degrees of freedom', () => {
  near(tCritical95(31), 2.04, 5e-4, 't(0.975, 31)');
  near(tCritical95(45), 2.014, 5e-4, 't(0.975, 45)');
  near(tCritical95(61), 1.9996, 5e-4, 't(0.975, 61)');
});

test('10. compare --current FILE writes beside that file, not into the working directory', () => {
  const dir = tempDir('cachebench-outdir-');
  const file = path.join(dir, 'results.json');
  writeFileSync(file, '{}');
  assert.equal(defaultCompareOutDir(file), dir);
  assert.equal(defaultCompareOutDir(dir), dir);
});

test('the Method section names the estimand of every number and interval, in Markdown and HTML', () => {
  const cells = ['a', 'b'].flatMap((s) => [timedCell(s, 'none', [10_500, 10_700, 10_900]), timedCell(s, 'fast', [10_000, 10_200, 10_400])]);
  const r = timedResults(cells, { a: 3, b: 1 });
  const md = renderMarkdown(r);
  const method = md.slice(md.indexOf('## Method'), md.indexOf('## How to reproduce'));
  const html = renderHtml(r, []);
  const htmlMethod = html.slice(html.indexOf('<h2>Method</h2>'), html.indexOf('<h2>How to reproduce</h2>'));
  for (const needle of [
    "mean of a cell's successful repetitions",
    'Student t interval',
    'mean(mode) / mean(none) − 1',
    '95% interval of the difference of the means',
    'Welch–Satterthwaite',
    'prediction interval',
    'commit-mix weight × mean',
    '95% interval of the difference of the two expected times',
    'Descriptive medians',
    'paired by round in interleaved runs',
    'No calibration was recorded for this run',
  ]) {
    assert.ok(method.includes(needle), `Markdown Method lacks "${needle}"`);
    assert.ok(htmlMethod.includes(needle.replace(/'/g, '&#39;')), `HTML Method lacks "${needle}"`);
  }
  assert.match(md, /\| # \| Mode \| Mean \| 95% CI of mean \| vs none \(95% CI of difference\) \|/);
});

test('benchmark.json: value and range are one estimand, the mean and half its 95% interval', () => {
  const entries = JSON.parse(renderBenchmarkJson(timedResults([timedCell('a', 'local', [2000, 2200, 2900])]))) as Array<{ value: number; range: string }>;
  assert.equal(entries[0]?.value, 2.367);
});
