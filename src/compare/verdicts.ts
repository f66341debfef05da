/**
 * Regression check of one run against a baseline run, cell by cell (nightly CI): pure
 * decision logic. Reading and writing the files is in io.ts.
 */
import type { CellResult, Results } from '../results/types.ts';
import { median, summarizeSamples } from '../results/stats.ts';
import { environmentWarnings } from '../results/environment.ts';
import { UsageError } from '../errors.ts';
import { fmtBytes, fmtCount, fmtDuration, fmtPct } from './format.ts';
import { levelText, timeTest } from './time-test.ts';
import { lostReuse } from './reuse.ts';
import { asNotes, changeFindings, RANK, type Finding, type Level } from './finding.ts';
import { CONTROL_MODE, referenceFindings, referenceOf, type ReferenceOutcome } from './reference.ts';
import { controlFindings, environmentView } from './control.ts';
import { DEFAULT_COMPARE_OPTIONS, type CellComparison, type CellSide, type Comparison, type CompareOptions, type EnvironmentView, type RunRef, type Summary } from './types.ts';

/** Defaults once, then every check; messages name the CLI flag. */
export function resolveCompareOptions(partial: Partial<CompareOptions> = {}): CompareOptions {
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const o: CompareOptions = { ...DEFAULT_COMPARE_OPTIONS, ...given };
  const positive = (flag: string, v: number) => {
    if (!Number.isFinite(v) || v <= 0) throw new UsageError(`${flag} must be a percentage above 0, got ${v}`, `for example ${flag} ${flag === '--cache-growth' ? 50 : 10}`);
  };
  positive('--alert-threshold', o.alertPct);
  positive('--fail-threshold', o.failPct);
  positive('--cache-growth', o.cacheGrowthPct);
  if (o.alertPct > o.failPct) {
    throw new UsageError(`--alert-threshold (${o.alertPct}%) is above --fail-threshold (${o.failPct}%)`, 'the alert threshold must be at most the fail threshold (defaults: 10 and 25)');
  }
  if (!(o.alpha > 0 && o.alpha < 1)) throw new UsageError(`alpha must be between 0 and 1, got ${o.alpha}`);
  if (o.failOn !== 'fail' && o.failOn !== 'alert') throw new UsageError(`--fail-on: unknown value "${String(o.failOn)}"`, 'valid values: fail, alert');
  if (typeof o.absolute !== 'boolean') throw new UsageError(`absolute must be true or false, got ${String(o.absolute)}`);
  return o;
}

export function cellSide(cell: CellResult): CellSide {
  const ok = cell.runs.filter((r) => r.status === 'ok');
  const stats = summarizeSamples(ok.map((r) => r.wallMs));
  const bytes = ok.flatMap((r) => (r.cacheBytes === undefined ? [] : [r.cacheBytes]));
  return {
    n: ok.length,
    failed: cell.runs.length - ok.length,
    medianMs: stats ? stats.medianMs : null,
    meanMs: stats ? stats.meanMs : null,
    ci95Ms: stats ? stats.ci95Ms : null,
    cachedSteps: ok.length ? median(ok.map((r) => r.cachedSteps)) : null,
    totalSteps: ok.length ? median(ok.map((r) => r.totalSteps)) : null,
    cacheBytes: bytes.length ? median(bytes) : null,
  };
}

/** Relative change in percent; null when the baseline is 0 and the current is not. */
function relChange(base: number, cur: number): number | null {
  if (base === 0) return cur === 0 ? 0 : null;
  return ((cur - base) / base) * 100;
}

function okWallMs(cell: CellResult): number[] {
  return cell.runs.filter((r) => r.status === 'ok').map((r) => r.wallMs);
}

