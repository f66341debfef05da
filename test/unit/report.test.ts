/** The report exporters: CSV, analysis, Markdown, charts, HTML and the one writer, on recorded and synthetic results. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadImage } from '@napi-rs/canvas';
import { analyze, expectedTime, welchCi } from '../../src/report/analysis.ts';
import { renderCharts } from '../../src/report/charts.ts';
import { renderRunsCsv, renderSummaryCsv, RUNS_COLUMNS, SUMMARY_COLUMNS } from '../../src/report/csv.ts';
import { renderHtml } from '../../src/report/html.ts';
import { writeReports } from '../../src/report/index.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { summarizeSamples, tCritical95 } from '../../src/results/stats.ts';
import { PHASES, type CellResult, type Phases, type Results, type RunRecord } from '../../src/results/types.ts';

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'results-tiny-quick.json');
const recorded = (): Results => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Results;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** RFC 4180: quoted fields may hold commas, doubled quotes and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = (): void => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else if (ch !== '\r') field += ch;
  }
  if (field !== '' || row.length) {
    endField();
    rows.push(row);
  }
  return rows;
}

function run(wallMs: number, o: Partial<RunRecord> = {}): RunRecord {
  const phases: Phases = { setup: 50, build: wallMs * 0.6, 'image-export': 100 };
  return { status: 'ok', wallMs, buildxWallMs: wallMs - 100, buildkitMs: wallMs - 300, phases, steps: [], cachedSteps: 0, totalSteps: 7, warnings: [], repetition: 1, startedAt: '2026-01-01T00:00:00.000Z', ...o };
}

function cell(scenario: string, mode: string, walls: number[], o: Partial<RunRecord> = {}): CellResult {
  const runs = walls.map((w, i) => run(w, { repetition: i + 1, ...o }));
  const ok = runs.filter((r) => r.status === 'ok');
  return { id: `syn/${scenario}/${mode}`, fixture: 'syn', scenario, mode, runs, stats: summarizeSamples(ok.map((r) => r.wallMs)), phaseMedians: ok[0]?.phases, warnings: [] };
}

/** Two scenarios × two modes, 3 repetitions, an unnormalised mix a:b = 3:1. */
function synthetic(cells: CellResult[], modes = ['none', 'fast'], scenarios = ['a', 'b']): Results {
  const base = recorded();
  return {
    ...base,
    plan: { fixture: 'syn', scenarios, modes, repetitions: 3, profile: 'default', commitMix: { a: 3, b: 1 } },
    environment: { ...base.environment, fixture: 'syn' },
    seeds: {},
    cells,
    status: 'complete',
  };
}

const syntheticCells = (): CellResult[] => [
  cell('a', 'none', [2000, 2200, 2400]),
  cell('b', 'none', [1900, 2000, 2100]),
  cell('a', 'fast', [1000, 1100, 1200], { cachedSteps: 5 }),
  cell('b', 'fast', [2500, 2600, 2700], { cachedSteps: 2 }),
];

test('runs CSV: a header and one row per measured build, failed ones included, quoting intact', () => {
  const r = recorded();
  const rows = parseCsv(renderRunsCsv(r));
  const runs = r.cells.reduce((a, c) => a + c.runs.length, 0);
  assert.equal(rows.length, runs + 1);
  assert.deepEqual(rows[0], [...RUNS_COLUMNS]);
  assert.ok(PHASES.every((p) => rows[0]?.includes(`phase_${p}_ms`)));
  for (const row of rows) assert.equal(row.length, RUNS_COLUMNS.length);
  const col = (name: string) => RUNS_COLUMNS.indexOf(name as (typeof RUNS_COLUMNS)[number]);
  const first = r.cells[0]?.runs[0] as RunRecord;
  assert.equal(Number(rows[1]?.[col('wall_ms')]), first.wallMs);
  assert.equal(rows[1]?.[col('phase_cache-restore_ms')], '', 'a phase that did not happen is empty, not 0');

  const failed = synthetic([cell('a', 'none', [1000, 1100]), cell('a', 'fast', [900], { status: 'failed', error: { message: 'RUN failed, "exit" 1\nsee log', step: '[builder 3/5] RUN make', exitCode: 2, logTail: '' } })]);
  const frows = parseCsv(renderRunsCsv(failed));
  assert.equal(frows.length, 4);
  const bad = frows.find((x) => x[col('status')] === 'failed');
  assert.ok(bad);
  assert.equal(bad.length, RUNS_COLUMNS.length);
  assert.match(bad[col('error')] as string, /RUN failed, "exit" 1\nsee log; step: \[builder 3\/5\] RUN make; exit code 2/);
});

