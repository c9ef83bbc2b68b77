// biome-ignore-all lint/suspicious/noTemplateCurlyInString: nginx variable references, not JS templates
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFiles } from '../../src/facts/discovery.js';
import { loadNginxConfigs } from '../../src/facts/nginx/config.js';
import { type NginxDirective, parseNginx, walkNginx } from '../../src/facts/nginx/parser.js';
import { readTextFile } from '../../src/facts/text.js';
import { requireTool } from '../helpers/require-tool.js';
import { tempDir, writeFiles } from '../helpers/temp.js';
import { runNginxTest, withTempPaths } from './nginx-test-run.js';

const names = (ds: readonly NginxDirective[]): string[] => [...walkNginx(ds)].map((d) => d.name);
/** Each directive of a tree as `name@line arg|arg|...` (argument values as nginx reads them), depth first. */
const ownDirectives = (ds: readonly NginxDirective[]): string[] =>
  ds.flatMap((d) => [
    `${d.name}@${d.line} ${d.args.map((a) => a.value).join('|')}`,
    ...ownDirectives(d.block ?? []),
  ]);

function parseOk(text: string): NginxDirective[] {
  const r = parseNginx(text, 'x.conf');
  if (!r.ok) throw new Error(`unexpected parse error: ${r.error.message} at ${r.error.line}`);
  return r.directives;
}

describe('nginx parser', () => {
  it('reads directives, blocks and 1-based lines', () => {
    const ds = parseOk('events {}\n\nhttp {\n  server {\n    listen 443 ssl;\n  }\n}\n');
    expect(names(ds)).toEqual(['events', 'http', 'server', 'listen']);
    const listen = [...walkNginx(ds)].find((d) => d.name === 'listen');
    expect(listen?.line).toBe(5);
    expect(listen?.args.map((a) => a.value)).toEqual(['443', 'ssl']);
    expect(ds[1]?.line).toBe(3);
  });

  it('unquotes strings and unescapes what nginx unescapes', () => {
    const [d] = parseOk(`return 200 "a \\"b\\" ;{ } # not a comment" 'it\\'s' "tab\\tx" "keep\\d";`);
    expect(d?.args.map((a) => a.value)).toEqual([
      '200',
      'a "b" ;{ } # not a comment',
      "it's",
      'tab\tx',
      'keep\\d',
    ]);
    expect(d?.args[1]?.quoted).toBe(true);
  });

  it('keeps ${var} inside a word and # inside a word', () => {
    const [a, b] = parseOk('set $x ${host}y;\nreturn 200 a#b;\n');
    expect(a?.args.map((x) => x.value)).toEqual(['$x', '${host}y']);
    expect(b?.args.map((x) => x.value)).toEqual(['200', 'a#b']);
  });

  it('ignores comments, braces in comments included', () => {
    const ds = parseOk('# server { listen 80; }\nhttp { # {\n  gzip on; # }\n}\n');
    expect(names(ds)).toEqual(['http', 'gzip']);
  });

  it('gives a directive spanning lines the line of its name', () => {
    const ds = parseOk("http {\n  log_format main\n    '$remote_addr'\n    '$status';\n}\n");
    const lf = ds[0]?.block?.[0];
    expect(lf?.line).toBe(2);
    expect(lf?.args.map((a) => a.line)).toEqual([2, 3, 4]);
  });

  it('reads `if ($a = "b")` with the parenthesis after a quote', () => {
    const [d] = parseOk('if ($request_method = "POST") { return 405; }');
    expect(d?.args.map((a) => a.value)).toEqual(['($request_method', '=', 'POST', ')']);
    expect(d?.block?.[0]?.name).toBe('return');
  });

  it('skips Lua blocks as text', () => {
    const ds = parseOk(
      'location / {\n  content_by_lua_block {\n    ngx.say("}{") -- }\n    if x then end\n  }\n  gzip on;\n}\n',
    );
    expect(names(ds)).toEqual(['location', 'content_by_lua_block', 'gzip']);
    expect(ds[0]?.block?.[0]?.rawBlock).toContain('ngx.say');
  });

  it.each([
    ['http {\n  server {\n', 'unexpected end of file, expecting "}"', 3],
    ['http {}\n}\n', 'unexpected "}"', 2],
    ['return 200 "abc;\n', 'unexpected end of file, expecting ";" or "}"', 2],
    ['return 200 "a"b;\n', 'unexpected "b"', 1],
    ['http { ; }\n', 'unexpected ";"', 1],
    ['{ }\n', 'unexpected "{"', 1],
    ['http { gzip }\n', 'unexpected "}"', 1],
    ['gzip on\n', 'unexpected end of file, expecting ";" or "}"', 2],
  ])('reports %j as a syntax error', (text, message, line) => {
    const r = parseNginx(text, 'x.conf');
    expect(r.ok).toBe(false);
    if (!r.ok) expect({ message: r.error.message, line: r.error.line }).toEqual({ message, line });
  });
});

const VALID = [
  // quotes, escapes, a comment-looking string, ${var}, # inside a word, a multi-line directive, if (... "x")
  `events {}
http {
  log_format main '$remote_addr "$request"'
                  ' $status';  # trailing comment {
  server {
    listen 127.0.0.1:18080;
    location / {
      set $a 1;
      if ($request_method = "POST") { return 405; }
      add_header X-A "\\"q\\" ;{ } # no comment" always;
      return 200 \${a}x#y;
    }
  }
}
`,
  `events { worker_connections 64; }
http { server { listen 127.0.0.1:18081; location = /x { return 200 'it\\'s'; } } }`,
];

