// Which variable names hold secrets, and which literal values are plainly not secrets.

/** Suffix of the key that keeps the old value during a rotation's grace period. */
export const PREVIOUS_SUFFIX = '_PREVIOUS';

// A part of a name that marks a secret: API_SECRET_KEY, DB_PASS, apiKey, privkey.
const SECRET_PART =
  /SECRET|TOKENS?$|PASSWORD|PASSWD|PASSPHRASE|PRIVATE|^KEYS?$|(?:API|APP|ACCESS|AUTH|CLIENT|ENCRYPTION|HMAC|MASTER|PRIV|SESSION|SIGNING)KEYS?$|^PASS$|^PWD$/;

// Parts that make the whole name about a derived, non-secret value: hashed_password, PASSWORD_HASH.
const DERIVED_PARTS = new Set(['HASH', 'HASHED', 'HASHES', 'DIGEST']);

// Parts that describe something about a secret rather than hold one: SECRET_KEY_PATH, AWS_ACCESS_KEY_ID,
// ACCESS_TOKEN_EXPIRE_MINUTES, API_KEY_HEADER = "X-API-Key", OAuth2PasswordBearer(tokenUrl="token").
const DESCRIPTOR_PARTS = new Set([
  'ALG',
  'ALGORITHM',
  'ALGORITHMS',
  'AGE',
  'BITS',
  'COUNT',
  'DAYS',
  'DIR',
  'ENABLED',
  'ENV',
  'EXPIRATION',
  'EXPIRE',
  'EXPIRES',
  'EXPIRY',
  'FIELD',
  'FILE',
  'FILENAME',
  'FORMAT',
  'HEADER',
  'HOURS',
  'ID',
  'IDS',
  'LEN',
  'LENGTH',
  'LIFETIME',
  'LOCATION',
  'MINUTES',
  'MODE',
  'NAME',
  'PARAM',
  'PATH',
  'PREFIX',
  'REQUIRED',
  'ROTATION',
  'SECONDS',
  'SIZE',
  'TTL',
  'TYPE',
  'URI',
  'URL',
  'VAR',
  'VERSION',
]);

// Whole names containing a secret word that are ordinary programming terms (ORM columns, cache keys, sort keys).
const ORDINARY_NAMES = new Set([
  'CACHEKEY',
  'FOREIGNKEY',
  'IDEMPOTENCYKEY',
  'KEYFUNC',
  'PARTITIONKEY',
  'PRIMARYKEY',
  'SORTKEY',
  'TOKENIZER',
]);

/** Splits `API_SECRET_KEY`, `apiSecretKey` or `api-secret-key` into upper-case parts. */
export function nameParts(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p.toUpperCase());
}

/** True for names that hold a secret: SECRET_KEY, API_SECRET_KEY, DB_PASSWORD, api_key, GITHUB_TOKEN. */
export function isSecretName(name: string): boolean {
  let parts = nameParts(name);
  if (parts.at(-1) === PREVIOUS_SUFFIX.slice(1)) parts = parts.slice(0, -1);
  if (parts.length === 0) return false;
  if (ORDINARY_NAMES.has(parts.join(''))) return false;
  if (DESCRIPTOR_PARTS.has(parts.at(-1) ?? '') || parts.some((p) => DERIVED_PARTS.has(p))) return false;
  return parts.some((p) => SECRET_PART.test(p));
}

/** Python identifiers too generic to call secret on their own (`key=` in sorted(), dict.get, S3 calls). */
export function isAmbiguousPythonName(name: string): boolean {
  return name === 'key' || name === 'keys' || name === 'Key';
}

/** The current key a `<KEY>_PREVIOUS` belongs to, or undefined for other keys. */
export function previousOf(key: string): string | undefined {
  return key.endsWith(PREVIOUS_SUFFIX) && key.length > PREVIOUS_SUFFIX.length
    ? key.slice(0, -PREVIOUS_SUFFIX.length)
    : undefined;
}

/** True for env values that hold nothing to examine: empty, a reference to another variable, a flag. */
export function isUnexaminable(value: string): boolean {
  const v = value.trim();
  return v === '' || isReference(v) || /^(?:true|false|yes|no|on|off)$/i.test(v);
}

/**
 * True for literals in source or a Dockerfile that are clearly not secrets even under a secret name:
 * what {@link isUnexaminable} says, the variable's own name, a header name, a file path, or a URL
 * (database URLs with credentials are the database check's business).
 */
export function isNonSecretLiteral(value: string, name: string): boolean {
  const v = value.trim();
  if (isUnexaminable(v) || v === name) return true;
  if (/^[Xx](?:-(?:[A-Z]+|[A-Z]?[a-z]+))+$/.test(v)) return true;
  // Random base64 may start with a slash: only paths under a usual root directory or relative ones count.
  if (
    /^(?:\.{1,2}\/|~\/|\/(?:app|certs|data|etc|home|keys|mnt|opt|run|secrets|srv|tmp|usr|var)\/)\S*$/.test(v)
  )
    return true;
  if (/^[\w./-]+\.(?:pem|key|crt|cer|der|p12|pfx|json|txt|jks)$/i.test(v)) return true;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(v);
}

/** True for values that only refer to another variable (`$SECRET`, `${SECRET}`, `{{ secret }}`). */
export function isReference(value: string): boolean {
  const v = value.trim();
  return (
    /^\$\{[^}]+\}$/.test(v) ||
    /^\$[A-Za-z_]\w*$/.test(v) ||
    /^\{\{[^}]*\}\}$/.test(v) ||
    /^%\(\w+\)s$/.test(v)
  );
}
