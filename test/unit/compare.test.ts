import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { CellResult, Results, RunRecord } from '../../src/results/types.ts';
import { compareResults, mannWhitneyU, type CellComparison, type CompareOptions } from '../../src/compare/index.ts';
import { renderBenchmarkJson, renderComparisonMarkdown } from '../../src/compare/markdown.ts';
import { UsageError } from '../../src/errors.ts';

const template = JSON.parse(readFileSync(new URL('../fixtures/results-tiny-quick.json', import.meta.url), 'utf8')) as Results;

interface CellSpec {
  scenario?: string;
  mode?: string;
  wallMs: number[];
  cachedSteps?: number;
  totalSteps?: number;
  cacheBytes?: number;
  /** How many extra failed runs to append. */
  failed?: number;
}

function run(repetition: number, wallMs: number, spec: CellSpec, status: RunRecord['status'] = 'ok'): RunRecord {
  return {
    repetition,
    startedAt: '2026-11-28T00:00:00.000Z',
    status,
    wallMs,
    buildxWallMs: wallMs,
    phases: {},
    steps: [],
    cachedSteps: spec.cachedSteps ?? 4,
    totalSteps: spec.totalSteps ?? 7,
    ...(spec.cacheBytes === undefined ? {} : { cacheBytes: spec.cacheBytes }),
    warnings: [],
  };
}

function cellOf(spec: CellSpec): CellResult {
  const scenario = spec.scenario ?? 'code-change';
  const mode = spec.mode ?? 'registry-max';
  const runs = spec.wallMs.map((ms, i) => run(i + 1, ms, spec));
  for (let i = 0; i < (spec.failed ?? 0); i++) runs.push(run(runs.length + 1, 1000, spec, 'failed'));
  return { id: `tiny/${scenario}/${mode}`, fixture: 'tiny', scenario, mode, runs, warnings: [] };
}

function results(cells: CellSpec[], env: Partial<Results['environment']> = {}): Results {
  const r = structuredClone(template);
  r.cells = cells.map(cellOf);
  r.environment = { ...r.environment, ...env };
  return r;
}

/** Compares one cell; returns its comparison and the whole result. */
function one(base: CellSpec, cur: CellSpec, opts: Partial<CompareOptions> = {}): { cell: CellComparison; exitCode: 0 | 1 } {
  const c = compareResults(results([base]), results([cur]), opts);
  assert.equal(c.cells.length, 1);
  return { cell: c.cells[0] as CellComparison, exitCode: c.exitCode };
}

const scale = (xs: number[], f: number) => xs.map((x) => x * f);
const BASE5 = [10_000, 10_150, 9_900, 10_050, 10_100];

// --- Mann-Whitney U -------------------------------------------------------------------

test('MWU exact: [1,2,3] vs [4,5,6] gives U = 0 and two-sided p = 0.1', () => {
  const r = mannWhitneyU([1, 2, 3], [4, 5, 6]);
  assert.equal(r.method, 'exact');
  assert.equal(r.u, 0);
  assert.ok(Math.abs(r.pValue - 0.1) < 1e-12);
  assert.ok(Math.abs(mannWhitneyU([4, 5, 6], [1, 2, 3]).pValue - 0.1) < 1e-12, 'symmetric');
});

test('MWU matches SciPy mannwhitneyu docs example, exact and asymptotic', () => {
  const males = [19, 22, 16, 29, 24];
  const females = [20, 11, 17, 12];
  const exact = mannWhitneyU(males, females);
  assert.equal(exact.u, 17);
  assert.equal(exact.method, 'exact');
  assert.ok(Math.abs(exact.pValue - 14 / 126) < 1e-12); // SciPy: 0.11111111111111112
  const normal = mannWhitneyU(males, females, 'normal');
  assert.ok(Math.abs(normal.pValue - 0.11134688653314041) < 1e-6, `got ${normal.pValue}`);
});

