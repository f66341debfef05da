/** `cachebench baseline save`: a complete run's results.json kept as the baseline `compare` reads. */
import { parseArgs } from 'node:util';
import { UsageError } from '../../src/errors.ts';
import { saveBaseline } from '../../src/compare/index.ts';
import { out } from './io.ts';

const USAGE = `Usage: cachebench baseline save --from DIR|FILE [--to FILE]

Validates a complete run's results.json (or the one in a run folder) and copies it to
the baseline path that \`cachebench compare --baseline\` reads.

Options:
  --from DIR|FILE  the run to keep as the baseline
  --to FILE        where to store it (default: baselines/<fixture>.json)
  -h, --help       this help
`;

export async function cmdBaseline(argv: string[]): Promise<number> {
  let parsed: { values: { help?: boolean; from?: string; to?: string }; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' }, from: { type: 'string' }, to: { type: 'string' } } });
  } catch (err) {
    throw new UsageError((err as Error).message, USAGE.split('\n')[0]);
  }
  const { values, positionals } = parsed;
  if (values.help) return out(USAGE), 0;
  if (positionals[0] !== 'save' || positionals.length > 1) throw new UsageError(`cachebench baseline: unknown subcommand "${positionals.join(' ')}"`, USAGE.split('\n')[0]);
  if (!values.from) throw new UsageError('cachebench baseline save needs --from', USAGE.split('\n')[0]);
  const r = saveBaseline(values.from, values.to);
  if (r.failedRuns) process.stderr.write(`warning: the baseline has ${r.failedRuns} failed runs; compare cannot flag new failures in those cells\n`);
  out(`saved ${r.results.plan.fixture} run ${r.results.runId} as the baseline ${r.file}`);
  return 0;
}
