/** The cause rules of the cache-miss explanation (src/explain), on Dockerfiles in the shapes real projects use. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDockerfile, type DockerfileModel, type ExpectedStep } from '../../src/dockerfile/model.ts';
import { explainBuild, firstRerunLine, type CacheSource } from '../../src/explain/explain.ts';
import { excludedBy, sourceTakes } from '../../src/dockerfile/copy-sources.ts';
import type { BuildExplanation } from '../../src/results/types.ts';

const DOTNET = `ARG SDK=mcr.microsoft.com/dotnet/sdk:10.0
FROM \${SDK} AS build
WORKDIR /src
COPY App.sln nuget.config ./
COPY */*.csproj ./
RUN dotnet restore App.sln
COPY . .
RUN dotnet publish Api/Api.csproj -o /app/out
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app
COPY --from=build /app/out .
`;

const MAX: CacheSource = { imported: true, label: 'the registry-max cache', mode: 'registry-max', stages: 'all' };
const MIN: CacheSource = { imported: true, label: 'the registry-min cache', mode: 'registry-min', stages: 'final' };

function explain(df: string, changed: string[], cache: CacheSource, opts: { parent?: string; observed?: Record<string, boolean>; buildArgs?: Record<string, string>; parentArgs?: Record<string, string> } = {}): BuildExplanation {
  const model = readDockerfile(df, { buildArgs: opts.buildArgs ?? {} });
  const parent = readDockerfile(opts.parent ?? df, { buildArgs: opts.parentArgs ?? opts.buildArgs ?? {} });
  return explainBuild({ model, parent, changed, cache }, observed(model, opts.observed ?? {}));
}

/** Observations by step label prefix (`[build 4/7]`). */
function observed(model: DockerfileModel, by: Record<string, boolean>): Map<ExpectedStep, boolean> {
  const out = new Map<ExpectedStep, boolean>();
  for (const e of model.expected) {
    const label = `[${e.stage ? `${e.stage} ` : ''}${e.step}/${e.total}]`;
    if (by[label] !== undefined) out.set(e, by[label] as boolean);
  }
  return out;
}

const byStep = (x: BuildExplanation, prefix: string) => {
  const s = x.steps.find((y) => y.step.startsWith(prefix));
  assert.ok(s, `${prefix} in ${x.steps.map((y) => y.step).join(' | ')}`);
  return s;
};

test('code change × mode=max: the COPY that reads the edited file, with the file; later steps after-miss; the stage copied from is maybe', () => {
  const x = explain(DOTNET, ['Api/Program.cs'], MAX);
  assert.equal(firstRerunLine(x), '[build 6/7] COPY . . — inputs-changed: Api/Program.cs changed');
  assert.deepEqual(byStep(x, '[build 6/7]').files, ['Api/Program.cs']);
  assert.equal(byStep(x, '[build 5/7]').predicted, 'cached');
  assert.equal(byStep(x, '[build 7/7]').cause, 'after-miss');
  assert.equal(byStep(x, '[build 7/7]').after, '[build 6/7] COPY . .');
  assert.equal(byStep(x, '[final 3/3]').predicted, 'maybe');
  assert.equal(byStep(x, '[final 2/3]').predicted, 'cached');
});

test('any change × mode=min: the builder stage is not in the cache; the final stage is', () => {
  const x = explain(DOTNET, ['Api/Program.cs'], MIN);
  const first = byStep(x, '[build 2/7]');
  assert.equal(first.cause, 'not-in-cache');
  assert.match(first.why ?? '', /registry-min exports only the final stage's layers, not stage build/);
  assert.equal(byStep(x, '[build 5/7]').cause, 'after-miss');
  assert.equal(byStep(x, '[final 2/3]').predicted, 'cached');
});

test('dependency change: */*.csproj takes one folder level, not deeper ones', () => {
  const x = explain(DOTNET, ['Infra/Infra.csproj'], MAX);
  assert.equal(byStep(x, '[build 4/7]').cause, 'inputs-changed');
  assert.equal(byStep(x, '[build 5/7]').cause, 'after-miss');
  const deeper = explain(DOTNET, ['src/Infra/Infra.csproj'], MAX);
  assert.equal(byStep(deeper, '[build 4/7]').predicted, 'cached');
  assert.equal(byStep(deeper, '[build 6/7]').cause, 'inputs-changed');
});

test('COPY source globs: Go filepath.Match per segment; ** spans folders only with --parents; --exclude', () => {
  assert.equal(sourceTakes('*/*.csproj', 'Api/Api.csproj'), true);
  assert.equal(sourceTakes('*/*.csproj', 'src/Api/Api.csproj'), false);
  assert.equal(sourceTakes('src/**/*.csproj', 'src/a/b/X.csproj'), false);
  assert.equal(sourceTakes('src/**/*.csproj', 'src/a/X.csproj'), true);
  assert.equal(sourceTakes('src/**/*.csproj', 'src/a/b/X.csproj', { parents: true }), true);
  assert.equal(sourceTakes('./src/', 'src/deep/file.txt'), true);
  assert.equal(sourceTakes('.', 'anything/at/all'), true);
  assert.equal(sourceTakes('package*.json', 'package-lock.json'), true);
  assert.equal(sourceTakes('package*.json', 'web/package.json'), false);
  assert.equal(sourceTakes('[a-c].txt', 'b.txt'), true);
  assert.equal(excludedBy(['**/*.md'], 'docs/a/readme.md'), true);
  const df = 'FROM busybox\nCOPY --exclude=*.md . /app\nRUN build\n';
  assert.equal(explain(df, ['NOTES.md'], MAX).firstMiss.length, 0);
  assert.equal(explain(df, ['main.c'], MAX).steps[0]?.cause, 'inputs-changed');
});

test('COPY --from chains: a stage built FROM a stage that re-ran re-runs; a COPY --from a re-run stage is maybe, and explained if it re-ran', () => {
  const df = `FROM busybox AS deps
