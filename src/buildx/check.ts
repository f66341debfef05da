/**
 * Pure: a build's self-check. The Dockerfile model says which numbered steps BuildKit must
 * print for the target; the build's vertices must account for each exactly once (the
 * `LINK` vertex of a `COPY --link` folds into its COPY; a FROM served by a build context
 * shows as `[context NAME]`, and the stage's numbers then start at 1 with the first
 * instruction). BuildKit's span must be covered by the phases but for a stated tolerance,
 * and a cached step may not take long without a download to show for it.
 */
import type { DockerfileModel, ExpectedStep } from '../dockerfile/model.ts';
import { normalizeImage } from '../dockerfile/args.ts';
import type { BuildCheck, PhaseName, StepRecord } from '../results/types.ts';
import type { StepSummary } from './record.ts';
import { contextName, instructionKey, parseInstructionName, type InstructionName } from './vertex-name.ts';

/**
 * BuildKit pauses between vertices (it resolves the next op, commits a snapshot) with no
 * vertex open: real time no phase can claim. Measured on this machine family: 10–20 ms a
 * pause on a quiet machine and up to ~50 ms on a loaded one (.NET builds, 7–16 pauses);
 * a 100-step build has over 100 of them (1.0 s on a 7.8 s span). So each pause is allowed
 * this much in all, while no single pause may be longer than max(1 s, 5% of the span): a
 * missing activity (a download that never reports `completed`) is seconds in one stretch.
 */
export const PAUSE_ALLOWANCE_MS = 50;

/** The longest stretch that may stay unattributed: max(1 s, 5% of the span). */
export function longestPauseLimitMs(spanMs: number): number {
  return Math.max(1000, 0.05 * spanMs);
}

/** What may stay unattributed in all: max(1 s, 5% of the span, 50 ms per pause). */
export function phaseToleranceMs(spanMs: number, pauses = 0): number {
  return Math.max(longestPauseLimitMs(spanMs), PAUSE_ALLOWANCE_MS * pauses);
}
/** A cached step that takes longer than this without a transfer is unexplained. */
export const CACHED_STEP_LIMIT_MS = 2000;
/** Phases measured by the harness around buildx (outside BuildKit's span). */
const HARNESS_PHASES: readonly PhaseName[] = ['cache-restore', 'cache-save'];

const label = (e: ExpectedStep) => `[${e.stage ? `${e.stage} ` : ''}${e.step}/${e.total}] ${e.text.split('\n')[0]}`;

interface Seen {
  names: InstructionName[];
  used: boolean;
  /** Every vertex of the step was cached. */
  cached: boolean;
}

/** Instruction vertices grouped per platform, then per `stage|step/total`. */
function instructionVertices(steps: readonly StepRecord[]): Map<string, Map<string, Seen>> {
  const out = new Map<string, Map<string, Seen>>();
  for (const s of steps) {
    const n = parseInstructionName(s.name);
    if (!n) continue;
    const byKey = out.get(n.platform ?? '') ?? new Map<string, Seen>();
    out.set(n.platform ?? '', byKey);
    const key = instructionKey({ ...n, platform: '' });
    const seen = byKey.get(key) ?? { names: [], used: false, cached: true };
    seen.names.push(n);
    seen.cached &&= s.cached;
    byKey.set(key, seen);
  }
  if (out.size === 0) out.set('', new Map());
  return out;
}

function contextVertices(steps: readonly StepRecord[]): Set<string> {
  const out = new Set<string>();
  for (const s of steps) {
    const c = contextName(s.name);
    if (c && !c.metadata) out.add(normalizeImage(c.context));
  }
  return out;
}

/** The image of a `FROM …` text, comparable across stages (normalised, without a digest pin). */
const fromImage = (text: string) => normalizeImage(text.replace(/^FROM\s+/, '')).split('@')[0] as string;

