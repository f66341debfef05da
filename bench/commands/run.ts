/**
 * `cachebench run`: the benchmark matrix, then the reports (and a comparison with
 * --baseline). Exit code from the run's outcome (runOutcome), raised by a regression;
 * 130 when interrupted. Results are kept, and said where, when the run stops early.
 */
import path from 'node:path';
import { existsSync, lstatSync, rmSync, symlinkSync } from 'node:fs';
import { formatError } from '../../src/errors.ts';
import { parseRunOptions, RUN_USAGE, checkOutDir, type RunOptions } from '../../src/options.ts';
import { scenarioNames } from '../../scenarios/index.ts';
import { connectEngine, releaseEngine, type Engine } from '../../src/engine/index.ts';
import { runBenchmark } from '../../src/run/index.ts';
import { runOutcome } from '../../src/run/outcome.ts';
import { recipeNames } from '../../src/base-images/index.ts';
import { Progress, fmtMs } from '../../src/progress.ts';
import { projectRoot } from '../../src/paths.ts';
import { readResults } from '../../src/results/io.ts';
import type { Results } from '../../src/results/types.ts';
import { loadTarget, type Target } from '../../src/target/index.ts';
import { writeReports } from '../../src/report/index.ts';
import { appendJobSummary, loadAndCompare, writeComparison, type Comparison } from '../../src/compare/index.ts';
import { renderComparisonMarkdown } from '../../src/compare/markdown.ts';
import { logErr, out } from './io.ts';

export async function cmdRun(argv: string[]): Promise<number> {
  const opts = parseRunOptions(argv, await scenarioNames());
  if (opts === 'help') return out(RUN_USAGE), 0;
  checkOutDir(opts.outDir);
  // Bad input is reported before anything starts (the engine included).
  if (opts.baseline) readResults(opts.baseline);
  const target = await loadTarget(opts, logErr);
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\n${sig}: stopping the current build and saving results…\n`);
    controller.abort();
  };
  // `on`, not `once`: execa's signal-exit re-raises a signal that has no other listener left.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = new Progress(0);
  let engine;
  try {
    engine = await connectEngine({ start: true, log: (s) => progress.log(s) });
  } catch (err) {
    target.cleanup();
    throw err;
  }
  const started = performance.now();
  try {
    return await measureAndReport(engine, opts, progress, controller.signal, target, started);
  } catch (err) {
    progress.stop();
    await keepResultsSoFar(opts, argv);
    if (controller.signal.aborted) {
      process.stderr.write('interrupted\n');
      return 130;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await releaseEngine(engine);
    target.cleanup();
  }
}

async function measureAndReport(engine: Engine, opts: RunOptions, progress: Progress, signal: AbortSignal, target: Target, started: number): Promise<number> {
  const results = await runBenchmark(engine, opts, { progress, signal }, target.fixture);
  // The first line at the end says what could not be measured and why (exit 1), or the
  // setup problem that stopped the run (exit 2); results and reports are written either way.
  const outcome = runOutcome(results, recipeNames());
  progress.stop();
  if (outcome.error) process.stderr.write(formatError(outcome.error) + '\n');
  else if (outcome.headline) out(outcome.headline);
  let exitCode: number = outcome.exitCode;
  const comparison = opts.baseline ? compareWithBaseline(opts, opts.baseline, results) : undefined;
  if (comparison && exitCode !== 2) exitCode = Math.max(exitCode, comparison.exitCode);
  const files = await writeReports(results, opts.outDir, comparison ? { ...comparison, markdown: renderComparisonMarkdown(comparison) } : undefined);
  progress.stop();
  if (!opts.outGiven) linkLatest(opts.outDir);
  out(`done in ${fmtMs(performance.now() - started)}; wrote ${files.length} files to ${opts.outDir}`);
  return exitCode;
}

/** --baseline: the comparison written next to the results, to the job summary and to stdout. */
function compareWithBaseline(opts: RunOptions, baseline: string, results: Results): Comparison {
  const comparison = loadAndCompare(baseline, opts.outDir, { failOn: opts.failOn, absolute: opts.absolute }).comparison;
  const markdown = renderComparisonMarkdown(comparison);
  writeComparison(opts.outDir, results, comparison, markdown);
  appendJobSummary(markdown);
  out(markdown);
  return comparison;
}

/** After a failure: reports of what was measured, and the command that resumes the run. */
async function keepResultsSoFar(opts: RunOptions, argv: string[]): Promise<void> {
  if (!existsSync(path.join(opts.outDir, 'results.json'))) return;
  try {
    await writeReports(readResults(opts.outDir), opts.outDir);
  } catch {
    /* reports are best effort after a failure */
  }
  const again = argv.filter((a) => a !== '--resume');
  if (!opts.outGiven) again.push('--out', opts.outDir);
  process.stderr.write(`results so far are in ${opts.outDir}; continue with: npm run bench -- ${again.join(' ')} --resume\n`);
}

function linkLatest(outDir: string): void {
  const latest = path.join(projectRoot, 'reports', 'latest');
  try {
    if (existsSync(latest) || lstatSync(latest, { throwIfNoEntry: false })) rmSync(latest, { force: true, recursive: false });
    symlinkSync(path.relative(path.dirname(latest), outDir), latest);
  } catch {
    /* a convenience only */
  }
}
