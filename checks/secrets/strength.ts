// How strong a secret value is: published, placeholder, UUID, or an estimate of its entropy in bytes.
import { createHash } from 'node:crypto';
import { fingerprintSecret } from '../../src/index.js';

// SHA-256 of the two keys the hardening guide printed as "generated" (DESIGN.md section 6, item 1).
// Only hashes are kept, so tradesec never carries the compromised keys as literal strings.
const PUBLISHED_KEY_HASHES: ReadonlySet<string> = new Set([
  '26d5f4cfc4adaa4392294db78451eb44c27c6c270061e44221f77ec38af9dce0',
  'f4ce8e3b740ba1b92dd09a071fd16369dac5503808f5730da4db14a178a3b19b',
]);

/** True when `value` is one of the keys the hardening guide published. */
export function isPublishedKey(value: string): boolean {
  return PUBLISHED_KEY_HASHES.has(createHash('sha256').update(value.trim()).digest('hex'));
}

/** Values this short are shown without a fingerprint: every one of them can be hashed in minutes. */
const SHORT_VALUE = 8;

/**
 * What a report shows for a secret value: its fingerprint, except for placeholders and very short values.
 * The fingerprint is an unsalted hash, so the fingerprint of "changeme" is one dictionary lookup away from
 * "changeme" itself; "placeholder value" says as much and gives nothing away. A finding's own fingerprint is
 * computed from its rule, file and this text, so it must not carry the value's hash either (the rest is in the
 * report). The price: a baseline entry for "SECRET_KEY is a placeholder" covers any placeholder in that key,
 * and baselines written before this change list such findings anew once.
 */
export function shownFingerprint(value: string): string {
  if (isPlaceholder(value)) return 'placeholder value';
  if (value.trim().length <= SHORT_VALUE) return 'short value';
  return fingerprintSecret(value);
}

/** True for a UUID (any version), bare or in braces. */
export function isUuid(value: string): boolean {
  return /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i.test(value.trim());
}

// Words that placeholder values are made of ("your-secret-key-here", "changeme123", "supersecret").
// Longest first, so greedy matching prefers "password" to "pass".
const PLACEHOLDER_WORDS: readonly string[] = [
  'changeme',
  'change',
  'replaceme',
  'replace',
  'placeholder',
  'your',
  'yours',
  'my',
  'our',
  'insert',
  'enter',
  'put',
  'generate',
  'generated',
  'random',
  'secret',
  'secrets',
  'password',
  'passwd',
  'pass',
  'pwd',
  'key',
  'keys',
  'token',
  'api',
  'app',
  'jwt',
  'here',
  'todo',
  'tbd',
  'fixme',
  'example',
  'sample',
  'dummy',
  'default',
  'test',
  'testing',
  'demo',
  'fake',
  'foo',
  'bar',
  'baz',
  'qwerty',
  'letmein',
  'admin',
  'root',
  'none',
  'null',
  'empty',
  'dev',
  'development',
  'local',
  'prod',
  'production',
  'staging',
  'value',
  'string',
  'super',
  'very',
  'long',
  'strong',
  'insecure',
  'unsafe',
  'not',
  'set',
  'this',
  'is',
  'the',
  'some',
  'to',
  'in',
  'for',
  'me',
  'it',
  'be',
  'of',
  'and',
  'should',
  'please',
  'must',
  'real',
  'with',
  'abc',
  'abcdef',
  'xxx',
  'xx',
  'x',
  '123',
  '1234',
  '12345',
  '123456',
  '1234567',
  '12345678',
  '123456789',
  '0000',
  '000',
].sort((a, b) => b.length - a.length);

/** Share of a value that placeholder words must cover for it to count as a placeholder. */
const PLACEHOLDER_COVERAGE = 0.5;

/**
 * True for placeholder values (changeme, your-secret-key, secret, xxx, TODO, <replace-me>...),
 * also when such words are the main part of the value ("changeme123", "my-super-secret-key").
 */
export function isPlaceholder(value: string): boolean {
  if (isPlainPlaceholder(value)) return true;
  // base64("changeme") is as public as changeme itself.
  const text = encodedText(value.trim());
  return text !== undefined && isPlainPlaceholder(text);
}

/** The text a hex or base64 value decodes to, when it decodes to printable text. */
export function encodedText(value: string): string | undefined {
  const { encoding, core } = decode(value);
  return encoding === 'text' ? undefined : asText(decodeBytes(encoding, core));
}

function isPlainPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v === '') return false;
  // Bracketed words (<your key here>, [SECRET]); random printable text may also start with < and end with >.
  if (/^<[\w\s.,:;'"/=-]*>$|^\[[\w\s.,:;'"/=-]*\]$|^\.{3,}$|^\*+$/.test(v)) return true;
  if (/^django-insecure-/i.test(v)) return true;
  const letters = v.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (letters === '') return true;
  if (letters.length > 128) return false;
  let covered = 0;
  let i = 0;
  while (i < letters.length) {
    const word = PLACEHOLDER_WORDS.find((w) => letters.startsWith(w, i) && (w !== 'x' || runOfX(letters, i)));
    if (word) {
      covered += word.length;
      i += word.length;
    } else {
      i++;
    }
  }
  return covered / letters.length >= PLACEHOLDER_COVERAGE;
}

// A lone "x" is a placeholder only in runs ("xxxx"), never as a letter inside a random string.
function runOfX(s: string, i: number): boolean {
  return s[i - 1] === 'x' || s[i + 1] === 'x';
}

/** How a value is encoded, which decides how many bytes it carries. */
export type Encoding = 'hex' | 'base64' | 'base64url' | 'text';

/** The entropy estimate of a value. */
export interface Strength {
  encoding: Encoding;
  /** Estimated entropy in whole bytes. */
  bytes: number;
  /** Why the value is weak, or undefined when it is strong enough. */
  weakness?: string;
}

// A random value may lack a character class by chance (a 43-character token without a digit):
// the charset estimate gets this much slack before it calls a value weak.
const CHARSET_SLACK = 0.95;

/** Estimates the entropy of a value: decoded bytes for hex and base64, characters and variety otherwise. */
export function assessStrength(value: string, minBytes: number, depth = 0): Strength {
  const v = value.trim();
  const { encoding, core, decoded } = decode(v);
  const pool = poolSize(core, encoding);
  const charsetBits = core.length * Math.log2(Math.max(pool, 1));
  const bytes = Math.floor(Math.min(decoded * 8, charsetBits) / 8);
  const what = describe(encoding, core.length, decoded);
  if (decoded < minBytes) {
    return { encoding, bytes, weakness: `${what}: about ${decoded} bytes of entropy, ${minBytes} required` };
  }
  if (charsetBits < minBytes * 8 * CHARSET_SLACK) {
    return {
      encoding,
      bytes,
      weakness: `${core.length} characters drawn from only ${pool} symbols: about ${bytes} bytes of entropy, ${minBytes} required`,
    };
  }
  const variety = lowVariety(core, pool);
  if (variety) return { encoding, bytes, weakness: `${what}, but ${variety}` };
  if (encoding === 'text') return { encoding, bytes };
  // The encoded characters of "changeme" x4 look varied enough: what counts is what they decode to.
  const raw = decodeBytes(encoding, core);
  const text = asText(raw);
  if (text !== undefined) {
    if (isPlaceholder(text)) return { encoding, bytes: 0, weakness: `${what} of placeholder text` };
    const inner =
      depth < MAX_DECODE_DEPTH ? assessStrength(text, minBytes, depth + 1) : assessText(text, minBytes);
    if (inner.weakness)
      return { encoding, bytes: inner.bytes, weakness: `${what} of text, and ${inner.weakness}` };
    return { encoding, bytes: Math.min(bytes, inner.bytes) };
  }
  const byteWeakness = lowByteVariety(raw);
  if (byteWeakness) return { encoding, bytes, weakness: `${what}, but ${byteWeakness}` };
  return { encoding, bytes };
}

// Text inside base64 may itself be base64 (double encoding); a bound keeps crafted input from recursing far.
const MAX_DECODE_DEPTH = 2;

/** The same judgement on a value taken as plain text, without decoding it. */
function assessText(text: string, minBytes: number): Strength {
  const pool = poolSize(text, 'text');
  const charsetBits = text.length * Math.log2(Math.max(pool, 1));
  const bytes = Math.floor(Math.min(Buffer.byteLength(text) * 8, charsetBits) / 8);
  if (bytes < minBytes * CHARSET_SLACK)
    return { encoding: 'text', bytes, weakness: `about ${bytes} bytes of entropy, ${minBytes} required` };
  const variety = lowVariety(text, pool);
  return variety ? { encoding: 'text', bytes, weakness: variety } : { encoding: 'text', bytes };
}

function decodeBytes(encoding: Exclude<Encoding, 'text'>, core: string): Buffer {
  return Buffer.from(core, encoding);
}

/**
 * The decoded bytes as text when they are (almost all) printable ASCII: random bytes are that with a
 * negligible chance (about 0.37 per byte), so such bytes were text before they were encoded.
 */
function asText(raw: Buffer): string | undefined {
  if (raw.length === 0) return undefined;
  let printable = 0;
  for (const b of raw) if ((b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d) printable++;
  return printable / raw.length >= 0.9 ? raw.toString('latin1') : undefined;
}

// Random bytes: a repeated block, or few distinct byte values (32 random bytes have about 30).
function lowByteVariety(raw: Buffer): string | undefined {
  const n = raw.length;
  for (let period = 1; period <= n / 2; period++) {
    let repeats = true;
    for (let i = period; i < n && repeats; i++) repeats = raw[i] === raw[i - period];
    if (repeats) return `the decoded bytes repeat a block of ${period} byte${period === 1 ? '' : 's'}`;
  }
  const distinct = new Set(raw).size;
  if (distinct < Math.min(n, 256) / 2) return `the decoded bytes take only ${distinct} distinct values`;
  return undefined;
}

function decode(v: string): { encoding: Encoding; core: string; decoded: number } {
  if (/^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0) {
    return { encoding: 'hex', core: v, decoded: v.length / 2 };
  }
  const core = v.replace(/={1,2}$/, '');
  const padded = core.length !== v.length;
  const validLength = core.length % 4 !== 1 && (!padded || v.length % 4 === 0);
  if (validLength && /^[A-Za-z0-9+/]+$/.test(core)) {
    return { encoding: 'base64', core, decoded: Math.floor((core.length * 6) / 8) };
  }
  if (validLength && /^[A-Za-z0-9_-]+$/.test(core)) {
    return { encoding: 'base64url', core, decoded: Math.floor((core.length * 6) / 8) };
  }
  return { encoding: 'text', core: v, decoded: Buffer.byteLength(v, 'utf8') };
}

function describe(encoding: Encoding, chars: number, decoded: number): string {
  if (encoding === 'text') return `${chars} characters of text`;
  return `${chars} ${encoding} characters decode to ${decoded} bytes`;
}

// Symbols a generator could have drawn from, judged by the character classes the value uses.
function poolSize(core: string, encoding: Encoding): number {
  const digits = /\d/.test(core) ? 10 : 0;
  if (encoding === 'hex') return digits + (/[a-f]/i.test(core) ? 6 : 0);
  let pool = digits + (/[a-z]/.test(core) ? 26 : 0) + (/[A-Z]/.test(core) ? 26 : 0);
  if (/[+/_-]/.test(core)) pool += 2;
  if (encoding === 'text') {
    if (/[^A-Za-z0-9+/_\-\u0080-\uffff]/.test(core)) pool += 31;
    if (/[\u0080-\uffff]/.test(core)) pool += 64;
  }
  return pool;
}

// Tests that catch values long enough to pass but not random: "aaaa...", "abcabc...", "0123456789...".
function lowVariety(core: string, pool: number): string | undefined {
  const n = core.length;
  for (let period = 1; period <= n / 2; period++) {
    let repeats = true;
    for (let i = period; i < n && repeats; i++) repeats = core[i] === core[i - period];
    if (repeats)
      return 'it repeats a pattern of ' + (period === 1 ? 'one character' : `${period} characters`);
  }
  const counts = new Map<string, number>();
  for (const ch of core) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let shannon = 0;
  for (const c of counts.values()) shannon -= (c / n) * Math.log2(c / n);
  const ideal = Math.log2(Math.min(n, pool));
  if (ideal > 0 && shannon < 0.75 * ideal) return `it uses only ${counts.size} distinct characters`;
  let steps = 0;
  for (let i = 1; i < n; i++) if (Math.abs(core.charCodeAt(i) - core.charCodeAt(i - 1)) <= 1) steps++;
  if (n > 1 && steps / (n - 1) > 0.5) return 'it is mostly runs of repeated or consecutive characters';
  return undefined;
}
