// Compose projects in a repository: base file plus override (or -f variants) merged, .env interpolated, extends followed.
import path from 'node:path';
import { defineFact } from '../../audit/check.js';
import type { RepoFile } from '../discovery.js';
import { envValues, parseEnvFile } from '../env-file.js';
import type { TextFile } from '../text.js';
import { interpolateCompose } from './interpolate.js';
import { mergeComposeMaps } from './merge.js';
import { parseYamlTree, type YamlMapNode, type YamlNode } from './yaml-tree.js';

/** A service after merging, with where it was first defined. */
export interface ComposeService {
  name: string;
  node: YamlMapNode;
  /** The service's key in the first file that defines it (for findings about missing settings). */
  definedAt: { file: string; line: number };
}

/** One project: the files `docker compose` would read together, merged. */
export interface ComposeProject {
  /** Posix directory of the project (the first file's directory; `.env` is read from here). */
  dir: string;
  /** Files in merge order. */
  files: string[];
  services: ComposeService[];
  /** Variables referenced but not set in `.env` (values are empty, as Compose does). */
  unset: string[];
}

/** Everything found: projects plus the files that did not parse. */
export interface ComposeSet {
  projects: ComposeProject[];
  errors: Array<{ file: string; line: number; message: string }>;
  unreadable: Array<{ file: string; error: string }>;
}

/** The base file names Compose looks for, in its order of preference. */
export const COMPOSE_BASE_NAMES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yaml',
  'docker-compose.yml',
];
/** The override file names Compose loads next to the base file. */
export const COMPOSE_OVERRIDE_NAMES = [
  'compose.override.yaml',
  'compose.override.yml',
  'docker-compose.override.yaml',
  'docker-compose.override.yml',
];

/** True for `compose.yaml`, `docker-compose.yml`, their overrides and `-f` variants such as `docker-compose.prod.yml`. */
export function isComposeName(rel: string): boolean {
  return /^(docker-)?compose(\.[\w.-]+)?\.ya?ml$/.test(path.posix.basename(rel));
}

/** What the loader needs from the audit context. */
export interface ComposeSource {
  files(): Promise<RepoFile[]>;
  read(file: RepoFile | string): Promise<TextFile>;
}

interface LoadedFile {
  root?: YamlMapNode;
  error?: { message: string; line: number };
  unreadable?: string;
}

/** Loads every Compose project under the root. */
export async function loadComposeProjects(source: ComposeSource): Promise<ComposeSet> {
  const all = await source.files();
  const known = new Set(all.map((f) => f.path));
  const composeFiles = all.filter((f) => isComposeName(f.path)).map((f) => f.path);
  const errors: ComposeSet['errors'] = [];
  const unreadable: ComposeSet['unreadable'] = [];
  const envCache = new Map<string, Promise<Map<string, string>>>();
  const fileCache = new Map<string, Promise<LoadedFile>>();

  const envOf = (dir: string): Promise<Map<string, string>> => {
    let cached = envCache.get(dir);
    if (!cached) {
      cached = (async () => {
        const rel = dir === '.' ? '.env' : `${dir}/.env`;
        if (!known.has(rel)) return new Map<string, string>();
        const text = await source.read(rel);
        if (text.kind !== 'text') return new Map<string, string>();
        return new Map([...envValues(parseEnvFile(text.text))].map(([k, e]) => [k, e.value]));
      })();
      envCache.set(dir, cached);
    }
    return cached;
  };

  const reported = new Set<string>();
  const envIds = new Map<Map<string, string>, number>();
  const loadFile = (rel: string, env: Map<string, string>, unset: Set<string>): Promise<LoadedFile> => {
    if (!envIds.has(env)) envIds.set(env, envIds.size);
    const cacheKey = `${rel}\0${envIds.get(env)}`;
    let cached = fileCache.get(cacheKey);
    if (!cached) {
      cached = (async (): Promise<LoadedFile> => {
        const text = await source.read(rel);
        if (text.kind === 'unreadable') return { unreadable: text.error };
        if (text.kind !== 'text') return { error: { message: `not a text file (${text.kind})`, line: 1 } };
        const parsed = parseYamlTree(text.text, rel);
        if (!parsed.ok) return { error: { message: parsed.message, line: parsed.line } };
        if (!parsed.root) return {};
        if (parsed.root.kind !== 'map')
          return { error: { message: 'the top level is not a mapping', line: 1 } };
        return { root: interpolateTree(parsed.root, env, unset) as YamlMapNode };
      })();
      fileCache.set(cacheKey, cached);
    }
    return cached.then((loaded) => {
      if (!reported.has(rel)) {
        reported.add(rel);
        if (loaded.error) errors.push({ file: rel, ...loaded.error });
        if (loaded.unreadable) unreadable.push({ file: rel, error: loaded.unreadable });
      }
      return loaded;
    });
  };

  // Group files by directory, then form projects: base + override, and base + each variant.
  const byDir = new Map<string, string[]>();
  for (const f of composeFiles) {
    const dir = path.posix.dirname(f);
    byDir.set(dir, [...(byDir.get(dir) ?? []), f]);
  }
  const groups: string[][] = [];
  for (const [dir, files] of byDir) {
    const names = new Set(files.map((f) => path.posix.basename(f)));
    const at = (name: string): string => (dir === '.' ? name : `${dir}/${name}`);
    const bases = COMPOSE_BASE_NAMES.filter((n) => names.has(n));
    const override = COMPOSE_OVERRIDE_NAMES.find((n) => names.has(n));
    const variants = [...names].filter(
      (n) => !COMPOSE_BASE_NAMES.includes(n) && !COMPOSE_OVERRIDE_NAMES.includes(n),
    );
    const [base, ...otherBases] = bases;
    if (base) {
      groups.push(override ? [at(base), at(override)] : [at(base)]);
      for (const other of otherBases) groups.push([at(other)]);
      for (const v of variants.sort()) groups.push([at(base), at(v)]);
    } else {
      if (override) groups.push([at(override)]);
      for (const v of variants.sort()) groups.push([at(v)]);
    }
  }

  const projects: ComposeProject[] = [];
  for (const files of groups) {
    const dir = path.posix.dirname(files[0] as string);
    const env = await envOf(dir);
    const unset = new Set<string>();
    const services = new Map<string, ComposeService>();
    for (const file of files) {
      const loaded = await loadFile(file, env, unset);
      const list = loaded.root?.entries.get('services')?.value;
      if (list?.kind !== 'map') continue;
      for (const [name, entry] of list.entries) {
        if (entry.value.kind !== 'map') continue;
        const resolved = await resolveExtends(entry.value, file, name, env, unset, loadFile, known, 0);
        const previous = services.get(name);
        services.set(name, {
          name,
          node: previous ? mergeComposeMaps(previous.node, resolved) : resolved,
          definedAt: previous?.definedAt ?? { file, line: entry.keyLine },
        });
      }
    }
    projects.push({ dir, files, services: [...services.values()], unset: [...unset].sort() });
  }
  return { projects, errors, unreadable };
}

