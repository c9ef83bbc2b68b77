// Runs the real `nginx -t` on a configuration in a temporary prefix, as any user (tests only).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { findTool } from '../helpers/require-tool.js';

/** Temp paths inside the prefix, so nginx -t needs no write access to /var/lib/nginx. */
export const TEMP_PATHS =
  'client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;';

/** Runs `nginx -t` (or `-T`) on `conf` (relative to `prefix`), with the pid file and error log kept out of system paths. */
export async function runNginxTest(
  prefix: string,
  conf: string,
  options: { dump?: boolean } = {},
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  await mkdir(path.join(prefix, 'tmp'), { recursive: true });
  const r = await execa(
    findTool('nginx') ?? 'nginx',
    [
      options.dump ? '-T' : '-t',
      '-q',
      '-p',
      `${prefix}/`,
      '-e',
      'stderr',
      '-g',
      `pid ${path.join(prefix, 'nginx.pid')};`,
      '-c',
      path.join(prefix, conf),
    ],
    { reject: false },
  );
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Writes a wrapper that puts a file meant for the http context (a conf.d file) inside events/http. The wrapper
 * goes where nginx.conf would be (the parent of conf.d/ or sites-enabled/), since nginx resolves relative paths
 * against that directory; returns its path relative to the prefix.
 */
export async function writeHttpWrapper(prefix: string, include: string): Promise<string> {
  const parts = include.split('/');
  const parent = parts.at(-2) ?? '';
  const home = /^(conf\.d|sites-enabled|sites-available|http\.d)$/.test(parent)
    ? parts.slice(0, -2)
    : parts.slice(0, -1);
  const name = [...home, '__nginx-t.conf'].join('/');
  const relative = parts.slice(home.length).join('/');
  await writeFile(path.join(prefix, name), `events {}\nhttp {\n  ${TEMP_PATHS}\n  include ${relative};\n}\n`);
  return name;
}

/** Puts the temp paths into the first http block of a main configuration (the copy given to nginx -t). */
export function withTempPaths(text: string): string {
  return text.replace(/(^|\n)(\s*)http\s*\{/, (m) => `${m}\n  ${TEMP_PATHS}\n`);
}
