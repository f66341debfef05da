/**
 * Verdicts on real runs of the tiny fixture: a variant whose code step takes clearly
 * longer is flagged; a variant of the Dockerfile that copies the whole context before the
 * dependency step fails on cache reuse, whatever the timings. Each run: code-change ×
 * registry-max, 3 repetitions, loopback; with no none cell, the absolute verdict counts.
 * The A/A comparison is compare-reference.test.ts's: two runs minutes apart on this
 * machine differ by more than 10% often enough (the first run after the engine starts was
 * 3.03 s against 2.68 s, p < 0.001, in one CI run) that only the in-run reference holds.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../../src/paths.ts';
import type { Engine } from '../../src/engine/index.ts';
import type { Comparison } from '../../src/compare/index.ts';
import { readJson, startEngine, stopIfStarted } from './helpers.ts';
import { tempDir } from '../unit/helpers/temp-dir.ts';

const cli = path.join(projectRoot, 'bench', 'cachebench.mjs');
let engine: Engine;
const runs: Record<string, string> = {};

/** A copy of fixtures/tiny (same name, so the cells match) with its Dockerfile changed. */
function variant(change: (dockerfile: string) => string): string {
  const dir = path.join(tempDir('cb-variant-'), 'tiny');
  cpSync(path.join(projectRoot, 'fixtures', 'tiny'), dir, { recursive: true });
  const df = path.join(dir, 'Dockerfile');
  const before = readFileSync(df, 'utf8');
  const after = change(before);
  assert.notEqual(after, before, 'the variant changes the Dockerfile');
  writeFileSync(df, after);
  return dir;
}

async function bench(fixture: string): Promise<string> {
  const out = tempDir('cb-cmp-');
  const r = await execa('node', [cli, 'run', '--fixture', fixture, '--modes', 'registry-max', '--scenarios', 'code-change', '-n', '3', '--network-profile', 'loopback', '--no-calibration', '--out', out], { reject: false, all: true });
  assert.equal(r.exitCode, 0, r.all);
  return out;
}

async function compare(baseline: string, current: string) {
  const out = tempDir('cb-cmp-out-');
  const r = await execa('node', [cli, 'compare', '--baseline', baseline, '--current', current, '--out', out], { reject: false, all: true });
  return { exitCode: r.exitCode, markdown: r.stdout, comparison: readJson<Comparison>(path.join(out, 'comparison.json')) };
}

before(async () => {
  engine = await startEngine();
  runs.a = await bench('tiny');
  // Injected slowdown: the code step sleeps 4 s instead of 1 s.
  runs.slow = await bench(variant((d) => d.replace('RUN sleep 1 && cat deps.lock', 'RUN sleep 4 && cat deps.lock')));
  // Injected cache bust: the whole context is copied before the dependency step.
  runs.bust = await bench(variant((d) => d.replace('COPY deps.txt ./', 'COPY . .')));
});

after(async () => {
  await stopIfStarted(engine);
});

test('an injected slowdown of the code step is flagged alert or fail', async () => {
  const c = await compare(runs.a as string, runs.slow as string);
  process.stderr.write(c.markdown.split('\n').map((l) => `# ${l}`).join('\n') + '\n');
  const cell = c.comparison.cells[0];
  assert.ok(cell && (cell.verdict === 'alert' || cell.verdict === 'fail'), `verdict ${cell?.verdict}: ${cell?.reasons.join('; ')}`);
  assert.ok((cell.changePct ?? 0) > 25, `change ${cell.changePct}%`);
});

test('an injected cache bust fails on cache reuse, whatever the timings', async () => {
  const c = await compare(runs.a as string, runs.bust as string);
  process.stderr.write(c.markdown.split('\n').map((l) => `# ${l}`).join('\n') + '\n');
  assert.equal(c.exitCode, 1);
  const cell = c.comparison.cells[0];
  assert.equal(cell?.verdict, 'fail');
  assert.ok(cell.reasons.some((r) => /cached steps \d+ → \d+/.test(r)), cell.reasons.join('; '));
});