test('summary CSV: one row per cell with stats, saving vs none and the seed build', () => {
  const r = recorded();
  const rows = parseCsv(renderSummaryCsv(r));
  assert.equal(rows.length, r.cells.length + 1);
  assert.deepEqual(rows[0], [...SUMMARY_COLUMNS]);
  const col = (name: string) => SUMMARY_COLUMNS.indexOf(name as (typeof SUMMARY_COLUMNS)[number]);
  const local = rows.find((x) => x[1] === 'code-change' && x[2] === 'local');
  const none = r.cells.find((c) => c.scenario === 'code-change' && c.mode === 'none') as CellResult;
  const lc = r.cells.find((c) => c.scenario === 'code-change' && c.mode === 'local') as CellResult;
  assert.ok(local);
  assert.equal(local.length, SUMMARY_COLUMNS.length);
  assert.equal(Number(local[col('median_ms')]), lc.stats?.medianMs);
  assert.equal(Number(local[col('cached_steps')]), 4);
  assert.equal(Number(local[col('seed_wall_ms')]), r.seeds.local?.wallMs);
  const saving = (1 - (lc.stats?.medianMs as number) / (none.stats?.medianMs as number)) * 100;
  assert.ok(Math.abs(Number(local[col('saving_vs_none_pct')]) - saving) < 1e-9);
  assert.equal(rows.find((x) => x[2] === 'none')?.[col('saving_vs_none_pct')], '0');
});

