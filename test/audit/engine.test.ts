import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { baselineOf } from '../../src/audit/baseline.js';
import { defineCheck, defineFact, skip } from '../../src/audit/check.js';
import { defaultConfig, parseConfig } from '../../src/audit/config.js';
import { auditExitCode, runAudit, selectChecks, validateConfigIds } from '../../src/audit/engine.js';
import { UsageError } from '../../src/audit/errors.js';
import type { FindingInput } from '../../src/audit/types.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

const rules = {
  bad: {
    title: 'No bad lines',
    severity: 'high' as const,
    description: 'Bad lines are bad.',
    remediation: 'Remove them.',
  },
  meh: {
    title: 'No meh lines',
    severity: 'low' as const,
    description: 'Meh lines are meh.',
    remediation: 'Reword.',
  },
};

/** A check reporting every line containing BAD (high) or MEH (low) in app.conf. */
const lineCheck = defineCheck({
  meta: {
    id: 'lines',
    point: 1,
    title: 'Lines are fine',
    description: 'Reads app.conf.',
    targets: ['repo'],
    rules,
  },
  async run(ctx) {
    const text = await ctx.read('app.conf');
    if (text.kind !== 'text') return skip('not-applicable', 'no app.conf');
    const out: FindingInput[] = [];
    text.text.split('\n').forEach((l, i) => {
      if (l.includes('BAD'))
        out.push({ rule: 'bad', file: 'app.conf', line: i + 1, message: 'bad line', evidence: l.trim() });
      if (l.includes('MEH'))
        out.push({ rule: 'meh', file: 'app.conf', line: i + 1, message: 'meh line', evidence: l.trim() });
    });
    return out;
  },
});

const crashing = defineCheck({
  meta: { id: 'crash', point: 2, title: 'Never crashes', description: 'Crashes.', targets: ['repo'], rules },
  async run() {
    throw new Error('boom\nsecond line');
  },
});

const leaky = defineCheck({
  meta: {
    id: 'leaky',
    point: 3,
    title: 'Secrets masked',
    description: 'Reports a secret.',
    targets: ['repo'],
    rules,
  },
  async run() {
    return [
      { rule: 'bad', message: 'value hunter2-secret found', secrets: ['hunter2-secret'], evidence: 'x' },
    ];
  },
});

async function audit(
  files: Record<string, string>,
  config = '',
  extra: Partial<Parameters<typeof runAudit>[0]> = {},
) {
  const dir = await tempDir();
  await writeFiles(dir, files);
  return runAudit({
    root: dir,
    checks: [lineCheck, crashing, leaky],
    config: config ? parseConfig(config, '.tradesecrc') : defaultConfig(),
    version: '0.0.0',
    now: new Date('2026-06-01T00:00:00Z'),
    ...extra,
  });
}

