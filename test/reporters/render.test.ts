// The reporter registry: renderReport, purity, and no secret value in any format.
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/audit/errors.js';
import type { AuditResult } from '../../src/audit/types.js';
import { REPORT_FORMATS, renderReport, reporters } from '../../src/reporters/index.js';
import { assertNoSecrets } from '../helpers/check-tester.js';
import {
  engineResult,
  handResult,
  PLANTED_SECRET,
  PLANTED_SUPPRESSED_SECRET,
  reportContext,
} from './fixtures.js';

let engine: AuditResult;
beforeAll(async () => {
  engine = await engineResult();
});

describe('reporters', () => {
  it('registers the six formats', () => {
    expect(Object.keys(reporters).sort()).toEqual(['github', 'json', 'junit', 'markdown', 'sarif', 'text']);
    expect([...REPORT_FORMATS].sort()).toEqual(Object.keys(reporters).sort());
  });

  it('renderReport renders a known format and refuses an unknown one with a usage error', () => {
    for (const format of REPORT_FORMATS) {
      expect(renderReport(format, handResult(), reportContext())).toBe(
        reporters[format](handResult(), reportContext()),
      );
    }
    for (const bad of ['xml', 'JSON', '', 'toString', '__proto__', 'constructor']) {
      expect(() => renderReport(bad, handResult(), reportContext()), bad).toThrow(UsageError);
    }
    expect(() => renderReport('xml', handResult(), reportContext())).toThrow(
      'unknown report format "xml" (expected one of: text, json, sarif, junit, markdown, github)',
    );
  });

  it('are pure: same output twice, the result untouched', () => {
    const result = handResult();
    const before = structuredClone(result);
    for (const format of REPORT_FORMATS) {
      for (const color of [false, true]) {
        const a = renderReport(format, result, reportContext({ color }));
        expect(renderReport(format, result, reportContext({ color })), format).toBe(a);
      }
    }
    expect(result).toEqual(before);
  });

  it('never print a secret value the engine masked, in any format, suppressed or not', () => {
    // the findings are there (masked), so absence of the value means something
    const weak = engine.checks[0]?.findings[0];
    expect(weak?.rule).toBe('secrets/weak-key');
    expect(weak?.message).toContain('[redacted]');
    expect(engine.checks[0]?.suppressed.map((s) => s.rule)).toEqual(['secrets/hardcoded']);
    for (const format of REPORT_FORMATS) {
      for (const color of [false, true]) {
        const out = renderReport(format, engine, reportContext({ color }));
        expect(out.length).toBeGreaterThan(0);
        for (const secret of [PLANTED_SECRET, PLANTED_SUPPRESSED_SECRET]) {
          expect(out.includes(secret), `${format} leaks a secret`).toBe(false);
          // nor a fragment long enough to matter
          expect(out.includes(secret.slice(4, 16)), `${format} leaks part of a secret`).toBe(false);
        }
      }
    }
    // the helper checks use (with an empty catalogue) agrees
    assertNoSecrets(engine, [PLANTED_SECRET, PLANTED_SUPPRESSED_SECRET]);
  });
});
