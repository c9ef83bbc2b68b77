// The JSON report: exactly the schemaVersion 1 object of DESIGN.md (schemas/report.schema.json).
import type { AuditResult, CheckResult, Finding, SuppressedFinding } from '../audit/types.js';
import type { Reporter } from './types.js';

/** The JSON report object: built field by field so nothing internal leaks into it. */
export function jsonReport(result: AuditResult): Record<string, unknown> {
  return {
    schemaVersion: 1,
    tool: { name: result.tool.name, version: result.tool.version },
    root: result.root,
    targets: [...result.targets],
    summary: {
      pass: result.summary.pass,
      fail: result.summary.fail,
      warn: result.summary.warn,
      skip: result.summary.skip,
      error: result.summary.error,
    },
    checks: result.checks.map(checkJson),
  };
}

function checkJson(c: CheckResult): Record<string, unknown> {
  return {
    id: c.id,
    point: c.point,
    title: c.title,
    status: c.status,
    ...(c.skipReason === undefined ? {} : { skipReason: c.skipReason }),
    ...(c.error === undefined ? {} : { error: c.error }),
    durationMs: c.durationMs,
    findings: c.findings.map(findingJson),
    suppressed: c.suppressed.map(suppressedJson),
  };
}

function findingJson(f: Finding): Record<string, unknown> {
  return {
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    ...(f.file === undefined ? {} : { file: f.file }),
    ...(f.line === undefined ? {} : { line: f.line }),
    fingerprint: f.fingerprint,
    remediation: f.remediation,
    ...(f.fix ? { fix: f.fix } : {}),
  };
}

function suppressedJson(s: SuppressedFinding): Record<string, unknown> {
  return {
    rule: s.rule,
    ...(s.file === undefined ? {} : { file: s.file }),
    ...(s.line === undefined ? {} : { line: s.line }),
    reason: s.reason,
    kind: s.kind,
    severity: s.severity,
    message: s.message,
    fingerprint: s.fingerprint,
    ...(s.expires === undefined ? {} : { expires: s.expires }),
  };
}

/** Renders the result as JSON (schemaVersion 1). */
export const jsonReporter: Reporter = (result) => `${JSON.stringify(jsonReport(result), null, 2)}\n`;
