/**
 * Pure: when a cell reuses fewer steps than its baseline, which step stopped being reused
 * and why, from the builds' explanations (src/explain): the first step cached in the
 * baseline that re-ran now, with its cause in this run.
 */
import { firstRerun } from '../explain/explain.ts';
import type { BuildExplanation, CellResult, StepExplanation } from '../results/types.ts';

const explained = (cell: CellResult): BuildExplanation | undefined => cell.runs.find((r) => r.status === 'ok' && r.explain)?.explain;

const cause = (s: StepExplanation) => `${s.cause ?? '?'}: ${s.why ?? ''}`;

/** A step across two builds whose Dockerfiles may number it differently: its stage and instruction. */
const key = (s: StepExplanation) => `${s.stage}|${s.step.replace(/^\[[^\]]*\]\s*/, '')}`;

/** `[build 6/8] RUN dotnet restore re-ran (cause: why); in the baseline it was cached`, or undefined when no build says. */
export function lostReuse(baseline: CellResult, current: CellResult): string | undefined {
  const b = explained(baseline);
  const c = explained(current);
  if (!b || !c) return undefined;
  const wasCached = new Map(b.steps.map((s) => [key(s), s.cached]));
  const lost = c.steps.find((s) => s.cached === false && wasCached.get(key(s)) === true);
  if (lost) return `${lost.step} re-ran (${cause(lost)}); in the baseline it was cached`;
  const [fb, fc] = [firstRerun(b), firstRerun(c)];
  if (!fc) return undefined;
  return `first re-run ${fc.step} (${cause(fc)}); in the baseline ${fb ? `${fb.step} (${cause(fb)})` : 'nothing re-ran'}`;
}
