import { execa, type Options as ExecaOptions, type ResultPromise } from 'execa';
import { CachebenchError, tail } from './errors.ts';

export interface CommandResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export class CommandError extends CachebenchError {
  readonly result: CommandResult;
  constructor(what: string, result: CommandResult, hint?: string) {
    super(
      `${what} failed (exit ${result.exitCode}): ${result.command}\n${tail(result.stderr || result.stdout, 15)}`,
      { hint },
    );
    this.name = 'CommandError';
    this.result = result;
  }
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  /** Do not throw on non-zero exit. */
  reject?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** What the command is for, used in error messages. */
  what?: string;
  hint?: string;
}

/** Runs a command to completion and returns its output; the one place short commands are spawned. */
export async function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  const started = performance.now();
  const r = await execa(file, args, {
    env: opts.env,
    extendEnv: true,
    cwd: opts.cwd,
    input: opts.input,
    reject: false,
    timeout: opts.timeoutMs,
    cancelSignal: opts.signal,
    stripFinalNewline: true,
    all: false,
  });
  const result: CommandResult = {
    command: [file, ...args].join(' '),
    exitCode: r.exitCode ?? (r.signal ? 128 : -1),
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    durationMs: performance.now() - started,
  };
  if (r.failed && r.exitCode === undefined && opts.reject !== false) {
    throw new CommandError(opts.what ?? file, { ...result, stderr: `${result.stderr}\n${r.message}` }, opts.hint);
  }
  if (result.exitCode !== 0 && opts.reject !== false) {
    throw new CommandError(opts.what ?? file, result, opts.hint);
  }
  return result;
}

/** Starts a long-running process (a build with streamed output). */
export function spawnStreaming(file: string, args: readonly string[], opts: ExecaOptions): ResultPromise {
  return execa(file, args, opts);
}
