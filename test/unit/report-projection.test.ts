/**
 * The report's "Other links" section: projections of a shaped run to the other named
 * profiles, the crossover sentence at the top, and the crossover chart; nothing of it for a
 * run without a link to fit (loopback, a real registry).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadImage } from '@napi-rs/canvas';
import { reportProjection, projectionTable } from '../../src/report/projection.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderCharts } from '../../src/report/charts.ts';
import { analyze } from '../../src/report/analysis.ts';
import type { Results } from '../../src/results/types.ts';
import { twoModeRun } from './helpers/synthetic-link-runs.ts';

const LOOPBACK = path.join(import.meta.dirname, '..', 'fixtures', 'results-tiny-quick.json');
const measured = { mbit: 96, rttMs: 30.4 };

test('a run on a shaped link is projected to the other named profiles, never to its own figures', () => {
  const p = reportProjection(twoModeRun(measured, 100, 30));
  assert.ok(p);
  assert.deepEqual(p.targets.map((t) => t.target.label.split(' ')[0]), ['datacenter'], 'internet has the run\'s own figures');
  assert.equal(p.measuredRateMbit, 100);
  assert.match(p.headline, /^registry-max beats none above ~\d+ Mbit\/s/);
  const t = projectionTable(p);
  assert.deepEqual(t.head.slice(0, 2), ['Mode', 'Measured (100mbit/30ms (measured 96 Mbit/s, 30.4 ms RTT))']);
  assert.deepEqual(t.rows.map((r) => r[0]), ['none', 'registry-max']);
  // On the faster link registry-max's 400 MB of cache traffic costs less: the order flips.
  const secs = (r: string[], i: number) => Number((r[i] as string).replace(' s', ''));
  assert.ok(secs(t.rows[1] as string[], 1) > secs(t.rows[0] as string[], 1), 'measured: registry-max slower');
  assert.ok(secs(t.rows[1] as string[], 2) < secs(t.rows[0] as string[], 2), 'projected to datacenter: registry-max faster');
  const custom = reportProjection(twoModeRun(measured, 50, 30));
  assert.deepEqual(custom?.targets.map((x) => x.target.label.split(' ')[0]), ['datacenter', 'internet']);
});

test('the Markdown report puts the crossover at the top and the projections in a section of their own', () => {
  const results = twoModeRun(measured, 100, 30);
  const md = renderMarkdown(results);
  const top = md.indexOf('> **Other links (projected, not measured):** registry-max beats none above');
  assert.ok(top > 0 && top < md.indexOf('## Environment'), 'the crossover sentence before the environment');
  const section = md.slice(md.indexOf('## Other links (projected, not measured)'));
  assert.match(section, /^## Other links \(projected, not measured\)\n\n> Projections, not measurements/);
  assert.match(section, /\| none \| 41\.\d s \| 2\d\.\d s \|/);
  assert.match(section, /Chart: `charts\/crossover\.png`/);
  assert.ok(md.indexOf('## Other links') < md.indexOf('## Results per scenario'), 'kept apart from the measured tables');
});

test('the crossover chart is drawn for a shaped run only', async () => {
  const shaped = twoModeRun(measured, 100, 30);
  const charts = renderCharts(shaped, analyze(shaped));
  const chart = charts.find((c) => c.name === 'crossover.png');
  assert.ok(chart);
  const img = await loadImage(chart.png);
  assert.equal(img.width, 1000);
  assert.equal(img.height, 560);
  const loopback = JSON.parse(readFileSync(LOOPBACK, 'utf8')) as Results;
  assert.equal(reportProjection(loopback), undefined);
  assert.equal(renderCharts(loopback, analyze(loopback)).some((c) => c.name === 'crossover.png'), false);
  assert.doesNotMatch(renderMarkdown(loopback), /## Other links|\*\*Other links/);
  const remote = { ...shaped, environment: { ...shaped.environment, networkProfile: 'remote' } } as Results;
  assert.equal(reportProjection(remote), undefined, 'a real registry: no profile to fit');
});
