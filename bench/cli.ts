/**
 * cachebench's command line: parse argv, call the pipeline, set the exit code.
 * 0 = done, 1 = the work failed (a build, a regression), 2 = bad input or setup.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { existsSync, lstatSync, rmSync, symlinkSync } from 'node:fs';
import { CachebenchError, UsageError, formatError } from '../src/errors.ts';
import { parseRunOptions, RUN_USAGE, checkOutDir } from '../src/options.ts';
import { scenarioNames } from '../scenarios/index.ts';
import { builderInfo, connectEngine, engineInfo, problems, releaseEngine, type BuilderInfo } from '../src/engine/index.ts';
import { embeddedStatus, startEmbedded, stopEmbedded } from '../src/engine/embedded.ts';
import { readProvisioned } from '../src/engine/provision.ts';
import { runBenchmark } from '../src/runner.ts';
import { Progress, fmtMs } from '../src/progress.ts';
import { projectRoot } from '../src/paths.ts';
import { readResults, writeResults } from '../src/results.ts';
import { rephase } from '../src/rephase.ts';
import { parseRef, referencedBlobs } from '../src/registry.ts';
import type { Results } from '../src/types.ts';
import { mergeResults } from '../src/merge.ts';
import { loadTarget } from '../src/target.ts';
import { writeReports } from '../src/report/index.ts';
import { appendJobSummary, defaultCompareOutDir, loadAndCompare, saveBaseline, writeComparison, type Comparison, type CompareOptions } from '../src/compare.ts';
import { renderComparisonMarkdown } from '../src/report/compare-md.ts';

const USAGE = `Usage: cachebench <command> [options]

Measures which Docker BuildKit cache mode (none, local, inline, registry-min,
registry-max) makes a multi-stage image build fastest on fresh CI runners.

Commands:
  run             run the benchmark matrix and write reports (npm run bench)
  report DIR      re-render the reports of a run folder from its results.json
  merge DIR...    combine the results of sharded runs (run --shard I/N) into one
  engine start    provision (once) and start the embedded engine and registry
  engine stop     stop them, leaving no process or mount behind
  engine status   say whether they run
  doctor          check the engine, buildx, cache backends and registry (--json)
  compare         compare a run with a baseline run; exit 1 on a regression
  baseline save   store a complete run's results.json as the baseline for compare

Run \`cachebench <command> --help\` for a command's options.
`;

function out(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : s + '\n');
}

function simpleFlags(argv: string[], usage: string, booleans: readonly string[] = []) {
  const options: Record<string, { type: 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const b of booleans) options[b] = { type: 'boolean' };
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}`, usage.split('\n')[0]);
  }
}

async function cmdEngine(argv: string[]): Promise<number> {
  const usage = 'Usage: cachebench engine start|stop|status';
  const { values, positionals } = simpleFlags(argv, usage);
  if (values.help) return out(usage), 0;
  const sub = positionals[0];
  if (sub === 'start') {
    const t = performance.now();
    const r = await startEmbedded((s) => process.stderr.write(s + '\n'));
    const st = await embeddedStatus();
    out(`embedded engine ${r.alreadyRunning ? 'already running' : 'started'} (${fmtMs(performance.now() - t)}; start ${fmtMs(r.startMs)}); registry ${st.registryAddress}`);
    return 0;
  }
  if (sub === 'stop') {
    const r = await stopEmbedded();
    out(r.wasRunning ? `embedded engine stopped (${fmtMs(r.stopMs)})` : 'embedded engine was not running');
    return 0;
  }
  if (sub === 'status') {
    const st = await embeddedStatus();
    out(`embedded engine: ${st.ready ? 'running' : 'stopped'} (dockerd ${st.dockerd ?? '-'}, registry ${st.registry ?? '-'} on ${st.registryAddress}); provisioned: ${readProvisioned() ? 'yes' : 'no'}`);
    return st.ready ? 0 : 1;
  }
  throw new UsageError(`cachebench engine: unknown subcommand "${sub ?? ''}"`, usage);
}

async function cmdDoctor(argv: string[]): Promise<number> {
  const usage = 'Usage: cachebench doctor [--json] [--builder NAME]\n\nChecks the engine (system or embedded), buildx, the containerd image store, cache backends and the registry;\nwith --builder, what that buildx builder supports and how cachebench makes it fresh.';
  let values: { help?: boolean; json?: boolean; builder?: string };
  try {
    values = parseArgs({ args: argv, strict: true, options: { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' }, builder: { type: 'string' } } }).values;
  } catch (err) {
    throw new UsageError((err as Error).message, usage.split('\n')[0]);
  }
  if (values.help) return out(usage), 0;
  let report: Record<string, unknown>;
  let ok = false;
  let engine;
  try {
    // Starts the embedded engine if it is not running (provisioning it the first time), and
    // stops it again afterwards: doctor checks that everything *can* run.
    engine = await connectEngine({ start: true, log: (s) => process.stderr.write(s + '\n') });
    const info = await engineInfo(engine);
    const probs = problems(info);
    let builder: BuilderInfo | undefined;
    if (values.builder) {
      builder = await builderInfo(engine, values.builder, info.containerdStore);
      if (builder.problem) probs.push({ what: builder.problem, fix: 'see `docker buildx ls`; create the builder, or omit --builder' });
    }
    ok = probs.length === 0;
    report = { ready: ok, ...info, ...(builder ? { builder } : {}), problems: probs };
  } catch (err) {
    const e = err instanceof CachebenchError ? err : new CachebenchError(String(err));
    report = { ready: false, problems: [{ what: e.message, fix: e.hint ?? '' }] };
  } finally {
    if (engine) await releaseEngine(engine);
  }
  if (values.json) {
    out(JSON.stringify(report, null, 2));
  } else {
    const r = report as { kind?: string; dockerVersion?: string; containerdVersion?: string; buildxVersion?: string; buildkitVersion?: string; containerdStore?: boolean; cacheBackends?: string[]; registry?: string; registryReady?: boolean; problems: Array<{ what: string; fix: string }> };
    if (r.kind) {
      out(`engine:           ${r.kind}`);
      out(`dockerd:          ${r.dockerVersion}`);
      out(`containerd:       ${r.containerdVersion}`);
      out(`buildx:           ${r.buildxVersion}${r.buildkitVersion ? ` (BuildKit ${r.buildkitVersion})` : ''}`);
      out(`containerd store: ${r.containerdStore ? 'on' : 'off'}`);
      out(`cache backends:   ${(r.cacheBackends ?? []).join(', ')}`);
      out(`registry:         ${r.registry} (${r.registryReady ? 'ready' : 'not answering'})`);
      const b = (report as { builder?: BuilderInfo }).builder;
      if (b) out(`builder:          ${b.name} (driver ${b.driver}, ${b.status}); cache backends ${b.cacheBackends.join(', ') || 'none'}; fresh per build: ${b.fresh}`);
    }
    for (const p of r.problems) out(`problem: ${p.what}\n  fix: ${p.fix}`);
    out(ok ? 'ready' : 'not ready');
  }
  return ok ? 0 : 1;
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

async function cmdRun(argv: string[]): Promise<number> {
  const opts = parseRunOptions(argv, await scenarioNames());
  if (opts === 'help') return out(RUN_USAGE), 0;
  checkOutDir(opts.outDir);
  // Bad input is reported before anything starts (the engine included).
  if (opts.baseline) readResults(opts.baseline);
  const target = await loadTarget(opts, (s) => process.stderr.write(s + '\n'));
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
    const results = await runBenchmark(engine, opts, { progress, signal: controller.signal }, target.fixture);
    let exitCode = results.cells.some((c) => c.runs.some((r) => r.status === 'failed')) ? 1 : 0;
    let comparison: Comparison | undefined;
    if (opts.baseline) {
      comparison = loadAndCompare(opts.baseline, opts.outDir, { failOn: opts.failOn }).comparison;
      const markdown = renderComparisonMarkdown(comparison);
      writeComparison(opts.outDir, results, comparison, markdown);
      appendJobSummary(markdown);
      out(markdown);
      exitCode = Math.max(exitCode, comparison.exitCode);
    }
    const files = await writeReports(results, opts.outDir, comparison ? { ...comparison, markdown: renderComparisonMarkdown(comparison) } : undefined);
    progress.stop();
    if (!opts.outGiven) linkLatest(opts.outDir);
    out(`done in ${fmtMs(performance.now() - started)}; wrote ${files.length} files to ${opts.outDir}`);
    return exitCode;
  } catch (err) {
    progress.stop();
    if (existsSync(path.join(opts.outDir, 'results.json'))) {
      try {
        await writeReports(readResults(opts.outDir), opts.outDir);
      } catch {
        /* reports are best effort after a failure */
      }
      const again = argv.filter((a) => a !== '--resume');
      if (!opts.outGiven) again.push('--out', opts.outDir);
      process.stderr.write(`results so far are in ${opts.outDir}; continue with: npm run bench -- ${again.join(' ')} --resume\n`);
    }
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

