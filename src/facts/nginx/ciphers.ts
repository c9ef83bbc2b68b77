// OpenSSL cipher names and cipher-string keywords, embedded so an audit needs no OpenSSL, and a cipher-string analyser.

/** Cipher names that OpenSSL 3.0 prints for `openssl ciphers -v 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'`. */
const CURRENT_NAMES = `
ADH-AES128-GCM-SHA256 ADH-AES128-SHA ADH-AES128-SHA256 ADH-AES256-GCM-SHA384 ADH-AES256-SHA
ADH-AES256-SHA256 ADH-CAMELLIA128-SHA ADH-CAMELLIA128-SHA256 ADH-CAMELLIA256-SHA ADH-CAMELLIA256-SHA256
AECDH-AES128-SHA AECDH-AES256-SHA AECDH-NULL-SHA AES128-CCM AES128-CCM8 AES128-GCM-SHA256 AES128-SHA
AES128-SHA256 AES256-CCM AES256-CCM8 AES256-GCM-SHA384 AES256-SHA AES256-SHA256 ARIA128-GCM-SHA256
ARIA256-GCM-SHA384 CAMELLIA128-SHA CAMELLIA128-SHA256 CAMELLIA256-SHA CAMELLIA256-SHA256
DHE-DSS-AES128-GCM-SHA256 DHE-DSS-AES128-SHA DHE-DSS-AES128-SHA256 DHE-DSS-AES256-GCM-SHA384
DHE-DSS-AES256-SHA DHE-DSS-AES256-SHA256 DHE-DSS-ARIA128-GCM-SHA256 DHE-DSS-ARIA256-GCM-SHA384
DHE-DSS-CAMELLIA128-SHA DHE-DSS-CAMELLIA128-SHA256 DHE-DSS-CAMELLIA256-SHA DHE-DSS-CAMELLIA256-SHA256
DHE-PSK-AES128-CBC-SHA DHE-PSK-AES128-CBC-SHA256 DHE-PSK-AES128-CCM DHE-PSK-AES128-CCM8
DHE-PSK-AES128-GCM-SHA256 DHE-PSK-AES256-CBC-SHA DHE-PSK-AES256-CBC-SHA384 DHE-PSK-AES256-CCM
DHE-PSK-AES256-CCM8 DHE-PSK-AES256-GCM-SHA384 DHE-PSK-ARIA128-GCM-SHA256 DHE-PSK-ARIA256-GCM-SHA384
DHE-PSK-CAMELLIA128-SHA256 DHE-PSK-CAMELLIA256-SHA384 DHE-PSK-CHACHA20-POLY1305 DHE-PSK-NULL-SHA
DHE-PSK-NULL-SHA256 DHE-PSK-NULL-SHA384 DHE-RSA-AES128-CCM DHE-RSA-AES128-CCM8 DHE-RSA-AES128-GCM-SHA256
DHE-RSA-AES128-SHA DHE-RSA-AES128-SHA256 DHE-RSA-AES256-CCM DHE-RSA-AES256-CCM8 DHE-RSA-AES256-GCM-SHA384
DHE-RSA-AES256-SHA DHE-RSA-AES256-SHA256 DHE-RSA-ARIA128-GCM-SHA256 DHE-RSA-ARIA256-GCM-SHA384
DHE-RSA-CAMELLIA128-SHA DHE-RSA-CAMELLIA128-SHA256 DHE-RSA-CAMELLIA256-SHA DHE-RSA-CAMELLIA256-SHA256
DHE-RSA-CHACHA20-POLY1305 ECDHE-ARIA128-GCM-SHA256 ECDHE-ARIA256-GCM-SHA384 ECDHE-ECDSA-AES128-CCM
ECDHE-ECDSA-AES128-CCM8 ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES128-SHA256
ECDHE-ECDSA-AES256-CCM ECDHE-ECDSA-AES256-CCM8 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-AES256-SHA
ECDHE-ECDSA-AES256-SHA384 ECDHE-ECDSA-ARIA128-GCM-SHA256 ECDHE-ECDSA-ARIA256-GCM-SHA384
ECDHE-ECDSA-CAMELLIA128-SHA256 ECDHE-ECDSA-CAMELLIA256-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305
ECDHE-ECDSA-NULL-SHA ECDHE-PSK-AES128-CBC-SHA ECDHE-PSK-AES128-CBC-SHA256 ECDHE-PSK-AES256-CBC-SHA
ECDHE-PSK-AES256-CBC-SHA384 ECDHE-PSK-CAMELLIA128-SHA256 ECDHE-PSK-CAMELLIA256-SHA384
ECDHE-PSK-CHACHA20-POLY1305 ECDHE-PSK-NULL-SHA ECDHE-PSK-NULL-SHA256 ECDHE-PSK-NULL-SHA384
ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES128-SHA ECDHE-RSA-AES128-SHA256 ECDHE-RSA-AES256-GCM-SHA384
ECDHE-RSA-AES256-SHA ECDHE-RSA-AES256-SHA384 ECDHE-RSA-CAMELLIA128-SHA256 ECDHE-RSA-CAMELLIA256-SHA384
ECDHE-RSA-CHACHA20-POLY1305 ECDHE-RSA-NULL-SHA NULL-MD5 NULL-SHA NULL-SHA256 PSK-AES128-CBC-SHA
PSK-AES128-CBC-SHA256 PSK-AES128-CCM PSK-AES128-CCM8 PSK-AES128-GCM-SHA256 PSK-AES256-CBC-SHA
PSK-AES256-CBC-SHA384 PSK-AES256-CCM PSK-AES256-CCM8 PSK-AES256-GCM-SHA384 PSK-ARIA128-GCM-SHA256
PSK-ARIA256-GCM-SHA384 PSK-CAMELLIA128-SHA256 PSK-CAMELLIA256-SHA384 PSK-CHACHA20-POLY1305 PSK-NULL-SHA
PSK-NULL-SHA256 PSK-NULL-SHA384 RSA-PSK-AES128-CBC-SHA RSA-PSK-AES128-CBC-SHA256 RSA-PSK-AES128-GCM-SHA256
RSA-PSK-AES256-CBC-SHA RSA-PSK-AES256-CBC-SHA384 RSA-PSK-AES256-GCM-SHA384 RSA-PSK-ARIA128-GCM-SHA256
RSA-PSK-ARIA256-GCM-SHA384 RSA-PSK-CAMELLIA128-SHA256 RSA-PSK-CAMELLIA256-SHA384 RSA-PSK-CHACHA20-POLY1305
RSA-PSK-NULL-SHA RSA-PSK-NULL-SHA256 RSA-PSK-NULL-SHA384 SRP-AES-128-CBC-SHA SRP-AES-256-CBC-SHA
SRP-DSS-AES-128-CBC-SHA SRP-DSS-AES-256-CBC-SHA SRP-RSA-AES-128-CBC-SHA SRP-RSA-AES-256-CBC-SHA`;

