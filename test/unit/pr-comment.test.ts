/**
 * The action's pull-request comment (scripts/pr-comment.ts) against a local HTTP server on
 * 127.0.0.1 that plays the GitHub REST API (GITHUB_API_URL points at it): created once, then
 * updated in place (found by its hidden marker, also on a later page), others' comments
 * untouched; skipped with a reason on forks' pull_request events, other events, comment-on
 * settings and missing comparisons; the API's 403 is a warning, not a failure.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { commentBody, marker, pullRequestOf, runCommentStep, wanted } from '../../scripts/pr-comment.ts';
import { tempDir } from './helpers/temp-dir.ts';

interface Comment {
  id: number;
  body: string;
  user: { login: string };
}

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  apiVersion: string | undefined;
}

/** The fake API: the comments of one issue, every request recorded, a status to force. */
const api = { comments: [] as Comment[], seen: [] as Seen[], nextId: 1000, forceStatus: 0 };
let server: Server;
let apiUrl: string;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => resolve(data));
  });
}

async function handle(req: IncomingMessage): Promise<[number, unknown]> {
  api.seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, apiVersion: req.headers['x-github-api-version'] as string | undefined });
  if (api.forceStatus) return [api.forceStatus, { message: 'Resource not accessible by integration' }];
  const url = new URL(req.url ?? '/', 'http://x');
  const list = /^\/repos\/acme\/svc\/issues\/7\/comments$/.exec(url.pathname);
  const one = /^\/repos\/acme\/svc\/issues\/comments\/(\d+)$/.exec(url.pathname);
  if (list && req.method === 'GET') {
    const per = Number(url.searchParams.get('per_page') ?? 30);
    const page = Number(url.searchParams.get('page') ?? 1);
    return [200, api.comments.slice((page - 1) * per, page * per)];
  }
  if (list && req.method === 'POST') {
    const c = { id: api.nextId++, body: (JSON.parse(await readBody(req)) as { body: string }).body, user: { login: 'github-actions[bot]' } };
    api.comments.push(c);
    return [201, { ...c, html_url: `https://github.example/acme/svc/pull/7#issuecomment-${c.id}` }];
  }
  const existing = one && api.comments.find((c) => c.id === Number(one[1]));
  if (existing && req.method === 'PATCH') {
    existing.body = (JSON.parse(await readBody(req)) as { body: string }).body;
    return [200, { ...existing, html_url: `https://github.example/acme/svc/pull/7#issuecomment-${existing.id}` }];
  }
  return [404, { message: 'Not Found' }];
}

