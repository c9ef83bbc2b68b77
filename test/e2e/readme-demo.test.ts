// The README's demo: `node bin/tradesec.js audit examples/insecure-service` prints real findings and exits 1.
import { statSync } from 'node:fs';
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { builtinChecks } from '../../checks/index.js';
import type { AuditResult } from '../../src/audit/types.js';
import { tempDir } from '../helpers/temp.js';

const PROJECT = path.resolve(import.meta.dirname, '../..');
const EXAMPLE = path.join(PROJECT, 'examples/insecure-service');
// The keys the hardening guide published; the example's .env.production holds them on purpose.
const PUBLISHED = [
  'cKJXQppexMjDOkx30qSJt0_SnkoPNIF5OFxdJwBUivU',
  'l8t-LwUEC7US2x6PdCPzhEdrYPBuEQJaYN1w7zfIVY8',
];
const registered = new Set(builtinChecks.map((c) => c.meta.id));

/** The audit part of the README's first command: the argv after `node`. */
async function demoArgv(): Promise<string[]> {
  const readme = await readFile(path.join(PROJECT, 'README.md'), 'utf8');
  const first = readme.split('\n').find((l) => l.includes('audit examples/insecure-service')) ?? '';
  const audit = first.split('&&').at(-1)?.trim() ?? '';
  expect(audit).toBe('node bin/tradesec.js audit examples/insecure-service');
  return audit.split(/\s+/).slice(1);
}

async function runDemo(extra: string[]) {
  const argv = [...(await demoArgv()), ...extra];
  return execa(process.execPath, argv, {
    cwd: PROJECT,
    reject: false,
    stdin: 'ignore',
    env: { NO_COLOR: '1', CI: 'true' },
  });
}

describe('README demo: audit of examples/insecure-service', () => {
  it('reports real findings in JSON, exits 1 once checks are registered, and never prints a key', async () => {
    const r = await runDemo(['--format', 'json']);
    expect(r.stderr).not.toMatch(/internal error/);
    const report = JSON.parse(r.stdout) as AuditResult;
    expect(report.schemaVersion).toBe(1);
    expect(report.root).toBe(EXAMPLE);
    for (const key of PUBLISHED)
      expect(r.stdout.includes(key), 'a published key leaked into the report').toBe(false);
    expect(report.checks.map((c) => c.id).sort()).toEqual([...registered].sort());
    expect(report.checks.filter((c) => c.status === 'error').map((c) => `${c.id}: ${c.error}`)).toEqual([]);
    if (registered.size === 0) {
      expect(r.exitCode).toBe(0);
      return;
    }
    expect(r.exitCode).toBe(1);

    // The example is insecure on every point: each registered check fails (env-in-git may skip outside git).
    for (const c of report.checks) {
      const allowed = c.id === 'env-in-git' ? ['fail', 'skip'] : ['fail'];
      expect(allowed, `${c.id} is ${c.status} on the example`).toContain(c.status);
    }
    const findings = report.checks.flatMap((c) => c.findings);
    const has = (rule: string, file: string) => findings.some((f) => f.rule === rule && f.file === file);
    const inFile = (check: string, file: string) =>
      findings.some((f) => f.rule.startsWith(`${check}/`) && f.file === file);
    if (registered.has('secrets')) {
      expect(
        has('secrets/published-key', '.env.production'),
        'secrets/published-key on .env.production',
      ).toBe(true);
      expect(inFile('secrets', 'Dockerfile'), 'the key in the Dockerfile ENV').toBe(true);
    }
    if (
      registered.has('file-perms') &&
      (statSync(path.join(EXAMPLE, '.env.production')).mode & 0o077) !== 0
    ) {
      expect(inFile('file-perms', '.env.production'), 'file-perms on .env.production').toBe(true);
    }
    if (registered.has('https'))
      expect(inFile('https', 'nginx/nginx.conf'), 'https on nginx/nginx.conf').toBe(true);
    if (registered.has('container')) {
      expect(inFile('container', 'Dockerfile'), 'container on Dockerfile').toBe(true);
      expect(inFile('container', 'docker-compose.yml'), 'container on docker-compose.yml').toBe(true);
    }
    for (const check of ['api-auth', 'cors', 'debug', 'input-validation']) {
      if (registered.has(check))
        expect(findings.some((f) => f.rule.startsWith(`${check}/`) && f.file?.startsWith('app/'))).toBe(true);
    }
  });

  it('prints the text report as the README shows it, without a key', async () => {
    const r = await runDemo([]);
    expect(r.stdout).toContain('examples/insecure-service');
    for (const key of PUBLISHED) {
      expect(
        r.stdout.includes(key) || r.stderr.includes(key),
        'a published key leaked into the text report',
      ).toBe(false);
    }
    expect(r.exitCode).toBe(registered.size === 0 ? 0 : 1);
    if (registered.has('secrets')) expect(r.stdout).toContain('secrets/published-key');
  });

  it('replaces the published keys as the README shows (rotate-keys on a copy)', async () => {
    const readme = await readFile(path.join(PROJECT, 'README.md'), 'utf8');
    const block = /```sh\n(cp -r examples\/insecure-service \/tmp\/demo\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README.md shows the rotate-keys example').toBeDefined();
    const [copy, ...commands] = (block ?? '').trim().split('\n');
    expect(copy).toBe('cp -r examples/insecure-service /tmp/demo');
    const demo = path.join(await tempDir(), 'demo');
    await cp(EXAMPLE, demo, { recursive: true });
    const results = [];
    for (const line of commands) {
      const [bin, ...args] = line.replaceAll('/tmp/demo', demo).split(' ');
      // Through the shebang, as the README says: `node bin/tradesec.js --env-file` is read by Node itself.
      expect(bin).toBe('./bin/tradesec.js');
      results.push(
        await execa(path.join(PROJECT, 'bin/tradesec.js'), args, {
          cwd: PROJECT,
          reject: false,
          stdin: 'ignore',
          env: { CI: 'true' },
        }),
      );
    }
    const audit = results.at(-1);
    expect(results.slice(0, -1).map((r) => r.exitCode)).toEqual(commands.slice(0, -1).map(() => 0));
    const env = await readFile(path.join(demo, '.env.production'), 'utf8');
    for (const key of PUBLISHED)
      expect(env.includes(key), 'the published key is gone from the env file').toBe(false);
    expect(env).toMatch(/^# tradesec: rotated \d{4}-\d{2}-\d{2}/m);
    expect(env).not.toContain('_PREVIOUS');
    if (registered.has('secrets')) {
      expect(audit?.stdout).not.toMatch(/secrets\/published-key\s+\.env\.production/);
      expect(audit?.stdout).toContain('secrets/hardcoded-in-source');
      expect(audit?.exitCode).toBe(1);
    }
    for (const r of results) for (const key of PUBLISHED) expect(r.stdout.includes(key)).toBe(false);
  });
});
