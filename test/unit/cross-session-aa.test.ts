/**
 * The cross-session A/A runs stored in reports/aa/ (docs/CROSS-SESSION-AA.md), compared as
 * a nightly job would: run A (quiet machine), run B (another session, quiet), run C (another
 * session, one of two cores taken by a CPU hog). Same cachebench commit, so every time
 * verdict other than ok is a false alarm of the method. Pure: compare on recorded results.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { bothViews } from '../../src/compare/verdicts.ts';
import { compareResults } from '../../src/compare/index.ts';
import { readResults } from '../../src/results/io.ts';
import { projectRoot } from '../../src/paths.ts';

const stored = (f: string) => readResults(path.join(projectRoot, 'reports', 'aa', f));
const A = stored('2026-12-01-A.results.json');
const B = stored('2026-12-02-B.results.json');
const C = stored('2026-12-02-C-loaded.results.json');

const verdicts = (c: ReturnType<typeof compareResults>) => c.cells.map((x) => `${x.scenario}/${x.mode} ${x.verdict}`).filter((v) => !v.endsWith(' ok'));

test('variant 1 (two quiet sessions): ok in every cell on both bases', () => {
  assert.deepEqual(verdicts(compareResults(A, B)), []);
  assert.deepEqual(verdicts(compareResults(A, B, { absolute: true })), []);
});

test('variant 2 (a CPU hog in the current run, or in the baseline): ok in every cell on the reference basis; the absolute basis flags cells', () => {
  const forward = compareResults(A, C);
  assert.equal(forward.basis, 'reference');
  assert.deepEqual(verdicts(forward), []);
  const backward = compareResults(C, A);
  assert.deepEqual(verdicts(backward), [], 'a slow night as the baseline, a quiet one as the current run');
  const absolute = compareResults(A, C, { absolute: true });
  const flagged = absolute.cells.filter((x) => x.verdict === 'fail' || x.verdict === 'alert');
  assert.ok(flagged.length >= 5, `absolute flags ${flagged.length} cells`);
  // The CPU calibration saw the hog.
  assert.ok((forward.environment.cpuChangePct ?? 0) > 20, `CPU calibration ${forward.environment.cpuChangePct}%`);
});

test('bothViews: a reference change counts only where the absolute view agrees, at the milder level', () => {
  const ref = (level: 'alert' | 'fail' | 'improved') => [{ level, text: 'vs none +30%' }];
  assert.deepEqual(bothViews(ref('fail'), [{ level: 'fail', text: 'time +40%: p' }]).map((f) => f.level), ['fail']);
  assert.deepEqual(bothViews(ref('fail'), [{ level: 'alert', text: 'time +12%: p' }]).map((f) => f.level), ['alert']);
  assert.deepEqual(bothViews(ref('alert'), [{ level: 'fail', text: 'time +40%: p' }]).map((f) => f.level), ['alert']);
  assert.deepEqual(bothViews(ref('improved'), [{ level: 'improved', text: 'time −20%: p' }]).map((f) => f.level), ['improved']);
  const disagree = bothViews(ref('fail'), [{ level: 'improved', text: 'time −20%: p' }]);
  assert.equal(disagree[0]?.level, 'note');
  assert.match(disagree[0]?.text ?? '', /not counted: the absolute time moved the other way \(time −20%\)/);
  const flat = bothViews(ref('fail'), [{ level: 'note', text: 'time +6%, not significant' }]);
  assert.equal(flat[0]?.level, 'note');
  assert.match(flat[0]?.text ?? '', /did not change significantly/);
  assert.deepEqual(bothViews([{ level: 'note', text: 'n' }], []), [{ level: 'note', text: 'n' }]);
});
