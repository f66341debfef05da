/**
 * The composite action (action.yml) run the way a runner runs it, on the tiny fixture and the
 * real engine: each step's `run:` script is written to a file and run with
 * `bash --noprofile --norc -eo pipefail FILE` (the runner's `shell: bash`) in its
 * `working-directory`, with the step's `env:` and the runner's variables — GITHUB_WORKSPACE
 * (a temp folder holding the baseline), GITHUB_ACTION_PATH (this checkout), a fresh
 * GITHUB_OUTPUT file per step, one GITHUB_STEP_SUMMARY file, GITHUB_EVENT_NAME/PATH (a
 * pull_request event), GITHUB_API_URL (a local server playing the API for the PR comment).
 *
 * Expressions are substituted as the runner evaluates them, and only these (any other fails
 * the test, so action.yml cannot use one this test does not play):
 *   ${{ inputs.NAME }}               the `with:` value below, else the input's default (itself substituted)
 *   ${{ github.action_path }}        this checkout
 *   ${{ github.token }}              a fake token
 *   ${{ steps.ID.outputs.KEY }}      what step ID wrote to its GITHUB_OUTPUT ('' if nothing)
 *
 * Steps not run here, each for its reason (SKIPPED): setup-node and upload-artifact are
 * JavaScript actions from GitHub (not reachable here; Node 20 is already installed; for the
 * upload its `path` is checked to be the report folder); `install` (npm ci) would re-install
 * the node_modules this checkout already has; `engine` would re-provision the embedded engine
 * (`npm run setup`, which `npm run setup` already did and which stops the shared engine at
 * its end) or start a registry container on a system Docker this machine does not have. Every
 * other step runs for real, in order, and must succeed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parse } from 'yaml';
import { mermaidBlocks } from '../unit/helpers/mermaid-parse.ts';
import { tempDir } from '../unit/helpers/temp-dir.ts';

const root = path.join(import.meta.dirname, '..', '..');

interface Step {
  id: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  'working-directory'?: string;
}

interface Action {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const SKIPPED: Record<string, string> = {
  node: 'actions/setup-node: a JavaScript action from GitHub; Node 20 is installed here',
  install: 'npm ci: this checkout is installed (it would re-install node_modules under the running tests)',
  engine: 'npm run setup would re-provision and then stop the shared embedded engine (no system Docker here)',
  upload: 'actions/upload-artifact: needs the Actions artifact service; its path is checked instead',
};

const WITH: Record<string, string> = {
  fixture: 'tiny',
  profile: 'quick',
  // Two modes keep the test short; the action passes them through like any input.
  modes: 'none,registry-max',
  'network-profile': 'loopback',
  'extra-args': '--no-calibration',
  baseline: 'baselines/tiny.json',
  // A recorded run from another day is the baseline: its verdict is noise, so the job must not fail on it.
  'fail-on': 'never',
  'comment-on': 'always',
};

const TOKEN = 'ghs_local-test-token';
const action = parse(readFileSync(path.join(root, 'action.yml'), 'utf8')) as Action;
const stepOutputs = new Map<string, Record<string, string>>();
const ran: Array<{ id: string; code: number; ms: number }> = [];
let workspace: string;
let summaryFile: string;
let server: Server;
const posted: Array<{ url: string; body: string; auth: string | undefined }> = [];

/** A runner's evaluation of the expressions this action uses (see the header). */
function substitute(text: string): string {
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    const input = /^inputs\.([\w-]+)$/.exec(expr);
    if (input) {
      const name = input[1] as string;
      assert.ok(name in action.inputs, `action.yml reads inputs.${name}, which it does not declare`);
      return WITH[name] ?? substitute(action.inputs[name]?.default ?? '');
    }
    const out = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
    if (out) return stepOutputs.get(out[1] as string)?.[out[2] as string] ?? '';
    if (expr === 'github.action_path') return root;
    if (expr === 'github.token') return TOKEN;
    throw new Error(`the test does not play the expression \${{ ${expr} }}: add it to the substitutions (and the header) or keep it out of run steps`);
  });
}

/** A GITHUB_OUTPUT file: key=value lines and key<<DELIMITER heredocs. */
function readOutputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const here = /^([^=<]+)<<(.+)$/.exec(line);
    if (here) {
      const end = lines.indexOf(here[2] as string, i + 1);
      out[here[1] as string] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return out;
}

/** This machine's environment without what the test runner adds for its own children. */
function hostEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NODE_TEST')));
}

/** The variables a runner gives every step of this job. */
function runnerEnv(outputFile: string): Record<string, string> {
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTION_PATH: root,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: path.join(workspace, '..', 'event.json'),
    GITHUB_REPOSITORY: 'acme/svc',
    GITHUB_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: '4242',
    GITHUB_WORKFLOW: 'cachebench',
    GITHUB_JOB: 'bench',
    RUNNER_TEMP: tempDir('cb-action-runner-temp-'),
  };
}

/**
 * One `run:` step as the runner runs `shell: bash`; its outputs are kept for later expressions.
 * Asynchronous: the fake API answers from this process while the step runs.
 */