/** The decision rule in words; also printed in the Markdown so a reader can check a verdict. */
export function decisionRule(o: CompareOptions): string[] {
  const level = levelText(o.alpha);
  const gross = o.failPct * 2;
  return [
    `Time is seen two ways. Absolute: the change of the mean wall time of the successful repetitions, mean(current) / mean(baseline) − 1, with the ${level} interval of the difference of the means, in % of the baseline mean. Relative to ${CONTROL_MODE} in the same run (the in-run reference): the change of the mode's time as a share of ${CONTROL_MODE}'s of the same scenario, exp(mean log(t_mode / t_none)), from the baseline to the current run, with the ${level} interval of the change of the log ratio. The ratio is paired by round (the mean of log(t_mode / t_none) over the rounds in which both cells built successfully) when a run has 2 or more such rounds, else the difference of the mean logs.`,
    o.absolute
      ? `Basis: absolute (--absolute). A cell's time verdict is the worse of the absolute and the reference verdict.`
      : `Basis: the in-run reference, confirmed by the absolute view. A mode's time verdict is the reference's where the absolute change agrees (both slower: the milder level of the two; both faster: improved); where they disagree it is a note, because a mode whose time does not scale with ${CONTROL_MODE}'s (a cache-hit build on a faster or slower machine) would otherwise be judged by ${CONTROL_MODE}'s change. Its absolute change is shown as a note. A slower machine or network moves ${CONTROL_MODE} and every mode alike and leaves the ratio; a change that slows ${CONTROL_MODE} and every mode alike (a base image, the package feed's content) shows only in the absolute view, the ${CONTROL_MODE} cell and the environment sentence. Where either run has no successful ${CONTROL_MODE} build of a scenario, that scenario's cells keep the absolute verdict.`,
    `A slowdown counts when it is significant AND at least ${o.alertPct}% (alert) or ${o.failPct}% (fail); a significant speed-up of at least ${o.alertPct}% is "improved".`,
    `Significant, absolute: with n ≥ 2 on both sides, Welch's t-test gives p < ${o.alpha} (the interval excludes 0); with one build on one side, that build lies outside the other side's ${level} prediction interval, mean ± t(n − 1)·sd·√(1 + 1/n); with one build on each side, the change exceeds ${gross}%. With so few repetitions that no rank test could reach p < ${o.alpha} (2 vs ≤ 7, 3 vs ≤ 4 at 0.05), a change beyond ${gross}% also counts, so two repetitions never catch less than one.`,
    `Significant, relative to ${CONTROL_MODE}: the t-test of the change of the log ratio gives p < ${o.alpha} (paired: s²/n with n − 1 df per run; unpaired: Welch, a single build assumed to vary like the other side's); a run with one build of each cell is held against the other run's spread of one build's ratio (prediction); one build of each in both runs, or builds so few that the absolute rule counts a gross change: a change beyond ${gross}% counts.`,
    `The ${CONTROL_MODE} cell is the control: its absolute change is ${o.absolute ? 'its verdict (--absolute)' : 'a note'}, shown with the calibration (fixed CPU and package-feed workloads at each run's start and end). It is an alert when ${CONTROL_MODE} slowed significantly by at least ${o.alertPct}% and no calibration part slowed by ${o.alertPct}% too.`,
    'Cache reuse: fewer cached steps (median) than the baseline is a fail on its own, whatever the timings.',
    `Cache size: median cache size more than ${o.cacheGrowthPct}% larger is an alert.`,
    'Failed builds in the current run where the baseline had none are a fail (an alert if the baseline also had failures).',
    'A cell\'s verdict is the worst of its reasons. Cells missing on one side are reported, never failed. Environment differences are warnings.',
  ];
}

type TimeOut = Pick<CellComparison, 'changePct' | 'changeCi95Pct' | 'pValue' | 'pMethod' | 'ciOverlap' | 'significant'>;

function timeFindings(b: CellResult, c: CellResult, bs: CellSide, cs: CellSide, o: CompareOptions): { findings: Finding[]; out: TimeOut } {
  const none: TimeOut = { changePct: null, changeCi95Pct: null, pValue: null, pMethod: null, ciOverlap: null, significant: null };
  if (bs.meanMs === null || cs.meanMs === null || cs.ci95Ms === null || bs.ci95Ms === null) {
    return { findings: bs.meanMs === null && cs.meanMs !== null ? [{ level: 'note', text: 'time not compared: the baseline has no successful run' }] : [], out: none };
  }
  const t = timeTest(okWallMs(b), okWallMs(c), o);
  if (!t) return { findings: [{ level: 'note', text: 'time not compared: the baseline mean is 0 ms' }], out: none };
  const ciOverlap = bs.n >= 2 && cs.n >= 2 ? bs.ci95Ms[0] <= cs.ci95Ms[1] && cs.ci95Ms[0] <= bs.ci95Ms[1] : null;
  const out: TimeOut = { changePct: t.changePct, changeCi95Pct: t.ciPct, pValue: t.pValue, pMethod: t.method === 'ratio' ? null : t.method, ciOverlap, significant: t.significant };
  const what = `time ${fmtPct(t.changePct)} (mean ${fmtDuration(bs.meanMs)} → ${fmtDuration(cs.meanMs)})`;
  return { findings: changeFindings(what, t.changePct, t.significant, t.evidence, o), out };
}

