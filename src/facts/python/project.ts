// Project metadata for the Python analysis: the pydantic and FastAPI versions and the env files feeding production.
import type { AuditContext } from '../../audit/check.js';
import { envValues, parseEnvFile } from '../env-file.js';
import type { EnvFileInfo, FastapiVersion, PydanticVersion, PyModule } from './app-model.js';

const PRODUCTION_ENV = /^(?:\.env\.(?:prod|production)(?:\..+)?|(?:prod|production)\.env)$/i;
const EXAMPLE_ENV = /(?:example|sample|template|dist|defaults?)$/i;

/** Reads the env files of the repo; `refs` are files that production deployments name. */
export async function readEnvFiles(ctx: AuditContext, refs: readonly string[]): Promise<EnvFileInfo[]> {
  const files = await ctx.glob(['.env', '.env.*', '*.env']);
  const out: EnvFileInfo[] = [];
  const refBases = new Set(refs.map((r) => r.split('/').pop() ?? r));
  for (const f of files) {
    const base = f.path.split('/').pop() ?? f.path;
    if (EXAMPLE_ENV.test(base)) continue;
    const text = await ctx.read(f);
    if (text.kind !== 'text') continue;
    const parsed = parseEnvFile(text.text);
    const production =
      PRODUCTION_ENV.test(base) ||
      refs.includes(f.path) ||
      (refBases.has(base) && base !== '.env') ||
      (refs.includes(base) && base === '.env');
    out.push({ file: f.path, production, entries: parsed.entries, values: envValues(parsed) });
  }
  // Production files first, so the first hit of a lookup is the production value.
  out.sort((a, b) => Number(b.production) - Number(a.production));
  return out;
}

function majorFromSpec(spec: string): 1 | 2 | undefined {
  const s = spec.replace(/\s+/g, '');
  const pick = (n: number) => (n === 1 || n === 2 ? n : undefined);
  const pinned = /(?:===?|~=|\^|~)v?(\d+)/.exec(s) ?? /^v?(\d+)(?:\.\d+)*$/.exec(s);
  if (pinned) return pick(Number(pinned[1]));
  const upper = /<(=?)(\d+)(?:\.(\d+))?/.exec(s);
  const lower = />=?(\d+)/.exec(s);
  if (upper) {
    const major = Number(upper[2]);
    const max = upper[1] === '' && Number(upper[3] ?? '0') === 0 ? major - 1 : major;
    if (!lower || Number(lower[1]) === max) return pick(max);
    return undefined;
  }
  // Only a lower bound: pip installs the newest release, which is v2 once the bound says so.
  if (lower) return Number(lower[1]) >= 2 ? 2 : undefined;
  return undefined;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** A package's declared version: the spec as written (a lock file's exact version), and where. */
