// New secrets from the operating system's CSPRNG, in the shapes apps expect.
import { randomBytes } from 'node:crypto';
import { UsageError } from '../audit/errors.js';

/** How a secret's bytes are written out. */
export type SecretFormat = 'base64url' | 'hex';

/** The encodings `--format` accepts. */
export const SECRET_FORMATS: readonly SecretFormat[] = ['base64url', 'hex'];

/** Fewer random bytes than this is refused: 128 bits is the floor for a key that guards money. */
export const MIN_SECRET_BYTES = 16;

/** Upper bound on `--bytes`, so a typo cannot ask for gigabytes. */
export const MAX_SECRET_BYTES = 1024;

/** The default size: 32 bytes, as Python's `secrets.token_urlsafe(32)`. */
export const DEFAULT_SECRET_BYTES = 32;

/** Options of a generated secret. */
export interface SecretOptions {
  bytes?: number;
  format?: SecretFormat;
}

/** A new secret: `bytes` random bytes as base64url without padding (token_urlsafe's shape) or hex. */
export function generateSecret(options: SecretOptions = {}): string {
  const bytes = options.bytes ?? DEFAULT_SECRET_BYTES;
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new UsageError(
      `a secret needs between ${MIN_SECRET_BYTES} and ${MAX_SECRET_BYTES} bytes (got ${bytes})`,
    );
  }
  // Node's base64url encoding never pads, which is exactly token_urlsafe's output.
  return randomBytes(bytes).toString(options.format === 'hex' ? 'hex' : 'base64url');
}

/** Parses a `--bytes` value: an integer of at least MIN_SECRET_BYTES. */
export function parseSecretBytes(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`--bytes must be a whole number (got "${value}")`);
  if (n < MIN_SECRET_BYTES) {
    throw new UsageError(
      `--bytes ${n} is too short: a secret needs at least ${MIN_SECRET_BYTES} bytes (128 bits)`,
    );
  }
  if (n > MAX_SECRET_BYTES)
    throw new UsageError(`--bytes ${n} is more than the maximum of ${MAX_SECRET_BYTES}`);
  return n;
}

/** The size `tradesec audit` requires of a key by default (`[secrets] min-bytes`, the secrets check's default). */
export const AUDIT_MIN_SECRET_BYTES = 32;

/** A warning line when `bytes` is allowed but smaller than the audit requires by default, else undefined. */
export function shortSecretWarning(bytes: number): string | undefined {
  if (bytes >= AUDIT_MIN_SECRET_BYTES) return undefined;
  return `warning: --bytes ${bytes} is below the ${AUDIT_MIN_SECRET_BYTES} bytes tradesec audit requires by default ([secrets] min-bytes); it will report these keys as weak`;
}

/** Parses a `--format` value. */
export function parseSecretFormat(value: string): SecretFormat {
  const v = value.trim().toLowerCase();
  if (v === 'base64url' || v === 'hex') return v;
  throw new UsageError(`unknown format "${value}" (use ${SECRET_FORMATS.join(' or ')})`);
}
