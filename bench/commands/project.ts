/** `cachebench project DIR --network-profile P | --against OTHER [--json]`: a run's builds re-timed for another registry link (src/project). */
import { parseArgs } from 'node:util';
import { UsageError } from '../../src/errors.ts';
import { readResults } from '../../src/results/io.ts';
import { projectAgainst } from '../../src/project/against.ts';
import { runLink, targetLink } from '../../src/project/link.ts';
import { projectRun } from '../../src/project/project.ts';
import { ciCacheTarget, runCiCacheLinks } from '../../src/project/ci-cache.ts';
import { projectionJson, renderAgainst, renderProjection } from '../../src/project/render.ts';
import { out } from './io.ts';

const USAGE = `Usage: cachebench project DIR (--network-profile P [--ci-cache-profile C] | --against OTHER) [--json]

Projects the run in DIR (a run folder or its results.json) to another registry link: each
measured build is split into time the link does not change and the bytes and round trips
of its transfer phases, fitted on the run's own measured link, and re-timed. Prints the
projected mean per cell, the expected time for the run's commit mix, and where the
fastest mode changes with bandwidth. Projections, not measurements (docs/PROJECTION.md).

  --network-profile P   the link to project to: loopback, datacenter, internet, or
                        RATEmbit/RTTms (e.g. 1000mbit/10ms)
  --ci-cache-profile C  also re-time local mode's CI cache restore and save for another
                        CI cache link: hosted, loopback, datacenter, internet, or
                        RATEmbit/RTTms (default: kept at their measured times)
  --against OTHER       project to the measured link of the run in OTHER and compare
                        with what it measured, cell by cell (error %, order of the modes)
  --json                print JSON instead of Markdown`;

function options(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { help: { type: 'boolean', short: 'h' }, 'network-profile': { type: 'string' }, 'ci-cache-profile': { type: 'string' }, against: { type: 'string' }, json: { type: 'boolean' } },
    });
  } catch (err) {
    throw new UsageError((err as Error).message, USAGE.split('\n')[0]);
  }
}

export async function cmdProject(argv: string[]): Promise<number> {
  const { values: v, positionals } = options(argv);
  if (v.help) return out(USAGE), 0;
  const dir = positionals[0];
  if (!dir) throw new UsageError('cachebench project needs a run folder (or its results.json)', USAGE.split('\n')[0]);
  if (positionals.length > 1) throw new UsageError(`cachebench project takes one run folder, got ${positionals.length}: ${positionals.join(' ')}`, 'to check a projection against another run, use --against OTHER');
  if (v['network-profile'] !== undefined && v.against !== undefined) throw new UsageError('give --network-profile or --against, not both', '--against projects to the other run\'s measured link');
  if (v['network-profile'] === undefined && v.against === undefined) {
    throw new UsageError('cachebench project needs the link to project to', 'add --network-profile datacenter (or loopback, internet, RATEmbit/RTTms), or --against OTHER_RUN');
  }
  if (v['ci-cache-profile'] !== undefined && v.against !== undefined) {
    throw new UsageError('--ci-cache-profile goes with --network-profile, not --against', '--against keeps the CI cache step at its measured times; to re-time it, project with --network-profile P --ci-cache-profile C');
  }
  const target = v['network-profile'] !== undefined ? targetLink(v['network-profile']) : undefined;
  const ciTarget = v['ci-cache-profile'] !== undefined ? ciCacheTarget(v['ci-cache-profile']) : undefined;
  const results = readResults(dir);
  const source = runLink(results, dir);
  if (target) {
    const p = projectRun(results, source, target, ciTarget ? { source: runCiCacheLinks(results), target: ciTarget } : undefined);
    out(v.json ? projectionJson(p) : renderProjection(p));
    return 0;
  }
  const other = readResults(v.against as string);
  const a = projectAgainst(results, source, other, runLink(other, v.against as string));
  out(v.json ? projectionJson(a) : renderAgainst(a));
  return 0;
}