interface Accounted {
  /** Labels of expected steps with no vertex. */
  missing: string[];
  /** Instructions (FROM aside) accounted for, and of those the cached ones. */
  counted: number;
  cached: number;
  /** Whether each accounted instruction (FROM aside) was cached. */
  states: Map<ExpectedStep, boolean>;
}

/** Accounts the expected steps of one platform. */
function accountPlatform(model: DockerfileModel, seen: Map<string, Seen>, contexts: ReadonlySet<string>): Accounted {
  const stagesWithFrom = new Set<string>();
  const fromVertices = new Set<string>();
  for (const s of seen.values()) {
    for (const n of s.names.filter((x) => x.keyword === 'FROM')) {
      stagesWithFrom.add(n.stage);
      fromVertices.add(fromImage(n.text));
    }
  }
  const found = new Map<string, boolean>();
  const pending: ExpectedStep[] = [];
  let counted = 0;
  let cached = 0;
  const states = new Map<ExpectedStep, boolean>();
  // Stages whose FROM a build context serves (known to the model, or seen as `[context …]`).
  const contextFrom = new Set(model.expected.filter((x) => x.keyword === 'FROM' && (x.viaContext !== undefined || contexts.has(fromImage(x.text)))).map((x) => x.stage));
  for (const e of model.expected) {
    if (e.keyword === 'FROM') {
      const own = seen.get(`|${e.stage}|${e.step}/${e.total}`);
      if (own?.names.some((n) => n.keyword === 'FROM')) own.used = true;
      // Served by a context, or one FROM vertex for several stages on the same image.
      else if (!(contextFrom.has(e.stage) || fromVertices.has(fromImage(e.text)))) {
        pending.push(e);
        continue;
      }
      found.set(e.chain, true);
      continue;
    }
    // With the FROM served by a build context BuildKit never numbers the FROM: the stage's
    // instructions are printed one lower than their place in the total.
    const shift = contextFrom.has(e.stage) && !stagesWithFrom.has(e.stage) ? 1 : 0;
    const s = seen.get(`|${e.stage}|${e.step - shift}/${e.total}`);
    if (s && s.names.every((n) => n.keyword === e.keyword)) {
      s.used = true;
      found.set(e.chain, s.cached);
      states.set(e, s.cached);
      counted++;
      if (s.cached) cached++;
    } else pending.push(e);
  }
  // A step BuildKit merged with an identical one of another stage has that step's vertex.
  const missing: string[] = [];
  for (const e of pending) {
    const shared = found.get(e.chain);
    if (shared === undefined) missing.push(label(e));
    else if (e.keyword !== 'FROM') {
      states.set(e, shared);
      counted++;
      if (shared) cached++;
    }
  }
  return { missing, counted, cached, states };
}

/**
 * Whether each numbered instruction of the target (FROM aside) was cached, by the same
 * accounting as the self-check; on a multi-platform build, cached on every platform.
 * Steps with no vertex are absent.
 */
export function observedSteps(model: DockerfileModel, steps: readonly StepRecord[]): Map<ExpectedStep, boolean> {
  const out = new Map<ExpectedStep, boolean>();
  const contexts = contextVertices(steps);
  for (const seen of instructionVertices(steps).values()) {
    for (const [e, cached] of accountPlatform(model, seen, contexts).states) out.set(e, (out.get(e) ?? true) && cached);
  }
  return out;
}

