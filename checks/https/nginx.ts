// The nginx half of the https check: directives, TLS settings, redirects and headers, with nginx's inheritance.
import {
  analyzeCipherString,
  DATA_BLOCKS,
  DIRECTIVE_SINCE,
  effectiveChildren,
  type FindingInput,
  isKnownDirective,
  type NginxConfigSet,
  type NginxDirective,
  type NginxRoot,
  type NginxVersion,
  nginxAtLeast,
  OLDEST_SUPPORTED_NGINX,
  WEAKNESS_LABEL,
} from '../../src/index.js';

/** One year, the HSTS max-age browsers' preload lists and Mozilla's guidelines ask for. */
export const HSTS_MIN_MAX_AGE = 31_536_000;

/** Lower-cased: nginx reads ssl_protocols (a bitmask) and on/off or enum values case-insensitively. */
const WEAK_PROTOCOLS = new Set(['sslv2', 'sslv3', 'tlsv1', 'tlsv1.1']);

/** True when the directive's first argument is `value`, compared the way nginx compares flags and enums. */
const flagIs = (d: NginxDirective, value: string): boolean => d.args[0]?.value.toLowerCase() === value;
const CIPHER_DIRECTIVES = new Set([
  'ssl_ciphers',
  'proxy_ssl_ciphers',
  'grpc_ssl_ciphers',
  'uwsgi_ssl_ciphers',
]);

/** Response headers that protect browsers; losing them to add_header inheritance is a finding. */
const SECURITY_HEADERS = new Set([
  'strict-transport-security',
  'x-frame-options',
  'x-content-type-options',
  'content-security-policy',
  'referrer-policy',
  'permissions-policy',
  'x-xss-protection',
  'cross-origin-opener-policy',
  'cross-origin-embedder-policy',
  'cross-origin-resource-policy',
]);

const at = (d: NginxDirective): { file: string; line: number } => ({ file: d.file, line: d.line });
const argText = (d: NginxDirective): string => d.args.map((a) => a.value).join(' ');

/** A context (http, server, location, if) with its parent, for nginx's inheritance rules. */
interface Level {
  kind: string;
  node?: NginxDirective;
  /** Directives as nginx sees them here (includes expanded). */
  children: NginxDirective[];
  /** The raw directives here, includes kept, to find includes that could not be followed. */
  raw: NginxDirective[];
  parent?: Level;
}

function level(kind: string, raw: NginxDirective[], parent?: Level, node?: NginxDirective): Level {
  return {
    kind,
    raw,
    children: effectiveChildren(raw),
    ...(parent ? { parent } : {}),
    ...(node ? { node } : {}),
  };
}

const own = (l: Level, name: string): NginxDirective[] => l.children.filter((d) => d.name === name);

/** The nearest directive(s) named `name` from this level up (how nginx inherits most settings). */
function inherited(l: Level | undefined, name: string): NginxDirective[] {
  for (let cur = l; cur; cur = cur.parent) {
    const found = own(cur, name);
    if (found.length > 0) return found;
  }
  return [];
}

/** A parsed `listen`. */
interface Listen {
  port?: number;
  address?: string;
  ssl: boolean;
  http2: boolean;
  quic: boolean;
}

function parseListen(d: NginxDirective): Listen {
  const first = d.args[0]?.value ?? '';
  const flags = d.args.slice(1).map((a) => a.value);
  const out: Listen = {
    ssl: flags.includes('ssl'),
    http2: flags.includes('http2'),
    quic: flags.includes('quic'),
  };
  if (first.startsWith('unix:') || first.includes('$')) return out;
  const m = /^(?:(\[[^\]]+\]|[^:[\]]+):)?(\d+)$/.exec(first);
  if (m) {
    out.port = Number(m[2]);
    if (m[1] && m[1] !== '*') out.address = m[1].replace(/^\[|\]$/g, '');
  } else if (/^(\[[^\]]+\]|[\w.-]+)$/.test(first)) {
    out.port = 80;
    out.address = first.replace(/^\[|\]$/g, '');
  }
  return out;
}

