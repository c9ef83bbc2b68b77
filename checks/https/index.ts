// https (point 2): nginx serves TLS 1.2/1.3 with real ciphers, redirects http, sends HSTS; repo certificates are sound.
import {
  ConfigError,
  defineCheck,
  detectNginxVersion,
  type FindingInput,
  nginxConfigsFact,
  normaliseNginxVersion,
  skip,
  unreadableFinding,
} from '../../src/index.js';
import { analyzeCertificates, EXPIRY_WARNING_DAYS, readPemFiles } from './certificates.js';
import { analyzeNginx, HSTS_MIN_MAX_AGE } from './nginx.js';

export default defineCheck({
  meta: {
    id: 'https',
    point: 2,
    title: 'Traffic is served over HTTPS with modern TLS',
    description:
      'Reads every nginx configuration in the repository (includes followed) and every PEM certificate: TLS listeners ' +
      'with a certificate and key, only TLSv1.2/TLSv1.3, cipher names OpenSSL knows and no weak suites, port 80 ' +
      'redirecting to https, HSTS for a year with "always", no add_header that drops the security headers, ' +
      'server_tokens off, directives nginx knows for the target version; certificates valid, with a SAN, matching their key.',
    targets: ['repo'],
    options: {
      'nginx-version': {
        description:
          'The nginx version the configuration is deployed on (e.g. 1.22.1); `tradesec audit --nginx-version` overrides it; defaults to `nginx -v` when nginx is installed, else the oldest supported (1.18.0).',
      },
    },
    rules: {
      'nginx-parse-error': {
        title: 'nginx configuration files parse',
        severity: 'high',
        description:
          'A configuration that does not parse makes `nginx -t` fail: nginx will not start or reload.',
        remediation: 'Fix the syntax error at the reported line and run `nginx -t`.',
      },
      'unknown-directive': {
        title: 'Every nginx directive exists in the target nginx',
        severity: 'high',
        description:
          'nginx refuses a configuration with an unknown directive. The hardening guide uses `ssl_private_key`, which does not exist (the directive is `ssl_certificate_key`).',
        remediation:
          'Use the directive nginx documents (see nginx.org/en/docs/dirindex.html), or upgrade nginx for newer ones.',
      },
      'no-tls-server': {
        title: 'A server block listens with TLS',
        severity: 'high',
        description: 'Without a `listen 443 ssl` server, API keys and orders travel in clear text.',
        remediation:
          'Add a server block with `listen 443 ssl;`, `ssl_certificate` and `ssl_certificate_key`.',
      },
      'listen-without-ssl': {
        title: 'Port 443 is served with TLS',
        severity: 'high',
        description: '`listen 443;` without `ssl` serves plain HTTP on the https port.',
        remediation: 'Write `listen 443 ssl;` (and `listen [::]:443 ssl;`).',
      },
      'missing-certificate': {
        title: 'TLS servers have a certificate and key',
        severity: 'high',
        description:
          'A TLS server needs both `ssl_certificate` and `ssl_certificate_key` (in the server or inherited from http).',
        remediation:
          'Set `ssl_certificate /etc/nginx/ssl/fullchain.pem;` and `ssl_certificate_key /etc/nginx/ssl/privkey.pem;`.',
      },
      'weak-protocol': {
        title: 'Only TLSv1.2 and TLSv1.3 are enabled',
        severity: 'high',
        description: 'SSLv3, TLSv1 and TLSv1.1 are deprecated (RFC 8996) and allow downgrade attacks.',
        remediation: 'Write `ssl_protocols TLSv1.2 TLSv1.3;`.',
      },
      'protocols-default': {
        title: 'ssl_protocols is set where the nginx default is weak',
        severity: 'medium',
        description:
          'Before nginx 1.27.3 the default `ssl_protocols` enables TLSv1 and TLSv1.1. The check uses the nginx-version setting, `nginx -v`, or assumes the oldest supported version and says so.',
        remediation: 'Write `ssl_protocols TLSv1.2 TLSv1.3;` in the http or server block.',
      },
      'unknown-cipher': {
        title: 'Every cipher name exists in OpenSSL',
        severity: 'medium',
        description:
          'OpenSSL silently drops cipher names it does not know; with only unknown names `nginx -t` fails. The guide uses `ECDHE-RSA-AES256-GCM-SHA512`, which does not exist (the suites end in SHA384).',
        remediation:
          'Use names from `openssl ciphers -v`, e.g. Mozilla intermediate: `ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305`.',
      },
      'weak-cipher': {
        title: 'No weak cipher suites are enabled',
        severity: 'high',
        description:
          'RC4, DES, 3DES, NULL, EXPORT, MD5 and anonymous (aNULL) suites can be broken or give no authentication.',
        remediation:
          'Remove the weak names, or exclude them: end the list with `:!aNULL:!eNULL:!MD5:!RC4:!3DES`.',
      },
      'http-not-redirected': {
        title: 'Port 80 redirects to https',
        severity: 'medium',
        description: 'A plain-http server that answers requests lets clients send API keys in clear text.',
        remediation: 'In the port 80 server write `return 301 https://$host$request_uri;` (or 308).',
      },
      'missing-hsts': {
        title: 'TLS servers send Strict-Transport-Security',
        severity: 'medium',
        description:
          'Without HSTS a browser may try plain http first, where a network attacker can intercept it.',
        remediation: `Add \`add_header Strict-Transport-Security "max-age=${HSTS_MIN_MAX_AGE}; includeSubDomains" always;\`.`,
      },
      'weak-hsts': {
        title: 'HSTS lasts a year and is sent with "always"',
        severity: 'medium',
        description: `HSTS needs max-age of at least ${HSTS_MIN_MAX_AGE} seconds; without \`always\` nginx omits it on error responses.`,
        remediation: `Write \`add_header Strict-Transport-Security "max-age=${HSTS_MIN_MAX_AGE}; includeSubDomains" always;\`.`,
      },
      'add-header-dropped': {
        title: 'add_header in a block does not drop inherited security headers',
        severity: 'medium',
        description:
          'nginx inherits add_header only into blocks that have none of their own: one add_header in a location silently removes HSTS and the other security headers there.',
        remediation:
          'Repeat the security headers in that block, or keep them in a snippet and include it wherever add_header is used (nginx 1.29.3+: `add_header_inherit merge;`).',
      },
      'server-tokens': {
        title: 'server_tokens is off',
        severity: 'low',
        description:
          'With server_tokens on (the default) nginx shows its version in the Server header and error pages.',
        remediation: 'Write `server_tokens off;` in the http block (or in each server).',
      },
      'listen-http2-deprecated': {
        title: 'HTTP/2 is enabled with the http2 directive',
        severity: 'low',
        description: '`listen ... http2` is deprecated from nginx 1.25.1, where `http2 on;` replaces it.',
        remediation: 'On nginx 1.25.1 or later write `listen 443 ssl;` and `http2 on;`.',
      },
      'ssl-directive': {
        title: 'TLS is enabled on listen, not with "ssl on"',
        severity: 'medium',
        description: '`ssl on;` is deprecated since nginx 1.15.0 and an error from 1.25.1.',
        remediation: 'Remove `ssl on;` and write `listen 443 ssl;`.',
      },
      'certificate-expired': {
        title: 'Certificates in the repository are not expired',
        severity: 'high',
        description: 'An expired certificate makes every client refuse the connection.',
        remediation: 'Renew the certificate (`certbot renew` for Let’s Encrypt).',
      },
      'certificate-expiring': {
        title: `Certificates are valid for more than ${EXPIRY_WARNING_DAYS} days`,
        severity: 'low',
        description: 'A certificate close to expiry needs renewal now; Let’s Encrypt renews 30 days ahead.',
        remediation: 'Renew the certificate and check that automatic renewal runs.',
      },
      'certificate-no-san': {
        title: 'Certificates name their hosts in subjectAltName',
        severity: 'medium',
        description: 'Browsers and most clients ignore the common name and reject a certificate without SAN.',
        remediation:
          'Reissue the certificate with SANs (certbot adds them; for a self-signed one, `openssl req -x509 ... -addext "subjectAltName=DNS:example.com"`).',
      },
      'certificate-key-mismatch': {
        title: 'Private keys match their certificates',
        severity: 'high',
        description:
          'nginx refuses to start when the key does not belong to the certificate ("key values mismatch").',
        remediation:
          'Point ssl_certificate_key at the key the certificate was issued for, or reissue the certificate.',
      },
      'certificate-unreadable': {
        title: 'PEM certificates parse',
        severity: 'low',
        description: 'A PEM block that does not parse cannot be checked, and nginx cannot load it either.',
        remediation: 'Replace the file with a valid PEM certificate.',
      },
    },
    references: [
      'https://nginx.org/en/docs/http/ngx_http_ssl_module.html',
      'https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header',
      'https://ssl-config.mozilla.org/',
      'https://www.rfc-editor.org/rfc/rfc8996',
    ],
  },

  async run(ctx) {
    const configs = await ctx.fact(nginxConfigsFact);
    const pem = await readPemFiles(ctx);
    if (configs.files.size === 0 && configs.unreadable.length === 0 && pem.certs.size === 0) {
      return skip('not-applicable', 'no nginx configuration and no certificate in the repository');
    }
    const findings: FindingInput[] = configs.unreadable.map((u) => unreadableFinding(u.file, u.error));
    if (configs.files.size > 0) {
      const setting = ctx.settings.get('nginx-version');
      if (setting !== undefined && !normaliseNginxVersion(setting)) {
        throw new ConfigError(
          ctx.config.file ?? '.tradesecrc',
          `[https] nginx-version "${setting}" is not a version such as 1.22.1`,
        );
      }
      const version = await detectNginxVersion(setting, ctx.probe);
      findings.push(...analyzeNginx({ configs, version }));
    }
    findings.push(...(await analyzeCertificates(ctx, configs, pem)));
    return findings;
  },
});
