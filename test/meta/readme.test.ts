// README.md tells the truth: its first commands, CI script, options, exit codes, config and plugin examples work.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { builtinChecks } from '../../checks/index.js';
import { loadCatalogue } from '../../src/audit/catalogue.js';
import { defaultConfig, parseConfig } from '../../src/audit/config.js';
import { runAudit, validateConfigIds } from '../../src/audit/engine.js';
import { ExitCode } from '../../src/audit/errors.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { findTool } from '../helpers/require-tool.js';
import { tempDir } from '../helpers/temp.js';

const PROJECT = path.resolve(import.meta.dirname, '../..');
const readme = await readFile(path.join(PROJECT, 'README.md'), 'utf8');

/** The fenced code blocks of a language, in order. */
function blocks(lang: string): string[] {
  return [...readme.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\``, 'gm'))].map(
    (m) => m[1] ?? '',
  );
}

/** The README's opening commands: the first sh block, which must start within the first lines. */
function openingCommands(): string[] {
  const lines = readme.split('\n');
  const open = lines.indexOf('```sh');
  expect(open, 'README.md opens with a ```sh block').toBeGreaterThanOrEqual(0);
  expect(open, 'the ```sh block is within the first five lines').toBeLessThan(5);
  const close = lines.indexOf('```', open + 1);
  return lines.slice(open + 1, close).filter((l) => l.trim() && !l.trim().startsWith('#'));
}

