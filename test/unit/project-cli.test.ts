/** `cachebench project` through the real CLI: bad input is exit 2 with the fix; a good run prints the projection. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../../src/paths.ts';
import type { Results } from '../../src/results/types.ts';
import { tempDir } from './helpers/temp-dir.ts';
import { twoModeRun } from './helpers/synthetic-link-runs.ts';

const cli = path.join(projectRoot, 'bench', 'cachebench.mjs');

function runDir(results: Results): string {
  const dir = tempDir('cb-project-');
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify(results));
  return dir;
}

async function cachebench(args: string[]) {
  return execa('node', [cli, 'project', ...args], { reject: false, all: true });
}

async function expectBad(args: string[], message: RegExp) {
  const r = await cachebench(args);
  assert.equal(r.exitCode, 2, `${args.join(' ')}\n${r.all}`);
  assert.match(r.all ?? '', /^error: /m);
  assert.match(r.all ?? '', message, r.all);
}

const internet = twoModeRun({ mbit: 96, rttMs: 30 }, 100, 30);

test('bad input: a missing folder, no link given, an unknown profile, both links, no network figures', async () => {
  const good = runDir(internet);
  await expectBad([path.join(good, 'nope'), '--network-profile', 'datacenter'], /does not exist[\s\S]*fix: give a results\.json file or a run folder/);
  await expectBad([], /needs a run folder/);
  await expectBad([good], /needs the link to project to[\s\S]*fix: add --network-profile datacenter/);
  await expectBad([good, '--network-profile', 'moon'], /unknown network profile "moon"[\s\S]*fix: use one of: loopback, datacenter, internet, or RATEmbit\/RTTms/);
  await expectBad([good, '--network-profile', 'datacenter', '--against', good], /--network-profile or --against, not both/);
  await expectBad([good, '--against', path.join(good, 'nope')], /does not exist/);
  await expectBad([good, '--frobnicate'], /Unknown option '--frobnicate'/);
  await expectBad([good, '--against', good, '--ci-cache-profile', 'hosted'], /--ci-cache-profile goes with --network-profile, not --against/);
  await expectBad([good, '--network-profile', 'datacenter', '--ci-cache-profile', 'moon'], /--ci-cache-profile: unknown network profile "moon"[\s\S]*fix: use hosted, loopback/);
  const noNetwork = runDir({ ...internet, environment: { ...internet.environment, networkProfile: 'internet', network: undefined } });
  await expectBad([noNetwork, '--network-profile', 'datacenter'], /records no link figures \(environment\.network is missing[\s\S]*fix: project needs a run recorded since the shaped registry link existed/);
});

test('a run projected to a profile: Markdown marked as projections, with the mix and the crossover; --json parses', async () => {
  const dir = runDir(internet);
  const r = await cachebench([dir, '--network-profile', '1000mbit/10ms']);
  assert.equal(r.exitCode, 0, r.all);
  assert.match(r.stdout, /^# Projection of run syn-100 \(syn\) to 1000mbit\/10ms/);
  assert.match(r.stdout, /Projections, not measurements/);
  assert.match(r.stdout, /Fitted on: 100mbit\/30ms \(measured 96 Mbit\/s, 30 ms RTT\)/);
  assert.match(r.stdout, /\| code-change \| registry-max \| 3 \|/);
  assert.match(r.stdout, /## Crossover: projected expected time against bandwidth \(30 ms RTT\)/);
  assert.match(r.stdout, /registry-max beats none above ~\d+ Mbit\/s/);
  const j = await cachebench([dir, '--network-profile', 'datacenter', '--json']);
  assert.equal(j.exitCode, 0, j.all);
  const doc = JSON.parse(j.stdout) as { target: { mbit: number }; cells: unknown[]; crossover: { sentences: string[] } };
  assert.equal(doc.target.mbit, 480);
  assert.equal(doc.cells.length, 2);
  assert.ok(doc.crossover.sentences.length > 0);
});

test('--against another run: projected vs measured per cell', async () => {
  const other = runDir(twoModeRun({ mbit: 480, rttMs: 3 }, 500, 2));
  const r = await cachebench([runDir(internet), '--against', other]);
  assert.equal(r.exitCode, 0, r.all);
  assert.match(r.stdout, /## Projected vs measured per cell/);
  assert.match(r.stdout, /\| code-change \| registry-max \| [\d.]+ s \| [\d.]+ s \| ±0% \| 3 \/ 3 \|/);
  assert.match(r.stdout, /keeps the order/);
});
