// The markdown report: a pull-request comment or a GitHub job summary.
import type { CheckResult, CheckStatus, Finding, SuppressedFinding } from '../audit/types.js';
import { allFindings, describeFindings, escapeMarkdown, locationOf, plural, verdictOf } from './common.js';
import type { Reporter } from './types.js';

const ICONS: Record<CheckStatus, string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  warn: '⚠️ warn',
  skip: '⏭️ skip',
  error: '💥 error',
};

function findingItem(f: Finding): string {
  const where = locationOf(f);
  return [
    `- **${f.severity}** \`${f.rule}\`${where ? ` in ${escapeMarkdown(where)}` : ''}: ${escapeMarkdown(f.message)}`,
    `  *Fix:* ${escapeMarkdown(f.remediation)}`,
  ].join('<br>\n');
}

function suppressedItem(s: SuppressedFinding): string {
  const where = locationOf(s);
  const expires = s.expires ? `, expires ${escapeMarkdown(s.expires)}` : '';
  return `- \`${s.rule}\`${where ? ` in ${escapeMarkdown(where)}` : ''} (${s.kind}: ${escapeMarkdown(s.reason)}${expires})`;
}

function findingsCell(check: CheckResult): string {
  if (check.status === 'skip') return escapeMarkdown(check.skipReason ?? 'skipped');
  if (check.status === 'error') return escapeMarkdown(check.error ?? 'unknown error');
  const suppressed = check.suppressed.length > 0 ? ` + ${check.suppressed.length} suppressed` : '';
  return `${describeFindings(check.findings)}${suppressed}`;
}

function details(check: CheckResult): string[] {
  const summary = `${ICONS[check.status]} ${check.point}. <code>${check.id}</code>: ${escapeMarkdown(check.title)} · ${findingsCell(check)}`;
  const body = check.findings.map(findingItem);
  if (check.suppressed.length > 0) {
    body.push(`- ${plural(check.suppressed.length, 'suppressed finding')}:`);
    body.push(...check.suppressed.map((s) => `  ${suppressedItem(s)}`));
  }
  return ['<details>', `<summary>${summary}</summary>`, '', ...body, '', '</details>', ''];
}

/** Renders the result as GitHub-flavoured markdown. */
export const markdownReporter: Reporter = (result, context) => {
  const verdict = verdictOf(result, context.failOn);
  const s = result.summary;
  const suppressed = result.checks.reduce((n, c) => n + c.suppressed.length, 0);
  const lines = [
    `## ${verdict.exitCode === 0 ? '✅' : '❌'} tradesec audit: ${verdict.exitCode === 0 ? 'passed' : 'failed'}`,
    '',
    `**${s.fail} failed**, ${s.warn} warned, ${s.pass} passed, ${s.skip} skipped, ${s.error} errored · ${describeFindings(allFindings(result))} · ${suppressed} suppressed · audit ${escapeMarkdown(verdict.text)} · tradesec ${escapeMarkdown(result.tool.version)}`,
    '',
  ];
  if (result.checks.length === 0) {
    lines.push('No checks ran.');
    return `${lines.join('\n')}\n`;
  }
  lines.push('| Point | Check | Status | Findings |', '| ---: | --- | --- | --- |');
  for (const c of result.checks) {
    lines.push(
      `| ${c.point} | \`${c.id}\` ${escapeMarkdown(c.title)} | ${ICONS[c.status]} | ${findingsCell(c)} |`,
    );
  }
  lines.push('');
  const detailed = result.checks.filter(
    (c) => c.status === 'fail' || c.status === 'warn' || c.suppressed.length > 0,
  );
  if (detailed.length > 0) lines.push('### Details', '', ...detailed.flatMap(details));
  return `${lines.join('\n').trimEnd()}\n`;
};
