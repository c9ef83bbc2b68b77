// GitHub Actions workflow commands: one annotation per finding, then a summary notice.
import { atLeast } from '../audit/severity.js';
import type { Finding, Severity } from '../audit/types.js';
import { allFindings, describeFindings, isHostPath, locationOf, printable, verdictOf } from './common.js';
import type { Reporter } from './types.js';

/** Escapes a workflow command's message (GitHub's escapeData). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow command's property value (GitHub's escapeProperty). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * The annotation command of a severity: `error` exactly for findings that fail the audit at `failOn`,
 * so the annotations agree with the exit code; below it, `warning` for medium and above, else `notice`.
 */
export function annotationLevel(s: Severity, failOn: Severity = 'medium'): 'error' | 'warning' | 'notice' {
  if (atLeast(s, failOn)) return 'error';
  return atLeast(s, 'medium') ? 'warning' : 'notice';
}

// Control characters other than line breaks (which escapeData encodes) become visible text.
function clean(text: string): string {
  return text
    .split(/(\r\n|\r|\n)/)
    .map((part) => (/^(\r\n|\r|\n)$/.test(part) ? part : printable(part)))
    .join('');
}

function command(name: string, props: Record<string, string | number | undefined>, message: string): string {
  const list = Object.entries(props)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(clean(String(v)))}`)
    .join(',');
  return `::${name}${list ? ` ${list}` : ''}::${escapeData(clean(message))}`;
}

function annotation(f: Finding, failOn: Severity): string {
  // A host path is not in the workspace: GitHub cannot place it, so it goes into the message instead.
  const onHost = f.file !== undefined && isHostPath(f.file);
  const prefix = onHost ? `${locationOf(f)}: ` : '';
  const props = onHost
    ? { title: f.rule }
    : { file: f.file, line: f.file === undefined ? undefined : f.line, title: f.rule };
  return command(annotationLevel(f.severity, failOn), props, `${prefix}${f.message}\nFix: ${f.remediation}`);
}

/** Renders the result as GitHub Actions annotations. */
export const githubReporter: Reporter = (result, context) => {
  const lines = allFindings(result).map((f) => annotation(f, context.failOn));
  for (const c of result.checks) {
    if (c.status === 'error') {
      lines.push(
        command(
          'error',
          { title: `tradesec/${c.id}` },
          `check ${c.id} could not run: ${c.error ?? 'unknown error'}`,
        ),
      );
    }
  }
  const s = result.summary;
  const suppressed = result.checks.reduce((n, c) => n + c.suppressed.length, 0);
  const verdict = verdictOf(result, context.failOn);
  lines.push(
    command(
      'notice',
      { title: 'tradesec audit' },
      `${s.pass} passed, ${s.fail} failed, ${s.warn} warned, ${s.skip} skipped, ${s.error} errored; ${describeFindings(allFindings(result))}; ${suppressed} suppressed; audit ${verdict.text}`,
    ),
  );
  return `${lines.join('\n')}\n`;
};