/** Names OpenSSL knew in 1.0.2 and 1.1.x but no longer builds (RC4, DES, EXPORT, fixed DH/ECDH, GOST). */
const LEGACY_NAMES = `
ADH-DES-CBC-SHA ADH-DES-CBC3-SHA ADH-RC4-MD5 ADH-SEED-SHA AECDH-DES-CBC3-SHA AECDH-RC4-SHA DES-CBC-MD5
DES-CBC-SHA DES-CBC3-MD5 DES-CBC3-SHA DH-DSS-AES128-GCM-SHA256 DH-DSS-AES128-SHA DH-DSS-AES128-SHA256
DH-DSS-AES256-GCM-SHA384 DH-DSS-AES256-SHA DH-DSS-AES256-SHA256 DH-DSS-CAMELLIA128-SHA
DH-DSS-CAMELLIA128-SHA256 DH-DSS-CAMELLIA256-SHA DH-DSS-CAMELLIA256-SHA256 DH-DSS-DES-CBC3-SHA
DH-DSS-SEED-SHA DH-RSA-AES128-GCM-SHA256 DH-RSA-AES128-SHA DH-RSA-AES128-SHA256 DH-RSA-AES256-GCM-SHA384
DH-RSA-AES256-SHA DH-RSA-AES256-SHA256 DH-RSA-CAMELLIA128-SHA DH-RSA-CAMELLIA128-SHA256
DH-RSA-CAMELLIA256-SHA DH-RSA-CAMELLIA256-SHA256 DH-RSA-DES-CBC3-SHA DH-RSA-SEED-SHA DHE-DSS-DES-CBC3-SHA
DHE-DSS-SEED-SHA DHE-PSK-3DES-EDE-CBC-SHA DHE-PSK-RC4-SHA DHE-RSA-CHACHA20-POLY1305-OLD DHE-RSA-DES-CBC3-SHA
DHE-RSA-SEED-SHA ECDH-ECDSA-AES128-GCM-SHA256 ECDH-ECDSA-AES128-SHA ECDH-ECDSA-AES128-SHA256
ECDH-ECDSA-AES256-GCM-SHA384 ECDH-ECDSA-AES256-SHA ECDH-ECDSA-AES256-SHA384 ECDH-ECDSA-CAMELLIA128-SHA256
ECDH-ECDSA-CAMELLIA256-SHA384 ECDH-ECDSA-DES-CBC3-SHA ECDH-ECDSA-NULL-SHA ECDH-ECDSA-RC4-SHA
ECDH-RSA-AES128-GCM-SHA256 ECDH-RSA-AES128-SHA ECDH-RSA-AES128-SHA256 ECDH-RSA-AES256-GCM-SHA384
ECDH-RSA-AES256-SHA ECDH-RSA-AES256-SHA384 ECDH-RSA-CAMELLIA128-SHA256 ECDH-RSA-CAMELLIA256-SHA384
ECDH-RSA-DES-CBC3-SHA ECDH-RSA-NULL-SHA ECDH-RSA-RC4-SHA ECDHE-ECDSA-CHACHA20-POLY1305-OLD
ECDHE-ECDSA-DES-CBC3-SHA ECDHE-ECDSA-RC4-SHA ECDHE-PSK-3DES-EDE-CBC-SHA ECDHE-PSK-RC4-SHA
ECDHE-RSA-CHACHA20-POLY1305-OLD ECDHE-RSA-DES-CBC3-SHA ECDHE-RSA-RC4-SHA EDH-DSS-DES-CBC-SHA
EDH-DSS-DES-CBC3-SHA EDH-RSA-DES-CBC-SHA EDH-RSA-DES-CBC3-SHA EXP-ADH-DES-CBC-SHA EXP-ADH-RC4-MD5
EXP-DES-CBC-SHA EXP-EDH-DSS-DES-CBC-SHA EXP-EDH-RSA-DES-CBC-SHA EXP-RC2-CBC-MD5 EXP-RC4-MD5
EXP1024-DES-CBC-SHA EXP1024-DHE-DSS-DES-CBC-SHA EXP1024-DHE-DSS-RC4-SHA EXP1024-RC2-CBC-MD5 EXP1024-RC4-MD5
EXP1024-RC4-SHA GOST2001-GOST89-GOST89 GOST2001-NULL-GOST94 GOST2012-GOST8912-GOST8912
GOST2012-KUZNYECHIK-KUZNYECHIKOMAC GOST2012-MAGMA-MAGMAOMAC GOST2012-NULL-GOST12 GOST2012256-GOST89-GOST89
GOST94-GOST89-GOST89 GOST94-NULL-GOST94 IDEA-CBC-MD5 IDEA-CBC-SHA PSK-3DES-EDE-CBC-SHA PSK-RC4-SHA
RC2-CBC-MD5 RC4-MD5 RC4-SHA RSA-PSK-3DES-EDE-CBC-SHA RSA-PSK-RC4-SHA SEED-SHA SRP-3DES-EDE-CBC-SHA
SRP-DSS-3DES-EDE-CBC-SHA SRP-RSA-3DES-EDE-CBC-SHA`;

