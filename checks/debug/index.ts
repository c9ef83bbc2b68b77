// Check 6, debug: no interactive docs, OpenAPI schema, debug mode, auto-reload or debug routes in production.
import {
  type AppInstance,
  type AppModel,
  apiKeyDependencies,
  appModel,
  configuredAuthDependencies,
  defineCheck,
  type EntryPoint,
  type FindingInput,
  type KeywordArgument,
  keywordArguments,
  NO_FASTAPI_APP,
  type PyModule,
  type PyValue,
  resolveValue,
  routeRequires,
  servedRoutes,
  skip,
} from '../../src/index.js';

const SERVERS = new Set(['uvicorn', 'gunicorn', 'hypercorn', 'fastapi']);
const DOC_DEFAULTS: Record<string, string> = {
  docs_url: '/docs',
  redoc_url: '/redoc',
  openapi_url: '/openapi.json',
};
const TRUTHY = new Set(['1', 'true', 'yes', 'on', 't', 'y']);

/** The keyword arguments of an app, `**kwargs` dictionaries included; `opaque` when a splat did not resolve. */
function appKwargs(
  model: AppModel,
  app: AppInstance,
): { kwargs: Map<string, { kw: KeywordArgument; module: PyModule }>; opaque?: string } {
  return keywordArguments(model, app.module, app.call, app.kwargs);
}

function isOff(v: PyValue): boolean {
  return v.kind === 'none' || (v.kind === 'string' && v.value === '') || (v.kind === 'bool' && !v.value);
}

