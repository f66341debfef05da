/** `cachebench compare` and `cachebench baseline save` as a user runs them: exit codes and files. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Results } from '../../src/results/types.ts';
import type { Comparison } from '../../src/compare/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'bench', 'cachebench.mjs');
const fixture = path.join(root, 'test', 'fixtures', 'results-tiny-quick.json');
let tmp: string;

function cachebench(args: string[], env: Record<string, string> = {}) {
  const { GITHUB_STEP_SUMMARY: _ignored, ...base } = process.env;
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: tmp, encoding: 'utf8', env: { ...base, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A run folder holding a copy of the fixture, changed by `edit`. */
function runDir(name: string, edit: (r: Results) => void = () => {}): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const r = JSON.parse(readFileSync(fixture, 'utf8')) as Results;
  edit(r);
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify(r, null, 2));
  return dir;
}

function cellOf(r: Results, id: string) {
  const c = r.cells.find((x) => x.id === id);
  assert.ok(c, id);
  return c;
}

before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'cachebench-compare-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('compare: an unchanged run exits 0 and writes the three files into the current run folder', () => {
  const cur = runDir('same');
  const r = cachebench(['compare', '--baseline', fixture, '--current', cur]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^## cachebench comparison: OK, no regression/);
  for (const f of ['comparison.md', 'comparison.json', 'benchmark.json']) assert.ok(existsSync(path.join(cur, f)), f);
  const c = JSON.parse(readFileSync(path.join(cur, 'comparison.json'), 'utf8')) as Comparison;
  assert.equal(c.summary.ok, 15);
  assert.equal(c.exitCode, 0);
  const bench = JSON.parse(readFileSync(path.join(cur, 'benchmark.json'), 'utf8')) as unknown[];
  assert.equal(bench.length, 15);
});

test('compare: --current FILE writes the three files beside that file, not into the working directory', () => {
  const cur = runDir('given-as-file');
  const r = cachebench(['compare', '--baseline', fixture, '--current', path.join(cur, 'results.json')]);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['comparison.md', 'comparison.json', 'benchmark.json']) {
    assert.ok(existsSync(path.join(cur, f)), f);
    assert.ok(!existsSync(path.join(tmp, f)), `${f} in the working directory`);
  }
});

test('compare: fewer cached steps exits 1, appends to $GITHUB_STEP_SUMMARY, --out and --json honoured', () => {
  const cur = runDir('fewer-cached', (r) => {
    for (const run of cellOf(r, 'tiny/code-change/registry-max').runs) run.cachedSteps = 2;
  });
  const outDir = path.join(tmp, 'out-fewer');
  const summary = path.join(tmp, 'step-summary.md');
  writeFileSync(summary, '# earlier step\n');
  const r = cachebench(['compare', '--baseline', fixture, '--current', path.join(cur, 'results.json'), '--out', outDir, '--json'], { GITHUB_STEP_SUMMARY: summary });
  assert.equal(r.code, 1, r.stderr);
  const printed = JSON.parse(r.stdout) as Comparison;
  assert.equal(printed.verdict, 'fail');
  const cell = printed.cells.find((x) => x.id === 'tiny/code-change/registry-max');
  assert.equal(cell?.verdict, 'fail');
  assert.deepEqual(cell?.reasons, ['cached steps 4 → 2 (of 7)']);
  assert.ok(existsSync(path.join(outDir, 'comparison.md')));
  assert.ok(!existsSync(path.join(cur, 'comparison.md')), '--out replaces the default folder');
  const s = readFileSync(summary, 'utf8');
  assert.match(s, /^# earlier step\n## cachebench comparison: FAIL/);
});

test('compare: an alert exits 0 by default and 1 with --fail-on alert', () => {
  const cur = runDir('bigger-cache', (r) => {
    for (const run of cellOf(r, 'tiny/no-change/local').runs) run.cacheBytes = (run.cacheBytes ?? 0) * 2;
  });
  const a = cachebench(['compare', '--baseline', fixture, '--current', cur]);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /\*\*ALERT\*\* no-change \/ local: cache size \+100\.0%/);
  const b = cachebench(['compare', '--baseline', fixture, '--current', cur, '--fail-on', 'alert', '--alert-threshold', '15%', '--fail-threshold', '40']);
  assert.equal(b.code, 1, b.stderr);
});

