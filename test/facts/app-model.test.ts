import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/audit/config.js';
import { createAuditContext } from '../../src/audit/context.js';
import { createProbe } from '../../src/facts/probe.js';
import {
  type AppModel,
  apiKeyDependencies,
  appModel,
  type PyValue,
  resolveValue,
  routeRequires,
  stringValues,
} from '../../src/facts/python/app-model.js';
import { describeCommand, shellSplit } from '../../src/facts/python/entry-points.js';
import { createModule, enclosingFunction } from '../../src/facts/python/modules.js';
import {
  descendantsOfType,
  parsePython,
  type SyntaxNode,
  type SyntaxTree,
} from '../../src/facts/python/parser.js';
import { specAtLeast } from '../../src/facts/python/project.js';
import { descendantsIn, namedChildren } from '../../src/facts/python/syntax.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

async function model(files: Record<string, string>): Promise<AppModel> {
  const dir = await tempDir();
  await writeFiles(dir, files);
  const ctx = createAuditContext({
    root: dir,
    targets: ['repo'],
    config: defaultConfig(),
    probe: createProbe(),
  });
  return ctx.fact(appModel);
}

/** The value of keyword `name` of the first (or the `index`th) middleware, app or call named `callee`. */
function kwValue(m: AppModel, callee: string, name: string, index = 0): PyValue {
  const site = m.calls.get(callee)?.[index];
  const kw = site?.kwargs.get(name);
  if (!site || !kw) throw new Error(`no ${callee}(${name}=...)`);
  return resolveValue(m, site.module, kw.value);
}

const plain = (v: PyValue): unknown =>
  v.kind === 'list'
    ? v.items.map(plain)
    : v.kind === 'unknown'
      ? `?${v.reason}`
      : 'value' in v
        ? v.value
        : v.kind;

describe('app model: declared versions', () => {
  it('tells whether every version a spec installs is at least 0.97', () => {
    const at = (spec: string) => specAtLeast(spec, [0, 97, 0]);
    expect(
      ['==0.92.0', '0.96.1', '<0.97', '<=0.96', '~=0.92.0', '^0.92', '~0.95', '>=0.90,<0.95'].map(at),
    ).toEqual(Array(8).fill(false));
    expect(['==0.97.0', '>=0.90', '>0.100', '^1.0', '>=0.99,<1'].map(at)).toEqual(Array(5).fill(true));
    expect(['>=0.90,<0.100', '~=0.92', '<1.0', '', '==0.9*', 'latest'].map(at)).toEqual(
      Array(6).fill(undefined),
    );
  });
});

