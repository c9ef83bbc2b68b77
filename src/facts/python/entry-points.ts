// What starts the service: Dockerfile CMD/ENTRYPOINT, compose `command`, systemd `ExecStart`, Procfile.
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import type { AuditContext } from '../../audit/check.js';
import { LineIndex } from '../../util/lines.js';
import type { EnvEntry } from '../env-file.js';
import type { EntryPoint, EnvFileInfo } from './app-model.js';

/** Env files named by production compose services and systemd units (as written). */
export interface DeploymentInfo {
  entryPoints: EntryPoint[];
  /** Env file paths referenced by production deployments (relative paths resolved against the referencing file). */
  envFileRefs: string[];
  /**
   * The `environment:` of the production compose services that run the app, as env files named by the compose
   * file: compose sets them over the service's `env_file` values.
   */
  composeEnvironment: EnvFileInfo[];
}

const DEV_NAME = /(?:^|[.\-_/])(?:dev|develop|development|local|test|testing|override|debug)(?:[.\-_/]|$)/i;

/** True when a deployment file's name says it is for development. */
export function isDevelopmentFile(file: string): boolean {
  const base = file.split('/').pop() ?? file;
  return DEV_NAME.test(base.replace(/\.(ya?ml|service)$/i, ''));
}

/** Splits a shell command line into words (quotes honoured, no expansion). */
export function shellSplit(command: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i] as string;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < command.length) cur += command[++i];
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === '\\' && i + 1 < command.length) {
      cur += command[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', '/bin/sh', '/bin/bash', '/usr/bin/env']);
const SERVERS = new Set(['uvicorn', 'gunicorn', 'hypercorn', 'fastapi']);
const VALUE_OPTIONS = new Set([
  'host',
  'port',
  'log-level',
  'workers',
  'forwarded-allow-ips',
  'root-path',
  'env-file',
  'app-dir',
  'uds',
  'fd',
  'loop',
  'http',
  'ws',
  'lifespan',
  'reload-dir',
  'reload-include',
  'reload-exclude',
  'timeout-keep-alive',
  'ssl-keyfile',
  'ssl-certfile',
  'limit-concurrency',
  'backlog',
  'header',
  'log-config',
  'bind',
  'worker-class',
  'config',
  'timeout',
  'access-logfile',
  'error-logfile',
  'chdir',
  'name',
  'k',
  'w',
  'b',
  'c',
]);

/** Picks the segment of a shell line that starts the server (`cd /app && exec uvicorn ...`). */
function serverSegment(words: string[]): string[] {
  const segments: string[][] = [[]];
  for (const w of words) {
    if (w === '&&' || w === ';' || w === '||' || w === '|') segments.push([]);
    else segments[segments.length - 1]?.push(w);
  }
  const interesting = segments.find((s) =>
    s.some((w) => SERVERS.has(basename(w)) || /^python[\d.]*$/.test(basename(w))),
  );
  return interesting ?? segments[segments.length - 1] ?? [];
}

function basename(w: string): string {
  return w.split('/').pop() ?? w;
}

/** Normalises a command to the argv that runs the server: shells unwrapped, `exec` and env prefixes dropped. */
export function normaliseArgv(argv: string[]): string[] {
  let words = [...argv];
  for (let guard = 0; guard < 4; guard++) {
    const first = words[0];
    if (first && SHELLS.has(first) && first !== '/usr/bin/env') {
      const cIndex = words.indexOf('-c');
      const script = cIndex !== -1 ? words[cIndex + 1] : undefined;
      if (script === undefined) break;
      words = serverSegment(shellSplit(script));
      continue;
    }
    if (
      first === 'exec' ||
      first === '/usr/bin/env' ||
      first === 'env' ||
      first === 'tini' ||
      first === '--'
    ) {
      words = words.slice(1);
      continue;
    }
    if (first && /^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) {
      words = words.slice(1);
      continue;
    }
    if (words.includes('&&') || words.includes(';')) {
      words = serverSegment(words);
      continue;
    }
    break;
  }
  return words;
}

/** Reads server, target and options from a command's argv. */
export function describeCommand(
  argv: string[],
): Pick<EntryPoint, 'server' | 'target' | 'targetModule' | 'targetAttribute' | 'options' | 'runsModule'> {
  const words = normaliseArgv(argv);
  const options = new Map<string, string | true>();
  let server: EntryPoint['server'] = 'other';
  let rest: string[] = [];
  const first = words[0] ? basename(words[0]) : '';
  if (SERVERS.has(first)) {
    server = first as EntryPoint['server'];
    rest = words.slice(1);
  } else if (/^python[\d.]*$/.test(first)) {
    const mIndex = words.indexOf('-m');
    const mod = mIndex !== -1 ? words[mIndex + 1] : undefined;
    if (mod && SERVERS.has(mod)) {
      server = mod as EntryPoint['server'];
      rest = words.slice(mIndex + 2);
    } else if (mod) {
      server = 'python';
      return { server, target: mod, targetModule: mod, runsModule: true, options };
    } else {
      const script = words.slice(1).find((w) => !w.startsWith('-'));
      if (!script) return { server: 'python', options };
      const targetModule = script.replace(/^\.\//, '').replace(/\.py$/, '').replace(/\//g, '.');
      return { server: 'python', target: script, targetModule, options };
    }
  } else {
    return { server, options };
  }
  if (server === 'fastapi') {
    // `fastapi dev` always reloads; `fastapi run` does not.
    const sub = rest[0];
    if (sub === 'dev') options.set('reload', true);
    rest = rest.slice(1);
  }
  let target: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i] as string;
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const name = eq === -1 ? w.slice(2) : w.slice(2, eq);
      if (eq !== -1) options.set(name, w.slice(eq + 1));
      else if (VALUE_OPTIONS.has(name) && i + 1 < rest.length) options.set(name, rest[++i] as string);
      else options.set(name, true);
    } else if (w.startsWith('-') && w.length > 1) {
      const name = w.slice(1, 2);
      const long = { k: 'worker-class', w: 'workers', b: 'bind', c: 'config' }[name] ?? name;
      if (w.length > 2) options.set(long, w.slice(2));
      else if (VALUE_OPTIONS.has(name) && i + 1 < rest.length) options.set(long, rest[++i] as string);
      else options.set(long, true);
    } else if (target === undefined) {
      target = w;
    }
  }
  if (!target) return { server, options };
  if (server === 'fastapi') {
    const targetModule = target.replace(/^\.\//, '').replace(/\.py$/, '').replace(/\//g, '.');
    return { server, target, targetModule, options };
  }
  const [mod, attr] = target.split(':');
  return {
    server,
    target,
    ...(mod ? { targetModule: mod } : {}),
    ...(attr ? { targetAttribute: attr.replace(/\(.*\)$/, '') } : {}),
    options,
  };
}

/** Joins backslash-continued lines, keeping the first line number of each logical line. */
function logicalLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let t = lines[i] ?? '';
    while (/\\\s*$/.test(t) && i + 1 < lines.length) {
      t = t.replace(/\\\s*$/, ' ') + (lines[++i] ?? '');
    }
    out.push({ line: start + 1, text: t });
  }
  return out;
}

