// The SARIF report: valid against the official 2.1.0 schema, every rule listed, results GitHub can ingest.
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { securitySeverityScore } from '../../src/audit/severity.js';
import type { AuditResult, Severity } from '../../src/audit/types.js';
import { sarifReporter } from '../../src/reporters/sarif.js';
import { CATALOGUE, cleanEngineResult, engineResult, handResult, reportContext } from './fixtures.js';
import { errorsOf, sarifValidator } from './schemas.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON whose shape is what the test asserts
type Parsed = any;

const validate = sarifValidator();
let engine: AuditResult;
let clean: AuditResult;
beforeAll(async () => {
  [engine, clean] = await Promise.all([engineResult(), cleanEngineResult()]);
});

type Sarif = { version: string; runs: Array<Parsed> };

function render(result: AuditResult, checks = CATALOGUE): Sarif {
  return JSON.parse(sarifReporter(result, reportContext({ checks })));
}

function resultFor(run: Parsed, ruleId: string, fingerprint?: string): Parsed {
  const found = run.results.find(
    (r: Parsed) =>
      r.ruleId === ruleId &&
      (fingerprint === undefined || r.partialFingerprints['tradesec/v1'] === fingerprint),
  );
  expect(found, ruleId).toBeDefined();
  return found;
}

