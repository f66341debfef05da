/**
 * charts/cost-month.png: per month, per mode, stacked bars of what the month costs — in
 * USD (build minutes, refresh, cache storage, data moved) when priced, else in build
 * minutes (builds, refresh). Pure apart from the font the kit registers.
 */
import type { Results } from '../results/types.ts';
import type { Analysis, ModeCost } from './analysis-types.ts';
import { axisTitle, barLabels, draw, png, titleFont, type ChartImage } from './chart-kit.ts';
import { fmtMinutes, fmtPrice, fmtUsd } from './format.ts';
import { monthTotal } from './cost.ts';
import { rateText } from './month-tables.ts';

interface Part {
  label: string;
  color: string;
  value: (c: ModeCost) => number | undefined;
}

const MONEY_PARTS: Part[] = [
  { label: 'build minutes', color: '#4e79a7', value: (c) => c.usd.buildMinutes },
  { label: 'refresh (seed builds)', color: '#9c755f', value: (c) => c.usd.refresh },
  { label: 'cache storage', color: '#59a14f', value: (c) => c.usd.storage },
  { label: 'data moved', color: '#f28e2b', value: (c) => c.usd.transfer },
];

const MINUTE_PARTS: Part[] = [
  { label: 'build minutes', color: '#4e79a7', value: (c) => c.buildMinutes },
  { label: 'refresh (seed builds)', color: '#9c755f', value: (c) => c.refreshMinutes },
];

export const COST_MONTH_CHART = 'cost-month.png';

function subtitleOf(a: Analysis, results: Results): string {
  const i = a.cost.inputs;
  const builds = `${rateText(i)} = ${Math.round(i.buildsPerMonth).toLocaleString('en-US')} builds/month`;
  const prices = i.priced ? ` · ${fmtPrice(i.prices.minute.usd)}/min, ${fmtPrice(i.prices.gbMonth.usd)}/GB-month, ${fmtPrice(i.prices.gbTransfer.usd)}/GB moved` : '';
  return `${builds} · ${i.branches} branch${i.branches === 1 ? '' : 'es'}${prices} · network: ${results.environment.networkProfile}`;
}

export function costMonthChart(a: Analysis, results: Results): ChartImage {
  const priced = a.cost.inputs.priced;
  const parts = priced ? MONEY_PARTS : MINUTE_PARTS;
  const costs = a.cost.modes;
  const complete = (c: ModeCost): boolean => monthTotal(c, priced) !== undefined;
  const fmt = priced ? fmtUsd : fmtMinutes;
  const totals = costs.map((c) => (complete(c) ? fmt(monthTotal(c, priced)) : 'incomplete'));
  const title = priced ? 'Cost per month, per mode (USD)' : 'Build minutes per month, per mode';
  const canvas = draw(
    {
      type: 'bar',
      data: {
        labels: costs.map((c) => c.mode),
        datasets: parts.map((p) => ({ label: p.label, data: costs.map((c) => (complete(c) ? (p.value(c) ?? 0) : null)), backgroundColor: p.color })),
      },
      options: {
        plugins: {
          title: { display: true, text: title, font: titleFont },
          subtitle: { display: true, text: subtitleOf(a, results), padding: { bottom: 8 } },
          legend: { position: 'top' },
        },
        scales: {
          x: { stacked: true, ticks: { maxRotation: 0, autoSkip: false }, title: axisTitle('Cache mode') },
          y: { stacked: true, beginAtZero: true, title: axisTitle(priced ? 'USD per month' : 'Minutes per month') },
        },
      },
    },
    1000,
    540,
    // The total above each stack: labels on the top dataset only.
    [barLabels(parts.map((_, i) => (i === parts.length - 1 ? totals : [])))],
  );
  return png(COST_MONTH_CHART, priced ? 'Cost per month, per mode: build minutes, refresh, cache storage and data moved, in USD' : 'Build minutes per month, per mode', canvas);
}
