// The JSON report: exactly DESIGN.md's schemaVersion 1 shape, validated against schemas/report.schema.json.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/types.js';
import { jsonReporter } from '../../src/reporters/json.js';
import { cleanEngineResult, engineResult, handResult, reportContext } from './fixtures.js';
import { errorsOf, reportValidator } from './schemas.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON whose shape is what the test asserts
type Parsed = any;

const validate = reportValidator();
let engine: AuditResult;
let clean: AuditResult;
beforeAll(async () => {
  [engine, clean] = await Promise.all([engineResult(), cleanEngineResult()]);
});

function render(result: AuditResult): Parsed {
  const out = jsonReporter(result, reportContext());
  expect(out.endsWith('}\n')).toBe(true);
  return JSON.parse(out);
}

describe('json reporter', () => {
  it('validates against the schema for the engine, hand-built and clean results', () => {
    for (const result of [engine, handResult(), clean]) {
      const doc = render(result);
      expect(validate(doc), errorsOf(validate)).toBe(true);
    }
  });

  it('has exactly the fields of DESIGN.md section 3, in its order', () => {
    const doc = render(handResult());
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'tool', 'root', 'targets', 'summary', 'checks']);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.tool).toEqual({ name: 'tradesec', version: '1.2.3' });
    expect(Object.keys(doc.summary)).toEqual(['pass', 'fail', 'warn', 'skip', 'error']);
    const container = doc.checks.find((c: { id: string }) => c.id === 'container');
    expect(Object.keys(container)).toEqual([
      'id',
      'point',
      'title',
      'status',
      'durationMs',
      'findings',
      'suppressed',
    ]);
    expect(Object.keys(container.findings[0])).toEqual([
      'rule',
      'severity',
      'message',
      'file',
      'line',
      'fingerprint',
      'remediation',
    ]);
    // the finding without a line, the one with a fix, the one about no file
    expect(container.findings[1]).toEqual({
      rule: 'container/healthcheck',
      severity: 'medium',
      message: 'Dockerfile has no HEALTHCHECK',
      file: 'Dockerfile',
      fingerprint: 'd'.repeat(32),
      remediation: 'Add a HEALTHCHECK instruction.',
      fix: { kind: 'manual', description: 'add HEALTHCHECK CMD curl -f http://127.0.0.1:8000/health' },
    });
    expect(container.findings[4]).not.toHaveProperty('file');
    expect(container.findings[4]).not.toHaveProperty('line');
    expect(container.findings[3].file).toBe('/etc/docker/daemon.json');
    // suppressed entries carry DESIGN.md's rule, file, line, reason and expires, plus how and what was suppressed
    expect(container.suppressed).toMatchObject([
      {
        rule: 'container/latest-tag',
        file: 'Dockerfile',
        line: 1,
        reason: 'accepted in baseline.json',
        kind: 'baseline',
      },
      {
        rule: 'container/socket-mount',
        file: 'ci/compose.yml',
        line: 7,
        reason: 'the CI runner | needs <the> socket',
        expires: '2099-12-31',
        kind: 'config',
      },
    ]);
    for (const s of container.suppressed) {
      expect(Object.keys(s).sort()).toEqual(
        [
          'rule',
          'file',
          'line',
          'reason',
          'kind',
          'severity',
          'message',
          'fingerprint',
          ...('expires' in s ? ['expires'] : []),
        ].sort(),
      );
    }
    const skipped = doc.checks.find((c: { id: string }) => c.id === 'https');
    expect(skipped.skipReason).toBe('not-applicable: no nginx configuration found');
    const errored = doc.checks.find((c: { id: string }) => c.id === 'api-auth');
    expect(errored.error).toBe('parser exploded at <module> & "main"');
  });

  it('reports what the engine found: statuses, counts, point order, suppressions of each kind', () => {
    const doc = render(engine);
    expect(doc.checks.map((c: { id: string; status: string }) => `${c.id}:${c.status}`)).toEqual([
      'secrets:fail',
      'https:skip',
      'api-auth:error',
      'debug:warn',
      'file-perms:pass',
      'container:fail',
    ]);
    expect(doc.summary).toEqual({ pass: 1, fail: 2, warn: 1, skip: 1, error: 1 });
    const suppressed = doc.checks.flatMap((c: { suppressed: Array<{ rule: string }> }) => c.suppressed);
    expect(suppressed.map((s: { rule: string }) => s.rule).sort()).toEqual([
      'container/latest-tag',
      'container/socket-mount',
      'secrets/hardcoded',
    ]);
    const config = suppressed.find((s: { rule: string }) => s.rule === 'container/socket-mount');
    expect(config).toMatchObject({
      rule: 'container/socket-mount',
      file: 'docker compose.yml',
      line: 4,
      reason: 'the CI runner | needs the socket',
      expires: '2099-12-31',
      kind: 'config',
    });
    expect(doc.root).toBe(engine.root);
  });

  it('does not leak properties the result carries beyond the schema', () => {
    const result = handResult();
    const polluted = {
      ...result,
      internal: 'x',
      checks: result.checks.map((c) => ({
        ...c,
        cache: {},
        findings: c.findings.map((f) => ({ ...f, raw: 'v' })),
      })),
    } as AuditResult;
    const doc = render(polluted);
    expect(validate(doc), errorsOf(validate)).toBe(true);
    expect(JSON.stringify(doc)).not.toMatch(/internal|cache|"raw"/);
  });

  it('has a schema strict enough to reject malformed reports', () => {
    const good = render(handResult());
    const broken: Array<[string, (d: Parsed) => void]> = [
      ['extra top-level field', (d) => (d.extra = 1)],
      ['wrong schemaVersion', (d) => (d.schemaVersion = 2)],
      ['skip without a reason', (d) => delete d.checks[1].skipReason],
      ['error without a message', (d) => delete d.checks[2].error],
      ['pass with findings', (d) => d.checks[0].findings.push(d.checks[3].findings[0])],
      ['warn with a high finding', (d) => (d.checks[3].findings[0].severity = 'high')],
      ['fail with only low findings', (d) => (d.checks[4].findings = [d.checks[3].findings[0]])],
      ['line 0', (d) => (d.checks[4].findings[0].line = 0)],
      ['line without a file', (d) => delete d.checks[4].findings[0].file],
      ['unknown severity', (d) => (d.checks[4].findings[0].severity = 'severe')],
      ['rule id not check/rule', (d) => (d.checks[4].findings[0].rule = 'root-user')],
      ['suppressed with extra fields', (d) => (d.checks[4].suppressed[0].note = 'x')],
      ['suppressed of an unknown kind', (d) => (d.checks[4].suppressed[0].kind = 'magic')],
      ['suppressed without a reason', (d) => delete d.checks[4].suppressed[0].reason],
      ['bad expiry', (d) => (d.checks[4].suppressed[1].expires = 'next year')],
      ['unknown fix kind', (d) => (d.checks[4].findings[1].fix = { kind: 'rm', description: 'x' })],
      ['unknown target', (d) => (d.targets = ['cloud'])],
    ];
    for (const [name, mutate] of broken) {
      const doc = structuredClone(good);
      mutate(doc);
      expect(validate(doc), name).toBe(false);
    }
  });
});