COPY deps.txt /deps/
RUN install
FROM deps AS build
COPY src/ /src/
RUN compile
FROM busybox AS final
COPY --from=build /out /app
`;
  const x = explain(df, ['deps.txt'], MAX, { observed: { '[final 2/2]': false } });
  assert.equal(byStep(x, '[deps 2/3]').cause, 'inputs-changed');
  assert.equal(byStep(x, '[build 1/2]').cause, 'after-miss');
  assert.equal(byStep(x, '[build 1/2]').after, '[deps 2/3] COPY deps.txt /deps/');
  const copy = byStep(x, '[final 2/2]');
  assert.equal(copy.cause, 'after-miss');
  assert.equal(copy.finding, undefined);
  const cachedCopy = explain(df, ['deps.txt'], MAX, { observed: { '[final 2/2]': true } });
  assert.equal(byStep(cachedCopy, '[final 2/2]').finding, undefined, 'content-addressed: cached is fine');
  assert.deepEqual(cachedCopy.findings, []);
});

test('a changed build arg re-runs the RUNs that have it in scope, and COPYs only where they expand it', () => {
  const df = 'ARG V=1\nFROM busybox\nARG V\nCOPY a.txt /a\nRUN echo hi\nCOPY b-$V.txt /b\n';
  const x = explain(df, [], MAX, { buildArgs: { V: '2' }, parentArgs: { V: '1' } });
  assert.equal(byStep(x, '[2/4]').predicted, 'cached');
  assert.equal(byStep(x, '[3/4]').cause, 'arg-changed');
  assert.match(byStep(x, '[3/4]').why ?? '', /ARG V "1" → "2"/);
  const copyOnly = 'FROM busybox\nARG V=1\nCOPY b-$V.txt /b\nCOPY c.txt /c\n';
  const y = explain(copyOnly.replace('V=1', 'V=2'), [], MAX, { parent: copyOnly });
  assert.equal(byStep(y, '[2/3]').cause, 'arg-changed');
  // An ARG default edit also changes the instruction? No: ARG lines are not steps, the chain is the same.
  assert.equal(y.steps.length, 2);
});

test('an ENV change re-runs the RUNs after it', () => {
  const df = 'FROM busybox\nENV MODE=a\nWORKDIR /w\nRUN make\n';
  const x = explain(df.replace('MODE=a', 'MODE=b'), [], MAX, { parent: df });
  assert.equal(byStep(x, '[2/3]').predicted, 'cached');
  assert.equal(byStep(x, '[3/3]').cause, 'arg-changed');
});

test('a changed base digest is base-changed', () => {
  const a = 'FROM busybox@sha256:aaaa\nWORKDIR /w\nRUN make\n';
  const x = explain(a.replace('aaaa', 'bbbb'), [], MAX, { parent: a });
  assert.equal(byStep(x, '[2/3]').cause, 'base-changed');
  assert.match(byStep(x, '[2/3]').why ?? '', /sha256:aaaa → busybox@sha256:bbbb/);
});

test('an injected cache bust: a new RUN before the restore is not in the cache, the restore re-runs after it', () => {
  const busted = DOTNET.replace('RUN dotnet restore', 'RUN date > /stamp\nRUN dotnet restore');
  const x = explain(busted, [], MAX, { parent: DOTNET });
  assert.equal(firstRerunLine(x), '[build 5/8] RUN date > /stamp — not-in-cache: the instruction (or one before it in its stage) is new or edited since the parent commit');
  assert.equal(byStep(x, '[build 6/8]').cause, 'after-miss');
  const copyAll = DOTNET.replace('COPY */*.csproj ./', 'COPY . .');
  const y = explain(copyAll, ['Dockerfile'], MAX, { parent: DOTNET });
  assert.equal(byStep(y, '[build 4/7]').cause, 'not-in-cache');
});

test('no cache imported: every stage starts with not-in-cache, saying why', () => {
  const model = readDockerfile(DOTNET);
  const x = explainBuild({ model, parent: undefined, changed: [], cache: { imported: false, why: 'mode none imports no cache' } }, new Map());
  assert.deepEqual(x.firstMiss.map((m) => x.steps[m.index]?.step), ['[build 2/7] WORKDIR /src', '[final 2/3] WORKDIR /app']);
  assert.ok(x.firstMiss.every((m) => x.steps[m.index]?.cause === 'not-in-cache' && x.steps[m.index]?.why === 'mode none imports no cache'));
});

test('a re-run nothing predicts is unexpected and a finding; a predicted re-run that came out cached is a finding', () => {
  const x = explain(DOTNET, ['Api/Program.cs'], MAX, { observed: { '[build 5/7]': false, '[build 6/7]': true } });
  assert.equal(byStep(x, '[build 5/7]').cause, 'unexpected');
  assert.equal(byStep(x, '[build 5/7]').finding, 'ran-unpredicted');
  assert.equal(byStep(x, '[build 6/7]').finding, 'cached-unpredicted');
  assert.equal(x.findings.length, 2);
  assert.match(x.findings[0] ?? '', /RUN dotnet restore App\.sln: re-ran, and nothing predicts it/);
});

test('RUN bind mounts of the context are inputs; cache mounts are not', () => {
  const df = 'FROM busybox\nRUN --mount=type=bind,source=go.sum,target=/go.sum --mount=type=cache,target=/root/.cache download\nRUN --mount=type=bind,target=/src build\n';
  const x = explain(df, ['go.sum'], MAX);
  assert.equal(byStep(x, '[2/3]').cause, 'inputs-changed');
  const y = explain(df, ['main.go'], MAX);
  assert.equal(byStep(y, '[2/3]').predicted, 'cached');
  assert.equal(byStep(y, '[3/3]').cause, 'inputs-changed');
});

test('mode=min: a step of another stage that BuildKit merges with a step of the final stage is in the cache', () => {
  const df = 'FROM busybox AS deps\nWORKDIR /app\nCOPY lock ./\nRUN install\nFROM busybox AS runtime\nWORKDIR /app\nCOPY --from=deps /app/mods ./mods\n';
  const x = explain(df, ['lock'], MIN);
  assert.equal(byStep(x, '[deps 2/4]').predicted, 'cached');
  assert.equal(byStep(x, '[deps 3/4]').cause, 'inputs-changed');
  assert.equal(byStep(x, '[runtime 2/3]').predicted, 'cached');
});

test('mode=min: a stage the cache does not hold is skipped (reported cached) when every step that reads it is found by its definition', () => {
  const nothing = explain(DOTNET, [], MIN);
  assert.deepEqual(nothing.firstMiss, [], nothing.steps.map((s) => `${s.step} ${s.predicted}`).join('\n'));
  assert.ok(nothing.steps.every((s) => s.predicted === 'cached'));
  // Something the builder stage reads changed: it must run, from its first step (nothing of it is cached).
  const code = explain(DOTNET, ['Api/Program.cs'], MIN);
  assert.equal(byStep(code, '[build 2/7]').cause, 'not-in-cache');
  // The final stage changed before its COPY --from: that COPY misses by definition, so the builder runs.
  const finalEdit = DOTNET.replace('WORKDIR /app\n', 'WORKDIR /app\nCOPY appsettings.json ./\n');
  const y = explain(finalEdit, ['appsettings.json'], MIN, { parent: finalEdit });
  assert.equal(byStep(y, '[final 3/4]').cause, 'inputs-changed');
  assert.equal(byStep(y, '[build 2/7]').cause, 'not-in-cache');
});