const isLoopback = (address: string | undefined): boolean =>
  address !== undefined && (/^127\./.test(address) || address === '::1' || address === 'localhost');

/** Everything the nginx analysis needs to know about the audit. */
export interface NginxAnalysisInput {
  configs: NginxConfigSet;
  version: NginxVersion;
}

/** The nginx findings of the https check. */
export function analyzeNginx({ configs, version }: NginxAnalysisInput): FindingInput[] {
  const out: FindingInput[] = [];
  const seen = new Set<string>();
  const add = (f: FindingInput): void => {
    const key = `${f.rule}\0${f.file ?? ''}\0${f.line ?? ''}\0${f.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(f);
  };
  const unresolved = new Set(configs.unresolved.map((u) => `${u.file}:${u.line}`));

  for (const e of configs.errors) {
    add({
      rule: 'nginx-parse-error',
      file: e.file,
      line: e.line,
      message: `${e.file} is not valid nginx syntax: ${e.message} (nginx -t fails, so nginx will not start or reload)`,
      evidence: e.message,
    });
  }

  // Per-directive rules: each file's own directives once, wherever it is included.
  // A file that does not parse is one finding: its partial directives are not judged.
  for (const file of configs.files.values()) if (!file.error) checkDirectives(file.directives, version, add);

  const servers: Array<{ server: Level; root: NginxRoot }> = [];
  for (const root of configs.roots) {
    if (root.kind === 'snippet') continue;
    const main = level('main', root.directives);
    const https =
      root.kind === 'main' ? own(main, 'http').map((h) => level('http', h.block ?? [], main, h)) : [];
    const httpLevels = root.kind === 'main' ? https : [level('http', root.directives)];
    for (const http of httpLevels) {
      checkHeaderInheritance(http, add);
      const rootServers = own(http, 'server')
        .filter((s) => s.block)
        .map((s) => level('server', s.block ?? [], http, s));
      for (const server of rootServers) servers.push({ server, root });
      checkServerTokens(http, rootServers, add);
    }
  }
  let anyTls = false;
  for (const { server } of servers) {
    if (checkServer(server, version, unresolved, add)) anyTls = true;
  }
  const first = servers[0]?.server.node;
  if (!anyTls && first) {
    add({
      rule: 'no-tls-server',
      ...at(first),
      message: `no server block listens with ssl (${servers.length} server block${servers.length === 1 ? '' : 's'} found), so nothing is served over https`,
      evidence: 'no ssl listener',
    });
  }
  return out;
}

function checkDirectives(
  directives: readonly NginxDirective[],
  version: NginxVersion,
  add: (f: FindingInput) => void,
): void {
  const known = version.source !== 'assumed';
  for (const d of directives) {
    checkDirectiveName(d, version, known, add);
    if (d.name === 'ssl' && d.args.length > 0) checkSslDirective(d, version, add);
    if (d.name === 'listen') checkListenHttp2(d, version, add);
    if (d.name === 'ssl_protocols') checkProtocols(d, add);
    if (CIPHER_DIRECTIVES.has(d.name)) checkCiphers(d, add);
    if (d.name === 'ssl_conf_command' && d.args[0]?.value.toLowerCase() === 'ciphersuites')
      checkSuites(d, add);
    if (d.name === 'add_header' && d.args[0]?.value.toLowerCase() === 'strict-transport-security')
      checkHsts(d, add);
    // The entries of map, geo, types... are data, not directives.
    if (d.block && !DATA_BLOCKS.has(d.name)) checkDirectives(d.block, version, add);
  }
}

/** Unknown directives, and directives newer than the target nginx. */
function checkDirectiveName(
  d: NginxDirective,
  version: NginxVersion,
  known: boolean,
  add: (f: FindingInput) => void,
): void {
  const since = DIRECTIVE_SINCE.get(d.name);
  if (!isKnownDirective(d.name)) {
    const hint =
      d.name === 'ssl_private_key'
        ? ' (the key directive is ssl_certificate_key)'
        : suggestion(d.name)
          ? ` (did you mean ${suggestion(d.name)}?)`
          : '';
    add({
      rule: 'unknown-directive',
      ...at(d),
      message: `unknown directive "${d.name}"${hint}: nginx -t fails with 'unknown directive'`,
      evidence: d.name,
    });
  } else if (since && !nginxAtLeast(version.version, since)) {
    // Against an assumed version this is a note: the deployed nginx may well be newer.
    add({
      rule: 'unknown-directive',
      ...at(d),
      ...(known ? {} : { severity: 'low' as const }),
      message: known
        ? `"${d.name}" needs nginx ${since} or later, but the target is nginx ${version.version} (${describeSource(version)}): nginx -t fails with 'unknown directive'`
        : `"${d.name}" needs nginx ${since} or later; the nginx version is unknown, so ${version.version} (the oldest supported) is assumed, where nginx -t fails with 'unknown directive': set --nginx-version or nginx-version in the [https] section of .tradesecrc`,
      evidence: `${d.name} since ${since}`,
    });
  }
}

/** A close known directive name for a typo (one edit away), if any. */
function suggestion(name: string): string | undefined {
  if (name.length < 4) return undefined;
  for (const candidate of [
    'ssl_certificate_key',
    'ssl_certificate',
    'ssl_protocols',
    'ssl_ciphers',
    'server_name',
  ]) {
    if (editDistanceAtMostOne(name, candidate)) return candidate;
  }
  return undefined;
}

function editDistanceAtMostOne(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

function describeSource(v: NginxVersion): string {
  return v.source === 'setting'
    ? 'from the nginx-version setting'
    : v.source === 'installed'
      ? 'from nginx -v'
      : 'assumed';
}

function checkSslDirective(d: NginxDirective, version: NginxVersion, add: (f: FindingInput) => void): void {
  const removed = version.source !== 'assumed' && nginxAtLeast(version.version, '1.25.1');
  add({
    rule: 'ssl-directive',
    ...at(d),
    severity: removed ? 'high' : 'medium',
    message: removed
      ? `"ssl ${argText(d)};" is an error in nginx ${version.version} (the directive was removed in 1.25.1)`
      : `"ssl ${argText(d)};" is deprecated since nginx 1.15.0 and an error from 1.25.1`,
    evidence: `ssl ${argText(d)}`,
  });
}

function checkListenHttp2(d: NginxDirective, version: NginxVersion, add: (f: FindingInput) => void): void {
  if (!d.args.slice(1).some((a) => a.value === 'http2')) return;
  if (version.source !== 'assumed' && !nginxAtLeast(version.version, '1.25.1')) return;
  const known = version.source !== 'assumed';
  add({
    rule: 'listen-http2-deprecated',
    ...at(d),
    message: known
      ? `"listen ${argText(d)}" is deprecated in nginx ${version.version}: nginx warns on every reload`
      : `"listen ${argText(d)}" is deprecated from nginx 1.25.1 (the nginx version is unknown)`,
    evidence: `listen http2 ${d.args[0]?.value ?? ''}`,
  });
}

function checkProtocols(d: NginxDirective, add: (f: FindingInput) => void): void {
  const weak = d.args.map((a) => a.value).filter((p) => WEAK_PROTOCOLS.has(p.toLowerCase()));
  if (weak.length === 0) return;
  add({
    rule: 'weak-protocol',
    ...at(d),
    message: `ssl_protocols enables ${weak.join(', ')}, which are deprecated (RFC 8996) and open to downgrade attacks`,
    evidence: `ssl_protocols ${weak.join(' ')}`,
  });
}

function checkCiphers(d: NginxDirective, add: (f: FindingInput) => void): void {
  const value = d.args.map((a) => a.value).join(' ');
  if (value.includes('$')) return;
  const analysis = analyzeCipherString(value);
  if (analysis.unknown.length > 0) {
    const none = !analysis.anyKnown;
    add({
      rule: 'unknown-cipher',
      ...at(d),
      severity: none ? 'high' : 'medium',
      message: none
        ? `${d.name} names only ciphers OpenSSL does not know (${analysis.unknown.join(', ')}): nginx -t fails with 'no cipher match'`
        : `${d.name} names ciphers OpenSSL does not know (${analysis.unknown.join(', ')}); OpenSSL drops them silently, so the list does not mean what it says`,
      evidence: `${d.name} unknown ${analysis.unknown.join(':')}`,
    });
  }
  if (analysis.tls13.length > 0) {
    add({
      rule: 'unknown-cipher',
      ...at(d),
      severity: analysis.anyKnown ? 'low' : 'high',
      message: `${d.name} lists TLS 1.3 suites (${analysis.tls13.join(', ')}), which it ignores; set them with "ssl_conf_command Ciphersuites ..."${analysis.anyKnown ? '' : ': with nothing else, nginx -t fails'}`,
      evidence: `${d.name} tls13 ${analysis.tls13.join(':')}`,
    });
  }
  if (analysis.weak.length > 0) {
    const parts = analysis.weak.map((w) => `${WEAKNESS_LABEL[w.weakness]} via "${w.element}"`);
    add({
      rule: 'weak-cipher',
      ...at(d),
      message: `${d.name} enables weak suites: ${parts.join('; ')}`,
      evidence: `${d.name} weak ${analysis.weak.map((w) => w.weakness).join(',')}`,
    });
  }
}

function checkSuites(d: NginxDirective, add: (f: FindingInput) => void): void {
  const value = d.args[1]?.value ?? '';
  if (value.includes('$')) return;
  const analysis = analyzeCipherString(value);
  const names = analysis.elements.flatMap((e) => e.parts);
  const unknown = names.filter((n) => !analysis.tls13.includes(n));
  if (unknown.length === 0) return;
  add({
    rule: 'unknown-cipher',
    ...at(d),
    message: `ssl_conf_command Ciphersuites names suites that are not TLS 1.3 suites (${unknown.join(', ')})`,
    evidence: `Ciphersuites unknown ${unknown.join(':')}`,
  });
}

function checkHsts(d: NginxDirective, add: (f: FindingInput) => void): void {
  const value = d.args[1]?.value ?? '';
  if (value.includes('$')) return;
  const m = /max-age\s*=\s*"?(\d+)/i.exec(value);
  const maxAge = m?.[1] ? Number(m[1]) : undefined;
  if (maxAge === undefined || maxAge < HSTS_MIN_MAX_AGE) {
    add({
      rule: 'weak-hsts',
      ...at(d),
      message:
        maxAge === undefined
          ? 'Strict-Transport-Security has no max-age, so browsers ignore it'
          : `Strict-Transport-Security max-age is ${maxAge} seconds, less than one year (${HSTS_MIN_MAX_AGE})`,
      evidence: `hsts max-age ${maxAge ?? 'none'}`,
    });
  }
  if (!d.args.slice(2).some((a) => a.value === 'always')) {
    add({
      rule: 'weak-hsts',
      ...at(d),
      message:
        'add_header Strict-Transport-Security lacks "always", so nginx drops it from error responses (4xx, 5xx)',
      evidence: 'hsts without always',
    });
  }
}

/** Header names set by add_header directly at a level. */
function headerNames(directives: readonly NginxDirective[]): Set<string> {
  return new Set(directives.map((d) => (d.args[0]?.value ?? '').toLowerCase()));
}

/** The rule nginx applies: a level with its own add_header inherits none of its parent's. */
function checkHeaderInheritance(l: Level, add: (f: FindingInput) => void, inheritedFrom?: Level): void {
  const mine = own(l, 'add_header');
  const merges = own(l, 'add_header_inherit').some((d) => flagIs(d, 'merge'));
  if (mine.length > 0 && inheritedFrom && !merges) {
    const parentHeaders = own(inheritedFrom, 'add_header');
    const names = headerNames(mine);
    const dropped = parentHeaders.filter((d) => {
      const name = (d.args[0]?.value ?? '').toLowerCase();
      return SECURITY_HEADERS.has(name) && !names.has(name);
    });
    const first = mine[0] as NginxDirective;
    if (dropped.length > 0) {
      const where = l.node ? `${l.node.name}${l.node.args.length ? ` ${argText(l.node)}` : ''}` : l.kind;
      const source = inheritedFrom.node
        ? `${inheritedFrom.node.name} block at ${inheritedFrom.node.file}:${inheritedFrom.node.line}`
        : inheritedFrom.kind;
      add({
        rule: 'add-header-dropped',
        ...at(first),
        message: `add_header in ${where} makes nginx drop ${dropped.map((d) => d.args[0]?.value).join(', ')} set in the ${source}: a level with its own add_header inherits none of its parent's`,
        evidence: `${where} drops ${dropped.map((d) => (d.args[0]?.value ?? '').toLowerCase()).join(',')}`,
      });
    }
  }
  const nextSource = mine.length > 0 ? l : inheritedFrom;
  for (const child of l.children) {
    if (!child.block) continue;
    if (
      child.name === 'server' ||
      child.name === 'location' ||
      child.name === 'if' ||
      child.name === 'limit_except'
    ) {
      checkHeaderInheritance(level(child.name, child.block, l, child), add, nextSource);
    }
  }
}

