// The examination of parsed env files: required keys, strength, reuse, rotation, example files.
import { type EnvEntry, type EnvFile, envValues, type FindingInput } from '../../src/index.js';
import { isSecretName, isUnexaminable, previousOf } from './names.js';
import { assessStrength, isPlaceholder, isPublishedKey, isUuid, shownFingerprint } from './strength.js';

/** The check's settings after validation. */
export interface SecretsOptions {
  requiredKeys: string[];
  maxAgeDays: number;
  graceDays: number;
  minBytes: number;
}

/** One env file, parsed, with its effective assignments (the last of each key wins). */
export interface ParsedEnv {
  path: string;
  parsed: EnvFile;
  /** Effective assignments, references to keys of the same file resolved as dotenv-expand does. */
  effective: Map<string, EnvEntry>;
  /** Keys whose value is a reference to a variable the file does not define, with the variable. */
  unresolved: Map<string, string>;
}

// `${NAME}`, `${NAME:-default}`, `${NAME-default}` and `$NAME`, the whole value (dotenv-expand's forms).
const REFERENCE = /^\$\{([A-Za-z_]\w*)(?::?-([^}]*))?\}$|^\$([A-Za-z_]\w*)$/;
/** Chains of references longer than this are left unresolved (a loop, or a crafted file). */
const MAX_REFERENCE_DEPTH = 8;

/** Parses one env file's text, resolving whole-value references to keys defined in the same file. */
export function parsedEnv(path: string, parsed: EnvFile): ParsedEnv {
  const raw = envValues(parsed);
  const effective = new Map<string, EnvEntry>();
  const unresolved = new Map<string, string>();
  for (const [key, entry] of raw) {
    const r = resolveReference(entry.value, raw);
    if (r.unresolved !== undefined) unresolved.set(key, r.unresolved);
    effective.set(key, r.value === entry.value ? entry : { ...entry, value: r.value });
  }
  return { path, parsed, effective, unresolved };
}

function resolveReference(
  value: string,
  entries: ReadonlyMap<string, EnvEntry>,
): { value: string; unresolved?: string } {
  let current = value;
  let name = '';
  for (let depth = 0; depth < MAX_REFERENCE_DEPTH; depth++) {
    const m = REFERENCE.exec(current.trim());
    if (!m) return { value: current };
    name = m[1] ?? m[3] ?? '';
    const target = entries.get(name);
    if (target) current = target.value;
    else if (m[2] !== undefined) return { value: m[2] };
    else return { value: current, unresolved: `${name}, which the file does not define` };
  }
  // Only variable names go into the text: `current` may by now be the literal secret at the end of the chain.
  return {
    value: current,
    unresolved: `${name} through more than ${MAX_REFERENCE_DEPTH} references (a loop, or too long a chain)`,
  };
}

/** What one value turned out to be; only `ok` and `weak`/`uuid` values are real secrets worth tracing. */
export type Verdict = 'published' | 'placeholder' | 'uuid' | 'weak' | 'ok' | 'unexamined';

/** The verdict on a secret-named value (or a published key under any name). */
export function verdictOf(key: string, value: string, minBytes: number): Verdict {
  if (isUnexaminable(value)) return 'unexamined';
  if (isPublishedKey(value)) return 'published';
  if (!isSecretName(key)) return 'unexamined';
  if (isPlaceholder(value)) return 'placeholder';
  if (isUuid(value)) return 'uuid';
  return assessStrength(value, minBytes).weakness ? 'weak' : 'ok';
}

/** True for values that are real keys, so that reuse and exposure of them matter. */
export function isTraceable(verdict: Verdict): boolean {
  return verdict === 'ok' || verdict === 'weak' || verdict === 'uuid';
}

const DAY_MS = 86_400_000;

