// The real probe: argv without a shell, exit codes, stdin, missing programs, timeouts and LC_ALL=C.
import { describe, expect, it } from 'vitest';
import { createProbe } from '../../src/facts/probe.js';

const probe = createProbe();

describe('createProbe', () => {
  it('returns stdout, stderr and the exit code, with no shell in between', async () => {
    const r = await probe.run(['sh', '-c', 'printf "out $1"; printf err >&2; exit 3', 'sh', '$HOME;']);
    expect(r).toEqual({ exitCode: 3, stdout: 'out $HOME;', stderr: 'err' });
  });

  it('feeds input on stdin and gives commands without input an empty stdin', async () => {
    expect((await probe.run(['cat'], { input: 'a\0b\n' })).stdout).toBe('a\0b\n');
    expect(await probe.run(['cat'])).toEqual({ exitCode: 0, stdout: '', stderr: '' });
  });

  it('runs in the given directory with LC_ALL=C and the extra environment', async () => {
    const r = await probe.run(['sh', '-c', 'pwd; echo "$LC_ALL $EXTRA"'], {
      cwd: '/',
      env: { EXTRA: 'yes', LC_ALL: 'de_DE.UTF-8' },
    });
    expect(r.stdout).toBe('/\nC yes\n');
  });

  it('says not-found for a program that does not exist', async () => {
    const r = await probe.run(['tradesec-no-such-program']);
    expect(r.failure).toBe('not-found');
    expect(r.exitCode).toBe(-1);
  });

  it('stops a command at its timeout and says so', async () => {
    const r = await probe.run(['sleep', '5'], { timeoutMs: 100 });
    expect(r.failure).toBe('timeout');
  });

  it('reports a command killed by a signal as a failure, not as exit 0', async () => {
    const r = await probe.run(['sh', '-c', 'kill -TERM $$']);
    expect(r.failure).toBe('other');
    expect(r.exitCode).toBe(-1);
  });

  it('does not fail when a command exits without reading its input', async () => {
    const r = await probe.run(['true'], { input: 'x'.repeat(1 << 20) });
    expect(r.exitCode).toBe(0);
  });
});
