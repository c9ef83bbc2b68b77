// The real executable, started through its shebang: Node itself must not act on rotate-keys's --env-file.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tradesec.js');

interface Result {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/tradesec.js as a program (or, with viaNode, as `node bin/tradesec.js`), killed after 10 s so a hang fails fast. */
function runBin(cwd: string, args: string[], viaNode = false): Promise<Result> {
  const [file, argv] = viaNode ? [process.execPath, [BIN, ...args]] : [BIN, args];
  return new Promise((resolve) => {
    execFile(file, argv, { cwd, timeout: 10_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: unknown; signal?: string }) | null;
      resolve({
        code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
        signal: e?.signal ?? null,
        stdout,
        stderr,
      });
    });
  });
}

describe('bin/tradesec.js rotate-keys --env-file (nodejs/node#54232)', () => {
  it.each([
    [
      'a missing file',
      'nope.env',
      async () => {},
      'tradesec: nope.env: no such file (name it with --env-file)',
    ],
    [
      'a directory',
      'd',
      async (dir: string) => mkdir(path.join(dir, 'd')),
      'tradesec: d is not a regular file',
    ],
    [
      'a FIFO',
      'fifo',
      async (dir: string) => {
        const { spawnSync } = await import('node:child_process');
        expect(spawnSync('mkfifo', [path.join(dir, 'fifo')]).status).toBe(0);
      },
      'tradesec: fifo is not a regular file',
    ],
  ])('reports %s in one line of its own and exits 2', async (_name, file, setup, message) => {
    const dir = await tempDir('tradesec-bin-');
    await writeFile(path.join(dir, '.env.production'), 'SECRET_KEY=x\n', { mode: 0o600 });
    await setup(dir);
    const r = await runBin(dir, ['rotate-keys', '--env-file', file, '--dry-run']);
    expect(r).toEqual({ code: 2, signal: null, stdout: '', stderr: `${message}\n` });
  });

  // What README.md says about `node bin/tradesec.js`: Node reads the flag itself, and stops on a missing path or a directory.
  it.each([
    ['a missing path', 'nope.env', async () => {}],
    ['a directory', 'd', async (dir: string) => mkdir(path.join(dir, 'd'))],
  ])(
    'started as `node bin/tradesec.js`, leaves %s to Node, which exits 9 before tradesec starts',
    async (_name, file, setup) => {
      const dir = await tempDir('tradesec-bin-');
      await setup(dir);
      const r = await runBin(dir, ['rotate-keys', '--env-file', file, '--dry-run'], true);
      expect(r.code).toBe(9);
      // Node names itself by its path: `/usr/bin/node: nope.env: not found`.
      expect(r.stderr).toMatch(new RegExp(`^\\S*node: ${file}: `));
      expect(r.stderr).not.toContain('tradesec:');
    },
  );
});
