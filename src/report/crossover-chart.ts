/**
 * charts/crossover.png: projected expected time per mode against the registry link's
 * bandwidth (log axis, 10 Mbit/s … 10 Gbit/s, at the run's RTT), one line per mode, with
 * the expected times measured on the run's own link marked. Pure apart from the font.
 */
import type { Results } from '../results/types.ts';
import { lineAt } from '../project/crossover.ts';
import { axisTitle, drawLine, png, titleFont, type ChartImage } from './chart-kit.ts';
import { modeColor } from './colors.ts';
import type { ReportProjection } from './projection.ts';

export const CROSSOVER_CHART = 'crossover.png';

/** 1-2-5 steps plus points between them: smooth enough for a line in 1/bandwidth. */
function rates(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let r = lo; r <= hi * 1.0001; r *= 10 ** 0.05) out.push(r);
  return out;
}

/** A round top for the y axis: a multiple of 50 s above 100 s, of 10 s below (Chart.js's ticks then end on it). */
function yMax(seconds: number): number {
  const step = seconds > 100 ? 50 : 10;
  return Math.ceil(seconds / step) * step;
}

export function crossoverChart(p: ReportProjection, results: Results): ChartImage {
  const c = p.crossover;
  const modes = c.rows.map((r) => r.mode);
  const grid = rates(c.grid[0] as number, c.grid[c.grid.length - 1] as number);
  const measured = p.targets[0]?.expected ?? [];
  const lines = c.rows.map((r) => ({
    label: `${r.mode} (projected)`,
    data: grid.map((x) => ({ x, y: lineAt(r, x) / 1000 })),
    borderColor: modeColor(r.mode, modes),
    backgroundColor: modeColor(r.mode, modes),
    borderWidth: 2,
    pointRadius: 0,
  }));
  const points = c.rows.flatMap((r) => {
    const ms = measured.find((e) => e.mode === r.mode)?.measured.ms;
    return ms === undefined ? [] : [{ label: `${r.mode} measured`, data: [{ x: p.measuredRateMbit, y: ms / 1000 }], borderColor: '#111', backgroundColor: modeColor(r.mode, modes), pointRadius: 7, pointStyle: 'rectRot' as const, showLine: false }];
  });
  // The slow end of the axis would flatten the region around the measured link: clip at twice the slowest measured mode.
  const top = Math.max(...c.rows.map((r) => lineAt(r, p.measuredRateMbit) / 1000));
  const canvas = drawLine(
    {
      type: 'line',
      data: { datasets: [...lines, ...points] },
      options: {
        plugins: {
          title: { display: true, text: 'Expected time per build against registry bandwidth (projected; ◆ measured)', font: titleFont },
          subtitle: { display: true, text: `${results.plan.fixture} · the run's commit mix · ${c.rttMs.toFixed(0)} ms RTT · measured: ${p.source.label} · y clipped at 2× the slowest`, padding: { bottom: 8 } },
          legend: { position: 'top', labels: { filter: (item) => !item.text.endsWith(' measured') } },
        },
        scales: {
          x: { type: 'logarithmic', min: grid[0], max: grid[grid.length - 1], title: axisTitle('Registry link, Mbit/s (log scale)'), ticks: { maxRotation: 0, callback: (v) => (c.grid.includes(Number(v)) ? String(v) : '') } },
          y: { beginAtZero: true, max: yMax(2 * top), title: axisTitle('Expected time per build, s') },
        },
      },
    },
    1000,
    560,
  );
  return png(CROSSOVER_CHART, 'Projected expected time per build against the registry link\'s bandwidth, with the measured point of each mode', canvas);
}
