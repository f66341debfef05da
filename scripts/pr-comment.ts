/**
 * The action's "Pull-request comment" step (action.yml): posts comparison.md as a comment
 * on the pull request through the GitHub REST API, and on later runs updates that same
 * comment (found by a hidden marker) instead of adding one. It never fails the job: a
 * comment that cannot be posted is a warning in the log.
 * Skips, saying why: comment-on never or a verdict it does not cover; no comparison; not a
 * pull-request event; a pull_request from a fork (its token cannot write; pull_request_target
 * can); no token; 403/404 from the API.
 * Environment: INPUT_COMMENT_ON (fail|alert|always|never), VERDICT, REPORT_DIR, GITHUB_TOKEN,
 * GITHUB_API_URL, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_SERVER_URL,
 * GITHUB_RUN_ID, GITHUB_WORKFLOW, GITHUB_JOB, INPUT_ARTIFACT_NAME.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export type CommentOn = 'fail' | 'alert' | 'always' | 'never';

export interface PullRequest {
  owner: string;
  repo: string;
  number: number;
}

/** What a comment step decided: post to this PR, or skip with the reason for the log. */
export type Decision = { post: PullRequest } | { skip: string };

/** GitHub's limit for a comment body is 65,536 characters. */
const MAX_BODY = 65_000;

/** Whether comment-on covers the verdict (`none`: nothing was compared, so nothing to post). */
export function wanted(on: CommentOn, verdict: string): boolean {
  if (on === 'never' || verdict === 'none' || verdict === '') return false;
  if (on === 'always') return true;
  if (on === 'alert') return verdict === 'alert' || verdict === 'fail';
  return verdict === 'fail';
}

type Dict = Record<string, unknown>;
const dict = (x: unknown): Dict => (typeof x === 'object' && x !== null ? (x as Dict) : {});

/** The pull request of the event, or why there is none to comment on. */
export function pullRequestOf(eventName: string, event: unknown, repository: string): Decision {
  if (eventName !== 'pull_request' && eventName !== 'pull_request_target') return { skip: `not a pull-request event (${eventName || 'unknown'}): no comment` };
  const pr = dict(dict(event).pull_request);
  const number = pr.number;
  if (typeof number !== 'number') return { skip: 'the event has no pull_request.number: no comment' };
  const head = dict(dict(pr.head).repo).full_name;
  const base = dict(dict(pr.base).repo).full_name ?? repository;
  if (eventName === 'pull_request' && head !== base) {
    return { skip: `pull request #${number} comes from a fork (${typeof head === 'string' ? head : 'a deleted repository'}): on pull_request events its token cannot write comments, so none is posted (the comparison is in the job summary; a pull_request_target workflow can comment)` };
  }
  const [owner, repo] = (typeof base === 'string' ? base : repository).split('/');
  if (!owner || !repo) return { skip: `cannot tell the repository (GITHUB_REPOSITORY="${repository}"): no comment` };
  return { post: { owner, repo, number } };
}

/** The hidden marker that finds this job's earlier comment. */
export function marker(key: string): string {
  return `<!-- cachebench-comment: ${key.replace(/--+/g, '-').replace(/>/g, '')} -->`;
}

