// The text report: a line per checklist point, findings under it, a summary; plain ASCII without colour.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/types.js';
import { textReporter } from '../../src/reporters/text.js';
import { cleanEngineResult, engineResult, handResult, reportContext } from './fixtures.js';

let engine: AuditResult;
let clean: AuditResult;
beforeAll(async () => {
  [engine, clean] = await Promise.all([engineResult(), cleanEngineResult()]);
});

/** The hand result without the deliberately hostile message, so every character can be checked. */
function tameResult(): AuditResult {
  const r = handResult();
  const f = r.checks[4]?.findings[0];
  if (f) f.message = 'the final stage runs as root';
  return r;
}

describe('text reporter', () => {
  it('prints one line per checklist point with its status', () => {
    const out = textReporter(handResult(), reportContext());
    const lines = out.split('\n');
    expect(lines[0]).toBe('tradesec 1.2.3 audit of /srv/trading app (repo, host)');
    expect(lines).toContain('+ PASS    1 secrets    Production secrets are strong and private');
    expect(lines).toContain(
      '- SKIP    2 https      Traffic is served over HTTPS only (not-applicable: no nginx configuration found)',
    );
    expect(lines).toContain(
      '!! ERROR  3 api-auth   Every route requires the API key (parser exploded at <module> & "main")',
    );
    expect(lines).toContain('! WARN    6 debug      Debug features are off in production');
    expect(lines).toContain('x FAIL   10 container  Containers run as non-root with least privilege');
  });

  it('lists findings with severity, rule, location, message and the remediation on the next line', () => {
    const lines = textReporter(tameResult(), reportContext()).split('\n');
    const at = lines.indexOf('    high      container/root-user  Dockerfile:3  the final stage runs as root');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe('              fix: Add USER app after installing packages.');
    expect(lines).toContain('    medium    container/healthcheck  Dockerfile  Dockerfile has no HEALTHCHECK');
    expect(lines).toContain(
      '    high      container/daemon-config  /etc/docker/daemon.json:2  icc is not false',
    );
    expect(lines).toContain('    info      container/no-compose  no compose override for production');
    expect(lines).toContain('    low       debug/docs-exposed  app/main.py:2  /docs | /redoc are served');
  });

  it('counts and lists suppressed findings with their reason', () => {
    const lines = textReporter(handResult(), reportContext()).split('\n');
    expect(lines).toContain('    1 suppressed finding:');
    expect(lines).toContain('      secrets/hardcoded  app/settings.py:2  (inline: revoked test key)');
    expect(lines).toContain('    2 suppressed findings:');
    expect(lines).toContain(
      '      container/socket-mount  ci/compose.yml:7  (config: the CI runner | needs <the> socket, expires 2099-12-31)',
    );
    expect(lines).toContain(
      '      container/latest-tag  Dockerfile:1  (baseline: accepted in baseline.json)',
    );
  });

  it('ends with a summary line that says whether the audit fails at fail-on', () => {
    const last = (r: AuditResult, failOn: 'medium' | 'critical' | 'info') =>
      textReporter(r, reportContext({ failOn })).trimEnd().split('\n').pop();
    expect(last(handResult(), 'medium')).toBe(
      'Summary: 5 checks: 1 passed, 1 failed, 1 warned, 1 skipped, 1 errored; 6 findings (1 critical, 2 high, 1 medium, 1 low, 1 info); 3 suppressed. Audit fails at --fail-on medium: 4 findings at or above medium, 1 check could not run.',
    );
    expect(last(clean, 'info')).toMatch(
      /; 0 findings; 0 suppressed\. Audit passes at --fail-on info: no finding at or above info\.$/,
    );
    // without the crashed check, only findings at or above fail-on decide
    const noError = tameResult();
    noError.checks.splice(2, 1);
    noError.summary.error = 0;
    expect(last(noError, 'critical')).toMatch(
      /Audit fails at --fail-on critical: 1 finding at or above critical\.$/,
    );
    noError.checks[3]?.findings.splice(2, 1);
    expect(last(noError, 'critical')).toMatch(/Audit passes at --fail-on critical/);
    // every check skipped: it passes, and says that nothing was examined
    const skipped = {
      ...clean,
      checks: clean.checks.map((c) => ({ ...c, status: 'skip' as const, findings: [] })),
    };
    expect(last(skipped, 'medium')).toMatch(
      /Audit passes at --fail-on medium, but examined nothing: every check skipped/,
    );
  });

  it('is plain ASCII with no ANSI codes when colour is off', () => {
    const out = textReporter(tameResult(), reportContext({ color: false }));
    expect(out).not.toContain('\u001b');
    for (const ch of out) expect(ch.charCodeAt(0) < 0x80, `non-ASCII ${JSON.stringify(ch)}`).toBe(true);
    expect(textReporter(engine, reportContext({ color: false }))).not.toContain('\u001b');
  });

  it('uses colour and symbols only when colour is on', () => {
    const out = textReporter(handResult(), reportContext({ color: true }));
    expect(out).toContain('\u001b[');
    for (const mark of ['✔ PASS', '✖ FAIL', '! WARN', '- SKIP', '‼ ERROR']) expect(out).toContain(mark);
    // the finding's own escape sequence is still neutralised
    expect(out).toContain('\\x1b[31mred');
  });

  it('neutralises control characters, so a message cannot rewrite the terminal', () => {
    const out = textReporter(handResult(), reportContext());
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(out).toContain('e % 100%\\x0asecond\\x0dline \\x1b[31mred\\x1b[0m \\x00nul');
  });

  it('says so when no check ran', () => {
    const r = handResult();
    r.checks = [];
    r.summary = { pass: 0, fail: 0, warn: 0, skip: 0, error: 0 };
    expect(textReporter(r, reportContext())).toContain('No checks ran.');
  });
});
