/**
 * The in-run reference of a cell: its wall times relative to the control, `none` of the
 * same scenario in the same run, in the baseline and in the current run, and the change
 * of that ratio (ratio-test.ts). A slower night moves none and the mode alike and leaves
 * the ratio; a regressed mode moves alone. Pure.
 */
import type { CellResult, Results } from '../results/types.ts';
import { logRatio, type TimedBuild } from '../stats/ratio.ts';
import { changeFindings, type Finding } from './finding.ts';
import { fmtPct, fmtRatio } from './format.ts';
import { ratioTest, type RatioTest } from './ratio-test.ts';
import type { CompareOptions, ReferenceView } from './types.ts';

/** The control every other mode of a scenario is measured against. */
export const CONTROL_MODE = 'none';

export type ReferenceOutcome = { view: ReferenceView; test: RatioTest } | { unavailable: string };

/** A cell's successful builds: wall time and round. */
export function timedBuilds(cell: CellResult): TimedBuild[] {
  return cell.runs.filter((r) => r.status === 'ok').map((r) => (r.round === undefined ? { ms: r.wallMs } : { ms: r.wallMs, round: r.round }));
}

/** The control cell of `cell`'s scenario in a run. */
export function controlOf(r: Results, cell: Pick<CellResult, 'fixture' | 'scenario'>): CellResult | undefined {
  return r.cells.find((c) => c.mode === CONTROL_MODE && c.scenario === cell.scenario && c.fixture === cell.fixture);
}

/** Why the reference is unavailable for a scenario, or undefined when both runs have a successful control build. */
function controlProblem(baseline: Results, current: Results, cell: CellResult): string | undefined {
  const problems = (['baseline', 'current'] as const).flatMap((side) => {
    const control = controlOf(side === 'baseline' ? baseline : current, cell);
    if (!control) return [{ side, what: `no ${CONTROL_MODE} cell` }];
    return timedBuilds(control).length ? [] : [{ side, what: `no successful ${CONTROL_MODE} build` }];
  });
  if (!problems.length) return undefined;
  const [a, b] = problems;
  const where = b && a && a.what === b.what ? `${a.what} for ${cell.scenario} in either run` : problems.map((p) => `${p.what} for ${cell.scenario} in the ${p.side}`).join(', ');
  return `reference unavailable (${where}): the absolute verdict counts`;
}

/**
 * The reference of a mode cell present in both runs. Undefined for the control itself and
 * when the mode has no successful build on a side (its time is not compared at all).
 */
export function referenceOf(baseline: Results, current: Results, b: CellResult, c: CellResult, o: Pick<CompareOptions, 'alpha' | 'failPct'>): ReferenceOutcome | undefined {
  if (c.mode === CONTROL_MODE) return undefined;
  const [mb, mc] = [timedBuilds(b), timedBuilds(c)];
  if (!mb.length || !mc.length) return undefined;
  const unavailable = controlProblem(baseline, current, c);
  if (unavailable) return { unavailable };
  const rb = logRatio(mb, timedBuilds(controlOf(baseline, b) as CellResult));
  const rc = logRatio(mc, timedBuilds(controlOf(current, c) as CellResult));
  if (!rb || !rc) return { unavailable: 'reference unavailable (a wall time of 0 ms): the absolute verdict counts' };
  const test = ratioTest(rb, rc, { baseline: mb.length, current: mc.length }, o);
  const view: ReferenceView = {
    baselineRatio: Math.exp(rb.value),
    currentRatio: Math.exp(rc.value),
    changePct: test.changePct,
    ciPct: test.ciPct,
    pValue: test.pValue,
    method: test.method,
    pairs: { baseline: rb.pairs, current: rc.pairs },
    significant: test.significant,
  };
  return { view, test };
}

/** The reference's time findings: a slower ratio → alert/fail, a faster one → improved, by the thresholds. */
export function referenceFindings(r: { view: ReferenceView; test: RatioTest }, o: Pick<CompareOptions, 'alertPct' | 'failPct'>): Finding[] {
  const v = r.view;
  const what = `vs ${CONTROL_MODE} in the same run ${fmtPct(v.changePct)} (time as a share of ${CONTROL_MODE}'s ${fmtRatio(v.baselineRatio)} → ${fmtRatio(v.currentRatio)})`;
  return changeFindings(what, v.changePct, v.significant, r.test.evidence, o);
}