describe('app model: names and values across modules', () => {
  it('resolves from-imports, relative imports, `import x.y as s` and module-level assignments', async () => {
    const m = await model({
      'app/__init__.py': '',
      'app/config.py': 'BASE = "https://app.example.com"\nORIGINS = [BASE, "https://admin.example.com"]\n',
      'app/settings.py': 'PREFIX = "/api"\n',
      'app/routers/__init__.py': '',
      'app/routers/orders.py':
        'from fastapi import APIRouter\nimport app.settings as s\nrouter = APIRouter(prefix=s.PREFIX + "/orders")\n\n@router.get("/{id}")\ndef one(id: int):\n    return id\n',
      'app/main.py': `from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from app.config import ORIGINS
from .routers import orders

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=ORIGINS)
app.include_router(orders.router, prefix="/v1")
`,
    });
    expect(m.hasFastApi).toBe(true);
    const mw = m.middleware[0];
    expect(mw?.middleware).toBe('fastapi.middleware.cors.CORSMiddleware');
    const origins = resolveValue(m, mw!.module, mw!.kwargs.get('allow_origins')!.value);
    expect(stringValues(origins)).toEqual(['https://app.example.com', 'https://admin.example.com']);
    expect(origins.from).toEqual({ file: 'app/config.py', line: 2 });
    expect(m.routes.map((r) => r.mounts.map((x) => x.fullPath))).toEqual([['/v1/api/orders/{id}']]);
  });

  it('reads BaseSettings defaults, the env_file feeding them, and production env files first', async () => {
    const m = await model({
      'config.py': `from typing import List
from pydantic import BaseSettings, Field


class Settings(BaseSettings):
    debug: bool = True
    origins: List[str] = ["http://localhost:3000"]
    api_prefix: str = Field("/api", env="PREFIX")
    region: str = "eu"

    class Config:
        env_file = ".env"
        env_prefix = "APP_"


settings = Settings()
`,
      'main.py': `from fastapi import FastAPI
from config import settings
app = FastAPI(debug=settings.debug, title=settings.api_prefix, description=settings.region, version=settings.origins)
`,
      '.env': 'APP_DEBUG=true\nAPP_REGION=us\n',
      '.env.production': 'APP_DEBUG=false\nAPP_ORIGINS=["https://a.example.com"]\n',
    });
    expect(plain(kwValue(m, 'fastapi.FastAPI', 'debug'))).toBe(false);
    expect(kwValue(m, 'fastapi.FastAPI', 'debug').from).toEqual({ file: '.env.production', line: 1 });
    expect(plain(kwValue(m, 'fastapi.FastAPI', 'version'))).toEqual(['https://a.example.com']);
    expect(plain(kwValue(m, 'fastapi.FastAPI', 'description'))).toBe('us');
    const prefix = kwValue(m, 'fastapi.FastAPI', 'title');
    expect(plain(prefix)).toBe('/api');
    expect(prefix.defaulted).toBe(true);
    expect(m.pydanticModels[0]?.envFiles).toEqual(['.env']);
    expect(m.pydanticVersion).toMatchObject({ major: 1, source: 'imports' });
  });

  it('takes the production branch of environment conditionals and says so', async () => {
    const m = await model({
      'main.py': `import os
from fastapi import FastAPI

ENV = os.getenv("ENVIRONMENT", "development")
if ENV == "production":
    DOCS = None
else:
    DOCS = "/docs"
app = FastAPI(docs_url=DOCS, redoc_url=None if ENV == "production" else "/redoc")
`,
    });
    const docs = kwValue(m, 'fastapi.FastAPI', 'docs_url');
    expect(docs.kind).toBe('none');
    expect(docs.conditional?.condition).toBe('ENV == "production"');
    expect(kwValue(m, 'fastapi.FastAPI', 'redoc_url').kind).toBe('none');
  });

  it('never counts comments, strings, docstrings, code after return/raise or under if False', async () => {
    const m = await model({
      'main.py': `"""app = FastAPI(dependencies=[Depends(check)])"""
from fastapi import Depends, FastAPI
import logging

log = logging.getLogger("security")
# app.add_middleware(CORSMiddleware, allow_origins=["*"])
app = FastAPI()
TEXT = "app.include_router(router)"


def handler():
    raise RuntimeError("stop")
    log.warning("never logged")


if False:
    app = FastAPI(debug=True)

while 0:
    log.info("dead")
`,
    });
    expect(m.apps).toHaveLength(1);
    expect(m.middleware).toEqual([]);
    expect(m.logCalls).toEqual([]);
    expect(m.loggers.map((l) => [l.variable, l.loggerName])).toEqual([['log', 'security']]);
  });

  it('judges conditions by the production values of settings and env files, else by syntax', async () => {
    const m = await model({
      'config.py': `from pydantic import BaseSettings

class Settings(BaseSettings):
    environment: str = "production"
    dev_mode: bool = False
    docs_enabled: bool = False

    class Config:
        env_file = ".env.production"

settings = Settings()
`,
      'main.py': `import os
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from config import settings

DEBUG = os.getenv("DEBUG", "false").lower() == "true"
QUIET = not DEBUG
LEVEL = "debug" if settings.environment in ("staging", "dev") else "info"
app = FastAPI(debug=DEBUG, docs_url="/docs" if settings.docs_enabled and settings.dev_mode else None, title=QUIET)
if settings.dev_mode:
    app.add_middleware(CORSMiddleware, allow_origins=["*"])
if settings.environment != "production":
    app.add_middleware(CORSMiddleware, allow_origins=["http://localhost:3000"])
if settings.environment == "production":
    app.add_middleware(CORSMiddleware, allow_origins=["https://prod.example.com"])
`,
      '.env.production': 'DEV_MODE=true\nENVIRONMENT=staging\nDEBUG=True\nDOCS_ENABLED=1\n',
    });
    expect(plain(kwValue(m, 'fastapi.FastAPI', 'debug'))).toBe(true);
    expect(kwValue(m, 'fastapi.FastAPI', 'debug').envKey).toBe('DEBUG');
    expect(plain(kwValue(m, 'fastapi.FastAPI', 'title'))).toBe(false);
    expect(plain(kwValue(m, 'fastapi.FastAPI', 'docs_url'))).toBe('/docs');
    const live = m.middleware.filter((mw) => !mw.branch || mw.branch.production);
    const origins = live.map((mw) =>
      plain(resolveValue(m, mw.module, mw.kwargs.get('allow_origins')?.value as SyntaxNode)),
    );
    expect(origins).toEqual([['*'], ['http://localhost:3000']]);
    expect(live[0]?.branch?.condition).toContain('DEV_MODE in .env.production makes it true');
  });

  it('never silently takes a rebinding under a runtime condition; a constant False is dead code', async () => {
    const m = await model({
      'main.py': `import os
from fastapi import Depends, FastAPI

def check():
    pass

app = FastAPI()
if os.getenv("PROTECT"):
    app = FastAPI(dependencies=[Depends(check)])
DEBUG_PROTECT = False
if DEBUG_PROTECT:
    app = FastAPI(dependencies=[Depends(check)], title="dead")
ORIGINS = ["https://a.example.com"]
if os.getenv("OPEN"):
    ORIGINS = ["*"]
SAME = 1
if os.getenv("X"):
    SAME = 1
app2 = FastAPI(title=ORIGINS, version=SAME)

@app.get("/x")
def x():
    return 1

api = FastAPI(dependencies=[Depends(check)])
if os.getenv("OPEN"):
    api = FastAPI()

@api.get("/y")
def y():
    return 1
`,
    });
    expect(m.apps.map((a) => a.line)).toEqual([7, 9, 19, 25, 27]);
    expect(m.routes.map((r) => [r.path, r.owner.line])).toEqual([
      ['/x', 7],
      ['/y', 27],
    ]);
    const title = kwValue(m, 'fastapi.FastAPI', 'title', 2);
    expect(title.kind === 'unknown' && title.reason).toContain('depends on the condition os.getenv("OPEN")');
    expect(plain(kwValue(m, 'fastapi.FastAPI', 'version', 2))).toBe(1);
  });

  it('leaves conditions on local variables to the syntax: a loop may not run, locals change', async () => {
    const m = await model({
      'main.py': `import logging
from fastapi import FastAPI

log = logging.getLogger("security")
KEYS = ["a"]
ENABLED = False
for k in KEYS:
    ENABLED = True
app = FastAPI(title=ENABLED)


def check(key):
    ok = False
    for k in KEYS:
        ok = True
    if not ok:
        log.warning("bad key")
    verbose = False
    if verbose:
        log.info("verbose")
`,
    });
    expect(m.logCalls.map((c) => c.line)).toEqual([17, 20]);
    const title = kwValue(m, 'fastapi.FastAPI', 'title');
    expect(title.kind === 'unknown' && title.reason).toContain('the loop over KEYS');
  });

  it('follows module-level changes of a list: +=, append, extend, insert, remove', async () => {
    const m = await model({
      'main.py': `import os
from fastapi import FastAPI

origins = ["https://a.example.com"]
origins += ["*"]
origins.append("http://localhost:3000")
origins.extend(["https://b.example.com"])
origins.insert(0, "https://first.example.com")
origins.remove("https://a.example.com")
app = FastAPI(title=origins)
origins.append("https://after-use.example.com")
hosts = ["a"]
hosts.sort()
hosts.pop()
app2 = FastAPI(title=hosts)
`,
    });
    expect(plain(kwValue(m, 'fastapi.FastAPI', 'title'))).toEqual([
      'https://first.example.com',
      '*',
      'http://localhost:3000',
      'https://b.example.com',
    ]);
    expect(kwValue(m, 'fastapi.FastAPI', 'title', 1).kind).toBe('unknown');
  });

  it('leaves what it cannot resolve unknown, with a reason', async () => {
    const m = await model({
      'main.py': 'from fastapi import FastAPI\nfrom vendor import ORIGINS\napp = FastAPI(title=ORIGINS)\n',
    });
    const v = kwValue(m, 'fastapi.FastAPI', 'title');
    expect(v.kind).toBe('unknown');
    expect(v.kind === 'unknown' && v.reason).toContain('vendor.ORIGINS');
  });

  it('is not an app: a library with functions named get and signal', async () => {
    const m = await model({
      'lib.py':
        'class Api:\n    def get(self, p):\n        return lambda f: f\n\napi = Api()\n\n@api.get("/x")\ndef signal():\n    return 1\n',
    });
    expect(m.hasFastApi).toBe(false);
    expect(m.routes).toEqual([]);
  });
});

