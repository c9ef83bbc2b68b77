// The github reporter: one workflow command per finding, escaped as the Actions runner expects.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/types.js';
import { annotationLevel, escapeData, escapeProperty, githubReporter } from '../../src/reporters/github.js';
import { cleanEngineResult, engineResult, handResult, reportContext } from './fixtures.js';

let engine: AuditResult;
let clean: AuditResult;
beforeAll(async () => {
  [engine, clean] = await Promise.all([engineResult(), cleanEngineResult()]);
});

function lines(result: AuditResult): string[] {
  const out = githubReporter(result, reportContext());
  expect(out.endsWith('\n')).toBe(true);
  return out.slice(0, -1).split('\n');
}

describe('github reporter', () => {
  it('writes one annotation per finding, one per crashed check and a final notice', () => {
    const out = lines(handResult());
    expect(out).toHaveLength(6 + 1 + 1);
    for (const l of out) expect(l).toMatch(/^::(error|warning|notice)( [a-z]+=[^:,]*(,[a-z]+=[^:,]*)*)?::/);
    expect(out[0]).toBe(
      '::notice file=app/main.py,line=2,title=debug/docs-exposed::/docs | /redoc are served%0AFix: Set docs_url=None.',
    );
    expect(out[2]).toBe(
      '::error file=Dockerfile,title=container/healthcheck::Dockerfile has no HEALTHCHECK%0AFix: Add a HEALTHCHECK instruction.',
    );
    expect(out[6]).toBe(
      '::error title=tradesec/api-auth::check api-auth could not run: parser exploded at <module> & "main"',
    );
    expect(out[7]).toMatch(
      /^::notice title=tradesec audit::1 passed, 1 failed, 1 warned, 1 skipped, 1 errored; 6 findings/,
    );
    expect(out[7]).toContain('3 suppressed');
    expect(out[7]).toContain('audit fails at --fail-on medium');
  });

  it('maps severities to error (exactly the findings that fail the audit), warning and notice', () => {
    const levels = (failOn: 'critical' | 'medium' | 'low') =>
      ['critical', 'high', 'medium', 'low', 'info'].map((s) => annotationLevel(s as never, failOn));
    expect(levels('medium')).toEqual(['error', 'error', 'error', 'notice', 'notice']);
    expect(levels('critical')).toEqual(['error', 'warning', 'warning', 'notice', 'notice']);
    expect(levels('low')).toEqual(['error', 'error', 'error', 'error', 'notice']);
    const out = githubReporter(handResult(), reportContext({ failOn: 'critical' }));
    expect(out).toContain('::warning file=Dockerfile,line=3,title=container/root-user::');
  });

  it('escapes data and properties as the runner does', () => {
    const out = lines(handResult());
    const nasty = out[1] as string;
    expect(
      nasty.startsWith(
        '::error file=Dockerfile,line=3,title=container/root-user::a <b> & "c" \'d\' | e %25 100%25%0Asecond%0Dline ',
      ),
    ).toBe(true);
    expect(nasty).toContain('\\x1b[31mred');
    expect(nasty).not.toContain('\u001b');
    // a comma in the path would split the properties
    expect(out[3]).toBe(
      '::error file=deploy/docker compose%2Cprod.yml,line=4,title=container/socket-mount::service app mounts /var/run/docker.sock%0AFix: Remove the docker.sock volume.',
    );
    expect(escapeData('100%\r\nx')).toBe('100%25%0D%0Ax');
    expect(escapeProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
  });

  it('omits file for host paths and findings about no file', () => {
    const out = lines(handResult());
    expect(out[4]).toBe(
      '::error title=container/daemon-config::/etc/docker/daemon.json:2: icc is not false%0AFix: Set "icc": false.',
    );
    expect(out[5]).toBe(
      '::notice title=container/no-compose::no compose override for production%0AFix: Add docker-compose.yml.',
    );
  });

  it('does not annotate suppressed findings', () => {
    const out = lines(engine);
    expect(out.some((l) => l.includes('secrets/hardcoded'))).toBe(false);
    expect(out.some((l) => l.includes('container/socket-mount'))).toBe(false);
    expect(out.filter((l) => l.includes('title=secrets/weak-key'))).toEqual([
      expect.stringMatching(
        /^::error file=\.env\.production,line=2,title=secrets\/weak-key::SECRET_KEY is "\[redacted\]"/,
      ),
    ]);
    expect(lines(clean)).toEqual([
      expect.stringMatching(/^::notice title=tradesec audit::.*audit passes at --fail-on medium/),
    ]);
  });
});
