/**
 * The one module that runs builds: `docker buildx build --progress=rawjson`, streamed
 * through the parser, turned into a BuildRecord. A failed build is a record with
 * status 'failed' (never an exception); only a build that could not be started throws.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { docker, type Engine } from '../engine/index.ts';
import type { BuildError, BuildRecord } from '../results/types.ts';
import { buildxArgs, type BuildRequest } from './args.ts';
import { RawJsonParser, type ParsedProgress, type Vertex } from './rawjson.ts';
import { failingLog, summarize, type StepSummary } from './record.ts';
import { checkBuild } from './check.ts';
import type { DockerfileModel } from '../dockerfile/model.ts';
import { tail } from '../errors.ts';

export interface RunBuildOptions {
  /** Called whenever a vertex changes (for progress lines). */
  onVertex?: (v: Vertex) => void;
  /** Receives the raw rawjson stream once the build has ended (callers keep it after their measured window). */
  onRaw?: (raw: string) => void;
  /** Layer digests of the base images (to tell base pulls from cache imports). */
  baseLayers?: ReadonlySet<string>;
  /** The Dockerfile as BuildKit will build it: a successful build is checked against it. */
  model?: DockerfileModel;
  signal?: AbortSignal;
  env?: Record<string, string>;
}

interface Metadata {
  'buildx.build.ref'?: string;
  'containerimage.digest'?: string;
}

export async function runBuild(engine: Engine, req: BuildRequest, opts: RunBuildOptions = {}): Promise<BuildRecord> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cachebench-build-'));
  const metadataFile = path.join(tmp, 'metadata.json');
  const args = buildxArgs({ ...req, metadataFile });
  const parser = new RawJsonParser();
  let raw = '';
  const started = performance.now();
  const child = execa(engine.dockerBin, args, {
    env: { ...engine.env, ...opts.env },
    reject: false,
    cancelSignal: opts.signal,
    // SIGINT is what a user's Ctrl-C sends; the docker CLI then cancels the build at once.
    killSignal: 'SIGINT',
    forceKillAfterDelay: 5000,
    stdin: 'ignore',
    buffer: { stdout: true, stderr: false },
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    raw += chunk;
    for (const v of parser.push(chunk)) opts.onVertex?.(v);
  });
  const result = await child;
  const buildxWallMs = performance.now() - started;
  const progress = parser.end();
  opts.onRaw?.(raw);
  const summary = summarize(progress, opts.baseLayers ? { baseLayers: opts.baseLayers } : {});
  let meta: Metadata = {};
  try {
    meta = JSON.parse(readFileSync(metadataFile, 'utf8')) as Metadata;
  } catch {
    /* a failed build may write none */
  }
  rmSync(tmp, { recursive: true, force: true });
  const ok = result.exitCode === 0 && !result.isCanceled;
  const record: BuildRecord = {
    status: ok ? 'ok' : 'failed',
    wallMs: buildxWallMs,
    buildxWallMs,
    phases: summary.phases,
    steps: summary.steps,
    cachedSteps: summary.cachedSteps,
    totalSteps: summary.totalSteps,
    bytesPulled: summary.bytesPulled,
    warnings: progress.warnings,
  };
  if (ok && opts.model) {
    // Counted per Dockerfile instruction: a step that shares another stage's vertex counts too.
    record.check = checkBuild(opts.model, summary, buildxWallMs);
    record.totalSteps = record.check.instructions.counted;
    record.cachedSteps = record.check.instructions.cached;
  }
  if (meta['containerimage.digest']) record.imageDigest = meta['containerimage.digest'];
  if (meta['buildx.build.ref']) record.buildRef = meta['buildx.build.ref'];
  if (!ok) record.error = buildError(progress, summary, result);
  return record;
}

/** What failed, root cause first: the step that failed for its own reason, its exit code and log tail. */
function buildError(progress: ParsedProgress, summary: StepSummary, result: { isCanceled: boolean; exitCode?: number | undefined; signal?: string | undefined; message?: string | undefined }): BuildError {
  const failed = summary.failedStep;
  const exitCode = /exit code: (\d+)/.exec(failed?.error ?? '')?.[1];
  const other = tail(progress.otherText, 10);
  return {
    message: result.isCanceled
      ? 'build cancelled'
      : failed
        ? `step "${failed.name}" failed: ${failed.error ?? ''}`
        : `buildx exited ${result.exitCode ?? result.signal ?? '?'}: ${other || result.message || ''}`,
    logTail: failingLog(progress, 25, failed) || other,
    ...(failed ? { step: failed.name } : {}),
    ...(exitCode ? { exitCode: Number(exitCode) } : {}),
  };
}

/**
 * BuildKit's own duration for a finished build (`buildx history inspect`), read after
 * the measured window so that this extra call is not part of any measured time.
 */
export async function addBuildkitDuration(engine: Engine, record: BuildRecord): Promise<void> {
  if (!record.buildRef) return;
  const id = record.buildRef.split('/').pop() ?? '';
  const h = await docker(engine, ['buildx', 'history', 'inspect', id, '--format', 'json'], { reject: false, timeoutMs: 15_000 });
  if (h.exitCode !== 0) return;
  try {
    const j = JSON.parse(h.stdout) as { Duration?: number };
    if (typeof j.Duration === 'number') record.buildkitMs = j.Duration / 1e6;
  } catch {
    /* optional */
  }
}
