/**
 * The order and number of measured builds: --order interleaved|sequential, --seed N,
 * --min-runs N, --max-runs M, --target-rme P, --budget DURATION (src/run/rounds.ts uses them).
 */
import { randomInt } from 'node:crypto';
import { UsageError } from './errors.ts';

export interface Adaptive {
  minRuns: number;
  maxRuns: number;
  /** Relative margin of error (95%) of the mean a cell must reach, in percent. */
  targetRmePct?: number;
  /** Wall time after which no new build starts, in ms. */
  budgetMs?: number;
}

export const ROUND_FLAGS = {
  order: { type: 'string' },
  seed: { type: 'string' },
  'min-runs': { type: 'string' },
  'max-runs': { type: 'string' },
  'target-rme': { type: 'string' },
  budget: { type: 'string' },
} as const;

export type RoundFlagValues = Partial<Record<keyof typeof ROUND_FLAGS, string>>;

export const ROUND_USAGE = `  --order O              interleaved (default: every cell once per round, the order inside a round
                         shuffled by --seed) or sequential (a cell's repetitions back to back)
  --seed N               the shuffle's seed (default: random, recorded in results.json)
  --min-runs N           builds per cell before any stops (default: --repetitions, from the profile)
  --max-runs M           adaptive: further rounds, up to M builds, for the cells whose interval is wider
                         than --target-rme or whose rank against the next mode is not separated
  --target-rme P         relative margin of error (95%) of a cell's mean to reach, e.g. 5%
  --budget DURATION      start no build after this much time (e.g. 45m, 2h); the cells left say so
`;

export type Order = 'interleaved' | 'sequential';

export interface RoundSettings {
  order: Order;
  seed: number;
  adaptive: Adaptive;
}

function whole(flag: string, value: string, min: number, max = 1000): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`${flag}: "${value}" is not a whole number from ${min} to ${max}`, `e.g. ${flag} 5`);
  return n;
}

/** The largest shuffle seed: a random one is drawn below it, and any recorded one can be given back. */
const MAX_SEED = 1_000_000;

/** `45m`, `2h`, `90s`, `1h30m` → ms. */
export function parseDuration(text: string): number | undefined {
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text.trim());
  if (!m || text.trim() === '') return undefined;
  const ms = (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
  return ms > 0 ? ms : undefined;
}

export function parseRoundSettings(v: RoundFlagValues, repetitions: number): RoundSettings {
  const order = (v.order ?? 'interleaved') as Order;
  if (order !== 'interleaved' && order !== 'sequential') throw new UsageError(`--order: "${v.order}" is not interleaved or sequential`);
  const seed = v.seed !== undefined ? whole('--seed', v.seed, 0, MAX_SEED) : randomInt(1, MAX_SEED);
  const minRuns = v['min-runs'] !== undefined ? whole('--min-runs', v['min-runs'], 1) : repetitions;
  const maxRuns = v['max-runs'] !== undefined ? whole('--max-runs', v['max-runs'], 1) : minRuns;
  if (maxRuns < minRuns) throw new UsageError(`--max-runs ${maxRuns} is below --min-runs ${minRuns}`, 'the maximum must be at least the minimum');
  const adaptive: Adaptive = { minRuns, maxRuns };
  if (v['target-rme'] !== undefined) {
    const p = Number(v['target-rme'].replace(/%$/, ''));
    if (!Number.isFinite(p) || p <= 0 || p >= 100) throw new UsageError(`--target-rme: "${v['target-rme']}" is not a percentage above 0 and below 100`, 'e.g. --target-rme 5%');
    if (maxRuns === minRuns) throw new UsageError('--target-rme needs --max-runs above --min-runs', 'e.g. --min-runs 3 --max-runs 10 --target-rme 5%');
    adaptive.targetRmePct = p;
  }
  if (v.budget !== undefined) {
    const ms = parseDuration(v.budget);
    if (ms === undefined) throw new UsageError(`--budget: "${v.budget}" is not a duration`, 'e.g. --budget 45m, --budget 2h, --budget 1h30m');
    adaptive.budgetMs = ms;
  }
  if (order === 'sequential' && (maxRuns > minRuns || adaptive.budgetMs !== undefined)) {
    throw new UsageError('--order sequential cannot stop adaptively', 'adaptive repetitions (--max-runs, --budget) need --order interleaved');
  }
  return { order, seed, adaptive };
}
