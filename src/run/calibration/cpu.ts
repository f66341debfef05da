/**
 * The CPU part of the calibration: a fixed SHA-256 workload on every core at once (one
 * worker thread per core), so a slower machine or a busier neighbour shows as a longer time.
 * Each worker hashes its own buffer; the time is the wall time from "go" to the last worker done.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';

export interface CpuOptions {
  /** Workers; default one per core the process may use (`os.availableParallelism()`). */
  workers?: number;
  bufferMiB?: number;
  /** Times each worker hashes its whole buffer per repetition. */
  passes?: number;
  /** Timed repetitions, after one untimed warm-up. */
  repetitions?: number;
  signal?: AbortSignal;
}

/** The fixed workload: about 0.3 s per repetition on a core with SHA extensions, about 1 s without. */
export const CPU_DEFAULTS = { bufferMiB: 16, passes: 32, repetitions: 3 } as const;

// Plain CommonJS evaluated in each worker: no loader needed, under tsx or from bench/cachebench.mjs.
// The buffer is filled by a fixed xorshift, so every run hashes the same bytes.
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const buf = Buffer.alloc(workerData.bytes);
const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
let x = 0x9e3779b9;
for (let i = 0; i < words.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; words[i] = x >>> 0; }
parentPort.on('message', () => {
  let digest = '';
  for (let i = 0; i < workerData.passes; i++) digest = createHash('sha256').update(buf).digest('hex');
  parentPort.postMessage(digest);
});
parentPort.postMessage('ready');
`;

/** The worker's next message; rejects if it fails or exits first. */
function nextMessage(w: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    const onMessage = (m: unknown): void => (done(), resolve(m));
    const onError = (e: Error): void => (done(), reject(e));
    const onExit = (code: number): void => (done(), reject(new Error(`a calibration worker exited early (code ${code})`)));
    w.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/** "sha256 of 16 MiB × 32 on 2 workers (one per core)". */
export function cpuWorkloadText(workers: number, bufferMiB: number, passes: number): string {
  return `sha256 of ${bufferMiB} MiB × ${passes} on ${workers} worker${workers === 1 ? '' : 's'} (one per core)`;
}

/** Runs the workload: one untimed warm-up, then `repetitions` timed rounds; ms per round. */
export async function measureCpu(opts: CpuOptions = {}): Promise<{ workload: string; ms: number[] }> {
  const n = Math.max(1, opts.workers ?? os.availableParallelism());
  const bufferMiB = opts.bufferMiB ?? CPU_DEFAULTS.bufferMiB;
  const passes = opts.passes ?? CPU_DEFAULTS.passes;
  const repetitions = opts.repetitions ?? CPU_DEFAULTS.repetitions;
  const workerData = { bytes: bufferMiB * 2 ** 20, passes };
  opts.signal?.throwIfAborted();
  // execArgv [] keeps the parent's loader flags (tsx) out of the workers: they run plain JavaScript.
  const workers = Array.from({ length: n }, () => new Worker(WORKER_CODE, { eval: true, workerData, execArgv: [] }));
  try {
    await Promise.all(workers.map(nextMessage));
    const round = async (): Promise<number> => {
      const replies = workers.map(nextMessage);
      const t = performance.now();
      for (const w of workers) w.postMessage('go');
      await Promise.all(replies);
      return performance.now() - t;
    };
    await round();
    const ms: number[] = [];
    for (let i = 0; i < repetitions; i++) {
      opts.signal?.throwIfAborted();
      ms.push(await round());
    }
    return { workload: cpuWorkloadText(n, bufferMiB, passes), ms };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
