// nginx configurations in a repository: discovery by name and content, includes resolved, one tree per top file.
import { statSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { defineFact } from '../../audit/check.js';
import type { RepoFile } from '../discovery.js';
import type { TextFile } from '../text.js';
import { effectiveChildren, type NginxDirective, parseNginx, walkNginx } from './parser.js';

/** What the loader needs from the audit context (a subset, so tools and benchmarks can call it directly). */
export interface NginxSource {
  files(): Promise<RepoFile[]>;
  read(file: RepoFile | string): Promise<TextFile>;
}

/** One parsed nginx file. */
export interface NginxFile {
  /** Posix path relative to the root. */
  path: string;
  directives: NginxDirective[];
  /** Set when the file is not valid nginx syntax. */
  error?: { message: string; line: number };
}

/**
 * How a top-level file is used: `main` holds `http`/`events` (an nginx.conf), `http` holds `server` blocks at
 * its top (a conf.d file, included inside `http`), `snippet` holds only directives meant for an include.
 */
export type NginxRootKind = 'main' | 'http' | 'snippet';

/** A file no other configuration includes, with its includes expanded. */
export interface NginxRoot {
  file: string;
  kind: NginxRootKind;
  directives: NginxDirective[];
}

/** An `include` whose target is not in the repository (a host file such as mime.types, or a typo). */
export interface UnresolvedInclude {
  file: string;
  line: number;
  pattern: string;
}

/** Every nginx configuration found under the root. */
export interface NginxConfigSet {
  /** Parsed files by path, includes pulled in as well. */
  files: Map<string, NginxFile>;
  roots: NginxRoot[];
  /** Files that did not parse: one finding each. */
  errors: Array<{ file: string; line: number; message: string }>;
  unresolved: UnresolvedInclude[];
  /** Files named like nginx configuration (or included by one) that could not be read. */
  unreadable: Array<{ file: string; error: string }>;
}

const NGINX_DIR_SEGMENTS = new Set([
  'conf.d',
  'sites-available',
  'sites-enabled',
  'snippets',
  'vhosts.d',
  'http.d',
]);
const NOT_NGINX_EXT =
  /\.(md|rst|txt|py|pyc|pyi|js|mjs|cjs|ts|tsx|jsx|json|ya?ml|toml|ini|cfg|sh|bash|pem|crt|cer|key|csr|p12|pfx|der|html?|css|png|jpe?g|gif|svg|ico|gz|tgz|zip|log|env|lua|sql|db|sqlite3?|lock|xml|csv|map|woff2?|ttf|pdf|so|whl|jar|go|rs|c|h|rb|php|java)$/i;
/** Templates (Jinja and friends) are not nginx until rendered; `*.conf.template` (envsubst) stays nginx. */
const TEMPLATE_EXT = /\.(j2|jinja2?|tmpl|tpl)$|(?<!\.conf)\.template$/i;
/** Files read to look for nginx by content when neither their name nor their place says so. */
const SNIFF_MAX_BYTES = 64 * 1024;
/** A top-level `server {` or `http {` line, what a vhost file without a .conf name starts with. */
const NGINX_TOP_LINE = /^(http|server)\s*\{/m;

/** True for a file that may be nginx configuration by content: a small file with no telling extension. */
function isSniffCandidate(file: RepoFile): boolean {
  const base = path.posix.basename(file.path);
  if (base.startsWith('.') || NOT_NGINX_EXT.test(base) || TEMPLATE_EXT.test(base)) return false;
  if (/^(Docker|Container)file/i.test(base) || /\.(Docker|Container)file$/i.test(base)) return false;
  try {
    return statSync(file.abs).size <= SNIFF_MAX_BYTES;
  } catch {
    return false;
  }
}

/** True for a file whose name or place says it is nginx configuration (parse errors are reported for these). */
export function isStrongNginxCandidate(rel: string): boolean {
  const base = path.posix.basename(rel);
  if (base.startsWith('.') || NOT_NGINX_EXT.test(base) || TEMPLATE_EXT.test(base)) return false;
  if (/^(Docker|Container)file/i.test(base)) return false;
  if (base === 'nginx.conf' || /\.nginx$/i.test(base) || /\.conf\.template$/i.test(base)) return true;
  const dirs = rel.split('/').slice(0, -1);
  return dirs.some((d) => NGINX_DIR_SEGMENTS.has(d) || /nginx/i.test(d));
}

/** True for a file worth parsing to see whether it is nginx configuration (`*.conf` anywhere). */
export function isWeakNginxCandidate(rel: string): boolean {
  const base = path.posix.basename(rel);
  return /\.conf$/i.test(base) && !base.startsWith('.');
}

const TOP_BLOCKS = new Set(['http', 'server', 'events', 'upstream', 'stream', 'location', 'map', 'mail']);
/** Text that reads as nginx even when it does not parse: a block or a typical directive at a line start. */
const LOOKS_NGINX =
  /^\s*((http|server|events|upstream|location|stream)\b[^;{}\n]*\{|(listen|server_name|ssl_\w+|proxy_\w+|add_header|include|limit_req\w*|return|root)\s+\S[^\n]*;)/m;

function hasNginxShape(directives: readonly NginxDirective[]): boolean {
  return directives.some((d) => d.block !== undefined && TOP_BLOCKS.has(d.name));
}

/** Classifies a top-level file by what its top level holds (includes expanded). */
export function rootKind(directives: readonly NginxDirective[]): NginxRootKind {
  const top = [...directives];
  for (const d of directives) for (const inc of d.included ?? []) top.push(...inc.directives);
  if (top.some((d) => d.block && (d.name === 'http' || d.name === 'events'))) return 'main';
  if (top.some((d) => d.block && (d.name === 'server' || d.name === 'upstream'))) return 'http';
  return 'snippet';
}

const hasGlob = (p: string): boolean => /[*?[]/.test(p);

/**
 * Where a path written in a configuration lives in the repository, as candidates in order: nginx resolves
 * relative paths against its prefix, which a repository does not have, so the including file's directory and
 * each directory above it are tried; `/etc/nginx/...` is treated as relative to those same directories, and
 * any other absolute path as relative to the root.
 */
export function repoPathCandidates(written: string, fromFile: string): string[] {
  let rel = written;
  const out: string[] = [];
  if (rel.startsWith('/')) {
    const m = /^\/etc\/nginx\/(.+)$/.exec(rel);
    if (!m?.[1]) return [path.posix.normalize(rel.slice(1))];
    rel = m[1];
  }
  let dir = path.posix.dirname(fromFile);
  for (;;) {
    const joined = path.posix.normalize(dir === '.' ? rel : `${dir}/${rel}`);
    if (!joined.startsWith('../') && !out.includes(joined)) out.push(joined);
    if (dir === '.' || dir === '') break;
    dir = path.posix.dirname(dir);
  }
  if (written.startsWith('/')) out.push(path.posix.normalize(written.slice(1)));
  return out;
}

/** Resolves a written path (glob or not) to repository files, in nginx's order (sorted glob matches). */
export function resolveRepoPaths(written: string, fromFile: string, known: ReadonlySet<string>): string[] {
  for (const candidate of repoPathCandidates(written, fromFile)) {
    if (hasGlob(candidate)) {
      const match = picomatch(candidate, { dot: false });
      const hits = [...known].filter((f) => match(f)).sort();
      if (hits.length > 0) return hits;
    } else if (known.has(candidate)) {
      return [candidate];
    }
  }
  return [];
}

/** Loads every nginx configuration under the root. */
export async function loadNginxConfigs(source: NginxSource): Promise<NginxConfigSet> {
  const all = await source.files();
  const known = new Set(all.map((f) => f.path));
  const files = new Map<string, NginxFile>();
  const errors: NginxConfigSet['errors'] = [];
  const unresolved: UnresolvedInclude[] = [];
  const unreadable: NginxConfigSet['unreadable'] = [];

  // A file that does not parse is reported when another config includes it or its text reads as nginx;
  // anything else that happens to sit in an nginx directory (a LICENSE, an htpasswd) is not nginx at all.
  const parseFile = async (
    rel: string,
    strong: boolean,
    included = false,
  ): Promise<NginxFile | undefined> => {
    const cached = files.get(rel);
    if (cached) return cached;
    const text = await source.read(rel);
    if (text.kind === 'unreadable' && (strong || included) && !unreadable.some((u) => u.file === rel)) {
      unreadable.push({ file: rel, error: text.error });
    }
    if (text.kind !== 'text') return undefined;
    const result = parseNginx(text.text, rel);
    if (!result.ok) {
      if (!included && !LOOKS_NGINX.test(text.text)) return undefined;
      const file: NginxFile = {
        path: rel,
        directives: result.directives,
        error: { message: result.error.message, line: result.error.line },
      };
      files.set(rel, file);
      errors.push({ file: rel, line: result.error.line, message: result.error.message });
      return file;
    }
    if (result.directives.length === 0 || (!strong && !hasNginxShape(result.directives))) return undefined;
    const file: NginxFile = { path: rel, directives: result.directives };
    files.set(rel, file);
    return file;
  };

  const named = all.filter((f) => isStrongNginxCandidate(f.path) || isWeakNginxCandidate(f.path));
  const namedPaths = new Set(named.map((f) => f.path));
  const sniffed: RepoFile[] = [];
  for (const f of all) {
    if (namedPaths.has(f.path) || !isSniffCandidate(f)) continue;
    const text = await source.read(f);
    if (text.kind === 'text' && NGINX_TOP_LINE.test(text.text)) sniffed.push(f);
  }
  const candidates = [...named, ...sniffed];
  const parsed = (
    await Promise.all(candidates.map((f) => parseFile(f.path, isStrongNginxCandidate(f.path))))
  ).filter((f): f is NginxFile => f !== undefined);

  const includedFiles = new Set<string>();
  const expanding = new Set<string>();
  const expand = async (file: NginxFile): Promise<void> => {
    if (expanding.has(file.path)) return;
    expanding.add(file.path);
    for (const d of walkNginx(file.directives)) {
      if (d.name !== 'include' || d.file !== file.path || d.included) continue;
      const pattern = d.args[0]?.value;
      if (!pattern || pattern.includes('$')) continue;
      const targets = resolveRepoPaths(pattern, file.path, known).filter((t) => t !== file.path);
      if (targets.length === 0) {
        if (!hasGlob(pattern)) unresolved.push({ file: file.path, line: d.line, pattern });
        d.included = [];
        continue;
      }
      d.included = [];
      for (const target of targets) {
        // An include cycle would make nginx recurse until it runs out of files; the loop is cut here.
        if (expanding.has(target)) continue;
        const inc = await parseFile(target, true, true);
        if (!inc) continue;
        includedFiles.add(target);
        await expand(inc);
        d.included.push({ file: target, directives: inc.directives });
      }
    }
    expanding.delete(file.path);
  };
  for (const file of parsed) await expand(file);

  // A main configuration (http at its top) without events: nginx -t fails with no file or line.
  for (const file of parsed) {
    if (file.error || includedFiles.has(file.path)) continue;
    const top = effectiveChildren(file.directives);
    const http = top.find((d) => d.name === 'http' && d.block);
    if (!http || top.some((d) => d.name === 'events' && d.block)) continue;
    file.error = { message: 'no "events" section in configuration', line: http.line };
    errors.push({ file: file.path, ...file.error });
  }

  const roots: NginxRoot[] = parsed
    .filter((f) => !includedFiles.has(f.path) && !f.error)
    .map((f) => ({ file: f.path, kind: rootKind(f.directives), directives: f.directives }));
  errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  unreadable.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { files, roots, errors, unresolved, unreadable };
}

/** The shared fact: every nginx configuration of the audited repository, parsed once. */
export const nginxConfigsFact = defineFact<NginxConfigSet>('nginx-configs', (ctx) => loadNginxConfigs(ctx));
