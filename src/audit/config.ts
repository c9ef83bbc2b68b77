// `.tradesecrc`: INI configuration of an audit, validated before any check runs.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseIni } from 'ini';
import { describeFsError } from '../facts/text.js';
import { ConfigError } from './errors.js';
import { parseSeverity } from './severity.js';
import type { Severity } from './types.js';

/** Default name of the configuration file in the audited directory. */
export const CONFIG_FILE = '.tradesecrc';

/** An ignore from the configuration: a rule (and optionally paths) with a mandatory reason. */
export interface ConfigIgnore {
  /** Section label, for messages. */
  name: string;
  /** Full rule id (`container/root-user`) or a check id (every rule of it). */
  rule: string;
  /** Globs of files it applies to; empty means every file. */
  paths: string[];
  reason: string;
  /** YYYY-MM-DD, inclusive. */
  expires?: string;
  /** 1-based line of the section header. */
  line: number;
}

/** The configuration of one audit. */
export interface AuditConfig {
  /** Path of the file it was read from, or undefined for defaults. */
  file?: string;
  failOn: Severity;
  only: string[];
  skip: string[];
  exclude: string[];
  inlineIgnores: boolean;
  severity: Map<string, Severity>;
  plugins: string[];
  ignores: ConfigIgnore[];
  /** Per-check sections, keyed by check id. */
  sections: Map<string, Record<string, string>>;
}

const TOP_KEYS = new Set(['fail-on', 'only', 'skip', 'exclude', 'inline-ignores']);
const RESERVED_SECTIONS = new Set(['severity', 'plugins', 'ignore']);

/** The configuration used when no file is present. */
export function defaultConfig(): AuditConfig {
  return {
    failOn: 'medium',
    only: [],
    skip: [],
    exclude: [],
    inlineIgnores: true,
    severity: new Map(),
    plugins: [],
    ignores: [],
    sections: new Map(),
  };
}

/** Splits a comma- or whitespace-separated list. */
export function splitList(value: unknown): string[] {
  const items = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
  return items.flatMap((v) => v.split(/[,\s]+/)).filter(Boolean);
}

/**
 * Loads the configuration: `explicit` must exist; otherwise `.tradesecrc` in `root` is read when present.
 * Throws ConfigError for anything malformed (malformed ignores fail closed).
 */
export async function loadConfig(root: string, explicit?: string, cwd = process.cwd()): Promise<AuditConfig> {
  const file = explicit ? path.resolve(cwd, explicit) : path.join(root, CONFIG_FILE);
  const shown = explicit ?? CONFIG_FILE;
  let text: string;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new ConfigError(shown, 'not a regular file');
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return defaultConfig();
    throw new ConfigError(shown, `cannot read configuration: ${describeFsError(err)}`);
  }
  return parseConfig(text, shown);
}

/**
 * ini keeps the last of two assignments of a key, so a second `fail-on` (or a repeated section's setting)
 * would silently win over the first: refuse it, as unknown keys are refused. `key[] =` lines are lists.
 */
function assertNoDuplicateKeys(lines: readonly string[], shown: string): void {
  let section = '';
  const seen = new Map<string, number>();
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith(';') || t.startsWith('#')) return;
    const header = /^\[(.*)\]$/.exec(t);
    if (header) {
      section = (header[1] ?? '').trim();
      return;
    }
    const eq = t.indexOf('=');
    const key = (eq === -1 ? t : t.slice(0, eq)).trim();
    if (key.endsWith('[]')) return;
    const id = `${section}\0${key}`;
    const first = seen.get(id);
    if (first !== undefined) {
      const where = section ? ` in [${section}]` : '';
      throw new ConfigError(
        shown,
        `${key} is set twice${where} (lines ${first} and ${i + 1}): keep one`,
        i + 1,
      );
    }
    seen.set(id, i + 1);
  });
}

