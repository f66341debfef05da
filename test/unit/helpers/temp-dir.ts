/** A temporary folder that is removed when the test process exits (tests must not leave /tmp behind). */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch (err) {
      // A folder still mounted (a test that failed before its unmount) must not fail the exit.
      process.stderr.write(`# temp folder ${d} left behind: ${(err as Error).message}\n`);
    }
  }
});

export function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}