export function commentBody(mark: string, comparison: string, runUrl?: string, artifactName?: string): string {
  const foot = runUrl ? `\n\n[Workflow run](${runUrl})${artifactName ? `: the full report is the artifact \`${artifactName}\`` : ''}.` : '';
  const room = MAX_BODY - mark.length - foot.length - 100;
  const text = comparison.trim();
  const body = text.length > room ? `${text.slice(0, room)}\n\n… (cut: the whole comparison is in the job summary)` : text;
  return `${mark}\n${body}${foot}\n`;
}

export interface Api {
  url: string;
  token: string;
  fetch?: typeof fetch;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function call(api: Api, method: string, route: string, body?: unknown): Promise<unknown> {
  const res = await (api.fetch ?? fetch)(`${api.url.replace(/\/+$/, '')}${route}`, {
    method,
    headers: { Authorization: `Bearer ${api.token}`, Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28', 'User-Agent': 'cachebench-action', ...(body ? { 'Content-Type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new ApiError(`${method} ${route}: HTTP ${res.status} ${text.slice(0, 200)}`, res.status);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** This job's earlier comment on the PR (the first whose body holds the marker), over every page. */
export async function findComment(api: Api, pr: PullRequest, mark: string): Promise<number | undefined> {
  for (let page = 1; page <= 50; page++) {
    const list = await call(api, 'GET', `/repos/${pr.owner}/${pr.repo}/issues/${pr.number}/comments?per_page=100&page=${page}`);
    if (!Array.isArray(list)) throw new ApiError(`GET comments: expected a list, got ${typeof list}`, 0);
    const own = list.map(dict).find((c) => typeof c.body === 'string' && c.body.includes(mark) && typeof c.id === 'number');
    if (own) return own.id as number;
    if (list.length < 100) return undefined;
  }
  return undefined;
}

/** Creates the comment, or updates this job's earlier one. */
export async function upsertComment(api: Api, pr: PullRequest, mark: string, body: string): Promise<{ action: 'created' | 'updated'; id: number; url: string }> {
  const existing = await findComment(api, pr, mark);
  const res = dict(
    existing === undefined
      ? await call(api, 'POST', `/repos/${pr.owner}/${pr.repo}/issues/${pr.number}/comments`, { body })
      : await call(api, 'PATCH', `/repos/${pr.owner}/${pr.repo}/issues/comments/${existing}`, { body }),
  );
  return { action: existing === undefined ? 'created' : 'updated', id: typeof res.id === 'number' ? res.id : (existing ?? 0), url: typeof res.html_url === 'string' ? res.html_url : '' };
}

/** Everything before the API: what to post where, or why not. */
export function decide(env: NodeJS.ProcessEnv): { skip: string } | { pr: PullRequest; comparison: string } {
  const on = (env.INPUT_COMMENT_ON ?? 'never') as CommentOn;
  const verdict = env.VERDICT ?? 'none';
  if (!wanted(on, verdict)) return { skip: `comment-on: ${on}, verdict: ${verdict}: no comment` };
  const file = path.join(env.REPORT_DIR ?? '', 'comparison.md');
  if (!env.REPORT_DIR || !existsSync(file)) return { skip: `no comparison.md in ${env.REPORT_DIR ?? '(no report folder)'}: no comment` };
  let event: unknown = {};
  try {
    event = env.GITHUB_EVENT_PATH ? (JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as unknown) : {};
  } catch (err) {
    return { skip: `cannot read the event (${(err as Error).message}): no comment` };
  }
  const d = pullRequestOf(env.GITHUB_EVENT_NAME ?? '', event, env.GITHUB_REPOSITORY ?? '');
  if ('skip' in d) return d;
  if (!env.GITHUB_TOKEN) return { skip: 'no token (input github-token is empty): no comment' };
  return { pr: d.post, comparison: readFileSync(file, 'utf8') };
}

/** The step: posts or skips, and says which in the log; never throws for the API's refusals. */
export async function runCommentStep(env: NodeJS.ProcessEnv, log: (line: string) => void = (l) => process.stdout.write(l + '\n'), fetchImpl?: typeof fetch): Promise<'created' | 'updated' | 'skipped' | 'failed'> {
  const d = decide(env);
  if ('skip' in d) return log(d.skip), 'skipped';
  const api: Api = { url: env.GITHUB_API_URL || 'https://api.github.com', token: env.GITHUB_TOKEN ?? '', ...(fetchImpl ? { fetch: fetchImpl } : {}) };
  const runUrl = env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  const mark = marker(`${env.GITHUB_WORKFLOW ?? ''}/${env.GITHUB_JOB ?? ''}/${env.INPUT_ARTIFACT_NAME ?? ''}`);
  try {
    const r = await upsertComment(api, d.pr, mark, commentBody(mark, d.comparison, runUrl, env.INPUT_ARTIFACT_NAME));
    log(`${r.action} the comparison comment on #${d.pr.number}${r.url ? `: ${r.url}` : ''}`);
    return r.action;
  } catch (err) {
    const status = err instanceof ApiError ? err.status : 0;
    const why = status === 403 || status === 404 ? 'the token may not write pull-request comments (give the job `permissions: pull-requests: write`; on forks\' pull requests it cannot)' : 'the comparison is still in the job summary';
    log(`::warning::no pull-request comment: ${(err as Error).message} — ${why}`);
    return 'failed';
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runCommentStep(process.env);