type FileLoader = (rel: string, env: Map<string, string>, unset: Set<string>) => Promise<LoadedFile>;

/** Follows `extends` (same file or another file in the repository), depth-limited against cycles. */
async function resolveExtends(
  service: YamlMapNode,
  file: string,
  name: string,
  env: Map<string, string>,
  unset: Set<string>,
  loadFile: FileLoader,
  known: ReadonlySet<string>,
  depth: number,
): Promise<YamlMapNode> {
  const ext = service.entries.get('extends')?.value;
  if (!ext || depth > 10) return service;
  let baseName: string | undefined;
  let baseFile = file;
  if (ext.kind === 'scalar') baseName = String(ext.value ?? '');
  else if (ext.kind === 'map') {
    const s = ext.entries.get('service')?.value;
    const f = ext.entries.get('file')?.value;
    if (s?.kind === 'scalar') baseName = String(s.value ?? '');
    if (f?.kind === 'scalar' && f.value) {
      baseFile = path.posix.normalize(path.posix.join(path.posix.dirname(file), String(f.value)));
    }
  }
  const rest: YamlMapNode = {
    ...service,
    entries: new Map([...service.entries].filter(([k]) => k !== 'extends')),
  };
  if (!baseName || !known.has(baseFile) || (baseFile === file && baseName === name && depth === 0))
    return rest;
  const loaded = await loadFile(baseFile, env, unset);
  const baseEntry = loaded.root?.entries.get('services')?.value;
  const base = baseEntry?.kind === 'map' ? baseEntry.entries.get(baseName)?.value : undefined;
  if (base?.kind !== 'map') return rest;
  const resolvedBase = await resolveExtends(base, baseFile, baseName, env, unset, loadFile, known, depth + 1);
  return mergeComposeMaps(resolvedBase, rest);
}

/** Interpolates every string scalar of a tree with the project's `.env`. */
function interpolateTree(node: YamlNode, env: ReadonlyMap<string, string>, unset: Set<string>): YamlNode {
  if (node.kind === 'scalar') {
    if (typeof node.value !== 'string' || !node.value.includes('$')) return node;
    const r = interpolateCompose(node.value, env);
    for (const u of r.unset) unset.add(u);
    return { ...node, value: r.value };
  }
  if (node.kind === 'seq') return { ...node, items: node.items.map((i) => interpolateTree(i, env, unset)) };
  const entries = new Map(
    [...node.entries].map(([k, e]) => [k, { ...e, value: interpolateTree(e.value, env, unset) }] as const),
  );
  return { ...node, entries };
}

/** The shared fact: every Compose project of the audited repository, merged once. */
export const composeProjectsFact = defineFact('compose-projects', (ctx) => loadComposeProjects(ctx));
