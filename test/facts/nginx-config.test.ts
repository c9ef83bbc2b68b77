import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFiles } from '../../src/facts/discovery.js';
import {
  isStrongNginxCandidate,
  loadNginxConfigs,
  repoPathCandidates,
  resolveRepoPaths,
} from '../../src/facts/nginx/config.js';
import { DATA_BLOCKS, isKnownDirective, KNOWN_DIRECTIVES } from '../../src/facts/nginx/directives.js';
import { walkNginx } from '../../src/facts/nginx/parser.js';
import {
  detectNginxVersion,
  normaliseNginxVersion,
  parseNginxVersion,
} from '../../src/facts/nginx/version.js';
import type { Probe } from '../../src/facts/probe.js';
import { readTextFile } from '../../src/facts/text.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

async function load(files: Record<string, string>) {
  const dir = await tempDir();
  await writeFiles(dir, files);
  const found = await discoverFiles(dir);
  return loadNginxConfigs({
    files: async () => found,
    read: (f) => readTextFile(typeof f === 'string' ? path.join(dir, f) : f.abs),
  });
}

describe('nginx configuration discovery', () => {
  it('finds configs by name and by content, and ignores other .conf files', async () => {
    const configs = await load({
      'deploy/nginx.conf': 'events {}\nhttp { include conf.d/*.conf; }\n',
      'deploy/conf.d/app.conf': 'server { listen 80; }\n',
      'sites-available/api': 'server { listen 8080; }\n',
      'proxy/site.conf': 'upstream app { server 127.0.0.1:8000; }\nserver { listen 81; }\n',
      'supervisord.conf': '[program:app]\ncommand=uvicorn app:app\n',
      'redis.conf': 'bind 127.0.0.1\nprotected-mode yes\n',
      'nginx/README.md': '# not a config {',
    });
    expect([...configs.files.keys()].sort()).toEqual([
      'deploy/conf.d/app.conf',
      'deploy/nginx.conf',
      'proxy/site.conf',
      'sites-available/api',
    ]);
    expect(configs.errors).toEqual([]);
    expect(configs.roots.map((r) => [r.file, r.kind]).sort()).toEqual([
      ['deploy/nginx.conf', 'main'],
      ['proxy/site.conf', 'http'],
      ['sites-available/api', 'http'],
    ]);
  });

  it('finds vhost files without a .conf name by their top-level server or http block', async () => {
    const configs = await load({
      'deploy/proxy': 'server {\n  listen 80;\n  return 301 https://$host$request_uri;\n}\n',
      'ops/api.vhost': 'server {\n  listen 443 ssl;\n}\n',
      'scripts/notes': 'the server { block goes here\n',
      'app/main.py': 'server {\n',
      Makefile: 'all:\n\techo server\n',
    });
    expect([...configs.files.keys()].sort()).toEqual(['deploy/proxy', 'ops/api.vhost']);
    expect(configs.errors).toEqual([]);
  });

  it('skips Jinja and other templates, but reads an envsubst *.conf.template', async () => {
    const configs = await load({
      'deploy/nginx/site.conf.j2': 'server {\n  listen {{ port }};\n  {% if tls %}ssl on;{% endif %}\n}\n',
      'deploy/nginx/site.conf.tmpl': 'server {{ listen }}\n',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an envsubst variable, not a JS template
      'templates/default.conf.template': 'server {\n  listen ${PORT};\n}\n',
    });
    expect([...configs.files.keys()]).toEqual(['templates/default.conf.template']);
    expect(configs.errors).toEqual([]);
  });

  it('reports a parse error for a file that is clearly nginx, not for a foreign .conf', async () => {
    const configs = await load({
      'nginx/default.conf': 'server {\n  listen 80;\n',
      'app/gunicorn.conf': 'bind = "0.0.0.0:8000"\nworkers = 4\n',
      'other/site.conf': 'server { listen 80\n}\n}\n',
      'deploy/upstream.conf': '# my vhost\nupstream app { server 127.0.0.1:8000 }\n',
      'nginx/LICENSE': 'Permission is hereby granted, free of charge, to any person\n',
      'nginx/htpasswd': 'admin:$apr1$abc$def\n',
      'fail2ban/nginx.conf.d/jail.conf': '[nginx-http-auth]\nenabled = true\n',
    });
    expect(configs.errors.map((e) => [e.file, e.line])).toEqual([
      ['deploy/upstream.conf', 2],
      ['nginx/default.conf', 3],
      ['other/site.conf', 2],
    ]);
  });

  it('resolves includes relative to the including file, then its parents, and /etc/nginx/ paths', async () => {
    const configs = await load({
      'nginx/nginx.conf':
        'events {}\nhttp {\n  include /etc/nginx/conf.d/*.conf;\n  include mime.types;\n}\n',
      'nginx/conf.d/app.conf': 'server {\n  listen 443 ssl;\n  include snippets/tls.conf;\n}\n',
      'nginx/snippets/tls.conf': 'ssl_protocols TLSv1.2 TLSv1.3;\n',
    });
    const root = configs.roots.find((r) => r.file === 'nginx/nginx.conf');
    expect(configs.roots.map((r) => r.file)).toEqual(['nginx/nginx.conf']);
    const protocols = [...walkNginx(root?.directives ?? [])].find((d) => d.name === 'ssl_protocols');
    expect(protocols).toMatchObject({ file: 'nginx/snippets/tls.conf', line: 1 });
    expect(configs.unresolved).toEqual([{ file: 'nginx/nginx.conf', line: 4, pattern: 'mime.types' }]);
  });

  it('does not loop on an include cycle', async () => {
    const configs = await load({
      'nginx/a.conf': 'include b.conf;\nserver { listen 80; }\n',
      'nginx/b.conf': 'include a.conf;\n',
    });
    expect(configs.files.size).toBe(2);
  });

  it('builds candidate paths the way the loader documents', () => {
    expect(repoPathCandidates('snippets/x.conf', 'deploy/nginx/conf.d/a.conf')).toEqual([
      'deploy/nginx/conf.d/snippets/x.conf',
      'deploy/nginx/snippets/x.conf',
      'deploy/snippets/x.conf',
      'snippets/x.conf',
    ]);
    expect(repoPathCandidates('/etc/letsencrypt/options-ssl-nginx.conf', 'nginx.conf')).toEqual([
      'etc/letsencrypt/options-ssl-nginx.conf',
    ]);
    expect(
      resolveRepoPaths('conf.d/*.conf', 'nginx.conf', new Set(['conf.d/b.conf', 'conf.d/a.conf', 'x.conf'])),
    ).toEqual(['conf.d/a.conf', 'conf.d/b.conf']);
    expect(isStrongNginxCandidate('infra/nginx/site')).toBe(true);
    expect(isStrongNginxCandidate('infra/nginx/cert.pem')).toBe(false);
    expect(isStrongNginxCandidate('infra/nginx/Dockerfile')).toBe(false);
  });
});