function checkServerTokens(http: Level, servers: Level[], add: (f: FindingInput) => void): void {
  const httpTokens = own(http, 'server_tokens').at(-1);
  for (const server of servers) {
    const tokens = own(server, 'server_tokens').at(-1) ?? httpTokens;
    if (tokens && flagIs(tokens, 'off')) continue;
    const target = tokens ?? server.node;
    if (!target) continue;
    add({
      rule: 'server-tokens',
      ...at(target),
      message: tokens
        ? `server_tokens ${argText(tokens)} puts the nginx version in the Server header and error pages`
        : 'server_tokens is not set to off (the default is on), so the Server header and error pages show the nginx version',
      evidence: tokens ? `server_tokens ${argText(tokens)}` : 'server_tokens default',
    });
    return;
  }
}

/** Includes in a level (or in files it includes) that could not be followed, for "could not tell" notes. */
function unfollowed(l: Level | undefined, unresolved: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const visit = (raw: readonly NginxDirective[]): void => {
    for (const d of raw) {
      if (d.name !== 'include') continue;
      if (unresolved.has(`${d.file}:${d.line}`)) out.push(d.args[0]?.value ?? '');
      for (const inc of d.included ?? []) visit(inc.directives);
    }
  };
  for (let cur = l; cur; cur = cur.parent) visit(cur.raw);
  return out;
}