before(async () => {
  server = createServer((req, res) => {
    void handle(req).then(([status, body]) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function reset(others = 0): void {
  api.comments = Array.from({ length: others }, (_, i) => ({ id: i + 1, body: `someone else's comment ${i + 1}`, user: { login: 'octocat' } }));
  api.seen = [];
  api.forceStatus = 0;
}

const SAME_REPO_PR = { pull_request: { number: 7, head: { repo: { full_name: 'acme/svc' } }, base: { repo: { full_name: 'acme/svc' } } } };
const FORK_PR = { pull_request: { number: 7, head: { repo: { full_name: 'mallory/svc' } }, base: { repo: { full_name: 'acme/svc' } } } };

/** The environment of the comment step in a pull_request job, with a report folder holding comparison.md. */
function env(over: Record<string, string> = {}, event: unknown = SAME_REPO_PR, comparison = '## cachebench comparison: FAIL, 1 of 2 cells regressed\n'): NodeJS.ProcessEnv {
  const dir = tempDir('cb-pr-comment-');
  writeFileSync(path.join(dir, 'comparison.md'), comparison);
  writeFileSync(path.join(dir, 'event.json'), JSON.stringify(event));
  return {
    INPUT_COMMENT_ON: 'fail',
    VERDICT: 'fail',
    REPORT_DIR: dir,
    GITHUB_TOKEN: 'ghs_test-token',
    GITHUB_API_URL: apiUrl,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: path.join(dir, 'event.json'),
    GITHUB_REPOSITORY: 'acme/svc',
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: '42',
    GITHUB_WORKFLOW: 'bench',
    GITHUB_JOB: 'cachebench',
    INPUT_ARTIFACT_NAME: 'cachebench-report',
    ...over,
  };
}

async function step(e: NodeJS.ProcessEnv): Promise<{ result: string; log: string[] }> {
  const log: string[] = [];
  const result = await runCommentStep(e, (l) => log.push(l));
  return { result, log };
}

test('comment-on decides per verdict; nothing was compared, nothing to post', () => {
  const verdicts = ['ok', 'improved', 'alert', 'fail', 'none'];
  const table = Object.fromEntries((['fail', 'alert', 'always', 'never'] as const).map((on) => [on, verdicts.filter((v) => wanted(on, v))]));
  assert.deepEqual(table, { fail: ['fail'], alert: ['alert', 'fail'], always: ['ok', 'improved', 'alert', 'fail'], never: [] });
});

test('the pull request of the event: same repository yes; a fork on pull_request no (and says why); pull_request_target yes; other events no', () => {
  assert.deepEqual(pullRequestOf('pull_request', SAME_REPO_PR, 'acme/svc'), { post: { owner: 'acme', repo: 'svc', number: 7 } });
  const fork = pullRequestOf('pull_request', FORK_PR, 'acme/svc');
  assert.ok('skip' in fork && /fork \(mallory\/svc\).*token cannot write/.test(fork.skip), JSON.stringify(fork));
  assert.deepEqual(pullRequestOf('pull_request_target', FORK_PR, 'acme/svc'), { post: { owner: 'acme', repo: 'svc', number: 7 } });
  const deleted = pullRequestOf('pull_request', { pull_request: { number: 7, head: { repo: null }, base: { repo: { full_name: 'acme/svc' } } } }, 'acme/svc');
  assert.ok('skip' in deleted && /deleted repository/.test(deleted.skip));
  const push = pullRequestOf('push', {}, 'acme/svc');
  assert.ok('skip' in push && /not a pull-request event \(push\)/.test(push.skip));
});

test('first run creates the comment, with the marker, the comparison and the run link, authenticated with the token', async () => {
  reset(3);
  const r = await step(env());
  assert.equal(r.result, 'created', r.log.join('\n'));
  assert.equal(api.comments.length, 4);
  const own = api.comments[3] as Comment;
  assert.ok(own.body.startsWith(marker('bench/cachebench/cachebench-report')));
  assert.match(own.body, /## cachebench comparison: FAIL/);
  assert.match(own.body, /\[Workflow run\]\(https:\/\/github\.example\/acme\/svc\/actions\/runs\/42\): the full report is the artifact `cachebench-report`/);
  assert.deepEqual(api.seen.map((s) => s.method), ['GET', 'POST']);
  for (const s of api.seen) {
    assert.equal(s.auth, 'Bearer ghs_test-token');
    assert.equal(s.apiVersion, '2022-11-28');
  }
  assert.match(r.log.join('\n'), /created the comparison comment on #7: https:\/\/github\.example\/acme\/svc\/pull\/7#issuecomment-1000/);
});

test('later runs update their own comment in place, found on a later page, and leave the others alone', async () => {
  reset(150);
  const first = await step(env());
  assert.equal(first.result, 'created');
  const id = (api.comments.at(-1) as Comment).id;
  api.seen = [];
  const second = await step(env({}, SAME_REPO_PR, '## cachebench comparison: FAIL, 2 of 2 cells regressed\n'));
  assert.equal(second.result, 'updated', second.log.join('\n'));
  assert.equal(api.comments.length, 151, 'no new comment');
  assert.match((api.comments.find((c) => c.id === id) as Comment).body, /2 of 2 cells regressed/);
  assert.deepEqual(api.seen.map((s) => `${s.method} ${s.url.replace(/\?.*/, '')}`), ['GET /repos/acme/svc/issues/7/comments', 'GET /repos/acme/svc/issues/7/comments', `PATCH /repos/acme/svc/issues/comments/${id}`]);
  assert.ok(api.comments.slice(0, 150).every((c, i) => c.body === `someone else's comment ${i + 1}`));
  // Another job's comment (another marker) is not this job's.
  api.seen = [];
  assert.equal((await step(env({ GITHUB_JOB: 'other-job' }))).result, 'created');
});

test("a fork's pull request: no request at all, and the log says why", async () => {
  reset(1);
  const r = await step(env({}, FORK_PR));
  assert.equal(r.result, 'skipped');
  assert.equal(api.seen.length, 0);
  assert.match(r.log.join('\n'), /comes from a fork \(mallory\/svc\).*cannot write comments/);
});

test('skips without a request: comment-on never, a verdict it does not cover, no comparison, not a PR, no token', async () => {
  reset();
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ INPUT_COMMENT_ON: 'never' }, /comment-on: never/],
    [{ INPUT_COMMENT_ON: 'alert', VERDICT: 'ok' }, /comment-on: alert, verdict: ok/],
    [{ INPUT_COMMENT_ON: 'always', VERDICT: 'none' }, /verdict: none/],
    [{ REPORT_DIR: tempDir('cb-pr-empty-') }, /no comparison\.md/],
    [{ GITHUB_EVENT_NAME: 'schedule' }, /not a pull-request event \(schedule\)/],
    [{ GITHUB_TOKEN: '' }, /no token/],
  ];
  for (const [over, why] of cases) {
    const r = await step(env(over));
    assert.equal(r.result, 'skipped', JSON.stringify(over));
    assert.match(r.log.join('\n'), why);
  }
  assert.equal(api.seen.length, 0);
});

test('the API refusing (403) is a warning that names the permission, never an exception', async () => {
  reset();
  api.forceStatus = 403;
  const r = await step(env());
  assert.equal(r.result, 'failed');
  assert.match(r.log.join('\n'), /^::warning::no pull-request comment: GET .*HTTP 403.*pull-requests: write/m);
});

test('a comparison too long for a comment is cut, with the marker kept', () => {
  const body = commentBody(marker('k'), 'x'.repeat(100_000));
  assert.ok(body.length <= 65_536);
  assert.ok(body.startsWith('<!-- cachebench-comment: k -->'));
  assert.match(body, /cut: the whole comparison is in the job summary/);
  assert.equal(marker('a--b>c'), '<!-- cachebench-comment: a-bc -->');
});