function commandArgv(rest: string): string[] {
  const trimmed = rest.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // Not valid JSON: Docker runs it as a shell command.
    }
  }
  return ['/bin/sh', '-c', trimmed];
}

function dockerfileEntry(file: string, text: string): EntryPoint | undefined {
  let cmd: { line: number; argv: string[] } | undefined;
  let entry: { line: number; argv: string[] } | undefined;
  for (const l of logicalLines(text)) {
    const m = /^\s*(FROM|CMD|ENTRYPOINT)\s+(.*)$/i.exec(l.text);
    if (!m) continue;
    const kw = (m[1] ?? '').toUpperCase();
    if (kw === 'FROM') {
      cmd = undefined;
      entry = undefined;
    } else if (kw === 'CMD') cmd = { line: l.line, argv: commandArgv(m[2] ?? '') };
    else entry = { line: l.line, argv: commandArgv(m[2] ?? '') };
  }
  if (!cmd && !entry) return undefined;
  const argv =
    entry && cmd && entry.argv[0] !== '/bin/sh'
      ? [...entry.argv, ...cmd.argv]
      : (cmd?.argv ?? entry?.argv ?? []);
  const line = cmd?.line ?? entry?.line ?? 1;
  return {
    source: 'dockerfile',
    file,
    line,
    argv,
    production: !isDevelopmentFile(file),
    ...describeCommand(argv),
  };
}

function yamlArgv(node: YamlNode | undefined): string[] | undefined {
  if (!node) return undefined;
  if (isScalar(node)) return typeof node.value === 'string' ? shellSplit(node.value) : undefined;
  if (isSeq(node)) return node.items.map((i) => (isScalar(i) ? String(i.value) : ''));
  return undefined;
}