test('MWU matches R wilcox.test example (W = 35, one-sided p = 0.1272)', () => {
  const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
  const y = [1.15, 0.88, 0.9, 0.74, 1.21];
  const r = mannWhitneyU(x, y);
  assert.equal(r.u, 35);
  assert.ok(Math.abs(r.pValue - 0.2544122544) < 1e-9, `got ${r.pValue}`);
  assert.ok(Math.abs(mannWhitneyU(x, y, 'normal').pValue - 0.24462360512698333) < 1e-6);
});

test('MWU uses the normal approximation for large samples', () => {
  const x = Array.from({ length: 25 }, (_, i) => i + 1);
  const y = x.map((v) => v + 10.5);
  const r = mannWhitneyU(x, y);
  assert.equal(r.method, 'normal');
  assert.equal(r.u, 105);
  assert.ok(Math.abs(r.pValue - 5.909644085596031e-5) < 1e-8, `got ${r.pValue}`);
});

/** Two-sided exact p by listing every split of the pooled values (mid-ranks): the definition the fast count must meet. */
function bruteForceP(x: number[], y: number[]): number {
  const all = [...x, ...y];
  const rank = (v: number) => all.filter((w) => w < v).length + (all.filter((w) => w === v).length + 1) / 2;
  const ranks = all.map(rank);
  const centre = (x.length * (all.length + 1)) / 2;
  const observed = Math.abs(ranks.slice(0, x.length).reduce((a, b) => a + b, 0) - centre);
  let total = 0;
  let extreme = 0;
  const pick = (start: number, left: number, sum: number): void => {
    if (left === 0) {
      total++;
      if (Math.abs(sum - centre) >= observed - 1e-9) extreme++;
      return;
    }
    for (let i = start; i <= all.length - left; i++) pick(i + 1, left - 1, sum + (ranks[i] as number));
  };
  pick(0, x.length, 0);
  return extreme / total;
}

test('MWU with ties: exact permutation distribution for small samples; normal with tie correction when asked or large', () => {
  const r = mannWhitneyU([1, 2, 2, 3, 3], [3, 3, 4, 4, 5]);
  assert.equal(r.method, 'exact');
  assert.equal(r.u, 2);
  assert.ok(Math.abs(r.pValue - bruteForceP([1, 2, 2, 3, 3], [3, 3, 4, 4, 5])) < 1e-12, `got ${r.pValue}`);
  assert.ok(Math.abs(mannWhitneyU([1, 2, 2, 3, 3], [3, 3, 4, 4, 5], 'normal').pValue - 0.030059567892412424) < 1e-6);
  const tiedLarge = mannWhitneyU([...Array(25).keys()].map((i) => i % 5), [...Array(25).keys()].map((i) => (i % 5) + 1));
  assert.equal(tiedLarge.method, 'normal');
  // Seeded samples with many ties: the counted distribution equals the listed one.
  let seed = 7;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % 4);
  for (let k = 0; k < 20; k++) {
    const x = Array.from({ length: 2 + (k % 4) }, next);
    const y = Array.from({ length: 3 + (k % 3) }, next);
    assert.ok(Math.abs(mannWhitneyU(x, y).pValue - bruteForceP(x, y)) < 1e-12, `${x} vs ${y}`);
  }
});

test('MWU with one value per side and with identical values: p = 1, never NaN', () => {
  assert.deepEqual(mannWhitneyU([5], [7]), { u: 0, pValue: 1, method: 'exact' });
  const same = mannWhitneyU([100, 100, 100], [100, 100, 100]);
  assert.equal(same.pValue, 1);
  assert.equal(same.u, 4.5);
  assert.equal(mannWhitneyU([3], [3]).pValue, 1);
});

// --- verdicts -------------------------------------------------------------------------

