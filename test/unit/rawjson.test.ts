import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { RawJsonParser, parseRawJson, splitJsonObjects } from '../../src/buildx/rawjson.ts';
import { classify, failingLog, subtractIntervals, summarize, unionMs } from '../../src/buildx/record.ts';
import { layerTransfers, partition } from '../../src/buildx/phases.ts';
import { projectRoot } from '../../src/paths.ts';

const fixture = (name: string) => readFileSync(path.join(projectRoot, 'test', 'fixtures', 'rawjson', name), 'utf8');

test('seed build (registry-max export): 7 instructions, none cached, every phase present', () => {
  const s = summarize(parseRawJson(fixture('tiny-seed-registry-max.rawjson')));
  assert.equal(s.totalSteps, 7);
  assert.equal(s.cachedSteps, 0);
  for (const phase of ['setup', 'base-pull', 'build', 'image-export', 'cache-export'] as const) {
    assert.ok((s.phases[phase] ?? 0) > 0, `phase ${phase} measured`);
  }
  const restore = s.steps.find((x) => x.name.includes('sort deps.txt'));
  assert.ok(restore && restore.durationMs !== null && restore.durationMs >= 2000, 'the 2 s dependency step lasts ≥ 2 s');
  assert.equal(restore?.stage, 'builder');
  assert.equal(s.failedStep, undefined);
});

test('rebuild importing the cache: all 7 instructions cached, cache import phase measured', () => {
  const s = summarize(parseRawJson(fixture('tiny-rebuild-registry-max.rawjson')));
  assert.equal(s.totalSteps, 7);
  assert.equal(s.cachedSteps, 7);
  assert.ok((s.phases['cache-import'] ?? 0) > 0);
  assert.ok(s.steps.some((x) => x.kind === 'cache-import' && x.name.startsWith('importing cache manifest from')));
});

test('lazily pulled layers (80 MB cached layer over a 100 Mbit/s link) count as cache import, not as a gap', () => {
  // Recorded: tiny, DEPS_MB=80, code-change × registry-max, --network-profile internet.
  const p = parseRawJson(fixture('tiny-lazy-pull-registry-max.rawjson'));
  const base = 'sha256:493d89773b04eabc7a5e6f5683c38a7a957bb4f02296c4989d23426c9d57ca4d';
  const s = summarize(p, { baseLayers: new Set([base]) });
  assert.equal(s.cachedSteps, 4);
  // The 80 MiB layer took ~7.2 s to download before its (cached) step began.
  assert.ok((s.phases['cache-import'] ?? 0) > 6500, `cache-import ${s.phases['cache-import']} ms`);
  assert.ok((s.phases['base-pull'] ?? 0) > 50, `base-pull ${s.phases['base-pull']} ms (the busybox layer, downloading alongside)`);
  assert.ok(s.bytesPulled > 80 * 1024 * 1024 && s.bytesPulled < 90 * 1024 * 1024, `bytesPulled ${s.bytesPulled}`);
  // Phases never count an instant twice: their sum stays within BuildKit's span.
  const total = Object.values(s.phases).reduce((a, b) => a + (b ?? 0), 0);
  assert.ok(total <= s.spanMs, `phases ${total} ms ≤ span ${s.spanMs} ms`);
  // Without the base layer set, the base layer's download is cache import (it came in the cached chain).
  const plain = summarize(p);
  assert.ok((plain.phases['base-pull'] ?? 0) < (s.phases['base-pull'] ?? 0));
  assert.ok((plain.phases['cache-import'] ?? 0) > (s.phases['cache-import'] ?? 0));
});