describe('app model: routes and dependencies', () => {
  it('applies prefixes and inherited dependencies through nested routers, factories and Annotated aliases', async () => {
    const m = await model({
      'auth.py': `from typing import Annotated
from fastapi import Depends, Header, HTTPException


def verify(x_api_key: str = Header("")):
    if x_api_key != "k":
        raise HTTPException(status_code=403)


Key = Annotated[str, Depends(verify)]
`,
      'routes.py': `from fastapi import APIRouter, Depends
from auth import Key, verify

inner = APIRouter(prefix="/orders")
outer = APIRouter(prefix="/v1", dependencies=[Depends(verify)])
open_router = APIRouter()


@inner.post("/")
def create(order: dict):
    return order


@open_router.get("/quotes")
def quotes(key: Key):
    return []


@open_router.websocket("/ws")
async def ws(websocket):
    pass


outer.include_router(inner)
`,
      'main.py': `from fastapi import FastAPI
from routes import outer, open_router


def create_app():
    application = FastAPI()
    application.include_router(outer, prefix="/api")
    application.include_router(open_router)
    return application


app = create_app()
`,
    });
    const keys = apiKeyDependencies(m);
    expect(keys.map((k) => [k.function.name, k.reason, k.unsafeComparisons.map((c) => c.line)])).toEqual([
      ['verify', 'validates-key', [6]],
      // A handler that takes the key dependency as a parameter requires the key itself.
      ['quotes', 'sub-dependency', []],
    ]);
    // Memoised per model (api-auth, debug and security-logging share one result); another setting is its own entry.
    expect(apiKeyDependencies(m)[0]).toBe(keys[0]);
    expect(apiKeyDependencies(m, ['quotes']).find((k) => k.function.name === 'quotes')?.reason).toBe(
      'configured',
    );
    expect(apiKeyDependencies(m).find((k) => k.function.name === 'quotes')?.reason).toBe('sub-dependency');
    const table = m.routes.flatMap((r) =>
      r.mounts.map(
        (mt) =>
          `${r.methods.join(',')} ${mt.fullPath} ${routeRequires(r, mt, keys)?.dependency?.via ?? 'open'}`,
      ),
    );
    expect(table.sort()).toEqual([
      'GET /quotes parameter',
      'POST /api/v1/orders/ router',
      'WEBSOCKET /ws open',
    ]);
    const create = m.routes.find((r) => r.handlerName === 'create');
    expect(create?.bodies.map((b) => [b.parameter.name, b.raw])).toEqual([['order', true]]);
  });

  it('keeps only the key among the headers a dependency reads', async () => {
    const m = await model({
      'auth.py': `from typing import Annotated
from fastapi import Header, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

KEY_HEADER = "X-API-Key"
scheme = APIKeyHeader(name=KEY_HEADER)


def verify(request: Request, x_api_key: str = Header(""), x_real_ip: str = Header(None)):
    ip = request.headers.get("x-real-ip") or x_real_ip
    provided = request.headers.get(KEY_HEADER, "").strip()
    raw = request.headers["Authorization"]
    if not (x_api_key or provided or raw):
        raise HTTPException(status_code=401, detail=ip)


def aliased(sig: Annotated[str, Header(alias="X-Auth-Token")], scheme_key: str = Security(scheme)):
    if sig != scheme_key:
        raise HTTPException(status_code=403)


def allowlist(x_forwarded_for: str = Header("")):
    if x_forwarded_for not in {"10.0.0.1"}:
        raise HTTPException(status_code=403)
`,
    });
    const keys = apiKeyDependencies(m);
    // allowlist() reads a header and raises 403, but the header is an address, not a key.
    expect(keys.map((k) => [k.function.name, k.keyNames])).toEqual([
      ['verify', ['x_api_key', 'provided', 'raw']],
      ['aliased', ['sig', 'scheme_key']],
    ]);
  });

  it('records route decorators in order, with the handler parameters', async () => {
    const m = await model({
      'main.py': `from fastapi import FastAPI, Request
from slowapi import Limiter
limiter = Limiter(key_func=lambda r: "x")
app = FastAPI()


@limiter.limit("1/minute")
@app.post("/login")
def login(request: Request):
    return {}
`,
    });
    const r = m.routes[0];
    expect(r?.decorator?.index).toBe(1);
    expect(r?.handler?.decorators.map((d) => d.text)).toEqual(['limiter.limit', 'app.post']);
    expect(r?.parameters.map((p) => [p.name, p.source])).toEqual([['request', 'request']]);
  });
});

