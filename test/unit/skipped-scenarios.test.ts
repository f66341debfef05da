/** Scenarios a target could not provide are left out of the run, with the reasons kept. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FixtureConfig } from '../../src/target/fixture.ts';
import type { RunOptions } from '../../src/options.ts';
import { withoutSkippedScenarios } from '../../src/target/index.ts';
import { UsageError } from '../../src/errors.ts';

const fixture = (skipped?: FixtureConfig['skippedScenarios']) => ({ name: 'repo', ...(skipped ? { skippedScenarios: skipped } : {}) }) as FixtureConfig;
const opts = (scenarios: string[], mix: Record<string, number>) => ({ scenarios, mix }) as RunOptions;
const dep = { scenario: 'dependency-change', reason: 'not applicable — the published project App.csproj has no package references' };

test('skipped scenarios leave the plan, the commit mix is renormalised over the rest', () => {
  const r = withoutSkippedScenarios(opts(['no-change', 'code-change', 'dependency-change'], { 'no-change': 0.1, 'code-change': 0.6, 'dependency-change': 0.3 }), fixture([dep]));
  assert.deepEqual(r.skipped, [dep]);
  assert.deepEqual(r.opts.scenarios, ['no-change', 'code-change']);
  assert.ok(Math.abs((r.opts.mix['code-change'] ?? 0) - 6 / 7) < 1e-12);
  assert.ok(Math.abs((r.opts.mix['no-change'] ?? 0) - 1 / 7) < 1e-12);
  assert.equal(r.opts.mix['dependency-change'], undefined);
});

test('a skipped scenario that was not requested is not reported; nothing skipped changes nothing', () => {
  const o = opts(['code-change'], { 'code-change': 1 });
  assert.deepEqual(withoutSkippedScenarios(o, fixture([dep])), { opts: o, skipped: [] });
  assert.deepEqual(withoutSkippedScenarios(o, fixture()), { opts: o, skipped: [] });
});

test('nothing left to measure is a usage error with the reasons', () => {
  assert.throws(
    () => withoutSkippedScenarios(opts(['dependency-change'], { 'dependency-change': 1 }), fixture([dep])),
    (err: unknown) => err instanceof UsageError && /nothing to measure for repo: dependency-change: not applicable/.test(err.message),
  );
});