test('identical values → ok with no NaN anywhere', () => {
  const { cell } = one({ wallMs: [5000, 5000, 5000] }, { wallMs: [5000, 5000, 5000] });
  assert.equal(cell.verdict, 'ok');
  assert.equal(cell.changePct, 0);
  assert.equal(cell.pValue, 1);
  assert.equal(cell.ciOverlap, true);
  // No `none` cell in these runs: the only reason says the absolute verdict counts.
  assert.deepEqual(cell.reasons, ['reference unavailable (no none cell for code-change in either run): the absolute verdict counts']);
  assert.equal(cell.reference, null);
  for (const v of [cell.changePct, cell.pValue, ...(cell.changeCi95Pct ?? []), ...(cell.current?.ci95Ms ?? [])]) assert.ok(Number.isFinite(v), `${v} is not finite`);
});

test('a 50% slowdown with n = 5 → fail', () => {
  const { cell, exitCode } = one({ wallMs: BASE5 }, { wallMs: scale(BASE5, 1.5) });
  assert.equal(cell.verdict, 'fail');
  assert.ok((cell.pValue as number) < 0.05);
  assert.ok(Math.abs((cell.changePct as number) - 50) < 1e-9);
  assert.match(cell.reasons[0] as string, /^time \+50\.0%/);
  assert.equal(exitCode, 1);
});

test('a 15% slowdown with n = 5 and non-overlapping CIs → alert', () => {
  const { cell, exitCode } = one({ wallMs: BASE5 }, { wallMs: scale(BASE5, 1.15) });
  assert.equal(cell.verdict, 'alert');
  assert.equal(cell.ciOverlap, false);
  assert.equal(cell.significant, true);
  assert.ok(cell.changeCi95Pct && cell.changeCi95Pct[0] > 10 && cell.changeCi95Pct[1] < 20);
  assert.equal(exitCode, 0);
});

test('noise within 5% → ok', () => {
  const { cell } = one({ wallMs: BASE5 }, { wallMs: [10_300, 9_800, 10_400, 10_000, 10_200] });
  assert.equal(cell.verdict, 'ok');
  assert.ok(Math.abs(cell.changePct as number) < 5);
});

test('a significant speed-up → improved', () => {
  const { cell, exitCode } = one({ wallMs: BASE5 }, { wallMs: scale(BASE5, 0.7) });
  assert.equal(cell.verdict, 'improved');
  assert.equal(exitCode, 0);
});

test('fewer cached steps → fail even when faster', () => {
  const { cell } = one({ wallMs: BASE5, cachedSteps: 7 }, { wallMs: scale(BASE5, 0.7), cachedSteps: 4 });
  assert.equal(cell.verdict, 'fail');
  assert.equal(cell.reasons[0], 'cached steps 7 → 4 (of 7)');
  assert.ok(cell.reasons.some((r) => r.startsWith('time -30.0%')), 'the speed-up is still reported');
});

