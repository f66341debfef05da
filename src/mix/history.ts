/**
 * A repository's first-parent history with each commit's changed files, in one `git log`
 * (merges diffed against their first parent), and the files at a commit (`git show`),
 * read only where a commit changed them. Works on bare repositories (fetched mirrors) too.
 */
import { run } from '../proc.ts';
import { UsageError } from '../errors.ts';

export interface HistoryCommit {
  sha: string;
  /** First parent, or undefined for a root commit. */
  parent?: string;
  /** Committer date, ISO 8601. */
  date: string;
  /** Repository-relative paths that differ from the first parent (renames as delete + add). */
  files: string[];
}

export interface HistoryOptions {
  branch: string;
  since?: string;
  maxCommits?: number;
}

async function git(repo: string, args: string[], what: string): Promise<string> {
  const r = await run('git', ['-C', repo, '-c', 'core.quotePath=false', ...args], { what, reject: false });
  if (r.exitCode !== 0) throw new UsageError(`${what} failed: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`, 'check --repo and --branch (a git repository and a branch, tag or commit in it)');
  return r.stdout;
}

export async function isShallow(repo: string): Promise<boolean> {
  return (await git(repo, ['rev-parse', '--is-shallow-repository'], 'checking for a shallow clone')).trim() === 'true';
}

export async function assertGitRepo(repo: string): Promise<void> {
  const r = await run('git', ['-C', repo, 'rev-parse', '--git-dir'], { what: 'looking for a git repository', reject: false });
  if (r.exitCode !== 0) throw new UsageError(`${repo} is not a git repository`, 'pass --repo with the path of a git clone (or a git URL)');
}

/** Commits newest first, as `git log --first-parent` lists them. */
export async function readHistory(repo: string, o: HistoryOptions): Promise<HistoryCommit[]> {
  const args = ['log', '--first-parent', '--diff-merges=first-parent', '--no-renames', '--name-only', '--format=%x1e%H%x1f%P%x1f%cI'];
  if (o.since) args.push(`--since=${o.since}`);
  if (o.maxCommits !== undefined) args.push(`--max-count=${o.maxCommits}`);
  args.push(o.branch, '--');
  const out = await git(repo, args, `reading the history of ${o.branch}`);
  const commits: HistoryCommit[] = [];
  for (const record of out.split('\x1e').slice(1)) {
    const [head = '', ...rest] = record.split('\n');
    const [sha = '', parents = '', date = ''] = head.split('\x1f');
    const parent = parents.split(' ').filter(Boolean)[0];
    commits.push({ sha, ...(parent ? { parent } : {}), date, files: rest.map((l) => l.trim()).filter(Boolean) });
  }
  return commits;
}

/** The text of `path` at `commit`, or undefined where it does not exist. */
export async function fileAt(repo: string, commit: string, path: string): Promise<string | undefined> {
  const r = await run('git', ['-C', repo, 'show', `${commit}:${path}`], { what: `reading ${path} at ${commit.slice(0, 12)}`, reject: false });
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** Paths of every file at `commit`. */
export async function filesAt(repo: string, commit: string): Promise<string[]> {
  return (await git(repo, ['ls-tree', '-r', '-z', '--name-only', commit], `listing the files at ${commit.slice(0, 12)}`)).split('\0').filter(Boolean);
}

/** Whether `commit` exists in the repository (a shallow clone lacks the parents of its boundary). */
export async function hasCommit(repo: string, commit: string): Promise<boolean> {
  const r = await run('git', ['-C', repo, 'cat-file', '-e', `${commit}^{commit}`], { what: 'looking up a commit', reject: false });
  return r.exitCode === 0;
}
