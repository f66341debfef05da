/**
 * PNG charts of a Results document, drawn with Chart.js on @napi-rs/canvas (no browser).
 * Pure apart from registering a system font once: the same Results give the same images.
 *
 * Every chart uses one color per mode (MODE_COLORS) so readers can follow a mode across
 * charts, a white background, and axis titles with units.
 */
import { createCanvas } from '@napi-rs/canvas';
import { PHASES, type Results } from '../results/types.ts';
import { analyze, type Analysis, type CellSummary } from './analysis.ts';
import { axisTitle, barLabels, draw, errorBars, png, titleFont, type ChartImage } from './chart-kit.ts';
import { modeColor } from './colors.ts';
import { costMonthChart } from './cost-chart.ts';
import { crossoverChart } from './crossover-chart.ts';
import { reportProjection } from './projection.ts';

export { chartFont, FONT_PATHS, type ChartImage } from './chart-kit.ts';

const PHASE_COLORS: Readonly<Record<string, string>> = {
  'cache-restore': '#b07aa1',
  setup: '#bab0ac',
  'cache-import': '#76b7b2',
  'base-pull': '#9c755f',
  build: '#4e79a7',
  'image-export': '#59a14f',
  'cache-export': '#f28e2b',
  'cache-save': '#ff9da7',
  unattributed: '#e6e6e6',
};

function subtitle(a: Analysis, results: Results): string {
  const measured = a.scenarios.flatMap((s) => s.cells).filter((c) => c.okRuns > 0).map((c) => c.okRuns);
  const most = measured.length ? Math.max(...measured) : 0;
  const runs = a.minRuns <= 1 ? '1 build per cell, no CI' : most > a.minRuns ? `${a.minRuns}–${most} builds per cell` : `${a.minRuns} builds per cell`;
  return `fixture ${a.fixture} · ${runs} · network: ${results.environment.networkProfile}`;
}

function cell(a: Analysis, scenario: string, mode: string): CellSummary | undefined {
  return a.scenarios.find((s) => s.scenario === scenario)?.cells.find((c) => c.mode === mode);
}

function timeChart(a: Analysis, results: Results): ChartImage {
  const modes = a.modes.map((m) => m.mode);
  const scen = a.scenarios.map((s) => s.scenario);
  const ranges = modes.map((m) => scen.map((s) => cell(a, s, m)?.stats?.ci95Ms.map((x) => x / 1000) as [number, number] | undefined));
  const labels = modes.map((m) =>
    scen.map((s) => {
      const c = cell(a, s, m);
      if (c?.meanMs !== undefined) return (Math.round(c.meanMs / 100) / 10).toFixed(1);
      return c?.failedRuns ? 'failed' : 'n/a';
    }),
  );
  const tops = ranges.map((r) => r.map((x) => x?.[1]));
  // Room for the whiskers and labels above the tallest bar.
  const highest = Math.max(0, ...tops.flat().filter((x): x is number => x !== undefined), ...a.scenarios.flatMap((s) => s.cells.map((c) => (c.meanMs ?? 0) / 1000)));
  // One estimand per claim: the bar is the mean, the whiskers its interval.
  const title = a.minRuns > 1 ? 'Build time per scenario (mean; whiskers: 95% CI of the mean)' : 'Build time per scenario (one build each)';
  const canvas = draw(
    {
      type: 'bar',
      data: {
        labels: scen,
        datasets: modes.map((m) => ({
          label: m,
          data: scen.map((s) => {
            const ms = cell(a, s, m)?.meanMs;
            return ms === undefined ? null : ms / 1000;
          }),
          backgroundColor: modeColor(m, modes),
        })),
      },
      options: {
        plugins: {
          title: { display: true, text: title, font: titleFont },
          subtitle: { display: true, text: subtitle(a, results), padding: { bottom: 8 } },
          legend: { position: 'top' },
        },
        scales: {
          x: { title: axisTitle('Scenario (what changed since the cached parent commit)') },
          y: { beginAtZero: true, suggestedMax: highest * 1.1, title: axisTitle('Wall time per build (s)') },
        },
      },
    },
    1000,
    560,
    [errorBars(ranges), barLabels(labels, tops)],
  );
  return png('time.png', title, canvas);
}

function phasesChart(a: Analysis, results: Results): ChartImage {
  const cells = a.scenarios.flatMap((s) => s.cells).filter((c) => c.medianMs !== undefined);
  const present = PHASES.filter((p) => cells.some((c) => (c.phaseMedians[p] ?? 0) > 0));
  const series: Array<{ key: string; label: string; value: (c: CellSummary) => number }> = [
    ...present.map((p) => ({ key: p, label: p, value: (c: CellSummary) => (c.phaseMedians[p] ?? 0) / 1000 })),
    { key: 'unattributed', label: 'other (buildx start-up, gaps between steps)', value: (c: CellSummary) => (c.unattributedMs ?? 0) / 1000 },
  ];
  const title = 'Where the time goes: median phase durations per cell';
  const height = Math.max(360, 170 + 30 * cells.length);
  const canvas = draw(
    {
      type: 'bar',
      data: {
        labels: cells.map((c) => `${c.scenario} · ${c.mode}`),
        datasets: series.map((s) => ({ label: s.label, data: cells.map((c) => s.value(c)), backgroundColor: PHASE_COLORS[s.key] ?? '#999' })),
      },
      options: {
        indexAxis: 'y',
        plugins: {
          title: { display: true, text: title, font: titleFont },
          subtitle: { display: true, text: subtitle(a, results), padding: { bottom: 8 } },
          legend: { position: 'top' },
        },
        scales: {
          x: { stacked: true, beginAtZero: true, title: axisTitle('Median time (s); bars add up to ≈ the median wall time') },
          y: { stacked: true, title: axisTitle('Scenario · cache mode') },
        },
      },
    },
    1000,
    height,
  );
  return png('phases.png', title, canvas);
}

