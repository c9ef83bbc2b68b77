// The benchmarks' own machinery: the generated repository is what the scale benchmark claims, the runner prints tables.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ES module scripts without type declarations
import { median } from '../../bench/cold-start.js';
// @ts-expect-error: plain ES module scripts without type declarations
import { benchModules, normalise, table } from '../../bench/run.js';
// @ts-expect-error: plain ES module scripts without type declarations
import { ensureRepository } from '../../bench/scale.js';
import { tempDir } from '../helpers/temp.js';

const git = (dir: string, ...args: string[]) =>
  spawnSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
  }).stdout;

async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (p === '.git') continue;
    if (e.isDirectory()) out.push(...(await walk(dir, p)));
    else out.push(p);
  }
  return out;
}

describe('bench/scale.js repository generator', () => {
  it('builds the planned tree, a clean history with an env file added then deleted, and reuses it', async () => {
    const dir = path.join(await tempDir(), 'repo');
    const spec = { version: 1, files: 900, totalBytes: 2 * 1024 * 1024, commits: 25, seed: 11 };
    const first = await ensureRepository(dir, spec);
    expect(first.reused).toBe(false);

    const files = await walk(dir);
    expect(files).toHaveLength(900);
    expect(git(dir, 'rev-list', '--count', 'HEAD').trim()).toBe('25');
    expect(git(dir, 'status', '--porcelain'), 'the work tree matches HEAD').toBe('');
    const history = git(dir, 'log', '--all', '--format=%s', '--name-status', '--', 'deploy/.env.production');
    expect(history).toMatch(/D\tdeploy\/\.env\.production/);
    expect(history).toMatch(/A\tdeploy\/\.env\.production/);
    expect(existsSync(path.join(dir, 'deploy/.env.production'))).toBe(false);

    // Planted, untracked and ignored: what the audit must still see.
    expect(statSync(path.join(dir, '.env.production')).mode & 0o777).toBe(0o644);
    expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toContain('SECRET_KEY=cKJXQ');
    expect(
      git(dir, 'check-ignore', '.env.production', 'certs/server.key', 'node_modules/x').trim().split('\n'),
    ).toHaveLength(3);
    expect(files.some((f) => f.startsWith('.venv/'))).toBe(true);

    // Generated Python parses: the benchmark times real work, not syntax-error findings.
    const py = files.filter((f) => f.endsWith('.py')).slice(0, 40);
    const check = spawnSync(
      '/usr/bin/python3',
      ['-c', 'import ast,sys\nfor f in sys.argv[1:]: ast.parse(open(f).read())', ...py],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    if (!check.error) expect(check.stderr).toBe('');

    const again = await ensureRepository(dir, spec);
    expect(again.reused).toBe(true);
  });
});

describe('bench/run.js', () => {
  it('finds the modules present, cold start and scale first', async () => {
    const names: string[] = await benchModules();
    expect(names.slice(0, 2)).toEqual(['cold-start', 'scale']);
    expect(names).not.toContain('run');
  });

  it('normalises results and prints aligned tables', () => {
    expect(
      normalise('x', { title: 'T', rows: [{ metric: 'ratio', value: 1.234, goal: '<= 2x', ok: true }] }),
    ).toEqual({
      title: 'T',
      rows: [{ metric: 'ratio', value: '1.23', goal: '<= 2x', ok: true }],
    });
    expect(normalise('x', { a: 1, b: 'two' })).toEqual({
      title: 'x',
      rows: [
        { metric: 'a', value: '1' },
        { metric: 'b', value: 'two' },
      ],
    });
    expect(table(['metric', 'value'], [['ratio', '1.2x']])).toBe(
      'metric  value\n------  -----\nratio   1.2x',
    );
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