test('layer downloads running at once share the time by their average rates, and win over the vertex they sit in', () => {
  const at = (ms: number) => new Date(1_000_000 + ms);
  const base = `sha256:${'a'.repeat(64)}`;
  const cached = `sha256:${'b'.repeat(64)}`;
  // One cached step (a `LINK COPY`) spans 0–16 s: 0–10 s a 100 MB base layer and a 360 MB
  // cache layer download together (the cache layer at three times the rate), 10–12 s the
  // cache layer alone, 12–14 s it is extracted; 14–16 s nothing moves.
  const statuses = [
    { vertex: 'v1', id: base, total: 100e6, started: at(0), completed: at(10_000) },
    { vertex: 'v1', id: cached, total: 360e6, started: at(0), completed: at(12_000) },
    { vertex: 'v1', id: `extracting ${cached}`, started: at(12_000), completed: at(14_000) },
  ];
  const vertex = { digest: 'v1', name: '[final 2/3] LINK COPY --link --from=build /app .', inputs: [], started: at(0), completed: at(16_000), cached: true, order: 0 };
  const kinds = new Map([['v1', 'instruction' as const]]);
  const t = layerTransfers(statuses, kinds, new Set([base]));
  assert.equal(t.bytes, 460e6);
  assert.equal(t.layers, 2);
  const p = partition([vertex], kinds, t.transfers);
  // Rates: base 10 MB/s, cache 30 MB/s (360 MB in 12 s) → base gets 1/4 of 0–10 s; cache the rest plus 10–14 s.
  assert.equal(p.phases['base-pull'], 2500);
  assert.equal(p.phases['cache-import'], 7500 + 4000);
  assert.equal(p.phases.build, 2000);
  assert.equal(p.spanMs, 16_000);
  assert.equal(p.unattributedMs, 0);
  assert.equal(p.transferMsIn.get('v1'), 14_000);
});

test('a layer download BuildKit never marks completed ends at its last update, not at its start', () => {
  // Recorded: the .NET sample's seed under registry-min (2026-12-02): the SDK's 194 MB layer
  // reached current = total at +24.9 s and got no `completed`; its extraction began at +25.0 s.
  const p = parseRawJson(gunzipSync(readFileSync(path.join(projectRoot, 'test', 'fixtures', 'rawjson', 'dotnet-seed-download-never-completed.rawjson.gz'))).toString('utf8'));
  const layer = p.statuses.find((st) => st.id.startsWith('sha256:cbc09cef'));
  assert.ok(layer && layer.started && layer.updated && layer.completed === undefined && layer.current === layer.total);
  assert.equal(layer.updated.getTime() - layer.started.getTime(), 24_901);
  const s = summarize(p);
  // Before: the download counted as an instant, leaving 7.1 s of the 87.5 s span unattributed.
  assert.ok(s.unattributedMs < 500, `unattributed ${s.unattributedMs} ms`);
  assert.ok((s.phases['base-pull'] ?? 0) > 30_000, `base-pull ${s.phases['base-pull']} ms`);
});

test('phases partition the span: overlapping vertices count once, by priority, and gaps stay unattributed', () => {
  const at = (ms: number) => new Date(1_000_000 + ms);
  const v = (digest: string, name: string, s: number, e: number) => ({ digest, name, inputs: [], started: at(s), completed: at(e), cached: false, order: 0 });
  const vs = [v('a', '[internal] load build definition from Dockerfile', 0, 100), v('b', '[build 2/3] RUN make', 200, 5200), v('c', '[final 1/2] FROM x', 300, 1300), v('d', 'exporting to image', 5300, 6300), v('e', 'something new', 6300, 6400)];
  const kinds = new Map(vs.map((x) => [x.digest, classify(x.name).kind]));
  const p = partition(vs, kinds, []);
  assert.deepEqual(p.phases, { setup: 100, build: 5000, 'image-export': 1000 });
  // 100–200 and 5200–5300 no vertex; 6300–6400 a vertex of a kind nobody knows.
  assert.equal(p.unattributedMs, 300);
  assert.equal(p.spanMs, 6400);
  // Three separate stretches: 100–200, 5200–5300 and 6300–6400.
  assert.equal(p.unattributedGaps, 3);
  assert.equal(p.longestGapMs, 100);
});

