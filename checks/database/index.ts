// Check 8, database: engine echo, TLS to PostgreSQL, credentials in source, pre-ping, published database ports.
import {
  type AppModel,
  appModel,
  type CheckContext,
  type ComposeSet,
  callName,
  comparisonOperators,
  composeProjectsFact,
  defineCheck,
  descendantsOfType,
  type EngineCall,
  type FindingInput,
  isTestFile,
  type KeywordArgument,
  keywordArguments,
  type Location,
  lineOf,
  NO_FASTAPI_APP,
  namedChildren,
  type PyModule,
  type PyValue,
  resolveExpression,
  resolveValue,
  type Severity,
  type SyntaxNode,
  skip,
  stringLiteral,
  stringPrefix,
  unwrap,
} from '../../src/index.js';
import { type ComposeDatabases, composeDatabases, isLoopback } from './compose.js';
import {
  CREDENTIAL_SCHEMES,
  type DbUrl,
  isLocalOnly,
  isPlaceholderPassword,
  isServerDatabase,
  maskUrl,
  parseDbUrl,
  sslModeLevel,
  type TlsLevel,
} from './urls.js';

const DSN_IN_TEXT = /\b[a-z][a-z0-9]*(?:\+[a-z0-9_]+)?:\/\/[^\s'"`]*@[^\s'"`]+/gi;
const URL_ENV_KEY =
  /(^|_)(DATABASE_URL|DB_URL|DSN|DATABASE_URI|SQLALCHEMY_DATABASE_URI|SQLALCHEMY_DATABASE_URL)$/i;
const DEV_COMPOSE = /(^|[.-])(dev|devel|development|local|test|testing|ci)([.-]|$)/i;

export default defineCheck({
  meta: {
    id: 'database',
    point: 8,
    title: 'The database connection is encrypted, verified, quiet and private',
    description:
      'Reads the SQLAlchemy engines of the application (URLs and options resolved through settings and the ' +
      'production env file), the Python sources for database URLs with passwords, and docker-compose files for ' +
      'database ports published beyond the loopback interface.',
    targets: ['repo'],
    rules: {
      'echo-enabled': {
        title: 'SQLAlchemy engines do not echo SQL',
        severity: 'medium',
        description:
          'echo=True (or "debug") logs every statement with its parameters, and with "debug" every row: order ' +
          'data and key hashes end up in the logs.',
        remediation:
          'Pass echo=False (or leave echo out); use a dedicated debug setting that is false in production.',
      },
      'tls-missing': {
        title: 'PostgreSQL connections require TLS',
        severity: 'high',
        description:
          'Without sslmode (or with disable, allow or prefer) the connection may run in clear text: credentials ' +
          'and order data can be read and changed on the network path.',
        remediation:
          'Add sslmode=verify-full to the URL (psycopg) or connect_args={"ssl": ssl.create_default_context()} ' +
          '(asyncpg), with the server CA installed on the client.',
      },
      'tls-unverified': {
        title: 'PostgreSQL TLS verifies the server certificate',
        severity: 'low',
        description:
          'sslmode=require encrypts but accepts any certificate, so an attacker on the path can impersonate the ' +
          'database server.',
        remediation:
          'Use sslmode=verify-full (asyncpg: ssl="verify-full" or an ssl.create_default_context()).',
      },
      'tls-no-hostname': {
        title: 'PostgreSQL TLS verifies the server host name',
        severity: 'info',
        description:
          'sslmode=verify-ca checks the certificate chain but not the host name: any certificate from the same CA ' +
          'is accepted.',
        remediation: 'Use sslmode=verify-full, so the certificate must also name the host.',
      },
      'asyncpg-sslmode': {
        title: 'asyncpg URLs carry no sslmode parameter',
        severity: 'medium',
        description:
          'SQLAlchemy passes URL query parameters to asyncpg.connect(), which has no sslmode argument: the first ' +
          'connection fails with "unexpected keyword argument \'sslmode\'".',
        remediation:
          'Remove ?sslmode= and pass connect_args={"ssl": ssl.create_default_context()} (or ?ssl=verify-full).',
      },
      'credentials-in-source': {
        title: 'Database passwords are not written in the source',
        severity: 'high',
        description:
          'A database URL with a password in a Python file is copied into git history, images and CI logs, and ' +
          'cannot be rotated without a code change.',
        remediation:
          'Read the URL from the environment (a BaseSettings field without a default, fed by .env.production at ' +
          'mode 600), rotate the password, and remove it from the history.',
      },
      'pool-pre-ping': {
        title: 'Server database engines use pool_pre_ping',
        severity: 'low',
        description:
          'Without pool_pre_ping a connection dropped by a restart, a failover or a firewall is handed to a ' +
          'request, which fails (an order lost mid-flight).',
        remediation: 'Pass pool_pre_ping=True to create_engine / create_async_engine.',
      },
      'port-published': {
        title: 'Database ports are not published beyond 127.0.0.1',
        severity: 'high',
        description:
          'Docker publishes ports through its own iptables rules, past ufw: a database port published on all ' +
          'interfaces is reachable from the internet.',
        remediation:
          'Remove the ports entry (the app reaches the database on the compose network) or bind it to the ' +
          'loopback interface: "127.0.0.1:5432:5432".',
      },
      unresolved: {
        title: 'Database settings can be resolved',
        severity: 'info',
        description: 'A database URL or option could not be resolved statically, so it was not verified.',
        remediation: 'Define the value in a settings class, a module constant or the production env file.',
      },
    },
    references: [
      'https://www.postgresql.org/docs/current/libpq-ssl.html',
      'https://docs.sqlalchemy.org/en/20/core/engines.html',
      'https://github.com/MagicStack/asyncpg/issues/737',
      'https://docs.docker.com/engine/network/packet-filtering-firewalls/',
    ],
  },

  async run(ctx) {
    const model = await ctx.fact(appModel);
    // The database of a FastAPI service: scripts and libraries without an app are not what this audits.
    if (!model.hasFastApi) return skip('not-applicable', NO_FASTAPI_APP);
    const composeSet = await ctx.fact(composeProjectsFact);
    const compose = await composeDatabases(composeSet, (file, line) => readLine(ctx, file, line));
    const out = new Findings();
    const judged = new Set<string>();
    // Engines of test files and of development-only branches (`if settings.environment == "dev":`) are not
    // what production runs.
    const engines = model.engines.filter((e) => !isTestFile(e.file) && e.branch?.production !== false);
    for (const engine of engines) checkEngine(model, engine, compose.services, judged, out);
    checkUnlinkedEnvUrls(model, judged, out);
    const credentials = checkCredentials(model, out);
    checkComposePorts(composeSet, compose, out);
    const examined =
      engines.length > 0 ||
      credentials > 0 ||
      judged.size > 0 ||
      compose.hasDatabase ||
      composeSet.errors.length > 0;
    if (!examined) {
      return skip('not-applicable', 'no SQLAlchemy engine, database URL or database service was found');
    }
    return { findings: out.list };
  },
});

const ASYNCPG_SSLMODE = /^postgres(?:ql)?\+asyncpg:\/\/[^?]*\?(?:.*&)?sslmode=/i;

/** The written text of an f-string URL (through plain names), interpolations shown as `{...}`. */
function fstringSkeleton(
  model: AppModel,
  module: PyModule,
  node: SyntaxNode,
  depth: number,
): { text: string; file: string; line: number } | undefined {
  const n = unwrap(node);
  if (depth > 5) return undefined;
  if (n.type === 'identifier' || n.type === 'attribute') {
    const r = resolveExpression(model, module, n);
    if (r.kind === 'binding' && r.binding.kind === 'assign' && !r.alternative)
      return fstringSkeleton(model, r.module, r.binding.value, depth + 1);
    return undefined;
  }
  if (n.type !== 'string') return undefined;
  let text = '';
  for (const c of namedChildren(n)) {
    if (c.type === 'string_content') text += c.text;
    else if (c.type === 'interpolation') text += '{...}';
  }
  return { text, file: module.file, line: lineOf(n) };
}

/** Findings with duplicates (same rule, file and line) dropped. */
class Findings {
  readonly list: FindingInput[] = [];
  private readonly seen = new Set<string>();
  add(f: FindingInput): void {
    const key = `${f.rule}\0${f.file ?? ''}\0${f.line ?? 0}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(f);
  }
}

function where(loc: Location): string {
  return `${loc.file}:${loc.line}`;
}

/** Describes where a resolved value came from, for messages. */
function origin(v: PyValue, use: Location): string {
  if (!v.from || (v.from.file === use.file && v.from.line === use.line)) return '';
  const how = v.envKey && !v.defaulted ? `${v.envKey} in ${where(v.from)}` : `set in ${where(v.from)}`;
  return ` (${how})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Engines

function checkEngine(
  model: AppModel,
  engine: EngineCall,
  composeServices: ReadonlySet<string>,
  judged: Set<string>,
  out: Findings,
): void {
  const call = `${engine.function}() at ${where(engine)}`;
  // `create_engine(url, **ENGINE_OPTIONS)`: the options of a dict literal or dict(...) count as keywords.
  const keywords = keywordArguments(model, engine.module, engine.node, engine.kwargs);
  const kwargs = keywords.kwargs;
  const echoArg = kwargs.get('echo');
  const echo = echoArg?.kw;
  if (echoArg && echo) {
    const v = resolveValue(model, echoArg.module, echo.value);
    const on = echoValue(v);
    if (on === undefined) {
      out.add({
        rule: 'unresolved',
        file: echo.file,
        line: echo.line,
        message: `${call}: echo could not be resolved (${unknownReason(v)}), so SQL logging was not verified`,
        evidence: `echo ${echo.value.text}`,
      });
    } else if (on !== false) {
      out.add({
        rule: 'echo-enabled',
        file: echo.file,
        line: echo.line,
        message: `${call} has echo=${on === 'debug' ? '"debug"' : 'True'}${origin(v, echo)}: every SQL statement${on === 'debug' ? ' and result row' : ''} and its parameters are logged`,
        evidence: `echo ${echo.value.text}`,
      });
    }
  }

  if (!engine.url) {
    out.add({
      rule: 'unresolved',
      file: engine.file,
      line: engine.line,
      message: `${call} has no URL argument that could be read, so its TLS settings were not verified`,
      evidence: 'no url',
    });
    return;
  }
  const urlValue = resolveValue(model, engine.module, engine.url);
  if (urlValue.kind !== 'string') {
    // `f"postgresql+asyncpg://{host}/db?sslmode=require"`: the written parts alone show the crash.
    const partial = fstringSkeleton(model, engine.module, engine.url, 0);
    if (partial && ASYNCPG_SSLMODE.test(partial.text)) {
      // The written parts may hold a password: user information is never shown.
      const shown = partial.text.replace(/\/\/[^@/]*@/, '//***@');
      out.add({
        rule: 'asyncpg-sslmode',
        file: partial.file,
        line: partial.line,
        message: `${shown}, used by ${call}: asyncpg does not accept sslmode (connect() got an unexpected keyword argument 'sslmode')`,
        evidence: `asyncpg sslmode ${shown}`,
      });
      return;
    }
    out.add({
      rule: 'unresolved',
      file: engine.file,
      line: engine.line,
      message: `${call}: the database URL ${engine.url.text.slice(0, 60)} could not be resolved (${unknownReason(urlValue)}), so its TLS settings were not verified`,
      evidence: `url ${engine.url.text}`,
    });
    return;
  }
  const url = parseDbUrl(urlValue.value);
  if (!url) return;
  const urlAt: Location = urlValue.from ?? { file: engine.file, line: engine.line };
  judged.add(where(urlAt));
  const secrets = url.password ? [url.password] : [];

  if (isServerDatabase(url)) {
    const preArg = kwargs.get('pool_pre_ping');
    const prePing = preArg?.kw;
    const pre = preArg && prePing ? resolveValue(model, preArg.module, prePing.value) : undefined;
    // Options hidden in a `**splat` that did not resolve may set it: no finding on a guess.
    if ((!pre && !keywords.opaque) || (pre?.kind === 'bool' && !pre.value)) {
      out.add({
        rule: 'pool-pre-ping',
        file: prePing?.file ?? engine.file,
        line: prePing?.line ?? engine.line,
        message: `${call} connects to ${url.dialect} without pool_pre_ping=True: a dropped connection fails the next request`,
        evidence: `pool_pre_ping ${engine.function}`,
      });
    }
  }
  if (url.dialect !== 'postgresql') return;
  const shown = maskUrl(url.raw);
  const base = { file: urlAt.file, line: urlAt.line, secrets };
  const used = `${shown}${origin(urlValue, engine)}, used by ${call}`;
  // A crash at the first connection, whatever the host.
  if (url.driver === 'asyncpg' && url.query.has('sslmode')) {
    out.add({
      ...base,
      rule: 'asyncpg-sslmode',
      message: `${used}: asyncpg does not accept sslmode (connect() got an unexpected keyword argument 'sslmode')`,
      evidence: `asyncpg sslmode ${url.query.get('sslmode')}`,
    });
    return;
  }
  if (isLocalOnly(url)) return;

  const connectArgs = readConnectArgs(model, kwargs.get('connect_args'), urlValue);
  if (connectArgs.kind === 'unknown') {
    out.add({
      ...base,
      rule: 'unresolved',
      message: `${used}: connect_args could not be resolved (${connectArgs.reason}), so TLS was not verified`,
      evidence: `connect_args ${shown}`,
    });
    return;
  }
  if (url.driver === 'asyncpg') {
    const ssl = connectArgs.ssl ?? fromUrlParam(url, 'ssl') ?? fromEnv(model, 'PGSSLMODE');
    reportTls(out, base, used, ssl, 'asyncpg', composeServices, url);
    return;
  }
  const ssl =
    connectArgs.sslmode ?? connectArgs.ssl ?? fromUrlParam(url, 'sslmode') ?? fromEnv(model, 'PGSSLMODE');
  reportTls(out, base, used, ssl, url.driver || 'psycopg2', composeServices, url);
}

/** A TLS setting found somewhere, and how it reads. */
interface TlsSetting {
  level: TlsLevel | 'unknown';
  /** How it was written, for messages (`sslmode=require`, `ssl=<context with check_hostname = False>`). */
  text: string;
}

function fromUrlParam(url: DbUrl, key: string): TlsSetting | undefined {
  const v = url.query.get(key);
  if (v === undefined) return undefined;
  const lower = v.toLowerCase();
  const level =
    key === 'ssl' && (lower === 'true' || lower === '1')
      ? 'verified'
      : key === 'ssl' && (lower === 'false' || lower === '0')
        ? 'none'
        : (sslModeLevel(v) ?? 'unknown');
  return { level, text: `${key}=${v} in the URL` };
}

function fromEnv(model: AppModel, key: string): TlsSetting | undefined {
  for (const f of model.envFiles) {
    if (!f.production) continue;
    const e = f.values.get(key);
    if (e)
      return { level: sslModeLevel(e.value) ?? 'unknown', text: `${key}=${e.value} in ${f.file}:${e.line}` };
  }
  return undefined;
}

function reportTls(
  out: Findings,
  base: { file: string; line: number; secrets: string[] },
  used: string,
  ssl: TlsSetting | undefined,
  driver: string,
  composeServices: ReadonlySet<string>,
  url: DbUrl,
): void {
  const onDockerNetwork = url.hosts.length > 0 && url.hosts.every((h) => composeServices.has(h));
  const dockerNote = onDockerNetwork
    ? ' (the host is a compose service, so the traffic stays on this machine)'
    : '';
  const lowered: { severity?: Severity } = onDockerNetwork ? { severity: 'low' } : {};
  if (!ssl) {
    out.add({
      ...base,
      ...lowered,
      rule: 'tls-missing',
      message: `${used} sets no TLS mode${driver === 'asyncpg' ? ' (no connect_args ssl, no ?ssl=)' : ' (no sslmode)'}: ${driver} falls back to an unencrypted connection${dockerNote}`,
      evidence: `tls none ${driver}`,
    });
    return;
  }
  switch (ssl.level) {
    case 'verified':
      return;
    case 'none':
      out.add({
        ...base,
        ...lowered,
        rule: 'tls-missing',
        message: `${used} has ${ssl.text}: the connection may run unencrypted${dockerNote}`,
        evidence: `tls ${ssl.text}`,
      });
      return;
    case 'unverified':
      out.add({
        ...base,
        rule: 'tls-unverified',
        message: `${used} has ${ssl.text}: encrypted, but the server certificate is not verified`,
        evidence: `tls ${ssl.text}`,
      });
      return;
    case 'no-hostname':
      out.add({
        ...base,
        rule: 'tls-no-hostname',
        message: `${used} has ${ssl.text}: the certificate chain is verified but not the host name`,
        evidence: `tls ${ssl.text}`,
      });
      return;
    case 'unknown':
      out.add({
        ...base,
        rule: 'unresolved',
        message: `${used} has ${ssl.text}, which could not be read as a TLS mode`,
        evidence: `tls ${ssl.text}`,
      });
  }
}

function echoValue(v: PyValue): boolean | 'debug' | undefined {
  switch (v.kind) {
    case 'bool':
      return v.value;
    case 'none':
      return false;
    case 'number':
      return v.value !== 0;
    case 'string': {
      const s = v.value.trim().toLowerCase();
      if (s === 'debug') return 'debug';
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
      return undefined;
    }
    default:
      return undefined;
  }
}

function unknownReason(v: PyValue): string {
  return v.kind === 'unknown' ? v.reason : `a ${v.kind}`;
}

// connect_args -------------------------------------------------------------------------------------------------

type ConnectArgs =
  | { kind: 'known'; ssl?: TlsSetting; sslmode?: TlsSetting }
  | { kind: 'unknown'; reason: string };

function readConnectArgs(
  model: AppModel,
  arg: { kw: KeywordArgument; module: PyModule } | undefined,
  urlValue: PyValue,
): ConnectArgs {
  if (!arg) return { kind: 'known' };
  const kw = arg.kw;
  const dict = dictNode(model, arg.module, kw.value, urlValue);
  if (!dict) return { kind: 'unknown', reason: `${kw.value.text.slice(0, 60)} is not a dict literal` };
  const out: ConnectArgs = { kind: 'known' };
  for (const pair of namedChildren(dict.node)) {
    if (pair.type !== 'pair') continue;
    const keyNode = pair.childForFieldName('key');
    const valueNode = pair.childForFieldName('value');
    const key = keyNode ? stringLiteral(keyNode) : undefined;
    if (!key || !valueNode) continue;
    if (key === 'sslmode') {
      const v = resolveValue(model, dict.module, valueNode);
      out.sslmode =
        v.kind === 'string'
          ? { level: sslModeLevel(v.value) ?? 'unknown', text: `connect_args sslmode="${v.value}"` }
          : { level: 'unknown', text: `connect_args sslmode=${valueNode.text}` };
    } else if (key === 'ssl' || key === 'ssl_context') {
      out.ssl = sslArgument(model, dict.module, valueNode, key);
    }
  }
  return out;
}

/** The dict literal behind a connect_args expression (through names and `a if "sqlite" in URL else b`). */
function dictNode(
  model: AppModel,
  module: PyModule,
  node: SyntaxNode,
  urlValue: PyValue,
  depth = 0,
): { node: SyntaxNode; module: PyModule } | undefined {
  if (depth > 5) return undefined;
  const n = unwrap(node);
  if (n.type === 'dictionary') return { node: n, module };
  if (n.type === 'call' && callName(model, module, n) === 'builtins.dict') {
    const args = n.childForFieldName('arguments');
    if (args && namedChildren(args).length === 0) return { node: n, module };
    return undefined;
  }
  if (n.type === 'conditional_expression') {
    const [a, cond, b] = namedChildren(n);
    if (!a || !cond || !b) return undefined;
    const truth = evaluateUrlTest(model, module, cond, urlValue);
    if (truth === undefined) return undefined;
    return dictNode(model, module, truth ? a : b, urlValue, depth + 1);
  }
  if (n.type === 'identifier' || n.type === 'attribute') {
    const r = resolveExpression(model, module, n);
    if (r.kind === 'binding' && r.binding.kind === 'assign') {
      const m = model.moduleByFile.get(r.binding.file) ?? r.module;
      return dictNode(model, m, r.binding.value, urlValue, depth + 1);
    }
  }
  return undefined;
}

/** Evaluates `"sqlite" in URL` / `URL.startswith("sqlite")` against the resolved URL. */
function evaluateUrlTest(
  model: AppModel,
  module: PyModule,
  cond: SyntaxNode,
  urlValue: PyValue,
): boolean | undefined {
  const c = unwrap(cond);
  if (c.type === 'not_operator') {
    const arg = c.childForFieldName('argument');
    const v = arg ? evaluateUrlTest(model, module, arg, urlValue) : undefined;
    return v === undefined ? undefined : !v;
  }
  if (c.type === 'comparison_operator') {
    const [needle, hay] = namedChildren(c);
    const ops = comparisonOperators(c);
    const op = ops.length === 1 ? ops[0] : undefined;
    if (!needle || !hay || (op !== 'in' && op !== 'not in')) return undefined;
    const n = stringLiteral(needle);
    const h = resolveValue(model, module, hay);
    const hayText = h.kind === 'string' ? h.value : urlValue.kind === 'string' ? urlValue.value : undefined;
    if (n === undefined || hayText === undefined || h.kind === 'unknown') return undefined;
    return op === 'in' ? hayText.includes(n) : !hayText.includes(n);
  }
  if (c.type === 'call') {
    const fn = c.childForFieldName('function');
    if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'startswith')
      return undefined;
    const obj = fn.childForFieldName('object');
    const arg = namedChildren(c.childForFieldName('arguments') ?? c)[0];
    const prefix = arg ? stringLiteral(arg) : undefined;
    const h = obj ? resolveValue(model, module, obj) : undefined;
    if (prefix === undefined || h?.kind !== 'string') return undefined;
    return h.value.startsWith(prefix);
  }
  return undefined;
}

/** Reads an asyncpg `ssl=` / pg8000 `ssl_context=` argument: a mode string, a bool or an SSLContext. */
function sslArgument(model: AppModel, module: PyModule, node: SyntaxNode, key: string): TlsSetting {
  const v = resolveValue(model, module, node);
  if (v.kind === 'string')
    return { level: sslModeLevel(v.value) ?? 'unknown', text: `connect_args ${key}="${v.value}"` };
  if (v.kind === 'bool')
    return {
      level: v.value ? 'verified' : 'none',
      text: `connect_args ${key}=${v.value ? 'True' : 'False'}`,
    };
  if (v.kind === 'none') return { level: 'none', text: `connect_args ${key}=None` };
  // An SSLContext: how it was made, and whether verification was switched off afterwards.
  let n = unwrap(node);
  let m = module;
  let name: string | undefined;
  for (let i = 0; i < 5 && (n.type === 'identifier' || n.type === 'attribute'); i++) {
    const r = resolveExpression(model, m, n);
    if (r.kind !== 'binding' || r.binding.kind !== 'assign') break;
    name = r.binding.name;
    m = model.moduleByFile.get(r.binding.file) ?? r.module;
    n = unwrap(r.binding.value);
  }
  if (n.type !== 'call') return { level: 'unknown', text: `connect_args ${key}=${node.text.slice(0, 60)}` };
  const callee = callName(model, m, n) ?? '';
  let level: TlsLevel | 'unknown' = 'unknown';
  if (callee === 'ssl.create_default_context') level = 'verified';
  else if (callee === 'ssl._create_unverified_context') level = 'unverified';
  else if (callee === 'ssl.SSLContext')
    level = /PROTOCOL_TLS_CLIENT/.test(n.text) ? 'verified' : 'unverified';
  if (level === 'unknown') return { level, text: `connect_args ${key}=${node.text.slice(0, 60)}` };
  const weakened = name ? contextWeakening(m, name) : undefined;
  if (weakened === 'unverified' || (weakened === 'no-hostname' && level === 'verified')) {
    return {
      level: weakened,
      text: `connect_args ${key}=<SSLContext with ${weakened === 'unverified' ? 'verify_mode = CERT_NONE' : 'check_hostname = False'}>`,
    };
  }
  return { level, text: `connect_args ${key}=<${callee}()>` };
}

/** `ctx.check_hostname = False` / `ctx.verify_mode = ssl.CERT_NONE` anywhere in the module. */
function contextWeakening(module: PyModule, name: string): TlsLevel | undefined {
  let result: TlsLevel | undefined;
  for (const a of descendantsOfType(module.tree.rootNode, 'assignment')) {
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (left?.type !== 'attribute' || !right) continue;
    if (left.childForFieldName('object')?.text !== name) continue;
    const attr = left.childForFieldName('attribute')?.text;
    if (attr === 'verify_mode' && /CERT_(NONE|OPTIONAL)$/.test(right.text)) return 'unverified';
    if (attr === 'check_hostname' && right.type === 'false') result = 'no-hostname';
  }
  return result;
}

// Env files ----------------------------------------------------------------------------------------------------

/** Database URLs in production env files that no engine was seen to use: only definite mistakes are reported. */
function checkUnlinkedEnvUrls(model: AppModel, judged: Set<string>, out: Findings): void {
  for (const f of model.envFiles) {
    if (!f.production) continue;
    for (const e of f.values.values()) {
      if (!URL_ENV_KEY.test(e.key)) continue;
      const url = parseDbUrl(e.value);
      if (url?.dialect !== 'postgresql' || isLocalOnly(url)) continue;
      const at = `${f.file}:${e.line}`;
      if (judged.has(at)) continue;
      judged.add(at);
      const base = { file: f.file, line: e.line, secrets: url.password ? [url.password] : [] };
      const used = `${e.key}=${maskUrl(url.raw)}`;
      const mode = url.query.get('sslmode');
      if (url.driver === 'asyncpg' && mode !== undefined) {
        out.add({
          ...base,
          rule: 'asyncpg-sslmode',
          message: `${used}: asyncpg does not accept sslmode (connect() got an unexpected keyword argument 'sslmode')`,
          evidence: `asyncpg sslmode ${mode}`,
        });
      } else if (mode !== undefined) {
        const level = sslModeLevel(mode);
        if (level && level !== 'verified') {
          reportTls(
            out,
            base,
            used,
            { level, text: `sslmode=${mode}` },
            url.driver || 'psycopg2',
            new Set(),
            url,
          );
        }
      }
    }
  }
}

// Credentials in source ----------------------------------------------------------------------------------------

/**
 * The text of a string or f-string, interpolations replaced by U+0000 (escapes are left as written,
 * which is enough to find a URL and its password in it).
 */
function literalText(node: SyntaxNode): string {
  const n = unwrap(node);
  if (n.type === 'concatenated_string') return namedChildren(n).map(literalText).join('');
  if (n.type !== 'string') return '';
  const raw = stringPrefix(n).includes('r');
  let out = '';
  for (const c of namedChildren(n)) {
    if (c.type === 'string_content') out += raw ? c.text : c.text.replace(/\\(['"\\])/g, '$1');
    else if (c.type === 'interpolation') out += '\u0000';
  }
  return out;
}

function checkCredentials(model: AppModel, out: Findings): number {
  let count = 0;
  for (const m of model.modules) {
    // Walking syntax nodes costs far more than a text search: only files with a URL and a user:password@.
    if (isTestFile(m.file) || !/:\/\/[^\s'"]*:[^\s'"]*@/.test(m.text)) continue;
    for (const s of descendantsOfType(m.tree.rootNode, ['string', 'concatenated_string'])) {
      if (s.type === 'string' && s.parent?.type === 'concatenated_string') continue;
      if (s.parent?.type === 'expression_statement') continue; // docstrings and bare strings do nothing
      const text = literalText(s);
      if (!text.includes('://')) continue;
      for (const match of text.matchAll(DSN_IN_TEXT)) {
        const url = parseDbUrl(match[0]);
        if (!url || !CREDENTIAL_SCHEMES.has(url.dialect) || url.password === undefined) continue;
        if (isPlaceholderPassword(url.password) || url.password.includes('\u0000')) continue;
        count++;
        const offset = s.text.indexOf(`:${url.password}@`);
        const line = lineOf(s) + (offset > 0 ? (s.text.slice(0, offset).match(/\n/g)?.length ?? 0) : 0);
        const shown = maskUrl(url.raw).replace(/\u0000/g, '{...}');
        out.add({
          rule: 'credentials-in-source',
          file: m.file,
          line,
          message: `${m.file} contains the database URL ${shown} with its password written out`,
          evidence: `dsn ${shown}`,
          secrets: [url.password],
        });
      }
    }
  }
  return count;
}

// Compose ------------------------------------------------------------------------------------------------------

/** A line of a repository file ('' when it cannot be read). */
async function readLine(ctx: CheckContext, file: string, line: number): Promise<string> {
  const text = await ctx.read(file);
  return text.kind === 'text' ? (text.text.split(/\r?\n/)[line - 1] ?? '') : '';
}

function checkComposePorts(set: ComposeSet, info: ComposeDatabases, out: Findings): void {
  for (const error of set.errors) {
    out.add({
      rule: 'unresolved',
      file: error.file,
      line: error.line,
      message: `${error.file} is not valid YAML (${error.message}), so its database ports were not examined`,
      evidence: 'compose yaml error',
    });
  }
  for (const p of info.ports) {
    const dev = DEV_COMPOSE.test(p.file.split('/').pop() ?? p.file);
    if (p.hostIp === undefined) {
      out.add({
        rule: 'unresolved',
        file: p.file,
        line: p.line,
        message: `service ${p.service} (${p.what}) publishes "${p.text}" on a host address set by a variable no .env sets (${(p.unset ?? []).join(', ')})`,
        evidence: `port ${p.service} ${p.text}`,
      });
      continue;
    }
    if (isLoopback(p.hostIp)) continue;
    const all = p.hostIp === '' || p.hostIp === '0.0.0.0' || p.hostIp === '::';
    const severity: Severity | undefined = dev ? 'low' : all ? undefined : 'medium';
    out.add({
      rule: 'port-published',
      file: p.file,
      line: p.line,
      ...(severity ? { severity } : {}),
      message: `service ${p.service} (${p.what}) publishes "${p.text}" on ${all ? 'every interface' : p.hostIp}${dev ? ' (a development compose file)' : ''}: Docker opens it past ufw`,
      evidence: `port ${p.service} ${p.text}`,
    });
  }
}
