import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

const BIN = path.resolve('bin/tradesec.js');

/** A plugin check reporting one finding per line of findings.txt: "<severity> <text>", or crashing on "crash". */
const PLUGIN = `export default {
  meta: { id: 'demo', point: 20, title: 'Demo lines are fine', description: 'Reads findings.txt.', targets: ['repo'],
    rules: { line: { title: 'No demo lines', severity: 'medium', description: 'd', remediation: 'r' } } },
  async run(ctx) {
    const t = await ctx.read('findings.txt');
    if (t.kind !== 'text') return { skip: { code: 'not-applicable', reason: 'no findings.txt' } };
    if (t.text.includes('crash')) throw new Error('demo crashed');
    return t.text.split('\\n').filter(Boolean).map((l, i) => {
      const [severity, ...rest] = l.split(' ');
      return { rule: 'line', severity, file: 'findings.txt', line: i + 1, message: rest.join(' '), evidence: rest.join(' ') };
    });
  },
};
`;

async function repo(findings?: string, extraConfig = ''): Promise<string> {
  const dir = await tempDir();
  await writeFiles(dir, {
    'plugin.mjs': PLUGIN,
    '.tradesecrc': `only = demo\n${extraConfig}[plugins]\nmodules = ./plugin.mjs\n`,
    ...(findings === undefined ? {} : { 'findings.txt': findings }),
  });
  return dir;
}

