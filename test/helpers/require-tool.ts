// Tests that need a real program (nginx, openssl...): skip with a hint when it is missing, fail in CI.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** The script that installs every program the end-to-end tests need. */
export const INSTALL_SCRIPT = 'scripts/install-test-deps.sh';

const warned = new Set<string>();

/** The absolute path of `name` on PATH, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  for (const dir of ['/usr/sbin', '/sbin']) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there either
    }
  }
  return undefined;
}

/** Why tests that need `name` do not run. */
export function missingToolMessage(name: string): string {
  return `${name} is not installed: these tests are skipped (run ${INSTALL_SCRIPT} to install it)`;
}

/**
 * True when `name` can run. When it cannot: throws if TRADESEC_REQUIRE_E2E=1 (CI must run every test),
 * otherwise warns once and returns false so the caller can skip (`describe.skipIf(!requireTool('nginx'))`).
 */
export function requireTool(name: string): boolean {
  if (findTool(name)) return true;
  if (process.env.TRADESEC_REQUIRE_E2E === '1') {
    throw new Error(
      `${name} is required because TRADESEC_REQUIRE_E2E=1, but it is not installed: run ${INSTALL_SCRIPT}`,
    );
  }
  if (!warned.has(name)) {
    warned.add(name);
    console.warn(missingToolMessage(name));
  }
  return false;
}