/** A service's `environment:` (map or `KEY=value` list); pass-through keys and `${...}` values are left out. */
function composeEnvironment(svc: YamlNode, lines: LineIndex): EnvEntry[] {
  const node = isMap(svc) ? (svc.get('environment', true) as YamlNode | undefined) : undefined;
  const out: EnvEntry[] = [];
  const lineOf = (n: YamlNode | undefined | null) => (n?.range ? lines.lineAt(n.range[0]) : 1);
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      const v = isScalar(pair.value) ? pair.value.value : undefined;
      if (!key || v === null || v === undefined) continue;
      out.push({ key, value: String(v), line: lineOf(pair.key as YamlNode) });
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const t = isScalar(item) ? String(item.value) : '';
      const eq = t.indexOf('=');
      if (eq <= 0) continue;
      out.push({ key: t.slice(0, eq), value: t.slice(eq + 1), line: lineOf(item as YamlNode) });
    }
  }
  // `${VAR}` is interpolated by compose from the shell or .env: not a value the file states.
  return out.filter((e) => !e.value.includes('$'));
}

function composeEntries(
  file: string,
  text: string,
  refs: string[],
  environments: EnvFileInfo[] = [],
): EntryPoint[] {
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text);
  } catch {
    return [];
  }
  const services = doc.get('services', true);
  if (!isMap(services)) return [];
  const lines = new LineIndex(text);
  const out: EntryPoint[] = [];
  const production = !isDevelopmentFile(file);
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
  const appCandidates: Array<{
    name: string;
    env: EnvEntry[];
    /** What its command runs: an ASGI server, python or a script, something else; undefined without one. */
    runs?: 'server' | 'python' | 'other';
    built: boolean;
  }> = [];
  for (const pair of services.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : undefined;
    const svc = pair.value;
    if (!name || !isMap(svc)) continue;
    const record: (typeof appCandidates)[number] = {
      name,
      env: composeEnvironment(svc, lines),
      built: svc.has('build'),
    };
    appCandidates.push(record);
    const envFile = svc.get('env_file', true) as YamlNode | undefined;
    const envList = isScalar(envFile) ? [envFile] : isSeq(envFile) ? envFile.items : [];
    for (const e of envList) {
      const v = isScalar(e) ? e.value : isMap(e) ? e.get('path') : undefined;
      if (typeof v === 'string' && production) refs.push(joinRel(dir, v));
    }
    const commandNode = svc.get('command', true) as YamlNode | undefined;
    const entryNode = svc.get('entrypoint', true) as YamlNode | undefined;
    const command = yamlArgv(commandNode);
    const entrypoint = yamlArgv(entryNode);
    if (!command && !entrypoint) continue;
    const argv = [...(entrypoint ?? []), ...(command ?? [])];
    const anchor = (commandNode ?? entryNode) as YamlNode;
    const line = anchor.range ? lines.lineAt(anchor.range[0]) : 1;
    const described = describeCommand(argv);
    record.runs =
      described.server === 'python'
        ? 'python'
        : described.server !== 'other'
          ? 'server'
          : argv.some((w) => /\.(?:sh|bash)$/.test(w))
            ? 'python'
            : 'other';
    out.push({ source: 'compose', service: name, file, line, argv, production, ...described });
  }
  // The app's service: one whose command runs an ASGI server, or one built from the Dockerfile without a
  // command (the Dockerfile's CMD runs); else one that runs python or a script.
  const serving = appCandidates.filter((s) => s.runs === 'server' || (s.built && s.runs === undefined));
  const appServices = serving.length > 0 ? serving : appCandidates.filter((s) => s.runs === 'python');
  if (production) {
    for (const s of appServices) {
      if (s.env.length === 0) continue;
      const values = new Map<string, EnvEntry>();
      for (const e of s.env) values.set(e.key, e);
      environments.push({ file, production: true, entries: s.env, values });
    }
  }
  return out;
}

function joinRel(dir: string, p: string): string {
  const parts = (dir ? `${dir}/${p}` : p).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '.' || part === '') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

function systemdEntries(file: string, text: string, refs: string[]): EntryPoint[] {
  const out: EntryPoint[] = [];
  const production = !isDevelopmentFile(file);
  for (const l of logicalLines(text)) {
    const m = /^\s*(ExecStart|EnvironmentFile)\s*=\s*(.*)$/.exec(l.text);
    if (!m) continue;
    const value = (m[2] ?? '').trim();
    if (m[1] === 'EnvironmentFile') {
      if (production && value) refs.push(value.replace(/^-/, ''));
      continue;
    }
    if (!value) continue;
    const argv = shellSplit(value.replace(/^[-@:+!]+/, ''));
    out.push({ source: 'systemd', file, line: l.line, argv, production, ...describeCommand(argv) });
  }
  return out;
}

function procfileEntries(file: string, text: string): EntryPoint[] {
  const out: EntryPoint[] = [];
  for (const l of logicalLines(text)) {
    const m = /^\s*([\w-]+)\s*:\s*(.+)$/.exec(l.text);
    if (!m || m[1] === 'release') continue;
    const argv = shellSplit(m[2] ?? '');
    out.push({
      source: 'procfile',
      service: m[1],
      file,
      line: l.line,
      argv,
      production: true,
      ...describeCommand(argv),
    });
  }
  return out;
}

