/** --against: a run projected to another run's measured link, cell by cell and by the order of clearly separated modes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { projectAgainst } from '../../src/project/against.ts';
import { runLink } from '../../src/project/link.ts';
import { renderAgainst } from '../../src/project/render.ts';
import { UsageError } from '../../src/errors.ts';
import { MAX, NONE, cellOf, linkRun, truthBuild, twoModeRun, type Link } from './helpers/synthetic-link-runs.ts';

const INTERNET: Link = { mbit: 96, rttMs: 30 };
const DATACENTER: Link = { mbit: 480, rttMs: 3 };

test('two runs of one truth on two links: the projection meets the measurement, and the order holds', () => {
  const internet = twoModeRun(INTERNET, 100, 30);
  const datacenter = twoModeRun(DATACENTER, 500, 2);
  const a = projectAgainst(internet, runLink(internet, 'i'), datacenter, runLink(datacenter, 'd'));
  assert.equal(a.cells.length, 2);
  for (const c of a.cells) assert.ok(Math.abs(c.errorPct) < 1e-9, `${c.id}: ${c.errorPct}%`);
  assert.equal(a.orders.length, 1);
  const [o] = a.orders;
  // On the fast link registry-max wins by 0.7 s (26.3 s against 27.0 s), with builds varying by ±0.2 s.
  assert.deepEqual([o?.a, o?.b, o?.measuredSeparated, o?.verdict], ['registry-max', 'none', true, 'same order']);
  assert.equal(a.orderSame, true);
  assert.ok(Math.abs(a.expected[0]?.errorPct ?? 1) < 1e-9);
  const text = renderAgainst(a);
  assert.match(text, /keeps the order of all 1 pairs of modes the measured run clearly separates/);
  assert.match(text, /\| code-change \| none \| .* \| ±0% \| 3 \/ 3 \|/);
});

test('a measurement the projection gets wrong: the error per cell, and a flipped order of separated modes', () => {
  const internet = twoModeRun(INTERNET, 100, 30);
  // On the other link registry-max's build steps take 10 s longer than the link alone explains
  // (a slower machine, say): measured, none is clearly faster there; projected, registry-max is.
  const none = cellOf('code-change', 'none', [-200, 0, 200].map((n, i) => truthBuild(NONE, DATACENTER, i + 1, 'none', n)));
  const slowMax = cellOf('code-change', 'registry-max', [-200, 0, 200].map((n, i) => truthBuild({ ...MAX, otherMs: MAX.otherMs + 10_000 }, DATACENTER, i + 1, 'registry-max', n)));
  const other = linkRun([none, slowMax], DATACENTER, 500, 2);
  const a = projectAgainst(internet, runLink(internet, 'i'), other, runLink(other, 'd'));
  const max = a.cells.find((c) => c.mode === 'registry-max');
  assert.ok(max && max.errorPct < -25, String(max?.errorPct));
  assert.deepEqual([a.orders[0]?.a, a.orders[0]?.verdict], ['none', 'flipped']);
  assert.equal(a.orderSame, false);
  assert.match(renderAgainst(a), /flips 1 of 1 clearly separated pairs: code-change none < registry-max/);
});

test('modes the measurement does not separate are not an order to keep', () => {
  const internet = twoModeRun(INTERNET, 100, 30);
  const noisy = twoModeRun(DATACENTER, 500, 2, 40_000);
  const a = projectAgainst(internet, runLink(internet, 'i'), noisy, runLink(noisy, 'd'));
  assert.deepEqual(a.orders.map((o) => o.verdict), ['not separated']);
  assert.match(renderAgainst(a), /separates no pair of modes/);
});

test('runs of different fixtures, or without a common cell, are refused', () => {
  const internet = twoModeRun(INTERNET, 100, 30);
  const other = { ...twoModeRun(DATACENTER, 500, 2), plan: { ...internet.plan, fixture: 'elsewhere' } };
  assert.throws(() => projectAgainst(internet, runLink(internet, 'i'), other, runLink(other, 'd')), (e: unknown) => e instanceof UsageError && /different fixtures/.test(e.message));
  const disjoint = linkRun([cellOf('no-change', 'none', [truthBuild(NONE, DATACENTER, 1, 'none')])], DATACENTER, 500, 2);
  assert.throws(() => projectAgainst(internet, runLink(internet, 'i'), disjoint, runLink(disjoint, 'd')), /no cell \(scenario × mode\) in common/);
});
