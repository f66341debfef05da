/**
 * The environment between two runs: the calibration (fixed CPU and package-feed workloads
 * measured at each run's start and end) and each scenario's control (`none`). It names
 * what moved, and flags a control that moved while the calibration did not. Pure.
 */
import type { CellResult, Results } from '../results/types.ts';
import { pooledCalibration as calibrationSummary } from '../results/calibration.ts';
import type { Finding } from './finding.ts';
import { fmtPct } from './format.ts';
import { CONTROL_MODE, timedBuilds } from './reference.ts';
import { timeTest } from './time-test.ts';
import type { CompareOptions, EnvironmentView } from './types.ts';

type ControlEntry = EnvironmentView['control'][number];

function change(base: number | null | undefined, cur: number | null | undefined): number | null {
  return base != null && cur != null && base > 0 ? (100 * (cur - base)) / base : null;
}

function controlEntry(scenario: string, b: CellResult | undefined, c: CellResult | undefined, o: CompareOptions): ControlEntry {
  const ms = (cell: CellResult | undefined) => (cell ? timedBuilds(cell).map((x) => x.ms) : []);
  const [bm, cm] = [ms(b), ms(c)];
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, x) => a + x, 0) / xs.length : null);
  const t = bm.length && cm.length ? timeTest(bm, cm, o) : undefined;
  return { scenario, changePct: t?.changePct ?? null, significant: t?.significant ?? null, baselineMeanMs: mean(bm), currentMeanMs: mean(cm) };
}

/** Significant and at least the alert threshold, either way. */
function controlMoved(e: ControlEntry | undefined, o: CompareOptions): boolean {
  return !!e && e.significant === true && e.changePct !== null && Math.abs(e.changePct) >= o.alertPct;
}

/** `none +31.0% (absolute)`, or per scenario when there are several. */
function controlText(entries: readonly ControlEntry[]): string {
  if (!entries.length) return `no ${CONTROL_MODE} cell`;
  const one = (e: ControlEntry) => (e.changePct === null ? 'not compared' : fmtPct(e.changePct));
  if (entries.length === 1) return `${CONTROL_MODE} ${one(entries[0] as ControlEntry)} (absolute)`;
  return `${CONTROL_MODE} ${entries.map((e) => `${one(e)} in ${e.scenario}`).join(', ')} (absolute)`;
}

function calibrationText(env: Pick<EnvironmentView, 'cpuChangePct' | 'feedChangePct' | 'calibration'>): string {
  const { baseline, current } = env.calibration;
  if (!baseline || !current) return `no calibration in ${!baseline && !current ? 'either run' : `the ${baseline ? 'current run' : 'baseline'}`}`;
  const cpu = env.cpuChangePct === null ? 'CPU calibration not compared' : `CPU calibration ${fmtPct(env.cpuChangePct)}`;
  const skipped = current.feedSkipped ?? baseline.feedSkipped;
  const feed = env.feedChangePct === null ? `feed not compared${skipped ? ` (${skipped})` : ''}` : `feed ${fmtPct(env.feedChangePct)}`;
  return `${cpu}, ${feed}`;
}

/** The calibration and every scenario's control between the two runs, and the sentence saying whether the environment moved. */
export function environmentView(baseline: Results, current: Results, o: CompareOptions): EnvironmentView {
  const calibration = { baseline: calibrationSummary(baseline), current: calibrationSummary(current) };
  const cpuChangePct = change(calibration.baseline?.cpuMedianMs, calibration.current?.cpuMedianMs);
  const feedChangePct = change(calibration.baseline?.feedMedianMs, calibration.current?.feedMedianMs);
  const controls = new Map<string, CellResult>();
  for (const cell of [...current.cells, ...baseline.cells]) if (cell.mode === CONTROL_MODE && !controls.has(cell.scenario)) controls.set(cell.scenario, cell);
  const find = (r: Results, scenario: string) => r.cells.find((x) => x.mode === CONTROL_MODE && x.scenario === scenario);
  const control = [...controls.keys()].map((s) => controlEntry(s, find(baseline, s), find(current, s), o));
  const moved = [cpuChangePct, feedChangePct].some((p) => p !== null && Math.abs(p) >= o.alertPct) || control.some((e) => controlMoved(e, o));
  const link = (r: Results) => (r.environment.network ? { measuredMbit: r.environment.network.measuredMbit, measuredRttMs: r.environment.network.measuredRttMs } : null);
  const numbers = `${controlText(control)}, ${calibrationText({ cpuChangePct, feedChangePct, calibration })}`;
  const summary = moved ? `The environment moved: ${numbers}.` : `The environment did not move (nothing by ${o.alertPct}% or more, significantly): ${numbers}.`;
  return { cpuChangePct, feedChangePct, control, moved, summary, calibration, link: { baseline: link(baseline), current: link(current) } };
}

/**
 * What the control cell itself adds to its absolute findings: when it moved (significantly,
 * by the alert threshold), what moved with it; an alert when it slowed and no calibration
 * part slowed by the alert threshold too — the build itself or an unmeasured part of the
 * environment changed.
 */
export function controlFindings(scenario: string, env: EnvironmentView, o: CompareOptions): Finding[] {
  const e = env.control.find((x) => x.scenario === scenario);
  if (!e || e.changePct === null || !controlMoved(e, o)) return [];
  const numbers = `${controlText([e])}, ${calibrationText(env)}`;
  const slower = e.changePct > 0;
  const explained = [env.cpuChangePct, env.feedChangePct].some((p) => p !== null && Math.sign(p) === Math.sign(e.changePct as number) && Math.abs(p) >= o.alertPct);
  if (explained || !slower) return [{ level: 'note', text: `the environment ${explained ? 'moved' : 'did not explain it'}: ${numbers}` }];
  if (!env.calibration.baseline || !env.calibration.current) {
    return [{ level: 'alert', text: `the control moved and no calibration in both runs tells whether the environment did: the build itself (base image, package feed content) or the machine (${numbers})` }];
  }
  return [{ level: 'alert', text: `the control moved and the calibration did not: something in the build itself (base image, package feed content) or an unmeasured part of the environment (${numbers})` }];
}
