/** `cachebench explain DIR [--steps]`: why each build's steps re-ran, from a finished run's results.json. */
import { UsageError } from '../../src/errors.ts';
import { readResults } from '../../src/results/io.ts';
import { explainText, missSummary } from '../../src/report/cache-misses.ts';
import { out, simpleFlags } from './io.ts';

const USAGE = `Usage: cachebench explain DIR [--steps]

Prints, for every build of the run in DIR (the seeds and each repetition of each cell),
the first step that re-ran in each stage and why: not-in-cache (the mode does not hold
the stage, or the instruction is new), inputs-changed (with the changed files),
after-miss, base-changed, arg-changed, or unexpected (a finding).

  --steps   list every step of every build with its cause`;

export async function cmdExplain(argv: string[]): Promise<number> {
  const { values, positionals } = simpleFlags(argv, USAGE, ['steps']);
  if (values.help) return out(USAGE), 0;
  const dir = positionals[0];
  if (!dir) throw new UsageError('cachebench explain needs a run folder', USAGE);
  const results = readResults(dir);
  if (missSummary(results).rows.length === 0) {
    throw new UsageError(`no build in ${dir} carries an explanation`, 'explanations are recorded by cachebench runs since explain existed; run the benchmark again');
  }
  out(explainText(results, { steps: values.steps === true }));
  return 0;
}
