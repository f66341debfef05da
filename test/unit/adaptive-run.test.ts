/**
 * The stored adaptive .NET code-change run of 2026-12-03 (issue 17): builds per cell, why each
 * stopped, the ranking in words, and a report that states and reproduces the adaptive plan.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths.ts';
import { computeOverhead } from '../../src/results/io.ts';
import { rankingCertainty, stopLines } from '../../src/report/rounds.ts';
import { reproduceCommand } from '../../src/report/analysis.ts';
import { environmentRows } from '../../src/report/tables.ts';
import { buildsPerCellText, fmtBudget } from '../../src/report/format.ts';
import { parseRunOptions } from '../../src/options.ts';
import type { Results } from '../../src/results/types.ts';

const stored = (): Results => JSON.parse(readFileSync(path.join(projectRoot, 'reports', 'overhead', '2026-12-03-adaptive-code-change.results.json'), 'utf8')) as Results;

test('the stored adaptive run: 5–6 builds a cell, every cell stopped by the budget, pairs separated or named as ties', () => {
  const r = stored();
  assert.deepEqual(r.plan.adaptive, { minRuns: 3, maxRuns: 10, targetRmePct: 5, budgetMs: 50 * 60_000 });
  assert.deepEqual(Object.fromEntries(r.cells.map((c) => [c.mode, c.runs.length])), { none: 5, local: 6, inline: 5, 'registry-min': 6, 'registry-max': 6 });
  assert.ok(r.cells.every((c) => c.stopReason === 'budget'));
  assert.match(stopLines(r).join('\n'), /code-change × none: 5 builds — stopped at the time budget/);
  const [ranking] = rankingCertainty(r);
  // Four adjacent pairs of five modes: each either separated (<) or a tie said in words.
  const pairs = (ranking ?? '').replace(/^code-change: /, '').split('; ');
  assert.equal(pairs.length, 4, ranking);
  for (const p of pairs) assert.match(p, / < .*\(by .*95% interval|: not separated after \d+ and \d+ builds/, p);
  assert.match(ranking ?? '', /registry-min < registry-max \(by 28\.0 s/);
  // Every build proved a fresh start; none reused nothing.
  const builds = r.cells.flatMap((c) => c.runs);
  assert.ok(builds.every((b) => b.resetSteps && 'emptiness check' in b.resetSteps));
  assert.ok(r.cells.find((c) => c.mode === 'none')?.runs.every((b) => b.cachedSteps === 0));
  assert.equal(computeOverhead(r)?.runRatio?.toFixed(3), '1.101');
});

test('an adaptive run\'s report states its plan and reproduces it: the rule, the budget and the seed survive a round trip', () => {
  const r = stored();
  assert.equal(buildsPerCellText(r.plan), '3–10 builds (adaptive: target margin of error 5%, budget 50m)');
  assert.match(environmentRows(r).find(([k]) => k === 'Plan')?.[1] ?? '', /1 scenarios × 5 modes × 3–10 builds \(adaptive/);
  const cmd = reproduceCommand(r);
  assert.doesNotMatch(cmd, /--repetitions/);
  const args = cmd.replace(/^npm run bench -- /, '').split(' ');
  const again = parseRunOptions(args, ['code-change', 'no-change', 'dependency-change']);
  assert.ok(again !== 'help');
  assert.deepEqual(again.adaptive, r.plan.adaptive);
  assert.equal(again.seed, r.plan.seed);
  assert.equal(again.order, 'interleaved');
  // A fixed plan still says repetitions; a run from before rounds existed was sequential.
  const fixed = { ...r.plan, adaptive: { minRuns: 3, maxRuns: 3 }, order: undefined, seed: undefined };
  assert.equal(buildsPerCellText(fixed), '3 repetitions');
  assert.match(reproduceCommand({ ...r, plan: fixed }), /--repetitions 3 --order sequential --mix/);
  assert.deepEqual([fmtBudget(90 * 60_000), fmtBudget(45_000), fmtBudget(3_600_000 + 30_000)], ['1h30m', '45s', '1h30s']);
});

test('compare on the stored runs: the 3-round default run against the adaptive one (5–6 builds a cell), paired by round', async () => {
  const { loadAndCompare } = await import('../../src/compare/io.ts');
  const dir = path.join(projectRoot, 'reports', 'overhead');
  const { comparison } = loadAndCompare(path.join(dir, '2026-12-02-default.results.json'), path.join(dir, '2026-12-03-adaptive-code-change.results.json'));
  const cc = comparison.cells.filter((c) => c.scenario === 'code-change');
  assert.equal(cc.length, 5);
  const noneN = cc.find((c) => c.mode === 'none')?.current?.n ?? 0;
  for (const c of cc) {
    assert.equal(c.baseline?.n, 3, c.id);
    assert.ok(c.current && c.current.n >= 5, c.id);
    assert.ok(c.changePct !== null && Number.isFinite(c.changePct) && c.changeCi95Pct?.every(Number.isFinite), c.id);
    if (c.mode !== 'none') {
      assert.equal(c.reference?.method, 'paired', c.id);
      // Pairs are the rounds in which both the mode and none built: none stopped after 5.
      assert.deepEqual(c.reference?.pairs, { baseline: 3, current: Math.min(c.current.n, noneN) }, c.id);
    }
  }
  // The scenarios only the default run measured are missing on one side, not failed.
  assert.ok(comparison.cells.filter((c) => c.scenario !== 'code-change').every((c) => c.current === null && c.verdict === 'missing-in-current'));
  assert.equal(comparison.exitCode, 0);
});
