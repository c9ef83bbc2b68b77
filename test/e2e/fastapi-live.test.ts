// Live cross-check of the app model: the fixture apps run under real uvicorn, and every route the model
// calls unprotected must answer without a key, every protected one must refuse (401/403).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/audit/config.js';
import { createAuditContext } from '../../src/audit/context.js';
import { createProbe } from '../../src/facts/probe.js';
import {
  type AppModel,
  apiKeyDependencies,
  appModel,
  type Route,
  type RouteMount,
  routeRequires,
} from '../../src/facts/python/app-model.js';

const PYTHON = '/usr/bin/python3';
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/apps');

/** Whether the Debian FastAPI stack is importable; the reason when it is not. */
function fastapiAvailable(): { ok: true } | { ok: false; reason: string } {
  const r = spawnSync(PYTHON, ['-c', 'import fastapi, uvicorn'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error) return { ok: false, reason: `${PYTHON} could not run (${r.error.message})` };
  if (r.status !== 0) return { ok: false, reason: `${PYTHON} cannot import fastapi and uvicorn` };
  return { ok: true };
}

const available = fastapiAvailable();
const required = process.env.TRADESEC_REQUIRE_E2E === '1';
const missingMessage = available.ok
  ? ''
  : `${available.reason}: install python3-fastapi and python3-uvicorn (scripts/install-test-deps.sh)`;

/** The fixture apps, the header that carries their key and the key itself. */
const APPS: Array<{ name: string; target: string; header: string; key: string }> = [
  { name: 'auth-nested', target: 'app.main:app', header: 'X-API-Key', key: 'test-key-not-secret' },
  { name: 'auth-app-deps', target: 'app.main:app', header: 'x-api-key', key: 'test-key-not-secret' },
  { name: 'auth-dead-fix', target: 'app.main:app', header: 'X-API-Key', key: 'test-key-not-secret' },
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForServer(base: string, proc: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`uvicorn exited early:\n${output()}`);
    try {
      await fetch(`${base}/__tradesec_probe__`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`uvicorn did not start:\n${output()}`);
}

function concretePath(fullPath: string): string {
  return fullPath.replace(/\{[^}]+\}/g, '1');
}

interface Started {
  proc: ChildProcess;
  base: string;
}

const running: ChildProcess[] = [];

afterAll(async () => {
  await Promise.all(
    running.splice(0).map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null) return resolve();
          p.once('exit', () => resolve());
          p.kill('SIGTERM');
          setTimeout(() => {
            if (p.exitCode === null) p.kill('SIGKILL');
          }, 3000).unref();
        }),
    ),
  );
});

async function startApp(dir: string, target: string): Promise<Started> {
  const port = await freePort();
  let out = '';
  const proc = spawn(
    PYTHON,
    ['-m', 'uvicorn', target, '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warning'],
    {
      cwd: dir,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.push(proc);
  proc.stdout?.on('data', (d) => {
    out += String(d);
  });
  proc.stderr?.on('data', (d) => {
    out += String(d);
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForServer(base, proc, () => out);
  return { proc, base };
}

async function loadModel(dir: string): Promise<AppModel> {
  const ctx = createAuditContext({
    root: dir,
    targets: ['repo'],
    config: defaultConfig(),
    probe: createProbe(),
  });
  return ctx.fact(appModel);
}

describe.runIf(!available.ok)('fastapi live cross-check (prerequisites)', () => {
  if (required) {
    it('has python3-fastapi and python3-uvicorn (TRADESEC_REQUIRE_E2E=1)', () => {
      throw new Error(`TRADESEC_REQUIRE_E2E=1 but ${missingMessage}`);
    });
  } else {
    it.skip(missingMessage, () => undefined);
  }
});

describe.runIf(available.ok)('fastapi live cross-check', () => {
  for (const fixture of APPS) {
    describe(fixture.name, () => {
      const dir = path.join(FIXTURES, fixture.name);
      let model: AppModel;
      let server: Started;
      const checks: Array<{ route: Route; mount: RouteMount; protectedByModel: boolean }> = [];

      beforeAll(async () => {
        model = await loadModel(dir);
        const app = model.apps.find((a) => a.module.name === fixture.target.split(':')[0]);
        if (!app) throw new Error(`the model found no FastAPI app in ${fixture.target}`);
        const keys = apiKeyDependencies(model);
        for (const route of model.routes) {
          if (route.methods.includes('WEBSOCKET')) continue;
          for (const mount of route.mounts) {
            if (mount.app !== app || (mount.branch && !mount.branch.production)) continue;
            checks.push({ route, mount, protectedByModel: routeRequires(route, mount, keys) !== undefined });
          }
        }
        server = await startApp(dir, fixture.target);
      });

      it('the model finds routes of both kinds', () => {
        expect(checks.length).toBeGreaterThan(2);
        expect(checks.some((c) => c.protectedByModel)).toBe(true);
      });

      it('unprotected routes answer without a key; protected ones refuse it and accept the right key', async () => {
        const mismatches: string[] = [];
        for (const { route, mount, protectedByModel } of checks) {
          const url = `${server.base}${concretePath(mount.fullPath)}`;
          const method = route.methods[0] ?? 'GET';
          const bare = await fetch(url, { method });
          const label = `${method} ${mount.fullPath} (${route.file}:${route.line})`;
          if (bare.status === 404 || bare.status === 405) {
            mismatches.push(`${label}: not served (${bare.status})`);
            continue;
          }
          const refused = bare.status === 401 || bare.status === 403;
          if (protectedByModel !== refused) {
            mismatches.push(
              `${label}: model says ${protectedByModel ? 'protected' : 'unprotected'}, server answered ${bare.status}`,
            );
          }
          if (protectedByModel) {
            const keyed = await fetch(url, { method, headers: { [fixture.header]: fixture.key } });
            if (keyed.status === 401 || keyed.status === 403 || keyed.status === 404) {
              mismatches.push(`${label}: refused the right key (${keyed.status})`);
            }
          }
        }
        expect(mismatches).toEqual([]);
      });
    });
  }
});
