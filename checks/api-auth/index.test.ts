import { fixture } from '../../test/helpers/app-fixture.js';
import { testCheck } from '../../test/helpers/check-tester.js';
import check from './index.js';

const KEY_DEP = `from fastapi import Depends, FastAPI, HTTPException, Security
from fastapi.security import APIKeyHeader
import secrets

API_KEY = "x"
header = APIKeyHeader(name="X-API-Key", auto_error=False)


async def verify_api_key(key: str = Security(header)):
    if not key or not secrets.compare_digest(key, API_KEY):
        raise HTTPException(status_code=401, detail="bad key")
`;

testCheck(check, {
  pass: [
    {
      name: 'every route has the dependency as a parameter or in dependencies=[...]',
      files: {
        'main.py': `${KEY_DEP}
app = FastAPI()


@app.get("/orders")
async def orders(_: None = Depends(verify_api_key)):
    return []


@app.post("/signals", dependencies=[Depends(verify_api_key)])
async def signals():
    return {}
`,
      },
    },
    {
      name: 'auth only through FastAPI(dependencies=...) (whole app, routers in their own files)',
      files: fixture('auth-app-deps'),
    },
    {
      name: 'a router whose own APIRouter(dependencies=...) requires the key, and an exempt health route',
      config: '[api-auth]\nexempt-routes = GET /health, GET /ready\n',
      files: {
        'app/auth.py': KEY_DEP,
        'app/orders.py': `from fastapi import APIRouter, Depends
from app.auth import verify_api_key

router = APIRouter(prefix="/orders", dependencies=[Depends(verify_api_key)])


@router.get("/")
def list_orders():
    return []
`,
        'app/main.py': `from fastapi import FastAPI
from app import orders

app = FastAPI()
app.include_router(orders.router)


@app.get("/health")
def health():
    return "ok"


@app.get("/ready")
def ready():
    return "ok"
`,
      },
    },
    {
      name: 'a dependency named in auth-dependencies, used through a sub-dependency',
      config: '[api-auth]\nauth-dependencies = check_token\n',
      files: {
        'main.py': `from fastapi import Depends, FastAPI


def check_token():
    return True


def current_user(ok=Depends(check_token)):
    return "user"


app = FastAPI()


@app.get("/me")
def me(user=Depends(current_user)):
    return user
`,
      },
    },
    {
      name: 'dependencies= built by concatenating and unpacking a list defined in another module',
      files: {
        'app/deps.py': `${KEY_DEP}\nPROTECTED = [Depends(verify_api_key)]\n`,
        'app/main.py': `from fastapi import APIRouter, FastAPI
import app.deps as d

app = FastAPI(dependencies=d.PROTECTED + [])
other = FastAPI()
r = APIRouter()


@r.get("/orders")
def orders():
    return []


@app.get("/positions")
def positions():
    return []


other.include_router(r, dependencies=[*d.PROTECTED])
`,
      },
    },
    {
      name: 'a websocket route inherits the app dependencies when FastAPI is 0.97 or later',
      files: {
        'requirements.txt': 'fastapi>=0.100\n',
        'main.py': `${KEY_DEP}
from fastapi import WebSocket

app = FastAPI(dependencies=[Depends(verify_api_key)])


@app.websocket("/ws/orders")
async def feed(websocket: WebSocket):
    await websocket.accept()
`,
      },
    },
    {
      name: 'a route defined only under `if settings.environment != "production":` is not served in production',
      files: {
        'main.py': `${KEY_DEP}
from fastapi import APIRouter

ENVIRONMENT = "production"
app = FastAPI(dependencies=[Depends(verify_api_key)])
debug = APIRouter()


@debug.get("/debug/state")
def state():
    return {}


if ENVIRONMENT != "production":
    app.include_router(debug)
`,
      },
    },
    {
      name: 'throwaway apps in tests and examples are not the service',
      files: {
        'app/main.py': `${KEY_DEP}\napp = FastAPI(dependencies=[Depends(verify_api_key)])\n`,
        'tests/test_api.py':
          'from fastapi import FastAPI\napp = FastAPI()\n\n\n@app.get("/orders")\ndef o():\n    return []\n',
        'examples/minimal.py':
          'from fastapi import FastAPI\napp = FastAPI()\n\n\n@app.post("/orders")\ndef o():\n    return []\n',
      },
    },
    {
      name: 'a helper library with functions named get and signal is not checked as routes',
      files: {
        'main.py': `${KEY_DEP}
import requests

app = FastAPI(dependencies=[Depends(verify_api_key)])


def get(url):
    return requests.get(url)


class Client:
    def signal(self):
        return get("/x")
`,
      },
    },
  ],
  fail: [
    {
      name: 'Starlette routes (add_route, @app.route) do not inherit the app dependencies; app.get(...)(h) does',
      files: fixture('auth-starlette'),
      findings: [
        { rule: 'api-auth/unprotected-route', file: 'app/main.py', line: 24 },
        { rule: 'api-auth/unprotected-route', file: 'app/main.py', line: 27 },
        { rule: 'api-auth/unprotected-route', file: 'app/main.py', line: 51 },
        { rule: 'api-auth/unprotected-route', file: 'app/main.py', line: 52 },
        { rule: 'api-auth/unprotected-route', file: 'app/main.py', line: 60 },
      ],
      verify: (result) => {
        for (const f of result.checks[0]?.findings ?? []) {
          if (!f.message.includes('Starlette routes run no FastAPI dependencies'))
            throw new Error(`the finding should say why the app's dependencies do not apply: ${f.message}`);
        }
      },
    },
    {
      name: 'a route declared with the call form app.get(...)(handler) is checked like a decorated one',
      files: {
        'main.py': `${KEY_DEP}
app = FastAPI()


async def cancel_all():
    return []


app.post("/orders/cancel-all")(cancel_all)
app.get("/orders", dependencies=[Depends(verify_api_key)])(cancel_all)
`,
      },
      findings: [{ rule: 'api-auth/unprotected-route', file: 'main.py', line: 20 }],
    },
    {
      name: 'a key only required to be present, or whose HTTPException the dependency catches, protects nothing',
      files: fixture('auth-weak-deps'),
      findings: [
        { rule: 'api-auth/unprotected-route', file: 'app/main.py', line: 15 },
        { rule: 'api-auth/unprotected-route', file: 'app/main.py', line: 20 },
        { rule: 'api-auth/unprotected-route', file: 'app/main.py', line: 25 },
        // == inside the helper the dependency calls with the key.
        { rule: 'api-auth/key-compared-with-equality', file: 'app/deps.py', line: 44 },
      ],
      verify: (result) => {
        const messages = (result.checks[0]?.findings ?? []).map((f) => f.message).join('\n');
        for (const want of [
          'require_key_header() (app/deps.py:8) only requires the credential to be present',
          'verify_swallowed() (app/deps.py:16) catches its own HTTPException (raised at line 20)',
          'verify_swallowed_http() (app/deps.py:25) catches its own HTTPException',
          'in _matches(), which it calls with the key',
        ]) {
          if (!messages.includes(want)) throw new Error(`missing "${want}" in:\n${messages}`);
        }
      },
    },
    {
      name: 'a router included without the dependency, beside a nested router included with it',
      config: '[api-auth]\nexempt-routes = GET /health\n',
      files: fixture('auth-nested'),
      findings: [{ rule: 'api-auth/unprotected-router', file: 'app/main.py', line: 11 }],
      verify: (result) => {
        const f = result.checks[0]?.findings[0];
        if (
          !f?.message.includes('GET /admin/positions') ||
          !f.message.includes('DELETE /admin/positions/{symbol}')
        ) {
          throw new Error(`the finding should list both admin routes: ${f?.message}`);
        }
      },
    },
    {
      name: 'the health route is not exempt unless the config says so; the remediation names the setting',
      files: fixture('auth-nested'),
      findings: [
        { rule: 'api-auth/unprotected-router', file: 'app/main.py', line: 11 },
        { rule: 'api-auth/unprotected-route', file: 'app/main.py', line: 14 },
      ],
      verify: (result) => {
        const health = result.checks[0]?.findings.find((f) => f.line === 14);
        if (!health?.remediation?.includes('[api-auth] exempt-routes = GET /health'))
          throw new Error(`remediation: ${health?.remediation}`);
        const router = result.checks[0]?.findings.find((f) => f.line === 11);
        if (router?.remediation?.includes('exempt-routes ='))
          throw new Error('only health routes get the hint');
      },
    },
    {
      name: 'a fix only in a comment, a docstring, after return and under if False does not count',
      files: fixture('auth-dead-fix'),
      findings: [
        { rule: 'api-auth/unprotected-router', file: 'app/main.py', line: 20 },
        { rule: 'api-auth/unprotected-route', file: 'app/main.py', line: 31 },
        { rule: 'api-auth/key-compared-with-equality', file: 'app/main.py', line: 13 },
      ],
    },
    {
      name: 'one route of a router lacks the dependency: the finding points at its decorator',
      files: {
        'main.py': `${KEY_DEP}
app = FastAPI()


@app.get("/orders", dependencies=[Depends(verify_api_key)])
def orders():
    return []


@app.post("/orders/cancel-all")
def cancel_all():
    return []
`,
      },
      findings: [{ rule: 'api-auth/unprotected-route', file: 'main.py', line: 21 }],
    },
    {
      name: 'APIKeyHeader alone only requires the header to be present',
      files: {
        'main.py': `from fastapi import FastAPI, Security
from fastapi.security import APIKeyHeader

header = APIKeyHeader(name="X-API-Key")
app = FastAPI()


@app.get("/positions")
def positions(key: str = Security(header)):
    return []
`,
      },
      findings: [{ rule: 'api-auth/unprotected-route', line: 8 }],
      verify: (result) => {
        const msg = result.checks[0]?.findings[0]?.message ?? '';
        if (!msg.includes('only requires the credential to be present')) throw new Error(msg);
      },
    },
    {
      name: 'the key compared with == in the dependency is a low warning',
      status: 'warn',
      files: {
        'main.py': `from fastapi import Depends, FastAPI, Header, HTTPException

API_KEY = "x"


def verify(x_api_key: str = Header(...)):
    if x_api_key == API_KEY:
        return
    raise HTTPException(status_code=403)


app = FastAPI(dependencies=[Depends(verify)])


@app.get("/orders")
def orders():
    return []
`,
      },
      findings: [{ rule: 'api-auth/key-compared-with-equality', line: 7 }],
    },
    {
      name: 'FastAPI before 0.97 runs no app dependencies for a websocket route; a parameter dependency works',
      files: fixture('auth-websocket'),
      findings: [
        { rule: 'api-auth/unprotected-route', file: 'app/main.py', line: 14 },
        // @app.websocket_route is Starlette's: no FastAPI dependencies in any version.
        { rule: 'api-auth/unprotected-route', file: 'app/main.py', line: 29 },
      ],
      verify: (result) => {
        const msg = result.checks[0]?.findings.find((f) => f.line === 14)?.message ?? '';
        if (
          !msg.includes(
            'fastapi==0.92.0 (requirements.txt:1) runs no app, router or include_router dependencies',
          )
        )
          throw new Error(msg);
      },
    },
    {
      name: 'a websocket route protected only by inherited dependencies, with no FastAPI version declared',
      status: 'warn',
      files: {
        'main.py': `${KEY_DEP}
from fastapi import WebSocket

app = FastAPI(dependencies=[Depends(verify_api_key)])


@app.websocket("/ws/orders")
async def feed(websocket: WebSocket):
    await websocket.accept()


@app.websocket("/ws/fills")
async def fills(websocket: WebSocket, _: None = Depends(verify_api_key)):
    await websocket.accept()
`,
      },
      findings: [{ rule: 'api-auth/websocket-dependencies-unknown', file: 'main.py', line: 18 }],
    },
    {
      name: 'a dependencies= value that does not resolve is a low note, not an unprotected router',
      status: 'warn',
      files: {
        'app/deps.py': `${KEY_DEP}\nPROTECTED = [Depends(verify_api_key)]\n`,
        'app/main.py': `from fastapi import APIRouter, FastAPI
import app.deps as d

app = FastAPI()
r = APIRouter()


@r.get("/orders")
def orders():
    return []


app.include_router(r, dependencies=[x for x in d.PROTECTED])
`,
      },
      findings: [{ rule: 'api-auth/unresolved-dependencies', file: 'app/main.py', line: 13 }],
    },
  ],
  skip: [
    { name: 'no Python at all', files: { 'README.md': '# nothing\n' } },
    {
      name: 'a library with functions named get and signal, and a Flask-like app object',
      files: {
        'lib/client.py': `class App:
    def get(self, path):
        def wrap(fn):
            return fn
        return wrap


app = App()


@app.get("/orders")
def orders():
    return []


def signal():
    return 1
`,
      },
    },
    {
      name: 'FastAPI() only in a comment and a string',
      files: {
        'main.py': `# app = FastAPI()
TEMPLATE = "app = FastAPI()"
`,
      },
    },
  ],
});