/** Checks one server block; returns true when it serves TLS. */
function checkServer(
  server: Level,
  version: NginxVersion,
  unresolved: ReadonlySet<string>,
  add: (f: FindingInput) => void,
): boolean {
  const node = server.node as NginxDirective;
  const listens = own(server, 'listen').map((d) => ({ d, l: parseListen(d) }));
  const sslOn = inherited(server, 'ssl').some((d) => flagIs(d, 'on'));
  const tls = sslOn || listens.some(({ l }) => l.ssl || l.quic);
  const missing = unfollowed(server, unresolved);
  const couldNotTell =
    missing.length > 0 ? ` (could not tell for sure: ${missing.join(', ')} is not in the repository)` : '';
  const lowIfUnsure = missing.length > 0 ? { severity: 'low' as const } : {};
  const name = own(server, 'server_name')[0];
  const label = name ? `server ${argText(name)}` : 'server block';

  if (!tls) {
    for (const { d, l } of listens) {
      if (l.port === 443 && !isLoopback(l.address)) {
        add({
          rule: 'listen-without-ssl',
          ...at(d),
          message: `"listen ${argText(d)}" serves plain HTTP on port 443; add the ssl parameter`,
          evidence: `listen ${d.args[0]?.value ?? ''} without ssl`,
        });
      }
    }
    const onPort80 =
      listens.length === 0 ? true : listens.some(({ l }) => l.port === 80 && !isLoopback(l.address));
    if (onPort80) checkRedirect(server, label, add);
    return false;
  }

  // A server that listens on port 80 and with ssl must send the plain-http requests away itself.
  if (listens.some(({ l }) => !l.ssl && !l.quic && l.port === 80 && !isLoopback(l.address)) && !sslOn) {
    checkRedirect(server, label, add);
  }
  if (own(server, 'ssl_reject_handshake').some((d) => flagIs(d, 'on'))) return true;

  const cert = inherited(server, 'ssl_certificate');
  const key = inherited(server, 'ssl_certificate_key');
  if (cert.length === 0 || key.length === 0) {
    const privateKey = inherited(server, 'ssl_private_key')[0];
    const what =
      cert.length === 0 && key.length === 0
        ? 'ssl_certificate and ssl_certificate_key'
        : cert.length === 0
          ? 'ssl_certificate'
          : 'ssl_certificate_key';
    add({
      rule: 'missing-certificate',
      ...at(node),
      ...lowIfUnsure,
      message: `${label} listens with ssl but has no ${what}${privateKey ? ` ("ssl_private_key" at line ${privateKey.line} is not an nginx directive)` : ''}${couldNotTell}`,
      evidence: `${label} missing ${what}`,
    });
  }

  if (inherited(server, 'ssl_protocols').length === 0)
    checkDefaultProtocols(node, label, version, missing, add);

  const headers = inherited(server, 'add_header');
  const hsts = headers.find((d) => d.args[0]?.value.toLowerCase() === 'strict-transport-security');
  if (!hsts) {
    add({
      rule: 'missing-hsts',
      ...at(node),
      ...lowIfUnsure,
      message: `${label} sends no Strict-Transport-Security header, so browsers may still try plain http first${couldNotTell}`,
      evidence: `${label} no hsts`,
    });
  }
  return true;
}

