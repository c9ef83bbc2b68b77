import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePython } from '../../src/facts/python/parser.js';
import { dockerVariables } from './dockerfile.js';
import { mayHoldSecret } from './index.js';
import { isNonSecretLiteral, isSecretName } from './names.js';
import { findHardcodedSecrets } from './python.js';
import { assessStrength, isPlaceholder, isUuid } from './strength.js';

const PRINTABLE = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join('');

function shuffle(buf: Buffer): void {
  for (let i = buf.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const t = buf[i] ?? 0;
    buf[i] = buf[j] ?? 0;
    buf[j] = t;
  }
}

describe('assessStrength', () => {
  it('never calls a random 32-byte key weak, in any usual encoding', () => {
    for (let i = 0; i < 3000; i++) {
      const bytes = randomBytes(32 + (i % 3) * 8);
      for (const value of [bytes.toString('base64url'), bytes.toString('base64'), bytes.toString('hex')]) {
        const s = assessStrength(value, 32);
        expect(s.weakness, value.length.toString()).toBeUndefined();
        expect(isPlaceholder(value)).toBe(false);
      }
    }
  });

  it('accepts 40 random printable characters as text', () => {
    for (let i = 0; i < 500; i++) {
      const value = Array.from({ length: 40 }, () => PRINTABLE[randomInt(PRINTABLE.length)]).join('');
      expect(assessStrength(value, 32).weakness).toBeUndefined();
    }
  });

  it('decodes before counting: 32 hex characters and 16 base64 bytes are weak', () => {
    const hex = assessStrength(randomBytes(16).toString('hex'), 32);
    expect(hex).toMatchObject({ encoding: 'hex', bytes: 16 });
    expect(hex.weakness).toContain('32 hex characters decode to 16 bytes');
    expect(assessStrength(randomBytes(16).toString('base64url'), 32).weakness).toBeDefined();
    expect(assessStrength(randomBytes(24).toString('base64'), 32).weakness).toBeDefined();
  });

  it('judges hex and base64 by the bytes they decode to, not by their encoded characters', () => {
    const changeme = Buffer.from('changeme'.repeat(4));
    const digits = Buffer.from('12345678901234567890123456789012');
    const sixteenTwice = randomBytes(16).toString('hex').repeat(2);
    const fewValues = Buffer.from(Array.from({ length: 32 }, (_, i) => [7, 9, 200, 13][i % 4] ?? 0));
    shuffle(fewValues);
    for (const value of [
      changeme.toString('base64url'),
      changeme.toString('base64'),
      changeme.toString('hex'),
      digits.toString('base64'),
      digits.toString('base64url'),
      Buffer.from(sixteenTwice, 'hex').toString('base64'),
      fewValues.toString('base64url'),
      // Printable text that is too short on entropy once decoded (32 lowercase letters).
      Buffer.from('qwhzkvnmrtplsdfgjxcvbyuioeakqzpw').toString('base64'),
    ]) {
      expect(assessStrength(value, 32).weakness, value).toBeDefined();
    }
    expect(isPlaceholder(changeme.toString('base64url'))).toBe(true);
    expect(isPlaceholder(Buffer.from('your-secret-key-here').toString('base64'))).toBe(true);
  });

  it('accepts base64 of 48 random printable characters (text with enough entropy)', () => {
    for (let i = 0; i < 300; i++) {
      const text = Array.from({ length: 48 }, () => PRINTABLE[randomInt(PRINTABLE.length)]).join('');
      expect(assessStrength(Buffer.from(text).toString('base64'), 32).weakness, text).toBeUndefined();
    }
  });

  it('finds long values without variety', () => {
    for (const value of [
      'a'.repeat(64),
      'abc'.repeat(20),
      '0123456789abcdef'.repeat(4),
      'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab',
      'thisismysecretkeyforproductiontradingapplication',
      `${'0'.repeat(63)}1`,
    ]) {
      expect(assessStrength(value, 32).weakness, value).toBeDefined();
    }
  });
});

describe('isPlaceholder', () => {
  it('knows placeholders, also as the main part of a value', () => {
    for (const value of [
      'changeme',
      'CHANGE_ME',
      'your-secret-key',
      'your_secret_key_here',
      'secret',
      'password',
      'xxx',
      'XXXXXXXXXXXXXXXX',
      'TODO',
      'replace-me',
      'example',
      'changeme123',
      'my-super-secret-key-2024',
      '<your api key>',
      '***',
      'django-insecure-0a1b2c',
    ]) {
      expect(isPlaceholder(value), value).toBe(true);
    }
  });

  it('leaves real values alone', () => {
    for (const value of ['correct-horse-battery-staple-orbit-lemon', 'hunter2', 'Zq8x7Vb2Nw4Lk9Pj']) {
      expect(isPlaceholder(value), value).toBe(false);
    }
  });
});

describe('isUuid', () => {
  it('matches UUIDs only', () => {
    expect(isUuid('550e8400-e29b-41d4-a716-446655440000')).toBe(true);
    expect(isUuid('{550E8400-E29B-41D4-A716-446655440000}')).toBe(true);
    expect(isUuid(randomBytes(16).toString('hex'))).toBe(false);
  });
});