function hitRatioChart(a: Analysis, results: Results): ChartImage {
  const modes = a.modes.map((m) => m.mode);
  const scen = a.scenarios.map((s) => s.scenario);
  const labels = modes.map((m) =>
    scen.map((s) => {
      const c = cell(a, s, m);
      if (c?.cachedSteps !== undefined && c.totalSteps !== undefined) return `${c.cachedSteps}/${c.totalSteps}`;
      return c?.failedRuns ? 'failed' : 'n/a';
    }),
  );
  const title = 'Cache hits: build steps reused from the cache';
  const canvas = draw(
    {
      type: 'bar',
      data: {
        labels: scen,
        datasets: modes.map((m) => ({
          label: m,
          data: scen.map((s) => {
            const r = cell(a, s, m)?.hitRatio;
            return r === undefined ? null : 100 * r;
          }),
          backgroundColor: modeColor(m, modes),
        })),
      },
      options: {
        plugins: {
          title: { display: true, text: title, font: titleFont },
          subtitle: { display: true, text: `${subtitle(a, results)} · labels: cached/total steps (median)`, padding: { bottom: 8 } },
          legend: { position: 'top' },
        },
        scales: {
          x: { title: axisTitle('Scenario') },
          y: { min: 0, max: 110, ticks: { stepSize: 20, callback: (v) => (Number(v) <= 100 ? `${v}%` : '') }, title: axisTitle('Cached steps (% of all steps)') },
        },
      },
    },
    1000,
    520,
    [barLabels(labels)],
  );
  return png('hit-ratio.png', title, canvas);
}

function costChart(a: Analysis, results: Results): ChartImage {
  const modes = a.modes.map((m) => m.mode);
  const colors = modes.map((m) => modeColor(m, modes));
  const light = colors.map((c) => `${c}66`);
  // Half-width panels: keep mode names horizontal and all shown.
  const modeTicks = { maxRotation: 0, autoSkip: false, font: { size: 12 } };
  const w = 500;
  const h = 480;
  const size = draw(
    {
      type: 'bar',
      data: {
        labels: modes,
        datasets: [{ label: 'cache size', data: a.modes.map((m) => (m.cost.cacheBytes === undefined ? null : m.cost.cacheBytes / 1e6)), backgroundColor: colors }],
      },
      options: {
        plugins: {
          title: { display: true, text: 'Cache size', font: titleFont },
          subtitle: { display: true, text: 'median over all measured builds (1 MB = 10⁶ bytes)', padding: { bottom: 8 } },
          legend: { display: false },
        },
        scales: { x: { ticks: modeTicks, title: axisTitle('Cache mode') }, y: { beginAtZero: true, title: axisTitle('Exported cache (MB)') } },
      },
    },
    w,
    h,
    [barLabels([a.modes.map((m) => (m.cost.cacheBytes === undefined ? undefined : m.cost.cacheBytes === 0 ? '0' : (m.cost.cacheBytes / 1e6).toFixed(2)))])],
  );
  const transfer = draw(
    {
      type: 'bar',
      data: {
        labels: modes,
        datasets: [
          { label: 'import (cache-restore + cache-import)', data: a.modes.map((m) => (m.cost.cacheImportMs ?? 0) / 1000), backgroundColor: light, borderColor: colors, borderWidth: 1 },
          { label: 'export (cache-export + cache-save)', data: a.modes.map((m) => (m.cost.cacheExportMs ?? 0) / 1000), backgroundColor: colors },
        ],
      },
      options: {
        plugins: {
          title: { display: true, text: 'Cache transfer time per build', font: titleFont },
          subtitle: { display: true, text: `median over measured builds · network: ${results.environment.networkProfile}`, padding: { bottom: 8 } },
          legend: {
            position: 'bottom',
            labels: {
              generateLabels: (chart) =>
                chart.data.datasets.map((d, i) => ({ text: String(d.label), fillStyle: i === 0 ? '#88888866' : '#888888', strokeStyle: '#888888', lineWidth: 1, datasetIndex: i, hidden: false })),
            },
          },
        },
        scales: { x: { stacked: true, ticks: modeTicks, title: axisTitle('Cache mode') }, y: { stacked: true, beginAtZero: true, title: axisTitle('Time (s)') } },
      },
    },
    w,
    h,
  );
  const canvas = createCanvas(2 * w, h);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(size, 0, 0);
  ctx.drawImage(transfer, w, 0);
  return png('cache-size.png', 'Cost side: cache size and cache transfer time per mode', canvas);
}

/** time.png, phases.png, hit-ratio.png, cache-size.png, cost-month.png, and crossover.png for a run on a shaped link. */
export function renderCharts(results: Results, analysis: Analysis = analyze(results)): ChartImage[] {
  const projection = reportProjection(results);
  const crossover = projection && projection.crossover.rows.length ? [crossoverChart(projection, results)] : [];
  return [timeChart(analysis, results), phasesChart(analysis, results), hitRatioChart(analysis, results), costChart(analysis, results), costMonthChart(analysis, results), ...crossover];
}