function checkDefaultProtocols(
  node: NginxDirective,
  label: string,
  version: NginxVersion,
  missing: string[],
  add: (f: FindingInput) => void,
): void {
  const v = version.version;
  if (nginxAtLeast(v, '1.27.3')) return;
  const defaults = nginxAtLeast(v, '1.23.4') ? 'TLSv1 TLSv1.1 TLSv1.2 TLSv1.3' : 'TLSv1 TLSv1.1 TLSv1.2';
  // An unknown version is judged as the oldest supported, whose default is weak: a failure, not a note.
  const unsure = missing.length > 0;
  const why =
    version.source === 'assumed'
      ? `the nginx version is unknown, so ${OLDEST_SUPPORTED_NGINX} (the oldest supported) is assumed; set --nginx-version or nginx-version in the [https] section of .tradesecrc`
      : `nginx ${v} (${describeSource(version)})`;
  add({
    rule: 'protocols-default',
    ...at(node),
    ...(unsure ? { severity: 'low' as const } : {}),
    message: `${label} sets no ssl_protocols, so nginx uses its default "${defaults}", which enables TLSv1 and TLSv1.1: ${why}${missing.length > 0 ? `; ${missing.join(', ')} is not in the repository and may set it` : ''}`,
    evidence: `${label} default protocols`,
  });
}

