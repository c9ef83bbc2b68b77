// Live cross-check of the app model: the fixture apps run under real uvicorn; every route the model calls
// unprotected must answer without a key, every protected one must refuse none and a wrong key (401/403)
// and accept the right one, and every route the running app serves must be in the model.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
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

/** What the installed stack offers beyond importing: FastAPI's version and a websocket protocol library. */
function runtimeFeatures(): { fastapi: number[]; websockets: boolean } {
  const script =
    'import importlib.util, fastapi\n' +
    'ws = any(importlib.util.find_spec(m) for m in ("websockets", "wsproto"))\n' +
    'print(fastapi.__version__, int(ws))';
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', timeout: 20_000 });
  const [version = '', ws = '0'] = (r.stdout ?? '').trim().split(/\s+/);
  return { fastapi: version.split('.').map((n) => Number.parseInt(n, 10) || 0), websockets: ws === '1' };
}

const features = available.ok ? runtimeFeatures() : { fastapi: [], websockets: false };
const [major = 0, minor = 0] = features.fastapi;
/** Why the websocket fixture cannot run here (it assumes FastAPI before 0.97, like its requirements.txt). */
const websocketSkip = !features.websockets
  ? 'uvicorn has no websocket library (python3-wsproto or python3-websockets)'
  : major > 0 || minor >= 97
    ? `the installed FastAPI ${features.fastapi.join('.')} runs inherited dependencies for websockets; the fixture pins 0.92`
    : '';

/** The fixture apps, the header that carries their key and the key itself; `skip` says why one cannot run. */
const APPS: Array<{ name: string; target: string; header: string; key: string; skip?: string }> = [
  { name: 'auth-nested', target: 'app.main:app', header: 'X-API-Key', key: 'test-key-not-secret' },
  { name: 'auth-app-deps', target: 'app.main:app', header: 'x-api-key', key: 'test-key-not-secret' },
  { name: 'auth-dead-fix', target: 'app.main:app', header: 'X-API-Key', key: 'test-key-not-secret' },
  // Starlette routes beside FastAPI ones, and the call form app.get(...)(handler).
  { name: 'auth-starlette', target: 'app.main:app', header: 'X-API-Key', key: 'test-key-not-secret' },
  // Key checks that only require presence or swallow their own HTTPException.
  { name: 'auth-weak-deps', target: 'app.main:app', header: 'X-API-Key', key: 'test-key-not-secret' },
  // Websocket routes under FastAPI 0.92 (the fixture's requirements.txt, and Debian's): no inherited dependencies.
  {
    name: 'auth-websocket',
    target: 'app.main:app',
    header: 'X-API-Key',
    key: 'test-key-not-secret',
    ...(websocketSkip ? { skip: websocketSkip } : {}),
  },
];

/** Prints the routes the running app serves, mounts flattened, FastAPI's own (docs, openapi) left out. */
const LIST_ROUTES = `
import importlib, json, sys
from starlette.routing import Mount, WebSocketRoute
module, attr = sys.argv[1].split(":")
app = getattr(importlib.import_module(module), attr)
out = []
def walk(routes, prefix):
    for r in routes:
        if isinstance(r, Mount):
            walk(getattr(r, "routes", None) or [], prefix + r.path)
            continue
        endpoint = getattr(r, "endpoint", None)
        if getattr(endpoint, "__module__", "").startswith(("fastapi.", "starlette.")):
            continue
        if isinstance(r, WebSocketRoute):
            methods = ["WEBSOCKET"]
        else:
            methods = sorted(m for m in (getattr(r, "methods", None) or []) if m != "HEAD")
        out.append({"path": prefix + r.path, "methods": methods})
walk(app.routes, "")
print(json.dumps(out))
`;

/** The running app's own route list, from a Python process that imports it (bounded time). */
function servedByApp(dir: string, target: string): Array<{ path: string; methods: string[] }> {
  const r = spawnSync(PYTHON, ['-c', LIST_ROUTES, target], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: dir },
  });
  if (r.status !== 0) throw new Error(`listing the routes of ${target} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Array<{ path: string; methods: string[] }>;
}

/** The status of a websocket handshake: 101 when the server accepts it. */
function websocketStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: {
        ...headers,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
      timeout: 5000,
    });
    req.once('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.once('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('timeout', () => req.destroy(new Error(`websocket handshake to ${url} timed out`)));
    // A server that closes the connection instead of answering the handshake refused it.
    req.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' || err.message === 'socket hang up' ? resolve(0) : reject(err),
    );
    req.end();
  });
}

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
    if (fixture.skip) {
      describe(fixture.name, () => it.skip(fixture.skip ?? '', () => undefined));
      continue;
    }
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

      it('serves no route the model misses', () => {
        const served = servedByApp(dir, fixture.target);
        expect(served.length).toBeGreaterThan(0);
        const missed = served.flatMap(({ path: p, methods }) =>
          methods
            .filter((m) => !checks.some((c) => c.mount.fullPath === p && c.route.methods.includes(m)))
            .map((m) => `${m} ${p}`),
        );
        expect(missed).toEqual([]);
      });

      it('unprotected routes answer without a key; protected ones refuse none and a wrong key and accept the right one', async () => {
        const mismatches: string[] = [];
        const wrong = { [fixture.header]: 'wrong-key-not-secret' };
        const right = { [fixture.header]: fixture.key };
        for (const { route, mount, protectedByModel } of checks) {
          const url = `${server.base}${concretePath(mount.fullPath)}`;
          const method = route.methods[0] ?? 'GET';
          const label = `${method} ${mount.fullPath} (${route.file}:${route.line})`;
          // A websocket is refused when the handshake fails (403, or 500 when a dependency raises before 0.97).
          const ws = method === 'WEBSOCKET';
          const status = async (headers: Record<string, string>) =>
            ws ? websocketStatus(url, headers) : (await fetch(url, { method, headers })).status;
          const isRefused = (s: number) => (ws ? s !== 101 : s === 401 || s === 403);
          const bare = await status({});
          if (bare === 404 || bare === 405) {
            mismatches.push(`${label}: not served (${bare})`);
            continue;
          }
          const wrongStatus = await status(wrong);
          if (protectedByModel) {
            if (!isRefused(bare))
              mismatches.push(`${label}: model says protected, answered without a key (${bare})`);
            if (!isRefused(wrongStatus))
              mismatches.push(`${label}: model says protected, accepted a wrong key (${wrongStatus})`);
            const keyed = await status(right);
            if (isRefused(keyed) || keyed === 404)
              mismatches.push(`${label}: refused the right key (${keyed})`);
          } else if (isRefused(bare) && isRefused(wrongStatus)) {
            // Unprotected: it answers without the right key (no key at all, or any value for a presence-only check).
            mismatches.push(
              `${label}: model says unprotected, refused both no key (${bare}) and a wrong key (${wrongStatus})`,
            );
          }
        }
        expect(mismatches).toEqual([]);
      });
    });
  }
});
