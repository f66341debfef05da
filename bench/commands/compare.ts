/** `cachebench compare`: a run against a baseline run, cell by cell; exit 1 on a regression. */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { UsageError } from '../../src/errors.ts';
import { appendJobSummary, defaultCompareOutDir, loadAndCompare, writeComparison, type CompareOptions } from '../../src/compare/index.ts';
import { renderComparisonMarkdown } from '../../src/compare/markdown.ts';
import { out } from './io.ts';

const USAGE = `Usage: cachebench compare --baseline FILE|DIR --current FILE|DIR [options]

Compares a run with a baseline run cell by cell (scenario × cache mode): slower builds
(a significant change of at least the alert or fail threshold), fewer cached steps,
larger caches, failed builds. A mode's time is judged relative to none of the same
scenario in the same run, so that a slower machine does not flag every cell; the
absolute change of the mean is shown beside it, and the none cell with the run's
calibration says whether the environment moved. Prints Markdown; writes comparison.md,
comparison.json and benchmark.json (github-action-benchmark customSmallerIsBetter) beside
the current results; appends the Markdown to $GITHUB_STEP_SUMMARY when that is set.

Options:
  --baseline FILE|DIR    baseline results.json, or a run folder that holds one
  --current FILE|DIR     the run to check
  --alert-threshold PCT  slowdown of the mean for an alert (default 10)
  --fail-threshold PCT   slowdown of the mean for a fail (default 25)
  --cache-growth PCT     median cache size growth for an alert (default 50)
  --fail-on fail|alert   which verdict makes the exit code 1 (default fail)
  --absolute             fail on absolute time changes too, not only on changes
                         relative to none in the same run
  --out DIR              where to write the files (default: the --current folder, or the
                         folder of the --current file)
  --json                 print comparison.json instead of the Markdown
  -h, --help             this help

Exit code: 0 no regression, 1 a regression (per --fail-on), 2 bad input.
`;

interface CompareFlags {
  help?: boolean;
  json?: boolean;
  absolute?: boolean;
  baseline?: string;
  current?: string;
  out?: string;
  'alert-threshold'?: string;
  'fail-threshold'?: string;
  'cache-growth'?: string;
  'fail-on'?: string;
}

function parseFlags(argv: string[]): CompareFlags {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        json: { type: 'boolean' },
        absolute: { type: 'boolean' },
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
    throw new UsageError((err as Error).message, USAGE.split('\n')[0]);
  }
}

function pctFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim().replace(/%$/, ''));
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag}: "${value}" is not a number`, `give a percentage, e.g. ${flag} 15`);
  return n;
}

export async function cmdCompare(argv: string[]): Promise<number> {
  const values = parseFlags(argv);
  if (values.help) return out(USAGE), 0;
  if (!values.baseline || !values.current) throw new UsageError(`cachebench compare needs ${values.baseline ? '' : '--baseline'}${!values.baseline && !values.current ? ' and ' : ''}${values.current ? '' : '--current'}`, USAGE.split('\n')[0]);
  const failOn = values['fail-on'];
  if (failOn !== undefined && failOn !== 'fail' && failOn !== 'alert') throw new UsageError(`--fail-on: unknown value "${failOn}"`, 'valid values: fail, alert');
  const opts: Partial<CompareOptions> = {
    alertPct: pctFlag('--alert-threshold', values['alert-threshold']),
    failPct: pctFlag('--fail-threshold', values['fail-threshold']),
    cacheGrowthPct: pctFlag('--cache-growth', values['cache-growth']),
    failOn,
    absolute: values.absolute === true,
  };
  const { current, comparison } = loadAndCompare(values.baseline, values.current, opts);
  const markdown = renderComparisonMarkdown(comparison);
  const files = writeComparison(path.resolve(values.out ?? defaultCompareOutDir(values.current)), current, comparison, markdown);
  const summaryFile = appendJobSummary(markdown);
  out(values.json ? JSON.stringify(comparison, null, 2) : markdown);
  process.stderr.write(`wrote ${files.join(', ')}${summaryFile ? `; appended to ${summaryFile}` : ''}\n`);
  return comparison.exitCode;
}
