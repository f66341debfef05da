/** The run's calibration: the CPU workload, the package-feed fetch against a local feed, the report's paragraph, merge and schema. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpuWorkloadText, measureCpu } from '../../src/run/calibration/cpu.ts';
import { FEED_PACKAGES, fetchPackages, measureFeed, nupkgUrl, type PinnedPackage } from '../../src/run/calibration/feed.ts';
import { calibrationLine, measureCalibration } from '../../src/run/calibration/index.ts';
import { calibrationMedians } from '../../src/results/calibration.ts';
import { readResults, validateResults, writeResults } from '../../src/results/io.ts';
import { mergeResults } from '../../src/results/merge.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderHtml } from '../../src/report/html.ts';
import type { CalibrationSample, Results } from '../../src/results/types.ts';
import { timedCell, timedResults } from './helpers/synthetic-results.ts';
import { tempDir } from './helpers/temp-dir.ts';

test('the CPU workload runs on every worker: 3 timed repetitions after a warm-up, its text names the worker count', async () => {
  const r = await measureCpu({ workers: 2, bufferMiB: 1, passes: 2 });
  assert.equal(r.ms.length, 3);
  for (const ms of r.ms) assert.ok(ms > 0 && Number.isFinite(ms), `ms ${ms}`);
  assert.equal(r.workload, 'sha256 of 1 MiB × 2 on 2 workers (one per core)');
  assert.equal(cpuWorkloadText(1, 16, 32), 'sha256 of 16 MiB × 32 on 1 worker (one per core)');
});

test('an aborted CPU workload stops and leaves no worker behind', async () => {
  const stop = new AbortController();
  stop.abort(new Error('interrupted'));
  await assert.rejects(measureCpu({ workers: 1, bufferMiB: 1, passes: 1, signal: stop.signal }), /interrupted/);
});

/** A fake NuGet v3 feed on 127.0.0.1: a service index and the packages given, each `size` bytes. */
async function fakeFeed(packages: Array<PinnedPackage & { size: number }>, opts: { index?: object; hang?: boolean } = {}): Promise<{ url: string; hits: Map<string, number>; close: () => Promise<void> }> {
  const hits = new Map<string, number>();
  let base = '';
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const p = req.url ?? '';
    hits.set(p, (hits.get(p) ?? 0) + 1);
    if (opts.hang) return; // never answers
    if (p === '/v3/index.json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(opts.index ?? { version: '3.0.0', resources: [{ '@id': `${base}/flat`, '@type': 'PackageBaseAddress/3.0.0' }] }));
      return;
    }
    const pkg = packages.find((x) => `/flat/${x.id.toLowerCase()}/${x.version}/${x.id.toLowerCase()}.${x.version}.nupkg` === p);
    if (!pkg) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    res.setHeader('content-type', 'application/octet-stream');
    res.end(Buffer.alloc(pkg.size, 7));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/v3/index.json`,
    hits,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const PKGS = [
  { id: 'Alpha.Core', version: '1.2.3', size: 1000 },
  { id: 'Beta', version: '2.0.0', size: 2500 },
];

test('the feed fetch: the service index, PackageBaseAddress, every package whole, 3 repetitions, bytes counted', async () => {
  const feed = await fakeFeed(PKGS);
  try {
    const r = await measureFeed({ sources: [feed.url], packages: PKGS });
    assert.ok(!('skipped' in r), JSON.stringify(r));
    assert.equal(r.bytes, 3500);
    assert.equal(r.ms.length, 3);
    assert.ok(r.ms.every((ms) => ms > 0));
    assert.match(r.workload, /^2 pinned packages \(Alpha\.Core 1\.2\.3, Beta 2\.0\.0\)/);
    assert.ok(!r.workload.includes('127.0.0.1'), 'the workload never names the source');
    assert.equal(feed.hits.get('/v3/index.json'), 1);
    assert.equal(feed.hits.get('/flat/alpha.core/1.2.3/alpha.core.1.2.3.nupkg'), 3, 'each repetition fetches again');
    assert.equal(feed.hits.get('/flat/beta/2.0.0/beta.2.0.0.nupkg'), 3);
  } finally {
    await feed.close();
  }
});

test('fetchPackages takes the base address and package list as given', async () => {
  const feed = await fakeFeed(PKGS);
  try {
    const r = await fetchPackages(feed.url.replace('/v3/index.json', '/flat/'), PKGS.slice(1), { repetitions: 2 });
    assert.equal(r.bytes, 2500);
    assert.equal(r.ms.length, 2);
  } finally {
    await feed.close();
  }
  assert.equal(nupkgUrl('https://feed.example/flat', { id: 'Newtonsoft.Json', version: '13.0.3' }), 'https://feed.example/flat/newtonsoft.json/13.0.3/newtonsoft.json.13.0.3.nupkg');
  assert.equal(FEED_PACKAGES.length, 3);
});

test('a feed that cannot be measured is skipped with the reason, never an error', async () => {
  const feed = await fakeFeed(PKGS);
  try {
    const missing = await measureFeed({ sources: [feed.url], packages: [...PKGS, { id: 'Gone.Pkg', version: '9.9.9' }] });
    assert.deepEqual(missing, { skipped: 'package Gone.Pkg 9.9.9: HTTP 404' });
    const none = await measureFeed({ sources: [], packages: PKGS });
    assert.match((none as { skipped: string }).skipped, /no enabled NuGet source/);
    const noBase = await measureFeed({ sources: [feed.url.replace('index.json', 'nothing.json')], packages: PKGS });
    assert.match((noBase as { skipped: string }).skipped, /service index: HTTP 404/);
  } finally {
    await feed.close();
  }
  const odd = await fakeFeed(PKGS, { index: { version: '3.0.0', resources: [] } });
  try {
    assert.match((await measureFeed({ sources: [odd.url], packages: PKGS }) as { skipped: string }).skipped, /no PackageBaseAddress\/3\.0\.0/);
  } finally {
    await odd.close();
  }
  const silent = await fakeFeed(PKGS, { hang: true });
  try {
    assert.deepEqual(await measureFeed({ sources: [silent.url], packages: PKGS, timeoutMs: 300 }), { skipped: 'the package feed did not serve the packages within 0.3 s' });
  } finally {
    await silent.close();
  }
  const closed = await fakeFeed(PKGS);
  await closed.close();
  const refused = await measureFeed({ sources: [closed.url], packages: PKGS });
  assert.match((refused as { skipped: string }).skipped, /the request failed \(ECONNREFUSED\)/);
});

test('an interruption is not a skip: it stops the feed fetch', async () => {
  const silent = await fakeFeed(PKGS, { hang: true });
  const stop = new AbortController();
  setTimeout(() => stop.abort(new Error('interrupted')), 100);
  try {
    await assert.rejects(measureFeed({ sources: [silent.url], packages: PKGS, signal: stop.signal }));
  } finally {
    await silent.close();
  }
});

test('one calibration sample: CPU and feed, valid in results.json, and its progress line', async () => {
  const feed = await fakeFeed(PKGS);
  let s: CalibrationSample;
  try {
    s = await measureCalibration({ cpu: { workers: 1, bufferMiB: 1, passes: 1 }, feed: { sources: [feed.url], packages: PKGS } });
  } finally {
    await feed.close();
  }
  assert.ok(Date.parse(s.at) > 0);
  assert.equal(s.cpu.ms.length, 3);
  assert.equal((s.feed as { bytes: number }).bytes, 3500);
  assert.match(calibrationLine(s), /^CPU \d+ ms \(median of 3\), feed \d+ ms for 2 packages \(0\.0 MB\)$/);
  const r = { ...withCalibration(), calibration: { start: s } };
  assert.deepEqual(validateResults(r), []);
  assert.match(calibrationLine({ ...s, feed: { skipped: 'no dotnet' } }), /, feed skipped: no dotnet$/);
});

const START: CalibrationSample = { at: '2026-01-01T00:00:00.000Z', cpu: { workload: 'sha256 of 16 MiB × 32 on 2 workers (one per core)', ms: [410, 400, 430] }, feed: { workload: '3 pinned packages (A 1.0.0, B 2.0.0, C 3.0.0) from the machine\'s first NuGet source, one after another', bytes: 3_417_724, ms: [1900, 2100, 1800] } };
const END: CalibrationSample = { at: '2026-01-01T01:00:00.000Z', cpu: { workload: START.cpu.workload, ms: [460, 450, 440] }, feed: { skipped: 'package B 2.0.0: HTTP 503' } };

function withCalibration(calibration?: Results['calibration']): Results {
  const cells = ['a'].flatMap((sc) => [timedCell(sc, 'none', [10_500, 10_700, 10_900]), timedCell(sc, 'local', [8_000, 8_200, 8_400])]);
  const r = timedResults(cells);
  return calibration ? { ...r, calibration } : r;
}

const methodOf = (md: string): string => md.slice(md.indexOf('## Method'), md.indexOf('## How to reproduce'));
const htmlMethodOf = (html: string): string => html.slice(html.indexOf('<h2>Method</h2>'), html.indexOf('<h2>How to reproduce</h2>'));

test('the report: a Calibration paragraph and table under Method, start and end medians, a skipped feed with its reason', () => {
  const r = withCalibration({ start: START, end: END });
  assert.deepEqual(calibrationMedians(START), { cpuMs: 410, feedMs: 1900, feedBytes: 3_417_724, feedPackages: 3 });
  const md = methodOf(renderMarkdown(r));
  assert.match(md, /### Calibration/);
  assert.match(md, /\| Workload \| Start \(median\) \| End \(median\) \| End vs start \|/);
  assert.match(md, /\| CPU: sha256 of 16 MiB × 32 on 2 workers \(one per core\) \| 410 ms \(400 ms … 430 ms\) \| 450 ms \(440 ms … 460 ms\) \| \+10% \|/);
  assert.match(md, /\| Package feed: 3 pinned packages .* \| 1\.9 s \(1\.8 s … 2\.1 s\) for 3\.42 MB \| skipped: package B 2\.0\.0: HTTP 503 \| – \|/);
  assert.match(md, /\| Link to the registry \| not measured \(loopback registry\) \|/);
  assert.match(md, /`none` measured in the same run is the control/);
  assert.match(md, /paired by round in interleaved runs/);
  assert.match(md, /`compare --absolute`/);
  const html = htmlMethodOf(renderHtml(r, []));
  assert.match(html, /<h3>Calibration<\/h3>/);
  assert.match(html, /<td>CPU: sha256 of 16 MiB × 32 on 2 workers \(one per core\)<\/td><td class="num">410 ms \(400 ms … 430 ms\)<\/td>/);
  assert.match(html, /skipped: package B 2\.0\.0: HTTP 503/);
  assert.match(html, /<code>none<\/code> measured in the same run is the control/);
  assert.match(html, /<code>compare --absolute<\/code>/);
});

test('the report: without calibration (older results) it says so and still explains the in-run reference; the link when measured', () => {
  const r = withCalibration();
  const md = methodOf(renderMarkdown(r));
  assert.match(md, /### Calibration\n\nNo calibration was recorded for this run/);
  assert.ok(!md.includes('| Workload |'), 'no table without samples');
  assert.match(md, /`compare --absolute`/);
  const html = htmlMethodOf(renderHtml(r, []));
  assert.match(html, /<p>No calibration was recorded for this run/);
  assert.ok(!html.includes('<th>Workload</th>'));
  const shaped = withCalibration({ start: START });
  shaped.environment = { ...shaped.environment, networkProfile: 'datacenter', network: { rateMbit: 1000, rttMs: 1, description: 'same region', measuredMbit: 940, measuredRttMs: 1.2 } };
  const md2 = methodOf(renderMarkdown(shaped));
  assert.match(md2, /\| Link to the registry \| measured when the run opened the link: 1000 Mbit\/s, 1 ms RTT \(measured 940 Mbit\/s, 1\.2 ms\) \| – \| – \|/);
  assert.match(md2, /\| 410 ms \(400 ms … 430 ms\) \| not measured \| – \|/);
});

test('merge keeps one shard\'s calibration and says whose; results.json reads back with or without it', () => {
  const base = withCalibration();
  const shard = (index: number, calibration?: Results['calibration']): Results => ({
    ...base,
    runId: `r${index}`,
    planId: `${base.planId}|shard ${index}/2`,
    plan: { ...base.plan, shard: { index, count: 2 }, allCells: base.cells.map((c) => c.id) },
    cells: base.cells.filter((_, i) => i % 2 === index - 1),
    ...(calibration ? { calibration } : {}),
  });
  const merged = mergeResults([shard(1), shard(2, { start: START, end: END })]).merged;
  assert.deepEqual(merged.calibration, { start: START, end: END, shard: { index: 2, count: 2 } });
  assert.deepEqual(validateResults(merged), []);
  assert.match(methodOf(renderMarkdown(merged)), /These are shard 2\/2's samples/);
  assert.equal(mergeResults([shard(1), shard(2)]).merged.calibration, undefined);
  assert.ok(validateResults({ ...base, calibration: { start: { ...START, cpu: { workload: 'x' } } } }).length > 0, 'the schema checks a sample');
  const dir = tempDir('cb-calibration-');
  writeResults(dir, withCalibration({ start: START, end: END }));
  assert.deepEqual(readResults(dir).calibration, { start: START, end: END });
  writeResults(dir, base);
  assert.equal(readResults(dir).calibration, undefined);
});