/** TLS 1.3 suite names: valid for `ssl_conf_command Ciphersuites`, ignored by `ssl_ciphers`. */
export const TLS13_SUITES: ReadonlySet<string> = new Set([
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_128_CCM_SHA256',
  'TLS_AES_128_CCM_8_SHA256',
  'TLS_SHA256_SHA256',
  'TLS_SHA384_SHA384',
]);

/** Every OpenSSL-style cipher suite name, current and legacy. */
export const OPENSSL_CIPHERS: ReadonlySet<string> = new Set(
  `${CURRENT_NAMES} ${LEGACY_NAMES}`.split(/\s+/).filter(Boolean),
);

/** A weakness a cipher, or a keyword that selects ciphers, brings in. */
export type CipherWeakness =
  | 'anon'
  | 'null'
  | 'md5'
  | 'rc4'
  | 'rc2'
  | 'des'
  | '3des'
  | 'idea'
  | 'export'
  | 'sslv2';

/** What each weakness means, for messages. */
export const WEAKNESS_LABEL: Record<CipherWeakness, string> = {
  anon: 'anonymous (unauthenticated, aNULL) suites',
  null: 'suites without encryption (eNULL)',
  md5: 'suites with MD5 MACs',
  rc4: 'RC4',
  rc2: 'RC2',
  des: 'single DES',
  '3des': '3DES (Sweet32)',
  idea: 'IDEA (64-bit blocks)',
  export: 'EXPORT-grade suites',
  sslv2: 'SSLv2 suites',
};