/** Reads every deployment file of the repo and returns the commands that start the service. */
export async function readDeployment(ctx: AuditContext): Promise<DeploymentInfo> {
  const entryPoints: EntryPoint[] = [];
  const envFileRefs: string[] = [];
  const composeEnvironment: EnvFileInfo[] = [];
  const files = await ctx.glob([
    'Dockerfile',
    'Dockerfile.*',
    '*.Dockerfile',
    '*.dockerfile',
    'docker-compose*.yml',
    'docker-compose*.yaml',
    'compose*.yml',
    'compose*.yaml',
    '*.service',
    'Procfile',
  ]);
  for (const f of files) {
    const text = await ctx.read(f);
    if (text.kind !== 'text') continue;
    const base = f.path.split('/').pop() ?? f.path;
    if (/dockerfile/i.test(base)) {
      const e = dockerfileEntry(f.path, text.text);
      if (e) entryPoints.push(e);
    } else if (/\.ya?ml$/i.test(base)) {
      entryPoints.push(...composeEntries(f.path, text.text, envFileRefs, composeEnvironment));
    } else if (base.endsWith('.service')) {
      entryPoints.push(...systemdEntries(f.path, text.text, envFileRefs));
    } else if (base === 'Procfile') {
      entryPoints.push(...procfileEntries(f.path, text.text));
    }
  }
  for (const e of [...entryPoints]) entryPoints.push(...(await scriptEntries(ctx, e)));
  return { entryPoints, envFileRefs, composeEnvironment };
}

const SCRIPT_SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', '/bin/sh', '/bin/bash', '/usr/bin/bash']);

/**
 * A command that runs a shell script of the repository (`CMD ["./start.sh"]`, `entrypoint: ["bash",
 * "scripts/run.sh"]`): the script's simple lines that start uvicorn, gunicorn, hypercorn, fastapi or
 * python (after `exec`, `env` and variable prefixes) are entry points too. Lines inside `if`, `case`, loops
 * and functions are left out: which branch runs in production is not known.
 */
async function scriptEntries(ctx: AuditContext, e: EntryPoint): Promise<EntryPoint[]> {
  if (e.server !== 'other') return [];
  const words = normaliseArgv(e.argv);
  const first = words[0];
  const script =
    first && SCRIPT_SHELLS.has(first) ? words.find((w, i) => i > 0 && !w.startsWith('-')) : first;
  if (!script || !/\.(?:sh|bash)$/.test(script)) return [];
  const file = await findScript(ctx, e.file, script);
  if (!file) return [];
  const text = await ctx.read(file);
  if (text.kind !== 'text') return [];
  const out: EntryPoint[] = [];
  // Lines inside if/case/loops run only sometimes: which branch production takes is not known.
  let depth = 0;
  for (const l of logicalLines(text.text)) {
    const line = l.text.trim();
    if (!line || line.startsWith('#')) continue;
    const first = line.split(/[\s;]+/)[0] ?? '';
    const opens = /^(?:if|case|while|until|for|select)$/.test(first) || /\(\)\s*\{?$/.test(line);
    const closes = /(?:^|[\s;])(?:fi|esac|done|\})\s*$/.test(line);
    if (opens && !closes) depth++;
    else if (!opens && closes && /^(?:fi|esac|done|\})/.test(first)) depth = Math.max(0, depth - 1);
    if (opens || depth > 0) continue;
    const argv = shellSplit(line);
    const described = describeCommand(argv);
    if (described.server === 'other') continue;
    out.push({
      source: e.source,
      ...(e.service ? { service: e.service } : {}),
      file,
      line: l.line,
      argv,
      production: e.production,
      via: { file: e.file, line: e.line },
      ...described,
    });
  }
  return out;
}

/** The repository file a script path names: relative to the deployment file, the root, or by its tail. */
async function findScript(ctx: AuditContext, from: string, script: string): Promise<string | undefined> {
  const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/')) : '';
  const rel = script.replace(/^\.\//, '');
  const name = rel.split('/').pop() ?? rel;
  const files = (await ctx.glob([name])).map((f) => f.path);
  for (const candidate of [joinRel(dir, rel), joinRel('', rel)])
    if (files.includes(candidate)) return candidate;
  // An absolute container path (`/app/start.sh`): the repository file whose path ends like it.
  const tail = files.filter((f) => `/${rel}`.endsWith(`/${f}`) || rel.endsWith(`/${f}`));
  if (tail.length === 1) return tail[0];
  return files.length === 1 ? files[0] : undefined;
}
