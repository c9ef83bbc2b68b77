import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { discoverFiles } from '../../src/facts/discovery.js';
import { loadNginxConfigs } from '../../src/facts/nginx/config.js';
import type { Probe } from '../../src/facts/probe.js';
import { readTextFile } from '../../src/facts/text.js';
import { runNginxTest, withTempPaths, writeHttpWrapper } from '../../test/facts/nginx-test-run.js';
import { type CheckCase, runCase, testCheck } from '../../test/helpers/check-tester.js';
import { requireTool } from '../../test/helpers/require-tool.js';
import { tempDir, writeFiles } from '../../test/helpers/temp.js';
import check from './index.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;

/** A probe on which nginx is not installed: the version is then assumed. */
const NO_NGINX: Probe = {
  run: async () => ({ exitCode: -1, stdout: '', stderr: '', failure: 'not-found' }),
};

function makeCert(
  options: {
    days?: number;
    from?: Date;
    san?: string[] | null;
    key?: string;
    ca?: boolean;
    cn?: string;
    /** Signs with this CA instead of self-signing. */
    issuer?: { cert: string; key: string };
  } = {},
): {
  cert: string;
  key: string;
} {
  const key =
    options.key ??
    generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    }).privateKey;
  const priv = forge.pki.privateKeyFromPem(key);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(priv.n, priv.e);
  cert.serialNumber = '0a';
  const from = options.from ?? new Date('2026-01-01T00:00:00Z');
  cert.validity.notBefore = from;
  cert.validity.notAfter = new Date(from.getTime() + (options.days ?? 3650) * DAY);
  const attrs = [{ name: 'commonName', value: options.cn ?? 'example.com' }];
  cert.setSubject(attrs);
  cert.setIssuer(
    options.issuer ? forge.pki.certificateFromPem(options.issuer.cert).subject.attributes : attrs,
  );
  const san = options.san === undefined ? ['example.com'] : options.san;
  cert.setExtensions([
    { name: 'basicConstraints', cA: options.ca ?? false },
    ...(san ? [{ name: 'subjectAltName', altNames: san.map((value) => ({ type: 2, value })) }] : []),
  ]);
  cert.sign(
    options.issuer ? forge.pki.privateKeyFromPem(options.issuer.key) : priv,
    forge.md.sha256.create(),
  );
  return { cert: forge.pki.certificateToPem(cert), key };
}

const GOOD = makeCert();
/** What `openssl req -x509` makes by default in OpenSSL 3: self-signed, CA:TRUE, here without a SAN. */
const OPENSSL_SELF_SIGNED = makeCert({ ca: true, san: null });
const LOCAL_CA = makeCert({ ca: true, san: null, cn: 'Example Local CA' });
const OTHER_KEY = makeCert().key;

const V122 = '[https]\nnginx-version = 1.22.1\n';
const MOZILLA =
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384';

const TLS_BLOCK = `    ssl_certificate ssl/cert.pem;
    ssl_certificate_key ssl/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ${MOZILLA};
    ssl_prefer_server_ciphers off;
    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;`;

const HARDENED = `events {}
http {
  server_tokens off;
  server {
    listen 80;
    server_name example.com;
    location /.well-known/acme-challenge/ { root /var/www/certbot; }
    location / { return 301 https://$host$request_uri; }
  }
  server {
    listen 443 ssl;
    server_name example.com;
${TLS_BLOCK}
    location / {
      proxy_pass http://127.0.0.1:8000;
      proxy_set_header Host $host;
    }
  }
}
`;

const certFiles = { 'ssl/cert.pem': GOOD.cert, 'ssl/key.pem': GOOD.key };
const guide = (name: string): string =>
  readFileSync(path.join(import.meta.dirname, '../../test/fixtures/guide', name), 'utf8');

/** A TLS server block in a conf.d file (http context), with `body` inside the server. */
const confd = (body: string, top = 'server_tokens off;'): string => `${top}
server {
  listen 443 ssl;
  server_name api.example.com;
${body}
}
`;