test('self-check: many short pauses between vertices are allowed 50 ms each; one long stretch is not', async () => {
  const { phaseCoverage } = await import('../../src/buildx/check.ts');
  const at = (ms: number) => new Date(1_000_000 + ms);
  // 120 instructions of 50 ms, each after a 12 ms pause (as a 100-step build on this machine): 1.4 s unattributed on a 7.4 s span.
  const chain = Array.from({ length: 120 }, (_, i) => ({ digest: `s${i}`, name: `[${i + 1}/120] RUN echo ${i}`, inputs: [], started: at(i * 62 + 12), completed: at(i * 62 + 62), cached: false, order: i }));
  const kinds = new Map(chain.map((x) => [x.digest, classify(x.name).kind]));
  const p = partition(chain, kinds, []);
  assert.equal(p.unattributedGaps, 119);
  assert.equal(p.unattributedMs, 119 * 12);
  const ok = phaseCoverage({ phases: p.phases, spanMs: p.spanMs, unattributedGaps: p.unattributedGaps, longestGapMs: p.longestGapMs });
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.phases.toleranceMs, 119 * 50);
  assert.equal(ok.phases.pauses, 119);
  // Without the pauses counted (an older record), the same time is over max(1 s, 5%).
  assert.equal(phaseCoverage({ phases: p.phases, spanMs: p.spanMs }).problems.length, 1);
  // The same chain with one 3 s stretch in the middle (a download that never said completed): fails, and says where.
  const stalled = chain.map((v, i) => (i < 60 ? v : { ...v, started: at(v.started.getTime() - 1_000_000 + 3000), completed: at(v.completed.getTime() - 1_000_000 + 3000) }));
  const q = partition(stalled, kinds, []);
  const bad = phaseCoverage({ phases: q.phases, spanMs: q.spanMs, unattributedGaps: q.unattributedGaps, longestGapMs: q.longestGapMs });
  assert.equal(q.longestGapMs, 3012);
  assert.match(bad.problems.join(' '), /4\.4 s unattributed in 119 pauses, the longest 3\.0 s \(tolerance 6\.0 s, 1\.0 s for one pause\)/);
});

test('subtractIntervals leaves only the uncovered parts', () => {
  assert.deepEqual(subtractIntervals([[0, 10]], [[2, 3], [5, 7]]), [[0, 2], [3, 5], [7, 10]]);
  assert.deepEqual(subtractIntervals([[0, 10], [8, 12]], [[-1, 1], [11, 20]]), [[1, 11]]);
  assert.deepEqual(subtractIntervals([[0, 5]], [[0, 5]]), []);
  assert.deepEqual(subtractIntervals([[0, 5]], []), [[0, 5]]);
});

test('pretty-printed multi-line rawjson (buildx 0.13) parses to the same shape', () => {
  const text = fixture('tiny-buildx-0.13-pretty.rawjson');
  assert.ok(text.startsWith('{\n'), 'the recording is the multi-line form');
  const s = summarize(parseRawJson(text));
  assert.equal(s.totalSteps, 7);
  assert.ok(s.steps.every((x) => x.name !== ''));
  assert.ok((s.phases.build ?? 0) > 0);
});

test('a failed build names the failing step, its exit code and its log', () => {
  const p = parseRawJson(fixture('failed-build.rawjson'));
  const s = summarize(p);
  assert.ok(s.failedStep, 'a failed step is found');
  assert.match(s.failedStep.name, /RUN echo "compiling\.\.\."/);
  assert.match(s.failedStep.error ?? '', /exit code: 3/);
  assert.match(failingLog(p), /error CS1002/);
  assert.match(p.otherText, /ERROR: failed to build/);
});

test('feeding the stream in arbitrary chunks gives the same result as all at once', () => {
  for (const name of ['tiny-seed-registry-max.rawjson', 'tiny-buildx-0.13-pretty.rawjson', 'failed-build.rawjson']) {
    const text = fixture(name);
    const whole = summarize(parseRawJson(text));
    const p = new RawJsonParser();
    for (let i = 0; i < text.length; i += 97) p.push(text.slice(i, i + 97));
    const chunked = summarize(p.end());
    assert.deepEqual(chunked, whole, name);
  }
});

