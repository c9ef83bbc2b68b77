// Project metadata for the Python analysis: the pydantic version and the env files feeding production.
import type { AuditContext } from '../../audit/check.js';
import { envValues, parseEnvFile } from '../env-file.js';
import type { EnvFileInfo, PydanticVersion, PyModule } from './app-model.js';

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

/** The pydantic major version: lock files, then requirements, then pyproject, then the imports. */
export async function detectPydanticVersion(
  ctx: AuditContext,
  modules: readonly PyModule[],
): Promise<PydanticVersion> {
  for (const f of await ctx.glob(['poetry.lock', 'uv.lock', 'pdm.lock'])) {
    const t = await ctx.read(f);
    if (t.kind !== 'text') continue;
    const m = /name\s*=\s*"pydantic"\s*\r?\n(?:[^[]*?\n)?\s*version\s*=\s*"([^"]+)"/.exec(t.text);
    if (m?.[1]) {
      const major = majorFromSpec(`==${m[1]}`);
      return { major, spec: m[1], source: 'lock', location: { file: f.path, line: lineAt(t.text, m.index) } };
    }
  }
  for (const f of await ctx.glob(['Pipfile.lock'])) {
    const t = await ctx.read(f);
    if (t.kind !== 'text') continue;
    const m = /"pydantic"\s*:\s*\{[^}]*"version"\s*:\s*"([^"]+)"/.exec(t.text);
    if (m?.[1])
      return {
        major: majorFromSpec(m[1]),
        spec: m[1],
        source: 'lock',
        location: { file: f.path, line: lineAt(t.text, m.index) },
      };
  }
  for (const f of await ctx.glob(['requirements*.txt', 'requirements/*.txt', 'requirements*.in'])) {
    const t = await ctx.read(f);
    if (t.kind !== 'text') continue;
    const lines = t.text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const m = /^\s*pydantic(?:\[[^\]]*\])?\s*([<>=!~^][^#;]*)?(?:[#;].*)?$/i.exec(lines[i] ?? '');
      if (!m) continue;
      const spec = (m[1] ?? '').trim();
      return {
        major: spec ? majorFromSpec(spec) : undefined,
        spec,
        source: 'requirements',
        location: { file: f.path, line: i + 1 },
      };
    }
  }
  for (const f of await ctx.glob(['pyproject.toml', 'Pipfile'])) {
    const t = await ctx.read(f);
    if (t.kind !== 'text') continue;
    const m =
      /^\s*pydantic\s*=\s*(?:"([^"]+)"|\{[^}]*version\s*=\s*"([^"]+)")/m.exec(t.text) ??
      /["']pydantic(?:\[[^\]]*\])?\s*([<>=!~^][^"';]*)["']/.exec(t.text);
    if (m) {
      const spec = (m[1] ?? m[2] ?? '').trim();
      return {
        major: majorFromSpec(spec),
        spec,
        source: 'pyproject',
        location: { file: f.path, line: lineAt(t.text, m.index) },
      };
    }
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