const PASS: CheckCase[] = [
  {
    name: 'hardened nginx.conf: TLS 1.2/1.3, Mozilla ciphers, HSTS always, 301 from port 80',
    files: { 'nginx.conf': HARDENED, ...certFiles },
    config: V122,
  },
  {
    name: 'TLS settings pulled in from another file by include',
    files: {
      'nginx/conf.d/api.conf': confd(
        '  include snippets/tls.conf;\n  location / { proxy_pass http://127.0.0.1:8000; }',
      ),
      'nginx/snippets/tls.conf': TLS_BLOCK.replace(/ssl\//g, '../ssl/'),
      'ssl/cert.pem': GOOD.cert,
      'ssl/key.pem': GOOD.key,
    },
    config: V122,
  },
  {
    name: 'certificate, protocols and HSTS inherited from the http block',
    files: {
      'nginx.conf': `events {}\nhttp {\n  server_tokens off;\n${TLS_BLOCK}\n  server {\n    listen 443 ssl;\n    location / { return 204; }\n  }\n}\n`,
      ...certFiles,
    },
    config: V122,
  },
  {
    name: 'a location with its own add_header repeats the security headers',
    files: {
      'conf.d/app.conf': confd(
        `${TLS_BLOCK}\n  add_header X-Frame-Options DENY always;\n  location /api/ {\n    add_header Cache-Control no-store;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n    add_header X-Frame-Options DENY always;\n    proxy_pass http://127.0.0.1:8000;\n  }`,
      ),
      ...certFiles,
    },
    config: V122,
  },
  {
    name: 'listen 443 ssl http2 on nginx 1.22.1 (http2 on; arrives in 1.25.1)',
    files: { 'conf.d/app.conf': confd(`  listen [::]:443 ssl http2;\n${TLS_BLOCK}`), ...certFiles },
    config: V122,
  },
  {
    name: 'no ssl_protocols on nginx 1.27.3, whose default is TLSv1.2 TLSv1.3',
    files: { 'conf.d/app.conf': confd(TLS_BLOCK.replace(/.*ssl_protocols.*\n/, '')), ...certFiles },
    config: '[https]\nnginx-version = 1.27.3\n',
  },
  {
    name: 'map, types and geo entries are data, not directives; 308 and rewrite permanent redirect',
    files: {
      'nginx.conf': `events {}
http {
  server_tokens off;
  types { text/html html; application/json json; }
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  geo $blocked { default 0; 10.0.0.0/8 1; }
  server { listen 80; return 308 https://$host$request_uri; }
  server { listen 8080; rewrite ^ https://$host$request_uri permanent; }
  server {
    listen 443 ssl default_server;
    ssl_reject_handshake on;
  }
  server {
    listen 443 ssl;
${TLS_BLOCK}
  }
}
`,
      ...certFiles,
    },
    config: V122,
  },
  {
    name: 'one server on port 80 and 443 that redirects plain http with if ($scheme = http)',
    files: {
      'conf.d/app.conf': confd(
        `  listen 80;\n  if ($scheme = http) {\n    return 301 https://$host$request_uri;\n  }\n${TLS_BLOCK}`,
      ),
      ...certFiles,
    },
    config: V122,
  },
  {
    name: 'server_tokens OFF and ssl_protocols in lower case: nginx compares both case-insensitively',
    files: {
      'conf.d/app.conf': confd(TLS_BLOCK.replace('TLSv1.2 TLSv1.3', 'tlsv1.2 TLSV1.3'), 'server_tokens OFF;'),
      ...certFiles,
    },
    config: V122,
  },
  {
    name: 'a CA certificate without SAN that signs the server certificate next to it',
    files: {
      'certs/ca.pem': LOCAL_CA.cert,
      'certs/server.crt': makeCert({ issuer: LOCAL_CA, key: GOOD.key }).cert,
      'certs/server.key': GOOD.key,
    },
  },
  {
    name: 'one .pem holding a certificate and its own key, next to another certificate',
    files: { 'certs/combined.pem': `${GOOD.cert}${GOOD.key}`, 'certs/other.crt': makeCert().cert },
  },
  {
    name: 'a certificate with a SAN and its matching key, without nginx',
    files: { 'certs/server.crt': GOOD.cert, 'certs/server.key': GOOD.key },
  },
];

const FAIL: CheckCase[] = [
  {
    name: 'the guide’s nginx config: ssl_private_key, SHA512 cipher names, no HSTS, listen ... http2',
    files: { 'nginx/nginx-ssl.conf': guide('nginx-ssl.conf') },
    findings: [
      { rule: 'https/unknown-directive', file: 'nginx/nginx-ssl.conf', line: 7 },
      { rule: 'https/unknown-cipher', file: 'nginx/nginx-ssl.conf', line: 9 },
      { rule: 'https/missing-certificate', file: 'nginx/nginx-ssl.conf', line: 2 },
      { rule: 'https/missing-hsts', line: 2 },
      { rule: 'https/server-tokens', line: 2 },
      { rule: 'https/listen-http2-deprecated', line: 3 },
    ],
    verify: (result) => {
      const f = result.checks[0]?.findings ?? [];
      expect(f.find((x) => x.rule === 'https/unknown-directive')?.message).toContain('ssl_certificate_key');
      expect(f.find((x) => x.rule === 'https/unknown-cipher')?.severity).toBe('high');
      expect(f.find((x) => x.rule === 'https/listen-http2-deprecated')?.message).toContain('unknown');
    },
  },
  {
    name: 'the guide’s rate-limit http block: port 80 server without redirect',
    files: { 'nginx/nginx.conf': `events {}\n${guide('nginx-rate-limit.conf')}` },
    findings: [
      { rule: 'https/http-not-redirected', line: 9 },
      { rule: 'https/server-tokens', line: 9 },
      { rule: 'https/no-tls-server', line: 9 },
    ],
  },
  {
    name: 'ssl_protocols with TLSv1 and TLSv1.1',
    files: {
      'conf.d/app.conf': confd(TLS_BLOCK.replace('TLSv1.2 TLSv1.3', 'TLSv1 TLSv1.1 TLSv1.2')),
      ...certFiles,
    },
    config: V122,
    findings: [{ rule: 'https/weak-protocol', file: 'conf.d/app.conf', line: 7 }],
  },
  {
    name: 'the fix only in a comment (# ssl_protocols TLSv1.2 TLSv1.3;) is not a fix',
    files: {
      'conf.d/app.conf': confd(TLS_BLOCK.replace('ssl_protocols', '# ssl_protocols')),
      ...certFiles,
    },
    config: V122,
    findings: [{ rule: 'https/protocols-default', line: 2 }],
  },
  {
    name: 'TLSv1.2/1.3 in the http block, defeated by a server later in the file',
    files: {
      'nginx.conf': HARDENED.replace(
        'ssl_protocols TLSv1.2 TLSv1.3;',
        'ssl_protocols TLSv1 TLSv1.2;',
      ).replace('  server_tokens off;', '  server_tokens off;\n  ssl_protocols TLSv1.2 TLSv1.3;'),
      ...certFiles,
    },
    config: V122,
    findings: [{ rule: 'https/weak-protocol', file: 'nginx.conf', line: 16 }],
  },
  {
    name: 'ssl_protocols with tlsv1.1 in lower case',
    files: {
      'conf.d/app.conf': confd(TLS_BLOCK.replace('TLSv1.2 TLSv1.3', 'tlsv1.1 TLSv1.2')),
      ...certFiles,
    },
    config: V122,
    findings: [{ rule: 'https/weak-protocol', file: 'conf.d/app.conf', line: 7 }],
  },
  {
    name: 'no ssl_protocols on nginx 1.22.1, whose default enables TLSv1 and TLSv1.1',
    files: { 'conf.d/app.conf': confd(TLS_BLOCK.replace(/.*ssl_protocols.*\n/, '')), ...certFiles },
    config: V122,
    findings: [{ rule: 'https/protocols-default', line: 2 }],
  },
  {
    name: 'no ssl_protocols and an unknown nginx version: judged as the oldest supported, whose default is weak',
    files: { 'conf.d/app.conf': confd(TLS_BLOCK.replace(/.*ssl_protocols.*\n/, '')), ...certFiles },
    findings: [{ rule: 'https/protocols-default', line: 2 }],
    verify: (result) => {
      const f = result.checks[0]?.findings[0];
      expect(f?.severity).toBe('medium');
      expect(f?.message).toContain('1.18.0 (the oldest supported) is assumed');
    },
  },
  {
    name: 'http2 on; with an unknown nginx version: a note against the assumed oldest version',
    files: { 'conf.d/app.conf': confd(`  http2 on;\n${TLS_BLOCK}`), ...certFiles },
    status: 'warn',
    findings: [{ rule: 'https/unknown-directive', line: 5 }],
    verify: (result) => {
      const f = result.checks[0]?.findings[0];
      expect(f?.severity).toBe('low');
      expect(f?.message).toContain('1.18.0 (the oldest supported) is assumed');
    },
  },
  {
    name: 'nginx version from nginx -v through the probe',
    files: { 'conf.d/app.conf': confd(TLS_BLOCK.replace(/.*ssl_protocols.*\n/, '')), ...certFiles },
    probe: { run: async () => ({ exitCode: 0, stdout: '', stderr: 'nginx version: nginx/1.24.0\n' }) },
    findings: [{ rule: 'https/protocols-default', line: 2 }],
    verify: (result) =>
      expect(result.checks[0]?.findings[0]?.message).toContain('nginx 1.24.0 (from nginx -v)'),
  },
  {
    name: 'weak and unknown names mixed with valid ciphers',
    files: {
      'conf.d/app.conf': confd(
        TLS_BLOCK.replace(
          MOZILLA,
          'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA512:RC4-SHA:HIGH:!MD5',
        ),
      ),
      ...certFiles,
    },
    config: V122,
    findings: [
      { rule: 'https/unknown-cipher', line: 8 },
      { rule: 'https/weak-cipher', line: 8 },
    ],
    verify: (result) => {
      const f = result.checks[0]?.findings ?? [];
      expect(f.find((x) => x.rule === 'https/unknown-cipher')?.severity).toBe('medium');
      expect(f.find((x) => x.rule === 'https/weak-cipher')?.message).toMatch(/RC4.*anonymous/);
    },
  },
  {
    name: 'port 80 answering without redirect, and a temporary redirect elsewhere',
    files: {
      'nginx.conf': HARDENED.replace(
        'location / { return 301 https://$host$request_uri; }',
        'location / { proxy_pass http://127.0.0.1:8000; }',
      ).replace(
        '  server {\n    listen 443 ssl;',
        '  server { listen 80; server_name old.example.com; return 302 https://example.com$request_uri; }\n  server {\n    listen 443 ssl;',
      ),
      ...certFiles,
    },
    config: V122,
    findings: [
      { rule: 'https/http-not-redirected', line: 4 },
      { rule: 'https/http-not-redirected', line: 10 },
    ],
  },
  {
    name: 'port 80 redirects location / but serves location /api/ in clear',
    files: {
      'nginx.conf': HARDENED.replace(
        'location / { return 301 https://$host$request_uri; }',
        'location / { return 301 https://$host$request_uri; }\n    location /api/ { proxy_pass http://127.0.0.1:8000; }',
      ),
      ...certFiles,
    },
    config: V122,
    findings: [{ rule: 'https/http-not-redirected', line: 9 }],
    verify: (result) => expect(result.checks[0]?.findings[0]?.message).toContain('location /api/'),
  },
  {
    name: 'one server on port 80 and 443 without a redirect for plain http',
    files: { 'conf.d/app.conf': confd(`  listen 80;\n${TLS_BLOCK}`), ...certFiles },
    config: V122,
    findings: [{ rule: 'https/http-not-redirected', line: 2 }],
  },
  {
    name: 'HSTS with a short max-age and without always',
    files: {
      'conf.d/app.conf': confd(
        TLS_BLOCK.replace('"max-age=63072000; includeSubDomains" always', '"max-age=86400"'),
      ),
      ...certFiles,
    },
    config: V122,
    findings: [{ rule: 'https/weak-hsts', line: 10 }],
    verify: (result) =>
      expect(result.checks[0]?.findings.map((f) => f.severity).sort()).toEqual(['medium', 'medium']),
  },
  {
    name: 'add_header in a location silently drops the server’s HSTS',
    files: {
      'conf.d/app.conf': confd(
        `${TLS_BLOCK}\n  location /api/ {\n    add_header Cache-Control no-store;\n    proxy_pass http://127.0.0.1:8000;\n  }`,
      ),
      ...certFiles,
    },
    config: V122,
    findings: [{ rule: 'https/add-header-dropped', file: 'conf.d/app.conf', line: 12 }],
    verify: (result) => expect(result.checks[0]?.findings[0]?.message).toContain('Strict-Transport-Security'),
  },
  {
    name: 'server_tokens on',
    files: { 'conf.d/app.conf': confd(TLS_BLOCK, 'server_tokens on;'), ...certFiles },
    config: V122,
    status: 'warn',
    findings: [{ rule: 'https/server-tokens', line: 1 }],
  },
  {
    name: 'ssl on; and listen ... http2 on nginx 1.25.1',
    files: { 'conf.d/app.conf': confd(`  listen [::]:443 http2;\n  ssl on;\n${TLS_BLOCK}`), ...certFiles },
    config: '[https]\nnginx-version = 1.25.1\n',
    findings: [
      { rule: 'https/listen-http2-deprecated', line: 5 },
      { rule: 'https/ssl-directive', line: 6 },
    ],
    verify: (result) =>
      expect(result.checks[0]?.findings.find((f) => f.rule === 'https/ssl-directive')?.severity).toBe('high'),
  },
  {
    name: 'http2 on; on nginx 1.22.1, which does not know it',
    files: { 'conf.d/app.conf': confd(`  http2 on;\n${TLS_BLOCK}`), ...certFiles },
    config: V122,
    findings: [{ rule: 'https/unknown-directive', line: 5 }],
  },
  {
    name: 'listen 443 without ssl',
    files: { 'conf.d/app.conf': 'server_tokens off;\nserver {\n  listen 443;\n  return 204;\n}\n' },
    config: V122,
    findings: [
      { rule: 'https/listen-without-ssl', line: 3 },
      { rule: 'https/no-tls-server', line: 2 },
    ],
  },
  {
    name: 'a syntax error',
    files: { 'nginx/default.conf': 'server {\n  ssl_private_key x;\n  return 200 "x;\n}\n' },
    config: V122,
    findings: [{ rule: 'https/nginx-parse-error', file: 'nginx/default.conf', line: 5 }],
  },
  {
    name: 'TLS settings in an include that is not in the repository: could not tell, low notes',
    files: { 'conf.d/app.conf': confd('  include /etc/letsencrypt/options-ssl-nginx.conf;') },
    config: V122,
    status: 'warn',
    findings: [
      { rule: 'https/missing-certificate', line: 2 },
      { rule: 'https/missing-hsts', line: 2 },
      { rule: 'https/protocols-default', line: 2 },
    ],
  },
  {
    name: 'a TLS 1.3 suite name in ssl_ciphers',
    files: {
      'conf.d/app.conf': confd(TLS_BLOCK.replace(MOZILLA, `TLS_AES_256_GCM_SHA384:${MOZILLA}`)),
      ...certFiles,
    },
    config: V122,
    status: 'warn',
    findings: [{ rule: 'https/unknown-cipher', line: 8 }],
  },
  {
    name: 'expired certificate',
    files: { 'certs/server.crt': makeCert({ from: new Date('2024-01-01T00:00:00Z'), days: 365 }).cert },
    findings: [{ rule: 'https/certificate-expired', file: 'certs/server.crt' }],
  },
  {
    name: 'certificate expiring in 10 days',
    files: { 'certs/server.crt': makeCert({ from: new Date(NOW.getTime() - 80 * DAY), days: 90 }).cert },
    status: 'warn',
    findings: [{ rule: 'https/certificate-expiring', file: 'certs/server.crt' }],
    verify: (result) => expect(result.checks[0]?.findings[0]?.message).toContain('expires in 10 days'),
  },
  {
    name: 'certificate without subjectAltName',
    files: { 'cert.pem': makeCert({ san: null }).cert },
    findings: [{ rule: 'https/certificate-no-san', file: 'cert.pem' }],
  },
  {
    name: 'a self-signed CA:TRUE certificate without SAN (openssl req -x509) that nginx serves',
    files: {
      'nginx.conf': HARDENED,
      'ssl/cert.pem': makeCert({ ca: true, san: null, key: GOOD.key }).cert,
      'ssl/key.pem': GOOD.key,
    },
    config: V122,
    findings: [{ rule: 'https/certificate-no-san', file: 'ssl/cert.pem' }],
  },
  {
    name: 'a lone self-signed CA:TRUE certificate without SAN, which signs nothing',
    files: { 'certs/server.crt': OPENSSL_SELF_SIGNED.cert },
    findings: [{ rule: 'https/certificate-no-san', file: 'certs/server.crt' }],
  },
  {
    name: 'ssl_certificate_key pointing at another key',
    files: { 'nginx.conf': HARDENED, 'ssl/cert.pem': GOOD.cert, 'ssl/key.pem': OTHER_KEY },
    config: V122,
    findings: [{ rule: 'https/certificate-key-mismatch', file: 'nginx.conf', line: 14 }],
  },
  {
    name: 'one .pem holding a certificate and a key that does not belong to it',
    files: { 'certs/combined.pem': `${GOOD.cert}${OTHER_KEY}` },
    findings: [{ rule: 'https/certificate-key-mismatch', file: 'certs/combined.pem' }],
  },
  {
    name: 'server.crt, other.crt and a server.key that does not match server.crt: paired by name',
    files: {
      'certs/server.crt': GOOD.cert,
      'certs/other.crt': makeCert({ key: OTHER_KEY }).cert,
      'certs/server.key': OTHER_KEY,
    },
    findings: [{ rule: 'https/certificate-key-mismatch', file: 'certs/server.key' }],
    verify: (result) => expect(result.checks[0]?.findings[0]?.message).toContain('certs/server.crt'),
  },
  {
    name: 'a lone certificate and key in one directory that do not match',
    files: { 'deploy/tls/fullchain.pem': GOOD.cert, 'deploy/tls/privkey.pem': OTHER_KEY },
    findings: [{ rule: 'https/certificate-key-mismatch', file: 'deploy/tls/privkey.pem' }],
  },
];

/** Files nginx -t rejects, with the line and message nginx gives (checked against nginx below). */
const SYNTAX_ERRORS: Array<{ name: string; file: string; text: string; line: number; message: string }> = [
  {
    name: 'a block directive ended by ";" (location /;)',
    file: 'conf.d/app.conf',
    text: confd(`${TLS_BLOCK}
  location /;`),
    line: 11,
    message: 'directive "location" has no opening "{"',
  },
  {
    name: 'a simple directive with a block (server_tokens off { })',
    file: 'conf.d/app.conf',
    text: confd(TLS_BLOCK, 'server_tokens off { }'),
    line: 1,
    message: 'directive "server_tokens" is not terminated by ";"',
  },
  {
    name: 'a missing ";" before a block',
    file: 'conf.d/app.conf',
    text: confd(`  ssl_protocols TLSv1 TLSv1.2
  location / {
    return 204;
  }`),
    line: 6,
    message: 'directive "ssl_protocols" is not terminated by ";"',
  },
  {
    name: 'a main nginx.conf without events',
    file: 'nginx.conf',
    text: 'http {\n  server { listen 80; return 301 https://$host$request_uri; }\n}\n',
    line: 1,
    message: 'no "events" section in configuration',
  },
];

FAIL.push(
  ...SYNTAX_ERRORS.map(
    (e): CheckCase => ({
      name: `nginx -t fails: ${e.name}`,
      files: { [e.file]: e.text, ...certFiles },
      config: V122,
      findings: [{ rule: 'https/nginx-parse-error', file: e.file, line: e.line }],
      verify: (result) => expect(result.checks[0]?.findings[0]?.message).toContain(e.message),
    }),
  ),
);

const withDefaults = (c: CheckCase): CheckCase => ({ ...c, now: c.now ?? NOW, probe: c.probe ?? NO_NGINX });

testCheck(check, {
  pass: PASS.map(withDefaults),
  fail: FAIL.map(withDefaults),
  skip: [
    {
      name: 'only a CA trust bundle (expired roots, no SAN), which is not a server certificate',
      files: {
        'certs/ca-bundle.pem':
          makeCert({ ca: true, san: null, from: new Date('2000-01-01T00:00:00Z'), days: 10 }).cert +
          makeCert({ ca: true, san: null }).cert,
      },
    },
    {
      name: 'no nginx configuration and no certificate',
      files: { 'app/main.py': 'print(1)\n', 'supervisord.conf': '[program:x]\n' },
    },
  ].map(withDefaults),
});

describe.skipIf(process.getuid?.() === 0)('https check on an unreadable config (not as root)', () => {
  it('reports the file it could not read', async () => {
    const { result } = await runCase(
      check,
      withDefaults({ name: 'x', files: { 'nginx.conf': { content: HARDENED, mode: 0 } }, config: V122 }),
    );
    expect(result.checks[0]?.findings.map((f) => f.rule)).toContain('https/unreadable-file');
  });
});

describe('https check config', () => {
  it('refuses a malformed nginx-version as a configuration error (exit 2)', async () => {
    await expect(
      runCase(
        check,
        withDefaults({
          name: 'x',
          files: { 'nginx.conf': HARDENED },
          config: '[https]\nnginx-version = latest\n',
        }),
      ),
    ).rejects.toThrow(/nginx-version "latest"/);
  });
});

/** Writes a case's files with a fresh openssl key pair where the certificate files go, and runs nginx -t on each root. */
async function nginxAccepts(
  c: CheckCase,
): Promise<Array<{ root: string; exitCode: number; stderr: string }>> {
  const dir = await tempDir();
  await writeFiles(dir, c.files ?? {});
  const files = await discoverFiles(dir);
  const configs = await loadNginxConfigs({
    files: async () => files,
    read: (f) => readTextFile(typeof f === 'string' ? path.join(dir, f) : f.abs),
  });
  for (const f of files.filter((x) => /\.(pem|crt|key)$/.test(x.path))) {
    if (!/cert|crt|fullchain/.test(f.path)) continue;
    const keyPath = f.path.replace(/cert\.pem$/, 'key.pem').replace(/\.crt$/, '.key');
    await execa('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=example.com',
      '-addext',
      'subjectAltName=DNS:example.com',
      '-keyout',
      path.join(dir, keyPath),
      '-out',
      f.abs,
    ]);
  }
  const out: Array<{ root: string; exitCode: number; stderr: string }> = [];
  for (const root of configs.roots) {
    if (root.kind === 'snippet') continue;
    let conf = root.file;
    if (root.kind === 'http') conf = await writeHttpWrapper(dir, root.file);
    else {
      const text = readFileSync(path.join(dir, root.file), 'utf8');
      conf = `${root.file}.nginx-t`;
      await writeFile(path.join(dir, conf), withTempPaths(text));
    }
    const r = await runNginxTest(dir, conf);
    out.push({ root: root.file, exitCode: r.exitCode, stderr: r.stderr });
  }
  return out;
}