describe('isSecretName', () => {
  it('knows secret names', () => {
    for (const name of [
      'SECRET_KEY',
      'API_SECRET_KEY',
      'SECRET_KEY_PREVIOUS',
      'DB_PASSWORD',
      'DB_PASS',
      'REDIS_PASSWD',
      'GITHUB_TOKEN',
      'api_key',
      'apiKey',
      'PRIVATE_KEY',
      'JWT_SECRET',
      'KEY',
    ]) {
      expect(isSecretName(name), name).toBe(true);
    }
  });

  it('leaves descriptive and ordinary names alone', () => {
    for (const name of [
      'SECRET_KEY_PATH',
      'PRIVATE_KEY_FILE',
      'AWS_ACCESS_KEY_ID',
      'ACCESS_TOKEN_EXPIRE_MINUTES',
      'API_KEY_NAME',
      'API_KEY_HEADER',
      'tokenUrl',
      'token_type',
      'foreign_key',
      'primary_key',
      'hashed_password',
      'DEBUG',
      'DATABASE_URL',
      'tokenizer',
      'MONKEY_PATCH',
    ]) {
      expect(isSecretName(name), name).toBe(false);
    }
  });

  it('does not take paths, URLs and header names for secrets, but keeps base64 that starts with a slash', () => {
    expect(isNonSecretLiteral('/run/secrets/api_key', 'API_KEY')).toBe(true);
    expect(isNonSecretLiteral('./certs/server.key', 'KEY')).toBe(true);
    expect(isNonSecretLiteral('X-API-Key', 'API_KEY')).toBe(true);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a variable reference, as written in env files
    expect(isNonSecretLiteral('${SECRET_KEY}', 'SECRET_KEY')).toBe(true);
    expect(isNonSecretLiteral('/k3JpQ9+vZ2wX8mN4bL6cT1yH5rD0sF7gA3eU9iO2pW=', 'SECRET_KEY')).toBe(false);
    expect(isNonSecretLiteral('X-9fKq2LmN8pR4tV6wY0zB3cD5', 'SECRET_KEY')).toBe(false);
  });
});

describe('dockerVariables', () => {
  it('reads both ENV forms, ARG, quotes, continuations and the escape directive', () => {
    const text = [
      '# escape=`',
      'FROM mcr.microsoft.com/windows',
      'ENV A="one two" `',
      '    # a comment inside the instruction',
      '    B=three',
      'env OLD value with spaces',
      'ARG NOVALUE',
      "ARG WITH='x y'",
      'RUN echo ENV C=not-an-instruction',
    ].join('\r\n');
    expect(dockerVariables(text)).toEqual([
      { instruction: 'ENV', name: 'A', value: 'one two', line: 3 },
      { instruction: 'ENV', name: 'B', value: 'three', line: 5 },
      { instruction: 'ENV', name: 'OLD', value: 'value with spaces', line: 6 },
      { instruction: 'ARG', name: 'NOVALUE', line: 7 },
      { instruction: 'ARG', name: 'WITH', value: 'x y', line: 8 },
    ]);
  });
});

describe('findHardcodedSecrets', () => {
  it('walks deeply nested generated code without overflowing, and reports chained assignments once each', async () => {
    const deep = `TOTAL = ${Array.from({ length: 20000 }, (_, i) => String(i)).join(' + ')}\n`;
    const tree = await parsePython(
      `${deep}A_TOKEN = B_TOKEN = "tok-value-123"\nwhile False:\n    C_TOKEN = "dead"\n`,
    );
    expect(findHardcodedSecrets(tree.rootNode).map((h) => `${h.name}:${h.line}`)).toEqual([
      'A_TOKEN:2',
      'B_TOKEN:2',
    ]);
  });
});

describe('the Python prefilter', () => {
  it.each([
    'SECRET_KEY = "abc"',
    'token = "abc"',
    'api_key: str = "abc"',
    'class S:\n    db_password: Optional[str] = None',
    'connect(password="x")',
    'cfg = {"api_key": "abc"}',
    'os.getenv("SECRET_KEY", "dev")',
    "os.environ.get('API_TOKEN', 'x')",
  ])('keeps %j', (text) => {
    expect(mayHoldSecret(text)).toBe(true);
  });

  it.each([
    'def strategy(prices, window=29):\n    \x22\x22\x22Rolling token of the last prices.\x22\x22\x22\n    return 0',
    'if key == other:\n    pass',
    'for key in d:\n    print(key)',
    'x = 1',
  ])('drops %j', (text) => {
    expect(mayHoldSecret(text)).toBe(false);
  });
});

describe('secrets settings', () => {
  it('refuses a min-bytes below 16, which would make the weak-key rule meaningless', async () => {
    const { runCase } = await import('../../test/helpers/check-tester.js');
    const { default: secrets } = await import('./index.js');
    const files = { '.env.production': 'SECRET_KEY=abc\nAPI_SECRET_KEY=def\n' };
    await expect(
      runCase(secrets, { name: 'min-bytes 1', files, config: '[secrets]\nmin-bytes = 1\n' }),
    ).rejects.toThrow('.tradesecrc: [secrets] min-bytes must be a whole number of at least 16');
    const { result } = await runCase(secrets, {
      name: 'min-bytes 16',
      files,
      config: '[secrets]\nmin-bytes = 16\n',
    });
    expect(result.checks[0]?.status).toBe('fail');
  });
});
