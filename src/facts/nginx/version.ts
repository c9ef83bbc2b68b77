// The nginx version a configuration is judged against: configured, probed with `nginx -v`, or the oldest supported.
import semver from 'semver';
import type { Probe } from '../probe.js';

/** The oldest nginx tradesec supports (Debian 11 and Ubuntu 22.04 ship 1.18). */
export const OLDEST_SUPPORTED_NGINX = '1.18.0';

/** Where the version came from: a setting, the installed nginx, or the oldest-supported assumption. */
export interface NginxVersion {
  version: string;
  source: 'setting' | 'installed' | 'assumed';
}

/** Reads `nginx version: nginx/1.22.1` (what `nginx -v` prints on stderr); undefined when absent. */
export function parseNginxVersion(output: string): string | undefined {
  const m = /nginx version:\s*(?:nginx|openresty|angie)\/(\d+\.\d+(?:\.\d+)?)/i.exec(output);
  return m?.[1] ? (semver.coerce(m[1])?.version ?? undefined) : undefined;
}

/** Normalises a version given by a user (`1.25`, `1.25.1`, `nginx/1.25.1`); undefined when it is not one. */
export function normaliseNginxVersion(value: string): string | undefined {
  const m = /^(?:nginx\/)?(\d+\.\d+(?:\.\d+)?)$/.exec(value.trim());
  return m?.[1] ? (semver.coerce(m[1])?.version ?? undefined) : undefined;
}

/** The version from a setting, else `nginx -v` through the probe, else the oldest supported. */
export async function detectNginxVersion(setting: string | undefined, probe: Probe): Promise<NginxVersion> {
  if (setting !== undefined) {
    const v = normaliseNginxVersion(setting);
    if (!v) throw new Error(`nginx-version "${setting}" is not a version such as 1.22.1`);
    return { version: v, source: 'setting' };
  }
  const r = await probe.run(['nginx', '-v'], { timeoutMs: 5000 });
  const found = r.failure ? undefined : parseNginxVersion(`${r.stderr}\n${r.stdout}`);
  if (found) return { version: found, source: 'installed' };
  return { version: OLDEST_SUPPORTED_NGINX, source: 'assumed' };
}

/** True when `version` is at least `min`. */
export function nginxAtLeast(version: string, min: string): boolean {
  return semver.gte(version, min);
}