const ACME_CHALLENGE = '/.well-known/acme-challenge';

/** The strongest redirect a place makes in its own directives or its `if` blocks. */
function placeRedirect(place: Level): { kind: 'permanent' | 'temporary' | 'none'; at?: NginxDirective } {
  let temporary: NginxDirective | undefined;
  const scopes = [
    place,
    ...place.children
      .filter((d) => d.block && d.name === 'if')
      .map((d) => level('if', d.block ?? [], place, d)),
  ];
  for (const scope of scopes) {
    for (const d of scope.children) {
      const kind = redirectKind(d);
      if (kind === 'permanent' || kind === 'drop') return { kind: 'permanent', at: d };
      if (kind === 'temporary') temporary ??= d;
    }
  }
  return temporary ? { kind: 'temporary', at: temporary } : { kind: 'none' };
}

/** Every location of a level, nested ones too: nginx does not inherit `return` into a nested location. */
function locations(l: Level): Level[] {
  return l.children
    .filter((d) => d.block && d.name === 'location')
    .flatMap((d) => {
      const loc = level('location', d.block ?? [], l, d);
      return [loc, ...locations(loc)];
    });
}

/**
 * A port 80 server must send every request to https: a redirect at the server level covers all of it,
 * else every location that serves content must redirect (ACME challenges may be served in clear).
 */