const A: CipherWeakness = 'anon';
const N: CipherWeakness = 'null';
const M: CipherWeakness = 'md5';

/**
 * Cipher-string keywords (OpenSSL's ciphers(1)), with the weak suites each one selects in OpenSSL 3.0 at
 * `@SECLEVEL=0` (measured with `openssl ciphers -v`; a test re-measures them where OpenSSL is installed).
 * Keywords that select nothing in OpenSSL 3.0 (RC4, 3DES, EXPORT, ...) are kept: older builds know them.
 */
export const CIPHER_KEYWORDS: ReadonlyMap<string, readonly CipherWeakness[]> = new Map<
  string,
  CipherWeakness[]
>([
  ['ALL', [A]],
  ['COMPLEMENTOFALL', [A, N, M]],
  ['COMPLEMENTOFDEFAULT', [A]],
  ['DEFAULT', []],
  ['HIGH', [A]],
  ['MEDIUM', ['3des']],
  ['LOW', ['des']],
  ['EXPORT', ['export']],
  ['EXPORT40', ['export']],
  ['EXPORT56', ['export']],
  ['EXP', ['export']],
  ['eNULL', [A, N, M]],
  ['NULL', [A, N, M]],
  ['aNULL', [A, N]],
  ['SSLv2', ['sslv2']],
  ['SSLv3', [A, N, M]],
  ['TLSv1', [A, N]],
  ['TLSv1.0', [A, N]],
  ['TLSv1.2', [A, N]],
  ['kRSA', [N, M]],
  ['RSA', [N, M]],
  ['kDHr', []],
  ['kDHd', []],
  ['kDH', []],
  ['kEDH', [A]],
  ['kDHE', [A]],
  ['DH', [A]],
  ['DHE', []],
  ['EDH', []],
  ['ADH', [A]],
  ['kEECDH', [A, N]],
  ['kECDHE', [A, N]],
  ['ECDH', [A, N]],
  ['ECDHE', [N]],
  ['EECDH', [N]],
  ['AECDH', [A, N]],
  ['aRSA', [N, M]],
  ['aDSS', []],
  ['DSS', []],
  ['aDH', []],
  ['aECDH', []],
  ['aECDSA', [N]],
  ['ECDSA', [N]],
  ['kFZA', []],
  ['aFZA', []],
  ['eFZA', []],
  ['FZA', []],
  ['AES', [A]],
  ['AES128', [A]],
  ['AES256', [A]],
  ['AESGCM', [A]],
  ['AESCCM', []],
  ['AESCCM8', []],
  ['ARIA', []],
  ['ARIA128', []],
  ['ARIA256', []],
  ['ARIAGCM', []],
  ['CAMELLIA', [A]],
  ['CAMELLIA128', [A]],
  ['CAMELLIA256', [A]],
  ['CHACHA20', []],
  ['3DES', ['3des']],
  ['DES', ['des']],
  ['RC4', ['rc4']],
  ['RC2', ['rc2']],
  ['IDEA', ['idea']],
  ['SEED', []],
  ['MD5', [N, M]],
  ['SHA1', [A, N]],
  ['SHA', [A, N]],
  ['SHA256', [A, N]],
  ['SHA384', [N]],
  ['aGOST', []],
  ['aGOST01', []],
  ['aGOST12', []],
  ['kGOST', []],
  ['kGOST18', []],
  ['GOST94', []],
  ['GOST89MAC', []],
  ['GOST12', []],
  ['PSK', [N]],
  ['kPSK', [N]],
  ['kECDHEPSK', [N]],
  ['kDHEPSK', [N]],
  ['kRSAPSK', [N]],
  ['aPSK', [N]],
  ['SRP', []],
  ['kSRP', []],
  ['aSRP', []],
  ['SUITEB128', []],
  ['SUITEB128ONLY', []],
  ['SUITEB192', []],
  ['CBC', [A]],
  ['KRB5', []],
  ['kKRB5', []],
  ['aKRB5', []],
]);

