// Helpers shared by the reporters: locations, counts, the verdict at `failOn`, and safe text.
import { auditExitCode } from '../audit/engine.js';
import { atLeast } from '../audit/severity.js';
import { type AuditResult, type Finding, SEVERITIES, type Severity } from '../audit/types.js';

/** True when a finding's file is a host path rather than one relative to the audited root. */
export function isHostPath(file: string): boolean {
  return file.startsWith('/');
}

/** `file:line`, `file`, or undefined when the finding is about no file. */
export function locationOf(f: { file?: string; line?: number }): string | undefined {
  if (f.file === undefined) return undefined;
  return f.line === undefined ? f.file : `${f.file}:${f.line}`;
}

/** Every unsuppressed finding of the result. */
export function allFindings(result: AuditResult): Finding[] {
  return result.checks.flatMap((c) => c.findings);
}

/** Counts of unsuppressed findings per severity, most severe first, omitting zeros. */
export function severityCounts(findings: readonly Finding[]): Array<[Severity, number]> {
  return SEVERITIES.map((s): [Severity, number] => [
    s,
    findings.filter((f) => f.severity === s).length,
  ]).filter(([, n]) => n > 0);
}

/** `3 findings (1 critical, 2 high)`. */
export function describeFindings(findings: readonly Finding[]): string {
  const counts = severityCounts(findings);
  const head = plural(findings.length, 'finding');
  return counts.length === 0 ? head : `${head} (${counts.map(([s, n]) => `${n} ${s}`).join(', ')})`;
}

/** `1 finding`, `2 findings`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Whether and why the audit fails: the same decision as the exit code. */
export interface Verdict {
  /** 0 passes, 1 a finding reaches `failOn`, 3 a check crashed. */
  exitCode: 0 | 1 | 3;
  /** Unsuppressed findings at or above `failOn`. */
  blocking: number;
  /** Checks that crashed. */
  errored: number;
  /** One sentence, e.g. `fails at --fail-on medium: 2 findings at or above medium`. */
  text: string;
}

/** The audit's verdict at `failOn`. */
export function verdictOf(result: AuditResult, failOn: Severity): Verdict {
  const exitCode = auditExitCode(result, failOn);
  const blocking = allFindings(result).filter((f) => atLeast(f.severity, failOn)).length;
  const errored = result.checks.filter((c) => c.status === 'error').length;
  const reasons: string[] = [];
  if (blocking > 0) reasons.push(`${plural(blocking, 'finding')} at or above ${failOn}`);
  if (errored > 0) reasons.push(`${plural(errored, 'check')} could not run`);
  // Every check skipping (an empty directory, a wrong path, exclude = **) is not a clean bill: say so.
  const examinedNothing = result.checks.length > 0 && result.checks.every((c) => c.status === 'skip');
  const text =
    exitCode !== 0
      ? `fails at --fail-on ${failOn}: ${reasons.join(', ')}`
      : examinedNothing
        ? `passes at --fail-on ${failOn}, but examined nothing: every check skipped (is this the right directory?)`
        : `passes at --fail-on ${failOn}: no finding at or above ${failOn}`;
  return { exitCode, blocking, errored, text };
}

// C0 and C1 controls, DEL, and the bidirectional overrides used to disguise text ("Trojan Source").
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Makes text safe for one terminal or markdown line: control characters become visible `\xNN`/`\uNNNN`. */
export function printable(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    if (ch === '\t') return ' ';
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Escapes text for inline markdown (GitHub flavour, also inside table cells): no emphasis, links, HTML,
 * code spans, mentions or table breaks can come from the text, and it stays on one line.
 */
export function escapeMarkdown(text: string): string {
  const escaped = printable(text.replace(/\r\n|\r|\n/g, ' '))
    .replace(/[\\`*_[\]|~]/g, (ch) => `\\${ch}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;');
  // At the start of a line these open a heading, a list or a quote.
  return escaped.replace(/^([#+-])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2');
}