describe('app model: SQL, engines, logging, entry points, pydantic', () => {
  it('tells how SQL strings were built; psycopg %s parameters are not formatting', async () => {
    const m = await model({
      'db.py': `from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_engine("sqlite:///x.db", echo=True)
aengine = create_async_engine("postgresql+asyncpg://u@h/db")


def q(conn, cur, symbol):
    conn.execute(text(f"SELECT * FROM orders WHERE symbol = '{symbol}'"))
    cur.execute("SELECT * FROM orders WHERE symbol = %s", (symbol,))
    cur.execute("SELECT * FROM orders WHERE symbol = '%s'" % symbol)
    query = "SELECT * FROM t WHERE id = {}".format(symbol)
    cur.execute(query)
    sql = "SELECT * FROM t WHERE a = 1"
    sql += " AND b = " + symbol
    cur.execute(sql)
`,
    });
    expect(m.engines.map((e) => [e.function, e.line])).toEqual([
      ['create_engine', 4],
      ['create_async_engine', 5],
    ]);
    const rows = m.sqlCalls.map((c) => [
      c.line,
      c.callee,
      c.string.kind,
      c.hasParameters,
      c.string.via?.name ?? '',
    ]);
    expect(rows).toEqual([
      [9, 'execute', 'call', false, ''],
      [9, 'text', 'fstring', false, ''],
      [10, 'execute', 'literal', true, ''],
      [11, 'execute', 'percent', false, ''],
      [13, 'execute', 'format', false, 'query'],
      [16, 'execute', 'concat', false, 'sql'],
    ]);
    expect(m.sqlCalls.every((c) => c.string.looksLikeSql)).toBe(true);
  });

  it('finds log calls on resolved loggers, with their arguments', async () => {
    const m = await model({
      'log.py': `import logging
security_logger = logging.getLogger("security")


def fail(ip, key):
    security_logger.warning({"event": "auth_failure", "ip": ip})
    logging.info("plain %s", ip)
    raise ValueError(key)
    security_logger.error("after raise %s", key)
`,
    });
    expect(
      m.logCalls.map((c) => [c.line, c.receiver, c.level, c.loggerName, c.resolved, c.args.length]),
    ).toEqual([
      [6, 'security_logger', 'warning', 'security', true, 1],
      [7, 'logging', 'info', '', true, 2],
    ]);
    expect(m.logCalls[0]?.enclosing?.name).toBe('fail');
  });

  it('reads the module the Dockerfile, compose and systemd run', async () => {
    const m = await model({
      'app/__init__.py': '',
      'app/main.py':
        'from fastapi import FastAPI\nimport uvicorn\napp = FastAPI()\nif __name__ == "__main__":\n    uvicorn.run(app, reload=True)\n',
      Dockerfile:
        'FROM python:3.12 AS build\nCMD ["echo"]\nFROM python:3.12-slim\nCMD ["sh", "-c", "cd /srv && exec python -m uvicorn app.main:app --reload"]\n',
      'docker-compose.yml':
        'services:\n  api:\n    command: ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app.main:app", "--log-level", "debug"]\n    env_file: [.env.live]\n',
      'deploy/api.service':
        '[Service]\nEnvironmentFile=-/srv/app/.env.live\nExecStart=/srv/venv/bin/python -m app.main\n',
      '.env.live': 'DEBUG=false\n',
    });
    const rows = m.entryPoints.map((e) => [
      e.source,
      e.line,
      e.server,
      e.target,
      e.module?.file,
      e.production,
    ]);
    expect(rows).toEqual([
      ['dockerfile', 4, 'uvicorn', 'app.main:app', 'app/main.py', true],
      ['systemd', 3, 'python', 'app.main', 'app/main.py', true],
      ['compose', 3, 'gunicorn', 'app.main:app', 'app/main.py', true],
    ]);
    expect(m.entryPoints[0]?.options.get('reload')).toBe(true);
    expect(m.entryPoints[2]?.options.get('log-level')).toBe('debug');
    expect(m.envFiles.map((e) => [e.file, e.production])).toEqual([['.env.live', true]]);
    expect(m.uvicornRuns.map((u) => [u.line, u.underMainGuard])).toEqual([[5, true]]);
  });

  it('detects the pydantic version from requirements, lock files and imports', async () => {
    const v2 = await model({ 'requirements.txt': 'fastapi==0.110\npydantic>=2.5,<3\n', 'm.py': 'x = 1\n' });
    expect(v2.pydanticVersion).toMatchObject({
      major: 2,
      source: 'requirements',
      location: { file: 'requirements.txt', line: 2 },
    });
    const lock = await model({
      'poetry.lock': '[[package]]\nname = "pydantic"\nversion = "1.10.13"\ndescription = "x"\n',
      'requirements.txt': 'pydantic>=2\n',
    });
    expect(lock.pydanticVersion).toMatchObject({ major: 1, source: 'lock' });
    const imports = await model({ 'm.py': 'from pydantic_settings import BaseSettings\n' });
    expect(imports.pydanticVersion).toMatchObject({ major: 2, source: 'imports' });
    const models = await model({
      'm.py': `from pydantic import BaseModel, Field, field_validator


class Order(BaseModel):
    symbol: str = Field(..., pattern="^[A-Z]+$", max_length=10)
    qty: int = Field(gt=0)

    @field_validator("qty")
    @classmethod
    def check(cls, v):
        return v
`,
    });
    const order = models.pydanticModels[0];
    expect(order?.fields.map((f) => [f.name, [...f.constraints.keys()]])).toEqual([
      ['symbol', ['pattern', 'max_length']],
      ['qty', ['gt']],
    ]);
    expect(order?.validators.map((v) => [v.kind, v.fields, v.line])).toEqual([
      ['field_validator', ['qty'], 8],
    ]);
  });
});

