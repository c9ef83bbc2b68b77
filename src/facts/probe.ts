// The one way tradesec runs other programs: argv arrays, no shell, a timeout, LC_ALL=C.
import { execa } from 'execa';

/** What running a command produced. */
export interface ProbeResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the command could not run at all or was stopped. */
  failure?: 'not-found' | 'timeout' | 'other';
}

/** Options for one command. */
export interface ProbeOptions {
  cwd?: string;
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

/** Runs commands; tests replace it with a table of canned outputs. */
export interface Probe {
  run(argv: readonly string[], options?: ProbeOptions): Promise<ProbeResult>;
}

/** Default timeout of a probed command. */
export const PROBE_TIMEOUT_MS = 60_000;

/** The real probe: execa without a shell. */
export function createProbe(): Probe {
  return {
    async run(argv, options = {}) {
      const [file, ...args] = argv;
      if (!file) throw new Error('probe: empty command');
      const result = await execa(file, args, {
        reject: false,
        shell: false,
        cwd: options.cwd,
        input: options.input,
        timeout: options.timeoutMs ?? PROBE_TIMEOUT_MS,
        env: { ...options.env, LC_ALL: 'C' },
        stripFinalNewline: false,
        maxBuffer: 512 * 1024 * 1024,
      });
      const r = result as unknown as {
        exitCode?: number;
        stdout?: string;
        stderr?: string;
        timedOut?: boolean;
        code?: string;
      };
      let failure: ProbeResult['failure'];
      if (r.timedOut) failure = 'timeout';
      else if (r.code === 'ENOENT') failure = 'not-found';
      else if (r.exitCode === undefined) failure = 'other';
      return {
        exitCode: r.exitCode ?? -1,
        stdout: r.stdout ?? '',
        stderr: r.stderr ?? '',
        ...(failure ? { failure } : {}),
      };
    },
  };
}
