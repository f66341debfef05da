import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseImagesOf, readDockerfile, DockerfileError } from '../../src/dockerfile/model.ts';
import { expandWord, normalizeImage } from '../../src/dockerfile/args.ts';

const steps = (text: string, opts = {}) => readDockerfile(text, opts).expected.map((e) => `${e.stage}:${e.step}/${e.total} ${e.keyword}`);

test('numbers the steps as BuildKit does: FROM an image, ADD, COPY, RUN, WORKDIR; config instructions print none', () => {
  const df = ['FROM busybox AS build', 'ENV A=1', 'WORKDIR /src', 'COPY a b', 'ARG X', 'RUN x', 'LABEL l=1', 'ADD c d', 'USER 1', 'FROM build AS final', 'RUN y', 'CMD ["z"]'].join('\n');
  assert.deepEqual(steps(df), ['build:1/5 FROM', 'build:2/5 WORKDIR', 'build:3/5 COPY', 'build:4/5 RUN', 'build:5/5 ADD', 'final:1/1 RUN']);
});

test('an unnamed stage is stage-N; a single-stage Dockerfile has no stage label; scratch has no FROM step', () => {
  assert.deepEqual(steps('FROM busybox\nRUN a\nRUN b'), [':1/3 FROM', ':2/3 RUN', ':3/3 RUN']);
  assert.deepEqual(steps('FROM busybox\nRUN a\nFROM scratch\nCOPY --from=0 /a /a'), ['stage-0:1/2 FROM', 'stage-0:2/2 RUN', 'stage-1:1/1 COPY']);
});

test('stage names are case-insensitive', () => {
  const m = readDockerfile('FROM busybox AS Build\nRUN a\nFROM scratch\nCOPY --from=BUILD /a /a', {});
  assert.deepEqual(m.stages.map((s) => s.label), ['build', 'stage-1']);
  assert.deepEqual(m.needed, [0, 1]);
});

test('only the stages the target needs: FROM stage, COPY --from, RUN --mount from=; the rest are skipped', () => {
  const df = [
    'ARG BASE=busybox:1.36',
    'FROM ${BASE} AS deps',
    'RUN d',
    'FROM ${BASE} AS tools',
    'RUN t',
    'FROM deps AS build',
    'RUN --mount=type=bind,from=tools,target=/t b',
    'FROM build AS test',
    'RUN test',
    'FROM ${BASE} AS final',
    'COPY --from=build /o /o',
  ].join('\n');
  const m = readDockerfile(df, {});
  assert.deepEqual(m.needed.map((i) => m.stages[i]?.label), ['deps', 'tools', 'build', 'final']);
  assert.deepEqual(m.skipped, ['test']);
  const t = readDockerfile(df, { target: 'tools' });
  assert.deepEqual(t.skipped, ['deps', 'build', 'test', 'final']);
  assert.throws(() => readDockerfile(df, { target: 'nope' }), DockerfileError);
});

test('ARG before FROM, --build-arg overrides, BUILDPLATFORM and digests', () => {
  const df = ['ARG BUILDPLATFORM=linux/amd64', 'ARG SDK=mcr.microsoft.com/dotnet/sdk:10.0-noble@sha256:abc', 'FROM --platform=$BUILDPLATFORM ${SDK} AS build', 'RUN x', 'FROM ${RUNTIME:-busybox}', 'COPY --from=build /a /a'].join('\n');
  const m = readDockerfile(df, {});
  assert.equal(m.stages[0]?.base, 'mcr.microsoft.com/dotnet/sdk:10.0-noble@sha256:abc');
  assert.equal(m.stages[0]?.platform, 'linux/amd64');
  assert.equal(m.stages[1]?.base, 'busybox');
  assert.deepEqual([...baseImagesOf(m).keys()], ['mcr.microsoft.com/dotnet/sdk:10.0-noble@sha256:abc', 'busybox']);
  // A --build-arg reaches FROM only through an ARG declared before the first FROM.
  const o = readDockerfile(df, { buildArgs: { SDK: '127.0.0.1:5765/sdk:1', RUNTIME: 'alpine' } });
  assert.deepEqual([...baseImagesOf(o).keys()], ['127.0.0.1:5765/sdk:1', 'busybox']);
});

test('a build context named like a stage replaces it; one named like a FROM image marks the FROM', () => {
  const df = 'FROM busybox:1.36 AS deps\nRUN d\nFROM busybox:1.36\nCOPY --from=deps /a /a';
  const m = readDockerfile(df, { buildContexts: ['deps'] });
  assert.deepEqual(m.skipped, ['deps']);
  const c = readDockerfile(df, { buildContexts: ['docker.io/library/busybox:1.36'] });
  assert.ok(c.expected.filter((e) => e.keyword === 'FROM').every((e) => e.viaContext));
});

test('COPY --from an image (not a stage) is a base image of the stage; heredocs and mounts are read', () => {
  const df = 'FROM busybox AS a\nCOPY --from=alpine:3 /x /x\nRUN --mount=type=cache,target=/c --mount=type=secret,id=t <<EOF\necho 1\necho 2\nEOF\nCOPY --link <<EOT /f\nhi\nEOT';
  const m = readDockerfile(df, {});
  assert.deepEqual([...baseImagesOf(m).keys()], ['busybox', 'alpine:3']);
  const run = m.stages[0]?.instructions.find((i) => i.keyword === 'RUN');
  assert.ok(run?.heredoc);
  assert.deepEqual(run?.mounts, [{ type: 'cache' }, { type: 'secret' }]);
  assert.equal(m.expected.length, 4);
});

