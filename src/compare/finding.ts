/** A cell's findings: each a level and a sentence; the cell's verdict is the worst level. Pure. */
import type { CompareOptions } from './types.ts';

export type Level = 'note' | 'improved' | 'alert' | 'fail';
export const RANK: Record<Level, number> = { note: 0, improved: 1, alert: 2, fail: 3 };

export interface Finding {
  level: Level;
  text: string;
}

/**
 * A time change as findings (absolute or relative to none alike): nothing below the alert
 * threshold; significant → improved (faster), alert or fail (slower, by threshold); else a note.
 */
export function changeFindings(what: string, changePct: number, significant: boolean, evidence: readonly string[], o: Pick<CompareOptions, 'alertPct' | 'failPct'>): Finding[] {
  if (Math.abs(changePct) < o.alertPct) return [];
  if (!significant) return [{ level: 'note', text: `${what}, not significant (${evidence.join(', ')})` }];
  const level: Level = changePct < 0 ? 'improved' : changePct >= o.failPct ? 'fail' : 'alert';
  return [{ level, text: `${what}: ${evidence.join(', ')}` }];
}

/** The same findings as notes, prefixed: what is shown but does not decide the verdict. */
export function asNotes(findings: readonly Finding[], prefix: string, suffix = ''): Finding[] {
  return findings.map((f) => ({ level: 'note', text: `${prefix}${f.text}${suffix}` }));
}
