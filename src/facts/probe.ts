// The one way tradesec runs other programs: argv arrays, no shell, a timeout, LC_ALL=C.
//
// node:child_process rather than execa: importing execa costs about 100 ms here, a fifth of a whole audit, and
// the probe needs none of its extras (the rotate-keys --restart command, which reports on a user's process,
// still runs through execa).
import { spawn } from 'node:child_process';

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

/** Most output kept from one stream; a command printing more is stopped and reported as failed. */
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

/** The real probe: a child process without a shell. */
export function createProbe(): Probe {
  return { run: runCommand };
}

function runCommand(argv: readonly string[], options: ProbeOptions = {}): Promise<ProbeResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('probe: empty command');
  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    let failure: ProbeResult['failure'];
    let settled = false;
    const child = spawn(file, args, {
      shell: false,
      cwd: options.cwd,
      env: { ...process.env, ...options.env, LC_ALL: 'C' },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => {
      failure = 'timeout';
      child.kill('SIGKILL');
    }, options.timeoutMs ?? PROBE_TIMEOUT_MS);
    const finish = (exitCode: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (exitCode === null && !failure) failure = 'other';
      resolve({
        exitCode: exitCode ?? -1,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        ...(failure ? { failure } : {}),
      });
    };
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) {
        failure ??= 'other';
        child.kill('SIGKILL');
        return;
      }
      into.push(chunk);
    };
    child.stdout?.on('data', collect(stdout));
    child.stderr?.on('data', collect(stderr));
    child.on('error', (err: NodeJS.ErrnoException) => {
      failure ??= err.code === 'ENOENT' ? 'not-found' : 'other';
      if (err.code === 'ENOENT' || child.pid === undefined) finish(null);
    });
    child.on('close', (code) => finish(code));
    if (child.stdin) {
      // A command that exits before reading all its input closes the pipe: that is its answer, not ours.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}
