// Secret generation: CSPRNG output in token_urlsafe's shape, sizes enforced.
import { describe, expect, it } from 'vitest';
import secretsCheck from '../../checks/secrets/index.js';
import { UsageError } from '../../src/audit/errors.js';
import {
  AUDIT_MIN_SECRET_BYTES,
  generateSecret,
  parseSecretBytes,
  parseSecretFormat,
  shortSecretWarning,
} from '../../src/keys/generate.js';

describe('generateSecret', () => {
  it('defaults to 32 bytes as base64url without padding (43 characters, like token_urlsafe(32))', () => {
    const s = generateSecret();
    expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(s, 'base64url')).toHaveLength(32);
  });

  it('writes hex on request and honours the size', () => {
    expect(generateSecret({ bytes: 16, format: 'hex' })).toMatch(/^[0-9a-f]{32}$/);
    expect(Buffer.from(generateSecret({ bytes: 48 }), 'base64url')).toHaveLength(48);
  });

  it('never repeats itself', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generateSecret({ bytes: 16 })));
    expect(seen.size).toBe(1000);
  });

  it('refuses fewer than 16 bytes', () => {
    expect(() => generateSecret({ bytes: 15 })).toThrow(UsageError);
  });
});

describe('option parsing', () => {
  it('parses --bytes and refuses short, huge or non-numeric sizes', () => {
    expect(parseSecretBytes('16')).toBe(16);
    expect(() => parseSecretBytes('15')).toThrow(
      '--bytes 15 is too short: a secret needs at least 16 bytes (128 bits)',
    );
    expect(() => parseSecretBytes('4096')).toThrow(/more than the maximum/);
    expect(() => parseSecretBytes('32.5')).toThrow(/whole number/);
    expect(() => parseSecretBytes('-32')).toThrow(/whole number/);
  });

  it('parses --format', () => {
    expect(parseSecretFormat('HEX')).toBe('hex');
    expect(parseSecretFormat('base64url')).toBe('base64url');
    expect(() => parseSecretFormat('base64')).toThrow('unknown format "base64" (use base64url or hex)');
  });
});

describe('shortSecretWarning', () => {
  it("warns below the secrets check's min-bytes default, and only there", () => {
    expect(secretsCheck.meta.options?.['min-bytes']?.default).toBe(String(AUDIT_MIN_SECRET_BYTES));
    expect(shortSecretWarning(16)).toBe(
      'warning: --bytes 16 is below the 32 bytes tradesec audit requires by default ([secrets] min-bytes); it will report these keys as weak',
    );
    expect(shortSecretWarning(32)).toBeUndefined();
    expect(shortSecretWarning(64)).toBeUndefined();
  });
});