test('analysis: expected time for the commit mix, renormalised weights, and vs none', () => {
  const a = analyze(synthetic(syntheticCells()));
  const none = a.modes.find((m) => m.mode === 'none');
  const fast = a.modes.find((m) => m.mode === 'fast');
  assert.deepEqual(a.mix, [
    { scenario: 'a', weight: 0.75 },
    { scenario: 'b', weight: 0.25 },
  ]);
  assert.equal(none?.expected.ms, 0.75 * 2200 + 0.25 * 2000);
  assert.equal(fast?.expected.ms, 0.75 * 1100 + 0.25 * 2600);
  assert.ok(Math.abs((fast?.expected.vsNonePct as number) - ((1475 / 2150 - 1) * 100)) < 1e-9);
  assert.deepEqual(a.ranking, ['fast', 'none']);
  assert.equal(a.winner, 'fast');
  assert.match(a.answer, /fast is fastest: expected 1\.5 s per build vs 2\.2 s with none \(−31%\)/);

  // CI of the expected time: Σ w·mean ± t(df)·√(Σ w²·sd²/n), Welch–Satterthwaite df; both cells have sd 100, n 3.
  const v1 = (0.75 ** 2 * 100 ** 2) / 3;
  const v2 = (0.25 ** 2 * 100 ** 2) / 3;
  const df = (v1 + v2) ** 2 / (v1 ** 2 / 2 + v2 ** 2 / 2);
  const half = tCritical95(df) * Math.sqrt(v1 + v2);
  assert.ok(fast?.expected.ci95Ms);
  assert.ok(Math.abs((fast.expected.df as number) - df) < 1e-9, `df ${fast.expected.df}`);
  assert.ok(Math.abs(fast.expected.ci95Ms[0] - (1475 - half)) < 1e-9);
  assert.ok(Math.abs(fast.expected.ci95Ms[1] - (1475 + half)) < 1e-9);

  // vs none in scenario a: ratio of means; Welch CI of the difference of means, fractional df as R's t.test (by hand: df = 2.94, t = 3.219).
  const v = a.scenarios.find((s) => s.scenario === 'a')?.vsNone.fast;
  assert.ok(v?.ci);
  assert.equal(v.ratio, 1100 / 2200);
  assert.equal(v.changePct, -50);
  const se = Math.sqrt(100 ** 2 / 3 + 200 ** 2 / 3);
  assert.ok(Math.abs(v.ci.df - 2.941) < 0.001, `df ${v.ci.df}`);
  const t = tCritical95(v.ci.df);
  assert.ok(Math.abs(t - 3.2188) < 1e-3, `t ${t}`);
  assert.ok(Math.abs(v.ci.diffMs[0] - (-1100 - t * se)) < 1e-9);
  assert.ok(Math.abs(v.ci.diffMs[1] - (-1100 + t * se)) < 1e-9);
  assert.ok(Math.abs(v.ci.changePct[0] - (100 * (-1100 - t * se)) / 2200) < 1e-9);
  assert.equal(v.verdict, 'faster');
  // Scenario b: fast is slower than none, and the caveats say so.
  assert.equal(a.scenarios.find((s) => s.scenario === 'b')?.vsNone.fast?.verdict, 'slower');
  assert.ok(a.caveats.some((c) => /In b, fast \(\+30%, 95% interval of the difference above 0\) was slower than none \(mean 2\.0 s\)/.test(c)), a.caveats.join('\n'));
  assert.deepEqual(a.scenarios.find((s) => s.scenario === 'a')?.ranking, ['fast', 'none']);
});

test('analysis: a missing or failed cell makes the mode incomplete and is listed', () => {
  const cells = syntheticCells().filter((c) => !(c.scenario === 'b' && c.mode === 'fast'));
  cells.push(cell('b', 'fast', [2500], { status: 'failed', error: { message: 'boom', exitCode: 1, logTail: '' } }));
  const a = analyze(synthetic(cells));
  const fast = a.modes.find((m) => m.mode === 'fast');
  assert.equal(fast?.expected.ms, undefined);
  assert.equal(fast?.expected.complete, false);
  assert.deepEqual(fast?.expected.missing, ['b']);
  assert.equal(a.winner, 'none');
  assert.ok(a.incomplete.some((p) => p.id === 'syn/b/fast' && /1 of 1 builds failed: boom \(exit code 1\)/.test(p.problem)));

  const gone = analyze(synthetic(syntheticCells().filter((c) => c.mode !== 'fast' || c.scenario !== 'a')));
  assert.ok(gone.incomplete.some((p) => p.id === 'syn/a/fast' && /not measured/.test(p.problem)));
  assert.deepEqual(expectedTime({ a: 1 }, new Map()).missing, ['a']);
});

test('analysis: with one repetition there is no CI, and it says so', () => {
  const a = analyze(recorded());
  const v = a.scenarios.find((s) => s.scenario === 'code-change')?.vsNone.local;
  assert.ok(v);
  assert.equal(v.ci, undefined);
  assert.equal(v.ciNote, 'no CI (1 repetition)');
  assert.equal(v.verdict, 'unknown');
  assert.equal(welchCi({ n: 1, meanMs: 1, medianMs: 1, sdMs: 0, minMs: 1, maxMs: 1, ci95Ms: [1, 1], rmePct: 0, outliers: [] }, { n: 3, meanMs: 1, medianMs: 1, sdMs: 1, minMs: 0, maxMs: 2, ci95Ms: [0, 2], rmePct: 0, outliers: [] }), undefined);
  assert.equal(a.minRuns, 1);
  assert.equal(a.flags.length, 0, a.flags.map((f) => f.message).join('\n'));
  assert.equal(a.winner, 'local');
  assert.ok(a.caveats.some((c) => /loopback/.test(c)));
  assert.ok(a.caveats.some((c) => /inline and registry-min cache only the final stage/.test(c)));
  assert.ok(a.caveats.some((c) => /local needs a CI cache step/.test(c)));
  const local = a.modes.find((m) => m.mode === 'local');
  assert.equal(local?.seed?.exportMs, 281 + 10.582640000000538);
  assert.equal(local?.cost.cacheBytes, 1116160);
});

