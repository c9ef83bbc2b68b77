// Errors that end a command with a one-line message and a documented exit code.

/** Exit codes shared by every command. */
export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  internal: 3,
  cancelled: 130,
} as const;

/** A usage, configuration or plugin error: one line for the user, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.usage;
}

/** A configuration error, with the file (and line) at fault. */
export class ConfigError extends UsageError {
  constructor(file: string, message: string, line?: number) {
    super(`${file}${line ? `:${line}` : ''}: ${message}`);
  }
}