test('a 100-step stage is numbered to 101 (FROM included)', () => {
  const df = ['FROM busybox AS long', ...Array.from({ length: 100 }, (_, i) => `RUN echo ${i}`)].join('\n');
  const m = readDockerfile(df, {});
  assert.equal(m.expected.length, 101);
  assert.equal(m.expected[100]?.step, 101);
  assert.equal(m.expected[100]?.total, 101);
});

test('expandWord follows BuildKit: defaults, alternatives, unknown names empty, escaped dollars', () => {
  const args = { A: 'x', E: '' };
  assert.equal(expandWord('$A-${A}', args), 'x-x');
  assert.equal(expandWord('${E:-d} ${E-d} ${U-d}', args), 'd  d');
  assert.equal(expandWord('${A:+alt}${E:+alt}${E+set}', args), 'altset');
  assert.equal(expandWord('$U/img', args), '/img');
  assert.equal(expandWord('\\$A', args), '$A');
});

test('normalizeImage: Docker Hub names get docker.io/library and :latest; hosts and digests stay', () => {
  assert.equal(normalizeImage('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeImage('me/app:1'), 'docker.io/me/app:1');
  assert.equal(normalizeImage('127.0.0.1:5765/a/b:t'), '127.0.0.1:5765/a/b:t');
  assert.equal(normalizeImage('localhost/a'), 'localhost/a:latest');
  assert.equal(normalizeImage('busybox@sha256:ab'), 'docker.io/library/busybox@sha256:ab');
  assert.equal(normalizeImage('mcr.microsoft.com/dotnet/sdk:10.0@sha256:ab'), 'mcr.microsoft.com/dotnet/sdk:10.0@sha256:ab');
});

test('ONBUILD triggers of a base stage run first in the stage built on it, and are numbered there', () => {
  const df = 'FROM busybox AS base\nWORKDIR /app\nONBUILD COPY req.txt ./\nONBUILD RUN install\nFROM base AS app\nRUN compile';
  const m = readDockerfile(df, {});
  assert.deepEqual(m.expected.map((e) => `${e.stage}:${e.step}/${e.total} ${e.text}`), ['base:1/2 FROM busybox', 'base:2/2 WORKDIR /app', 'app:1/3 COPY req.txt ./', 'app:2/3 RUN install', 'app:3/3 RUN compile']);
});

test('ONBUILD ENV and ARG triggers print no step but count in the stage total, as BuildKit counts them', () => {
  const df = 'FROM busybox AS base\nONBUILD ARG X\nONBUILD ENV Y=1\nONBUILD RUN install\nFROM base AS app\nRUN true';
  assert.deepEqual(steps(df), ['base:1/1 FROM', 'app:1/4 RUN', 'app:2/4 RUN']);
});

test('quotes in a FROM image and in --from are removed, as BuildKit\'s word processing does', () => {
  const df = 'ARG TAG=3.20\nFROM alpine:"${TAG}" AS a\nRUN x\nFROM \'busybox\'\nCOPY --from="a" /x /x';
  const m = readDockerfile(df, {});
  assert.deepEqual(m.stages.map((s) => s.base), ['alpine:3.20', 'busybox']);
  assert.deepEqual(m.needed, [0, 1]);
  assert.deepEqual([...baseImagesOf(m).keys()], ['alpine:3.20', 'busybox']);
});

test('a global ARG keeps a quoted value whole: spaces, and backslashes inside double quotes', () => {
  const df = 'ARG LIST="a b c"\nARG RE=".*\\(x\\|y\\)"\nARG PLAIN=p\nFROM busybox\nRUN echo $LIST';
  assert.deepEqual(readDockerfile(df, {}).globalArgs.LIST, 'a b c');
  assert.deepEqual(readDockerfile(df, {}).globalArgs.RE, '.*\\(x\\|y\\)');
  assert.deepEqual(readDockerfile(df, {}).globalArgs.PLAIN, 'p');
});

test('--from may name a later stage (BuildKit resolves it among all stages); FROM may not', () => {
  const df = 'FROM busybox AS app\nCOPY --from=tools /t /t\nRUN --mount=from=lib,target=/l true\nFROM busybox AS tools\nRUN t\nFROM busybox AS lib\nRUN l\nFROM app';
  const m = readDockerfile(df, {});
  assert.deepEqual(m.needed, [0, 1, 2, 3]);
  assert.deepEqual(m.skipped, []);
  assert.deepEqual([...baseImagesOf(m).keys()], ['busybox']);
});

test('CRLF line endings leave no carriage return in step texts', () => {
  const m = readDockerfile('FROM busybox\r\nRUN a && \\\r\n  b\r\nCOPY x y\r\n', {});
  assert.ok(m.expected.every((e) => !e.text.includes('\r')), JSON.stringify(m.expected.map((e) => e.text)));
});

test('non-breaking spaces after the keywords: the error says so', () => {
  assert.throws(() => readDockerfile('FROM\u00a0busybox\nRUN\u00a0true', {}), (e: unknown) => e instanceof DockerfileError && /non-breaking spaces \(U\+00A0\)/.test(e.message));
});
