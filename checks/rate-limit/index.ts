// Check 4, rate-limit: auth, signal and order endpoints are rate limited by slowapi or nginx, per client address.
import picomatch from 'picomatch';
import {
  type AppInstance,
  type AppModel,
  appModel,
  commaList,
  creationCall,
  type Decorator,
  defineCheck,
  type FindingInput,
  NO_FASTAPI_APP,
  nginxConfigsFact,
  qualifiedName,
  type Route,
  type RouteMount,
  resolveValue,
  servedRoutes,
  skip,
} from '../../src/index.js';
import { nginxLimits, nginxVerdict } from './nginx.js';

/** Words that make an unlimited route a high finding: credentials are guessed there. */
const AUTH_WORDS: ReadonlySet<string> = new Set(
  'login signin auth authenticate authorize oauth oauth2 token tokens session sessions password passwords'.split(
    ' ',
  ),
);
/** Words that make a route sensitive wherever they appear in its path or handler name. */
const SENSITIVE_WORDS: ReadonlySet<string> = new Set([
  ...AUTH_WORDS,
  ...'logout signup signal signals order orders trade trades webhook webhooks'.split(' '),
]);
/** Path segments under which every route that changes something is sensitive (GET /trading/status is not). */
const TRADING_SEGMENTS = new Set(['trading']);
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SERVERS = new Set(['uvicorn', 'gunicorn', 'hypercorn']);

/**
 * The lower-case words of a path segment or name, split on `-`, `_`, `.` and camelCase boundaries
 * (`place-order`, `orders_bulk`, `createOrder`, `tv.signal`), with adjacent pairs joined too so that
 * `sign-in` and `sign_up` read as `signin` and `signup`.
 */
function wordsOf(text: string): string[] {
  const words = text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s\-_.~]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
  const pairs = words.slice(1).map((w, i) => `${words[i]}${w}`);
  return [...words, ...pairs];
}

/** The words of a route's served path (path parameters left out) and of its handler's name. */
function routeWords(route: Route, mount: RouteMount): { segments: string[]; words: string[] } {
  const segments = mount.fullPath.split('/').filter((s) => s && !s.startsWith('{'));
  return { segments, words: [...segments.flatMap(wordsOf), ...wordsOf(route.handlerName)] };
}

function isSensitive(route: Route, mount: RouteMount, patterns: readonly string[]): boolean {
  if (patterns.length > 0) return picomatch([...patterns])(mount.fullPath.replace(/\/$/, '') || '/');
  const { segments, words } = routeWords(route, mount);
  if (words.some((w) => SENSITIVE_WORDS.has(w))) return true;
  return (
    segments.some((s) => TRADING_SEGMENTS.has(s.toLowerCase())) &&
    route.methods.some((m) => !READ_METHODS.has(m))
  );
}

/** The slowapi limiter a decorator calls (`@limiter.limit("5/minute")`), if it is one. */
function limiterDecorator(model: AppModel, route: Route, d: Decorator): 'limit' | 'exempt' | undefined {
  const m = /\.(limit|shared_limit|exempt)$/.exec(d.text);
  if (!m) return undefined;
  const handler = route.handler;
  if (!handler) return undefined;
  const callee = d.expression.type === 'call' ? d.expression.childForFieldName('function') : d.expression;
  const receiver = callee?.childForFieldName('object');
  if (!receiver) return undefined;
  const created = creationCall(model, handler.module, receiver);
  const fn = created?.call.childForFieldName('function');
  const name = created && fn ? qualifiedName(model, created.module, fn) : undefined;
  if (name !== 'slowapi.Limiter' && !/limiter$/i.test(receiver.text)) return undefined;
  return m[1] === 'exempt' ? 'exempt' : 'limit';
}

/** Limiters created with default_limits and applied to every route by SlowAPIMiddleware. */
function globalLimit(model: AppModel, app: AppInstance | undefined): boolean {
  const limiters = model.calls.get('slowapi.Limiter') ?? [];
  const hasDefaults = limiters.some((l) => {
    const kw = l.kwargs.get('default_limits') ?? l.kwargs.get('application_limits');
    if (!kw) return false;
    const v = resolveValue(model, l.module, kw.value);
    return v.kind !== 'list' || v.items.length > 0;
  });
  const middleware = model.middleware.some(
    (m) => /SlowAPI(?:ASGI)?Middleware$/.test(m.middleware) && (!app || !m.app || m.app === app),
  );
  return hasDefaults && middleware;
}