const INVALID = [
  'events {}\nhttp {\n  server {\n',
  'events {}\nhttp {}\n}\n',
  'events {}\nhttp { server { return 200 "abc; } }\n',
  'events {}\nhttp { server { location / { return 200 "a"b; } } }\n',
  'events {}\nhttp { ; }\n',
  'events {}\n{ }\n',
  'events {}\nhttp { server { location /; } }\n',
  'events {}\nhttp {\n  server_tokens off { }\n}\n',
  'events {}\nhttp {\n  server {\n    ssl_protocols TLSv1 TLSv1.2\n    location / {\n    }\n  }\n}\n',
  'events {}\nhttp {\n  upstream app {\n    server 127.0.0.1:8000 { }\n  }\n}\n',
];

describe.skipIf(!requireTool('nginx'))('nginx parser against nginx itself', () => {
  const nginxTest = (dir: string, conf: string, dump = false) => runNginxTest(dir, conf, { dump });

  it('accepts what nginx -t accepts', async () => {
    for (const text of VALID) {
      const dir = await tempDir();
      await writeFiles(dir, { 'nginx.conf': withTempPaths(text) });
      const r = await nginxTest(dir, 'nginx.conf');
      expect({ text, stderr: r.stderr, exitCode: r.exitCode }).toMatchObject({ exitCode: 0 });
      expect(parseNginx(text, 'nginx.conf').ok).toBe(true);
    }
  });

  it('rejects what nginx -t rejects, on the line nginx names', async () => {
    for (const text of INVALID) {
      const dir = await tempDir();
      await writeFiles(dir, { 'nginx.conf': text });
      const r = await nginxTest(dir, 'nginx.conf');
      expect(r.exitCode, text).not.toBe(0);
      const parsed = parseNginx(text, 'nginx.conf');
      expect(parsed.ok, text).toBe(false);
      const nginxLine = Number(/nginx\.conf:(\d+)/.exec(r.stderr)?.[1]);
      if (!parsed.ok) expect({ text, line: parsed.error.line }).toEqual({ text, line: nginxLine });
    }
  });

  it('follows includes (globs, relative to the config directory) in the order nginx -T reads them', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      'nginx.conf':
        'events {}\nhttp {\n  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;\n  include conf.d/*.conf;\n  include snippets/b.conf;\n  server {\n    listen 127.0.0.1:18082;\n    include snippets/a.conf;\n  }\n}\n',
      'conf.d/1.conf':
        'gzip on;\nmap $http_upgrade $connection_upgrade {\n  default upgrade;\n  \'\' close;\n}\nlog_format main \'$remote_addr "$request"\'\n  " $status";\n',
      'conf.d/2.conf':
        'include snippets/c.conf;\nupstream app { server 127.0.0.1:8000 max_fails=3; keepalive 8; }\nserver {\n  listen 127.0.0.1:18083;\n  location ~* \\.(png|jpe?g)$ { expires 7d; }\n  location /api/ {\n    if ($request_method = "OPTIONS") { return 204; }\n    proxy_set_header X-Q "a\\"b;{c}";\n    proxy_pass http://app;\n  }\n}\n',
      'snippets/a.conf': "location / { return 200 'it\\'s ${host}'; }\n",
      'snippets/b.conf': 'server_tokens off; # trailing comment {\n',
      'snippets/c.conf': 'sendfile on;\n',
    });
    const r = await nginxTest(dir, 'nginx.conf', true);
    expect(r.exitCode, r.stderr).toBe(0);
    const nginxOrder = [...r.stdout.matchAll(/^# configuration file (.+):$/gm)].map((m) =>
      path.relative(dir, m[1] as string),
    );

    const files = await discoverFiles(dir);
    const configs = await loadNginxConfigs({
      files: async () => files,
      read: (f) => readTextFile(typeof f === 'string' ? path.join(dir, f) : f.abs),
    });
    expect(configs.roots.map((x) => x.file)).toEqual(['nginx.conf']);
    const order: string[] = ['nginx.conf'];
    for (const d of walkNginx(configs.roots[0]?.directives ?? [])) {
      for (const inc of d.included ?? []) if (!order.includes(inc.file)) order.push(inc.file);
    }
    expect(order).toEqual(nginxOrder);

    // Each file as nginx dumped it parses to the directives the loader read from disk.
    const dumps = r.stdout.split(/^# configuration file .+:\n/m).slice(1);
    expect(dumps.length).toBe(nginxOrder.length);
    for (const [i, file] of nginxOrder.entries()) {
      const text = await readFile(path.join(dir, file), 'utf8');
      expect(dumps[i]?.trim()).toBe(text.trim());
      expect(ownDirectives(configs.files.get(file)?.directives ?? [])).toEqual(
        ownDirectives(parseOk(dumps[i] ?? '')),
      );
    }
    // nginx -T shows text, not its tokens: the tricky arguments are checked against nginx's tokenizer rules.
    const read = (file: string) => ownDirectives(configs.files.get(file)?.directives ?? []);
    expect(read('conf.d/1.conf')).toContain('log_format@6 main|$remote_addr "$request"| $status');
    expect(read('conf.d/1.conf')).toContain('@4 close');
    expect(read('conf.d/2.conf')).toEqual(
      expect.arrayContaining([
        'server@2 127.0.0.1:8000|max_fails=3',
        'location@5 ~*|\\.(png|jpe?g)$',
        'if@7 ($request_method|=|OPTIONS|)',
        'proxy_set_header@8 X-Q|a"b;{c}',
      ]),
    );
    expect(read('snippets/a.conf')).toContain("return@1 200|it's ${host}");
    expect(read('snippets/b.conf')).toEqual(['server_tokens@1 off']);
  });
});
