import { expect } from 'vitest';
import { appCases } from '../../test/fixtures/apps-b/cases.js';
import { testCheck } from '../../test/helpers/check-tester.js';
import check from './index.js';

const apps = await appCases('security-logging');

const FORMATTER = 'handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))';

/** An app whose API-key dependency has the given body; `setup` replaces the logger setup lines. */
function app(
  body: string[],
  setup: string[] = [
    'security_logger = logging.getLogger("security")',
    'handler = logging.StreamHandler()',
    FORMATTER,
    'security_logger.addHandler(handler)',
  ],
): string {
  return [
    'import json',
    'import logging',
    'import os',
    'import secrets',
    'from datetime import datetime, timezone',
    '',
    'from fastapi import Depends, FastAPI, HTTPException, Request, Security',
    'from fastapi.security import APIKeyHeader',
    '',
    ...setup,
    'API_KEY = os.environ["API_KEY"]',
    'api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)',
    '',
    '',
    'async def verify_api_key(request: Request, api_key: str = Security(api_key_header)):',
    ...body.map((l) => `    ${l}`),
    '',
    '',
    'app = FastAPI(dependencies=[Depends(verify_api_key)])',
    '',
  ].join('\n');
}

/** 1-based line of the n-th line containing `needle`. */
function lineOf(text: string, needle: string, nth = 1): number {
  let seen = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.includes(needle) && ++seen === nth) return i + 1;
  }
  throw new Error(`"${needle}" not found`);
}

const GOOD_BODY = [
  'ip = request.client.host if request.client else "unknown"',
  'if not api_key or not secrets.compare_digest(api_key, API_KEY):',
  '    security_logger.warning("auth failure ip=%s path=%s", ip, request.url.path)',
  '    raise HTTPException(status_code=401, detail="Invalid API key")',
  'security_logger.info("auth ok ip=%s", ip)',
  'return api_key',
];

const afterRaise = app([
  'if api_key != API_KEY:',
  '    raise HTTPException(status_code=403, detail="Invalid API key")',
  '    security_logger.warning("auth failure from %s", request.client.host)',
  'security_logger.info("auth ok from %s", request.client.host)',
  'return api_key',
]);

const inComment = app([
  'if not secrets.compare_digest(api_key or "", API_KEY):',
  '    # security_logger.warning("auth failure from %s", request.client.host)',
  '    raise HTTPException(status_code=401)',
  'security_logger.info("auth ok from %s", request.client.host)',
  'return api_key',
]);

const attemptOnly = app([
  'security_logger.info("auth attempt from %s", request.client.host)',
  'if not secrets.compare_digest(api_key or "", API_KEY):',
  '    raise HTTPException(status_code=401)',
  'return api_key',
]);

const noIp = app([
  'if not secrets.compare_digest(api_key or "", API_KEY):',
  '    security_logger.warning("auth failure")',
  '    raise HTTPException(status_code=401)',
  'security_logger.info("auth ok from %s", request.client.host)',
  'return api_key',
]);

const noTime = app(
  [
    'if not secrets.compare_digest(api_key or "", API_KEY):',
    '    security_logger.warning("auth failure from %s", request.client.host)',
    '    raise HTTPException(status_code=401)',
    'security_logger.info("auth ok from %s", request.client.host)',
    'return api_key',
  ],
  [
    'security_logger = logging.getLogger("security")',
    '# handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))',
  ],
);

const leaks = app([
  'logging.info(f"checking {api_key} from {request.client.host}")',
  'security_logger.debug("headers: %s", dict(request.headers))',
  'if not secrets.compare_digest(api_key or "", API_KEY):',
  '    security_logger.warning("bad auth %s from %s", request.headers.get("Authorization"), request.client.host)',
  '    raise HTTPException(status_code=401)',
  'security_logger.info("ok %s key_len=%d fp=%s", request.client.host, len(api_key), api_key[:4])',
  'return api_key',
]);

const twoRaises = app([
  'if not api_key:',
  '    raise HTTPException(status_code=401, detail="Missing API key")',
  'if not secrets.compare_digest(api_key, API_KEY):',
  '    security_logger.warning("bad key from %s", request.client.host)',
  '    raise HTTPException(status_code=403, detail="Invalid API key")',
  'security_logger.info("auth ok from %s", request.client.host)',
  'return api_key',
]);

const noSuccess = app(GOOD_BODY.filter((l) => !l.includes('auth ok')));

