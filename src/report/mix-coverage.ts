/**
 * Where the commit mix came from and how much of it the run covers. With a history
 * (`--mix-from`), every class of the history keeps its share; the classes the run measured
 * are covered, their shares renormalised into the expected time's weights; the others
 * (a Dockerfile or base-image change, a scenario not run) are not covered. Without one,
 * the commit mix is all there is, and all of it is covered. Pure.
 */
import type { Results } from '../results/types.ts';
import type { MixClass, MixCoverage } from './analysis-types.ts';

/** The plan's commit mix with its weights added up to 1 (negative weights dropped). */
export function normalisedMix(commitMix: Readonly<Record<string, number>>): Record<string, number> {
  const total = Object.values(commitMix).reduce((a, w) => a + (w > 0 ? w : 0), 0);
  return Object.fromEntries(Object.entries(commitMix).map(([s, w]) => [s, total > 0 && w > 0 ? w / total : 0]));
}

export function mixCoverage(results: Results): MixCoverage {
  const plan = results.plan;
  const weights = normalisedMix(plan.commitMix);
  const source = plan.mixSource;
  const shares = source ? source.weights : weights;
  const classes: MixClass[] = Object.entries(shares)
    .filter(([, share]) => share > 0)
    .map(([name, share]) => {
      const covered = source ? plan.scenarios.includes(name) && (weights[name] ?? 0) > 0 : true;
      return { name, share, covered, weight: covered ? (weights[name] ?? 0) : 0 };
    })
    .sort((a, b) => b.share - a.share || a.name.localeCompare(b.name));
  const coveredShare = classes.filter((c) => c.covered).reduce((a, c) => a + c.share, 0);
  return { ...(source ? { source } : {}), classes, coveredShare, notCovered: classes.filter((c) => !c.covered) };
}
