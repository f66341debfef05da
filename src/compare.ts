/**
 * Regression check of one run against a baseline run, cell by cell (nightly CI).
 * Everything above "I/O edge" is pure decision logic; the I/O edge at the bottom reads
 * and writes the files so `cachebench compare` and `cachebench run --baseline` share it.
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CellResult, Environment, Results } from './types.ts';
import { median, summarizeSamples } from './stats.ts';
import { UsageError } from './errors.ts';
import { RESULTS_FILE, readResults } from './results.ts';
import { projectRoot } from './paths.ts';
import { fmtBytes, fmtCount, fmtDuration, fmtP, fmtPct, renderBenchmarkJson, renderComparisonMarkdown } from './report/compare-md.ts';

export type Verdict = 'ok' | 'improved' | 'alert' | 'fail' | 'missing-in-baseline' | 'missing-in-current';

export interface CompareOptions {
  /** Minimum relative slowdown of the median, in percent, for an alert (and speed-up for "improved"). @default 10 */
  alertPct: number;
  /** Minimum relative slowdown of the median, in percent, for a fail. @default 25 */
  failPct: number;
  /** Significance level of the Mann-Whitney U test. @default 0.05 */
  alpha: number;
  /** Growth of the median cache size, in percent, beyond which a cell gets an alert. @default 50 */
  cacheGrowthPct: number;
  /** Which verdict makes the exit code 1. @default 'fail' */
  failOn: 'fail' | 'alert';
}

export const DEFAULT_COMPARE_OPTIONS: Readonly<CompareOptions> = { alertPct: 10, failPct: 25, alpha: 0.05, cacheGrowthPct: 50, failOn: 'fail' };

/** One side of a cell, over its successful runs (failed runs only count in `failed`). */
export interface CellSide {
  /** Successful runs: the time sample. */
  n: number;
  failed: number;
  medianMs: number | null;
  /** 95% CI of the mean wall time (Student t); zero width for n = 1. */
  ci95Ms: [number, number] | null;
  /** Medians over successful runs. */
  cachedSteps: number | null;
  totalSteps: number | null;
  cacheBytes: number | null;
}

export interface CellComparison {
  id: string;
  scenario: string;
  mode: string;
  verdict: Verdict;
  /** Every finding, worst first; the verdict is the worst of them. */
  reasons: string[];
  baseline: CellSide | null;
  current: CellSide | null;
  /** Relative change of the median wall time, percent (positive = slower); null when not comparable. */
  changePct: number | null;
  /** The current 95% CI of the mean relative to the baseline median, percent. */
  changeCi95Pct: [number, number] | null;
  /** Two-sided Mann-Whitney U p-value of baseline vs current wall times. */
  pValue: number | null;
  pMethod: 'exact' | 'normal' | null;
  /** Whether the two 95% CIs overlap; null unless both sides have n ≥ 2. */
  ciOverlap: boolean | null;
  /** Whether the time change passed the significance rule (see `rule`). */
  significant: boolean | null;
}

export interface RunRef {
  runId: string;
  fixture: string;
  profile: string;
  startedAt: string;
  status: Results['status'];
}

export type Summary = Record<Verdict, number> & { total: number };

export interface Comparison {
  baseline: RunRef;
  current: RunRef;
  options: CompareOptions;
  /** The decision rule in words, with the thresholds used. */
  rule: string[];
  cells: CellComparison[];
  /** Differences between the two environments: flagged, never a failure on their own. */
  environmentWarnings: string[];
  summary: Summary;
  /** Worst cell verdict (missing cells count as ok). */
  verdict: 'ok' | 'improved' | 'alert' | 'fail';
  /** 1 if any cell fails, or with failOn 'alert' any cell alerts; else 0. */
  exitCode: 0 | 1;
}

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
  return o;
}

// ---------------------------------------------------------------------------------------
// Mann-Whitney U

export interface MannWhitneyResult {
  /** U of the first sample: pairs (x, y) with x > y, ties counting ½. */
  u: number;
  /** Two-sided p-value. */
  pValue: number;
  method: 'exact' | 'normal';
}

/** Sample sizes up to which the exact distribution is used when there are no ties. */
const EXACT_MAX_N = 40;

/** Complementary error function (Numerical Recipes `erfcc`, fractional error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(Z > z) for a standard normal Z. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

const countsMemo = new Map<string, number[]>();

/**
 * Number of orderings of m x's and n y's giving each U (pairs x > y), index = U.
 * The largest value is either an x (above all n y's: adds n) or a y (adds nothing).
 */
