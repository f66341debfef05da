/** Shared by the integration tests: they run on the real embedded engine, never skipped. */
import { readdirSync, readFileSync } from 'node:fs';
import { connectEngine, releaseEngine, type Engine } from '../../src/engine/index.ts';
import { layout, mountsUnder, processesMentioning } from '../../src/engine/embedded.ts';
import { cacheHome, runtimeDir } from '../../src/paths.ts';

export async function startEngine(): Promise<Engine> {
  return connectEngine({ start: true, log: (s) => process.stderr.write(`# ${s}\n`) });
}

/** Stops the engine if this test file started it. */
export async function stopIfStarted(engine: Engine | undefined): Promise<void> {
  if (engine) await releaseEngine(engine);
}

/** What the embedded engine could leave behind: processes, mounts, its runtime dir. */
export function leftovers(): { processes: number[]; mounts: string[]; runtimeDir: boolean } {
  const l = layout();
  return {
    processes: processesMentioning([runtimeDir(), l.dataRoot, l.registryConfig]),
    mounts: mountsUnder([cacheHome(), runtimeDir()]),
    runtimeDir: readdirSafe('/run').includes(runtimeDir().slice('/run/'.length)),
  };
}

function readdirSafe(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