async function run(args: string[], cwd?: string) {
  const io = memoryIo(cwd ? { cwd } : {});
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('tradesec audit: exit codes and errors', () => {
  it('refuses an empty --only or --skip (an unset CI variable) instead of running every check', async () => {
    const dir = await tempDir();
    for (const args of [
      ['--only', ''],
      ['--skip', ' , '],
    ]) {
      const r = await run(['audit', dir, ...args]);
      expect(r).toMatchObject({ code: 2, out: '' });
      expect(r.err).toContain('it names no check');
    }
  });

  it('writes every report file or none, and checks the paths before the audit runs', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'afile'), 'x');
    const cases: Array<[string[], string]> = [
      [['-o', 'json=same.json', '-o', 'sarif=same.json'], 'same.json is named twice as an output:'],
      [
        ['-o', 'json=r.json', '--write-baseline', './r.json'],
        'named twice as an output (as r.json and ./r.json)',
      ],
      [['-o', 'json=afile/x.json'], 'cannot write afile/x.json: afile is not a directory'],
      [['-o', 'json=.'], 'cannot write .: is a directory'],
    ];
    for (const [args, message] of cases) {
      const r = await run(['audit', '.', ...args], dir);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(message);
    }
    // A failure after one report was staged (/proc takes no new files, though it passes the early check)
    // leaves neither report nor a temporary file behind.
    const r = await run(['audit', '.', '-o', 'json=a.json', '-o', 'junit=/proc/tradesec-test.xml'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no report file was written');
    expect((await readdir(dir)).filter((f) => f.includes('a.json'))).toEqual([]);
  });

  it('exits 2 when --only and --skip leave no check', async () => {
    const dir = await tempDir();
    const r = await run(['audit', dir, '--only', 'secrets', '--skip', 'secrets']);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toMatch(/^tradesec: no checks selected/);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'names an unreadable directory (run as nobody), not the .tradesecrc inside it',
    async () => {
      const parent = await tempDir();
      await chmod(parent, 0o711);
      const locked = path.join(parent, 'locked');
      await mkdir(locked, { mode: 0o700 });
      const r = await execa(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'audit', locked],
        { reject: false, env: { NO_COLOR: '1', CI: 'true' } },
      );
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toBe(`tradesec: ${locked}: cannot read the directory (permission denied)`);
    },
  );

  it('exits 2 with one line for a directory that does not exist', async () => {
    const r = await run(['audit', '/no/such/dir']);
    expect(r).toEqual({ code: 2, out: '', err: 'tradesec: /no/such/dir: no such file or directory\n' });
  });

  it('exits 2 for a file instead of a directory', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'a.txt': 'x' });
    const r = await run(['audit', 'a.txt'], dir);
    expect(r).toMatchObject({ code: 2, err: 'tradesec: a.txt: not a directory\n' });
  });

  it('exits 2 for a missing, unreadable or malformed config, naming the file and line', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { bad: 'fail-on = high\nfail_on = x\n' });
    expect(await run(['audit', '.', '--config', 'missing.ini'], dir)).toMatchObject({
      code: 2,
      err: 'tradesec: missing.ini: cannot read configuration: no such file or directory\n',
    });
    expect(await run(['audit', '.', '--config', 'bad'], dir)).toMatchObject({
      code: 2,
      err: 'tradesec: bad:2: unknown setting "fail_on"\n',
    });
    expect(await run(['audit', '.', '--config', '.'], dir)).toMatchObject({ code: 2 });
  });

  it('exits 2 for bad flags', async () => {
    const dir = await repo('');
    for (const args of [
      ['--format', 'xml'],
      ['--output', 'sarif'],
      ['--output', 'pdf=x.pdf'],
      ['--fail-on', 'loud'],
      ['--only', 'nope'],
      ['--dry-run'],
      ['--root', '/'],
      ['--nginx-version', 'latest'],
      ['--nginx-version', '1.x'],
      ['--unknown-flag'],
    ]) {
      const r = await run(['audit', dir, '--allow-plugins', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.err).toMatch(/^tradesec: /);
    }
  });

  it('--nginx-version overrides the [https] nginx-version setting', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      '.tradesecrc': 'only = https\n[https]\nnginx-version = 1.22.1\n',
      'conf.d/app.conf':
        'server_tokens off;\nserver {\n  listen 443 ssl;\n  http2 on;\n  ssl_certificate a.pem;\n  ssl_certificate_key a.key;\n  ssl_protocols TLSv1.2 TLSv1.3;\n  add_header Strict-Transport-Security "max-age=63072000" always;\n}\n',
    });
    const configured = await run(['audit', dir, '--format', 'json']);
    expect(configured.out).toContain('needs nginx 1.25.1 or later');
    const flagged = await run(['audit', dir, '--format', 'json', '--nginx-version', '1.25.1']);
    expect(flagged.out).not.toContain('needs nginx 1.25.1 or later');
    expect(flagged.code).toBe(0);
  });

  it('exits 1 on findings at or above --fail-on, 0 below', async () => {
    const dir = await repo('high something is wrong\nlow minor\n');
    expect((await run(['audit', dir, '--allow-plugins'])).code).toBe(1);
    expect((await run(['audit', dir, '--allow-plugins', '--fail-on', 'critical'])).code).toBe(0);
    const low = await repo('low minor\n');
    expect((await run(['audit', low, '--allow-plugins'])).code).toBe(0);
    expect((await run(['audit', low, '--allow-plugins', '--fail-on', 'low'])).code).toBe(1);
    const configured = await repo('low minor\n', 'fail-on = info\n');
    expect((await run(['audit', configured, '--allow-plugins'])).code).toBe(1);
  });

  it('exits 3 when a check crashes, and still reports', async () => {
    const dir = await repo('crash\n');
    const r = await run(['audit', dir, '--allow-plugins', '--format', 'json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out).checks[0]).toMatchObject({ id: 'demo', status: 'error', error: 'demo crashed' });
  });

  it.skipIf(process.getuid?.() !== 0)('refuses plugins as root without --allow-plugins', async () => {
    const dir = await repo('high x\n');
    const r = await run(['audit', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/refusing to load plugins \(\.\/plugin\.mjs\) as root/);
  });
});

describe('tradesec audit: outputs and baselines', () => {
  it('writes several formats at once, text on stdout', async () => {
    const dir = await repo('high something is wrong\n');
    const r = await run(
      [
        'audit',
        '.',
        '--allow-plugins',
        '-o',
        'sarif=out/r.sarif',
        '--output',
        'junit=r.xml',
        '-o',
        'json=r.json',
      ],
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('something is wrong');
    await expect(readFile(path.join(dir, 'r.xml'), 'utf8')).resolves.toContain('<testsuite');
    const json = JSON.parse(await readFile(path.join(dir, 'r.json'), 'utf8'));
    expect(json.checks[0].findings[0]).toMatchObject({
      rule: 'demo/line',
      severity: 'high',
      file: 'findings.txt',
      line: 1,
    });
  }, 30_000);

  it('creates the report directory, and fails in one line when the report cannot be written', async () => {
    const dir = await repo('high x\n');
    const made = await run(['audit', '.', '--allow-plugins', '-o', 'json=reports/deep/r.json'], dir);
    expect(made.code).toBe(1);
    await expect(readFile(path.join(dir, 'reports/deep/r.json'), 'utf8')).resolves.toContain(
      '"schemaVersion": 1',
    );
    const r = await run(['audit', '.', '--allow-plugins', '-o', 'json=reports/deep'], dir);
    expect(r).toMatchObject({ code: 2, err: 'tradesec: cannot write reports/deep: is a directory\n' });
  });

  it('accepts a baseline and fails again only on new findings', async () => {
    const dir = await repo('high old problem\n');
    const w = await run(['audit', '.', '--allow-plugins', '--write-baseline', 'baseline.json'], dir);
    expect(w.code).toBe(1);
    expect(w.err).toContain('wrote a baseline of 1 findings');
    expect((await run(['audit', '.', '--allow-plugins', '--baseline', 'baseline.json'], dir)).code).toBe(0);
    await writeFile(path.join(dir, 'findings.txt'), 'low unrelated\nhigh old problem\nhigh new problem\n');
    const again = await run(
      ['audit', '.', '--allow-plugins', '--baseline', 'baseline.json', '--format', 'json'],
      dir,
    );
    expect(again.code).toBe(1);
    const check = JSON.parse(again.out).checks[0];
    expect(check.findings.map((f: { message: string }) => f.message)).toEqual(['unrelated', 'new problem']);
    expect(check.suppressed).toMatchObject([{ kind: 'baseline', line: 2 }]);
    await writeFile(path.join(dir, 'broken.json'), '{"nope": 1}');
    expect((await run(['audit', '.', '--allow-plugins', '--baseline', 'broken.json'], dir)).code).toBe(2);
  });
});

describe('the executable', () => {
  it('prints the version fast-path and help with examples', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8'));
    expect((await execa('node', [BIN, '--version'])).stdout).toBe(pkg.version);
    const help = await execa('node', [BIN, 'audit', '--help']);
    expect(help.stdout).toContain('Examples:');
  });

  it('exits 2 with a single line and no stack trace on bad input', async () => {
    const r = await execa('node', [BIN, 'audit', '/no/such/dir'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('tradesec: /no/such/dir: no such file or directory');
    const unknown = await execa('node', [BIN, 'frobnicate'], { reject: false });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^tradesec: unknown command 'frobnicate'/);
  });
});