/** The weakness a keyword removes as a whole when excluded (`!aNULL` removes every anonymous suite). */
const REMOVES: ReadonlyMap<string, readonly CipherWeakness[]> = new Map<string, CipherWeakness[]>([
  ['aNULL', ['anon']],
  ['eNULL', ['null']],
  ['NULL', ['null']],
  ['MD5', ['md5']],
  ['RC4', ['rc4']],
  ['RC2', ['rc2']],
  ['DES', ['des']],
  ['LOW', ['des']],
  ['3DES', ['3des']],
  ['MEDIUM', ['3des']],
  ['IDEA', ['idea']],
  ['EXP', ['export']],
  ['EXPORT', ['export']],
  ['EXPORT40', ['export']],
  ['EXPORT56', ['export']],
  ['SSLv2', ['sslv2']],
]);

/** The weaknesses of one cipher suite, from its OpenSSL name. */
export function cipherWeaknesses(name: string): CipherWeakness[] {
  const out: CipherWeakness[] = [];
  const parts = name.split('-');
  if (name.startsWith('ADH-') || name.startsWith('AECDH-')) out.push('anon');
  if (parts.includes('NULL')) out.push('null');
  if (parts.includes('MD5')) out.push('md5');
  if (parts.includes('RC4')) out.push('rc4');
  if (parts.includes('RC2')) out.push('rc2');
  if (parts.includes('CBC3') || parts.includes('3DES')) out.push('3des');
  else if (parts.includes('DES')) out.push('des');
  if (parts.includes('IDEA')) out.push('idea');
  if (name.startsWith('EXP')) out.push('export');
  return out;
}

/** One element of a cipher string, e.g. `!aNULL` or `ECDHE+AESGCM`. */
export interface CipherElement {
  text: string;
  /** `!` removes for good, `-` removes for now, `+` moves to the end, '' adds. */
  op: '' | '!' | '-' | '+';
  parts: string[];
}