/** The time findings that decide the verdict, by basis; the reference view of a mode cell. */
function timeVerdict(abs: Finding[], c: CellResult, ref: ReferenceOutcome | undefined, env: EnvironmentView, o: CompareOptions): { findings: Finding[]; reference: CellComparison['reference'] } {
  const shown = (suffix = '') => (o.absolute ? abs : asNotes(abs, 'absolute: ', suffix));
  if (c.mode === CONTROL_MODE) return { findings: [...shown(), ...controlFindings(c.scenario, env, o)], reference: null };
  if (!ref) return { findings: abs, reference: null };
  if ('unavailable' in ref) return { findings: [...abs, { level: 'note', text: ref.unavailable }], reference: null };
  const moved = env.control.find((e) => e.scenario === c.scenario)?.changePct;
  const suffix = moved === undefined || moved === null ? '' : `; the control (${CONTROL_MODE}) moved ${fmtPct(moved)}`;
  const refs = referenceFindings(ref, o);
  return { findings: [...(o.absolute ? refs : bothViews(refs, abs)), ...shown(suffix)], reference: ref.view };
}

const direction = (f: Finding) => (f.level === 'alert' || f.level === 'fail' ? 'slower' : f.level === 'improved' ? 'faster' : null);

/**
 * On the reference basis a change counts only where the absolute view agrees: both slower
 * (at the milder of their levels) or both faster. The ratio to none assumes a mode's time
 * scales with none's; a cache-hit build that is barely CPU-bound does not (measured: under a
 * CPU hog none +49%, no-change × registry-max +6.5%, its ratio −28%). One night slower and
 * the next faster would then turn that into a false fail, so the disagreement is a note.
 * The cost: a regression that a faster night hides in absolute time is a note, not a fail.
 */
export function bothViews(reference: readonly Finding[], absolute: readonly Finding[]): Finding[] {
  const abs = absolute.find((f) => direction(f) !== null);
  return reference.map((f) => {
    const dir = direction(f);
    if (dir === null) return f;
    if (abs && direction(abs) === dir) return RANK[abs.level] < RANK[f.level] ? { ...f, level: abs.level } : f;
    return { level: 'note', text: `${f.text}; not counted: the absolute time ${abs ? `moved the other way (${abs.text.split(':')[0]})` : 'did not change significantly'}, so this mode did not move with ${CONTROL_MODE} (the environment moved, or the mode does not scale with it)` };
  });
}

/** What the builds say beside their times: failures, cache reuse, cache size. */
function buildFindings(b: CellResult, c: CellResult, bs: CellSide, cs: CellSide, o: CompareOptions): Finding[] {
  const findings: Finding[] = [];
  if (cs.failed > 0) {
    const text = `builds failed: ${cs.failed} of ${cs.failed + cs.n} runs`;
    findings.push(bs.failed === 0 ? { level: 'fail', text: `${text} (baseline: none)` } : { level: 'alert', text: `${text} (baseline also had ${bs.failed} failed)` });
  }

  if (bs.cachedSteps !== null && cs.cachedSteps !== null) {
    const ofTotal = cs.totalSteps === null ? '' : ` (of ${fmtCount(cs.totalSteps)})`;
    if (cs.cachedSteps < bs.cachedSteps) {
      const why = lostReuse(b, c);
      findings.push({ level: 'fail', text: `cached steps ${fmtCount(bs.cachedSteps)} → ${fmtCount(cs.cachedSteps)}${ofTotal}${why ? `: ${why}` : ''}` });
    }
    else if (cs.cachedSteps > bs.cachedSteps) findings.push({ level: 'note', text: `cached steps ${fmtCount(bs.cachedSteps)} → ${fmtCount(cs.cachedSteps)}${ofTotal}, more reuse` });
    if (bs.totalSteps !== null && cs.totalSteps !== null && bs.totalSteps !== cs.totalSteps) {
      findings.push({ level: 'note', text: `total steps ${fmtCount(bs.totalSteps)} → ${fmtCount(cs.totalSteps)}: the build itself changed` });
    }
  }

  if (bs.cacheBytes !== null && cs.cacheBytes !== null) {
    const growth = relChange(bs.cacheBytes, cs.cacheBytes);
    if (growth === null || growth > o.cacheGrowthPct) {
      findings.push({ level: 'alert', text: `cache size ${growth === null ? 'appeared' : fmtPct(growth)} (${fmtBytes(bs.cacheBytes)} → ${fmtBytes(cs.cacheBytes)}; limit +${o.cacheGrowthPct}%)` });
    }
  }
  return findings;
}

