/**
 * The conformance corpus (test/corpus/): Dockerfiles shaped like real projects' (.NET,
 * Node, Go, Python, Java, Rust, …; COPY --link, heredocs, cache/secret/bind mounts,
 * context-served and digest-pinned FROMs, unnamed, skipped and scratch stages, 100-step
 * stages, .dockerignore variants, ONBUILD), each built on the real engine like a CI job:
 * a seed of the parent commit and a code-change build, under `none` and `registry-max`.
 *
 * Every build must succeed; `none` reuses nothing; `registry-max` reuses the case's
 * dependency step on a code change. The accounting is checked separately: the number of
 * counted instructions (hand-counted per case with BuildKit's rule: in each stage the
 * target needs, RUN, COPY, ADD and WORKDIR count; a FROM of an image is a step of its own
 * but not one of these) and the build's self-check (every expected step has a vertex,
 * the phases cover BuildKit's span). A table of the self-checks is printed at the end. The
 * 100-step case's cache phases, far longer than their bytes, must be explained in the report.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseRunOptions } from '../../src/options.ts';
import { runBenchmark } from '../../src/run/index.ts';
import { slowCachePhaseCaveats, slowCachePhases } from '../../src/report/slow-cache-phases.ts';
import { projectRoot } from '../../src/paths.ts';
import type { Engine } from '../../src/engine/index.ts';
import type { BuildRecord, Results } from '../../src/results/types.ts';
import { startEngine, stopIfStarted } from './helpers.ts';
import { CORPUS_FIRST_RERUN } from '../unit/helpers/corpus-expectations.ts';

interface CorpusCase {
  /** Folder under test/corpus/. */
  name: string;
  /** Counted instructions (RUN, COPY, ADD, WORKDIR; FROM excluded) in the stages the target needs. */
  steps: number;
  /** Part of the name of the dependency step, which registry-max must reuse on a code change. */
  reused: string;
  /** Stages the target does not need. */
  skipped?: string[];
  /** registry-max's cache phases that take far longer than their bytes (src/report/slow-cache-phases.ts). */
  slow?: string[];
}

// Counts per stage, in Dockerfile order. Where BuildKit merges an instruction into an
// identical operation of another stage (same base image, same WORKDIR or COPY), the
// instruction still counts: it has its own number in its stage (`[runtime 1/3]`) even
// though its vertex is the other stage's; those cases say so.
const CASES: CorpusCase[] = [
  { name: '01-dotnet-csproj-restore', steps: 7 + 2, reused: "grep -h 'PackageReference'" },
  { name: '02-dotnet-multiproject-link', steps: 11 + 2, reused: "grep -h 'PackageVersion'" },
  { name: '03-dotnet-runtime-deps-crossplatform', steps: 6 + 2, reused: "grep -h 'PackageReference' src/Gateway" },
  { name: '04-digest-pinned-static-site', steps: 6 + 1, reused: 'themes/installed.txt' },
  // runtime's WORKDIR /app shares deps' vertex: 10 instructions, 9 instruction vertices.
  { name: '05-node-npm-ci-link', steps: 3 + 3 + 4, reused: 'npm/_cacache' },
  { name: '06-go-static-scratch', steps: 5 + 2, reused: 'sort -u > /go/pkg/mod/cache/download/list' },
  // runtime's WORKDIR /app shares builder's vertex (the ENV lines before them differ).
  { name: '07-python-venv-pip-cache', steps: 7 + 2, reused: 'type=secret,id=token,required=false' },
  { name: '08-java-maven-jar', steps: 6 + 2, reused: 'artifactId' },
  // BuildKit's cache-export and cache-import take 80+ s each on this stage for a few MB.
  { name: '09-monorepo-100-steps', steps: 100 + 2, reused: 'node_modules/.workspaces', slow: ['cache-import', 'cache-export'] },
  { name: '10-gradle-heredocs', steps: 7 + 4, reused: 'RUN <<EOF' },
  // build's WORKDIR + COPY mix.exs mix.lock and runtime's WORKDIR share deps' vertices.
  { name: '11-elixir-bind-from-stage', steps: 4 + 5 + 2, reused: 'mix.lock | while read' },
  { name: '12-php-target-skips-test', steps: 2 + 2 + 3, reused: 'vendor/composer/installed.txt', skipped: ['test'] },
  { name: '13-c-make-unnamed-stages', steps: 3 + 6 + 2, reused: 'while read -r name version' },
  { name: '14-deno-single-stage', steps: 5, reused: 'deno.lock | sort -u' },
  // runtime's WORKDIR /rails shares build's vertex.
  { name: '15-ruby-dockerignore-reincludes', steps: 6 + 2, reused: 'Gemfile.lock | while read' },
  { name: '16-rust-dockerfile-specific-ignore', steps: 5 + 1, reused: "echo 'fn main() {}'" },
  // The five ONBUILD triggers run in the stage FROM the onbuild stage; its three COPY/RUN are numbered there (ARG and ENV count only in the total).
  { name: '17-python-onbuild', steps: 1 + (3 + 1), reused: 'ONBUILD RUN' },
];

