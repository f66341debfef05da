/**
 * The calibration under "Method": the fixed workloads measured before the first build and
 * after the last (CPU, package feed), the link measured when the run opened it, and how
 * `compare` keeps its verdicts from reading a different night as a regression. Plain text
 * shared by the Markdown and HTML renderers. Pure.
 */
import { calibrationChangePct, calibrationMedians, type CalibrationMedians } from '../results/calibration.ts';
import type { CalibrationSample, Results } from '../results/types.ts';
import { fmtBytes, fmtCost, fmtPct } from './format.ts';
import { linkFigures } from './tables.ts';

export const CALIBRATION_HEAD = ['Workload', 'Start (median)', 'End (median)', 'End vs start'];

/** Median with the range of the repetitions: "412 ms (398 ms … 430 ms)". */
function timed(ms: readonly number[], median: number | undefined): string {
  if (median === undefined) return '–';
  return ms.length > 1 ? `${fmtCost(median)} (${fmtCost(Math.min(...ms))} … ${fmtCost(Math.max(...ms))})` : fmtCost(median);
}

function feedCell(s: CalibrationSample | undefined, m: CalibrationMedians | undefined): string {
  if (!s || !m) return 'not measured';
  if (m.feedSkipped !== undefined) return `skipped: ${m.feedSkipped}`;
  const f = s.feed;
  return f && !('skipped' in f) ? `${timed(f.ms, m.feedMs)} for ${fmtBytes(m.feedBytes)}` : 'not measured';
}

/** Rows: CPU, package feed, link. */
export function calibrationRows(results: Results): string[][] {
  const { start, end } = results.calibration ?? {};
  const ms = start ? calibrationMedians(start) : undefined;
  const me = end ? calibrationMedians(end) : undefined;
  const workload = (start ?? end)?.cpu.workload ?? 'CPU';
  const feedWorkload = [start?.feed, end?.feed].map((f) => (f && !('skipped' in f) ? f.workload : undefined)).find(Boolean);
  const rows: string[][] = [
    [`CPU: ${workload}`, start && ms ? timed(start.cpu.ms, ms.cpuMs) : 'not measured', end && me ? timed(end.cpu.ms, me.cpuMs) : 'not measured', fmtPct(calibrationChangePct(ms?.cpuMs, me?.cpuMs))],
    [`Package feed: ${feedWorkload ?? 'pinned packages from the machine\'s first NuGet source'}`, feedCell(start, ms), feedCell(end, me), fmtPct(calibrationChangePct(ms?.feedMs, me?.feedMs))],
  ];
  const n = results.environment.network;
  const link = n?.measuredMbit !== undefined ? `measured when the run opened the link: ${linkFigures(results)}` : n ? `not measured (${results.environment.networkProfile}: ${n.description})` : `not measured (${results.environment.networkProfile} registry)`;
  rows.push(['Link to the registry', link, '–', '–']);
  return rows;
}

/** The paragraph above the table; says why there is no table when the run has no calibration. */
export function calibrationText(results: Results): string {
  const c = results.calibration;
  if (!c?.start && !c?.end) {
    return 'No calibration was recorded for this run (results written before cachebench measured one, or a run that stopped before its first sample): comparisons with it rest on the in-run reference alone.';
  }
  const shard = c.shard ? ` These are shard ${c.shard.index}/${c.shard.count}'s samples; each shard calibrated its own machine.` : '';
  return (
    'Fixed workloads measured before the first build and after the last, outside every build\'s measured window and while none of the run\'s builds ran: a SHA-256 workload on every core at once (one worker per core) and the download of a fixed set of pinned packages from the machine\'s package feed, each 3 times (the CPU after one untimed warm-up); median and range of the 3. ' +
    'They say how fast this machine and its feed were during the run, not how fast a cache mode is.' +
    shard
  );
}

/** How compare keeps "the environment moved" apart from "a mode regressed". */
export const IN_RUN_REFERENCE =
  'The in-run reference that `cachebench compare` uses: per scenario, `none` measured in the same run is the control. Verdicts use each mode\'s time relative to `none` (paired by round in interleaved runs), so what slows every build of a night alike (a busier machine, a slower feed) cancels out; the calibration above says whether the environment moved between the two runs compared. Verdicts on absolute times stay available with `compare --absolute`.';