test('analysis flags data that breaks the cache modes\' expectations', () => {
  const modes = ['none', 'registry-min', 'registry-max'];
  const cells = [
    cell('code-change', 'none', [4000, 4100, 4200], { cachedSteps: 1 }),
    cell('code-change', 'registry-min', [4000, 4100, 4200], { cachedSteps: 2 }),
    cell('code-change', 'registry-max', [3000, 3100, 3200], { cachedSteps: 2 }),
    cell('no-change', 'none', [4000, 4100, 4200]),
    cell('no-change', 'registry-min', [1000, 1100, 1200], { cachedSteps: 7 }),
    cell('no-change', 'registry-max', [1000, 1100, 1200], { cachedSteps: 5 }),
  ];
  const r = synthetic(cells, modes, ['code-change', 'no-change']);
  r.plan.commitMix = { 'code-change': 0.9, 'no-change': 0.1 };
  const flags = analyze(r).flags;
  assert.ok(flags.some((f) => f.severity === 'error' && /none reused 1 of 7 steps in code-change/.test(f.message)));
  assert.ok(flags.some((f) => f.severity === 'warning' && /code-change: registry-max reused 2\/7 steps, not more than registry-min/.test(f.message)));
  assert.ok(flags.some((f) => /no-change: registry-max reused only 5 of 7/.test(f.message)));
});

