// Shared plumbing of commands: running an action, turning errors into one line and an exit code.
import { InvalidArgumentError } from 'commander';
import { ExitCode, UsageError } from '../audit/errors.js';
import type { Io } from './io.js';

/** What every command action receives besides its arguments. */
export interface CliState {
  io: Io;
  exitCode: number;
}

/** Wraps a command action: its return value becomes the exit code, errors become one line. */
export function action<A extends unknown[]>(
  state: CliState,
  fn: (...args: A) => Promise<number | undefined>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      state.exitCode = typeof code === 'number' ? code : ExitCode.ok;
    } catch (err) {
      state.exitCode = reportError(state.io, err);
    }
  };
}

/** Writes an error as one line and returns its exit code; a stack only with TRADESEC_DEBUG. */
export function reportError(io: Io, err: unknown): number {
  if (err instanceof UsageError) {
    io.stderr.write(`tradesec: ${err.message}\n`);
    return err.exitCode;
  }
  if (isCancel(err)) {
    io.stderr.write('tradesec: cancelled\n');
    return ExitCode.cancelled;
  }
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  io.stderr.write(`tradesec: internal error: ${message}\n`);
  if (io.env.TRADESEC_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return ExitCode.internal;
}

function isCancel(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError');
}

/** Formats the "Examples:" block appended to a command's help. */
export function examples(lines: Array<[string, string]>): string {
  const width = Math.max(...lines.map(([cmd]) => cmd.length));
  return `\nExamples:\n${lines.map(([cmd, what]) => `  $ ${cmd.padEnd(width)}  # ${what}`).join('\n')}\n`;
}

/** Parses a comma-separated option value. */
export function commaList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/** A comma-separated list of check ids: an empty value (an unset CI variable) is a mistake, not "every check". */
export function idList(value: string, previous: string[] = []): string[] {
  const ids = commaList(value);
  if (ids.length === 0) throw new InvalidArgumentError('it names no check (comma-separated check ids)');
  return [...previous, ...ids];
}

/** Collects a repeatable option. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
