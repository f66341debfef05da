/**
 * Vertex names as BuildKit prints them on real Dockerfiles (padded numbers, LINK vertices,
 * named contexts, platforms) and the per-build self-check built on them. The step counts
 * asserted here were wrong before the Dockerfile model (an 11-step stage counted 0 of 9).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, parseInstructionName } from '../../src/buildx/vertex-name.ts';
import { summarize } from '../../src/buildx/record.ts';
import { checkBuild } from '../../src/buildx/check.ts';
import { readDockerfile } from '../../src/dockerfile/model.ts';
import type { ParsedProgress, Status, Vertex } from '../../src/buildx/rawjson.ts';

test('instruction names: padded step numbers, platform prefixes, single stage, LINK and ONBUILD', () => {
  assert.deepEqual(parseInstructionName('[build  4/11] COPY --link app/*.csproj app/'), { stage: 'build', step: 4, total: 11, onbuild: false, link: false, text: 'COPY --link app/*.csproj app/', keyword: 'COPY' });
  assert.equal(parseInstructionName('[build 10/11] COPY --link lib/ lib/')?.step, 10);
  assert.equal(parseInstructionName('[  7/101] RUN echo 5')?.stage, '');
  const p = parseInstructionName('[linux/amd64 build 3/8] RUN make');
  assert.equal(p?.platform, 'linux/amd64');
  assert.equal(p?.stage, 'build');
  assert.equal(parseInstructionName('[linux/arm64->amd64 2/3] RUN x')?.platform, 'linux/arm64->amd64');
  const link = parseInstructionName('[final 2/3] LINK COPY --link --from=publish /app .');
  assert.equal(link?.link, true);
  assert.equal(link?.keyword, 'COPY');
  assert.equal(parseInstructionName('[app 3/4] ONBUILD RUN x')?.onbuild, true);
  assert.equal(parseInstructionName('[internal] load build context'), undefined);
});

test('classify: named contexts, unprefixed FROM of an implicit stage, provenance', () => {
  assert.equal(classify('[context mcr.microsoft.com/dotnet/sdk:10.0] 127.0.0.1:5765/base/dotnet-sdk:abc').kind, 'base');
  assert.equal(classify('[context mcr.microsoft.com/dotnet/sdk:10.0] load metadata for 127.0.0.1:5765/x').kind, 'internal');
  assert.equal(classify('FROM docker.io/library/busybox:1.36').kind, 'base');
  assert.equal(classify('[build  1/11] FROM docker.io/library/busybox:1.36@sha256:ab').kind, 'base');
  assert.equal(classify('[build  4/11] COPY x y').kind, 'instruction');
  assert.equal(classify('[linux/amd64 internal] load metadata for x').kind, 'internal');
});

// A synthetic progress stream: vertices in order, each `ms` long, back to back.
function progress(list: Array<{ name: string; ms: number; cached?: boolean; error?: string }>, statuses: Status[] = []): ParsedProgress {
  let t = 1_000_000;
  const vertexes: Vertex[] = list.map((v, i) => {
    const started = new Date(t);
    t += v.ms;
    return { digest: `d${i}`, name: v.name, inputs: [], started, completed: new Date(t), cached: v.cached ?? false, order: i, ...(v.error ? { error: v.error } : {}) };
  });
  return { vertexes, statuses, logs: new Map(), warnings: [], otherText: '' };
}

const LONG_STAGE = ['FROM busybox:1.36 AS build', 'WORKDIR /src', ...Array.from({ length: 8 }, (_, i) => `COPY --link p${i}/*.csproj p${i}/`), 'RUN restore', 'FROM busybox:1.36 AS final', 'COPY --link --from=build /src /app'].join('\n');

function longStageBuild(opts: { cachedUpTo: number; linkMs?: number; withStatus?: boolean } = { cachedUpTo: 0 }): ParsedProgress {
  const names: Array<{ name: string; ms: number; cached?: boolean }> = [{ name: '[internal] load build definition from Dockerfile', ms: 20 }];
  for (let i = 1; i <= 11; i++) {
    const text = i === 1 ? 'FROM docker.io/library/busybox:1.36' : i === 2 ? 'WORKDIR /src' : i === 11 ? 'RUN restore' : `COPY --link p${i - 3}/*.csproj p${i - 3}/`;
    const pad = String(i).padStart(2, ' ');
    names.push({ name: `[build ${pad}/11] ${text}`, ms: 100, cached: i <= opts.cachedUpTo });
    if (text.startsWith('COPY --link')) names.push({ name: `[build ${pad}/11] LINK ${text}`, ms: 10, cached: i <= opts.cachedUpTo });
  }
  names.push({ name: '[final 1/2] FROM docker.io/library/busybox:1.36', ms: 10 });
  names.push({ name: '[final 2/2] COPY --link --from=build /src /app', ms: 50, cached: true });
  names.push({ name: '[final 2/2] LINK COPY --link --from=build /src /app', ms: opts.linkMs ?? 20, cached: true });
  names.push({ name: 'exporting to image', ms: 200 });
  const p = progress(names);
  if (opts.withStatus) {
    const link = p.vertexes.find((v) => v.name.startsWith('[final 2/2] LINK')) as Vertex;
    const s = (link.started as Date).getTime();
    p.statuses.push({ vertex: link.digest, id: `sha256:${'c'.repeat(64)}`, total: 300e6, started: new Date(s + 5), completed: new Date(s + (opts.linkMs ?? 20) - 5) });
  }
  return p;
}

test('an 11-step stage with COPY --link: every step counted once, LINK vertices folded', () => {
  const s = summarize(longStageBuild({ cachedUpTo: 10 }));
  // 10 instructions in build (FROM aside) + 1 in final; LINK vertices are not steps of their own.
  assert.equal(s.totalSteps, 11);
  // Steps 2..10 of build cached (9), and final's COPY (cached with its LINK vertex).
  assert.equal(s.cachedSteps, 10);
  const c = checkBuild(readDockerfile(LONG_STAGE), s);
  assert.equal(c.instructions.expected, 13);
  assert.equal(c.instructions.accounted, 13);
  assert.deepEqual(c.instructions.unexpected, []);
  assert.equal(c.instructions.counted, 11);
  assert.equal(c.instructions.cached, 10);
  assert.ok(c.ok, c.problems.join('; '));
});

test('a step merged into an identical one of another stage (same base, same WORKDIR) is accounted and counted once per stage', () => {
  const model = readDockerfile('FROM busybox AS deps\nENV A=1\nWORKDIR /app\nRUN d\nFROM busybox AS runtime\nENV B=2\nWORKDIR /app\nCOPY --from=deps /app /app');
  const p = progress([
    { name: '[deps 1/3] FROM docker.io/library/busybox:latest', ms: 10 },
    { name: '[deps 2/3] WORKDIR /app', ms: 10 },
    { name: '[deps 3/3] RUN d', ms: 10 },
    { name: '[runtime 3/3] COPY --from=deps /app /app', ms: 10 },
  ]);
  const c = checkBuild(model, summarize(p));
  assert.ok(c.ok, c.problems.join('; '));
  assert.equal(c.instructions.accounted, 6);
  assert.equal(c.instructions.counted, 4);
});

test('self-check: a missing step, an unexplained vertex and a long cached step without a download are flagged', () => {
  const model = readDockerfile(LONG_STAGE);
  const p = longStageBuild({ cachedUpTo: 0 });
  p.vertexes = p.vertexes.filter((v) => !v.name.startsWith('[build  5/11]'));
  p.vertexes.push({ digest: 'x', name: '[test 1/1] RUN pytest', inputs: [], cached: false, order: 99 });
  const c = checkBuild(model, summarize(p));
  assert.equal(c.ok, false);
  assert.deepEqual(c.instructions.missing, ['[build 5/11] COPY --link p2/*.csproj p2/']);
  assert.deepEqual(c.instructions.unexpected, ['[test 1/1] RUN pytest']);
  // A cached LINK COPY that takes 25 s: with no transfer to show for it, unexplained ...
  const slow = checkBuild(model, summarize(longStageBuild({ cachedUpTo: 11, linkMs: 25_000 })));
  assert.ok(slow.problems.some((x) => /cached step .*LINK COPY.* took 25\.0 s/.test(x)), slow.problems.join('; '));
  // ... and with the layer download reported inside it, the time is the download's.
  const pulled = summarize(longStageBuild({ cachedUpTo: 11, linkMs: 25_000, withStatus: true }));
  assert.ok((pulled.phases['cache-import'] ?? 0) > 24_000, `cache-import ${pulled.phases['cache-import']}`);
  assert.ok(checkBuild(model, pulled).ok, checkBuild(model, pulled).problems.join('; '));
});

test('self-check: unattributed time beyond the tolerance fails the check', () => {
  const model = readDockerfile('FROM busybox\nRUN a');
  const p = progress([{ name: '[1/2] FROM docker.io/library/busybox:latest', ms: 100 }, { name: 'mystery vertex', ms: 5000 }, { name: '[2/2] RUN a', ms: 100 }]);
  const c = checkBuild(model, summarize(p));
  assert.equal(c.instructions.accounted, 2);
  assert.equal(c.phases.spanMs, 5200);
  assert.equal(c.phases.unattributedMs, 5000);
  assert.equal(c.ok, false);
  assert.match(c.problems.join(' '), /unattributed/);
});

test('self-check: a FROM served by a build context shows as [context …] and shifts the stage numbers by one', () => {
  const model = readDockerfile('FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build\nWORKDIR /src\nRUN restore\nFROM busybox\nCOPY --from=build /a /a', { buildContexts: ['mcr.microsoft.com/dotnet/sdk:10.0'] });
  const p = progress([
    { name: '[context mcr.microsoft.com/dotnet/sdk:10.0] load metadata for 127.0.0.1:5765/base/sdk:1', ms: 10 },
    { name: '[context mcr.microsoft.com/dotnet/sdk:10.0] 127.0.0.1:5765/base/sdk:1', ms: 10 },
    { name: '[build 1/3] WORKDIR /src', ms: 10 },
    { name: '[build 2/3] RUN restore', ms: 10 },
    { name: '[stage-1 1/2] FROM docker.io/library/busybox:latest', ms: 10 },
    { name: '[stage-1 2/2] COPY --from=build /a /a', ms: 10 },
  ]);
  const c = checkBuild(model, summarize(p));
  assert.ok(c.ok, c.problems.join('; '));
  assert.equal(c.instructions.accounted, 5);
});

test('root cause first: the step that failed for its own reason, not a cancelled sibling', () => {
  const p = progress([
    { name: '[internal] load build definition from Dockerfile', ms: 10 },
    { name: '[build 1/3] FROM docker.io/library/busybox:1.36', ms: 10, error: 'context canceled' },
    { name: '[internal] load metadata for 127.0.0.1:5765/nope:1', ms: 30, error: '127.0.0.1:5765/nope:1: not found' },
  ]);
  // The cancelled sibling ended first, and is not an internal vertex; still the root cause wins.
  const s = summarize(p);
  assert.equal(s.failedStep?.name, '[internal] load metadata for 127.0.0.1:5765/nope:1');
});

test('recorded tiny builds pass the self-check: two stages on one base image share one FROM vertex', async () => {
  const { readFileSync } = await import('node:fs');
  const path = await import('node:path');
  const { parseRawJson } = await import('../../src/buildx/rawjson.ts');
  const root = path.join(import.meta.dirname, '..', '..');
  const dockerfile = readFileSync(path.join(root, 'fixtures', 'tiny', 'Dockerfile'), 'utf8');
  for (const name of ['tiny-seed-registry-max.rawjson', 'tiny-rebuild-registry-max.rawjson', 'tiny-lazy-pull-registry-max.rawjson']) {
    const p = parseRawJson(readFileSync(path.join(root, 'test', 'fixtures', 'rawjson', name), 'utf8'));
    const from = p.vertexes.find((v) => /^\[builder 1\/6\] FROM /.test(v.name));
    assert.ok(from, name);
    const image = from.name.replace(/^\[builder 1\/6\] FROM /, '').split('@')[0] as string;
    const s = summarize(p);
    const c = checkBuild(readDockerfile(dockerfile, { buildArgs: { BASE_IMAGE: image } }), s);
    assert.equal(c.instructions.expected, 9, name);
    assert.equal(c.instructions.accounted, 9, `${name}: ${c.instructions.missing.join('; ')}`);
    assert.ok(c.ok, `${name}: ${c.problems.join('; ')}`);
  }
});

test('recorded: an unresolvable FROM cancels its sibling; the error named is the unresolvable image', async () => {
  const { readFileSync } = await import('node:fs');
  const path = await import('node:path');
  const { parseRawJson } = await import('../../src/buildx/rawjson.ts');
  const file = path.join(import.meta.dirname, '..', 'fixtures', 'rawjson', 'failed-from-unresolvable.rawjson');
  const p = parseRawJson(readFileSync(file, 'utf8'));
  assert.ok(p.vertexes.some((v) => v.error === 'context canceled'), 'the recording has a cancelled sibling');
  const s = summarize(p);
  assert.match(s.failedStep?.name ?? '', /load metadata for 127\.0\.0\.1:5765\/cachebench\/nope\/missing:1/);
  assert.match(s.failedStep?.error ?? '', /not found/);
});
