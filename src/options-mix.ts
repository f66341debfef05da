/**
 * `--mix-from mix.json|DIR`: the commit mix of a repository's history, as `cachebench mix`
 * writes it, read and checked before any work starts. Every problem is a UsageError that
 * names the file and says how to get a good one. The run's commit mix is the file's
 * weights of the scenarios the run measures, renormalised; the other classes are
 * reported as not covered (src/report/mix-coverage.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import AjvModule from 'ajv';
import { UsageError } from './errors.ts';
import type { MixSource } from './results/types.ts';

export const MIX_FILE = 'mix.json';
export const MIX_SCHEMA_VERSION = 1;

/** The commit classes `cachebench mix` counts; the first three are scenarios cachebench measures. */
export const MIX_CLASSES = ['no-change', 'code-change', 'dependency-change', 'dockerfile-change', 'base-image-change'] as const;

/** How far the weights may be from adding up to 1 (rounding in the writer). */
export const WEIGHT_SUM_TOLERANCE = 1e-3;

const REMAKE = 'write it again with `cachebench mix --repo PATH|GIT-URL`, or give the weights with --mix';

const classMap = (type: object) => ({ type: 'object', required: [...MIX_CLASSES], properties: Object.fromEntries(MIX_CLASSES.map((c) => [c, type])) });

const schema = {
  type: 'object',
  required: ['schemaVersion', 'repository', 'branch', 'range', 'commits', 'skipped', 'shallow', 'counts', 'weights', 'commitsPerDay', 'generatedAt'],
  properties: {
    repository: { type: 'string' },
    branch: { type: 'string' },
    range: {
      type: 'object',
      required: ['first', 'last', 'firstDate', 'lastDate'],
      properties: {
        since: { type: 'string' },
        maxCommits: { type: 'integer', minimum: 1 },
        first: { type: 'string' },
        last: { type: 'string' },
        firstDate: { type: 'string' },
        lastDate: { type: 'string' },
      },
    },
    commits: { type: 'integer', minimum: 0 },
    skipped: { type: 'integer', minimum: 0 },
    shallow: { type: 'boolean' },
    counts: classMap({ type: 'integer', minimum: 0 }),
    weights: classMap({ type: 'number', minimum: 0, maximum: 1 }),
    commitsPerDay: {
      type: 'object',
      required: ['mean', 'median', 'days'],
      properties: { mean: { type: 'number', minimum: 0 }, median: { type: 'number', minimum: 0 }, days: { type: 'number', minimum: 0 } },
    },
    generatedAt: { type: 'string' },
  },
};

const Ajv = AjvModule as unknown as typeof AjvModule.default;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

interface MixDocument extends Omit<MixSource, 'file'> {
  schemaVersion: number;
  counts: Record<string, number>;
}

/** The file itself, or DIR/mix.json. */
function mixPath(fileOrDir: string, flag: string): string {
  const file = path.resolve(existsSync(fileOrDir) && statSync(fileOrDir).isDirectory() ? path.join(fileOrDir, MIX_FILE) : fileOrDir);
  if (!existsSync(file)) throw new UsageError(`${flag}: ${file} does not exist`, `give the mix.json that \`cachebench mix\` wrote (or its folder); ${REMAKE}`);
  return file;
}

function parse(file: string, flag: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${flag}: ${file} is not valid JSON: ${(err as Error).message}`, REMAKE);
  }
}

/** The checks a schema cannot make: the version first (a newer file fails the rest for that reason), commits, weights adding up to 1. */
function check(doc: unknown, file: string, flag: string): MixDocument {
  const version = (doc as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== MIX_SCHEMA_VERSION) {
    throw new UsageError(`${flag}: ${file} has schemaVersion ${JSON.stringify(version)}; this cachebench reads schemaVersion ${MIX_SCHEMA_VERSION}`, REMAKE);
  }
  if (!validate(doc)) {
    const problems = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
    throw new UsageError(`${flag}: ${file} is not a cachebench mix file: ${problems.join('; ')}`, REMAKE);
  }
  const mix = doc as unknown as MixDocument;
  if (mix.commits === 0) throw new UsageError(`${flag}: ${file} classifies no commits (${mix.skipped} skipped)`, `widen the range of \`cachebench mix\` (--since, --max-commits) or check that the branch has a Dockerfile; ${REMAKE}`);
  const sum = MIX_CLASSES.reduce((a, c) => a + (mix.weights[c] as number), 0);
  if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
    throw new UsageError(`${flag}: the weights in ${file} add up to ${Number(sum.toFixed(6))}, not 1`, `each weight is its class's count / commits; do not edit them by hand: ${REMAKE}`);
  }
  return mix;
}

/** Reads and checks a mix.json (or DIR/mix.json); throws a UsageError naming the file and the fix. */
export function readMixFile(fileOrDir: string, flag = '--mix-from'): MixSource {
  const file = mixPath(fileOrDir, flag);
  const m = check(parse(file, flag), file, flag);
  const range = {
    ...(m.range.since !== undefined ? { since: m.range.since } : {}),
    ...(m.range.maxCommits !== undefined ? { maxCommits: m.range.maxCommits } : {}),
    first: m.range.first,
    last: m.range.last,
    firstDate: m.range.firstDate,
    lastDate: m.range.lastDate,
  };
  const weights = Object.fromEntries(MIX_CLASSES.map((c) => [c, m.weights[c] as number]));
  const { mean, median, days } = m.commitsPerDay;
  return { file, repository: m.repository, branch: m.branch, range, commits: m.commits, skipped: m.skipped, shallow: m.shallow, weights, commitsPerDay: { mean, median, days }, generatedAt: m.generatedAt };
}

/**
 * The run's commit mix from a history: the weights of the scenarios it measures,
 * renormalised to add up to 1. No weight on any of them is a UsageError.
 */
export function mixFromHistory(source: MixSource, scenarios: readonly string[], flag = '--mix-from'): Record<string, number> {
  const covered = scenarios.filter((s) => (source.weights[s] ?? 0) > 0);
  const total = covered.reduce((a, s) => a + (source.weights[s] as number), 0);
  if (total <= 0) {
    const has = Object.entries(source.weights).filter(([, w]) => w > 0).map(([c]) => c);
    throw new UsageError(`${flag}: ${source.file} gives the scenarios this run measures (${scenarios.join(', ')}) no weight; its commits are ${has.join(', ')}`, 'measure the scenarios its history has (--scenarios), or give the weights with --mix');
  }
  return Object.fromEntries(covered.map((s) => [s, (source.weights[s] as number) / total]));
}
