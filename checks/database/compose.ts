// Database services in docker-compose files and the host addresses their ports are published on.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';

/** The compose file names docker compose reads (and the dev / override variants). */
export const COMPOSE_GLOBS = ['docker-compose*.yml', 'docker-compose*.yaml', 'compose*.yml', 'compose*.yaml'];

/** A published port of a database service. */
export interface PublishedPort {
  service: string;
  /** What the service runs (`postgres:16`), or the port that told it apart. */
  what: string;
  /** Host address it is bound to; undefined when it could not be resolved (an unset variable). */
  hostIp: string | undefined;
  /** The entry as written, for messages. */
  text: string;
  line: number;
}

/** What one compose file says about database services. */
export interface ComposeDatabases {
  /** Names of every service (database or not), so URLs pointing at them can be recognised. */
  services: string[];
  /** Names of the database services. */
  databaseServices: string[];
  ports: PublishedPort[];
  /** Set when the YAML does not parse. */
  error?: { message: string; line: number };
}

const DATABASE_IMAGE =
  /(^|\/)(postgres|postgis|timescaledb|bitnami\/postgresql|mysql|mariadb|percona|redis|valkey|keydb|mongo|mongodb|memcached|cockroach|couchdb|cassandra|clickhouse|influxdb)([:@/-]|$)/i;
const DATABASE_PORTS = new Map<number, string>([
  [5432, 'PostgreSQL'],
  [3306, 'MySQL'],
  [6379, 'Redis'],
  [27017, 'MongoDB'],
  [11211, 'memcached'],
  [26257, 'CockroachDB'],
  [9042, 'Cassandra'],
]);

/** Reads a compose file's database services and their published ports. */
export function readComposeDatabases(text: string): ComposeDatabases {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const lineOf = (node: YamlNode | null | undefined): number => {
    const start = node?.range?.[0];
    return start === undefined ? 1 : lines.linePos(start).line;
  };
  const out: ComposeDatabases = { services: [], databaseServices: [], ports: [] };
  const first = doc.errors[0];
  if (first) {
    out.error = {
      message: first.message.split('\n')[0] ?? 'invalid YAML',
      line: first.linePos?.[0]?.line ?? 1,
    };
    return out;
  }
  const services = doc.get('services');
  if (!isMap(services)) return out;
  for (const pair of services.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    const svc = pair.value;
    if (!name || !isMap(svc)) continue;
    out.services.push(name);
    const image = svc.get('image');
    const imageText = typeof image === 'string' ? image : '';
    const ports = svc.get('ports', true);
    const entries = isSeq(ports) ? ports.items : [];
    const parsed = entries.map((item) => ({ item, port: parsePortEntry(item) }));
    const byImage = DATABASE_IMAGE.test(imageText);
    const byPort = parsed.find((p) => p.port && DATABASE_PORTS.has(p.port.container));
    if (!byImage && !byPort) continue;
    out.databaseServices.push(name);
    const what = byImage ? imageText : `${DATABASE_PORTS.get(byPort?.port?.container ?? 0)} port`;
    for (const { item, port } of parsed) {
      if (!port) continue;
      out.ports.push({
        service: name,
        what,
        hostIp: port.hostIp,
        text: port.text,
        line: lineOf(item as YamlNode),
      });
    }
  }
  return out;
}

interface PortEntry {
  container: number;
  hostIp: string | undefined;
  text: string;
}

/** Expands `${VAR:-default}` to its default; an unset variable without a default gives undefined. */
function interpolate(s: string): string | undefined {
  let unresolved = false;
  const out = s.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, _n, op, def) => {
      if (op === ':-' || op === '-') return def ?? '';
      unresolved = true;
      return '';
    },
  );
  return unresolved ? undefined : out;
}

const UNRESOLVED = '\u0000';

/** One `ports:` entry in short (`"127.0.0.1:5432:5432"`) or long (`{target, published, host_ip}`) form. */
function parsePortEntry(item: unknown): PortEntry | undefined {
  if (isScalar(item)) {
    const text = String(item.value);
    const expanded = interpolate(text) ?? text.replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, UNRESOLVED);
    const spec = expanded.replace(/\/(tcp|udp|sctp)$/i, '');
    let hostIp: string | undefined;
    let rest = spec;
    const v6 = /^\[([^\]]*)\]:(.*)$/.exec(spec);
    if (v6) {
      hostIp = v6[1] ?? '';
      rest = v6[2] ?? '';
    } else {
      const parts = spec.split(':');
      if (parts.length >= 3) {
        hostIp = parts.slice(0, parts.length - 2).join(':');
        rest = parts.slice(-2).join(':');
      } else {
        hostIp = '';
      }
    }
    const containerPart = rest.split(':').pop() ?? '';
    const container = Number.parseInt(containerPart.split('-')[0] ?? '', 10);
    if (Number.isNaN(container)) return undefined;
    return { container, hostIp: hostIp.includes(UNRESOLVED) ? undefined : hostIp, text };
  }
  if (isMap(item)) {
    const target = Number.parseInt(String(item.get('target') ?? ''), 10);
    if (Number.isNaN(target)) return undefined;
    const raw = item.get('host_ip');
    const hostRaw = raw === undefined || raw === null ? '' : String(raw);
    const hostIp = interpolate(hostRaw);
    const published = item.get('published');
    const text = `target: ${target}${published === undefined ? '' : `, published: ${String(published)}`}${hostRaw ? `, host_ip: ${hostRaw}` : ''}`;
    return { container: target, hostIp, text };
  }
  return undefined;
}

/** True when a host address keeps the port on this machine. */
export function isLoopback(hostIp: string): boolean {
  return /^(127(?:\.\d{1,3}){3}|::1|localhost)$/i.test(hostIp.trim());
}
