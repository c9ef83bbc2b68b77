// Check 3, api-auth: every FastAPI route requires the API-key dependency, and the key is compared in constant time.
import {
  type ApiKeyDependency,
  type AppModel,
  apiKeyDependencies,
  appModel,
  CREDENTIAL_READERS,
  commaList,
  configuredAuthDependencies,
  defineCheck,
  effectiveDependencies,
  type FindingInput,
  type IncludeRouter,
  keyIsEnforced,
  NO_FASTAPI_APP,
  type Route,
  type RouteMount,
  routeRequires,
  servedRoutes,
  skip,
  type UnresolvedDependencies,
  unreadableFinding,
} from '../../src/index.js';

/** One `exempt-routes` entry: `GET /health`, `/health` (any method) or `/public/*`. */
interface Exemption {
  method?: string;
  path: string;
}

function parseExemptions(value: string | undefined): Exemption[] {
  return commaList(value).map((item) => {
    const parts = item.split(/\s+/);
    if (parts.length >= 2) return { method: (parts[0] ?? '').toUpperCase(), path: parts.slice(1).join(' ') };
    return { path: item };
  });
}

function normalisePath(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

function isExempt(route: Route, mount: RouteMount, exemptions: readonly Exemption[]): boolean {
  const full = normalisePath(mount.fullPath);
  return exemptions.some((e) => {
    if (e.method && e.method !== '*' && !route.methods.includes(e.method)) return false;
    const p = normalisePath(e.path);
    return p.endsWith('*') ? full.startsWith(p.slice(0, -1)) : full === p;
  });
}

/** The last path segment of a probe route: health checks are the usual deliberate exemptions. */
const HEALTH_SEGMENT =
  /^(?:health|healthz|healthcheck|health-check|ready|readyz|readiness|live|livez|liveness|ping)$/i;

/**
 * For a route that looks like a health check: how to exempt exactly it in .tradesecrc. Exemptions stay
 * explicit (the default list is empty), so the finding names the line to add.
 */
function exemptionHint(route: Route, mount: RouteMount): string {
  const last = mount.fullPath.replace(/\/+$/, '').split('/').pop() ?? '';
  if (!HEALTH_SEGMENT.test(last)) return '';
  const method = route.methods.length === 1 ? `${route.methods[0]} ` : '';
  return ` If it is a deliberate public health check, exempt it in .tradesecrc: [api-auth] exempt-routes = ${method}${mount.fullPath}`;
}

function describeRoute(route: Route, mount: RouteMount): string {
  return `${route.methods.join(',')} ${mount.fullPath}`;
}

/** The declared FastAPI version as text for messages: `FastAPI 0.92.0 (requirements.txt:3)`. */
function fastapiText(model: AppModel): string {
  const v = model.fastapiVersion;
  const at = v.location ? ` (${v.location.file}:${v.location.line})` : '';
  if (!v.spec) return `an unpinned FastAPI${at}`;
  return /^\d/.test(v.spec) ? `FastAPI ${v.spec}${at}` : `fastapi${v.spec}${at}`;
}

/** Why a route is not protected, beyond "no dependency requires the key". */
function detail(
  model: AppModel,
  route: Route,
  mount: RouteMount,
  keys: readonly ApiKeyDependency[],
  configured: readonly string[],
): string {
  if (mount.droppedInherited && mount.droppedInherited.length > 0) {
    return (
      `: ${fastapiText(model)} runs no app, router or include_router dependencies for websocket routes ` +
      '(from 0.97 it does), so the inherited key check never runs: add the dependency as a parameter of the handler'
    );
  }
  const starlette = route.starlette
    ? '; it is a Starlette route (add_route(), @app.route(), a Route() object), and Starlette routes run no FastAPI ' +
      "dependencies (not even the app's or router's dependencies=[...]): declare it with @app.get()/add_api_route() " +
      'or check the key in the handler'
    : '';
  const readers = effectiveDependencies(route, mount).filter(
    (d) => d.external && CREDENTIAL_READERS.has(d.external),
  );
  if (readers.length > 0) {
    const r = readers[0];
    return `: ${r?.marker}(${r?.targetText}) only requires the credential to be present: nothing compares it with the key${starlette}`;
  }
  // A dependency that looks like the key check but lets a request through.
  const byFn = new Map(keys.map((k) => [k.function, k]));
  const weak = [
    ...effectiveDependencies(route, mount).map((d) => (d.function ? byFn.get(d.function) : undefined)),
    route.handler ? byFn.get(route.handler) : undefined,
  ].find((k) => k !== undefined && !keyIsEnforced(k));
  if (weak) {
    const where = `${weak.function.name}() (${weak.function.file}:${weak.function.line})`;
    if (!weak.verified) {
      return `: ${where} only requires the credential to be present: nothing compares it with the key, so any value passes${starlette}`;
    }
    const at = weak.swallowedRaises[0];
    return `: ${where} catches its own HTTPException${at ? ` (raised at line ${at.line})` : ''} in an except that does not raise again, so the request goes through${starlette}`;
  }
  if (starlette) return starlette;
  if (keys.length === 0 && configured.length === 0) {
    return (
      '; no API-key dependency was found in the repository (a function that reads the key through APIKeyHeader, ' +
      'Header or Security and raises HTTPException 401/403; name yours with the auth-dependencies setting)'
    );
  }
  return '';
}

function keyHint(keys: readonly ApiKeyDependency[], configured: readonly string[]): string {
  const direct = keys.find((k) => k.reason !== 'sub-dependency' && keyIsEnforced(k));
  const name = direct?.function.name ?? configured[0];
  return name ? `dependencies=[Depends(${name})]` : 'dependencies=[Depends(<your API-key dependency>)]';
}

function syntaxFindings(model: AppModel): FindingInput[] {
  const out: FindingInput[] = [];
  for (const u of model.unreadable) out.push(unreadableFinding(u.file, u.error));
  for (const m of model.modules) {
    for (const e of m.syntaxErrors) {
      out.push({
        rule: 'python-syntax-error',
        file: e.file,
        line: e.line,
        message: `${e.file} has a Python syntax error at line ${e.line}; routes and dependencies after it may be missed`,
        evidence: 'syntax-error',
      });
    }
  }
  return out;
}

export default defineCheck({
  meta: {
    id: 'api-auth',
    point: 3,
    title: 'Every API route requires the API key',
    description:
      'Builds the FastAPI application from the Python sources (apps, routers, include_router calls with their ' +
      'prefixes and dependencies, across modules) and verifies that every route runs the API-key dependency: on ' +
      'the route (a Depends/Security parameter or dependencies=[...]), or inherited from FastAPI(dependencies=...), ' +
      'APIRouter(dependencies=...) or include_router(..., dependencies=...). Routes exempt only through the ' +
      'exempt-routes setting. The key must be compared with secrets.compare_digest or hmac.compare_digest.',
    targets: ['repo'],
    rules: {
      'unprotected-route': {
        title: 'Every route requires the API key',
        severity: 'high',
        description:
          'A route that does not run the API-key dependency answers anyone who can reach the service: orders, ' +
          'positions and signals included.',
        remediation:
          'Add the API-key dependency to the route (dependencies=[Depends(verify_api_key)]), to its router, or to ' +
          'the FastAPI app; list deliberate public routes such as GET /health in exempt-routes.',
      },
      'unprotected-router': {
        title: 'Routers are included with the API-key dependency',
        severity: 'high',
        description:
          'include_router() adds every route of a router; without dependencies=[...] there (or on the router or ' +
          'the app) none of them requires the key.',
        remediation:
          'Pass dependencies=[Depends(verify_api_key)] to this include_router call, or to the router or app.',
      },
      'key-compared-with-equality': {
        title: 'The API key is compared in constant time',
        severity: 'low',
        description:
          'Comparing the key with == or != returns as soon as a character differs, so response times leak how ' +
          'much of a guess is right.',
        remediation: 'Compare with secrets.compare_digest(provided, expected) (or hmac.compare_digest).',
      },
      'unresolved-dependencies': {
        title: 'dependencies= values resolve to Depends(...) calls',
        severity: 'low',
        description:
          'A dependencies= value tradesec cannot follow (built by a function call, a comprehension, a name it ' +
          'cannot resolve) may or may not hold the API-key dependency: the routes behind it are not called ' +
          'unprotected, but nothing proves they are protected either.',
        remediation:
          'Write the list literally or as a module-level name bound to a literal list (PROTECTED = ' +
          '[Depends(verify_api_key)]), or name the dependency in auth-dependencies.',
      },
      'websocket-dependencies-unknown': {
        title: 'Websocket routes require the key whatever the FastAPI version',
        severity: 'low',
        description:
          'FastAPI runs the dependencies of the app, routers and include_router calls for websocket routes only ' +
          'from 0.97; before that a websocket route inherits none of them. Without a pinned version it is ' +
          'unknown whether an inherited key check runs for the route.',
        remediation:
          'Pin FastAPI (fastapi>=0.97 in requirements.txt), or add the key dependency as a parameter of the ' +
          'websocket handler, which every version runs.',
      },
      'python-syntax-error': {
        title: 'Python sources parse',
        severity: 'low',
        description:
          'A file with a syntax error is only partly understood: routes or dependencies in it may be missed.',
        remediation: 'Fix the syntax error (python -m py_compile <file> shows it).',
      },
    },
    options: {
      'exempt-routes': {
        description:
          'Comma-separated routes that need no key: "GET /health, GET /ready", "/public/*" (any method).',
        default: '',
      },
      'auth-dependencies': {
        description:
          'Comma-separated names of functions that are the API-key dependency (verify_api_key or app.auth.verify_api_key), ' +
          'when tradesec cannot recognise yours.',
        default: '',
      },
    },
    references: [
      'https://fastapi.tiangolo.com/tutorial/dependencies/global-dependencies/',
      'https://fastapi.tiangolo.com/tutorial/bigger-applications/',
      'https://docs.python.org/3/library/secrets.html#secrets.compare_digest',
    ],
  },

  async run(ctx) {
    const model = await ctx.fact(appModel);
    if (!model.hasFastApi) return skip('not-applicable', NO_FASTAPI_APP);
    const configured = configuredAuthDependencies(ctx.config);
    const exemptions = parseExemptions(ctx.settings.get('exempt-routes'));
    const keys = apiKeyDependencies(model, configured);
    const findings: FindingInput[] = syntaxFindings(model);

    const served = servedRoutes(model).filter(({ route, mount }) => !isExempt(route, mount, exemptions));
    const unprotected = new Set(
      served.filter(({ route, mount }) => !routeRequires(route, mount, keys, configured)),
    );
    // A dependencies= value that does not resolve may hold the key: a low note on it, not a high finding.
    const unknown = new Map<string, { at: UnresolvedDependencies; routes: Set<string> }>();
    for (const pair of [...unprotected]) {
      const missing = pair.mount.unresolvedDependencies ?? [];
      if (missing.length === 0) continue;
      unprotected.delete(pair);
      for (const at of missing) {
        const k = `${at.file}:${at.line}:${at.text}`;
        const entry = unknown.get(k) ?? { at, routes: new Set<string>() };
        entry.routes.add(describeRoute(pair.route, pair.mount));
        unknown.set(k, entry);
      }
    }
    for (const { at, routes } of unknown.values()) {
      const list = [...routes].sort();
      findings.push({
        rule: 'unresolved-dependencies',
        file: at.file,
        line: at.line,
        message: `could not resolve the dependencies at ${at.text.slice(0, 80)}, so it is unknown whether ${list.length} route${list.length === 1 ? '' : 's'} require${list.length === 1 ? 's' : ''} the API key: ${list.slice(0, 5).join(', ')}${list.length > 5 ? `, and ${list.length - 5} more` : ''}`,
        evidence: `unresolved ${at.text.slice(0, 80)}`,
      });
    }
    const hint = keyHint(keys, configured);

    // An include_router is blamed when nothing served through it requires the key; else each route is.
    const allUnprotected = new Map<IncludeRouter, boolean>();
    for (const pair of served) {
      for (const inc of new Set(pair.mount.chain)) {
        if (inc.kind === 'include')
          allUnprotected.set(inc, (allUnprotected.get(inc) ?? true) && unprotected.has(pair));
      }
    }
    const byInclude = new Map<IncludeRouter, Array<{ route: Route; mount: RouteMount }>>();
    for (const pair of unprotected) {
      const target = pair.mount.chain.find((inc) => inc.kind === 'include' && allUnprotected.get(inc));
      if (target) {
        const list = byInclude.get(target) ?? [];
        list.push(pair);
        byInclude.set(target, list);
        continue;
      }
      const { route, mount } = pair;
      findings.push({
        rule: 'unprotected-route',
        file: route.file,
        line: route.line,
        message: `${describeRoute(route, mount)} (${route.handlerName}() in ${route.file}) does not require the API key${detail(model, route, mount, keys, configured)}`,
        evidence: `${route.methods.join(',')} ${mount.fullPath}`,
        remediation: `Add ${hint} to the route decorator, its router or the app, or list the route in exempt-routes.${exemptionHint(route, mount)}`,
      });
    }
    for (const [inc, pairs] of byInclude) {
      const routes = [...new Set(pairs.map((p) => describeRoute(p.route, p.mount)))].sort();
      const shown =
        routes.slice(0, 5).join(', ') + (routes.length > 5 ? `, and ${routes.length - 5} more` : '');
      const first = pairs[0];
      const extra = first ? detail(model, first.route, first.mount, keys, configured) : '';
      findings.push({
        rule: 'unprotected-router',
        file: inc.file,
        line: inc.line,
        message: `${inc.parent.name ?? 'app'}.include_router(${inc.childText}) serves ${routes.length} route${routes.length === 1 ? '' : 's'} without the API key: ${shown}${extra}`,
        evidence: `include ${inc.childText}: ${routes.join(' ')}`,
        remediation: `Pass ${hint} to this include_router call (or to the router or the app).${pairs.map((p) => exemptionHint(p.route, p.mount)).find((h) => h !== '') ?? ''}`,
      });
    }

    // Websocket routes protected only by inherited dependencies, when the FastAPI version does not tell
    // whether it runs them (0.97 and later do).
    if (model.fastapiVersion.websocketDependencies === undefined) {
      for (const { route, mount } of served) {
        if (!route.methods.includes('WEBSOCKET')) continue;
        const p = routeRequires(route, mount, keys, configured);
        const via = p?.dependency?.via;
        if (via !== 'app' && via !== 'router' && via !== 'include-router') continue;
        // Its own parameters or decorator require the key too: every version runs those.
        if (routeRequires(route, { ...mount, inherited: [] }, keys, configured)) continue;
        const version = model.fastapiVersion.spec
          ? `${fastapiText(model)} allows versions on both sides of 0.97`
          : 'no FastAPI version is declared (requirements, pyproject or a lock file)';
        findings.push({
          rule: 'websocket-dependencies-unknown',
          file: route.file,
          line: route.line,
          message: `${describeRoute(route, mount)} requires the key only through dependencies inherited from the ${via === 'app' ? 'app' : 'router'}, which FastAPI runs for websocket routes only from 0.97; ${version}, so it is unknown whether it requires the key`,
          evidence: `websocket ${mount.fullPath}`,
        });
      }
    }

    // A helper that two dependencies call is reported once, at its comparison.
    const reported = new Set<string>();
    for (const key of keys) {
      for (const loc of key.unsafeComparisons) {
        const at = `${loc.file}:${loc.line}`;
        if (reported.has(at)) continue;
        reported.add(at);
        const via = loc.helper ? ` (in ${loc.helper}(), which it calls with the key)` : '';
        findings.push({
          rule: 'key-compared-with-equality',
          file: loc.file,
          line: loc.line,
          message: `${key.function.name}() compares the API key with == or !=${via} (a timing side channel)`,
          evidence: `${loc.helper ?? key.function.name} equality`,
        });
      }
    }
    return findings;
  },
});
