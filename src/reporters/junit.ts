// The JUnit XML report: one testcase per check, so passing checks show in CI test views too.
import { atLeast } from '../audit/severity.js';
import type { CheckResult, Finding, Severity, SuppressedFinding } from '../audit/types.js';
import { locationOf, plural } from './common.js';
import type { Reporter } from './types.js';

// Characters XML 1.0 cannot carry at all, even escaped: most C0 controls, lone surrogates, U+FFFE/U+FFFF.
const NOT_XML =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function visible(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Escapes element text; characters XML cannot carry are shown as `\uNNNN`, a CR survives parsing. */
export function xmlText(text: string): string {
  return text
    .replace(NOT_XML, visible)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/** Escapes an attribute value (quoted with `"`); whitespace controls survive attribute normalisation. */
export function xmlAttr(text: string): string {
  return xmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

function findingText(f: Finding): string {
  const where = locationOf(f);
  return `[${f.severity}] ${f.rule}${where ? ` ${where}` : ''}\n  ${f.message}\n  fix: ${f.remediation}`;
}

function suppressedText(s: SuppressedFinding): string {
  const where = locationOf(s);
  return `[suppressed: ${s.kind}] ${s.rule}${where ? ` ${where}` : ''}: ${s.reason}${s.expires ? ` (expires ${s.expires})` : ''}`;
}

/** The findings that fail the audit at `failOn`: they, and only they, make a testcase fail. */
function blocking(check: CheckResult, failOn: Severity): Finding[] {
  return check.findings.filter((f) => atLeast(f.severity, failOn));
}

function testcase(check: CheckResult, failOn: Severity): string[] {
  const open = `    <testcase${attrs({
    classname: `tradesec.${check.id}`,
    name: `${check.point}. ${check.title}`,
    time: seconds(check.durationMs),
  })}`;
  const body: string[] = [];
  const out: string[] = [];
  const failing = blocking(check, failOn);
  if (check.status === 'error') {
    const message = check.error ?? 'unknown error';
    body.push(
      `      <error${attrs({ type: 'error', message })}>${xmlText(`check ${check.id} could not run: ${message}`)}</error>`,
    );
  } else if (check.status === 'skip') {
    body.push(`      <skipped${attrs({ message: check.skipReason ?? 'skipped' })}/>`);
  } else if (failing.length > 0) {
    const rules = [...new Set(failing.map((f) => f.rule))];
    const first = failing[0];
    const message =
      failing.length === 1 && first
        ? first.message
        : `${plural(failing.length, 'finding')}: ${first?.message ?? ''}`;
    body.push(
      `      <failure${attrs({ type: rules.join(' '), message })}>${xmlText(failing.map(findingText).join('\n\n'))}</failure>`,
    );
  }
  // Findings below the threshold do not fail the audit, so they do not fail the testcase either.
  out.push(...check.findings.filter((f) => !failing.includes(f)).map(findingText));
  out.push(...check.suppressed.map(suppressedText));
  if (out.length > 0) body.push(`      <system-out>${xmlText(out.join('\n'))}</system-out>`);
  return body.length === 0 ? [`${open}/>`] : [`${open}>`, ...body, '    </testcase>'];
}

/** Renders the result as JUnit XML: one `tradesec` testsuite, one testcase per check. */
export const junitReporter: Reporter = (result, context) => {
  const counts = {
    tests: result.checks.length,
    failures: result.checks.filter(
      (c) => c.status !== 'error' && c.status !== 'skip' && blocking(c, context.failOn).length > 0,
    ).length,
    errors: result.checks.filter((c) => c.status === 'error').length,
    skipped: result.checks.filter((c) => c.status === 'skip').length,
    time: seconds(result.checks.reduce((ms, c) => ms + c.durationMs, 0)),
  };
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'tradesec', ...counts })}>`,
    `  <testsuite${attrs({ name: 'tradesec', ...counts })}>`,
    '    <properties>',
    `      <property${attrs({ name: 'tradesec.version', value: context.version })}/>`,
    `      <property${attrs({ name: 'root', value: result.root })}/>`,
    `      <property${attrs({ name: 'targets', value: result.targets.join(',') })}/>`,
    `      <property${attrs({ name: 'fail-on', value: context.failOn })}/>`,
    '    </properties>',
    ...result.checks.flatMap((c) => testcase(c, context.failOn)),
    '  </testsuite>',
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
};
