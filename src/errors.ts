/**
 * One error type for everything the user can act on. `hint` says what to do next;
 * `exitCode` follows the CLI convention: 1 = the work failed, 2 = bad input / setup.
 */
export class CachebenchError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: 1 | 2;

  constructor(message: string, opts: { hint?: string; exitCode?: 1 | 2; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CachebenchError';
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** A bad flag, config value or file: exit code 2, nothing started. */
export class UsageError extends CachebenchError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: 2 });
    this.name = 'UsageError';
  }
}

export function formatError(err: unknown): string {
  if (err instanceof CachebenchError) {
    return `error: ${err.message}${err.hint ? `\n  fix: ${err.hint}` : ''}`;
  }
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}

/** Last `lines` non-empty lines of a log, for error messages. */
export function tail(text: string, lines = 20): string {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n');
}
