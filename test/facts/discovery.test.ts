import { chmod, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { globMatcher } from '../../src/audit/context.js';
import { discoverFiles } from '../../src/facts/discovery.js';
import { readTextFile } from '../../src/facts/text.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

describe('file discovery', () => {
  it('lists ignored and hidden files but not VCS data, dependencies, virtualenvs, caches or build output', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      '.env.production': 'SECRET_KEY=x\n',
      'app/main.py': 'x = 1\n',
      'app/__pycache__/main.cpython-311.pyc': 'bytes',
      '.git/config': '[core]\n',
      'node_modules/pkg/index.js': '',
      'env/pyvenv.cfg': 'home = /usr/bin\n',
      'env/lib/python3.11/site.py': '',
      '.venv/lib/x.py': '',
      'dist/out.js': '',
      'certs/server.key': 'k',
    });
    const files = await discoverFiles(dir);
    expect(files.map((f) => f.path)).toEqual(['.env.production', 'app/main.py', 'certs/server.key']);
    expect(files[0]?.abs).toBe(path.join(dir, '.env.production'));
  });

  it('does not follow symlinks out of the root, and does not walk symlinked directories', async () => {
    const outside = await tempDir();
    await writeFiles(outside, { 'secret.env': 'A=1\n' });
    const dir = await tempDir();
    await writeFiles(dir, { 'real/.env.production': 'A=1\n' });
    await symlink(path.join(outside, 'secret.env'), path.join(dir, 'escape.env'));
    await symlink(path.join(outside), path.join(dir, 'outdir'));
    await symlink(path.join(dir, 'real/.env.production'), path.join(dir, 'inside.env'));
    await symlink(path.join(dir, 'real'), path.join(dir, 'realdir'));
    await symlink(path.join(dir, 'missing'), path.join(dir, 'dangling'));
    const files = await discoverFiles(dir);
    expect(files.map((f) => [f.path, f.symlink])).toEqual([
      ['inside.env', true],
      ['real/.env.production', false],
    ]);
  });

  it('tells the caller about directories it could not list, the root included', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'app/main.py': '', 'locked/.env.production': 'A=1\n', 'locked/x/y.py': '' });
    const unreadable: string[] = [];
    const files = await discoverFiles(dir, {
      onUnreadable: (p, error) => unreadable.push(`${p}: ${error}`),
      listDir: async (abs) => {
        if (abs === path.join(dir, 'locked')) throw Object.assign(new Error('x'), { code: 'EACCES' });
        return readdir(abs, { withFileTypes: true });
      },
    });
    expect(files.map((f) => f.path)).toEqual(['app/main.py']);
    expect(unreadable).toEqual(['locked: permission denied']);
    const root: string[] = [];
    await discoverFiles(dir, {
      onUnreadable: (p) => root.push(p),
      listDir: async () => {
        throw Object.assign(new Error('x'), { code: 'EACCES' });
      },
    });
    expect(root).toEqual(['.']);
  });

  it.skipIf(process.getuid?.() === 0)('reports a directory of mode 000 (not as root)', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'locked/.env.production': 'A=1\n' });
    await chmod(path.join(dir, 'locked'), 0);
    const unreadable: string[] = [];
    await discoverFiles(dir, { onUnreadable: (p) => unreadable.push(p) });
    await chmod(path.join(dir, 'locked'), 0o700);
    expect(unreadable).toEqual(['locked']);
  });

  it('applies exclude globs', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'vendor/a/.env': '', 'app/.env': '', 'tests/fixtures/x.key': '' });
    const files = await discoverFiles(dir, { exclude: globMatcher(['vendor/**', 'tests/fixtures/**']) });
    expect(files.map((f) => f.path)).toEqual(['app/.env']);
  });
});

describe('reading text', () => {
  it('tells text, binary, oversized and unreadable files apart', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 't.txt'), '\ufeffhello');
    await writeFile(path.join(dir, 'b.bin'), Buffer.from([1, 2, 0, 3]));
    await writeFile(path.join(dir, 'big.txt'), 'x'.repeat(2000));
    await mkdir(path.join(dir, 'd'));
    expect(await readTextFile(path.join(dir, 't.txt'))).toEqual({ kind: 'text', text: 'hello' });
    expect(await readTextFile(path.join(dir, 'b.bin'))).toEqual({ kind: 'binary' });
    expect(await readTextFile(path.join(dir, 'big.txt'), 1000)).toEqual({ kind: 'too-large', size: 2000 });
    expect(await readTextFile(path.join(dir, 'nope'))).toEqual({
      kind: 'unreadable',
      error: 'no such file or directory',
    });
    expect((await readTextFile(path.join(dir, 'd'))).kind).toBe('unreadable');
  });
});

describe('glob matcher', () => {
  it('matches names at any depth without a slash, paths with one', () => {
    const m = globMatcher(['.env.*', 'config/*.key']);
    expect(m('.env.production')).toBe(true);
    expect(m('deploy/.env.prod')).toBe(true);
    expect(m('config/a.key')).toBe(true);
    expect(m('other/config/a.key')).toBe(false);
    expect(m('env.production')).toBe(false);
  });
});

describe('reading special files', () => {
  it('refuses a FIFO without blocking', async () => {
    const { execFileSync } = await import('node:child_process');
    const dir = await tempDir();
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    expect(await readTextFile(path.join(dir, 'pipe'))).toEqual({
      kind: 'unreadable',
      error: 'not a regular file',
    });
  });
});