test('compare: a uniformly slower night exits 0 (relative to none); --absolute makes it exit 1', () => {
  const calibration = (ms: number): Results['calibration'] => ({ start: { at: '2026-01-01T00:00:00.000Z', cpu: { workload: 'sha256', ms: [ms, ms] } } });
  const base = runDir('night-base', (r) => {
    r.calibration = calibration(1000);
  });
  const cur = runDir('night-slower', (r) => {
    r.calibration = calibration(1600);
    for (const cell of r.cells) for (const run of cell.runs) run.wallMs *= 1.6;
  });
  const relative = cachebench(['compare', '--baseline', base, '--current', cur, '--json']);
  assert.equal(relative.code, 0, relative.stderr);
  const c = JSON.parse(relative.stdout) as Comparison;
  assert.equal(c.basis, 'reference');
  assert.equal(c.options.absolute, false);
  assert.equal(c.verdict, 'ok');
  assert.equal(c.environment.moved, true);
  const absolute = cachebench(['compare', '--baseline', base, '--current', cur, '--absolute']);
  assert.equal(absolute.code, 1, absolute.stderr);
  assert.match(absolute.stdout, /^## cachebench comparison: FAIL, 15 of 15 cells regressed/);
  assert.match(absolute.stdout, /Time verdicts: absolute and relative to `none` in the same run; the worse of the two counts \(`--absolute`\)/);
  assert.equal(cachebench(['compare', '--baseline', base, '--current', cur, '--absolute=yes']).code, 2, 'a boolean flag takes no value');
});

test('compare: bad input exits 2 naming the file, the field or the flag', () => {
  const missing = cachebench(['compare', '--baseline', path.join(tmp, 'nope.json'), '--current', fixture]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /error: baseline: .*nope\.json does not exist/);

  const broken = runDir('broken', (r) => {
    delete (r.cells[0] as Partial<Results['cells'][number]>).runs;
  });
  const bad = cachebench(['compare', '--baseline', fixture, '--current', broken]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /error: current: .*broken.*results\.json is not a cachebench results file: \/cells\/0 must have required property 'runs'/);
  assert.ok(!existsSync(path.join(broken, 'comparison.md')), 'nothing written on bad input');

  const thresholds = cachebench(['compare', '--baseline', fixture, '--current', fixture, '--alert-threshold', '30']);
  assert.equal(thresholds.code, 2);
  assert.match(thresholds.stderr, /--alert-threshold \(30%\) is above --fail-threshold \(25%\)/);

  assert.equal(cachebench(['compare', '--current', fixture]).code, 2);
  assert.equal(cachebench(['compare', '--baseline', fixture, '--current', fixture, '--fail-on', 'warn']).code, 2);
});

test('baseline save copies a complete run; refuses an interrupted one', () => {
  const run = runDir('to-save');
  const to = path.join(tmp, 'baselines', 'tiny.json');
  const ok = cachebench(['baseline', 'save', '--from', run, '--to', to]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(readFileSync(to, 'utf8'), readFileSync(path.join(run, 'results.json'), 'utf8'));

  const partial = runDir('interrupted', (r) => {
    r.status = 'interrupted';
  });
  const no = cachebench(['baseline', 'save', '--from', partial, '--to', path.join(tmp, 'baselines', 'x.json')]);
  assert.equal(no.code, 2);
  assert.match(no.stderr, /status "interrupted", not "complete"/);
  assert.equal(cachebench(['baseline', 'load', '--from', run]).code, 2);
});

test('--help for compare and baseline, and both listed in the usage', () => {
  const top = cachebench(['--help']);
  assert.match(top.stdout, /compare .*\n\s+baseline save/);
  assert.match(cachebench(['compare', '--help']).stdout, /--fail-on fail\|alert/);
  assert.match(cachebench(['compare', '--help']).stdout, /--absolute {13}fail on absolute time changes too, not only on changes\n\s+relative to none in the same run/);
  assert.match(cachebench(['baseline', '--help']).stdout, /--to FILE/);
});
