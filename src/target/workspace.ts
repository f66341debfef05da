/**
 * Throwaway clones: the fixture (or a user's repository) copied or cloned into a temp
 * folder, prepared (parent commit), and one work tree per scenario commit. The user's
 * own tree is only ever read.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { FixtureConfig } from './fixture.ts';
import type { Scenario } from '../../scenarios/types.ts';
import { discoverNugetSources, writeSources } from './nuget-sources.ts';
import { CachebenchError } from '../errors.ts';

/** Fixed identity and dates make every commit (and so every scenario tree) reproducible. */
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'cachebench',
  GIT_AUTHOR_EMAIL: 'cachebench@localhost',
  GIT_COMMITTER_NAME: 'cachebench',
  GIT_COMMITTER_EMAIL: 'cachebench@localhost',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

export function gitAt(dir: string): SimpleGit {
  // A minimal environment: simple-git refuses editors, pagers and GIT_* hooks from the
  // caller's environment (npm sets EDITOR), and git needs nothing else here.
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return simpleGit({ baseDir: dir, allowEnvironment: Object.keys(GIT_ENV) }).env({ ...env, ...GIT_ENV });
}

export interface ScenarioCheckout {
  scenario: string;
  commit: string;
  dir: string;
}

export interface Workspace {
  root: string;
  /** The prepared clone at the parent commit. */
  parentDir: string;
  parentCommit: string;
  /** The source's own commit, when it is a git repository. */
  sourceCommit?: string;
  checkouts: Map<string, ScenarioCheckout>;
  cleanup(): void;
}

const EXCLUDE = new Set(['bin', 'obj', '.git', 'node_modules', 'TestResults', '.vs']);

export const PREPARE_STEPS: Record<string, (dir: string) => Promise<void>> = {
  /** Writes the machine's NuGet sources into the clone's nuget.config. */
  'nuget-sources': async (dir) => writeSources(path.join(dir, 'nuget.config'), await discoverNugetSources()),
};

export async function createWorkspace(
  fixture: FixtureConfig,
  scenarios: Scenario[],
  opts: { tmpRoot?: string } = {},
): Promise<Workspace> {
  const root = mkdtempSync(path.join(opts.tmpRoot ?? os.tmpdir(), 'cachebench-ws-'));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  try {
    const parentDir = path.join(root, 'parent');
    let sourceCommit: string | undefined;
    const isRepo = existsSync(path.join(fixture.dir, '.git'));
    if (isRepo) {
      await simpleGit().clone(fixture.dir, parentDir, ['--no-hardlinks', '--quiet']);
      sourceCommit = (await gitAt(parentDir).revparse(['HEAD'])).trim();
    } else {
      cpSync(fixture.dir, parentDir, { recursive: true, filter: (src) => !EXCLUDE.has(path.basename(src)) });
      const git = gitAt(parentDir);
      await git.init(['--quiet', '--initial-branch=main']);
      await git.add('-A');
      await git.commit(`fixture ${fixture.name}`);
    }
    const git = gitAt(parentDir);
    for (const step of fixture.prepare) {
      const fn = PREPARE_STEPS[step];
      if (!fn) throw new CachebenchError(`unknown prepare step "${step}" in fixture ${fixture.name}`, { exitCode: 2, hint: `known: ${Object.keys(PREPARE_STEPS).join(', ')}` });
      await fn(parentDir);
    }
    if (fixture.prepare.length > 0) {
      await git.add('-A');
      await git.commit(`cachebench: prepare (${fixture.prepare.join(', ')})`, { '--allow-empty': null });
    }
    const parentCommit = (await git.revparse(['HEAD'])).trim();
    const checkouts = new Map<string, ScenarioCheckout>();
    for (const s of scenarios) {
      const dir = path.join(root, s.name);
      await git.raw(['worktree', 'add', '--detach', '--quiet', dir, parentCommit]);
      const wt = gitAt(dir);
      await s.apply({ dir, git: wt, fixture });
      const commit = (await wt.revparse(['HEAD'])).trim();
      if (commit === parentCommit) throw new CachebenchError(`scenario ${s.name} made no commit`, { exitCode: 2, hint: 'a scenario must commit exactly once' });
      checkouts.set(s.name, { scenario: s.name, commit, dir });
    }
    return { root, parentDir, parentCommit, ...(sourceCommit ? { sourceCommit } : {}), checkouts, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}