async function cmdMerge(argv: string[]): Promise<number> {
  const usage = 'Usage: cachebench merge DIR|FILE... --out DIR\n\nCombines the results of `run --shard I/N` jobs into one results.json and report.\nExit 1 when a shard or cell is missing (the merged report says which), 2 on bad input.';
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw new UsageError((err as Error).message, usage.split('\n')[0]);
  }
  if (parsed.values.help) return out(usage), 0;
  if (parsed.positionals.length === 0) throw new UsageError('cachebench merge needs the shard result folders or files', usage.split('\n')[0]);
  if (!parsed.values.out) throw new UsageError('cachebench merge needs --out DIR', usage.split('\n')[0]);
  const parts = parsed.positionals.map((p) => readResults(p));
  const outDir = path.resolve(parsed.values.out);
  checkOutDir(outDir);
  const { merged, missing, warnings } = mergeResults(parts);
  writeResults(outDir, merged);
  const files = await writeReports(merged, outDir);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  for (const m of missing) process.stderr.write(`missing: ${m}\n`);
  out(`merged ${parts.length} shard(s), ${merged.cells.length} cells, into ${outDir} (${files.length + 1} files)`);
  return missing.length ? 1 : 0;
}

async function cmdReport(argv: string[]): Promise<number> {
  const usage = `Usage: cachebench report DIR [--from-logs]

Re-renders CSV, charts, report.md and report.html from DIR/results.json.

  --from-logs   first recompute every build's phases from the progress logs the run kept
                in DIR/logs (after an upgrade that changed how phases are attributed);
                wall times and cached steps are measurements and stay as they are`;
  const { values, positionals } = simpleFlags(argv, usage, ['from-logs']);
  if (values.help) return out(usage), 0;
  const dir = positionals[0];
  if (!dir) throw new UsageError('cachebench report needs a run folder', usage);
  const results = readResults(dir);
  if (values['from-logs']) {
    if (!existsSync(path.join(dir, 'logs'))) throw new UsageError(`${dir} has no logs/ folder`, 'only runs made by cachebench ≥ 0.2 keep their progress logs');
    const baseLayers = new Set(results.environment.baseLayers ?? (await localBaseLayers(results)));
    if (baseLayers.size === 0) process.stderr.write('warning: base image layers unknown (start the embedded engine to look them up); base layer downloads are told apart by their step only\n');
    else results.environment.baseLayers = [...baseLayers].sort();
    const { updated, missing } = rephase(results, dir, baseLayers);
    writeResults(dir, results);
    out(`recomputed phases of ${updated} builds from logs${missing ? ` (${missing} had no log and kept theirs)` : ''}`);
  }
  const files = await writeReports(results, path.resolve(dir));
  out(`wrote ${files.join(', ')}`);
  return 0;
}

