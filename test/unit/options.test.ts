import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkOutDir, parseMix, parseRunOptions } from '../../src/options.ts';
import { defaultMix } from '../../src/options.ts';
import { UsageError } from '../../src/errors.ts';
import { makePlan, planId } from '../../src/plan.ts';
import { tempDir } from './helpers/temp-dir.ts';

const SCEN = ['code-change', 'dependency-change', 'no-change'];

function usageError(fn: () => unknown, message: RegExp, hint?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UsageError, `UsageError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, message);
    if (hint) assert.match(err.hint ?? '', hint);
    return true;
  });
}

test('defaults: .NET fixture, every scenario and mode, 3 repetitions, the default mix', () => {
  const o = parseRunOptions([], SCEN);
  assert.ok(o !== 'help');
  assert.equal(o.fixture, 'dotnet-sample');
  assert.deepEqual(o.scenarios, SCEN);
  assert.deepEqual(o.modes, ['none', 'local', 'inline', 'registry-min', 'registry-max']);
  assert.equal(o.repetitions, 3);
  assert.equal(o.profile, 'default');
  assert.equal(o.outGiven, false);
  assert.match(o.outDir, /reports\/\d{8}-\d{6}Z$/);
  assert.deepEqual(o.mix, { 'code-change': 0.9, 'dependency-change': 0.05, 'no-change': 0.05 });
  assert.equal(o.calibration, true, 'the calibration is measured unless --no-calibration');
});

test('--no-calibration skips the calibration samples', () => {
  const o = parseRunOptions(['--no-calibration'], SCEN);
  assert.ok(o !== 'help');
  assert.equal(o.calibration, false);
});

test('profiles set repetitions; an explicit --repetitions wins', () => {
  const q = parseRunOptions(['--profile', 'quick'], SCEN);
  const n = parseRunOptions(['--profile', 'nightly', '-n', '2'], SCEN);
  assert.ok(q !== 'help' && n !== 'help');
  assert.equal(q.repetitions, 1);
  assert.equal(n.repetitions, 2);
});

test('bad values are rejected before any work, naming the flag and the valid values', () => {
  usageError(() => parseRunOptions(['--modes', 'none,registry-medium'], SCEN), /--modes: unknown value "registry-medium"/, /registry-max/);
  usageError(() => parseRunOptions(['--scenarios', 'big-change'], SCEN), /--scenarios: unknown value "big-change"/, /code-change/);
  usageError(() => parseRunOptions(['--repetitions', '0'], SCEN), /--repetitions: "0"/);
  usageError(() => parseRunOptions(['--repetitions', 'abc'], SCEN), /--repetitions: "abc"/);
  usageError(() => parseRunOptions(['--repetitions', '1.5'], SCEN), /--repetitions/);
  usageError(() => parseRunOptions(['--profile', 'slow'], SCEN), /--profile: unknown profile "slow"/, /quick, default, nightly/);
  usageError(() => parseRunOptions(['--frobnicate'], SCEN), /Unknown option '--frobnicate'/);
  usageError(() => parseRunOptions(['--resume'], SCEN), /--resume needs --out/);
  usageError(() => parseRunOptions(['--modes', ''], SCEN), /--modes is empty/);
  usageError(() => parseRunOptions(['--mix', 'code-change=x'], SCEN), /--mix/);
});

test('--mix is normalised to weights that add up to 1', () => {
  assert.deepEqual(parseMix('code-change=9,no-change=1'), { 'code-change': 0.9, 'no-change': 0.1 });
});

test('--out: a file, or a folder that cannot be created, is a usage error', () => {
  const dir = tempDir('cb-opt-');
  const file = path.join(dir, 'f');
  writeFileSync(file, 'x');
  usageError(() => checkOutDir(file), /is a file/);
  usageError(() => checkOutDir(path.join(file, 'sub')), /not writable/);
  checkOutDir(path.join(dir, 'new', 'deep'));
});

test('plan: mode-major cells, stable plan id', () => {
  const p = makePlan('tiny', ['a', 'b'], ['none', 'local'], 2);
  assert.deepEqual(p.cells.map((c) => c.id), ['tiny/a/none', 'tiny/b/none', 'tiny/a/local', 'tiny/b/local']);
  assert.equal(planId(p), planId(makePlan('tiny', ['a', 'b'], ['none', 'local'], 2)));
  assert.notEqual(planId(p), planId(makePlan('tiny', ['a', 'b'], ['none', 'local'], 3)));
});

test('without --mix, the default mix covers the scenarios that run (renormalized)', () => {
  const o = parseRunOptions(['--scenarios', 'code-change'], SCEN);
  assert.ok(o !== 'help');
  assert.deepEqual(o.mix, { 'code-change': 1 });
  const two = parseRunOptions(['--scenarios', 'code-change,no-change'], SCEN);
  assert.ok(two !== 'help');
  assert.ok(Math.abs((two.mix['code-change'] ?? 0) - 0.9 / 0.95) < 1e-12 && Math.abs((two.mix['no-change'] ?? 0) - 0.05 / 0.95) < 1e-12);
  assert.deepEqual(defaultMix(['a', 'b']), { a: 0.5, b: 0.5 });
});