function examineProxyHeaders(model: AppModel, behindProxy: boolean, findings: FindingInput[]): void {
  for (const e of model.entryPoints) {
    if (!e.production || !SERVERS.has(e.server)) continue;
    const allow = e.options.get('forwarded-allow-ips');
    if (allow === '*' || (typeof allow === 'string' && allow.split(',').some((s) => s.trim() === '*'))) {
      findings.push({
        rule: 'forwarded-allow-all',
        file: e.file,
        line: e.line,
        message: `${e.server} trusts X-Forwarded-For from any address (--forwarded-allow-ips "*"): a client can set its own IP and dodge per-client limits`,
        evidence: `${e.source} forwarded-allow-ips *`,
      });
    }
    if (behindProxy && e.options.has('no-proxy-headers')) {
      findings.push({
        rule: 'proxy-headers-off',
        file: e.file,
        line: e.line,
        message: `${e.server} runs with --no-proxy-headers behind a proxy: every request appears to come from the proxy, so per-client limits throttle everyone at once`,
        evidence: `${e.source} no-proxy-headers`,
      });
    }
  }
  for (const run of model.uvicornRuns) {
    const allow = run.kwargs.get('forwarded_allow_ips');
    if (allow) {
      const v = resolveValue(model, run.module, allow.value);
      if (v.kind === 'string' && v.value.split(',').some((s) => s.trim() === '*')) {
        findings.push({
          rule: 'forwarded-allow-all',
          file: allow.file,
          line: allow.line,
          message: 'uvicorn.run(...) trusts X-Forwarded-For from any address (forwarded_allow_ips="*")',
          evidence: 'uvicorn.run forwarded_allow_ips *',
        });
      }
    }
  }
  for (const env of model.envFiles) {
    if (!env.production) continue;
    const entry = env.values.get('FORWARDED_ALLOW_IPS');
    if (entry?.value.split(',').some((s) => s.trim() === '*')) {
      findings.push({
        rule: 'forwarded-allow-all',
        file: env.file,
        line: entry.line,
        message: `${env.file} sets FORWARDED_ALLOW_IPS=*: uvicorn trusts X-Forwarded-For from any address`,
        evidence: 'env FORWARDED_ALLOW_IPS *',
      });
    }
  }
}