interface CellContext {
  reference: ReferenceOutcome | undefined;
  env: EnvironmentView;
}

function compareCell(b: CellResult, c: CellResult, o: CompareOptions, ctx: CellContext): CellComparison {
  const bs = cellSide(b);
  const cs = cellSide(c);
  const absolute = timeFindings(b, c, bs, cs, o);
  const time = timeVerdict(absolute.findings, c, ctx.reference, ctx.env, o);
  const findings = [...buildFindings(b, c, bs, cs, o), ...time.findings];
  findings.sort((x, y) => RANK[y.level] - RANK[x.level]);
  const worst = findings.reduce<Level>((w, f) => (RANK[f.level] > RANK[w] ? f.level : w), 'note');
  return {
    id: c.id,
    scenario: c.scenario,
    mode: c.mode,
    verdict: worst === 'note' ? 'ok' : worst,
    reasons: findings.map((f) => f.text),
    baseline: bs,
    current: cs,
    ...absolute.out,
    reference: time.reference,
  };
}

function missingCell(cell: CellResult, side: 'baseline' | 'current'): CellComparison {
  const present = cellSide(cell);
  return {
    id: cell.id,
    scenario: cell.scenario,
    mode: cell.mode,
    verdict: side === 'baseline' ? 'missing-in-baseline' : 'missing-in-current',
    reasons: [side === 'baseline' ? 'not in the baseline (a new cell): nothing to compare' : 'not in the current run'],
    baseline: side === 'baseline' ? null : present,
    current: side === 'current' ? null : present,
    changePct: null,
    changeCi95Pct: null,
    pValue: null,
    pMethod: null,
    ciOverlap: null,
    significant: null,
    reference: null,
  };
}

function runRef(r: Results): RunRef {
  return { runId: r.runId, fixture: r.plan.fixture, profile: r.plan.profile, startedAt: r.environment.startedAt, status: r.status };
}

export function compareResults(baseline: Results, current: Results, opts: Partial<CompareOptions> = {}): Comparison {
  const o = resolveCompareOptions(opts);
  const env = environmentView(baseline, current, o);
  const baseById = new Map(baseline.cells.map((c) => [c.id, c]));
  const curIds = new Set(current.cells.map((c) => c.id));
  const cells = [
    ...current.cells.map((c) => {
      const b = baseById.get(c.id);
      return b ? compareCell(b, c, o, { reference: referenceOf(baseline, current, b, c, o), env }) : missingCell(c, 'baseline');
    }),
    ...baseline.cells.filter((b) => !curIds.has(b.id)).map((b) => missingCell(b, 'current')),
  ];
  const summary: Summary = { ok: 0, improved: 0, alert: 0, fail: 0, 'missing-in-baseline': 0, 'missing-in-current': 0, total: cells.length };
  for (const c of cells) summary[c.verdict]++;
  const verdict = summary.fail ? 'fail' : summary.alert ? 'alert' : summary.improved ? 'improved' : 'ok';
  const exitCode = summary.fail || (o.failOn === 'alert' && summary.alert) ? 1 : 0;
  return {
    baseline: runRef(baseline),
    current: runRef(current),
    options: o,
    basis: o.absolute ? 'absolute' : 'reference',
    rule: decisionRule(o),
    cells,
    environmentWarnings: environmentWarnings(baseline, current),
    environment: env,
    summary,
    verdict,
    exitCode,
  };
}