const MODES = ['none', 'registry-max'] as const;

interface Build {
  label: string;
  mode: string;
  record: BuildRecord;
}

/** Every build of a run: the seeds, then the measured code-change builds. */
function buildsOf(results: Results): Build[] {
  const out: Build[] = [];
  for (const mode of MODES) {
    const seed = results.seeds[mode];
    assert.ok(seed, `seed ${mode} recorded`);
    out.push({ label: `seed ${mode}`, mode, record: seed });
  }
  for (const cell of results.cells) {
    cell.runs.forEach((run, i) => out.push({ label: `${cell.scenario}/${cell.mode} r${i + 1}`, mode: cell.mode, record: run }));
  }
  return out;
}

let engine: Engine;
const table: string[] = [];

before(async () => {
  engine = await startEngine();
});

after(async () => {
  await stopIfStarted(engine);
  console.log('corpus self-check: case | build | steps cached/total | instructions expected/accounted | phases sum/span ms (unattributed, tolerance) | check');
  for (const line of table) console.log(line);
});

for (const c of CASES) {
  describe(`corpus ${c.name}`, () => {
    let results: Results;
    let builds: Build[] = [];

    before(async () => {
      const outDir = mkdtempSync(path.join(os.tmpdir(), `cb-corpus-${c.name.slice(0, 2)}-`));
      try {
        const opts = parseRunOptions(
          ['--fixture', path.join(projectRoot, 'test', 'corpus', c.name), '--scenarios', 'code-change', '--modes', MODES.join(','), '--repetitions', '1', '--network-profile', 'loopback', '--no-calibration', '--out', outDir],
          ['code-change', 'dependency-change', 'no-change'],
        );
        assert.ok(opts !== 'help');
        results = await runBenchmark(engine, opts);
      } finally {
        rmSync(outDir, { recursive: true, force: true });
      }
      builds = buildsOf(results);
      for (const b of builds) {
        const ch = b.record.check;
        table.push(
          ch
            ? `${c.name} | ${b.label} | ${b.record.cachedSteps}/${b.record.totalSteps} | ${ch.instructions.expected}/${ch.instructions.accounted} | ${ch.phases.sumMs}/${ch.phases.spanMs} (${ch.phases.unattributedMs}, ${ch.phases.toleranceMs}) | ${ch.ok ? 'ok' : `FAIL: ${ch.problems.join('; ')}`}`
            : `${c.name} | ${b.label} | no self-check recorded (${b.record.status})`,
        );
      }
    });

    test('the seeds and the code-change builds all succeed', () => {
      assert.equal(results.status, 'complete');
      assert.equal(builds.length, 4, builds.map((b) => b.label).join(', '));
      for (const b of builds) assert.equal(b.record.status, 'ok', `${c.name} ${b.label}: ${b.record.error?.message ?? ''}\n${b.record.error?.logTail ?? ''}`);
    });

    test('none reuses nothing; registry-max reuses the dependency step on a code change', () => {
      for (const b of builds.filter((x) => x.mode === 'none')) assert.equal(b.record.cachedSteps, 0, `${c.name} ${b.label}`);
      const rm = results.cells.find((x) => x.scenario === 'code-change' && x.mode === 'registry-max')?.runs[0];
      assert.ok(rm, `${c.name}: code-change/registry-max measured`);
      assert.ok(rm.cachedSteps >= 1, `${c.name}: registry-max reused ${rm.cachedSteps} steps`);
      const dep = rm.steps.filter((s) => s.kind === 'instruction' && s.name.includes(c.reused));
      assert.ok(dep.length > 0, `${c.name}: a step named like "${c.reused}" in ${rm.steps.map((s) => s.name.split('\n')[0]).join(' | ')}`);
      assert.ok(dep.every((s) => s.cached), `${c.name}: registry-max reuses "${dep[0]?.name.split('\n')[0]}"`);
    });

    test('every build is explained: the code change re-runs from the COPY that takes the edited file, and nothing re-ran that the Dockerfile does not predict', () => {
      const want = CORPUS_FIRST_RERUN[c.name]?.[0];
      assert.ok(want, `${c.name}: an expected first re-run in test/unit/helpers/corpus-expectations.ts`);
      const findings = builds.flatMap((b) => (b.record.explain ? b.record.explain.findings.map((f) => `${b.label}: ${f}`) : [`${b.label}: no explanation`]));
      assert.deepEqual(findings, []);
      const rm = results.cells.find((x) => x.scenario === 'code-change' && x.mode === 'registry-max')?.runs[0]?.explain;
      const first = rm?.firstMiss[0] ? rm.steps[rm.firstMiss[0].index] : undefined;
      assert.ok(first?.step.includes(want), `${c.name}: first re-run ${first?.step ?? 'none'}, expected ${want}`);
      assert.equal(first?.cause, 'inputs-changed');
      assert.equal(first?.cached, false);
    });

    if (c.slow) {
      test(`the report explains registry-max's slow ${c.slow.join(' and ')} (bytes do not account for them)`, () => {
        const found = slowCachePhases(results).filter((p) => p.mode === 'registry-max' && p.scenario === 'code-change');
        assert.deepEqual(found.map((p) => p.phase), c.slow, JSON.stringify(found));
        const words = slowCachePhaseCaveats(results);
        assert.ok(words.some((w) => /registry-max's cache-export took .* moby\/buildkit#3299/.test(w)), words.join('\n'));
      });
    }

    test(`accounting: ${c.steps} counted instructions, and the self-check holds`, () => {
      // Every build's every failure at once, so one run shows the whole picture.
      const failures: string[] = [];
      for (const b of builds) {
        const where = `${c.name} ${b.label}`;
        if (b.record.totalSteps !== c.steps) failures.push(`${where}: totalSteps ${b.record.totalSteps}, expected ${c.steps}`);
        const ch = b.record.check;
        if (!ch) {
          failures.push(`${where}: no self-check recorded`);
          continue;
        }
        if (!ch.ok) failures.push(`${where}: self-check failed: ${ch.problems.join('; ')}`);
        if (ch.instructions.accounted !== ch.instructions.expected) {
          failures.push(`${where}: ${ch.instructions.accounted} of ${ch.instructions.expected} expected steps accounted; missing: ${ch.instructions.missing.join('; ')}`);
        }
        for (const s of c.skipped ?? []) {
          if (!ch.instructions.skippedStages.includes(s)) failures.push(`${where}: stage ${s} not reported skipped (${ch.instructions.skippedStages.join(', ') || 'none'})`);
        }
      }
      assert.deepEqual(failures, []);
    });
  });
}
