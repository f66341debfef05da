/** The report's self-check section: what passed, and every build that did not, with its problems. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderHtml } from '../../src/report/html.ts';
import { selfCheckSummary } from '../../src/report/self-check.ts';
import type { BuildCheck, Results } from '../../src/results/types.ts';

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'results-tiny-quick.json');
const recorded = (): Results => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Results;

function check(ok: boolean, problems: string[] = []): BuildCheck {
  return {
    ok,
    instructions: { expected: 9, accounted: ok ? 9 : 8, missing: ok ? [] : ['[stage-1 2/3] WORKDIR /app'], unexpected: [], skippedStages: ['test'], counted: 7, cached: 0 },
    phases: { sumMs: 4000, spanMs: 4100, unattributedMs: 100, toleranceMs: 1000 },
    problems,
  };
}

test('results recorded before the self-check say so; all passing builds are counted; failures are listed', () => {
  const old = recorded();
  assert.match(renderMarkdown(old), /## Self-check\n\nNo build carries a self-check/);

  const r = recorded();
  for (const s of Object.values(r.seeds)) s.check = check(true);
  for (const c of r.cells) for (const run of c.runs) run.check = check(true);
  const all = selfCheckSummary(r);
  assert.equal(all.failed.length, 0);
  assert.match(renderMarkdown(r), new RegExp(`All ${all.checked} builds passed the self-check\\..*Stages the target does not build: test\\.`));

  const bad = r.cells.find((c) => c.runs.length > 0);
  assert.ok(bad?.runs[0]);
  bad.runs[0].check = check(false, ['1 of 9 expected steps have no vertex: [stage-1 2/3] WORKDIR /app']);
  const md = renderMarkdown(r);
  assert.match(md, new RegExp(`\\*\\*1 of ${all.checked} builds failed the self-check\\*\\*`));
  assert.match(md, /\| .* \| 9 \| 8 \| 4\.0 \| 4\.1 \| 1 of 9 expected steps have no vertex: \[stage-1 2\/3\] WORKDIR \/app \|/);
  assert.match(renderHtml(r, []), /1 of \d+ builds failed the self-check/);
});