function checkRedirect(server: Level, label: string, add: (f: FindingInput) => void): void {
  const node = server.node as NginxDirective;
  const top = placeRedirect(server);
  if (top.kind === 'permanent') return;
  const locs = locations(server).filter((l) => !argText(l.node as NginxDirective).includes(ACME_CHALLENGE));
  const catchAll = locs.some((l) => {
    const args = (l.node as NginxDirective).args.map((a) => a.value);
    return args.at(-1) === '/' && (args.length === 1 || args[0] === '^~');
  });
  const places = [
    ...(catchAll ? [] : [{ place: server, redirect: top }]),
    ...locs.map((place) => ({ place, redirect: placeRedirect(place) })),
  ];
  const serving = places.filter((p) => p.redirect.kind === 'none');
  if (serving.length === places.length && top.kind === 'none') {
    add({
      rule: 'http-not-redirected',
      ...at(node),
      message: `${label} listens on port 80 without redirecting to https (return 301 https://$host$request_uri;)`,
      evidence: `${label} port 80 no redirect`,
    });
    return;
  }
  for (const { place } of serving) {
    const where =
      place.node === node
        ? 'its server level (no location / catches the rest)'
        : `location ${argText(place.node as NginxDirective)}`;
    add({
      rule: 'http-not-redirected',
      ...at(place.node as NginxDirective),
      message: `${label} on port 80 serves ${where} over plain http instead of redirecting it to https`,
      evidence: `${label} port 80 serves ${place.node === node ? 'server' : argText(place.node as NginxDirective)}`,
    });
  }
  for (const { redirect } of [{ redirect: top }, ...places]) {
    if (redirect.kind !== 'temporary' || !redirect.at) continue;
    const temporary = redirect.at;
    add({
      rule: 'http-not-redirected',
      ...at(temporary),
      severity: 'low',
      message: `${label} on port 80 redirects to https with a temporary redirect (${temporary.name} ${argText(temporary)}); use 301 or 308`,
      evidence: `${label} port 80 temporary ${temporary.file}:${temporary.line}`,
    });
  }
}

function redirectKind(d: NginxDirective): 'permanent' | 'temporary' | 'drop' | undefined {
  const args = d.args.map((a) => a.value);
  if (d.name === 'return') {
    if (args[0] === '444') return 'drop';
    const [code, url] = /^\d+$/.test(args[0] ?? '') ? [args[0], args[1]] : ['302', args[0]];
    if (!url?.toLowerCase().startsWith('https://')) return undefined;
    return code === '301' || code === '308' ? 'permanent' : 'temporary';
  }
  if (d.name === 'rewrite') {
    if (!args[1]?.toLowerCase().startsWith('https://')) return undefined;
    return args[2] === 'permanent' ? 'permanent' : 'temporary';
  }
  return undefined;
}