describe('engine', () => {
  it('runs checks in point order; a crash is an error and the others still run', async () => {
    const r = await audit({ 'app.conf': 'ok\nBAD one\n' });
    expect(r.checks.map((c) => [c.id, c.status])).toEqual([
      ['lines', 'fail'],
      ['crash', 'error'],
      ['leaky', 'fail'],
    ]);
    expect(r.checks[1]?.error).toBe('boom');
    expect(r.summary).toEqual({ pass: 0, fail: 2, warn: 0, skip: 0, error: 1 });
    expect(auditExitCode(r, 'medium')).toBe(3);
  });

  it('warns on low findings only, passes on none, skips with a reason', async () => {
    const warn = await audit({ 'app.conf': 'MEH\n' }, '', { checks: [lineCheck] });
    expect(warn.checks[0]?.status).toBe('warn');
    expect(auditExitCode(warn, 'medium')).toBe(0);
    expect(auditExitCode(warn, 'low')).toBe(1);
    const pass = await audit({ 'app.conf': 'fine\n' }, '', { checks: [lineCheck] });
    expect(pass.checks[0]?.status).toBe('pass');
    const skipped = await audit({}, '', { checks: [lineCheck] });
    expect(skipped.checks[0]).toMatchObject({ status: 'skip', skipReason: 'not-applicable: no app.conf' });
  });

  it('reports a directory that could not be listed to each check that looked at the files', async () => {
    const globbing = defineCheck({
      meta: { id: 'globbing', point: 4, title: 'Env files', description: 'Globs.', targets: ['repo'], rules },
      async run(ctx) {
        const files = await ctx.glob('*.env');
        return files.length ? [] : skip('not-applicable', 'no env file');
      },
    });
    const denied = Object.assign(new Error('denied'), { code: 'EACCES' });
    const listDir = async (abs: string) => {
      if (abs.endsWith('/secrets')) throw denied;
      return readdir(abs, { withFileTypes: true });
    };
    // A check that sees the files only through a shared fact (as the app checks see the app model).
    const envFact = defineFact('env-files', (ctx) => ctx.glob('*.env'));
    const viaFact = defineCheck({
      meta: {
        id: 'via-fact',
        point: 5,
        title: 'Env files',
        description: 'A fact.',
        targets: ['repo'],
        rules,
      },
      async run(ctx) {
        const files = await ctx.fact(envFact);
        return files.length ? [] : skip('not-applicable', 'no env file');
      },
    });
    const r = await audit({ 'app.conf': 'fine\n', 'secrets/prod.env': 'A=1\n' }, '', {
      checks: [lineCheck, globbing, viaFact],
      listDir,
    });
    expect(r.checks[2]).toMatchObject({ status: 'fail' });
    expect(r.checks[2]?.findings.map((f) => `${f.rule} ${f.file}`)).toEqual([
      'via-fact/unreadable-file secrets',
    ]);
    // lineCheck reads one file by name and never looks at the tree: the directory is not its business.
    expect(r.checks[0]?.status).toBe('pass');
    // Finding nothing to examine is not a skip when a directory could not be listed.
    expect(r.checks[1]).toMatchObject({ status: 'fail' });
    expect(r.checks[1]?.findings.map((f) => `${f.rule} ${f.file}`)).toEqual([
      'globbing/unreadable-file secrets',
    ]);
    expect(r.checks[1]?.findings[0]?.message).toContain(
      'directory secrets could not be listed (permission denied)',
    );
  });

  it('masks secret values in messages', async () => {
    const r = await audit({}, '', { checks: [leaky] });
    expect(JSON.stringify(r)).not.toContain('hunter2-secret');
    expect(r.checks[0]?.findings[0]?.message).toBe('value [redacted] found');
  });

  it('applies severity overrides from the config, by rule or by check', async () => {
    const r = await audit({ 'app.conf': 'BAD\nMEH\n' }, '[severity]\nlines/bad = low\n', {
      checks: [lineCheck],
    });
    expect(r.checks[0]?.findings.map((f) => f.severity)).toEqual(['low', 'low']);
    expect(r.checks[0]?.status).toBe('warn');
    const r2 = await audit({ 'app.conf': 'MEH\n' }, '[severity]\nlines = critical\n', {
      checks: [lineCheck],
    });
    expect(r2.checks[0]?.findings[0]?.severity).toBe('critical');
  });

  it('honours inline ignores with a reason, on the line or the line above', async () => {
    const r = await audit(
      {
        'app.conf': [
          'BAD a # tradesec-ignore lines/bad -- reviewed, test data',
          '# tradesec-ignore lines -- whole check ignored here',
          'BAD b',
          'BAD c # tradesec-ignore lines/bad',
          'x = 1 # tradesec-ignore lines/bad -- only for this line',
          'BAD d',
        ].join('\n'),
      },
      '',
      { checks: [lineCheck] },
    );
    const c = r.checks[0];
    expect(c?.suppressed.map((s) => [s.line, s.kind, s.reason])).toEqual([
      [1, 'inline', 'reviewed, test data'],
      [3, 'inline', 'whole check ignored here'],
    ]);
    expect(c?.findings.map((f) => f.line)).toEqual([4, 6]);
    expect(c?.findings[0]?.message).toContain('without a reason');
  });

  it('ignores inline comments with --no-inline-ignores', async () => {
    const r = await audit({ 'app.conf': 'BAD # tradesec-ignore lines/bad -- ok\n' }, '', {
      checks: [lineCheck],
      inlineIgnores: false,
    });
    expect(r.checks[0]?.findings).toHaveLength(1);
    expect(r.checks[0]?.suppressed).toHaveLength(0);
  });

  it('applies config ignores by rule and path, and fails closed once expired', async () => {
    const cfg = (expires: string) =>
      `[ignore.legacy]\nrule = lines/bad\npath = app.conf\nreason = legacy host, ticket 42\nexpires = ${expires}\n`;
    const active = await audit({ 'app.conf': 'BAD\n' }, cfg('2026-06-01'), { checks: [lineCheck] });
    expect(active.checks[0]?.suppressed[0]).toMatchObject({
      kind: 'config',
      reason: 'legacy host, ticket 42',
      expires: '2026-06-01',
    });
    expect(active.checks[0]?.status).toBe('pass');
    const expired = await audit({ 'app.conf': 'BAD\n' }, cfg('2026-05-31'), { checks: [lineCheck] });
    expect(expired.checks[0]?.status).toBe('fail');
    expect(expired.checks[0]?.findings[0]?.message).toContain('expired on 2026-05-31');
    const otherPath = await audit(
      { 'app.conf': 'BAD\n' },
      '[ignore.x]\nrule = lines/bad\npath = other.conf\nreason = r\n',
      { checks: [lineCheck] },
    );
    expect(otherPath.checks[0]?.findings).toHaveLength(1);
  });

  it('baselines by fingerprint, so moved lines stay suppressed and new ones show', async () => {
    const first = await audit({ 'app.conf': 'BAD one\n' }, '', { checks: [lineCheck] });
    const baseline = baselineOf(first);
    const moved = await audit({ 'app.conf': '\n\n\nBAD one\nBAD two\n' }, '', {
      checks: [lineCheck],
      baseline,
    });
    expect(moved.checks[0]?.suppressed.map((s) => [s.line, s.kind])).toEqual([[4, 'baseline']]);
    expect(moved.checks[0]?.findings.map((f) => f.line)).toEqual([5]);
  });

  it('selects checks with only and skip, and rejects unknown ids', () => {
    expect(selectChecks([leaky, lineCheck], ['lines'], []).map((c) => c.meta.id)).toEqual(['lines']);
    expect(selectChecks([leaky, lineCheck, crashing], [], ['crash']).map((c) => c.meta.id)).toEqual([
      'lines',
      'leaky',
    ]);
    expect(() => selectChecks([lineCheck], ['nope'], [])).toThrow(UsageError);
    expect(() => selectChecks([lineCheck, leaky], ['lines'], ['lines'])).toThrow(/no checks selected/);
  });

  it('refuses a selection whose checks all need a target the audit does not have', async () => {
    const hostOnly = defineCheck({
      meta: { id: 'host-only', point: 6, title: 'Host', description: 'Host.', targets: ['host'], rules },
      run: () => [],
    });
    await expect(audit({}, '', { checks: [lineCheck, hostOnly], only: ['host-only'] })).rejects.toThrow(
      'no selected check audits the repo target (they need: host; see --host and --url)',
    );
  });

  it('notes an inline ignore naming an unknown rule instead of dropping it in silence', async () => {
    const r = await audit({ 'app.conf': 'BAD # tradesec-ignore lines/nope -- typo\n' }, '', {
      checks: [lineCheck],
    });
    expect(r.checks[0]?.status).toBe('fail');
    expect(r.checks[0]?.findings[0]?.message).toContain(
      'inline tradesec-ignore names unknown rule "lines/nope", so it was not applied',
    );
    const known = await audit({ 'app.conf': 'BAD # tradesec-ignore leaky/bad -- another check\n' }, '', {
      checks: [lineCheck, leaky],
    });
    expect(known.checks[0]?.findings[0]?.message).toBe('bad line');
  });

  it('refuses a key set twice in the config, where ini would keep the last one in silence', () => {
    expect(() => parseConfig('fail-on = critical\n; later\nfail-on = info\n', '.tradesecrc')).toThrow(
      '.tradesecrc:3: fail-on is set twice (lines 1 and 3): keep one',
    );
    expect(() =>
      parseConfig(
        '[secrets]\nmin-bytes = 32\n[https]\nnginx-version = 1.22.1\n[secrets]\nmin-bytes = 16\n',
        'x',
      ),
    ).toThrow('x:6: min-bytes is set twice in [secrets] (lines 2 and 6): keep one');
    // The same key in two sections, and list syntax, are fine.
    expect(() => parseConfig('[a]\nk = 1\n[b]\nk = 2\nl[] = 1\nl[] = 2\n', 'x')).not.toThrow();
  });

  it('rejects config naming unknown checks, rules or settings', () => {
    const v = (text: string) => () => validateConfigIds(parseConfig(text, '.tradesecrc'), [lineCheck]);
    expect(v('[severity]\nlines/nope = low\n')).toThrow(/unknown check or rule "lines\/nope"/);
    expect(v('[ignore.a]\nrule = nope/x\nreason = r\n')).toThrow(/unknown rule/);
    expect(v('[lines]\nfoo = 1\n')).toThrow(/unknown setting "foo"/);
    expect(v('[nope]\nfoo = 1\n')).toThrow(/names no check/);
    expect(v('only = lines\n[severity]\nlines/bad = info\n')).not.toThrow();
  });
});

