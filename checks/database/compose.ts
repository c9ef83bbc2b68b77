// Database services of the Compose projects (base, override and variant files merged, `.env` interpolated)
// and the host addresses their ports are published on.
import type { ComposeProject, ComposeService, ComposeSet, YamlNode } from '../../src/index.js';

/** A published port of a database service. */
export interface PublishedPort {
  service: string;
  /** What the service runs (`postgres:16`), or the port that told it apart. */
  what: string;
  /** Host address it is bound to; undefined when a variable no `.env` sets decides it. */
  hostIp: string | undefined;
  /** The variables no `.env` sets that the entry names, when `hostIp` is undefined. */
  unset?: string[];
  /** The entry after interpolation, for messages. */
  text: string;
  /** Where the entry is written (the file of the merged project that set it). */
  file: string;
  line: number;
}

/** What the Compose projects say about database services. */
export interface ComposeDatabases {
  /** Names of every service (database or not), so URLs pointing at them can be recognised. */
  services: Set<string>;
  /** Whether any project runs a database service. */
  hasDatabase: boolean;
  ports: PublishedPort[];
}

/** The text of line `line` (1-based) of a repository file, to tell which entries name unset variables. */
export type LineReader = (file: string, line: number) => Promise<string>;

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

const scalar = (node: YamlNode | undefined): string | undefined =>
  node?.kind === 'scalar' && node.value !== null ? String(node.value) : undefined;

/** Reads the database services of every project and their published ports. */
export async function composeDatabases(set: ComposeSet, lineAt: LineReader): Promise<ComposeDatabases> {
  const out: ComposeDatabases = { services: new Set(), hasDatabase: false, ports: [] };
  for (const project of set.projects) {
    for (const service of project.services) {
      out.services.add(service.name);
      await addDatabasePorts(project, service, lineAt, out);
    }
  }
  return out;
}

async function addDatabasePorts(
  project: ComposeProject,
  service: ComposeService,
  lineAt: LineReader,
  out: ComposeDatabases,
): Promise<void> {
  const image = scalar(service.node.entries.get('image')?.value) ?? '';
  const ports = service.node.entries.get('ports')?.value;
  const parsed = (ports?.kind === 'seq' ? ports.items : []).map((item) => ({ item, port: parsePort(item) }));
  const byImage = DATABASE_IMAGE.test(image);
  const byPort = parsed.find((p) => p.port && DATABASE_PORTS.has(p.port.container));
  if (!byImage && !byPort) return;
  out.hasDatabase = true;
  const what = byImage ? image : `${DATABASE_PORTS.get(byPort?.port?.container ?? 0)} port`;
  for (const { item, port } of parsed) {
    if (!port) continue;
    // Compose turns a variable no `.env` sets into an empty string, which publishes on every interface;
    // the deployment may still set it in its environment, so that case is left unresolved.
    const unset =
      port.hostIp === '' && port.hostNode && project.unset.length > 0
        ? unsetIn(await lineAt(port.hostNode.file, port.hostNode.line), project.unset)
        : [];
    out.ports.push({
      service: service.name,
      what,
      ...(unset.length > 0 ? { hostIp: undefined, unset } : { hostIp: port.hostIp }),
      text: port.text,
      file: item.file,
      line: item.line,
    });
  }
}

/** The unset variables a line of the file refers to (`$NAME`, `${NAME}`). */
function unsetIn(line: string, unset: readonly string[]): string[] {
  return unset.filter((name) => new RegExp(`\\$\\{?${name}(?![A-Za-z0-9_])`).test(line));
}

interface PortEntry {
  container: number;
  hostIp: string;
  /** The scalar that sets the host address (the entry itself in the short form). */
  hostNode?: YamlNode;
  text: string;
}

/** One `ports:` entry in short (`"127.0.0.1:5432:5432"`) or long (`{target, published, host_ip}`) form. */
function parsePort(item: YamlNode): PortEntry | undefined {
  if (item.kind === 'scalar') {
    const text = String(item.value);
    const spec = text.replace(/\/(tcp|udp|sctp)$/i, '');
    let hostIp: string;
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
    return { container, hostIp, hostNode: item, text };
  }
  if (item.kind === 'map') {
    const target = Number.parseInt(scalar(item.entries.get('target')?.value) ?? '', 10);
    if (Number.isNaN(target)) return undefined;
    const hostNode = item.entries.get('host_ip')?.value;
    const hostIp = scalar(hostNode) ?? '';
    const published = scalar(item.entries.get('published')?.value);
    const text = `target: ${target}${published === undefined ? '' : `, published: ${published}`}${hostIp ? `, host_ip: ${hostIp}` : ''}`;
    return { container: target, hostIp, ...(hostNode ? { hostNode } : {}), text };
  }
  return undefined;
}

/** True when a host address keeps the port on this machine. */
export function isLoopback(hostIp: string): boolean {
  return /^(127(?:\.\d{1,3}){3}|::1|localhost)$/i.test(hostIp.trim());
}
