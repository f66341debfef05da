/**
 * comparison.md's section "Environment: calibration and control": the calibration's
 * medians, the measured link and each scenario's `none` mean in both runs, and whether the
 * environment moved. Pure.
 */
import { fmtDuration, fmtPct } from './format.ts';
import type { CalibrationSummary, Comparison, EnvironmentView } from './types.ts';

type Link = EnvironmentView['link']['baseline'];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

const pctOrDash = (p: number | null) => (p === null ? '-' : fmtPct(p));

function cpu(s: CalibrationSummary | null): string {
  if (!s) return 'not measured';
  return s.cpuMedianMs === null ? 'no repetitions' : `${fmtDuration(s.cpuMedianMs)} (n=${s.cpuN})`;
}

function feed(s: CalibrationSummary | null): string {
  if (!s) return 'not measured';
  if (s.feedMedianMs !== null) return fmtDuration(s.feedMedianMs);
  return s.feedSkipped ? `skipped: ${s.feedSkipped}` : 'not measured';
}

function link(l: Link): string {
  if (!l || (l.measuredMbit === undefined && l.measuredRttMs === undefined)) return 'not measured';
  const parts = [l.measuredMbit === undefined ? undefined : `${l.measuredMbit.toFixed(l.measuredMbit < 10 ? 1 : 0)} Mbit/s`, l.measuredRttMs === undefined ? undefined : `RTT ${l.measuredRttMs.toFixed(1)} ms`];
  return parts.filter((p) => p !== undefined).join(', ');
}

/** The section's lines; none when neither run has a calibration, a measured link or a `none` cell. */
export function environmentSectionLines(c: Comparison): string[] {
  const e = c.environment;
  const { baseline: cb, current: cc } = e.calibration;
  const linked = [e.link.baseline, e.link.current].some((l) => link(l) !== 'not measured');
  if (!cb && !cc && !linked && !e.control.length) return [];
  const mean = (ms: number | null) => (ms === null ? 'no successful build' : fmtDuration(ms));
  const rows: string[][] = [
    ['CPU calibration, median', cpu(cb), cpu(cc), pctOrDash(e.cpuChangePct)],
    ['Package feed, median', feed(cb), feed(cc), pctOrDash(e.feedChangePct)],
    ['Measured link to the registry', link(e.link.baseline), link(e.link.current), '-'],
    ...e.control.map((x) => [`none mean, ${x.scenario}`, mean(x.baselineMeanMs), mean(x.currentMeanMs), x.changePct === null ? '-' : `${fmtPct(x.changePct)}${x.significant ? '' : ' (not significant)'}`]),
  ];
  return [
    '### Environment: calibration and control',
    '',
    'Fixed workloads measured at each run\'s start and end (CPU: a SHA-256 workload on every core; feed: a small package set from the machine\'s package source), the link, and the control `none`: what moves them moves every cell alike.',
    '',
    '| | Baseline | Current | Change |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
    '',
    e.summary,
    '',
  ];
}