function origin(v: PyValue): string {
  const parts: string[] = [];
  if (v.envKey && !v.defaulted && v.from) parts.push(`from ${v.envKey} in ${v.from.file}`);
  else if (v.envKey && v.defaulted)
    parts.push(`the default of ${v.envKey}, which no production env file sets`);
  if (v.conditional) parts.push(`conditional on the environment: ${v.conditional.condition}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

function isTruthy(v: PyValue): boolean {
  return (
    (v.kind === 'bool' && v.value) ||
    (v.kind === 'string' && TRUTHY.has(v.value.toLowerCase())) ||
    (v.kind === 'number' && v.value !== 0)
  );
}

function examineApp(model: AppModel, app: AppInstance, findings: FindingInput[]): void {
  const { kwargs, opaque } = appKwargs(model, app);
  const on: string[] = [];
  const off: string[] = [];
  const unknown: string[] = [];
  for (const name of ['docs_url', 'redoc_url', 'openapi_url']) {
    const entry = kwargs.get(name);
    if (!entry) {
      if (opaque) unknown.push(`${name} (maybe set by ${opaque})`);
      else on.push(`${name} (default ${DOC_DEFAULTS[name]})`);
      continue;
    }
    const v = resolveValue(model, entry.module, entry.kw.value);
    if (v.kind === 'unknown') unknown.push(`${name} (${v.reason})`);
    else if (isOff(v)) off.push(name);
    else on.push(`${name}=${v.kind === 'string' ? `"${v.value}"` : v.kind}${origin(v)}`);
  }
  const where = `FastAPI() at ${app.file}:${app.line}`;
  const docsOn = on.some((s) => !s.startsWith('openapi_url'));
  const openapiOn = on.some((s) => s.startsWith('openapi_url'));
  if (docsOn) {
    findings.push({
      rule: 'docs-exposed',
      file: app.file,
      line: app.line,
      message: `${where} serves interactive API docs in production: ${on.join(', ')}`,
      evidence: `docs ${on.map((s) => s.split(/[ =]/)[0]).join(',')}`,
    });
  } else if (openapiOn) {
    findings.push({
      rule: 'openapi-exposed',
      file: app.file,
      line: app.line,
      message: `${where} turns ${off.join(' and ') || 'the docs'} off but still serves the OpenAPI schema: ${on.join(', ')}`,
      evidence: 'openapi_url on',
    });
  }
  if (unknown.length > 0) {
    findings.push({
      rule: 'unresolved-setting',
      file: app.file,
      line: app.line,
      message: `${where}: could not tell whether ${unknown.join(', ')} is off in production`,
      evidence: `unresolved ${unknown.map((s) => s.split(' ')[0]).join(',')}`,
    });
  }
  const debug = kwargs.get('debug');
  if (debug) {
    const v = resolveValue(model, debug.module, debug.kw.value);
    if (v.kind === 'unknown') {
      findings.push({
        rule: 'unresolved-setting',
        file: debug.kw.file,
        line: debug.kw.line,
        message: `${where}: could not tell whether debug is off in production (${v.reason})`,
        evidence: 'unresolved debug',
      });
    } else if (isTruthy(v)) {
      findings.push({
        rule: 'debug-mode',
        file: debug.kw.file,
        line: debug.kw.line,
        message: `${where} runs with debug=True in production${origin(v)}: errors return tracebacks with source and local values`,
        evidence: 'debug=True',
      });
    }
  }
}

function examineCommand(e: EntryPoint, findings: FindingInput[]): void {
  const what =
    e.source === 'compose'
      ? `compose service ${e.service}`
      : e.source === 'systemd'
        ? 'ExecStart'
        : e.source === 'procfile'
          ? `Procfile ${e.service}`
          : 'CMD';
  const by = e.via ? `${e.file}, run by the ${what} at ${e.via.file}:${e.via.line},` : what;
  const reload = e.options.get('reload');
  if (reload !== undefined && reload !== 'false') {
    findings.push({
      rule: 'reload-in-production',
      file: e.file,
      line: e.line,
      message: `${by} runs ${e.server} with ${e.server === 'fastapi' ? '`fastapi dev` (auto-reload)' : '--reload'} in production`,
      evidence: `${e.source} reload`,
    });
  }
  const level = e.options.get('log-level');
  if (typeof level === 'string' && /^(debug|trace)$/i.test(level)) {
    findings.push({
      rule: 'debug-log-level',
      file: e.file,
      line: e.line,
      message: `${by} runs ${e.server} with --log-level ${level} in production`,
      evidence: `${e.source} log-level ${level.toLowerCase()}`,
    });
  }
}

function examineUvicornRuns(model: AppModel, findings: FindingInput[]): void {
  const production = model.entryPoints.filter((e) => e.production);
  const pythonModules = new Set(
    production.filter((e) => e.server === 'python' && e.module).map((e) => e.module?.file),
  );
  for (const run of model.uvicornRuns) {
    if (run.branch && !run.branch.production) continue;
    // With a deployment that starts uvicorn itself, a __main__ block is only a developer convenience.
    const isEntry =
      production.length === 0 ? run.underMainGuard || !run.enclosing : pythonModules.has(run.file);
    if (!isEntry) continue;
    const reload = run.kwargs.get('reload');
    if (reload) {
      const v = resolveValue(model, run.module, reload.value);
      if (isTruthy(v)) {
        findings.push({
          rule: 'reload-in-production',
          file: reload.file,
          line: reload.line,
          message: `uvicorn.run(...) in ${run.file}, the production entry point, passes reload=True${origin(v)}`,
          evidence: 'uvicorn.run reload',
        });
      }
    }
    const level = run.kwargs.get('log_level');
    if (level) {
      const v = resolveValue(model, run.module, level.value);
      if (v.kind === 'string' && /^(debug|trace)$/i.test(v.value)) {
        findings.push({
          rule: 'debug-log-level',
          file: level.file,
          line: level.line,
          message: `uvicorn.run(...) in ${run.file}, the production entry point, passes log_level="${v.value}"${origin(v)}`,
          evidence: `uvicorn.run log_level ${v.value.toLowerCase()}`,
        });
      }
    }
  }
}

export default defineCheck({
  meta: {
    id: 'debug',
    point: 6,
    title: 'Production runs without docs, debug mode or auto-reload',
    description:
      'For the production configuration (the production branch of environment conditionals, settings read from the ' +
      'production env files): FastAPI docs_url, redoc_url and openapi_url all None, debug not True, no --reload or ' +
      '--log-level debug in the Dockerfile CMD, compose command, systemd ExecStart or the uvicorn.run() of the entry ' +
      'point, /debug routes absent or behind the API key, and DEBUG not true in production env files.',
    targets: ['repo'],
    rules: {
      'docs-exposed': {
        title: 'Interactive API docs are off in production',
        severity: 'medium',
        description: '/docs and /redoc hand an attacker a map of every endpoint and a form to call each one.',
        remediation: 'Pass docs_url=None, redoc_url=None and openapi_url=None to FastAPI() in production.',
      },
      'openapi-exposed': {
        title: 'The OpenAPI schema is off in production',
        severity: 'medium',
        description:
          'docs_url=None and redoc_url=None hide the pages, but /openapi.json still describes every endpoint unless ' +
          'openapi_url=None.',
        remediation: 'Add openapi_url=None to FastAPI() in production.',
      },
      'debug-mode': {
        title: 'FastAPI debug mode is off in production',
        severity: 'high',
        description:
          'debug=True returns tracebacks with source code and local variables to any client that triggers an error.',
        remediation: 'Remove debug=True (or make it false in production settings).',
      },
      'reload-in-production': {
        title: 'The production server does not auto-reload',
        severity: 'medium',
        description:
          'Auto-reload watches the file system and restarts the server: meant for development, it costs memory and restarts on any write.',
        remediation: 'Drop --reload / reload=True (and `fastapi dev`) from the production command.',
      },
      'debug-log-level': {
        title: 'The production server does not log at debug level',
        severity: 'medium',
        description:
          'Debug logging writes request details, headers and internal state into logs that outlive the request.',
        remediation: 'Use --log-level info (or warning) in production.',
      },
      'debug-route': {
        title: 'Debug routes are absent or require the API key',
        severity: 'high',
        description:
          'A /debug route reachable without the key exposes internals (state, config, positions) to anyone.',
        remediation:
          'Remove the route, serve it only outside production, or require the API-key dependency on it.',
      },
      'debug-in-env-file': {
        title: 'DEBUG is not true in production env files',
        severity: 'high',
        description:
          'A production env file that sets DEBUG=true turns on whatever the application ties to it.',
        remediation: 'Set DEBUG=false (or remove it) in the production env file.',
      },
      'unresolved-setting': {
        title: 'Debug settings can be resolved',
        severity: 'low',
        description:
          'A value tradesec could not resolve (computed, or read from an environment no file in the repo sets) could be on in production.',
        remediation:
          'Use literal values or settings with defaults, or set the value in the production env file.',
      },
    },
    references: [
      'https://fastapi.tiangolo.com/tutorial/metadata/#docs-urls',
      'https://fastapi.tiangolo.com/how-to/conditional-openapi/',
      'https://www.uvicorn.org/settings/#development',
    ],
  },

  async run(ctx) {
    const model = await ctx.fact(appModel);
    if (!model.hasFastApi) return skip('not-applicable', NO_FASTAPI_APP);
    const findings: FindingInput[] = [];
    for (const app of model.apps) {
      if (app.branch && !app.branch.production) continue;
      examineApp(model, app, findings);
    }
    for (const e of model.entryPoints) {
      if (e.production && SERVERS.has(e.server)) examineCommand(e, findings);
    }
    examineUvicornRuns(model, findings);

    const configured = configuredAuthDependencies(ctx.config);
    const keys = apiKeyDependencies(model, configured);
    for (const { route, mount } of servedRoutes(model)) {
      if (!mount.fullPath.split('/').some((seg) => /^_*debug/i.test(seg))) continue;
      if (routeRequires(route, mount, keys, configured)) continue;
      findings.push({
        rule: 'debug-route',
        file: route.file,
        line: route.line,
        message: `${route.methods.join(',')} ${mount.fullPath} (${route.handlerName}()) is served in production without the API key`,
        evidence: `${route.methods.join(',')} ${mount.fullPath}`,
      });
    }

    for (const env of model.envFiles) {
      if (!env.production) continue;
      for (const [key, entry] of env.values) {
        if (!/^(?:[A-Z0-9]+_)?DEBUG$/i.test(key) || !TRUTHY.has(entry.value.trim().toLowerCase())) continue;
        findings.push({
          rule: 'debug-in-env-file',
          file: env.file,
          line: entry.line,
          message: `${env.file} sets ${key}=${entry.value.trim()} for production`,
          evidence: `${key} true`,
        });
      }
    }
    return findings;
  },
});