test('cache size growth beyond the limit → alert; within it → ok', () => {
  assert.equal(one({ wallMs: BASE5, cacheBytes: 1_000_000 }, { wallMs: BASE5, cacheBytes: 1_600_000 }).cell.verdict, 'alert');
  assert.match(one({ wallMs: BASE5, cacheBytes: 1_000_000 }, { wallMs: BASE5, cacheBytes: 1_600_000 }).cell.reasons[0] as string, /cache size \+60\.0% \(1\.0 MB → 1\.6 MB/);
  assert.equal(one({ wallMs: BASE5, cacheBytes: 1_000_000 }, { wallMs: BASE5, cacheBytes: 1_400_000 }).cell.verdict, 'ok');
  assert.equal(one({ wallMs: BASE5, cacheBytes: 0 }, { wallMs: BASE5, cacheBytes: 0 }).cell.verdict, 'ok');
});

test('failed builds in the current run where the baseline had none → fail', () => {
  const { cell } = one({ wallMs: BASE5 }, { wallMs: BASE5.slice(0, 3), failed: 2 });
  assert.equal(cell.verdict, 'fail');
  assert.match(cell.reasons[0] as string, /^builds failed: 2 of 5 runs/);
  const allFailed = one({ wallMs: BASE5 }, { wallMs: [], failed: 3 }).cell;
  assert.equal(allFailed.verdict, 'fail');
  assert.equal(allFailed.changePct, null);
  assert.equal(allFailed.pValue, null);
});

test('one repetition each side: only a change beyond 2 × fail threshold counts', () => {
  const small = one({ wallMs: [10_000] }, { wallMs: [13_000] }).cell;
  assert.equal(small.verdict, 'ok');
  assert.equal(small.ciOverlap, null);
  assert.match(small.reasons[0] as string, /not significant/);
  const gross = one({ wallMs: [10_000] }, { wallMs: [16_000] }).cell;
  assert.equal(gross.verdict, 'fail');
  assert.match(gross.reasons[0] as string, /single repetition and beyond 50%/);
  assert.equal(one({ wallMs: [10_000] }, { wallMs: [4_000] }).cell.verdict, 'improved');
});

test('n = 3: a gross low-noise regression is caught by Welch\'s t-test though no rank test can reach p < 0.05', () => {
  assert.ok(mannWhitneyU([10_000, 10_100, 9_950], [14_000, 14_100, 13_900]).pValue >= 0.05, 'the rank test cannot');
  const { cell } = one({ wallMs: [10_000, 10_100, 9_950] }, { wallMs: [14_000, 14_100, 13_900] });
  assert.equal(cell.pMethod, 'welch');
  assert.ok((cell.pValue as number) < 0.05, `p = ${cell.pValue}`);
  assert.equal(cell.ciOverlap, false);
  assert.equal(cell.verdict, 'fail');
  const noisy = one({ wallMs: [10_000, 14_000, 7_000] }, { wallMs: [13_000, 9_000, 16_000] }).cell;
  assert.equal(noisy.ciOverlap, true);
  assert.equal(noisy.verdict, 'ok');
});

test('cells missing on one side are reported, not failed', () => {
  const base = results([{ scenario: 'code-change', wallMs: BASE5 }, { scenario: 'no-change', wallMs: BASE5 }]);
  const cur = results([{ scenario: 'code-change', wallMs: BASE5 }, { scenario: 'dependency-change', wallMs: BASE5 }]);
  const c = compareResults(base, cur);
  assert.deepEqual(
    c.cells.map((x) => [x.scenario, x.verdict]),
    [
      ['code-change', 'ok'],
      ['dependency-change', 'missing-in-baseline'],
      ['no-change', 'missing-in-current'],
    ],
  );
  assert.equal(c.summary['missing-in-baseline'], 1);
  assert.equal(c.summary['missing-in-current'], 1);
  assert.equal(c.verdict, 'ok');
  assert.equal(c.exitCode, 0);
});

test('threshold validation names the flags', () => {
  const r = results([{ wallMs: BASE5 }]);
  assert.throws(() => compareResults(r, r, { alertPct: 30, failPct: 25 }), (e: unknown) => e instanceof UsageError && /--alert-threshold \(30%\) is above --fail-threshold \(25%\)/.test(e.message));
  assert.throws(() => compareResults(r, r, { alertPct: 0 }), (e: unknown) => e instanceof UsageError && /--alert-threshold must be a percentage above 0/.test(e.message));
  assert.throws(() => compareResults(r, r, { failPct: Number.NaN }), (e: unknown) => e instanceof UsageError && /--fail-threshold/.test(e.message));
  assert.throws(() => compareResults(r, r, { cacheGrowthPct: -5 }), UsageError);
  assert.doesNotThrow(() => compareResults(r, r, { alertPct: 25, failPct: 25 }));
});

test('exitCode: an alert fails the job only with failOn alert', () => {
  assert.equal(one({ wallMs: BASE5 }, { wallMs: scale(BASE5, 1.15) }, { failOn: 'fail' }).exitCode, 0);
  assert.equal(one({ wallMs: BASE5 }, { wallMs: scale(BASE5, 1.15) }, { failOn: 'alert' }).exitCode, 1);
  assert.equal(one({ wallMs: BASE5 }, { wallMs: BASE5 }, { failOn: 'alert' }).exitCode, 0);
});

test('environment differences are flagged as warnings, not failures', () => {
  const base = results([{ wallMs: BASE5 }]);
  const cur = results([{ wallMs: BASE5 }], {
    dockerVersion: '29.0.0',
    cpus: 4,
    networkProfile: 'wan',
    baseImages: { BASE_IMAGE: { ref: 'x', digest: 'sha256:0000' }, SDK_IMAGE: { ref: 'y', digest: 'sha256:1111' } },
  });
  const c = compareResults(base, cur);
  assert.equal(c.exitCode, 0);
  assert.equal(c.verdict, 'ok');
  const w = c.environmentWarnings.join('\n');
  assert.match(w, /dockerVersion: 28\.5\.2\+dfsg4 → 29\.0\.0/);
  assert.match(w, /cpus: 2 → 4/);
  assert.match(w, /networkProfile: loopback → wan/);
  assert.match(w, /base image BASE_IMAGE: digest sha256:2752.* → sha256:0000/);
  assert.match(w, /base image SDK_IMAGE: only in the current run/);
  assert.deepEqual(compareResults(base, structuredClone(base)).environmentWarnings, []);
});

// --- exporters ------------------------------------------------------------------------

test('Markdown: headline, environment warnings, regression list and a row per cell', () => {
  const base = results([{ scenario: 'code-change', wallMs: BASE5, cachedSteps: 7 }, { scenario: 'no-change', wallMs: BASE5 }]);
  const cur = results([{ scenario: 'code-change', wallMs: BASE5, cachedSteps: 4 }, { scenario: 'no-change', wallMs: BASE5 }], { cpus: 4 });
  const md = renderComparisonMarkdown(compareResults(base, cur));
  assert.match(md, /^## cachebench comparison: FAIL, 1 of 2 cells regressed/);
  assert.match(md, /### Environment differences[\s\S]*- cpus: 2 → 4/);
  assert.match(md, /- \*\*FAIL\*\* code-change \/ registry-max: cached steps 7 → 4 \(of 7\)/);
  assert.match(md, /\| Baseline mean \| Current mean \| Change of the mean \(95% interval of the difference\) \| p \|/);
  assert.match(md, /\| code-change \| registry-max \| 10\.04 s \(n=5\) \| 10\.04 s \(n=5\) \| 0\.0% \(.*\) \| 1\.000 \| - \| - \| 7\/7 → 4\/7 \| \*\*FAIL\*\* \|/);
  assert.match(md, /\| no-change \| registry-max .* \| ok \| reference unavailable \(no none cell for no-change in either run\): the absolute verdict counts \|$/m);
  assert.match(md, /### How a verdict is decided/);
});

test('benchmark JSON: customSmallerIsBetter entries in seconds with half-CI range', () => {
  const cur = results([{ wallMs: [2000, 2200, 2400], cachedSteps: 4, cacheBytes: 1_116_160 }, { scenario: 'no-change', wallMs: [], failed: 1 }]);
  const entries = JSON.parse(renderBenchmarkJson(cur)) as Array<Record<string, unknown>>;
  assert.equal(entries.length, 1, 'a cell without a successful run has no value');
  const e = entries[0] as Record<string, unknown>;
  assert.equal(e.name, 'code-change / registry-max');
  assert.equal(e.unit, 's');
  assert.equal(e.value, 2.2);
  assert.equal(e.range, '± 0.497'); // t(2) = 4.303, sd = 200, n = 3
  assert.equal(e.extra, 'n=3, cached 4/7 steps, cache 1.1 MB');
  const withCmp = JSON.parse(renderBenchmarkJson(cur, compareResults(results([{ wallMs: [2000, 2200, 2400], cachedSteps: 7 }]), cur))) as Array<Record<string, unknown>>;
  assert.match(String(withCmp[0]?.extra), /, fail 0\.0% vs baseline$/);
});