describe.skipIf(!requireTool('nginx') || !requireTool('openssl'))(
  'nginx -t agrees with the https check',
  () => {
    // Every passing case with an nginx configuration (any file that is not a certificate or key).
    for (const c of PASS.filter((x) => Object.keys(x.files ?? {}).some((f) => !/\.(pem|crt|key)$/.test(f)))) {
      it(`nginx -t accepts the passing case "${c.name}"`, async () => {
        const results = await nginxAccepts(c);
        expect(results.length).toBeGreaterThan(0);
        for (const r of results) expect(r, r.stderr).toMatchObject({ exitCode: 0 });
      });
    }

    for (const e of SYNTAX_ERRORS) {
      it(`nginx -t rejects ${e.name} with the check's message`, async () => {
        const dir = await tempDir();
        await writeFiles(dir, { [e.file]: withTempPaths(e.text) });
        const conf = e.file === 'nginx.conf' ? e.file : await writeHttpWrapper(dir, e.file);
        const r = await runNginxTest(dir, conf);
        expect(r.exitCode).not.toBe(0);
        expect(r.stderr).toContain(e.message);
        if (e.file !== 'nginx.conf') expect(r.stderr).toContain(`${e.file}:${e.line}`);
      });
    }

    it('nginx -t rejects the guide’s config on the line the check names', async () => {
      const dir = await tempDir();
      await writeFiles(dir, { 'conf.d/guide.conf': guide('nginx-ssl.conf') });
      const conf = await writeHttpWrapper(dir, 'conf.d/guide.conf');
      const r = await runNginxTest(dir, conf);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/unknown directive "ssl_private_key" in .*guide\.conf:7/);
    });
  },
);
