/** What every command shares: printing a line to stdout and parsing flags with usage errors. */
import { parseArgs } from 'node:util';
import { UsageError } from '../../src/errors.ts';

export function out(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : s + '\n');
}

/** `--help`/`-h`, the named boolean flags and positionals; a bad flag is a UsageError showing the usage's first line. */
export function simpleFlags(argv: string[], usage: string, booleans: readonly string[] = []) {
  const options: Record<string, { type: 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const b of booleans) options[b] = { type: 'boolean' };
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}`, usage.split('\n')[0]);
  }
}

/** A line to stderr: progress and warnings, kept out of the output proper. */
export function logErr(s: string): void {
  process.stderr.write(s + '\n');
}
