// The Compose half of the container check: published ports, privileges, capabilities, read-only root, user.
import path from 'node:path';
import {
  type ComposeProject,
  type ComposeService,
  type DockerfileModel,
  type FindingInput,
  finalStage,
  isRootUser,
  type YamlMapEntry,
  type YamlNode,
} from '../../src/index.js';

/** Host ports a reverse proxy may publish on every interface. */
export const PROXY_PORTS: ReadonlySet<number> = new Set([80, 443]);

/** Reverse-proxy images, the only services that may publish PROXY_PORTS on every interface. */
const PROXY_IMAGE =
  /(^|\/)(nginx|nginx-unprivileged|openresty|caddy|traefik|haproxy|envoy)(:|@|$)|(^|\/)(openresty|envoyproxy)\//i;

/** Database and cache ports: publishing them beyond loopback is high severity. */
export const DATABASE_PORTS: ReadonlyMap<number, string> = new Map([
  [5432, 'PostgreSQL'],
  [3306, 'MySQL/MariaDB'],
  [6379, 'Redis'],
  [27017, 'MongoDB'],
  [11211, 'Memcached'],
  [9200, 'Elasticsearch'],
  [5984, 'CouchDB'],
  [1433, 'SQL Server'],
]);

/** The writable paths the official nginx image needs under `read_only: true`. */
const NGINX_WRITABLE = ['/var/cache/nginx', '/var/run'];
/** The unprivileged nginx images keep everything under /tmp. */
const NGINX_UNPRIVILEGED_WRITABLE = ['/tmp'];
/** Capabilities the official nginx image's root master process needs after `cap_drop: [ALL]`. */
const NGINX_CAPS = ['CHOWN', 'SETUID', 'SETGID'];

/** A published port, from the short (`"127.0.0.1:8000:8000"`) or long syntax. */
export interface PublishedPort {
  hostIp: string;
  /** Host port or range; empty when Docker picks one. */
  published: string;
  target: string;
  line: number;
  file: string;
  written: string;
}

const scalar = (node: YamlNode | undefined): string | undefined =>
  node?.kind === 'scalar' && node.value !== null ? String(node.value) : undefined;

/** Parses one `ports` entry. */
export function parsePort(node: YamlNode): PublishedPort | undefined {
  if (node.kind === 'map') {
    const target = scalar(node.entries.get('target')?.value) ?? '';
    return {
      hostIp: scalar(node.entries.get('host_ip')?.value) ?? '',
      published: scalar(node.entries.get('published')?.value) ?? '',
      target,
      line: node.line,
      file: node.file,
      written: `target ${target}`,
    };
  }
  const written = scalar(node);
  if (written === undefined) return undefined;
  const text = written.replace(/\/(tcp|udp|sctp)$/i, '');
  const lastColon = text.lastIndexOf(':');
  if (lastColon === -1)
    return { hostIp: '', published: '', target: text, line: node.line, file: node.file, written };
  const target = text.slice(lastColon + 1);
  const host = text.slice(0, lastColon);
  let hostIp = '';
  let published = host;
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(host);
  if (bracket) {
    hostIp = bracket[1] ?? '';
    published = bracket[2] ?? '';
  } else {
    const colon = host.lastIndexOf(':');
    if (colon !== -1) {
      hostIp = host.slice(0, colon);
      published = host.slice(colon + 1);
    }
  }
  return { hostIp, published, target, line: node.line, file: node.file, written };
}

const ALL_INTERFACES = new Set(['', '0.0.0.0', '::', '[::]']);

/** The fix for one published port, with its own numbers: a database on 5432 is not told to write 8000. */
function loopbackRemediation(port: PublishedPort): string {
  const hostPort = port.published || port.target;
  return `Write \`"127.0.0.1:${hostPort}:${port.target}"\` (or long form \`host_ip: 127.0.0.1\`), or drop the ports entry if only other containers need it; let only nginx publish 80/443.`;
}
const firstPort = (range: string): number => Number(range.split('-')[0]);

function entry(service: ComposeService, key: string): YamlMapEntry | undefined {
  return service.node.entries.get(key);
}