test('markdown: the answer first, every scenario and mode, the environment, the hook', () => {
  const r = recorded();
  const md = renderMarkdown(r);
  assert.match(md.split('\n').slice(0, 4).join('\n'), /\*\*Answer\.\*\* For this commit mix \(code-change 90%, dependency-change 5%, no-change 5%\), local is fastest: expected 2\.6 s per build vs 4\.3 s with none \(−40%\)/);
  for (const s of r.plan.scenarios) assert.match(md, new RegExp(`### ${s} \\(`));
  for (const m of r.plan.modes) assert.ok(md.includes(`| ${m} |`), m);
  for (const needle of ['Network profile: loopback', r.environment.dockerVersion, r.environment.buildxVersion, r.environment.containerdVersion, '2 CPUs', 'sha256:2752a60bab655d4a0da20148483a53b3ceeb8884680086460dd3e254a9a1b4a0', r.environment.parentCommit as string]) {
    assert.ok(md.includes(needle), needle);
  }
  for (const h of ['## Expected time for the commit mix', '## Cost per month', '## Seed (parent) builds', '## Cost side', '## Caveats', '## Incomplete or failed cells', '## Harness overhead', '## How to reproduce']) assert.ok(md.includes(h), h);
  assert.match(md, /npm run bench -- --fixture tiny .*--repetitions 1 --order sequential --mix code-change=0\.9,dependency-change=0\.05,no-change=0\.05/);
  assert.match(md, /no CI \(1 repetition\)/);
  assert.match(md, /1\.12 MB/);
  assert.ok(!md.includes('## Comparison with baseline'));
  assert.ok(!md.includes('NaN') && !md.includes('undefined'));
  assert.match(renderMarkdown(r, { markdown: '| cell | verdict |' }), /## Comparison with baseline\n\n\| cell \| verdict \|/);
  assert.ok(!renderMarkdown(r, { verdict: 'ok' }).includes('## Comparison with baseline'));
});

test('charts: five PNGs that decode to their stated sizes', async () => {
  const charts = renderCharts(recorded());
  assert.deepEqual(
    charts.map((c) => c.name),
    ['time.png', 'phases.png', 'hit-ratio.png', 'cache-size.png', 'cost-month.png'],
  );
  for (const c of charts) {
    assert.deepEqual([...c.png.subarray(0, 8)], PNG_SIGNATURE, c.name);
    const img = await loadImage(c.png);
    assert.equal(img.width, c.width, c.name);
    assert.equal(img.height, c.height, c.name);
    assert.ok(c.width >= 800 && c.height >= 360, c.name);
    assert.ok(c.png.length > 15_000, `${c.name} is ${c.png.length} bytes: blank?`);
  }
});

test('failed and missing cells: every exporter still renders and says what is missing', async () => {
  const cells = syntheticCells().filter((c) => !(c.scenario === 'b' && c.mode === 'none'));
  cells.push(cell('b', 'none', [2500], { status: 'failed', error: { message: 'no space left', logTail: '' } }));
  const r = synthetic(cells.filter((c) => !(c.scenario === 'a' && c.mode === 'fast')));
  r.status = 'interrupted';
  r.overhead = { medianHarnessMs: 200, medianBuildxVsBuildkitMs: Number.NaN };
  const md = renderMarkdown(r);
  assert.match(md, /This run is interrupted/);
  assert.match(md, /\| syn\/b\/none \| 1 of 1 builds failed: no space left \|/);
  assert.match(md, /\| syn\/a\/fast \| not measured/);
  assert.match(md, /No mode has a successful measurement for every scenario/);
  assert.ok(!md.includes('NaN') && !md.includes('undefined'));
  const charts = renderCharts(r);
  assert.equal(charts.length, 5);
  for (const c of charts) assert.equal((await loadImage(c.png)).width, c.width);
  assert.equal(parseCsv(renderRunsCsv(r)).length, 1 + 3 + 1 + 3);
  assert.ok(renderHtml(r, charts).includes('not measured'));
});

test('html: self-contained, charts as data: URIs, same content as the markdown', () => {
  const r = recorded();
  const charts = renderCharts(r);
  const html = renderHtml(r, charts);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.equal((html.match(/<img /g) ?? []).length, charts.length);
  assert.equal((html.match(/src="data:image\/png;base64,/g) ?? []).length, charts.length);
  assert.doesNotMatch(html, /(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
  assert.doesNotMatch(html, /<script|<link|@import|url\(/i);
  for (const s of r.plan.scenarios) assert.ok(html.includes(`<h3>${s} (`), s);
  for (const m of r.plan.modes) assert.ok(html.includes(`${m}</td>`), m);
  assert.ok(html.includes('Network profile: loopback'));
  assert.ok(html.includes('local is fastest'));
  const hostile = { ...r, environment: { ...r.environment, os: '<b>linux</b> & "co"' } };
  assert.ok(renderHtml(hostile, []).includes('&lt;b&gt;linux&lt;/b&gt; &amp; &quot;co&quot;'));
  assert.match(renderHtml(r, [], { markdown: 'a <b>' }), /<h2>Comparison with baseline<\/h2>\n<pre class="cmp">a &lt;b&gt;<\/pre>/);
});

test('writeReports writes CSV, charts, markdown and HTML, and never results.json', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-report-'));
  try {
    const files = await writeReports(recorded(), dir);
    const rel = files.map((f) => path.relative(dir, f)).sort();
    assert.deepEqual(rel, ['charts/cache-size.png', 'charts/cost-month.png', 'charts/hit-ratio.png', 'charts/phases.png', 'charts/time.png', 'cost.csv', 'report.html', 'report.md', 'results.csv', 'summary.csv']);
    for (const f of files) assert.ok(existsSync(f), f);
    assert.ok(!existsSync(path.join(dir, 'results.json')));
    assert.deepEqual(readdirSync(path.join(dir, 'charts')).sort(), ['cache-size.png', 'cost-month.png', 'hit-ratio.png', 'phases.png', 'time.png']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