export default defineCheck({
  meta: {
    id: 'rate-limit',
    point: 4,
    title: 'Auth, signal and order endpoints are rate limited per client',
    description:
      'Finds the auth/login, signal and order routes of the FastAPI app (by path segment and handler name, or the ' +
      'routes setting) and verifies each is limited: by slowapi (@limiter.limit under the route decorator, a request ' +
      'parameter, the limiter on app.state and a RateLimitExceeded handler) or by an nginx limit_req, keyed on ' +
      '$binary_remote_addr, in the location that proxies the route. Behind a proxy, uvicorn must not trust ' +
      'forwarded headers from every address.',
    targets: ['repo'],
    rules: {
      'unlimited-endpoint': {
        title: 'Sensitive endpoints are rate limited',
        severity: 'medium',
        description:
          'Without a limit, the login endpoint can be brute-forced and order or signal endpoints flooded, by one client.',
        remediation:
          'Add @limiter.limit("5/minute") directly under the route decorator (slowapi), or a limit_req zone=... in the ' +
          'nginx location that proxies the route.',
      },
      'limit-decorator-order': {
        title: 'The slowapi decorator sits under the route decorator',
        severity: 'high',
        description:
          'Decorators apply bottom-up: FastAPI registers the function it receives, so a @limiter.limit above the route ' +
          'decorator wraps a function nobody calls, and the route is not limited.',
        remediation: 'Move @limiter.limit(...) below @app.post(...) / @router.post(...).',
      },
      'limit-without-request': {
        title: 'Rate-limited handlers take a request parameter',
        severity: 'high',
        description:
          'slowapi finds the client through a parameter named request (or websocket); without it the decorator raises and the app does not start.',
        remediation: 'Add `request: Request` to the handler’s parameters.',
      },
      'limiter-not-registered': {
        title: 'The slowapi limiter is registered on app.state',
        severity: 'high',
        description:
          'slowapi reads the limiter from app.state.limiter; without it every limited request fails.',
        remediation: 'Add app.state.limiter = limiter after creating the app.',
      },
      'handler-not-registered': {
        title: 'Rate-limit errors return 429',
        severity: 'medium',
        description:
          'Without an exception handler for RateLimitExceeded, a client over the limit gets a 500 instead of 429 and Retry-After.',
        remediation: 'app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler).',
      },
      'forwarded-allow-all': {
        title: 'uvicorn trusts forwarded headers only from the proxy',
        severity: 'medium',
        description:
          'With --forwarded-allow-ips "*", any client can send X-Forwarded-For and choose the address per-client ' +
          'limits and logs see.',
        remediation:
          'Set --forwarded-allow-ips to the proxy’s address (127.0.0.1, or the nginx container’s network).',
      },
      'proxy-headers-off': {
        title: 'uvicorn reads the client address from the proxy',
        severity: 'low',
        description: 'Behind nginx, --no-proxy-headers makes every request come from the proxy’s address.',
        remediation: 'Remove --no-proxy-headers and set --forwarded-allow-ips to the proxy’s address.',
      },
      'unused-limit-zone': {
        title: 'Declared nginx limit zones are used',
        severity: 'low',
        description: 'A limit_req_zone that no limit_req uses limits nothing.',
        remediation:
          'Add limit_req zone=<name> burst=... nodelay; to the locations that need it, or remove the zone.',
      },
    },
    options: {
      routes: {
        description:
          'Comma-separated path globs of the routes that must be limited (/auth/*, /api/*/orders/**), replacing the ' +
          'default detection by path segment and handler name.',
        default: '',
      },
    },
    references: [
      'https://slowapi.readthedocs.io/en/latest/',
      'https://nginx.org/en/docs/http/ngx_http_limit_req_module.html',
      'https://www.uvicorn.org/settings/#http',
    ],
  },

  async run(ctx) {
    const model = await ctx.fact(appModel);
    if (!model.hasFastApi) return skip('not-applicable', NO_FASTAPI_APP);
    const patterns = commaList(ctx.settings.get('routes'));
    const nginx = nginxLimits(await ctx.fact(nginxConfigsFact));
    const findings: FindingInput[] = [];
    const usedSlowapi = new Set<AppInstance | undefined>();

    for (const { route, mount } of servedRoutes(model)) {
      if (!isSensitive(route, mount, patterns)) continue;
      const routeIndex = route.decorator?.index ?? -1;
      const limiters = (route.handler?.decorators ?? [])
        .map((d) => ({ d, kind: limiterDecorator(model, route, d) }))
        .filter((x) => x.kind !== undefined);
      const below = limiters.filter((x) => x.d.index > routeIndex && x.kind === 'limit');
      const above = limiters.filter((x) => x.d.index < routeIndex && x.kind === 'limit');
      const exempt = limiters.some((x) => x.kind === 'exempt');
      for (const { d } of above) {
        findings.push({
          rule: 'limit-decorator-order',
          file: d.file,
          line: d.line,
          message: `@${d.text}(...) is above the route decorator of ${route.methods.join(',')} ${mount.fullPath}, so it wraps a function FastAPI never calls: the route is not limited`,
          evidence: `order ${route.methods.join(',')} ${mount.fullPath}`,
        });
      }
      let limited = false;
      if (below.length > 0) {
        limited = true;
        usedSlowapi.add(mount.app);
        const hasRequest = route.parameters.some((p) => p.name === 'request' || p.name === 'websocket');
        if (!hasRequest) {
          const d = below[0]?.d;
          findings.push({
            rule: 'limit-without-request',
            file: d?.file ?? route.file,
            line: d?.line ?? route.line,
            message: `${route.handlerName}() is rate limited by slowapi but has no parameter named request: slowapi raises when the module is imported`,
            evidence: `no request ${route.handlerName}`,
          });
        }
      } else if (!exempt && globalLimit(model, mount.app)) {
        limited = true;
        usedSlowapi.add(mount.app);
      }
      let nginxNote = nginx.proxies ? '' : '; no nginx configuration in the repository proxies to the app';
      if (!limited && nginx.proxies) {
        const verdict = nginxVerdict(nginx, mount.fullPath.replace(/\{[^}]+\}/g, 'x'));
        if (verdict.kind === 'limited') limited = true;
        else if (verdict.kind === 'unlimited') {
          nginxNote = `; the nginx location at ${verdict.location.file}:${verdict.location.line} that proxies it has no effective limit (${verdict.reason})`;
        } else nginxNote = '; no nginx location proxies this path';
      }
      // A misplaced decorator already names the fix; the route is not reported twice.
      if (limited || above.length > 0) continue;
      const auth = routeWords(route, mount).words.some((w) => AUTH_WORDS.has(w));
      findings.push({
        rule: 'unlimited-endpoint',
        file: route.file,
        line: route.line,
        ...(auth ? { severity: 'high' as const } : {}),
        message: `${route.methods.join(',')} ${mount.fullPath} (${route.handlerName}()) is not rate limited: no @limiter.limit under its route decorator${exempt ? ' (it is @limiter.exempt)' : ''}${nginxNote}`,
        evidence: `${route.methods.join(',')} ${mount.fullPath}`,
      });
    }

    if (usedSlowapi.size > 0) {
      const limiter = (model.calls.get('slowapi.Limiter') ?? [])[0];
      const anchor = limiter ?? model.apps[0];
      const registered = model.stateAssignments.some((s) => s.attribute === 'limiter');
      if (!registered && anchor) {
        findings.push({
          rule: 'limiter-not-registered',
          file: anchor.file,
          line: anchor.line,
          message:
            'slowapi limits routes, but no app.state.limiter = limiter registers the limiter: limited requests fail with 500',
          evidence: 'limiter not on app.state',
        });
      }
      const handled = model.exceptionHandlers.some((h) => h.exception === 'slowapi.errors.RateLimitExceeded');
      if (!handled && anchor) {
        findings.push({
          rule: 'handler-not-registered',
          file: anchor.file,
          line: anchor.line,
          message:
            'no exception handler is registered for RateLimitExceeded: clients over the limit get 500 instead of 429',
          evidence: 'no RateLimitExceeded handler',
        });
      }
    }
    for (const z of nginx.unusedZones) {
      findings.push({
        rule: 'unused-limit-zone',
        file: z.file,
        line: z.line,
        message: `limit_req_zone ${z.name} is declared but no limit_req uses it, so it limits nothing`,
        evidence: `unused zone ${z.name}`,
      });
    }
    examineProxyHeaders(model, nginx.proxies, findings);
    return findings;
  },
});