function uCounts(m: number, n: number): number[] {
  if (m === 0 || n === 0) return [1];
  const key = `${m},${n}`;
  const memo = countsMemo.get(key);
  if (memo) return memo;
  const a = uCounts(m - 1, n);
  const b = uCounts(m, n - 1);
  const out = new Array<number>(m * n + 1).fill(0);
  a.forEach((c, u) => (out[u + n] = (out[u + n] as number) + c));
  b.forEach((c, u) => (out[u] = (out[u] as number) + c));
  countsMemo.set(key, out);
  return out;
}

/**
 * Two-sided Mann-Whitney U test. `auto` uses the exact distribution when there are no ties
 * and n₁ + n₂ ≤ 40, else the normal approximation with tie correction and continuity
 * correction (as R's wilcox.test and SciPy's mannwhitneyu do). Exact with ties falls back
 * to normal. All values equal → p = 1.
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[], method: 'auto' | 'exact' | 'normal' = 'auto'): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitneyU needs at least one value on each side');
  const all = [...x.map((v) => ({ v, first: true })), ...y.map((v) => ({ v, first: false }))].sort((a, b) => a.v - b.v);
  let rankSumX = 0;
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) j++;
    const t = j - i + 1;
    const avgRank = (i + 1 + j + 1) / 2;
    for (let k = i; k <= j; k++) if ((all[k] as { first: boolean }).first) rankSumX += avgRank;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const hasTies = tieTerm > 0;
  const exact = method === 'exact' ? !hasTies : method === 'auto' && !hasTies && n1 + n2 <= EXACT_MAX_N;
  if (exact) {
    const counts = uCounts(n1, n2);
    const total = counts.reduce((s, c) => s + c, 0);
    let le = 0;
    let ge = 0;
    counts.forEach((c, k) => {
      if (k <= u) le += c;
      if (k >= u) ge += c;
    });
    return { u, pValue: Math.min(1, (2 * Math.min(le, ge)) / total), method: 'exact' };
  }
  const N = n1 + n2;
  const variance = ((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  if (!(variance > 0)) return { u, pValue: 1, method: 'normal' };
  const z = Math.max(0, Math.abs(u - (n1 * n2) / 2) - 0.5) / Math.sqrt(variance);
  return { u, pValue: Math.min(1, 2 * normalSf(z)), method: 'normal' };
}

// ---------------------------------------------------------------------------------------
// Cells

export function cellSide(cell: CellResult): CellSide {
  const ok = cell.runs.filter((r) => r.status === 'ok');
  const stats = summarizeSamples(ok.map((r) => r.wallMs));
  const bytes = ok.flatMap((r) => (r.cacheBytes === undefined ? [] : [r.cacheBytes]));
  return {
    n: ok.length,
    failed: cell.runs.length - ok.length,
    medianMs: stats ? stats.medianMs : null,
    ci95Ms: stats ? stats.ci95Ms : null,
    cachedSteps: ok.length ? median(ok.map((r) => r.cachedSteps)) : null,
    totalSteps: ok.length ? median(ok.map((r) => r.totalSteps)) : null,
    cacheBytes: bytes.length ? median(bytes) : null,
  };
}

type Level = 'note' | 'improved' | 'alert' | 'fail';
const RANK: Record<Level, number> = { note: 0, improved: 1, alert: 2, fail: 3 };

interface Finding {
  level: Level;
  text: string;
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
  return [
    `Time (median wall time of the successful repetitions): a slowdown counts when it is significant AND the median is at least ${o.alertPct}% slower (alert) or ${o.failPct}% slower (fail); a speed-up of at least ${o.alertPct}% that is significant is "improved".`,
    `Significant means: the two-sided Mann-Whitney U test gives p < ${o.alpha}, OR the two 95% confidence intervals of the mean do not overlap (both sides n ≥ 2), OR, when a side has a single repetition, the median changed by more than ${o.failPct * 2}%. With n ≤ 3 per side the U test cannot reach p < 0.05, so the last two rules are what catch gross regressions in short runs.`,
    'Cache reuse: fewer cached steps (median) than the baseline is a fail on its own, whatever the timings.',
    `Cache size: median cache size more than ${o.cacheGrowthPct}% larger is an alert.`,
    'Failed builds in the current run where the baseline had none are a fail (an alert if the baseline also had failures).',
    'A cell\'s verdict is the worst of its reasons. Cells missing on one side are reported, never failed. Environment differences are warnings.',
  ];
}

function timeFindings(b: CellResult, c: CellResult, bs: CellSide, cs: CellSide, o: CompareOptions): { findings: Finding[]; out: Pick<CellComparison, 'changePct' | 'changeCi95Pct' | 'pValue' | 'pMethod' | 'ciOverlap' | 'significant'> } {
  const none = { changePct: null, changeCi95Pct: null, pValue: null, pMethod: null, ciOverlap: null, significant: null };
  if (bs.medianMs === null || cs.medianMs === null || cs.ci95Ms === null || bs.ci95Ms === null) {
    return { findings: bs.medianMs === null && cs.medianMs !== null ? [{ level: 'note', text: 'time not compared: the baseline has no successful run' }] : [], out: none };
  }
  const changePct = relChange(bs.medianMs, cs.medianMs);
  if (changePct === null) return { findings: [{ level: 'note', text: 'time not compared: the baseline median is 0 ms' }], out: none };
  const mw = mannWhitneyU(okWallMs(b), okWallMs(c));
  const ciOverlap = bs.n >= 2 && cs.n >= 2 ? bs.ci95Ms[0] <= cs.ci95Ms[1] && cs.ci95Ms[0] <= bs.ci95Ms[1] : null;
  const single = bs.n === 1 || cs.n === 1;
  const why: string[] = [];
  if (mw.pValue < o.alpha) why.push(`p = ${fmtP(mw.pValue)} < ${o.alpha}`);
  if (ciOverlap === false) why.push('95% CIs do not overlap');
  if (single && Math.abs(changePct) > o.failPct * 2) why.push(`single repetition and beyond ${o.failPct * 2}%`);
  const significant = why.length > 0;
  const lo = relChange(bs.medianMs, cs.ci95Ms[0]);
  const hi = relChange(bs.medianMs, cs.ci95Ms[1]);
  const out = { changePct, changeCi95Pct: cs.n >= 2 && lo !== null && hi !== null ? ([lo, hi] as [number, number]) : null, pValue: mw.pValue, pMethod: mw.method, ciOverlap, significant };
  const what = `time ${fmtPct(changePct)} (${fmtDuration(bs.medianMs)} → ${fmtDuration(cs.medianMs)})`;
  const findings: Finding[] = [];
  if (Math.abs(changePct) >= o.alertPct) {
    if (significant) {
      const level: Level = changePct < 0 ? 'improved' : changePct >= o.failPct ? 'fail' : 'alert';
      findings.push({ level, text: `${what}: ${why.join(', ')}` });
    } else {
      const against = [`p = ${fmtP(mw.pValue)}`];
      if (ciOverlap) against.push('95% CIs overlap');
      if (single) against.push(`single repetition within ${o.failPct * 2}%`);
      findings.push({ level: 'note', text: `${what}, not significant (${against.join(', ')})` });
    }
  }
  return { findings, out };
}

function compareCell(b: CellResult, c: CellResult, o: CompareOptions): CellComparison {
  const bs = cellSide(b);
  const cs = cellSide(c);
  const findings: Finding[] = [];

  if (cs.failed > 0) {
    const text = `builds failed: ${cs.failed} of ${cs.failed + cs.n} runs`;
    findings.push(bs.failed === 0 ? { level: 'fail', text: `${text} (baseline: none)` } : { level: 'alert', text: `${text} (baseline also had ${bs.failed} failed)` });
  }

  if (bs.cachedSteps !== null && cs.cachedSteps !== null) {
    const ofTotal = cs.totalSteps === null ? '' : ` (of ${fmtCount(cs.totalSteps)})`;
    if (cs.cachedSteps < bs.cachedSteps) findings.push({ level: 'fail', text: `cached steps ${fmtCount(bs.cachedSteps)} → ${fmtCount(cs.cachedSteps)}${ofTotal}` });
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

  const time = timeFindings(b, c, bs, cs, o);
  findings.push(...time.findings);

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
    ...time.out,
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
  };
}

const ENV_FIELDS = ['engineKind', 'dockerVersion', 'buildxVersion', 'buildkitVersion', 'cpus', 'fixture', 'networkProfile'] as const satisfies ReadonlyArray<keyof Environment>;

export function environmentWarnings(baseline: Results, current: Results): string[] {
  const b = baseline.environment;
  const c = current.environment;
  const w: string[] = [];
  for (const f of ENV_FIELDS) {
    if (b[f] !== c[f]) w.push(`${f}: ${String(b[f] ?? '(none)')} → ${String(c[f] ?? '(none)')}`);
  }
  for (const name of [...new Set([...Object.keys(b.baseImages), ...Object.keys(c.baseImages)])].sort()) {
    const bi = b.baseImages[name];
    const ci = c.baseImages[name];
    if (!bi) w.push(`base image ${name}: only in the current run`);
    else if (!ci) w.push(`base image ${name}: only in the baseline`);
    else if (bi.digest !== ci.digest) w.push(`base image ${name}: digest ${bi.digest} → ${ci.digest}`);
  }
  for (const [what, r] of [['baseline', baseline], ['current', current]] as const) {
    if (r.status !== 'complete') w.push(`the ${what} run's status is "${r.status}", not "complete"`);
  }
  return w;
}

function runRef(r: Results): RunRef {
  return { runId: r.runId, fixture: r.plan.fixture, profile: r.plan.profile, startedAt: r.environment.startedAt, status: r.status };
}

export function compareResults(baseline: Results, current: Results, opts: Partial<CompareOptions> = {}): Comparison {
  const o = resolveCompareOptions(opts);
  const baseById = new Map(baseline.cells.map((c) => [c.id, c]));
  const curIds = new Set(current.cells.map((c) => c.id));
  const cells = [
    ...current.cells.map((c) => {
      const b = baseById.get(c.id);
      return b ? compareCell(b, c, o) : missingCell(c, 'baseline');
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
    rule: decisionRule(o),
    cells,
    environmentWarnings: environmentWarnings(baseline, current),
    summary,
    verdict,
    exitCode,
  };
}

// ---------------------------------------------------------------------------------------
// I/O edge

function readSide(which: 'baseline' | 'current', fileOrDir: string): Results {
  try {
    return readResults(fileOrDir);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${which}: ${err.message}`, err.hint);
    throw err;
  }
}

/** Reads both results files (or run folders) and compares them; bad input is a UsageError naming the side and file. */
export function loadAndCompare(baselinePath: string, currentPath: string, opts: Partial<CompareOptions> = {}): { baseline: Results; current: Results; comparison: Comparison } {
  const o = resolveCompareOptions(opts);
  const baseline = readSide('baseline', baselinePath);
  const current = readSide('current', currentPath);
  return { baseline, current, comparison: compareResults(baseline, current, o) };
}

