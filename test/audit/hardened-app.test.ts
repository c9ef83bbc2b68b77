// The hardened whole-app fixture passes every FastAPI check at once: a guard against false positives across files.
import { describe, expect, it } from 'vitest';
import apiAuth from '../../checks/api-auth/index.js';
import cors from '../../checks/cors/index.js';
import database from '../../checks/database/index.js';
import debug from '../../checks/debug/index.js';
import inputValidation from '../../checks/input-validation/index.js';
import rateLimit from '../../checks/rate-limit/index.js';
import securityLogging from '../../checks/security-logging/index.js';
import { parseConfig } from '../../src/audit/config.js';
import { runAudit } from '../../src/audit/engine.js';
import { fixture } from '../helpers/app-fixture.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

const CHECKS = [apiAuth, rateLimit, cors, debug, database, securityLogging, inputValidation];

describe('whole app: hardened-service', () => {
  it('passes api-auth, rate-limit, cors, debug, database, security-logging and input-validation', async () => {
    const files = fixture('hardened-service');
    // Routers, settings, the key dependency and the start script each live in their own file.
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['app/routers/orders.py', 'app/config.py', 'start.sh', 'requirements.txt']),
    );
    const dir = await tempDir();
    await writeFiles(dir, files);
    const result = await runAudit({
      root: dir,
      checks: CHECKS,
      config: parseConfig(files['.tradesecrc'] ?? '', '.tradesecrc'),
      version: '0.0.0-test',
      targets: ['repo'],
    });
    const summary = result.checks.map((c) => ({
      id: c.id,
      status: c.status,
      findings: c.findings.map((f) => `${f.rule} ${f.file}:${f.line} ${f.message}`),
    }));
    expect(summary).toEqual(CHECKS.map((c) => ({ id: c.meta.id, status: 'pass', findings: [] })));
  });
});