/** What a cipher string says, checked against OpenSSL's names. */
export interface CipherStringAnalysis {
  elements: CipherElement[];
  /** Names and keywords OpenSSL does not know (it drops them silently when another element matches). */
  unknown: string[];
  /** TLS 1.3 suite names, which `ssl_ciphers` ignores. */
  tls13: string[];
  /** True when at least one element names something OpenSSL knows and adds it. */
  anyKnown: boolean;
  /** Weak suites the string leaves enabled, with the element that brings each in. */
  weak: Array<{ weakness: CipherWeakness; element: string }>;
}

/** Splits a cipher string the way OpenSSL does (`:`, `,`, `;` and spaces separate elements). */
export function splitCipherString(value: string): CipherElement[] {
  return value
    .split(/[:,; \t]+/)
    .filter(Boolean)
    .map((text) => {
      const first = text[0];
      const op = first === '!' || first === '-' || first === '+' ? first : '';
      const body = op ? text.slice(1) : text;
      return { text, op, parts: body.startsWith('@') ? [body] : body.split('+').filter(Boolean) };
    });
}

/** True when OpenSSL accepts `part` as a cipher name, a keyword or an `@` command. */
export function isKnownCipherPart(part: string): boolean {
  if (/^@STRENGTH$|^@SECLEVEL=\d$/.test(part)) return true;
  return OPENSSL_CIPHERS.has(part) || CIPHER_KEYWORDS.has(part);
}

function partWeaknesses(part: string): CipherWeakness[] {
  const keyword = CIPHER_KEYWORDS.get(part);
  if (keyword) return [...keyword];
  return OPENSSL_CIPHERS.has(part) ? cipherWeaknesses(part) : [];
}

/** Analyses an `ssl_ciphers` value: unknown names, TLS 1.3 names and the weak suites left enabled. */
export function analyzeCipherString(value: string): CipherStringAnalysis {
  const elements = splitCipherString(value);
  const unknown: string[] = [];
  const tls13: string[] = [];
  let anyKnown = false;
  const enabled = new Map<CipherWeakness, string>();
  const banned = new Set<CipherWeakness>();
  const anonRemovals = new Set<string>();
  for (const el of elements) {
    let known = true;
    for (const part of el.parts) {
      if (TLS13_SUITES.has(part)) {
        tls13.push(part);
        known = false;
      } else if (!isKnownCipherPart(part)) {
        unknown.push(part);
        known = false;
      }
    }
    if (!known || el.parts[0]?.startsWith('@')) continue;
    // A `+` combination selects the suites every part selects: a weakness survives only if all parts have it.
    const sets = el.parts.map((p) => new Set(partWeaknesses(p)));
    const common = [...(sets[0] ?? [])].filter((w) => sets.every((s) => s.has(w)));
    if (el.op === '') {
      anyKnown = true;
      for (const w of common) if (!banned.has(w) && !enabled.has(w)) enabled.set(w, el.text);
    } else if (el.op === '!' || el.op === '-') {
      // Only a removal of a whole family (`!aNULL`, `!MD5`) or of the very element that added it counts.
      if (el.parts.length !== 1) continue;
      const part = el.parts[0] as string;
      if (part === 'ADH' || part === 'AECDH') anonRemovals.add(part);
      const removed = new Set<CipherWeakness>(REMOVES.get(part) ?? []);
      if (anonRemovals.size === 2) removed.add('anon');
      for (const [w, source] of enabled) if (source === part) removed.add(w);
      for (const w of removed) {
        enabled.delete(w);
        if (el.op === '!') banned.add(w);
      }
    }
  }
  return {
    elements,
    unknown,
    tls13,
    anyKnown,
    weak: [...enabled].map(([weakness, element]) => ({ weakness, element })),
  };
}