/** Where compare writes by default: the current run's folder when given one, else the working directory. */
export function defaultCompareOutDir(currentPath: string): string {
  return existsSync(currentPath) && statSync(currentPath).isDirectory() ? path.resolve(currentPath) : process.cwd();
}

export const COMPARISON_FILES = { markdown: 'comparison.md', json: 'comparison.json', benchmark: 'benchmark.json' } as const;

/** Writes comparison.md, comparison.json and benchmark.json into `dir`; returns their paths. */
export function writeComparison(dir: string, current: Results, comparison: Comparison, markdown = renderComparisonMarkdown(comparison)): string[] {
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, string]> = [
    [COMPARISON_FILES.markdown, markdown.endsWith('\n') ? markdown : markdown + '\n'],
    [COMPARISON_FILES.json, JSON.stringify(comparison, null, 2) + '\n'],
    [COMPARISON_FILES.benchmark, renderBenchmarkJson(current, comparison)],
  ];
  return files.map(([name, text]) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  });
}

/** Appends to the GitHub Actions job summary when running in Actions; returns the file or undefined. */
export function appendJobSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return undefined;
  appendFileSync(file, (markdown.endsWith('\n') ? markdown : markdown + '\n') + '\n');
  return file;
}

/** Default baseline file of a fixture: baselines/<fixture>.json in the project. */
export function defaultBaselinePath(fixture: string): string {
  const name = path.basename(fixture).replace(/[^A-Za-z0-9._-]/g, '-') || 'baseline';
  return path.join(projectRoot, 'baselines', `${name}.json`);
}

/**
 * Copies a complete run's results.json to the baseline path (atomically: temp file, then
 * rename). Refuses runs that did not complete, since a partial baseline would hide regressions.
 */
export function saveBaseline(fromPath: string, toPath?: string): { file: string; results: Results; failedRuns: number } {
  const results = readSide('baseline', fromPath);
  if (results.status !== 'complete') {
    throw new UsageError(`--from: the run in ${fromPath} has status "${results.status}", not "complete"`, 'save only a run that finished (continue it with `npm run bench -- --out DIR --resume`)');
  }
  const source = statSync(fromPath).isDirectory() ? path.join(fromPath, RESULTS_FILE) : fromPath;
  const file = path.resolve(toPath ?? defaultBaselinePath(results.plan.fixture));
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  copyFileSync(source, tmp);
  renameSync(tmp, file);
  const failedRuns = results.cells.reduce((n, c) => n + c.runs.filter((r) => r.status === 'failed').length, 0);
  return { file, results, failedRuns };
}
