// Settings the FastAPI checks share: comma-separated options and the names of the API-key dependency.
import type { CheckSettings } from '../../audit/check.js';
import type { AuditConfig } from '../../audit/config.js';

/** Why a FastAPI check skips a repository without an application. */
export const NO_FASTAPI_APP = 'no FastAPI application (a fastapi.FastAPI() instance) in the repository';

/** A comma-separated option as a list: items trimmed, empty ones dropped, spaces inside an item kept (`GET /health`). */
export function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A list option in lower case, or `defaults` (comma-separated) when the option is not set. */
export function lowerCaseList(settings: CheckSettings, key: string, defaults: string): string[] {
  const configured = settings.list(key);
  return (configured.length > 0 ? configured : defaults.split(','))
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** The functions named in `[api-auth] auth-dependencies`: api-auth, debug and security-logging all honour them. */
export function configuredAuthDependencies(config: AuditConfig): string[] {
  return commaList(config.sections.get('api-auth')?.['auth-dependencies']);
}
