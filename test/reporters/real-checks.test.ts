// Every built-in check over the insecure example: the reports validate against the schemas and leak no secret.
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinChecks } from '../../checks/index.js';
import { defaultConfig } from '../../src/audit/config.js';
import { runAudit } from '../../src/audit/engine.js';
import type { AuditResult } from '../../src/audit/types.js';
import { reporters } from '../../src/reporters/index.js';
import { commitAll, gitInit } from '../helpers/git.js';
import { tempDir } from '../helpers/temp.js';
import { errorsOf, reportValidator, sarifValidator } from './schemas.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/insecure-service');
// The example's secret values: the two keys the guide published (in .env.production and the Dockerfile),
// assembled so this file does not hold them whole, and the database password (user and password: trader).
const SECRETS = [
  ['cKJXQppexMjDOkx30qSJt0', '_SnkoPNIF5OFxdJwBUivU'].join(''),
  ['l8t-LwUEC7US2x6PdCPzhEdr', 'YPBuEQJaYN1w7zfIVY8'].join(''),
  'trader:trader',
  'PASSWORD=trader',
];

let result: AuditResult;
beforeAll(async () => {
  const dir = await tempDir();
  await cp(EXAMPLE, dir, { recursive: true });
  // env-in-git needs a repository; committing everything also makes the env file tracked (exposed).
  await gitInit(dir);
  await commitAll(dir, 'example');
  result = await runAudit({
    root: dir,
    checks: builtinChecks,
    config: defaultConfig(),
    version: '0.0.0-test',
    now: new Date('2026-06-01T00:00:00Z'),
  });
}, 120_000);

describe('the real checks over examples/insecure-service', () => {
  const context = { checks: builtinChecks, version: '0.0.0-test', color: false, failOn: 'medium' as const };

  it('ran every check, and none crashed', () => {
    expect(result.checks.map((c) => c.id).sort()).toEqual(builtinChecks.map((c) => c.meta.id).sort());
    expect(result.checks.filter((c) => c.status === 'error').map((c) => `${c.id}: ${c.error}`)).toEqual([]);
    expect(result.checks.find((c) => c.id === 'env-in-git')?.status).toBe('fail');
  });

  it('writes JSON that validates against schemas/report.schema.json', () => {
    const validate = reportValidator();
    const ok = validate(JSON.parse(reporters.json(result, context)));
    expect(ok, errorsOf(validate)).toBe(true);
  });

  it('writes SARIF that validates against the official 2.1.0 schema', () => {
    const validate = sarifValidator();
    const ok = validate(JSON.parse(reporters.sarif(result, context)));
    expect(ok, errorsOf(validate)).toBe(true);
  });

  it('prints none of the example secret values in any format', () => {
    for (const [name, reporter] of Object.entries(reporters)) {
      const out = reporter(result, context);
      for (const s of SECRETS)
        expect(out.includes(s), `${name} report leaks ${s.slice(0, 4)}...`).toBe(false);
    }
  });
});
