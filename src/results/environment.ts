/** What differs between the environments of two runs (merge and compare both warn about it). Pure. */
import type { Environment, Results } from './types.ts';

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
