/**
 * cachebench's command line: the command word, its handler (bench/commands/), the exit
 * code. 0 = done, 1 = the work failed (a build, a regression), 2 = bad input or setup;
 * every error is printed here, once, with its fix.
 */
import { CachebenchError, UsageError, formatError } from '../src/errors.ts';
import { cmdBaseline } from './commands/baseline.ts';
import { cmdCompare } from './commands/compare.ts';
import { cmdDoctor } from './commands/doctor.ts';
import { cmdEngine } from './commands/engine.ts';
import { cmdExplain } from './commands/explain.ts';
import { out } from './commands/io.ts';
import { cmdMerge } from './commands/merge.ts';
import { cmdMix } from './commands/mix.ts';
import { cmdProject } from './commands/project.ts';
import { cmdReport } from './commands/report.ts';
import { cmdRun } from './commands/run.ts';

const USAGE = `Usage: cachebench <command> [options]

Measures which Docker BuildKit cache mode (none, local, inline, registry-min,
registry-max) makes a multi-stage image build fastest on fresh CI runners.

Commands:
  run             run the benchmark matrix and write reports (npm run bench)
  report DIR      re-render the reports of a run folder from its results.json
  explain DIR     why each build's steps re-ran (first re-run step and cause)
  mix             the repository's own commit mix from its git history (for run --mix-from)
  project DIR     a run's builds re-timed for another registry link (--network-profile P,
                  or --against OTHER to check the projection against a measured run)
  merge DIR...    combine the results of sharded runs (run --shard I/N) into one
  engine start    provision (once) and start the embedded engine and registry
  engine stop     stop them, leaving no process or mount behind
  engine status   say whether they run
  doctor          check the engine, buildx, cache backends and registry (--json)
  compare         compare a run with a baseline run; exit 1 on a regression
  baseline save   store a complete run's results.json as the baseline for compare

Run \`cachebench <command> --help\` for a command's options.
`;

const COMMANDS: Readonly<Record<string, (argv: string[]) => Promise<number>>> = {
  run: cmdRun,
  report: cmdReport,
  explain: cmdExplain,
  merge: cmdMerge,
  mix: cmdMix,
  project: cmdProject,
  engine: cmdEngine,
  doctor: cmdDoctor,
  compare: cmdCompare,
  baseline: cmdBaseline,
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
      out(USAGE);
      return cmd === undefined ? 2 : 0;
    }
    const handler = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
    if (!handler) throw new UsageError(`unknown command "${cmd}"`, 'commands: run, report, explain, mix, project, merge, compare, baseline, engine, doctor (see cachebench --help)');
    return await handler(rest);
  } catch (err) {
    process.stderr.write(formatError(err) + '\n');
    return err instanceof CachebenchError ? err.exitCode : 1;
  }
}
