/** The I/O edge of compare: reads the two runs, writes comparison files, the job summary and baselines. */
import { appendFileSync, copyFileSync, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Results } from '../results/types.ts';
import { UsageError } from '../errors.ts';
import { RESULTS_FILE, readResults } from '../results/io.ts';
import { projectRoot } from '../paths.ts';
import { renderBenchmarkJson, renderComparisonMarkdown } from './markdown.ts';
import { compareResults, resolveCompareOptions } from './verdicts.ts';
import type { Comparison, CompareOptions } from './types.ts';

function readSide(which: 'baseline' | 'current', fileOrDir: string): Results {
  try {
    return readResults(fileOrDir);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${which}: ${err.message}`, err.hint);
    throw err;
  }
}

/** Reads both results files (or run folders) and compares them; bad input is a UsageError naming the side and file. */
export function loadAndCompare(baselinePath: string, currentPath: string, opts: Partial<CompareOptions> = {}): { baseline: Results; current: Results; comparison: Comparison } {
  const o = resolveCompareOptions(opts);
  const baseline = readSide('baseline', baselinePath);
  const current = readSide('current', currentPath);
  return { baseline, current, comparison: compareResults(baseline, current, o) };
}

/** Where compare writes by default: beside the current run's results, i.e. its folder, or the folder of the results file given. */
export function defaultCompareOutDir(currentPath: string): string {
  const full = path.resolve(currentPath);
  return existsSync(full) && statSync(full).isDirectory() ? full : path.dirname(full);
}

export const COMPARISON_FILES = { markdown: 'comparison.md', json: 'comparison.json', benchmark: 'benchmark.json' } as const;

/** Writes comparison.md, comparison.json and benchmark.json into `dir`; returns their paths. */
export function writeComparison(dir: string, current: Results, comparison: Comparison, markdown = renderComparisonMarkdown(comparison)): string[] {
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, string]> = [
    [COMPARISON_FILES.markdown, markdown.endsWith('\n') ? markdown : markdown + '\n'],
    [COMPARISON_FILES.json, JSON.stringify(comparison, null, 2) + '\n'],
    [COMPARISON_FILES.benchmark, renderBenchmarkJson(current, comparison)],
  ];
  return files.map(([name, text]) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  });
}

/** Appends to the GitHub Actions job summary when running in Actions; returns the file or undefined. */
export function appendJobSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return undefined;
  appendFileSync(file, (markdown.endsWith('\n') ? markdown : markdown + '\n') + '\n');
  return file;
}

/** Default baseline file of a fixture: baselines/<fixture>.json in the project. */
export function defaultBaselinePath(fixture: string): string {
  const name = path.basename(fixture).replace(/[^A-Za-z0-9._-]/g, '-') || 'baseline';
  return path.join(projectRoot, 'baselines', `${name}.json`);
}

/**
 * Copies a complete run's results.json to the baseline path (atomically: temp file, then
 * rename). Refuses runs that did not complete, since a partial baseline would hide regressions.
 */
export function saveBaseline(fromPath: string, toPath?: string): { file: string; results: Results; failedRuns: number } {
  const results = readSide('baseline', fromPath);
  if (results.status !== 'complete') {
    throw new UsageError(`--from: the run in ${fromPath} has status "${results.status}", not "complete"`, 'save only a run that finished (continue it with `npm run bench -- --out DIR --resume`)');
  }
  const source = statSync(fromPath).isDirectory() ? path.join(fromPath, RESULTS_FILE) : fromPath;
  const file = path.resolve(toPath ?? defaultBaselinePath(results.plan.fixture));
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  copyFileSync(source, tmp);
  renameSync(tmp, file);
  const failedRuns = results.cells.reduce((n, c) => n + c.runs.filter((r) => r.status === 'failed').length, 0);
  return { file, results, failedRuns };
}