test('vertex updates merge by digest: name, times and cached flag survive partial updates', () => {
  const lines = [
    { vertexes: [{ digest: 'a', name: '[builder 2/3] RUN x' }] },
    { vertexes: [{ digest: 'a', started: '2026-01-01T00:00:00Z' }] },
    { vertexes: [{ digest: 'a', started: '2026-01-01T00:00:00Z', completed: '2026-01-01T00:00:02.5Z', cached: true }] },
  ].map((o) => JSON.stringify(o)).join('\n');
  const p = parseRawJson(lines);
  assert.equal(p.vertexes.length, 1);
  assert.equal(p.vertexes[0]?.name, '[builder 2/3] RUN x');
  const s = summarize(p);
  assert.equal(s.steps[0]?.durationMs, 2500);
  assert.equal(s.cachedSteps, 1);
});

test('text outside JSON objects is kept, braces inside strings do not confuse the splitter', () => {
  const { objects, rest, pending } = splitJsonObjects('ERROR: x\n{"a":"}{"}\n{"b":1}\npartial {');
  assert.deepEqual(objects, ['{"a":"}{"}', '{"b":1}']);
  assert.equal(rest, 'ERROR: x\n');
  assert.equal(pending, 'partial {');
});

test('classify maps vertex names to step kinds', () => {
  const table: Array<[string, string, string?]> = [
    ['[builder 1/6] FROM 127.0.0.1:5765/x@sha256:1', 'base', 'builder'],
    ['[stage-1 3/3] COPY --from=builder /a /b', 'instruction', 'stage-1'],
    ['[internal] load build context', 'internal'],
    ['importing cache manifest from 127.0.0.1:5765/x:cache', 'cache-import'],
    ['exporting cache to registry', 'cache-export'],
    ['exporting cache to client directory', 'cache-export'],
    ['preparing build cache for export', 'cache-export'],
    ['exporting to image', 'image-export'],
    ['resolving provenance for metadata file', 'image-export'],
  ];
  for (const [name, kind, stage] of table) {
    const c = classify(name);
    assert.equal(c.kind, kind, name);
    assert.equal(c.stage, stage, name);
  }
});

test('unionMs counts overlapping intervals once', () => {
  assert.equal(unionMs([]), 0);
  assert.equal(unionMs([[0, 10], [5, 15], [20, 25]]), 20);
  assert.equal(unionMs([[0, 10], [2, 3]]), 10);
});

test('idle time after a cache import, until the last cached step is reported, is the import matching steps (cache-import)', () => {
  const at = (ms: number) => new Date(1_000_000 + ms);
  const v = (digest: string, name: string, s: number, e: number, cached = false) => ({ digest, name, inputs: [], started: at(s), completed: at(e), cached, order: 0 });
  // Measured shape (100-step stage, registry mode=max): ~51 s with no vertex between the
  // import and the cached steps BuildKit then reports all at once.
  const vs = [v('i', 'importing cache manifest from 127.0.0.1:5765/x:cache', 0, 100), v('a', '[build  2/11] RUN a', 51_000, 51_000, true), v('b', '[build  3/11] RUN b', 51_010, 52_010), v('x', 'exporting to image', 52_500, 53_000)];
  const kinds = new Map(vs.map((x) => [x.digest, classify(x.name).kind]));
  const p = partition(vs, kinds, []);
  assert.equal(p.phases['cache-import'], 100 + 50_900);
  assert.equal(p.phases.build, 1000);
  // 51 000–51 010 and 52 010–52 500: gaps after the last cached step stay unattributed.
  assert.equal(p.unattributedMs, 10 + 490);
  // Without a cache import the same gap is unattributed.
  const none = partition(vs.slice(1), kinds, []);
  assert.equal(none.phases['cache-import'], undefined);
});