async function runStep(step: Step): Promise<number> {
  assert.equal(step.shell, 'bash', `${step.id}: shell`);
  assert.equal(step.if, undefined, `${step.id}: a run step's condition would need evaluating; keep conditions in the script`);
  const dir = tempDir(`cb-action-step-${step.id}-`);
  const script = path.join(dir, 'script.sh');
  writeFileSync(script, substitute(step.run ?? ''));
  const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(String(v))]));
  const started = Date.now();
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    cwd: step['working-directory'] ? substitute(step['working-directory']) : workspace,
    env: { ...hostEnv(), ...runnerEnv(path.join(dir, 'output')), ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : -1))));
  stepOutputs.set(step.id, readOutputs(path.join(dir, 'output')));
  ran.push({ id: step.id, code, ms: Date.now() - started });
  return code;
}

before(() => {
  workspace = path.join(tempDir('cb-action-'), 'workspace');
  mkdirSync(path.join(workspace, 'baselines'), { recursive: true });
  copyFileSync(path.join(root, 'test', 'fixtures', 'results-tiny-quick.json'), path.join(workspace, 'baselines', 'tiny.json'));
  writeFileSync(path.join(workspace, '..', 'event.json'), JSON.stringify({ pull_request: { number: 7, head: { repo: { full_name: 'acme/svc' } }, base: { repo: { full_name: 'acme/svc' } } } }));
  summaryFile = path.join(workspace, '..', 'step-summary.md');
  writeFileSync(summaryFile, '');
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method === 'POST') posted.push({ url: req.url ?? '', body, auth: req.headers.authorization });
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json' });
      res.end(req.method === 'POST' ? JSON.stringify({ id: 1, html_url: 'https://github.example/acme/svc/pull/7#issuecomment-1' }) : '[]');
    });
  });
  return new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('the action runs step by step on the tiny fixture: every run step succeeds', async () => {
  assert.equal(action.runs.using, 'composite');
  const ids = action.runs.steps.map((s) => s.id);
  assert.ok(ids.every((id) => typeof id === 'string'), 'every step has an id');
  for (const step of action.runs.steps) {
    if (step.id in SKIPPED) continue;
    assert.ok(step.run, `${step.id}: a step that is not run here must be in SKIPPED with its reason`);
    const code = await runStep(step);
    assert.equal(code, 0, `step ${step.id} exited ${code}`);
  }
  assert.deepEqual(ran.map((r) => r.id), ids.filter((id) => !(id in SKIPPED)));
  assert.deepEqual(Object.keys(SKIPPED).filter((id) => !ids.includes(id)), [], 'SKIPPED names only steps of action.yml');
  process.stderr.write(`# steps: ${ran.map((r) => `${r.id} ${(r.ms / 1000).toFixed(1)} s`).join(', ')}\n`);
});

test('the report folder, where the upload step points', () => {
  const dir = stepOutputs.get('bench')?.['report-dir'] ?? '';
  assert.equal(dir, path.join(workspace, 'cachebench-report'));
  for (const f of ['results.json', 'report.md', 'report.html', 'summary.csv', 'comparison.md', 'comparison.json', 'benchmark.json']) assert.ok(existsSync(path.join(dir, f)), f);
  const upload = action.runs.steps.find((s) => s.id === 'upload');
  assert.equal(substitute(upload?.with?.path ?? ''), dir);
  assert.equal(substitute(upload?.with?.name ?? ''), 'cachebench-report');
  assert.equal(mermaidBlocks(readFileSync(path.join(dir, 'report.md'), 'utf8')).length, 1, 'report.md has its chart');
  assert.equal(mermaidBlocks(readFileSync(path.join(dir, 'comparison.md'), 'utf8')).length, 1, 'comparison.md has its chart');
});

test('the outputs of the action, from the steps GITHUB_OUTPUT files', () => {
  const outputs = Object.fromEntries(Object.entries(action.outputs).map(([k, o]) => [k, substitute(o.value)]));
  assert.deepEqual(Object.keys(outputs).sort(), ['exit-code', 'expected-time', 'report-dir', 'verdict', 'winner']);
  assert.equal(outputs['report-dir'], path.join(workspace, 'cachebench-report'));
  assert.match(outputs.verdict ?? '', /^(ok|improved|alert|fail)$/);
  const expected = JSON.parse(outputs['expected-time'] ?? '') as Record<string, number>;
  assert.deepEqual(Object.keys(expected), ['none', 'registry-max']);
  for (const [mode, s] of Object.entries(expected)) assert.ok(typeof s === 'number' && s > 0 && s < 120, `${mode}: ${s}`);
  assert.ok(outputs.winner && outputs.winner in expected);
  assert.equal(outputs['exit-code'], '0');
});

test('the job summary: the answer, the chart of the means, the comparison with its chart, written once', () => {
  const summary = readFileSync(summaryFile, 'utf8');
  assert.match(summary, /^## cachebench: tiny$/m);
  assert.equal((summary.match(/^## cachebench comparison:/gm) ?? []).length, 1, 'compare did not append it a second time');
  const blocks = mermaidBlocks(summary);
  assert.equal(blocks.length, 2);
  assert.match(blocks[1] ?? '', /line "baseline"/);
});

test('the PR comment went to the API from the environment, with the token and the comparison', () => {
  assert.equal(posted.length, 1);
  assert.equal(posted[0]?.url, '/repos/acme/svc/issues/7/comments');
  assert.equal(posted[0]?.auth, `Bearer ${TOKEN}`);
  assert.match(posted[0]?.body ?? '', /cachebench-comment: cachebench\/bench\/cachebench-report.*## cachebench comparison/s);
});
