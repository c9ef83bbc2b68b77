// The terminal report: one line per checklist point, its findings under it, and a summary line.
import { Chalk, type ChalkInstance } from 'chalk';
import type {
  AuditResult,
  CheckResult,
  CheckStatus,
  Finding,
  Severity,
  SuppressedFinding,
} from '../audit/types.js';
import { allFindings, describeFindings, locationOf, plural, printable, verdictOf } from './common.js';
import type { Reporter } from './types.js';

// Without colour the output must survive any terminal, log viewer or file: ASCII marks only.
const MARKS: Record<'unicode' | 'ascii', Record<CheckStatus, string>> = {
  unicode: { pass: '✔', fail: '✖', warn: '!', skip: '-', error: '‼' },
  ascii: { pass: '+', fail: 'x', warn: '!', skip: '-', error: '!!' },
};

const LABELS: Record<CheckStatus, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  warn: 'WARN',
  skip: 'SKIP',
  error: 'ERROR',
};

const INDENT = '    ';

/** Renders the result for a terminal; colours only when `context.color` is true. */
export const textReporter: Reporter = (result, context) => {
  const c = new Chalk({ level: context.color ? 1 : 0 });
  const marks = MARKS[context.color ? 'unicode' : 'ascii'];
  const statusStyle: Record<CheckStatus, ChalkInstance> = {
    pass: c.green,
    fail: c.red.bold,
    warn: c.yellow,
    skip: c.gray,
    error: c.magenta.bold,
  };
  const lines: string[] = [
    c.bold(
      `tradesec ${result.tool.version} audit of ${printable(result.root)} (${result.targets.join(', ')})`,
    ),
    '',
  ];
  const idWidth = Math.max(0, ...result.checks.map((r) => r.id.length));
  for (const check of result.checks) {
    const head = `${marks[check.status]} ${LABELS[check.status]}`.padEnd(marks.error.length + 6);
    const extra =
      check.status === 'skip'
        ? ` (${printable(check.skipReason ?? 'no reason given')})`
        : check.status === 'error'
          ? ` (${printable(check.error ?? 'unknown error')})`
          : '';
    lines.push(
      `${statusStyle[check.status](head)} ${String(check.point).padStart(2)} ${c.bold(check.id.padEnd(idWidth))}  ${printable(check.title)}${extra}`,
    );
    for (const f of check.findings) lines.push(...findingLines(f, c));
    lines.push(...suppressedLines(check, c));
  }
  if (result.checks.length === 0) lines.push('No checks ran.');
  lines.push('', summaryLine(result, context.failOn, c));
  return `${lines.join('\n')}\n`;
};

function severityStyle(c: ChalkInstance, s: Severity): ChalkInstance {
  return { critical: c.red.bold, high: c.red, medium: c.yellow, low: c.cyan, info: c.gray }[s];
}

function findingLines(f: Finding, c: ChalkInstance): string[] {
  const where = locationOf(f);
  const head = [
    severityStyle(c, f.severity)(f.severity.padEnd(8)),
    c.dim(f.rule),
    ...(where ? [c.underline(printable(where))] : []),
    printable(f.message),
  ].join('  ');
  return [`${INDENT}${head}`, `${INDENT}${' '.repeat(10)}${c.dim(`fix: ${printable(f.remediation)}`)}`];
}

function suppressedLines(check: CheckResult, c: ChalkInstance): string[] {
  if (check.suppressed.length === 0) return [];
  const out = [`${INDENT}${c.dim(`${plural(check.suppressed.length, 'suppressed finding')}:`)}`];
  for (const s of check.suppressed) out.push(`${INDENT}  ${c.dim(describeSuppressed(s))}`);
  return out;
}

function describeSuppressed(s: SuppressedFinding): string {
  const where = locationOf(s);
  const expires = s.expires ? `, expires ${s.expires}` : '';
  return printable(`${s.rule}${where ? `  ${where}` : ''}  (${s.kind}: ${s.reason}${expires})`);
}

function summaryLine(result: AuditResult, failOn: Severity, c: ChalkInstance): string {
  const s = result.summary;
  const statuses = `${s.pass} passed, ${s.fail} failed, ${s.warn} warned, ${s.skip} skipped, ${s.error} errored`;
  const suppressed = result.checks.reduce((n, r) => n + r.suppressed.length, 0);
  const verdict = verdictOf(result, failOn);
  const style = verdict.exitCode === 0 ? c.green.bold : c.red.bold;
  return `Summary: ${plural(result.checks.length, 'check')}: ${statuses}; ${describeFindings(allFindings(result))}; ${suppressed} suppressed. ${style(`Audit ${verdict.text}.`)}`;
}
