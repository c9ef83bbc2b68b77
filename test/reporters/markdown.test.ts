// The markdown report: heading, summary, a table that stays a table, details per failing or warning check.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/types.js';
import { escapeMarkdown } from '../../src/reporters/common.js';
import { markdownReporter } from '../../src/reporters/markdown.js';
import { cleanEngineResult, engineResult, handResult, reportContext } from './fixtures.js';

let engine: AuditResult;
let clean: AuditResult;
beforeAll(async () => {
  [engine, clean] = await Promise.all([engineResult(), cleanEngineResult()]);
});

/** Splits a table row on pipes that are not escaped with a backslash. */
function cells(row: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < row.length; i++) {
    const ch = row[i] as string;
    if (ch === '\\' && i + 1 < row.length) {
      cur += ch + row[i + 1];
      i++;
    } else if (ch === '|') {
      out.push(cur.trim());
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur.trim());
  return out.slice(1, -1);
}

describe('markdown reporter', () => {
  it('has a heading, a summary line and one table row per check', () => {
    const md = markdownReporter(handResult(), reportContext());
    const lines = md.split('\n');
    expect(lines[0]).toBe('## ❌ tradesec audit: failed');
    expect(lines[2]).toContain('**1 failed**, 1 warned, 1 passed, 1 skipped, 1 errored');
    expect(lines[2]).toContain('6 findings (1 critical, 2 high, 1 medium, 1 low, 1 info)');
    expect(lines[2]).toContain('3 suppressed');
    expect(lines[2]).toContain(
      'audit fails at --fail-on medium: 4 findings at or above medium, 1 check could not run',
    );
    const rows = lines.filter((l) => l.startsWith('|'));
    expect(rows).toHaveLength(2 + 5);
    for (const row of rows) expect(cells(row), row).toHaveLength(4);
    expect(cells(rows[2] as string)).toEqual([
      '1',
      '`secrets` Production secrets are strong and private',
      '✅ pass',
      '0 findings + 1 suppressed',
    ]);
    expect(cells(rows[3] as string)[3]).toBe('not-applicable: no nginx configuration found');
    expect(cells(rows[4] as string)[3]).toBe('parser exploded at &lt;module&gt; &amp; "main"');
    expect(cells(rows[6] as string)).toEqual([
      '10',
      '`container` Containers run as non-root with least privilege',
      '❌ fail',
      '5 findings (1 critical, 2 high, 1 medium, 1 info) + 2 suppressed',
    ]);
  });

  it('details every failing, warning or suppressing check in <details> blocks', () => {
    const md = markdownReporter(handResult(), reportContext());
    expect(md.split('<details>')).toHaveLength(4);
    expect(md.split('</details>')).toHaveLength(4);
    expect(md).toContain(
      '<summary>❌ fail 10. <code>container</code>: Containers run as non-root with least privilege',
    );
    expect(md).toContain('<summary>⚠️ warn 6. <code>debug</code>');
    expect(md).not.toContain('<code>https</code>');
    expect(md).toContain('- **medium** `container/healthcheck` in Dockerfile: Dockerfile has no HEALTHCHECK');
    expect(md).toContain(
      '- **high** `container/daemon-config` in /etc/docker/daemon.json:2: icc is not false',
    );
    expect(md).toContain('- **info** `container/no-compose`: no compose override for production');
    expect(md).toContain('  *Fix:* Add a HEALTHCHECK instruction.');
    expect(md).toContain('- 2 suppressed findings:');
    expect(md).toContain(
      '  - `container/socket-mount` in ci/compose.yml:7 (config: the CI runner \\| needs &lt;the&gt; socket, expires 2099-12-31)',
    );
    expect(md).toContain('  - `secrets/hardcoded` in app/settings.py:2 (inline: revoked test key)');
  });

  it('escapes pipes, HTML, emphasis, links, mentions, line breaks and control characters in messages', () => {
    const md = markdownReporter(handResult(), reportContext());
    const line = md.split('\n').find((l) => l.includes('`container/root-user`')) as string;
    expect(line).toBe(
      '- **high** `container/root-user` in Dockerfile:3: a &lt;b&gt; &amp; "c" \'d\' \\| e % 100% second line \\\\x1b\\[31mred\\\\x1b\\[0m \\\\x00nul \\*bold\\* \\_it\\_ \\`code\\` \\[x\\](y) &#64;team<br>',
    );
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(md).not.toContain('<b>');
    expect(escapeMarkdown('# title')).toBe('\\# title');
    expect(escapeMarkdown('- item')).toBe('\\- item');
    expect(escapeMarkdown('1. item')).toBe('1\\. item');
    expect(escapeMarkdown('a\nb|c')).toBe('a b\\|c');
  });

  it('says passed for a clean audit and lists the real engine result', () => {
    const ok = markdownReporter(clean, reportContext());
    expect(ok.split('\n')[0]).toBe('## ✅ tradesec audit: passed');
    expect(ok).not.toContain('<details>');
    const md = markdownReporter(engine, reportContext());
    expect(md).toContain(
      '- **critical** `secrets/weak-key` in .env.production:2: SECRET\\_KEY is "\\[redacted\\]"',
    );
    expect(md.split('\n').filter((l) => l.startsWith('|'))).toHaveLength(2 + 6);
  });
});