const guideHelper = [
  'import logging',
  'from datetime import datetime',
  '',
  'from fastapi import FastAPI, HTTPException, Request, Security',
  'from fastapi.security import APIKeyHeader',
  '',
  'security_logger = logging.getLogger("security")',
  'api_key_header = APIKeyHeader(name="X-API-Key")',
  '',
  '',
  'async def log_security_event(event_type: str, details: dict, request: Request):',
  '    security_logger.warning({',
  '        "event": event_type,',
  '        "timestamp": datetime.utcnow().isoformat(),',
  '        "ip_address": request.client.host,',
  '        "details": details,',
  '    })',
  '',
  '',
  'async def verify_key(request: Request, key: str = Security(api_key_header)):',
  '    if key != "expected":',
  '        await log_security_event("AUTH_FAILURE", {"key": key}, request)',
  '        raise HTTPException(401, "Authentication failed")',
  '    await log_security_event("AUTH_OK", {}, request)',
  '    return key',
  '',
  '',
  'app = FastAPI(dependencies=[Security(verify_key)])',
  '',
].join('\n');

testCheck(check, {
  pass: [
    ...apps.pass,
    {
      name: 'failures and successes logged with IP, formatter with asctime',
      files: { 'main.py': app(GOOD_BODY) },
    },
    {
      name: 'a helper in another module logs JSON with X-Forwarded-For and a timestamp',
      files: {
        'app/__init__.py': '',
        'app/audit.py': [
          'import json',
          'import logging',
          'import time',
          '',
          'logger = logging.getLogger("trading.security")',
          '',
          '',
          'def client_ip(request):',
          '    forwarded = request.headers.get("x-forwarded-for")',
          '    return forwarded.split(",")[0].strip() if forwarded else request.client.host',
          '',
          '',
          'def audit(event, request, **details):',
          '    logger.warning(json.dumps({"event": event, "ip": client_ip(request), "at": time.time(), **details}))',
          '',
        ].join('\n'),
        'app/main.py': [
          'import hmac',
          '',
          'from fastapi import FastAPI, Header, HTTPException, Request',
          '',
          'from app.audit import audit',
          '',
          'KEY = "from-env"',
          '',
          '',
          'def require_key(request: Request, x_api_key: str = Header(...)):',
          '    try:',
          '        if not hmac.compare_digest(x_api_key, KEY):',
          '            raise ValueError("bad key")',
          '    except ValueError:',
          '        audit("AUTH_FAILURE", request, path=request.url.path)',
          '        raise HTTPException(status_code=403, detail="Forbidden")',
          '    audit("AUTH_OK", request)',
          '',
          '',
          'app = FastAPI()',
          '',
          '',
          '@app.get("/signals")',
          'def signals(request: Request, x_api_key: str = Header(...)):',
          '    require_key(request, x_api_key)',
          '    return []',
          '',
        ].join('\n'),
      },
    },
    {
      name: 'a custom logger name through logger-names; basicConfig with asctime',
      config: '[security-logging]\nlogger-names = secops\n',
      files: {
        'main.py': app(
          GOOD_BODY.map((l) => l.replace(/security_logger/g, 'log')),
          ['log = logging.getLogger("secops")', 'logging.basicConfig(format="%(asctime)s %(message)s")'],
        ),
      },
    },
    {
      name: 'early return on success, then the failure logged and raised at the function level',
      files: {
        'main.py': app([
          'ip = request.headers.get("x-real-ip") or request.client.host',
          'if api_key and secrets.compare_digest(api_key, API_KEY):',
          '    security_logger.info("auth ok %s", ip)',
          '    return api_key',
          'security_logger.warning("auth failure %s", ip)',
          'raise HTTPException(status_code=401)',
        ]),
      },
    },
  ],
  fail: [
    ...apps.fail,
    {
      name: 'a log call after raise never runs',
      files: { 'main.py': afterRaise },
      findings: [
        {
          rule: 'security-logging/auth-failure-not-logged',
          file: 'main.py',
          line: lineOf(afterRaise, 'raise HTTPException'),
        },
      ],
      verify: (result) => {
        expect(result.checks[0]?.findings[0]?.message).toContain('after the raise never runs');
      },
    },
    {
      name: 'the failure log only in a comment',
      files: { 'main.py': inComment },
      findings: [
        { rule: 'security-logging/auth-failure-not-logged', line: lineOf(inComment, 'raise HTTPException') },
      ],
    },
    {
      name: 'an attempt log before the decision is not a failure log',
      files: { 'main.py': attemptOnly },
      findings: [
        {
          rule: 'security-logging/auth-failure-not-logged',
          line: lineOf(attemptOnly, 'raise HTTPException'),
        },
      ],
    },
    {
      name: 'the missing-key branch is not logged, the wrong-key branch is',
      files: { 'main.py': twoRaises },
      findings: [
        {
          rule: 'security-logging/auth-failure-not-logged',
          line: lineOf(twoRaises, 'raise HTTPException', 1),
        },
      ],
    },
    {
      name: 'no security logger',
      files: {
        'main.py': app(
          GOOD_BODY.map((l) => l.replace(/security_logger/g, 'logger')),
          ['logger = logging.getLogger("app")', 'logging.basicConfig(format="%(asctime)s %(message)s")'],
        ),
      },
      findings: [{ rule: 'security-logging/no-security-logger', file: 'main.py' }],
    },
    {
      name: 'the success log has no client IP; a second dependency logs success and failure to an app logger',
      status: 'warn',
      files: {
        'main.py': app(
          GOOD_BODY.map((l) => (l.includes('auth ok') ? 'security_logger.info("ok")' : l)),
        ).replace(
          'app = FastAPI(dependencies=[Depends(verify_api_key)])',
          [
            'app_logger = logging.getLogger("app")',
            '',
            '',
            'async def verify_admin_key(request: Request, api_key: str = Security(api_key_header)):',
            '    if not api_key or not secrets.compare_digest(api_key, API_KEY):',
            '        app_logger.warning("admin failure ip=%s", request.client.host)',
            '        raise HTTPException(status_code=401, detail="Invalid API key")',
            '    app_logger.info("admin ok ip=%s", request.client.host)',
            '',
            '',
            'app = FastAPI(dependencies=[Depends(verify_api_key)])',
            '',
            '',
            '@app.get("/admin", dependencies=[Depends(verify_admin_key)])',
            'async def admin():',
            '    return {}',
          ].join('\n'),
        ),
      },
      findings: [
        { rule: 'security-logging/log-missing-client-ip', line: 23 },
        { rule: 'security-logging/auth-log-not-security-logger', line: 32 },
        { rule: 'security-logging/auth-log-not-security-logger', line: 34 },
      ],
    },
    {
      name: 'the failure log has no client IP',
      files: { 'main.py': noIp },
      findings: [{ rule: 'security-logging/log-missing-client-ip', line: lineOf(noIp, '"auth failure"') }],
    },
    {
      name: 'no time anywhere (the formatter only in a comment)',
      status: 'warn',
      files: { 'main.py': noTime },
      findings: [{ rule: 'security-logging/log-missing-time', line: lineOf(noTime, '"auth failure from') }],
    },
    {
      name: 'the API key, all headers and the Authorization header logged; len() and a short prefix are fine',
      files: { 'main.py': leaks },
      findings: [
        { rule: 'security-logging/secret-in-log', line: lineOf(leaks, 'logging.info(f"checking') },
        { rule: 'security-logging/secret-in-log', line: lineOf(leaks, 'dict(request.headers)') },
        { rule: 'security-logging/secret-in-log', line: lineOf(leaks, '"Authorization"') },
        {
          rule: 'security-logging/auth-log-not-security-logger',
          line: lineOf(leaks, 'logging.info(f"checking'),
        },
      ],
    },
    {
      name: 'the guide: a dict message, the key passed to the logging helper',
      files: { 'main.py': guideHelper },
      findings: [
        { rule: 'security-logging/dict-message', line: 12 },
        { rule: 'security-logging/secret-in-log', line: 22 },
      ],
    },
    {
      name: 'success not logged',
      status: 'warn',
      files: { 'main.py': noSuccess },
      findings: [
        {
          rule: 'security-logging/auth-success-not-logged',
          line: lineOf(noSuccess, 'async def verify_api_key'),
        },
      ],
    },
    {
      name: 'no recognisable API-key dependency is a note',
      status: 'warn',
      files: {
        'main.py': [
          'import logging',
          'from fastapi import FastAPI',
          '',
          'security_logger = logging.getLogger("security")',
          'app = FastAPI()',
          '',
        ].join('\n'),
      },
      findings: [{ rule: 'security-logging/key-dependency-unknown', line: 5 }],
    },
  ],
  skip: [
    {
      name: 'no FastAPI app',
      files: { 'lib.py': 'import logging\nlog = logging.getLogger("x")\n' },
      verify: (result) => expect(result.checks[0]?.skipReason).toContain('no FastAPI application'),
    },
  ],
});
