// The JUnit report: well-formed XML, one testcase per check, right counts, and escaping that survives parsing.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/types.js';
import { junitReporter, xmlAttr, xmlText } from '../../src/reporters/junit.js';
import { engineResult, handResult, NASTY, reportContext } from './fixtures.js';
import { findAll, parseXml, type XmlElement } from './xml.js';

let engine: AuditResult;
beforeAll(async () => {
  engine = await engineResult();
});

function render(result: AuditResult): XmlElement {
  const out = junitReporter(result, reportContext());
  expect(out.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  return parseXml(out);
}

function testcase(doc: XmlElement, id: string): XmlElement {
  const tc = findAll(doc, 'testcase').find((t) => t.attrs.classname === `tradesec.${id}`);
  expect(tc, id).toBeDefined();
  return tc as XmlElement;
}

describe('junit reporter', () => {
  it('has one tradesec testsuite with one testcase per check and the right counts', () => {
    const doc = render(handResult());
    const suites = findAll(doc, 'testsuite');
    expect(suites).toHaveLength(1);
    const suite = suites[0] as XmlElement;
    expect(suite.attrs).toMatchObject({
      name: 'tradesec',
      tests: '5',
      failures: '1',
      errors: '1',
      skipped: '1',
      time: '1.510',
    });
    const cases = findAll(suite, 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual([
      '1. Production secrets are strong and private',
      '2. Traffic is served over HTTPS only',
      '3. Every route requires the API key',
      '6. Debug features are off in production',
      '10. Containers run as non-root with least privilege',
    ]);
    expect(cases.map((c) => c.attrs.classname)).toEqual([
      'tradesec.secrets',
      'tradesec.https',
      'tradesec.api-auth',
      'tradesec.debug',
      'tradesec.container',
    ]);
    expect(findAll(suite, 'failure')).toHaveLength(Number(suite.attrs.failures));
    expect(findAll(suite, 'error')).toHaveLength(Number(suite.attrs.errors));
    expect(findAll(suite, 'skipped')).toHaveLength(Number(suite.attrs.skipped));
    expect(testcase(doc, 'container').attrs.time).toBe('1.500');
  });

  it('renders each status as JUnit expects', () => {
    const doc = render(handResult());
    // pass: no failure; its suppressed finding is listed in system-out
    const pass = testcase(doc, 'secrets');
    expect(pass.children.map((c) => c.name)).toEqual(['system-out']);
    expect(pass.children[0]?.text).toContain(
      '[suppressed: inline] secrets/hardcoded app/settings.py:2: revoked test key',
    );
    // skip
    const skipped = testcase(doc, 'https').children;
    expect(skipped.map((c) => c.name)).toEqual(['skipped']);
    expect(skipped[0]?.attrs.message).toBe('not-applicable: no nginx configuration found');
    // error
    const error = testcase(doc, 'api-auth').children;
    expect(error.map((c) => c.name)).toEqual(['error']);
    expect(error[0]?.attrs.message).toBe('parser exploded at <module> & "main"');
    // warn passes, with its findings in system-out
    const warn = testcase(doc, 'debug').children;
    expect(warn.map((c) => c.name)).toEqual(['system-out']);
    expect(warn[0]?.text).toContain(
      '[low] debug/docs-exposed app/main.py:2\n  /docs | /redoc are served\n  fix: Set docs_url=None.',
    );
    // fail: one failure naming the rules at or above --fail-on, those findings in its body; lower
    // findings and suppressed ones in system-out
    const fail = testcase(doc, 'container');
    expect(fail.children.map((c) => c.name)).toEqual(['failure', 'system-out']);
    const failure = fail.children[0] as XmlElement;
    expect(failure.attrs.type?.split(' ')).toEqual([
      'container/root-user',
      'container/healthcheck',
      'container/socket-mount',
      'container/daemon-config',
    ]);
    expect(failure.attrs.message?.startsWith('4 findings: a <b> & "c"')).toBe(true);
    expect(failure.text).toContain(
      '[medium] container/healthcheck Dockerfile\n  Dockerfile has no HEALTHCHECK',
    );
    expect(failure.text).toContain('[high] container/daemon-config /etc/docker/daemon.json:2');
    expect(failure.text).not.toContain('container/no-compose');
    expect(fail.children[1]?.text).toContain(
      '[info] container/no-compose\n  no compose override for production',
    );
    expect(fail.children[1]?.text).toContain(
      '[suppressed: config] container/socket-mount ci/compose.yml:7: the CI runner | needs <the> socket (expires 2099-12-31)',
    );
  });

  it('escapes XML specials, keeps line breaks in attributes and shows control characters', () => {
    const out = junitReporter(handResult(), reportContext());
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u0000');
    const failure = findAll(parseXml(out), 'failure')[0] as XmlElement;
    const shown = NASTY.replace('\u001b[31m', '\\u001b[31m')
      .replace('\u001b[0m', '\\u001b[0m')
      .replace('\u0000', '\\u0000');
    expect(failure.attrs.message).toBe(`4 findings: ${shown}`);
    expect(failure.text).toContain(shown);
    expect(xmlText('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
    expect(xmlAttr(`"q" 'a'\n\t`)).toBe('&quot;q&quot; &apos;a&apos;&#10;&#9;');
    // a lone surrogate cannot be written in XML either
    expect(xmlText('x\ud800y')).toBe('x\\ud800y');
    expect(xmlText('😀')).toBe('😀');
  });

  it('fails a testcase exactly when a finding reaches --fail-on', () => {
    const at = (failOn: 'low' | 'critical') =>
      parseXml(junitReporter(handResult(), reportContext({ failOn })));
    // --fail-on low: the warn check (only a low finding) fails too, as the exit code does
    const low = at('low');
    expect(findAll(low, 'testsuite')[0]?.attrs.failures).toBe('2');
    expect(testcase(low, 'debug').children.map((c) => c.name)).toEqual(['failure']);
    // --fail-on critical: only the critical finding fails the container testcase; the high ones are output
    const critical = at('critical');
    expect(findAll(critical, 'testsuite')[0]?.attrs.failures).toBe('1');
    const container = testcase(critical, 'container').children;
    expect(container.map((c) => c.name)).toEqual(['failure', 'system-out']);
    expect(container[0]?.attrs.type).toBe('container/socket-mount');
    expect(container[0]?.text).not.toContain('[high]');
    expect(container[1]?.text).toContain('[high] container/daemon-config');
  });

  it('renders a real engine result', () => {
    const doc = render(engine);
    const suite = findAll(doc, 'testsuite')[0] as XmlElement;
    expect(suite.attrs).toMatchObject({ tests: '6', failures: '2', errors: '1', skipped: '1' });
    expect(findAll(suite, 'testcase')).toHaveLength(6);
    expect(testcase(doc, 'file-perms').children).toEqual([]);
    expect(testcase(doc, 'secrets').children[0]?.attrs.type).toBe('secrets/weak-key');
  });
});
