// nginx rate limits in front of the app: which location serves an app path, and the limit_req that applies there.
import { effectiveChildren, type NginxConfigSet, type NginxDirective, walkNginx } from '../../src/index.js';

/** A limit_req_zone: its key and where it is declared. */
export interface NginxZone {
  name: string;
  key: string;
  file: string;
  line: number;
}

/** A location block that proxies to an upstream, with the limit_req directives in effect there. */
interface ProxyLocation {
  modifier: '' | '=' | '~' | '~*' | '^~';
  pattern: string;
  directive: NginxDirective;
  proxies: boolean;
  /** The URI part of proxy_pass (`http://app:8000/api/` → `/api/`), when it has one. */
  upstreamUri?: string;
  limits: NginxDirective[];
}

interface Server {
  directive: NginxDirective;
  locations: ProxyLocation[];
}

/** What nginx does for one app path. */
export type NginxVerdict =
  | { kind: 'limited'; location: NginxDirective; zone: NginxZone }
  | { kind: 'unlimited'; location: NginxDirective; reason: string }
  | { kind: 'not-proxied' };

/** The nginx configurations as far as rate limiting is concerned. */
export interface NginxLimits {
  zones: Map<string, NginxZone>;
  servers: Server[];
  /** Some location proxies to an upstream: nginx is in front of the app. */
  proxies: boolean;
  /** Zones declared but used by no limit_req. */
  unusedZones: NginxZone[];
}

const PASS = new Set(['proxy_pass', 'uwsgi_pass', 'grpc_pass', 'fastcgi_pass', 'scgi_pass']);

function ownLimits(block: readonly NginxDirective[]): NginxDirective[] {
  return effectiveChildren(block).filter((d) => d.name === 'limit_req');
}

function collectLocations(
  block: readonly NginxDirective[],
  inherited: NginxDirective[],
  out: ProxyLocation[],
): void {
  for (const d of effectiveChildren(block)) {
    if (d.name !== 'location' || !d.block) continue;
    const args = d.args.map((a) => a.value);
    const modifier = (args.length >= 2 ? args[0] : '') as ProxyLocation['modifier'];
    const pattern = (args.length >= 2 ? args[1] : args[0]) ?? '';
    if (pattern.startsWith('@')) continue;
    const children = effectiveChildren(d.block);
    const own = ownLimits(d.block);
    const limits = own.length > 0 ? own : inherited;
    const pass = children.find((c) => PASS.has(c.name));
    const target = pass?.args[0]?.value ?? '';
    const uri = /^[a-z]+:\/\/[^/]+(\/.*)$/i.exec(target)?.[1];
    out.push({
      modifier,
      pattern,
      directive: d,
      proxies: pass !== undefined,
      ...(uri && !uri.includes('$') ? { upstreamUri: uri } : {}),
      limits,
    });
    collectLocations(d.block, limits, out);
  }
}

/** Reads zones, servers and locations from every nginx root of the repo. */
export function nginxLimits(configs: NginxConfigSet): NginxLimits {
  const zones = new Map<string, NginxZone>();
  const used = new Set<string>();
  const servers: Server[] = [];
  for (const root of configs.roots) {
    for (const d of walkNginx(root.directives)) {
      if (d.name === 'limit_req_zone') {
        const key = d.args[0]?.value ?? '';
        const zoneArg = d.args.find((a) => a.value.startsWith('zone='))?.value ?? '';
        const name = zoneArg.slice(5).split(':')[0] ?? '';
        if (name) zones.set(name, { name, key, file: d.file, line: d.line });
      }
      if (d.name === 'limit_req') {
        const zoneArg = d.args.find((a) => a.value.startsWith('zone='))?.value ?? '';
        used.add(zoneArg.slice(5));
      }
    }
    const visit = (block: readonly NginxDirective[], inherited: NginxDirective[]) => {
      for (const d of effectiveChildren(block)) {
        if (!d.block) continue;
        if (d.name === 'http') {
          const own = ownLimits(d.block);
          visit(d.block, own.length > 0 ? own : inherited);
        } else if (d.name === 'server') {
          const own = ownLimits(d.block);
          const locations: ProxyLocation[] = [];
          collectLocations(d.block, own.length > 0 ? own : inherited, locations);
          servers.push({ directive: d, locations });
        }
      }
    };
    visit(root.directives, []);
  }
  const proxies = servers.some((s) => s.locations.some((l) => l.proxies));
  const unusedZones = [...zones.values()].filter((z) => !used.has(z.name));
  return { zones, servers, proxies, unusedZones };
}

function selectLocation(locations: readonly ProxyLocation[], uri: string): ProxyLocation | undefined {
  const exact = locations.find((l) => l.modifier === '=' && l.pattern === uri);
  if (exact) return exact;
  let longest: ProxyLocation | undefined;
  for (const l of locations) {
    if (l.modifier !== '' && l.modifier !== '^~') continue;
    if (uri.startsWith(l.pattern) && (!longest || l.pattern.length > longest.pattern.length)) longest = l;
  }
  if (longest?.modifier === '^~') return longest;
  for (const l of locations) {
    if (l.modifier !== '~' && l.modifier !== '~*') continue;
    try {
      if (new RegExp(l.pattern, l.modifier === '~*' ? 'i' : '').test(uri)) return l;
    } catch {
      // A PCRE feature JavaScript lacks: this location cannot be evaluated, so it is not assumed to match.
    }
  }
  return longest;
}

/** The app path a location passes on for an external URI. */
function appPathFor(l: ProxyLocation, external: string): string {
  if (l.upstreamUri === undefined || l.modifier === '~' || l.modifier === '~*') return external;
  return l.upstreamUri + external.slice(l.pattern.length);
}

/** The external URIs that could reach app path `appPath` through a server. */
function candidates(server: Server, appPath: string): string[] {
  const out = new Set([appPath]);
  for (const l of server.locations) {
    if (
      l.upstreamUri !== undefined &&
      appPath.startsWith(l.upstreamUri) &&
      (l.modifier === '' || l.modifier === '^~')
    ) {
      out.add(l.pattern + appPath.slice(l.upstreamUri.length));
    }
  }
  return [...out];
}

const CLIENT_KEY = /\$(?:binary_remote_addr|remote_addr)\b/;

/** How nginx limits requests to an app path (concrete, without `{params}`). */
export function nginxVerdict(limits: NginxLimits, appPath: string): NginxVerdict {
  const verdicts: NginxVerdict[] = [];
  for (const server of limits.servers) {
    for (const uri of candidates(server, appPath)) {
      const loc = selectLocation(server.locations, uri);
      if (!loc?.proxies || appPathFor(loc, uri) !== appPath) continue;
      const zoneNames = loc.limits.map(
        (d) => d.args.find((a) => a.value.startsWith('zone='))?.value.slice(5) ?? '',
      );
      const zone = zoneNames.map((n) => limits.zones.get(n)).find((z) => z && CLIENT_KEY.test(z.key));
      if (zone) verdicts.push({ kind: 'limited', location: loc.directive, zone });
      else {
        const reason =
          loc.limits.length === 0
            ? 'no limit_req applies there'
            : zoneNames.some((n) => !limits.zones.has(n))
              ? `limit_req names a zone no limit_req_zone declares (${zoneNames.join(', ')})`
              : 'its limit_req zone is not keyed on the client address ($binary_remote_addr)';
        verdicts.push({ kind: 'unlimited', location: loc.directive, reason });
      }
      break;
    }
  }
  const open = verdicts.find((v) => v.kind === 'unlimited');
  if (open) return open;
  return verdicts[0] ?? { kind: 'not-proxied' };
}