interface DeclaredVersion {
  spec: string;
  /** The spec as reported: a poetry/uv/pdm lock's bare version (`2.5.3`). */
  shown: string;
  source: 'lock' | 'requirements' | 'pyproject';
  location: { file: string; line: number };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A package's version from lock files, then requirements, then pyproject/Pipfile (first found wins). */
async function declaredVersion(ctx: AuditContext, pkg: string): Promise<DeclaredVersion | undefined> {
  const name = escapeRegExp(pkg);
  for (const f of await ctx.glob(['poetry.lock', 'uv.lock', 'pdm.lock'])) {
    const t = await ctx.read(f);
    if (t.kind !== 'text') continue;
    const m = new RegExp(`name\\s*=\\s*"${name}"\\s*\\r?\\n(?:[^[]*?\\n)?\\s*version\\s*=\\s*"([^"]+)"`).exec(
      t.text,
    );
    if (m?.[1])
      return {
        spec: `==${m[1]}`,
        shown: m[1],
        source: 'lock',
        location: { file: f.path, line: lineAt(t.text, m.index) },
      };
  }
  for (const f of await ctx.glob(['Pipfile.lock'])) {
    const t = await ctx.read(f);
    if (t.kind !== 'text') continue;
    const m = new RegExp(`"${name}"\\s*:\\s*\\{[^}]*"version"\\s*:\\s*"([^"]+)"`).exec(t.text);
    if (m?.[1])
      return {
        spec: m[1],
        shown: m[1],
        source: 'lock',
        location: { file: f.path, line: lineAt(t.text, m.index) },
      };
  }
  for (const f of await ctx.glob(['requirements*.txt', 'requirements/*.txt', 'requirements*.in'])) {
    const t = await ctx.read(f);
    if (t.kind !== 'text') continue;
    const lines = t.text.split(/\r?\n/);
    const line = new RegExp(`^\\s*${name}(?:\\[[^\\]]*\\])?\\s*([<>=!~^][^#;]*)?(?:[#;].*)?$`, 'i');
    for (let i = 0; i < lines.length; i++) {
      const m = line.exec(lines[i] ?? '');
      if (!m) continue;
      const spec = (m[1] ?? '').trim();
      return { spec, shown: spec, source: 'requirements', location: { file: f.path, line: i + 1 } };
    }
  }
  for (const f of await ctx.glob(['pyproject.toml', 'Pipfile'])) {
    const t = await ctx.read(f);
    if (t.kind !== 'text') continue;
    const m =
      new RegExp(`^\\s*${name}\\s*=\\s*(?:"([^"]+)"|\\{[^}]*version\\s*=\\s*"([^"]+)")`, 'm').exec(t.text) ??
      new RegExp(`["']${name}(?:\\[[^\\]]*\\])?\\s*([<>=!~^][^"';]*)["']`).exec(t.text);
    if (m) {
      const spec = (m[1] ?? m[2] ?? '').trim();
      return {
        spec,
        shown: spec,
        source: 'pyproject',
        location: { file: f.path, line: lineAt(t.text, m.index) },
      };
    }
  }
  return undefined;
}

/** The pydantic major version: lock files, then requirements, then pyproject, then the imports. */
export async function detectPydanticVersion(
  ctx: AuditContext,
  modules: readonly PyModule[],
): Promise<PydanticVersion> {
  const declared = await declaredVersion(ctx, 'pydantic');
  if (declared) {
    return {
      major: declared.spec ? majorFromSpec(declared.spec) : undefined,
      spec: declared.shown,
      source: declared.source,
      location: declared.location,
    };
  }
  // No declared version: the imports tell v2 (pydantic_settings, field_validator) from v1 (BaseSettings in pydantic).
  for (const m of modules) {
    for (const list of m.bindings.values()) {
      for (const b of list) {
        if (b.kind !== 'import-from' && b.kind !== 'import-module') continue;
        const mod = b.module;
        const imported = b.kind === 'import-from' ? b.imported : '';
        if (
          mod === 'pydantic_settings' ||
          (mod === 'pydantic' &&
            ['field_validator', 'model_validator', 'ConfigDict', 'field_serializer'].includes(imported))
        ) {
          return { major: 2, source: 'imports', location: { file: b.file, line: b.line } };
        }
        if (mod === 'pydantic' && imported === 'BaseSettings') {
          return { major: 1, source: 'imports', location: { file: b.file, line: b.line } };
        }
      }
    }
  }
  return { major: undefined, source: 'unknown' };
}

function versionParts(v: string): number[] {
  return v.split('.').map((n) => Number.parseInt(n, 10) || 0);
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Whether every version a spec lets pip or poetry install is at least `min` (true), every one is below
 * it (false), or it depends (undefined). Only a lower bound installs the newest release, which is.
 */
export function specAtLeast(spec: string, min: readonly number[]): boolean | undefined {
  let lower: number[] | undefined;
  let upper: { v: number[]; inclusive: boolean } | undefined;
  const clauses = spec
    .replace(/\s+/g, '')
    .split(',')
    .filter((c) => c !== '');
  if (clauses.length === 0) return undefined;
  for (const clause of clauses) {
    const m = /^(===|==|~=|>=|<=|!=|>|<|\^|~)?v?(\d+(?:\.\d+)*)(\.\*)?$/.exec(clause);
    if (!m) return undefined;
    const op = m[1] ?? '==';
    const v = versionParts(m[2] ?? '0');
    if (op === '!=') continue;
    if ((op === '==' || op === '===') && !m[3]) return compareVersions(v, min) >= 0;
    if (op === '==' || op === '~=' || op === '^' || op === '~') {
      lower = v;
      // The first component that may not change, counted from the spec's own precision.
      let keep: number;
      if (op === '==') keep = v.length;
      else if (op === '~=') keep = Math.max(1, v.length - 1);
      else if (op === '~') keep = Math.min(2, v.length);
      else {
        const first = v.findIndex((n) => n !== 0);
        keep = first === -1 ? v.length : first + 1;
      }
      const next = v.slice(0, keep);
      next[keep - 1] = (next[keep - 1] ?? 0) + 1;
      upper = { v: next, inclusive: false };
    } else if (op === '>=' || op === '>') lower = v;
    else upper = { v, inclusive: op === '<=' };
  }
  if (lower && compareVersions(lower, min) >= 0) return true;
  if (!upper) return lower ? true : undefined;
  const c = compareVersions(upper.v, min);
  if (c < 0 || (c === 0 && !upper.inclusive)) return false;
  return undefined;
}

/** FastAPI runs app, router and include_router dependencies for websocket routes from this release on. */
const WEBSOCKET_DEPENDENCIES_SINCE = [0, 97, 0];

/** The FastAPI version the project declares, and whether it runs inherited dependencies for websocket routes. */
export async function detectFastapiVersion(ctx: AuditContext): Promise<FastapiVersion> {
  const declared = await declaredVersion(ctx, 'fastapi');
  if (!declared) return { source: 'unknown', websocketDependencies: undefined };
  return {
    spec: declared.shown,
    source: declared.source,
    location: declared.location,
    websocketDependencies: declared.spec
      ? specAtLeast(declared.spec, WEBSOCKET_DEPENDENCIES_SINCE)
      : undefined,
  };
}