/** Findings about each production env file on its own. */
export function examineProductionEnv(env: ParsedEnv, options: SecretsOptions, now: Date): FindingInput[] {
  const findings: FindingInput[] = [];
  const file = env.path;
  for (const [key, variable] of env.unresolved) {
    const entry = env.effective.get(key);
    if (!entry || !(isSecretName(key) || options.requiredKeys.includes(key))) continue;
    findings.push({
      rule: 'unresolved-reference',
      file,
      line: entry.line,
      message: `${key} in ${file} is a reference to ${variable}: the value is not examined`,
      evidence: `${key} references ${variable}`,
      secrets: [entry.value],
    });
  }
  for (const key of options.requiredKeys) {
    const entry = env.effective.get(key);
    if (!entry) {
      findings.push({
        rule: 'missing-key',
        file,
        message: `${file} does not set ${key}`,
        evidence: `${key} missing`,
      });
    } else if (entry.value.trim() === '') {
      findings.push({
        rule: 'missing-key',
        file,
        line: entry.line,
        message: `${key} in ${file} is empty`,
        evidence: `${key} empty`,
      });
    }
  }
  for (const entry of env.effective.values()) {
    const verdict = verdictOf(entry.key, entry.value, options.minBytes);
    findings.push(...examineValue(env, entry, verdict, options));
    findings.push(...examineRotation(env, entry, verdict, options, now));
  }
  return findings;
}

function examineValue(
  env: ParsedEnv,
  entry: EnvEntry,
  verdict: Verdict,
  options: SecretsOptions,
): FindingInput[] {
  const { key, value, line } = entry;
  const fp = shownFingerprint(value);
  const base = { file: env.path, line, secrets: [value], evidence: `${key} ${fp}` };
  const where = `${key} in ${env.path}${overrides(env, entry)}`;
  switch (verdict) {
    case 'published':
      return [
        {
          ...base,
          rule: 'published-key',
          message: `${where} is one of the two keys the hardening guide published (${fp}): anyone who read the guide has it`,
        },
      ];
    case 'placeholder':
      return [
        {
          ...base,
          rule: 'placeholder',
          message: `${where} holds a placeholder (${fp}), not a generated secret`,
        },
      ];
    case 'uuid':
      return [
        {
          ...base,
          rule: 'uuid-key',
          message: `${where} is a UUID (${fp}): at most 122 random bits in a format made for uniqueness, not secrecy`,
        },
      ];
    case 'weak': {
      const weakness = assessStrength(value, options.minBytes).weakness ?? 'too little entropy';
      return [{ ...base, rule: 'weak-key', message: `${where} is weak (${fp}): ${weakness}` }];
    }
    default:
      return [];
  }
}

// When a key is assigned twice, the last assignment wins: say so, since the earlier one may look fine.
function overrides(env: ParsedEnv, entry: EnvEntry): string {
  const earlier = env.parsed.entries
    .filter((e) => e.key === entry.key && e.line < entry.line)
    .map((e) => e.line);
  if (earlier.length === 0) return '';
  return ` (line ${entry.line}, which overrides the assignment on line ${earlier.join(', ')})`;
}

function examineRotation(
  env: ParsedEnv,
  entry: EnvEntry,
  verdict: Verdict,
  options: SecretsOptions,
  now: Date,
): FindingInput[] {
  const { key, value, line } = entry;
  if (!isSecretName(key) || verdict === 'unexamined') return [];
  const current = previousOf(key);
  if (current !== undefined) {
    const rotatedAt = env.effective.get(current)?.rotatedAt;
    if (!rotatedAt) return [];
    const days = Math.floor((now.getTime() - rotatedAt.getTime()) / DAY_MS);
    if (days <= options.graceDays) return [];
    return [
      {
        rule: 'previous-key-kept',
        file: env.path,
        line,
        message: `${key} in ${env.path} still holds the old value of ${current} ${days} days after its rotation (grace period: ${options.graceDays} days)`,
        evidence: `${key} ${shownFingerprint(value)}`,
        secrets: [value],
      },
    ];
  }
  // A key that must be replaced anyway (weak, placeholder, published) gets no note about its age.
  if (verdict !== 'ok') return [];
  const fp = shownFingerprint(value);
  if (!entry.rotatedAt) {
    return [
      {
        rule: 'no-rotation-record',
        file: env.path,
        line,
        message: `${key} in ${env.path} has no rotation record above it, so its age cannot be told`,
        evidence: `${key} ${fp}`,
        secrets: [value],
      },
    ];
  }
  const days = Math.floor((now.getTime() - entry.rotatedAt.getTime()) / DAY_MS);
  // A day of slack for clocks and time zones; beyond that the record is wrong and the key's age unknown.
  if (days < -1) {
    return [
      {
        rule: 'future-rotation-record',
        file: env.path,
        line: line - 1,
        message: `The rotation record of ${key} in ${env.path} says ${entry.rotatedAt.toISOString().slice(0, 10)}, ${-days} days in the future, so the key's age cannot be told`,
        evidence: `${key} future record`,
      },
    ];
  }
  if (days <= options.maxAgeDays) return [];
  return [
    {
      rule: 'stale-key',
      file: env.path,
      line,
      message: `${key} in ${env.path} was last rotated on ${entry.rotatedAt.toISOString().slice(0, 10)}, ${days} days ago (limit: ${options.maxAgeDays} days)`,
      evidence: `${key} ${fp}`,
      secrets: [value],
    },
  ];
}