describe('config', () => {
  it('parses the documented settings', () => {
    const c = parseConfig(
      [
        'fail-on = high',
        'only = secrets, https',
        'skip = cors',
        'exclude = vendor/**, tests/fixtures/**',
        'inline-ignores = false',
        '[plugins]',
        'modules = ./a.js, ./b.js',
        '[secrets]',
        'env-files = .env.live',
      ].join('\n'),
      'x',
    );
    expect(c).toMatchObject({
      failOn: 'high',
      only: ['secrets', 'https'],
      skip: ['cors'],
      exclude: ['vendor/**', 'tests/fixtures/**'],
      inlineIgnores: false,
      plugins: ['./a.js', './b.js'],
    });
    expect(c.sections.get('secrets')).toEqual({ 'env-files': '.env.live' });
  });

  it.each([
    ['fail-on = loud\n', /x:1: fail-on must be a severity/],
    ['colour = yes\n', /x:1: unknown setting "colour"/],
    ['\n[ignore.a]\nrule = lines/bad\n', /x:2: \[ignore.a\] needs a "reason"/],
    ['[ignore.a]\nreason = r\n', /\[ignore.a\] needs "rule"/],
    ['[ignore.a]\nrule = a/b\nreason = r\nexpires = 2026-02-30\n', /expires must be a date/],
    ['[ignore.a]\nrule = a/b\nreason = r\nexpires = soon\n', /expires must be a date/],
    ['[severity]\na/b = urgent\n', /x:2: severity of "a\/b"/],
  ])('rejects %j', (text, message) => {
    expect(() => parseConfig(text, 'x')).toThrow(message);
  });
});