/** Where a finding about a missing key points: the `!reset` that removed it, else the service's definition. */
function missingAt(service: ComposeService, key: string): { file: string; line: number } {
  const reset = service.node.resets?.get(key);
  return reset ? { file: reset.file, line: reset.line } : service.definedAt;
}

const items = (node: YamlNode | undefined): YamlNode[] =>
  node?.kind === 'seq' ? node.items : node?.kind === 'scalar' && node.value !== null ? [node] : [];

const truthy = (node: YamlNode | undefined): boolean =>
  node?.kind === 'scalar' && (node.value === true || /^(true|yes|on|1)$/i.test(String(node.value)));

/** The image a service runs: its `image`, or the final FROM of the Dockerfile it builds. */
function serviceImage(service: ComposeService, dockerfile: DockerfileModel | undefined): string {
  const image = scalar(entry(service, 'image')?.value);
  const built = dockerfile ? finalStage(dockerfile)?.image.expanded : undefined;
  return built ?? image ?? '';
}

/** The repository path of the Dockerfile a service builds, if it builds one. */
export function buildDockerfile(project: ComposeProject, service: ComposeService): string | undefined {
  const build = entry(service, 'build')?.value;
  if (!build) return undefined;
  let context = '.';
  let dockerfile = 'Dockerfile';
  if (build.kind === 'scalar') context = String(build.value ?? '.');
  else if (build.kind === 'map') {
    context = scalar(build.entries.get('context')?.value) ?? '.';
    dockerfile = scalar(build.entries.get('dockerfile')?.value) ?? 'Dockerfile';
  }
  if (/^[a-z]+:\/\//i.test(context) || context.startsWith('git@')) return undefined;
  return path.posix.normalize(path.posix.join(project.dir, context, dockerfile));
}

/** True when the service defines a healthcheck that is not disabled. */
export function hasHealthcheck(service: ComposeService): boolean {
  const hc = entry(service, 'healthcheck')?.value;
  if (hc?.kind !== 'map' || truthy(hc.entries.get('disable')?.value)) return false;
  const test = hc.entries.get('test')?.value;
  const first = test?.kind === 'seq' ? scalar(test.items[0]) : scalar(test);
  return first !== undefined && first.toUpperCase() !== 'NONE';
}

/** The findings of one service of a project. */
export function analyzeService(
  project: ComposeProject,
  service: ComposeService,
  dockerfiles: ReadonlyMap<string, DockerfileModel>,
): FindingInput[] {
  const out: FindingInput[] = [];
  const name = service.name;
  const dockerfilePath = buildDockerfile(project, service);
  const dockerfile = dockerfilePath ? dockerfiles.get(dockerfilePath) : undefined;
  const image = serviceImage(service, dockerfile);
  // An image that cannot be told (a build whose Dockerfile is not in the repository) is given the benefit.
  const proxy = image === '' || PROXY_IMAGE.test(image);

  for (const node of items(entry(service, 'ports')?.value)) {
    const port = parsePort(node);
    if (!port || !ALL_INTERFACES.has(port.hostIp)) continue;
    const published = firstPort(port.published);
    const proxyPort = PROXY_PORTS.has(published);
    if (proxyPort && proxy) continue;
    const database = DATABASE_PORTS.get(firstPort(port.target)) ?? DATABASE_PORTS.get(published);
    out.push({
      rule: 'port-all-interfaces',
      file: port.file,
      line: port.line,
      ...(database ? { severity: 'high' as const } : {}),
      message: `service ${name} publishes ${port.written}${port.published ? '' : ' (on a random host port)'} on every interface${database ? ` (${database})` : ''}${proxyPort ? ` although ${image} is not a reverse proxy (only nginx, caddy, traefik or haproxy should publish 80/443)` : ''}: Docker's iptables rules bypass ufw, so it is reachable from the internet. Bind it to 127.0.0.1`,
      evidence: `${name} ports ${port.written}`,
      remediation: loopbackRemediation(port),
    });
  }

  const securityOpt = entry(service, 'security_opt');
  let noNewPrivileges: 'on' | 'off' | undefined;
  let offLine: { file: string; line: number } | undefined;
  for (const item of items(securityOpt?.value)) {
    let text = scalar(item);
    if (item.kind === 'map') {
      const [k, e] = [...item.entries][0] ?? [];
      text = k !== undefined ? `${k}:${scalar(e?.value) ?? ''}` : undefined;
    }
    const m = /^no-new-privileges(?:\s*[:=]\s*(.*))?$/i.exec(text?.trim() ?? '');
    if (!m) continue;
    const value = (m[1] ?? 'true').trim().toLowerCase();
    if (/^(true|1|yes|)$/.test(value)) noNewPrivileges = 'on';
    else {
      noNewPrivileges = 'off';
      offLine = { file: item.file, line: item.line };
    }
  }
  if (noNewPrivileges !== 'on') {
    out.push({
      rule: 'no-new-privileges',
      ...(offLine ?? missingAt(service, 'security_opt')),
      message:
        noNewPrivileges === 'off'
          ? `service ${name} turns no-new-privileges off, so setuid binaries can raise privileges`
          : `service ${name} does not set security_opt no-new-privileges:true, so setuid binaries can raise privileges`,
      evidence: `${name} no-new-privileges ${noNewPrivileges ?? 'missing'}`,
    });
  }

  const capDrop = entry(service, 'cap_drop');
  const dropsAll = items(capDrop?.value).some((i) => /^(CAP_)?ALL$/i.test(scalar(i) ?? ''));
  if (!dropsAll) {
    out.push({
      rule: 'cap-drop-all',
      ...(capDrop ? { file: capDrop.value.file, line: capDrop.keyLine } : missingAt(service, 'cap_drop')),
      message: `service ${name} does not drop all capabilities (cap_drop: [ALL]); add back only what it needs with cap_add`,
      evidence: `${name} cap_drop`,
    });
  }
  // cap_add is applied after cap_drop: adding ALL back undoes the drop.
  const capAdd = entry(service, 'cap_add');
  const addsAll = items(capAdd?.value).find((i) => /^(CAP_)?ALL$/i.test(scalar(i) ?? ''));
  if (dropsAll && addsAll) {
    out.push({
      rule: 'cap-drop-all',
      file: addsAll.file,
      line: addsAll.line,
      message: `service ${name} drops all capabilities but cap_add: [ALL] adds every one back (Docker applies cap_add after cap_drop)`,
      evidence: `${name} cap_add ALL`,
    });
  }

  const nginx = /(^|\/)nginx(-unprivileged)?(:|@|$)/i.test(image) || /(^|\/)nginx-unprivileged/i.test(image);
  const unprivileged = /unprivileged|bitnami\/nginx/i.test(image);
  const readOnly = entry(service, 'read_only');
  if (!truthy(readOnly?.value)) {
    const hint = nginx
      ? ` (nginx then needs tmpfs for ${(unprivileged ? NGINX_UNPRIVILEGED_WRITABLE : [...NGINX_WRITABLE, '/tmp']).join(', ')})`
      : ' (add tmpfs mounts for the paths it writes, e.g. /tmp)';
    out.push({
      rule: 'read-only',
      ...(readOnly ? { file: readOnly.value.file, line: readOnly.keyLine } : missingAt(service, 'read_only')),
      message: `service ${name} ${readOnly ? `sets read_only: ${scalar(readOnly.value) ?? ''}` : 'does not set read_only: true'}, so an attacker can modify the container's files${hint}`,
      evidence: `${name} read_only`,
    });
  } else if (nginx) {
    const writable = writablePaths(service);
    const needed = unprivileged ? NGINX_UNPRIVILEGED_WRITABLE : NGINX_WRITABLE;
    const missing = needed.filter((p) => !covered(p, writable));
    if (missing.length > 0 && readOnly) {
      out.push({
        rule: 'read-only-tmpfs',
        file: readOnly.value.file,
        line: readOnly.keyLine,
        message: `service ${name} runs nginx with read_only: true but without tmpfs for ${missing.join(', ')}: nginx fails to start ("Read-only file system")`,
        evidence: `${name} nginx tmpfs ${missing.join(',')}`,
      });
    }
  }
  if (nginx && !unprivileged && dropsAll && capDrop) {
    const added = new Set(
      items(capAdd?.value).map((i) => (scalar(i) ?? '').toUpperCase().replace(/^CAP_/, '')),
    );
    const user = scalar(entry(service, 'user')?.value);
    const missing = NGINX_CAPS.filter((c) => !added.has(c) && !added.has('ALL'));
    if (missing.length > 0 && (user === undefined || isRootUser(user))) {
      out.push({
        rule: 'nginx-capabilities',
        file: capDrop.value.file,
        line: capDrop.keyLine,
        message: `service ${name} runs the official nginx image with cap_drop: [ALL] but without cap_add ${missing.join(', ')}: its master process cannot chown its cache or switch to the nginx user, so it exits`,
        evidence: `${name} nginx caps ${missing.join(',')}`,
      });
    }
  }

  const privileged = entry(service, 'privileged');
  if (truthy(privileged?.value) && privileged) {
    out.push({
      rule: 'privileged',
      file: privileged.value.file,
      line: privileged.keyLine,
      message: `service ${name} runs privileged: it has every capability and the host's devices, so root in it is root on the host`,
      evidence: `${name} privileged`,
    });
  }

  const network = entry(service, 'network_mode');
  if (network && scalar(network.value) === 'host') {
    out.push({
      rule: 'host-network',
      file: network.value.file,
      line: network.keyLine,
      message: `service ${name} uses network_mode: host: every port it opens is on the host's interfaces, bypassing port bindings and ufw`,
      evidence: `${name} network_mode host`,
    });
  }

  for (const node of items(entry(service, 'volumes')?.value)) {
    const source =
      node.kind === 'map' ? scalar(node.entries.get('source')?.value) : scalar(node)?.split(':')[0];
    if (!source || !/(^|\/)docker\.sock$/.test(source)) continue;
    out.push({
      rule: 'docker-socket',
      file: node.file,
      line: node.line,
      message: `service ${name} mounts ${source}: whoever controls the container controls the Docker daemon, i.e. root on the host`,
      evidence: `${name} docker.sock`,
    });
  }

  const user = entry(service, 'user');
  const userValue = scalar(user?.value);
  if (user && userValue !== undefined && isRootUser(userValue)) {
    out.push({
      rule: 'root-user',
      file: user.value.file,
      line: user.keyLine,
      message: `service ${name} sets user: ${userValue}, so it runs as root`,
      evidence: `${name} user root`,
    });
  } else if (!user && !dockerfilePath) {
    out.push({
      rule: 'compose-user',
      ...missingAt(service, 'user'),
      message: `service ${name} sets no user, so it runs as the default user of ${image || 'its image'} (root for most images)`,
      evidence: `${name} no user`,
    });
  }
  return out;
}

/** Container paths a service can write: tmpfs mounts and volumes that are not read-only. */
function writablePaths(service: ComposeService): string[] {
  const out: string[] = [];
  for (const node of items(entry(service, 'tmpfs')?.value)) {
    const text = scalar(node);
    if (text) out.push(text.split(':')[0] ?? text);
  }
  for (const node of items(entry(service, 'volumes')?.value)) {
    if (node.kind === 'map') {
      const target = scalar(node.entries.get('target')?.value);
      if (target && !truthy(node.entries.get('read_only')?.value)) out.push(target);
      continue;
    }
    const parts = (scalar(node) ?? '').split(':');
    const target = parts.length >= 2 ? parts[1] : parts[0];
    if (target && !/(^|,)ro(,|$)/.test(parts[2] ?? '')) out.push(target);
  }
  return out;
}

function covered(needed: string, writable: readonly string[]): boolean {
  const alias = needed === '/var/run' ? ['/var/run', '/run'] : [needed];
  return writable.some((w) => alias.some((a) => a === w || a.startsWith(`${w.replace(/\/$/, '')}/`)));
}