export function checkBuild(model: DockerfileModel, summary: StepSummary, buildxWallMs?: number): BuildCheck {
  const problems: string[] = [];
  const perPlatform = instructionVertices(summary.steps);
  const contexts = contextVertices(summary.steps);
  const missing: string[] = [];
  const unexpected: string[] = [];
  let counted = 0;
  let cached = 0;
  for (const [platform, seen] of perPlatform) {
    const where = platform ? `${platform}: ` : '';
    const a = accountPlatform(model, seen, contexts);
    missing.push(...a.missing.map((m) => where + m));
    counted += a.counted;
    cached += a.cached;
    for (const s of seen.values()) if (!s.used) unexpected.push(...new Set(s.names.map((n) => `${where}[${n.stage ? `${n.stage} ` : ''}${n.step}/${n.total}] ${n.link ? 'LINK ' : ''}${n.text.split('\n')[0]}`)));
  }
  const expected = model.expected.length * perPlatform.size;
  const accounted = expected - missing.length;
  if (missing.length) problems.push(`${missing.length} of ${expected} expected steps have no vertex: ${missing.slice(0, 3).join('; ')}${missing.length > 3 ? ' …' : ''}`);
  if (unexpected.length) problems.push(`${unexpected.length} instruction vertices the Dockerfile does not explain: ${unexpected.slice(0, 3).join('; ')}${unexpected.length > 3 ? ' …' : ''}`);

  const coverage = phaseCoverage(summary);
  problems.push(...coverage.problems);
  if (buildxWallMs !== undefined && summary.spanMs > buildxWallMs + 250) problems.push(`BuildKit's span (${summary.spanMs} ms) exceeds the buildx process's wall time (${Math.round(buildxWallMs)} ms)`);
  for (const s of summary.steps) {
    if (!s.cached || s.kind !== 'instruction' || s.durationMs === null) continue;
    const own = s.durationMs - (summary.transferMs.get(s.name) ?? 0);
    if (own > CACHED_STEP_LIMIT_MS) problems.push(`cached step "${s.name.split('\n')[0]}" took ${(s.durationMs / 1000).toFixed(1)} s, ${(own / 1000).toFixed(1)} s of it with no layer transfer reported`);
  }
  return {
    ok: problems.length === 0,
    instructions: { expected, accounted, missing, unexpected, skippedStages: model.skipped, counted, cached },
    phases: coverage.phases,
    problems,
  };
}

const COVERAGE_PROBLEM = /^phases (cover|add up to) /;

/** A problem phaseCoverage reports (for results whose phases are recomputed from their logs). */
export const isCoverageProblem = (problem: string): boolean => COVERAGE_PROBLEM.test(problem);

/** Do the phases cover BuildKit's span, but for the tolerance, and never add up to more? */
export function phaseCoverage(summary: Pick<StepSummary, 'phases' | 'spanMs'> & Partial<Pick<StepSummary, 'unattributedGaps' | 'longestGapMs'>>): { phases: BuildCheck['phases']; problems: string[] } {
  const problems: string[] = [];
  let sumMs = 0;
  for (const [p, v] of Object.entries(summary.phases)) if (!HARNESS_PHASES.includes(p as PhaseName)) sumMs += v ?? 0;
  const pauses = summary.unattributedGaps ?? 0;
  const toleranceMs = phaseToleranceMs(summary.spanMs, pauses);
  const unattributedMs = Math.max(0, summary.spanMs - sumMs);
  const longest = summary.longestGapMs ?? 0;
  const where = pauses ? ` in ${pauses} pause${pauses === 1 ? '' : 's'}, the longest ${(longest / 1000).toFixed(1)} s` : '';
  const limit = longestPauseLimitMs(summary.spanMs);
  if (unattributedMs > toleranceMs || longest > limit) problems.push(`phases cover ${(sumMs / 1000).toFixed(1)} s of BuildKit's ${(summary.spanMs / 1000).toFixed(1)} s span: ${(unattributedMs / 1000).toFixed(1)} s unattributed${where} (tolerance ${(toleranceMs / 1000).toFixed(1)} s${longest > limit ? `, ${(limit / 1000).toFixed(1)} s for one pause` : ''})`);
  if (sumMs > summary.spanMs + Object.keys(summary.phases).length) problems.push(`phases add up to ${sumMs} ms, more than BuildKit's span of ${summary.spanMs} ms`);
  const gaps = summary.unattributedGaps !== undefined ? { pauses, longestPauseMs: Math.round(longest) } : {};
  return { phases: { sumMs, spanMs: summary.spanMs, unattributedMs, toleranceMs: Math.round(toleranceMs), ...gaps }, problems };
}
