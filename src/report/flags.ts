/**
 * What is wrong with a run, as the report lists it: cells and seed builds that are
 * missing, failed or short of repetitions (problems), and measurements that contradict
 * what a mode should do (expectation flags). Pure.
 */
import type { Results } from '../results/types.ts';
import { BASELINE_MODE, type CellSummary, type Flag, type ModeAnalysis, type Problem, type ScenarioAnalysis } from './analysis-types.ts';
import { summarizeSeed } from './cells.ts';

/** Missing or failed seed builds per mode, then cells not measured, failed or incomplete. */
export function problems(results: Results, cells: CellSummary[], modes: string[]): Problem[] {
  const out: Problem[] = [];
  for (const mode of modes) {
    const seed = results.seeds[mode];
    const id = `${results.plan.fixture}/seed/${mode}`;
    if (!seed) out.push({ id, mode, problem: 'no seed (parent) build recorded: the cache for this mode was never made' });
    else if (seed.status === 'failed') out.push({ id, mode, problem: `seed build failed: ${summarizeSeed(seed).error ?? 'no error message'}` });
  }
  for (const c of cells) {
    const base = { id: c.id, scenario: c.scenario, mode: c.mode };
    if (!c.cell) out.push({ ...base, problem: 'not measured (missing from results)' });
    else if (c.runs === 0) out.push({ ...base, problem: 'no builds recorded' });
    else if (c.failedRuns > 0) {
      const f = c.cell.runs.find((r) => r.status === 'failed');
      const e = f?.error;
      const where = [e?.step && `at ${e.step}`, e?.exitCode !== undefined && `exit code ${e.exitCode}`].filter(Boolean).join(', ');
      out.push({ ...base, problem: `${c.failedRuns} of ${c.runs} builds failed${e ? `: ${e.message}` : ''}${where ? ` (${where})` : ''}` });
    } else if (c.okRuns < c.plannedRuns) out.push({ ...base, problem: `only ${c.okRuns} of ${c.plannedRuns} repetitions measured` });
  }
  return out;
}

/** A builder that was not fresh (error), caches that did not reuse what they should have (warnings). */
export function expectationFlags(scenarios: ScenarioAnalysis[], modes: ModeAnalysis[]): Flag[] {
  const flags: Flag[] = [];
  const facts = new Map(modes.map((m) => [m.mode, m.facts]));
  for (const s of scenarios) {
    const none = s.cells.find((c) => c.mode === BASELINE_MODE);
    if (none?.cachedSteps) {
      flags.push({ severity: 'error', message: `none reused ${none.cachedSteps} of ${none.totalSteps ?? '?'} steps in ${s.scenario}: the builder was not fresh, so every mode's times in this run are suspect.` });
    }
  }
  const code = scenarios.find((s) => s.scenario === 'code-change');
  if (code) {
    const measured = code.cells.filter((c) => c.cachedSteps !== undefined && c.mode !== BASELINE_MODE);
    const wide = measured.filter((c) => facts.get(c.mode)?.cachesBuilderStage === true);
    const narrow = measured.filter((c) => facts.get(c.mode)?.cachesBuilderStage === false);
    for (const w of wide) {
      for (const n of narrow) {
        if ((w.cachedSteps as number) <= (n.cachedSteps as number)) {
          flags.push({
            severity: 'warning',
            message: `code-change: ${w.mode} reused ${w.cachedSteps}/${w.totalSteps} steps, not more than ${n.mode} (${n.cachedSteps}/${n.totalSteps}). ${w.mode} caches the builder stage and should reuse its dependency restore; check that its cache was exported with mode=max and imported.`,
          });
        }
      }
    }
  }
  const same = scenarios.find((s) => s.scenario === 'no-change');
  for (const c of same?.cells ?? []) {
    if (c.mode === BASELINE_MODE || c.cachedSteps === undefined || c.totalSteps === undefined) continue;
    if (c.cachedSteps < c.totalSteps) {
      flags.push({ severity: 'warning', message: `no-change: ${c.mode} reused only ${c.cachedSteps} of ${c.totalSteps} steps; rebuilding an unchanged commit should reuse every step. The cache import may have failed or been incomplete.` });
    }
  }
  for (const m of modes) {
    if (m.mode === BASELINE_MODE || !m.seed || m.seed.status !== 'ok') continue;
    if (!m.seed.cacheBytes) flags.push({ severity: 'warning', message: `the ${m.mode} seed build reports no exported cache size; its cache may be empty.` });
  }
  return flags;
}