describe('README.md', () => {
  it('opens with the demo command and the test command', () => {
    const [demo, tests, ...rest] = openingCommands();
    expect(rest).toEqual([]);
    expect(demo).toMatch(
      /^npm ci && npm run build && node bin\/tradesec\.js audit examples\/insecure-service$/,
    );
    expect(tests).toBe('bash scripts/install-test-deps.sh && npm ci && npm test');
    expect(existsSync(path.join(PROJECT, 'examples/insecure-service/app/main.py'))).toBe(true);
  });

  it('has a CI script that runs the install script, npm ci, build, lint and the test command with e2e required', async () => {
    const file = path.join(PROJECT, '.ci/run');
    expect(statSync(file).mode & 0o111, '.ci/run is executable').not.toBe(0);
    const script = await readFile(file, 'utf8');
    expect(script.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(script).toContain('set -euo pipefail');
    const steps = [
      'bash scripts/install-test-deps.sh',
      'npm ci',
      'npm run build',
      'npm run lint',
      'export TRADESEC_REQUIRE_E2E=1',
      'npm test',
    ];
    const commands = script
      .split('\n')
      .filter((l) => l.trim() && !l.trim().startsWith('#') && !l.startsWith('step'));
    const at = steps.map((s) => commands.findIndex((l) => l.startsWith(s)));
    expect(
      at.every((i) => i >= 0),
      `.ci/run runs ${steps.join(', ')}`,
    ).toBe(true);
    expect(at, 'in this order').toEqual([...at].sort((a, b) => a - b));
    // The README's test command ends in the same runner .ci/run calls.
    expect(openingCommands()[1]?.endsWith('npm test')).toBe(true);
    for (const f of ['.ci/run', 'scripts/install-test-deps.sh']) {
      expect(spawnSync('bash', ['-n', path.join(PROJECT, f)]).status, `${f} parses`).toBe(0);
    }
  });

  it('has an install script that installs every Debian package the tests use, without recommends', async () => {
    const script = await readFile(path.join(PROJECT, 'scripts/install-test-deps.sh'), 'utf8');
    for (const pkg of [
      'nginx',
      'openssl',
      'git',
      'pebble',
      'certbot',
      'python3-certbot-nginx',
      'python3-fastapi',
      'python3-uvicorn',
      'python3-httpx',
      'python3-pydantic',
      'ripgrep',
      'curl',
      'iproute2',
      'ca-certificates',
    ]) {
      expect(script, pkg).toMatch(new RegExp(`(^|\\s)${pkg.replace(/\./g, '\\.')}(\\s|$)`, 'm'));
    }
    expect(script).toContain('--no-install-recommends');
    expect(script).toContain('policy-rc.d');
    const code = script.split('\n').filter((l) => !l.trim().startsWith('#'));
    expect(
      code.filter((l) => /apt-get .*\bupdate\b/.test(l)),
      'apt-get update once',
    ).toHaveLength(1);
    expect(
      code
        .filter((l) => /apt-get .*\binstall\b/.test(l))
        .every((l) => l.includes('APT_OPTS') || l.includes('--no-install-recommends')),
    ).toBe(true);
    expect(script).toMatch(/20\.17|b<17/);
  });

  it('links only to files that exist', () => {
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1] ?? '');
    const local = links.filter((l) => !/^[a-z]+:/.test(l));
    expect(local.length).toBeGreaterThan(0);
    const missing = local.filter((l) => !existsSync(path.join(PROJECT, l)));
    expect(missing, 'README.md links to missing files').toEqual([]);
  });

  it('documents every audit option, and no option that does not exist', async () => {
    const io = memoryIo();
    expect(await main(['audit', '--help'], io)).toBe(0);
    const help = io.out();
    const options = new Set(
      [...help.matchAll(/--[a-z][a-z-]+/g)].map((m) => m[0]).filter((o) => o !== '--help'),
    );
    for (const option of options) expect(readme, `README.md mentions ${option}`).toContain(option);
    const table = readme.slice(readme.indexOf('Useful `audit` options'), readme.indexOf('## Checks'));
    for (const option of [...table.matchAll(/(--[a-z][a-z-]+)/g)].map((m) => m[1] ?? '')) {
      expect(options.has(option), `${option} is an option of tradesec audit`).toBe(true);
    }
  });

  it('shows a GitHub Actions workflow that parses and uses only real audit options and formats', async () => {
    const [workflow] = blocks('yaml');
    const doc = parseYaml(workflow ?? '') as {
      jobs: Record<string, { steps: Array<{ run?: string; uses?: string }> }>;
    };
    const steps = Object.values(doc.jobs).flatMap((j) => j.steps);
    const audit = steps.find((s) => s.run?.includes('tradesec.js" audit'))?.run ?? '';
    expect(audit).toContain('--output sarif=tradesec.sarif');
    expect(steps.some((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'))).toBe(true);
    const io = memoryIo();
    await main(['audit', '--help'], io);
    for (const option of audit.match(/--[a-z][a-z-]+/g) ?? []) expect(io.out(), option).toContain(option);
    for (const format of audit.match(/(?<=--format |--output )[a-z]+/g) ?? []) {
      expect(['text', 'json', 'sarif', 'junit', 'markdown', 'github']).toContain(format);
    }
  });

  it('mentions only options that some command has', async () => {
    const known = new Set<string>();
    for (const argv of [
      [],
      ['audit'],
      ['checks', 'list'],
      ['checks', 'explain'],
      ['secrets', 'generate'],
      ['rotate-keys'],
    ]) {
      const io = memoryIo();
      expect(await main([...argv, '--help'], io), `tradesec ${argv.join(' ')} --help`).toBe(0);
      for (const m of io.out().matchAll(/--[a-z][a-z-]+/g)) known.add(m[0]);
    }
    expect(known.has('--drop-previous') && known.has('--bytes')).toBe(true);
    const prose = readme.replace(/^```(?:ini|js|yaml)\n[\s\S]*?^```/gm, '');
    const unknown = [...new Set([...prose.matchAll(/(?<![\w-])--[a-z][a-z-]+/g)].map((m) => m[0]))].filter(
      (o) => !known.has(o),
    );
    expect(unknown, 'README.md mentions options no command has').toEqual([]);
  });

  it('lists exactly the exit codes the CLI uses', () => {
    const section = readme.slice(readme.indexOf('## Exit codes'), readme.indexOf('## Configuration'));
    const codes = [...section.matchAll(/^\| (\d+) +\|/gm)].map((m) => Number(m[1]));
    expect(codes.sort((a, b) => a - b)).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
  });

  it('shows a .tradesecrc that parses and names only real checks and rules', () => {
    const [ini] = blocks('ini');
    expect(ini).toBeDefined();
    const config = parseConfig(ini ?? '', '.tradesecrc');
    expect(config.failOn).toBe('high');
    expect(config.ignores[0]).toMatchObject({ rule: 'secrets/placeholder', expires: '2027-06-30' });
    expect(config.plugins).toEqual(['./tradesec-plugins/banner.mjs']);
    // Validate ids once every check the example names is registered.
    const named = ['secrets', 'env-in-git', 'file-perms', 'container'];
    if (named.every((id) => builtinChecks.some((c) => c.meta.id === id))) {
      expect(() => validateConfigIds(config, builtinChecks)).not.toThrow();
    }
  });

  it('shows an inline ignore in the syntax the engine reads', () => {
    const python = blocks('python').find((b) => b.includes('tradesec-ignore'));
    expect(python).toMatch(/^# tradesec-ignore [a-z-]+\/[a-z-]+ -- \S/m);
  });

  it('shows a FastAPI app that accepts the current and the previous key in constant time', () => {
    const python = blocks('python').find((b) => b.includes('API_SECRET_KEY_PREVIOUS'));
    expect(python, 'README.md shows how the app accepts both keys').toBeDefined();
    expect(python).toContain('secrets.compare_digest(');
    expect(python).toContain('os.environ["API_SECRET_KEY"]');
    const python3 = findTool('python3');
    if (!python3) return;
    const r = spawnSync(python3, ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], {
      input: python,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('shows a plugin that loads and runs', async () => {
    const [js] = blocks('js');
    const dir = await tempDir();
    await writeFile(path.join(dir, 'banner.mjs'), js ?? '');
    await writeFile(path.join(dir, '.env.production'), 'SECRET_KEY=x\n');
    const config = parseConfig('[plugins]\nmodules = ./banner.mjs\n', '.tradesecrc');
    const checks = await loadCatalogue(config, { baseDir: dir, allowPlugins: true, isRoot: false });
    const plugin = checks.filter((c) => c.meta.id === 'login-banner');
    expect(plugin).toHaveLength(1);
    const result = await runAudit({
      root: dir,
      checks: plugin,
      config: defaultConfig(),
      version: '0.0.0-test',
    });
    expect(result.checks[0]).toMatchObject({
      id: 'login-banner',
      status: 'warn',
      findings: [{ rule: 'login-banner/missing', file: '.env.production' }],
    });
  });
});
