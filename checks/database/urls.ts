// Database URLs: parsed the way SQLAlchemy reads them, masked for messages, and judged for TLS.

/** A parsed `dialect+driver://user:password@host:port/database?query` URL. */
export interface DbUrl {
  /** The URL as written. */
  raw: string;
  /** `postgresql`, `mysql`, `sqlite`... (`postgres` is normalised to `postgresql`). */
  dialect: string;
  /** `asyncpg`, `psycopg2`, `aiosqlite`... or '' for the dialect's default driver. */
  driver: string;
  user?: string;
  password?: string;
  /** Host names (several for a multi-host URL); empty for a Unix socket or SQLite. */
  hosts: string[];
  database?: string;
  /** Query parameters; the last occurrence of a key wins. */
  query: Map<string, string>;
}

const URL_SHAPE = /^([a-z][a-z0-9]*)(?:\+([a-z0-9_]+))?:\/\/(.*)$/i;

/** Parses a database URL; undefined when the text is not one. */
export function parseDbUrl(raw: string): DbUrl | undefined {
  const m = URL_SHAPE.exec(raw.trim());
  if (!m) return undefined;
  const dialect = normaliseDialect((m[1] ?? '').toLowerCase());
  const driver = (m[2] ?? '').toLowerCase();
  let rest = m[3] ?? '';
  const query = new Map<string, string>();
  const q = rest.indexOf('?');
  if (q !== -1) {
    for (const pair of rest.slice(q + 1).split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const key = decode(eq === -1 ? pair : pair.slice(0, eq));
      query.set(key, decode(eq === -1 ? '' : pair.slice(eq + 1)));
    }
    rest = rest.slice(0, q);
  }
  const url: DbUrl = { raw, dialect, driver, hosts: [], query };
  if (dialect === 'sqlite') {
    url.database = rest.replace(/^\//, '');
    return url;
  }
  const slash = rest.indexOf('/', rest.lastIndexOf('@') + 1);
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  if (slash !== -1) url.database = decode(rest.slice(slash + 1));
  // The password may itself contain '@' when not percent-encoded: the host starts after the last one.
  const at = authority.lastIndexOf('@');
  const hostPart = at === -1 ? authority : authority.slice(at + 1);
  if (at !== -1) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    url.user = decode(colon === -1 ? userinfo : userinfo.slice(0, colon));
    if (colon !== -1) url.password = decode(userinfo.slice(colon + 1));
  }
  url.hosts = hostPart
    .split(',')
    .map((h) => {
      const v6 = /^\[([^\]]*)\](?::\d*)?$/.exec(h);
      return v6 ? (v6[1] ?? '') : h.replace(/:\d*$/, '');
    })
    .filter((h) => h.length > 0);
  const hostParam = query.get('host');
  if (url.hosts.length === 0 && hostParam && !hostParam.startsWith('/')) url.hosts = [hostParam];
  return url;
}

function normaliseDialect(d: string): string {
  if (d === 'postgres' || d === 'pgsql' || d === 'postgresql') return 'postgresql';
  return d;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The URL with its password replaced by `***` (the form every message uses). */
export function maskUrl(raw: string): string {
  const start = raw.indexOf('://');
  if (start === -1) return raw;
  const q = raw.indexOf('?', start);
  const at = raw.lastIndexOf('@', q === -1 ? raw.length : q);
  if (at <= start) return raw;
  const userinfo = raw.slice(start + 3, at);
  const colon = userinfo.indexOf(':');
  if (colon === -1) return raw;
  return `${raw.slice(0, start + 3)}${userinfo.slice(0, colon)}:***${raw.slice(at)}`;
}

/** Database URL schemes worth reporting when they carry a password in source. */
export const CREDENTIAL_SCHEMES = new Set([
  'postgresql',
  'mysql',
  'mariadb',
  'mssql',
  'oracle',
  'cockroachdb',
  'redis',
  'rediss',
  'mongodb',
  'amqp',
  'amqps',
]);

/** True for a password that is clearly a template slot rather than a value (`${DB_PASSWORD}`, `<password>`). */
export function isPlaceholderPassword(password: string): boolean {
  const p = password.trim();
  if (p === '' || /^\*+$/.test(p)) return true;
  return /^(\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|\{[^}]*\}|<[^>]*>|%\([^)]*\)s|\[[^\]]*\])$/.test(p);
}

/** The dialects that talk to a server over the network (everything but SQLite). */
export function isServerDatabase(url: DbUrl): boolean {
  return url.dialect !== 'sqlite';
}

/** True when every host is the loopback interface or a Unix socket: the traffic never leaves the machine. */
export function isLocalOnly(url: DbUrl): boolean {
  if (url.hosts.length === 0) return true;
  return url.hosts.every((h) => /^(localhost|127(?:\.\d{1,3}){3}|::1)$/i.test(h));
}

/** How well a TLS setting protects the connection, from worst to best. */
export type TlsLevel = 'none' | 'unverified' | 'no-hostname' | 'verified';

/** The TLS level of a libpq `sslmode` value (asyncpg's `ssl` strings use the same names); undefined if unknown. */
export function sslModeLevel(mode: string): TlsLevel | undefined {
  switch (mode.trim().toLowerCase()) {
    case 'disable':
    case 'allow':
    case 'prefer':
      return 'none';
    case 'require':
      return 'unverified';
    case 'verify-ca':
    case 'verify_ca':
      return 'no-hostname';
    case 'verify-full':
    case 'verify_full':
      return 'verified';
    default:
      return undefined;
  }
}
