import { fixture } from '../../test/helpers/app-fixture.js';
import { testCheck } from '../../test/helpers/check-tester.js';
import check from './index.js';

const SLOWAPI_APP = `from fastapi import FastAPI, Request
from slowapi import Limiter, _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded
from slowapi.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)
app = FastAPI()
app.state.limiter = limiter
app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)
`;

const NGINX = (
  locations: string,
  zones = 'limit_req_zone $binary_remote_addr zone=api:10m rate=100r/m;',
) => `events {}
http {
    ${zones}
    server {
        listen 80;
${locations}
    }
}
`;

testCheck(check, {
  pass: [
    {
      name: 'slowapi under the route decorator, request parameter, limiter on app.state, handler registered',
      files: {
        'main.py': `${SLOWAPI_APP}

@app.post("/auth/login")
@limiter.limit("5/minute")
async def login(request: Request):
    return {}


@app.get("/health")
def health():
    return "ok"
`,
      },
    },
    {
      name: 'nginx limit_req in the location that proxies the routes (with a prefix rewrite)',
      files: {
        'app/main.py': `from fastapi import FastAPI

app = FastAPI()


@app.post("/orders")
def place_order():
    return {}


@app.get("/signals")
def signals():
    return []
`,
        'nginx/conf.d/app.conf': `limit_req_zone $binary_remote_addr zone=api:10m rate=60r/m;
server {
    listen 80;
    location /api/ {
        limit_req zone=api burst=20 nodelay;
        proxy_pass http://app:8000/;
    }
}
`,
      },
    },
    {
      name: 'limit_req inherited from the server block',
      files: {
        'main.py': `from fastapi import FastAPI

app = FastAPI()


@app.post("/token")
def token():
    return {}
`,
        'nginx.conf': NGINX(`        limit_req zone=api burst=5;
        location / { proxy_pass http://127.0.0.1:8000; }`),
      },
    },
    {
      name: 'global default limits through SlowAPIMiddleware',
      files: {
        'main.py': `${SLOWAPI_APP}from slowapi.middleware import SlowAPIMiddleware

limiter = Limiter(key_func=get_remote_address, default_limits=["100/minute"])
app.add_middleware(SlowAPIMiddleware)


@app.post("/orders")
def place_order(request: Request):
    return {}
`,
      },
    },
    {
      name: 'no sensitive routes, and uvicorn trusting only the proxy',
      files: {
        'main.py':
          'from fastapi import FastAPI\napp = FastAPI()\n\n\n@app.get("/health")\ndef health():\n    return 1\n',
        Dockerfile:
          'FROM python:3.12-slim\nCMD ["uvicorn", "main:app", "--forwarded-allow-ips", "172.18.0.2"]\n',
      },
    },
  ],
  fail: [
    {
      name: 'sensitive words inside path segments and camelCase names; reads under /trading are not sensitive',
      files: {
        'main.py': `from fastapi import APIRouter, FastAPI

app = FastAPI()
trading = APIRouter(prefix="/api/trading")


@app.post("/api/place-order")
def submit():
    return {}


@app.post("/api/orders_bulk")
def bulk():
    return {}


@app.post("/tv-signal")
def handle():
    return {}


@app.post("/api/refresh-token")
def refresh():
    return {}


@app.post("/api/createOrder")
def create():
    return {}


@app.post("/hooks")
def placeOrder():
    return {}


@trading.get("/status")
def status():
    return {}


@trading.post("/halt")
def halt():
    return {}


@app.get("/api/reorder-stats")
def stats():
    return {}


app.include_router(trading)
`,
      },
      findings: [
        { rule: 'rate-limit/unlimited-endpoint', line: 7 },
        { rule: 'rate-limit/unlimited-endpoint', line: 12 },
        { rule: 'rate-limit/unlimited-endpoint', line: 17 },
        { rule: 'rate-limit/unlimited-endpoint', line: 22 },
        { rule: 'rate-limit/unlimited-endpoint', line: 27 },
        { rule: 'rate-limit/unlimited-endpoint', line: 32 },
        { rule: 'rate-limit/unlimited-endpoint', line: 42 },
      ],
      verify: (result) => {
        const high = result.checks[0]?.findings.filter((f) => f.severity === 'high').map((f) => f.line);
        if (JSON.stringify(high) !== '[22]') throw new Error(`only the token route is high: ${high}`);
      },
    },
    {
      name: 'the limiter decorator in the wrong order, nginx limiting only some locations (whole app)',
      files: fixture('rate-limit-app'),
      findings: [
        { rule: 'rate-limit/limit-decorator-order', file: 'app/routers/auth.py', line: 8 },
        { rule: 'rate-limit/forwarded-allow-all', file: 'Dockerfile', line: 2 },
        { rule: 'rate-limit/unused-limit-zone', file: 'nginx/nginx.conf', line: 4 },
      ],
    },
    {
      name: 'login without any limit is high; a limit only in a comment does not count',
      files: {
        'main.py': `from fastapi import FastAPI

app = FastAPI()


# @limiter.limit("5/minute")
@app.post("/auth/login")
def login():
    """@limiter.limit("5/minute")"""
    return {}


@app.post("/api/orders")
def create_order():
    return {}
    limiter.limit("1/minute")(create_order)
`,
      },
      findings: [
        { rule: 'rate-limit/unlimited-endpoint', line: 7 },
        { rule: 'rate-limit/unlimited-endpoint', line: 13 },
      ],
      verify: (result) => {
        const sev = result.checks[0]?.findings.map((f) => f.severity);
        if (sev?.[0] !== 'high' || sev?.[1] !== 'medium') throw new Error(`severities: ${sev}`);
      },
    },
    {
      name: 'slowapi without the request parameter, app.state.limiter or a RateLimitExceeded handler',
      files: {
        'main.py': `from fastapi import FastAPI
from slowapi import Limiter
from slowapi.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)
app = FastAPI()


@app.post("/signals")
@limiter.limit("10/minute")
def post_signal():
    return {}
`,
      },
      findings: [
        { rule: 'rate-limit/limit-without-request', line: 10 },
        { rule: 'rate-limit/limiter-not-registered', line: 5 },
        { rule: 'rate-limit/handler-not-registered', line: 5 },
      ],
    },
    {
      name: 'a zone that is declared but not used, and a zone keyed on something other than the client',
      files: {
        'main.py':
          'from fastapi import FastAPI\napp = FastAPI()\n\n\n@app.post("/orders")\ndef order():\n    return {}\n',
        'nginx.conf': NGINX(
          `        location / { limit_req zone=everyone; proxy_pass http://127.0.0.1:8000; }`,
          'limit_req_zone $binary_remote_addr zone=api:10m rate=1r/s;\n    limit_req_zone $server_name zone=everyone:10m rate=1r/s;',
        ),
      },
      findings: [
        { rule: 'rate-limit/unlimited-endpoint', file: 'main.py', line: 5 },
        { rule: 'rate-limit/unused-limit-zone', file: 'nginx.conf', line: 3 },
      ],
    },
    {
      name: 'configured routes replace the default detection; --no-proxy-headers behind nginx',
      config: '[rate-limit]\nroutes = /v1/**\n',
      files: {
        'main.py':
          'from fastapi import FastAPI\napp = FastAPI()\n\n\n@app.get("/v1/quotes")\ndef quotes():\n    return []\n',
        'nginx.conf': NGINX('        location / { proxy_pass http://127.0.0.1:8000; }'),
        'deploy/api.service': '[Service]\nExecStart=/usr/bin/uvicorn main:app --no-proxy-headers\n',
      },
      findings: [
        { rule: 'rate-limit/unlimited-endpoint', file: 'main.py', line: 5 },
        { rule: 'rate-limit/unused-limit-zone' },
        { rule: 'rate-limit/proxy-headers-off', file: 'deploy/api.service', line: 2 },
      ],
    },
  ],
  skip: [
    {
      name: 'no FastAPI app',
      files: { 'orders.py': 'def order():\n    return 1\n', 'nginx.conf': NGINX('') },
    },
  ],
});
