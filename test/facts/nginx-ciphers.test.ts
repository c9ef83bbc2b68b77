import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  analyzeCipherString,
  CIPHER_KEYWORDS,
  cipherWeaknesses,
  OPENSSL_CIPHERS,
  TLS13_SUITES,
} from '../../src/facts/nginx/ciphers.js';
import { requireTool } from '../helpers/require-tool.js';

describe('cipher strings', () => {
  it('finds the guide’s SHA512 names unknown, alone or mixed with valid ones', () => {
    const alone = analyzeCipherString('ECDHE-RSA-AES256-GCM-SHA512:DHE-RSA-AES256-GCM-SHA512');
    expect(alone.unknown).toEqual(['ECDHE-RSA-AES256-GCM-SHA512', 'DHE-RSA-AES256-GCM-SHA512']);
    expect(alone.anyKnown).toBe(false);
    const mixed = analyzeCipherString('ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA512');
    expect(mixed.unknown).toEqual(['ECDHE-RSA-AES256-GCM-SHA512']);
    expect(mixed.anyKnown).toBe(true);
  });

  it('accepts keywords, combinations and commands', () => {
    for (const s of [
      'HIGH:!aNULL:!MD5',
      'ECDHE+AESGCM:ECDHE+CHACHA20:@STRENGTH',
      'EECDH+AESGCM:EDH+AESGCM',
      'DEFAULT:@SECLEVEL=2',
    ]) {
      const a = analyzeCipherString(s);
      expect({ s, unknown: a.unknown, weak: a.weak }).toEqual({ s, unknown: [], weak: [] });
    }
  });

  it('finds weak suites that are enabled and not excluded', () => {
    const weak = (s: string) =>
      analyzeCipherString(s)
        .weak.map((w) => w.weakness)
        .sort();
    expect(weak('RC4-SHA:ECDHE-RSA-AES128-GCM-SHA256')).toEqual(['rc4']);
    expect(weak('DES-CBC3-SHA')).toEqual(['3des']);
    expect(weak('HIGH:!MD5')).toEqual(['anon']);
    expect(weak('HIGH:!aNULL')).toEqual([]);
    expect(weak('ALL:!ADH:!AECDH')).toEqual([]);
    expect(weak('ECDHE')).toEqual(['null']);
    expect(weak('ECDHE:!eNULL')).toEqual([]);
    expect(weak('EXP-RC4-MD5')).toEqual(['export', 'md5', 'rc4']);
    expect(weak('aNULL:-aNULL:ECDHE+AESGCM')).toEqual([]);
    expect(weak('-aNULL:HIGH')).toEqual(['anon']);
  });

  it('sees TLS 1.3 names, which ssl_ciphers ignores', () => {
    const a = analyzeCipherString('TLS_AES_256_GCM_SHA384:ECDHE-RSA-AES128-GCM-SHA256');
    expect(a.tls13).toEqual(['TLS_AES_256_GCM_SHA384']);
    expect(a.unknown).toEqual([]);
  });

  it('classifies suite names', () => {
    expect(cipherWeaknesses('ECDHE-RSA-AES128-GCM-SHA256')).toEqual([]);
    expect(cipherWeaknesses('ADH-AES256-GCM-SHA384')).toEqual(['anon']);
    expect(cipherWeaknesses('NULL-SHA256')).toEqual(['null']);
    expect(cipherWeaknesses('DES-CBC-SHA')).toEqual(['des']);
  });
});

describe.skipIf(!requireTool('openssl'))('cipher table against the installed OpenSSL', () => {
  const names = async (args: string[]): Promise<string[]> => {
    const r = await execa('openssl', ['ciphers', ...args]);
    return r.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0] ?? '')
      .filter(Boolean);
  };

  it('holds every name `openssl ciphers -v ALL` and `-s -v ALL:COMPLEMENTOFALL` print', async () => {
    const printed = new Set([
      ...(await names(['-v', 'ALL'])),
      ...(await names(['-s', '-v', 'ALL:COMPLEMENTOFALL'])),
      ...(await names(['-v', 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'])),
    ]);
    expect(printed.size).toBeGreaterThan(20);
    const missing = [...printed].filter((n) => !OPENSSL_CIPHERS.has(n) && !TLS13_SUITES.has(n));
    expect(missing).toEqual([]);
  });

  it('lists only keywords OpenSSL accepts when they select something', async () => {
    for (const keyword of CIPHER_KEYWORDS.keys()) {
      const r = await execa('openssl', ['ciphers', '-v', `${keyword}:@SECLEVEL=0`], { reject: false });
      if (r.exitCode !== 0) continue; // a keyword of older OpenSSL builds, which selects nothing here
      expect(r.stdout.length, keyword).toBeGreaterThan(0);
    }
    const bogus = await execa('openssl', ['ciphers', '-v', 'NOT-A-CIPHER'], { reject: false });
    expect(bogus.exitCode).not.toBe(0);
  });

  it('flags the weak suites each keyword really selects (OpenSSL 3.0)', async (ctx) => {
    const version = (await execa('openssl', ['version'])).stdout;
    if (!/^OpenSSL 3\.0\./.test(version))
      ctx.skip(`keyword flags were measured on OpenSSL 3.0, not ${version}`);
    for (const [keyword, flags] of CIPHER_KEYWORDS) {
      const r = await execa('openssl', ['ciphers', '-v', `${keyword}:@SECLEVEL=0`], { reject: false });
      if (r.exitCode !== 0) continue;
      const measured = new Set<string>();
      if (/Au=None/.test(r.stdout)) measured.add('anon');
      if (/Enc=None/.test(r.stdout)) measured.add('null');
      if (/Mac=MD5/.test(r.stdout)) measured.add('md5');
      const declared = flags.filter((f) => f === 'anon' || f === 'null' || f === 'md5');
      expect({ keyword, flags: [...declared].sort() }).toEqual({ keyword, flags: [...measured].sort() });
    }
  });
});
