// testCheck: runs a check through the real engine on small repositories, one vitest case each.
import { describe, expect, it } from 'vitest';
import type { Check } from '../../src/audit/check.js';
import { defaultConfig, parseConfig } from '../../src/audit/config.js';
import { runAudit } from '../../src/audit/engine.js';
import type { AuditResult, CheckStatus } from '../../src/audit/types.js';
import type { Probe } from '../../src/facts/probe.js';
import { reporters } from '../../src/reporters/index.js';
import { type FileSpec, tempDir, writeFiles } from './temp.js';

/** An expected finding: a rule id, optionally with its file and line. */
export type ExpectedFinding = string | { rule: string; file?: string; line?: number };

/** One case: a small repository and what the check must say about it. */
export interface CheckCase {
  name: string;
  files?: Record<string, FileSpec>;
  /** Runs after the files are written (git history, symlinks, modes). */
  setup?: (dir: string) => Promise<void>;
  /** `.tradesecrc` text. */
  config?: string;
  now?: Date;
  isRoot?: boolean;
  probe?: Probe;
  hostRoot?: string;
  targets?: Array<'repo' | 'host' | 'url'>;
  inlineIgnores?: boolean;
  /** For fail and warn cases: exactly the unsuppressed findings expected (rule ids, and lines where given). */
  findings?: ExpectedFinding[];
  /** Rule ids expected among the suppressed findings. */
  suppressed?: string[];
  /** Expected status when it is not the group's (e.g. `warn` in the fail group). */
  status?: CheckStatus;
  /** Values that must not appear in any report format. */
  secrets?: string[];
  /** Extra assertions on the result. */
  verify?: (result: AuditResult, dir: string) => void | Promise<void>;
}

/** Runs one case and returns the result and the directory. */
export async function runCase(check: Check, c: CheckCase): Promise<{ result: AuditResult; dir: string }> {
  const dir = await tempDir();
  await writeFiles(dir, c.files ?? {});
  await c.setup?.(dir);
  const config = c.config ? parseConfig(c.config, '.tradesecrc') : defaultConfig();
  const result = await runAudit({
    root: dir,
    checks: [check],
    config,
    version: '0.0.0-test',
    targets: c.targets ?? ['repo'],
    ...(c.now ? { now: c.now } : {}),
    ...(c.isRoot === undefined ? {} : { isRoot: c.isRoot }),
    ...(c.probe ? { probe: c.probe } : {}),
    ...(c.hostRoot ? { hostRoot: c.hostRoot } : {}),
    ...(c.inlineIgnores === undefined ? {} : { inlineIgnores: c.inlineIgnores }),
  });
  return { result, dir };
}

function matches(expected: ExpectedFinding, actual: { rule: string; file?: string; line?: number }): boolean {
  if (typeof expected === 'string') return expected === actual.rule;
  return (
    expected.rule === actual.rule &&
    (expected.file === undefined || expected.file === actual.file) &&
    (expected.line === undefined || expected.line === actual.line)
  );
}

/** Registers pass, fail and skip cases of a check; at least one pass and one fail case are required. */
export function testCheck(
  check: Check,
  cases: { pass: CheckCase[]; fail: CheckCase[]; skip?: CheckCase[] },
): void {
  if (cases.pass.length === 0 || cases.fail.length === 0) {
    throw new Error(`testCheck(${check.meta.id}) needs at least one pass and one fail case`);
  }
  describe(`check ${check.meta.id}`, () => {
    for (const [group, list] of [
      ['pass', cases.pass],
      ['fail', cases.fail],
      ['skip', cases.skip ?? []],
    ] as const) {
      for (const c of list) {
        it(`${group}: ${c.name}`, async () => {
          const { result, dir } = await runCase(check, c);
          const r = result.checks[0];
          expect(r, 'the check ran').toBeDefined();
          if (!r) return;
          const expectedStatus = c.status ?? group;
          expect(r.error, 'the check did not crash').toBeUndefined();
          expect(
            {
              status: r.status,
              findings: r.findings.map((f) => `${f.rule} ${f.file ?? ''}:${f.line ?? ''}`),
            },
            `status of "${c.name}"`,
          ).toMatchObject({ status: expectedStatus });
          if (group === 'skip') expect(r.skipReason).toBeTruthy();
          if (c.findings) {
            const unmatched = r.findings.filter((f) => !c.findings?.some((e) => matches(e, f)));
            const missing = c.findings.filter((e) => !r.findings.some((f) => matches(e, f)));
            expect({ unexpected: unmatched, missing }).toEqual({ unexpected: [], missing: [] });
          } else if (group === 'fail') {
            throw new Error(`fail case "${c.name}" must list its expected findings`);
          }
          if (c.suppressed) {
            expect(r.suppressed.map((s) => s.rule).sort()).toEqual([...c.suppressed].sort());
          }
          for (const f of r.findings) {
            expect(f.line === undefined || f.line >= 1).toBe(true);
            expect(f.file === undefined || !f.file.includes('\\')).toBe(true);
          }
          if (c.secrets?.length) assertNoSecrets(result, c.secrets);
          await c.verify?.(result, dir);
        });
      }
    }
  });
}

/**
 * The check, seeing the given files (relative paths) as unreadable with the given error: tests run as root,
 * which reads any file whatever its mode, so a read error is injected instead.
 */
export function withReadErrors(check: Check, errors: Record<string, string>): Check {
  return {
    meta: check.meta,
    run(ctx) {
      const read: typeof ctx.read = (file) => {
        const rel = typeof file === 'string' ? file : file.path;
        const error = errors[rel];
        return error === undefined ? ctx.read(file) : Promise.resolve({ kind: 'unreadable', error });
      };
      return check.run(Object.assign(Object.create(ctx) as typeof ctx, { read }));
    },
  };
}

/** Asserts that no report format contains any of the secret values. */
export function assertNoSecrets(
  result: AuditResult,
  secrets: readonly string[],
  checks: readonly Check[] = [],
): void {
  for (const [name, reporter] of Object.entries(reporters)) {
    const out = reporter(result, { checks, version: '0.0.0-test', color: false, failOn: 'medium' });
    for (const s of secrets) {
      expect(out.includes(s), `${name} report leaks a secret value`).toBe(false);
    }
  }
}