/** Layers of a run's base images, looked up in the embedded registry (which keeps them). */
async function localBaseLayers(results: Results): Promise<string[]> {
  const st = await embeddedStatus();
  if (!st.registry) return [];
  const layers: string[] = [];
  for (const { ref } of Object.values(results.environment.baseImages)) {
    try {
      const r = parseRef(ref);
      if (!r.repository.startsWith('cachebench/base/')) continue;
      layers.push(...(await referencedBlobs(st.registryAddress, r.repository, r.tag)).keys());
    } catch {
      /* not there: fall back */
    }
  }
  return layers;
}

const COMPARE_USAGE = `Usage: cachebench compare --baseline FILE|DIR --current FILE|DIR [options]

Compares a run with a baseline run cell by cell (scenario × cache mode): slower builds
(Mann-Whitney U test or non-overlapping 95% CIs, and a minimum slowdown of the median),
fewer cached steps, larger caches, failed builds. Prints Markdown; writes comparison.md,
comparison.json and benchmark.json (github-action-benchmark customSmallerIsBetter); appends
the Markdown to $GITHUB_STEP_SUMMARY when that is set.

Options:
  --baseline FILE|DIR    baseline results.json, or a run folder that holds one
  --current FILE|DIR     the run to check
  --alert-threshold PCT  median slowdown for an alert (default 10)
  --fail-threshold PCT   median slowdown for a fail (default 25)
  --cache-growth PCT     median cache size growth for an alert (default 50)
  --fail-on fail|alert   which verdict makes the exit code 1 (default fail)
  --out DIR              where to write the files (default: the --current folder, else .)
  --json                 print comparison.json instead of the Markdown
  -h, --help             this help

Exit code: 0 no regression, 1 a regression (per --fail-on), 2 bad input.
`;

function pctFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim().replace(/%$/, ''));
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag}: "${value}" is not a number`, `give a percentage, e.g. ${flag} 15`);
  return n;
}

async function cmdCompare(argv: string[]): Promise<number> {
  let values: { help?: boolean; json?: boolean; baseline?: string; current?: string; out?: string; 'alert-threshold'?: string; 'fail-threshold'?: string; 'cache-growth'?: string; 'fail-on'?: string };
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        json: { type: 'boolean' },
        baseline: { type: 'string' },
        current: { type: 'string' },
        out: { type: 'string' },
        'alert-threshold': { type: 'string' },
        'fail-threshold': { type: 'string' },
        'cache-growth': { type: 'string' },
        'fail-on': { type: 'string' },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message, COMPARE_USAGE.split('\n')[0]);
  }
  if (values.help) return out(COMPARE_USAGE), 0;
  if (!values.baseline || !values.current) throw new UsageError(`cachebench compare needs ${values.baseline ? '' : '--baseline'}${!values.baseline && !values.current ? ' and ' : ''}${values.current ? '' : '--current'}`, COMPARE_USAGE.split('\n')[0]);
  const failOn = values['fail-on'];
  if (failOn !== undefined && failOn !== 'fail' && failOn !== 'alert') throw new UsageError(`--fail-on: unknown value "${failOn}"`, 'valid values: fail, alert');
  const opts: Partial<CompareOptions> = {
    alertPct: pctFlag('--alert-threshold', values['alert-threshold']),
    failPct: pctFlag('--fail-threshold', values['fail-threshold']),
    cacheGrowthPct: pctFlag('--cache-growth', values['cache-growth']),
    failOn,
  };
  const { current, comparison } = loadAndCompare(values.baseline, values.current, opts);
  const markdown = renderComparisonMarkdown(comparison);
  const files = writeComparison(path.resolve(values.out ?? defaultCompareOutDir(values.current)), current, comparison, markdown);
  const summaryFile = appendJobSummary(markdown);
  out(values.json ? JSON.stringify(comparison, null, 2) : markdown);
  process.stderr.write(`wrote ${files.join(', ')}${summaryFile ? `; appended to ${summaryFile}` : ''}\n`);
  return comparison.exitCode;
}

async function cmdBaseline(argv: string[]): Promise<number> {
  const usage = `Usage: cachebench baseline save --from DIR|FILE [--to FILE]

Validates a complete run's results.json (or the one in a run folder) and copies it to
the baseline path that \`cachebench compare --baseline\` reads.

Options:
  --from DIR|FILE  the run to keep as the baseline
  --to FILE        where to store it (default: baselines/<fixture>.json)
  -h, --help       this help
`;
  let parsed: { values: { help?: boolean; from?: string; to?: string }; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' }, from: { type: 'string' }, to: { type: 'string' } } });
  } catch (err) {
    throw new UsageError((err as Error).message, usage.split('\n')[0]);
  }
  const { values, positionals } = parsed;
  if (values.help) return out(usage), 0;
  if (positionals[0] !== 'save' || positionals.length > 1) throw new UsageError(`cachebench baseline: unknown subcommand "${positionals.join(' ')}"`, usage.split('\n')[0]);
  if (!values.from) throw new UsageError('cachebench baseline save needs --from', usage.split('\n')[0]);
  const r = saveBaseline(values.from, values.to);
  if (r.failedRuns) process.stderr.write(`warning: the baseline has ${r.failedRuns} failed runs; compare cannot flag new failures in those cells\n`);
  out(`saved ${r.results.plan.fixture} run ${r.results.runId} as the baseline ${r.file}`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'run':
        return await cmdRun(rest);
      case 'report':
        return await cmdReport(rest);
      case 'merge':
        return await cmdMerge(rest);
      case 'engine':
        return await cmdEngine(rest);
      case 'doctor':
        return await cmdDoctor(rest);
      case 'compare':
        return await cmdCompare(rest);
      case 'baseline':
        return await cmdBaseline(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        out(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${cmd}"`, 'commands: run, report, merge, compare, baseline, engine, doctor (see cachebench --help)');
    }
  } catch (err) {
    process.stderr.write(formatError(err) + '\n');
    return err instanceof CachebenchError ? err.exitCode : 1;
  }
}