/** Parses configuration text; `shown` names the file in error messages. */
export function parseConfig(text: string, shown: string): AuditConfig {
  const lines = text.split(/\r?\n/);
  const lineOf = (pattern: RegExp): number | undefined => {
    const i = lines.findIndex((l) => pattern.test(l));
    return i === -1 ? undefined : i + 1;
  };
  const keyLine = (key: string) => lineOf(new RegExp(`^\\s*${escapeRe(key)}(\\[\\])?\\s*=`));
  const sectionLine = (name: string) => lineOf(new RegExp(`^\\s*\\[\\s*${escapeRe(name)}\\s*\\]`));
  assertNoDuplicateKeys(lines, shown);
  const raw = parseIni(text) as Record<string, unknown>;
  const config: AuditConfig = { ...defaultConfig(), file: shown };

  for (const [key, value] of Object.entries(raw)) {
    if (isSection(value)) continue;
    if (!TOP_KEYS.has(key)) throw new ConfigError(shown, `unknown setting "${key}"`, keyLine(key));
    const str = Array.isArray(value) ? value.join(',') : String(value);
    switch (key) {
      case 'fail-on': {
        const s = parseSeverity(str);
        if (!s) throw new ConfigError(shown, `fail-on must be a severity, not "${str}"`, keyLine(key));
        config.failOn = s;
        break;
      }
      case 'only':
        config.only = splitList(value);
        break;
      case 'skip':
        config.skip = splitList(value);
        break;
      case 'exclude':
        config.exclude = splitList(value);
        break;
      case 'inline-ignores':
        config.inlineIgnores = parseBool(
          str,
          () => new ConfigError(shown, 'inline-ignores must be true or false', keyLine(key)),
        );
        break;
    }
  }

  for (const [name, value] of Object.entries(raw)) {
    if (!isSection(value)) continue;
    if (name === 'severity') {
      for (const [k, v] of Object.entries(value)) {
        const s = parseSeverity(String(v));
        if (!s)
          throw new ConfigError(
            shown,
            `severity of "${k}" must be critical, high, medium, low or info`,
            keyLine(k),
          );
        config.severity.set(k, s);
      }
    } else if (name === 'plugins') {
      for (const [k, v] of Object.entries(value)) {
        if (k !== 'modules') throw new ConfigError(shown, `unknown setting "${k}" in [plugins]`, keyLine(k));
        config.plugins.push(...splitList(v));
      }
    } else if (name === 'ignore') {
      for (const [label, body] of Object.entries(value)) {
        const line = sectionLine(`ignore.${label}`) ?? 0;
        if (!isSection(body))
          throw new ConfigError(shown, `ignores are sections: [ignore.${label}]`, keyLine(label));
        config.ignores.push(parseIgnore(label, body, shown, line));
      }
    } else if (!RESERVED_SECTIONS.has(name)) {
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(value)) {
        if (isSection(v))
          throw new ConfigError(shown, `unexpected section [${name}.${k}]`, sectionLine(`${name}.${k}`));
        flat[k] = Array.isArray(v) ? v.join(',') : String(v);
      }
      config.sections.set(name, flat);
    }
  }
  return config;
}

function parseIgnore(
  label: string,
  body: Record<string, unknown>,
  shown: string,
  line: number,
): ConfigIgnore {
  const allowed = new Set(['rule', 'path', 'paths', 'reason', 'expires']);
  for (const k of Object.keys(body)) {
    if (!allowed.has(k)) throw new ConfigError(shown, `unknown setting "${k}" in [ignore.${label}]`, line);
  }
  const rule = typeof body.rule === 'string' ? body.rule.trim() : '';
  if (!rule) throw new ConfigError(shown, `[ignore.${label}] needs "rule"`, line);
  const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
  if (!reason) throw new ConfigError(shown, `[ignore.${label}] needs a "reason"`, line);
  const ignore: ConfigIgnore = {
    name: label,
    rule,
    paths: [...splitList(body.path), ...splitList(body.paths)],
    reason,
    line,
  };
  if (body.expires !== undefined) {
    const e = String(body.expires).trim();
    if (!isValidDate(e))
      throw new ConfigError(shown, `[ignore.${label}] expires must be a date YYYY-MM-DD, not "${e}"`, line);
    ignore.expires = e;
  }
  return ignore;
}

/** True for a real calendar date written YYYY-MM-DD. */
export function isValidDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(value);
}

/** True when an ignore expiring on `expires` (inclusive) no longer applies on `today`. */
export function isExpired(expires: string | undefined, today: Date): boolean {
  if (!expires) return false;
  return today.toISOString().slice(0, 10) > expires;
}

function parseBool(value: string, fail: () => Error): boolean {
  if (/^(true|yes|on|1)$/i.test(value)) return true;
  if (/^(false|no|off|0)$/i.test(value)) return false;
  throw fail();
}

function isSection(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
