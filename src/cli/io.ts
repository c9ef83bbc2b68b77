// The CLI's view of the terminal, injected so commands and tests never touch process globals.

/** Somewhere to write text. */
export interface Output {
  write(text: string): void;
}

/** Terminal and environment facts for one CLI invocation. */
export interface Io {
  stdout: Output;
  stderr: Output;
  /** Whether stdout is a terminal. */
  isTTY: boolean;
  /** Whether colour is allowed (TTY, no NO_COLOR, no --no-color). */
  color: boolean;
  /** Whether prompts are allowed (stdin is a TTY, CI unset). */
  interactive: boolean;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** The Io of the running process. */
export function processIo(): Io {
  const env = process.env;
  const isTTY = Boolean(process.stdout.isTTY);
  return {
    stdout: { write: (t) => void process.stdout.write(t) },
    stderr: { write: (t) => void process.stderr.write(t) },
    isTTY,
    color: isTTY && env.NO_COLOR === undefined && env.TERM !== 'dumb',
    interactive: Boolean(process.stdin.isTTY) && !env.CI,
    cwd: process.cwd(),
    env,
  };
}

/** An Io that records output, for tests and embedding. */
export function memoryIo(overrides: Partial<Io> = {}): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: {
      write: (t) => {
        out += t;
      },
    },
    stderr: {
      write: (t) => {
        err += t;
      },
    },
    isTTY: false,
    color: false,
    interactive: false,
    cwd: process.cwd(),
    env: {},
    ...overrides,
    out: () => out,
    err: () => err,
  };
}