describe('sarif reporter', () => {
  it('validates against the official SARIF 2.1.0 schema', () => {
    for (const result of [engine, handResult(), clean]) {
      const doc = render(result);
      expect(validate(doc), errorsOf(validate)).toBe(true);
    }
    // with an empty catalogue (rules only from the results) it stays valid
    const bare = render(handResult(), []);
    expect(validate(bare), errorsOf(validate)).toBe(true);
  });

  it('uses a validator that rejects invalid SARIF', () => {
    const doc = render(handResult()) as Parsed;
    doc.runs[0].results[0].level = 'fatal';
    expect(validate(doc)).toBe(false);
    // formats are checked too: an unencoded space is not a URI reference
    const rawSpace = render(handResult()) as Parsed;
    rawSpace.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri = 'docker compose.yml';
    expect(validate(rawSpace)).toBe(false);
    const noVersion = render(handResult()) as Parsed;
    delete noVersion.version;
    expect(validate(noVersion)).toBe(false);
  });

  it('has one run whose driver lists every rule of every check, with help and security-severity', () => {
    const doc = render(handResult());
    expect(doc.version).toBe('2.1.0');
    expect(doc.runs).toHaveLength(1);
    const driver = doc.runs[0]?.tool.driver;
    expect(driver.name).toBe('tradesec');
    expect(driver.version).toBe('1.2.3');
    expect(driver.informationUri).toMatch(/^https:\/\//);
    const ids = driver.rules.map((r: { id: string }) => r.id);
    const expected = CATALOGUE.flatMap((c) => [
      ...Object.keys(c.meta.rules).map((r) => `${c.meta.id}/${r}`),
      `${c.meta.id}/unreadable-file`,
    ]);
    expect(ids).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
    for (const check of CATALOGUE) {
      for (const [name, meta] of Object.entries(check.meta.rules)) {
        const rule = driver.rules.find((r: { id: string }) => r.id === `${check.meta.id}/${name}`);
        expect(rule.shortDescription.text).toBe(meta.title);
        expect(rule.fullDescription.text).toBe(meta.description);
        expect(rule.help.text).toContain(meta.remediation);
        expect(rule.help.markdown).toContain('**How to fix:**');
        expect(rule.properties['security-severity']).toBe(securitySeverityScore(meta.severity));
        expect(rule.properties.tags).toContain('security');
      }
    }
    const unreadable = driver.rules.find((r: { id: string }) => r.id === 'container/unreadable-file');
    expect(unreadable.shortDescription.text).toBe('Files the check needs are readable');
    expect(unreadable.properties['security-severity']).toBe(securitySeverityScore('medium'));
    // references end up in the help text
    expect(driver.rules[0].help.markdown).toContain('<https://cheatsheetseries.owasp.org/');
  });

  it('maps results to rules, levels, locations and fingerprints', () => {
    const run = render(handResult()).runs[0] as Parsed;
    const rules = run.tool.driver.rules;
    for (const r of run.results) {
      expect(rules[r.ruleIndex].id).toBe(r.ruleId);
      const severity = r.properties.severity as Severity;
      const level = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' }[
        severity
      ];
      expect(r.level, r.ruleId).toBe(level);
      expect(r.locations).toHaveLength(1);
      expect(r.partialFingerprints['tradesec/v1']).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(run.results).toHaveLength(9);

    const root = resultFor(run, 'container/root-user');
    expect(root.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'Dockerfile', uriBaseId: '%SRCROOT%' },
      region: { startLine: 3 },
    });
    expect(root.message.text).toContain('a <b> & "c"');
    expect(root.partialFingerprints).toEqual({ 'tradesec/v1': 'c'.repeat(32) });

    // no line: no region
    const health = resultFor(run, 'container/healthcheck');
    expect(health.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'Dockerfile', uriBaseId: '%SRCROOT%' },
    });
    // a space and a comma in a relative path are percent-encoded
    const sock = resultFor(run, 'container/socket-mount', 'e'.repeat(32));
    expect(sock.locations[0].physicalLocation.artifactLocation.uri).toBe(
      'deploy/docker%20compose%2Cprod.yml',
    );
    expect(sock.level).toBe('error');
    // a host path is an absolute file URI without a base
    const daemon = resultFor(run, 'container/daemon-config');
    expect(daemon.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'file:///etc/docker/daemon.json' },
      region: { startLine: 2 },
    });
    // no file at all: anchored at the audited directory, so GitHub does not reject the upload
    const noFile = resultFor(run, 'container/no-compose');
    expect(noFile.locations[0].physicalLocation.artifactLocation).toEqual({
      uri: '.',
      uriBaseId: '%SRCROOT%',
    });
    expect(noFile.level).toBe('note');
    expect(resultFor(run, 'debug/docs-exposed').level).toBe('note');

    expect(run.originalUriBaseIds['%SRCROOT%'].uri).toBe('file:///srv/trading%20app/');
  });

  it('includes suppressed findings with suppressions of the right kind', () => {
    const run = render(handResult()).runs[0] as Parsed;
    const inline = resultFor(run, 'secrets/hardcoded');
    expect(inline.suppressions).toEqual([
      {
        kind: 'inSource',
        status: 'accepted',
        justification: 'revoked test key',
        properties: { source: 'inline' },
      },
    ]);
    const baseline = resultFor(run, 'container/latest-tag');
    expect(baseline.suppressions[0]).toMatchObject({
      kind: 'external',
      justification: 'accepted in baseline.json',
    });
    const config = resultFor(run, 'container/socket-mount', '2'.repeat(32));
    expect(config.suppressions[0]).toMatchObject({
      kind: 'external',
      justification: 'the CI runner | needs <the> socket',
      properties: { source: 'config', expires: '2099-12-31' },
    });
    const unsuppressed = run.results.filter((r: Parsed) => !r.suppressions);
    expect(unsuppressed).toHaveLength(6);
  });

  it('records the invocation: unsuccessful with a notification when a check errored', () => {
    const run = render(engine).runs[0] as Parsed;
    expect(run.invocations).toHaveLength(1);
    const inv = run.invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    const errors = inv.toolExecutionNotifications.filter((n: { level: string }) => n.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message.text).toContain('api-auth');
    expect(errors[0].message.text).toContain('parser exploded');
    expect(run.originalUriBaseIds['%SRCROOT%'].uri).toBe(`${pathToFileURL(engine.root).href}/`);
    // the engine's relative paths resolve against %SRCROOT%
    const weak = resultFor(run, 'secrets/weak-key');
    expect(weak.locations[0].physicalLocation.artifactLocation).toEqual({
      uri: '.env.production',
      uriBaseId: '%SRCROOT%',
    });
    expect(weak.locations[0].physicalLocation.region).toEqual({ startLine: 2 });

    const cleanRun = render(clean).runs[0] as Parsed;
    expect(cleanRun.invocations[0].executionSuccessful).toBe(true);
    expect(cleanRun.results).toEqual([]);
  });

  it('gives results from checks outside the catalogue a descriptor, so every ruleIndex resolves', () => {
    const run = render(handResult(), []).runs[0] as Parsed;
    const ids = run.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
  });
});
