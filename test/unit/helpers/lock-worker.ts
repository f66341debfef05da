/**
 * Takes and releases the engine lock `rounds` times. While holding it, it owns a marker
 * directory (mkdir fails if it exists): a failed mkdir means two holders at once, which
 * it reports on stdout as "overlap".
 */
import { mkdirSync, rmdirSync } from 'node:fs';
import { lockEngine } from '../../../src/engine/lock.ts';

const [marker, rounds] = process.argv.slice(2);
let overlaps = 0;
for (let i = 0; i < Number(rounds); i++) {
  const lock = await lockEngine({ name: 'stress' });
  let mine = true;
  try {
    mkdirSync(marker as string);
  } catch {
    overlaps++;
    mine = false;
  }
  // Hold it a little, partly busy (widens the windows a scheduler can preempt in).
  const t = performance.now();
  while (performance.now() - t < 1) {
    /* spin */
  }
  await new Promise((r) => setTimeout(r, Math.random() * 3));
  if (mine) rmdirSync(marker as string);
  lock.release();
}
process.stdout.write(`overlap ${overlaps}\n`);