describe('nginx directive table', () => {
  it('knows the directives of core and the Debian modules, and not the guide’s typo', () => {
    for (const name of [
      'ssl_certificate_key',
      'ssl_protocols',
      'limit_req_zone',
      'http2',
      'add_header',
      'more_set_headers',
    ]) {
      expect(isKnownDirective(name), name).toBe(true);
    }
    expect(isKnownDirective('ssl_private_key')).toBe(false);
    expect(KNOWN_DIRECTIVES.size).toBeGreaterThan(700);
    expect(DATA_BLOCKS.has('map')).toBe(true);
  });
});

describe('nginx version', () => {
  const probe = (stderr: string, failure?: 'not-found'): Probe => ({
    run: async () => ({ exitCode: failure ? -1 : 0, stdout: '', stderr, ...(failure ? { failure } : {}) }),
  });

  it('reads nginx -v output and settings', async () => {
    expect(parseNginxVersion('nginx version: nginx/1.22.1\n')).toBe('1.22.1');
    expect(parseNginxVersion('nginx version: openresty/1.21.4.3')).toBe('1.21.4');
    expect(normaliseNginxVersion('1.25')).toBe('1.25.0');
    expect(normaliseNginxVersion('latest')).toBeUndefined();
    expect(await detectNginxVersion('1.25.3', probe(''))).toEqual({ version: '1.25.3', source: 'setting' });
    expect(await detectNginxVersion(undefined, probe('nginx version: nginx/1.24.0'))).toEqual({
      version: '1.24.0',
      source: 'installed',
    });
    expect(await detectNginxVersion(undefined, probe('', 'not-found'))).toEqual({
      version: '1.18.0',
      source: 'assumed',
    });
  });
});