describe('entry point commands', () => {
  it('splits shell commands and reads uvicorn, gunicorn and fastapi options', () => {
    expect(shellSplit(`uvicorn app:app --forwarded-allow-ips "*" --log-level='debug'`)).toEqual([
      'uvicorn',
      'app:app',
      '--forwarded-allow-ips',
      '*',
      '--log-level=debug',
    ]);
    const u = describeCommand([
      '/bin/sh',
      '-c',
      'alembic upgrade head && uvicorn app.main:app --reload --port=8000',
    ]);
    expect([
      u.server,
      u.targetModule,
      u.targetAttribute,
      u.options.get('reload'),
      u.options.get('port'),
    ]).toEqual(['uvicorn', 'app.main', 'app', true, '8000']);
    const g = describeCommand([
      'gunicorn',
      '-w',
      '4',
      '-k',
      'uvicorn.workers.UvicornWorker',
      'app.main:create_app()',
    ]);
    expect([g.server, g.targetAttribute, g.options.get('worker-class')]).toEqual([
      'gunicorn',
      'create_app',
      'uvicorn.workers.UvicornWorker',
    ]);
    expect(describeCommand(['fastapi', 'dev', 'app/main.py']).options.get('reload')).toBe(true);
  });
});

describe('syntax shortcuts agree with the walks they replace', () => {
  const SOURCE = `import os  # a comment
from fastapi import APIRouter

router = APIRouter(prefix=os.getenv("P", "/x"))  # (not a call)


class Service:
    # comment before a method
    def handle(self, x=f(g(1))):
        y = [h(i) for i in x]
        return (lambda: k())()

    async def run(self):
        pass


@router.get("/a", dependencies=[dep(a)(b)])
def view(q: str = q_default()):
    def inner():
        return m(n())
    if x(  # a comment inside a call
        1,
    ):
        return inner()
    return None
`;

  async function allNodes(): Promise<{ tree: SyntaxTree; nodes: SyntaxNode[] }> {
    const tree = await parsePython(SOURCE);
    const nodes: SyntaxNode[] = [];
    const stack = [tree.rootNode];
    while (stack.length > 0) {
      const n = stack.pop() as SyntaxNode;
      nodes.push(n);
      for (const c of n.children) if (c) stack.push(c);
    }
    return { tree, nodes };
  }

  it('descendantsIn returns what descendantsOfType does, for every node of a tree', async () => {
    const { nodes } = await allNodes();
    for (const type of ['call', 'comparison_operator', 'comment', 'identifier']) {
      for (const n of nodes) {
        const fast = descendantsIn(n, type).map((d) => `${d.startIndex}:${d.endIndex}`);
        const slow = descendantsOfType(n, type).map((d) => `${d.startIndex}:${d.endIndex}`);
        expect(fast, `${type} under ${n.type} at ${n.startIndex}`).toEqual(slow);
      }
    }
  });

  it('namedChildren leaves out comments only; enclosingFunction finds the innermost function', async () => {
    const { tree, nodes } = await allNodes();
    for (const n of nodes) {
      expect(namedChildren(n).map((c) => c.id)).toEqual(
        n.namedChildren.filter((c) => c !== null && c.type !== 'comment').map((c) => c?.id),
      );
    }
    const module = createModule('svc.py', SOURCE, tree);
    for (const n of nodes) {
      // The reference: walk up the parents to the nearest function body, stopping at a class body.
      let expected: string | undefined;
      for (let p = n.parent, child: SyntaxNode = n; p; child = p, p = p.parent) {
        if (p.type === 'class_definition' && child.type === 'block') break;
        if (p.type === 'function_definition' && child.type === 'block') {
          expected = p.childForFieldName('name')?.text;
          break;
        }
      }
      expect(enclosingFunction(module, n)?.name, `${n.type} at ${n.startIndex}`).toBe(expected);
    }
  });
});