/** A real key somewhere: its file, key and line. */
export interface KeyLocation {
  file: string;
  key: string;
  line: number;
  value: string;
}

/** Real keys of production env files (secret-named, examinable, not placeholders or published keys). */
export function traceableKeys(envs: readonly ParsedEnv[], minBytes: number): KeyLocation[] {
  const out: KeyLocation[] = [];
  for (const env of envs) {
    for (const e of env.effective.values()) {
      if (isTraceable(verdictOf(e.key, e.value, minBytes))) {
        out.push({ file: env.path, key: e.key, line: e.line, value: e.value });
      }
    }
  }
  return out;
}

/** Assignments in other (non-production, non-example) env files whose value is one of the production keys. */
export function copiesOf(keys: readonly KeyLocation[], others: readonly ParsedEnv[]): KeyLocation[] {
  const values = new Set(keys.map((k) => k.value));
  return others.flatMap((env) =>
    [...env.effective.values()]
      .filter((e) => values.has(e.value))
      .map((e) => ({ file: env.path, key: e.key, line: e.line, value: e.value })),
  );
}

/** Values shared by two production env files, by two different keys, or copied into another env file. */
export function examineReuse(
  keys: readonly KeyLocation[],
  copies: readonly KeyLocation[] = [],
): FindingInput[] {
  const byValue = new Map<string, KeyLocation[]>();
  for (const k of [...keys, ...copies]) {
    // `<KEY>_PREVIOUS` legitimately equals the value another file still uses during a rotation.
    if (previousOf(k.key) !== undefined) continue;
    const list = byValue.get(k.value) ?? [];
    list.push(k);
    byValue.set(k.value, list);
  }
  const findings: FindingInput[] = [];
  for (const [value, list] of byValue) {
    if (list.length < 2) continue;
    const fp = shownFingerprint(value);
    for (const k of list) {
      const others = list
        .filter((o) => o !== k)
        .map((o) => (o.file === k.file ? `${o.key} (line ${o.line})` : `${o.key} in ${o.file}:${o.line}`));
      findings.push({
        rule: 'reused-key',
        file: k.file,
        line: k.line,
        message: `${k.key} in ${k.file} has the same value (${fp}) as ${others.join(', ')}`,
        evidence: `${k.key} ${fp}`,
        secrets: [value],
      });
    }
  }
  return findings;
}

/** Example files: placeholders are fine, but not a production key or a published one. */
export function examineExample(
  example: ParsedEnv,
  production: readonly KeyLocation[],
  minBytes: number,
): FindingInput[] {
  const findings: FindingInput[] = [];
  for (const e of example.parsed.entries) {
    if (isUnexaminable(e.value) || isPlaceholder(e.value)) continue;
    const fp = shownFingerprint(e.value);
    const base = { file: example.path, line: e.line, evidence: `${e.key} ${fp}`, secrets: [e.value] };
    if (isPublishedKey(e.value)) {
      findings.push({
        ...base,
        rule: 'published-key',
        severity: 'high',
        message: `${e.key} in ${example.path} is one of the two keys the hardening guide published (${fp}); whoever copies this template inherits a compromised key`,
      });
      continue;
    }
    const prod = production.find((p) => p.value === e.value);
    if (prod) {
      findings.push({
        ...base,
        rule: 'real-key-in-example',
        message: `${e.key} in ${example.path} holds the production value of ${prod.key} in ${prod.file} (${fp}); example files are committed and shared`,
      });
    } else if (verdictOf(e.key, e.value, minBytes) === 'ok') {
      // A strong value under a secret name looks generated: someone's real key, or one that will be used as is.
      findings.push({
        ...base,
        rule: 'real-key-in-example',
        severity: 'medium',
        message: `${e.key} in ${example.path} holds what looks like a real generated key (${fp}), not a placeholder; example files are committed and shared`,
      });
    }
  }
  return findings;
}
