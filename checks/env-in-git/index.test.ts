import { readFileSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/audit/config.js';
import { runAudit } from '../../src/audit/engine.js';
import { runCase, testCheck, withReadErrors } from '../../test/helpers/check-tester.js';
import { commitAll, git, gitInit } from '../../test/helpers/git.js';
import { tempDir, writeFiles } from '../../test/helpers/temp.js';
import check, { dockerignoreDecision, parseDockerignore, secretKind } from './index.js';
import { templatePatterns, templatesDir } from './templates.js';

const GITIGNORE_TEMPLATE = readFileSync(path.join(templatesDir(), 'gitignore'), 'utf8');
const DOCKERIGNORE_TEMPLATE = readFileSync(path.join(templatesDir(), 'dockerignore'), 'utf8');
const BACKUP = '.tradesec-backups/.env.production.20260101T000000Z.bak';

const GITIGNORE = '.env*\n!.env.example\n*.key\n*.pem\n';
const CERT =
  '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUFakeCertificateBody\n-----END CERTIFICATE-----\n';
const KEY =
  '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wFakeKeyBody\n-----END PRIVATE KEY-----\n';

/** A repository with everything committed. */
const committed = async (dir: string) => {
  await gitInit(dir);
  await commitAll(dir, 'initial');
};

function messageOf(result: Awaited<ReturnType<typeof runCase>>['result'], rule: string): string {
  return result.checks[0]?.findings.find((f) => f.rule === rule)?.message ?? '';
}

testCheck(check, {
  pass: [
    {
      name: "a repository using exactly tradesec's templates/gitignore and templates/dockerignore",
      files: {
        '.gitignore': GITIGNORE_TEMPLATE,
        '.dockerignore': DOCKERIGNORE_TEMPLATE,
        Dockerfile: 'FROM python:3.12-slim\nCOPY . .\n',
        '.env.production': 'SECRET_KEY=x\n',
        'app/.env.local': 'A=1\n',
        'app/prod.env': 'A=1\n',
        '.env.example': 'SECRET_KEY=\n',
        '.env.sample': 'SECRET_KEY=\n',
        [BACKUP]: 'SECRET_KEY=old\n',
        'deploy/.tradesec-backups/prod.env.20260101T000000Z.bak': 'SECRET_KEY=old\n',
        'certs/server.key': KEY,
        'app/main.py': 'x = 1\n',
      },
      setup: committed,
      verify: async (result, dir) => {
        expect(result.checks[0]?.findings).toEqual([]);
        // Everything secret stayed out of the commit, the templates went in.
        const tracked = (await git(dir, 'ls-files')).split('\n');
        expect(tracked).toEqual(expect.arrayContaining(['.env.example', '.env.sample', '.gitignore']));
        expect(tracked.filter((p) => p.includes('.tradesec-backups') || p.endsWith('.key'))).toEqual([]);
      },
    },
    {
      name: 'a .gitignore that covers env files, keys and PEM files, with the production env file untracked',
      files: {
        '.gitignore': GITIGNORE,
        '.env.production': 'SECRET_KEY=x\n',
        'config/server.key': KEY,
        '.env.example': 'SECRET_KEY=\n',
        'app/main.py': 'x = 1\n',
      },
      setup: committed,
    },
    {
      name: 'a .env* rule without the example exception, when there is no example file',
      files: { '.gitignore': '.env*\n*.key\n*.pem\n', 'app.py': 'x = 1\n' },
      setup: committed,
    },
    {
      name: 'tracked templates and certificates are fine',
      files: {
        '.gitignore': GITIGNORE,
        '.env.example': 'SECRET_KEY=\n',
        'deploy/.env.sample': 'A=\n',
        'certs/ca.pem': CERT,
      },
      setup: async (dir) => {
        await gitInit(dir);
        await git(dir, 'add', '-A');
        await git(dir, 'add', '-f', 'certs/ca.pem', 'deploy/.env.sample');
        await git(dir, 'commit', '-q', '-m', 'templates');
      },
    },
    {
      name: 'a certificate committed and later deleted is not a secret in history',
      files: { '.gitignore': GITIGNORE, 'nginx/chain.pem': CERT },
      setup: async (dir) => {
        await gitInit(dir);
        await git(dir, 'add', '.gitignore');
        await git(dir, 'add', '-f', 'nginx/chain.pem');
        await git(dir, 'commit', '-q', '-m', 'chain');
        await git(dir, 'rm', '-q', 'nginx/chain.pem');
        await git(dir, 'commit', '-q', '-m', 'drop chain');
      },
    },
    {
      name: 'a Dockerfile with a .dockerignore that excludes .env* and .git',
      files: {
        '.gitignore': GITIGNORE,
        Dockerfile: 'FROM python:3.12-slim\nCOPY . .\n',
        '.dockerignore': '# keep secrets out\n.git/\n.env*\n!.env.example\n**/*.key\n',
        '.env.production': 'A=1\n',
        'deploy/tls.key': KEY,
      },
      setup: committed,
    },
    {
      name: 'a Dockerfile in a subdirectory built from the root',
      files: { '.gitignore': GITIGNORE, 'docker/Dockerfile': 'FROM x\n', '.dockerignore': '.git\n.env*\n' },
      setup: committed,
    },
    {
      name: 'tracked test keys under a path the configuration excludes',
      files: { '.gitignore': GITIGNORE, 'tests/fixtures/test.key': KEY },
      config: 'exclude = tests/fixtures/**\n',
      setup: async (dir) => {
        await gitInit(dir);
        await git(dir, 'add', '-A');
        await git(dir, 'add', '-f', 'tests/fixtures/test.key');
        await git(dir, 'commit', '-q', '-m', 'fixtures');
        await git(dir, 'rm', '-q', '--cached', 'tests/fixtures/test.key');
        await git(dir, 'commit', '-q', '-m', 'untrack');
      },
    },
    {
      name: 'no commits yet, and a symlinked config directory',
      files: { '.gitignore': GITIGNORE, 'real/settings.py': 'x = 1\n' },
      setup: async (dir) => {
        await gitInit(dir);
        await symlink(path.join(dir, 'real'), path.join(dir, 'config'));
      },
    },
  ],
  fail: [
    {
      name: 'no rule for *.pem',
      files: { '.gitignore': '.env*\n!.env.example\n*.key\n' },
      setup: committed,
      findings: [{ rule: 'env-in-git/not-ignored', file: '.gitignore' }],
      verify: (result) => {
        const m = messageOf(result, 'env-in-git/not-ignored');
        expect(m).toContain('PEM files');
        expect(m).toContain('privkey.pem');
        expect(result.checks[0]?.findings[0]?.remediation).toContain('`*.pem`');
      },
    },
    {
      name: 'no .gitignore at all: one finding per group, on the missing .gitignore, without a line',
      files: { 'main.py': 'x = 1\n' },
      setup: committed,
      findings: [
        { rule: 'env-in-git/not-ignored', file: '.gitignore', line: undefined },
        { rule: 'env-in-git/not-ignored', file: '.gitignore' },
        { rule: 'env-in-git/not-ignored', file: '.gitignore' },
      ],
      verify: (result) => {
        expect(result.checks[0]?.findings).toHaveLength(3);
        expect(result.checks[0]?.findings.every((f) => f.line === undefined)).toBe(true);
      },
    },
    {
      name: 'a fix only in a comment (# .env) is not a fix',
      files: { '.gitignore': '# .env\n*.key\n*.pem\n', '.env': 'A=1\n' },
      setup: async (dir) => {
        await gitInit(dir);
        await git(dir, 'add', '.gitignore');
        await git(dir, 'commit', '-q', '-m', 'ignore');
      },
      findings: [{ rule: 'env-in-git/not-ignored', file: '.gitignore' }],
      verify: (result) =>
        expect(messageOf(result, 'env-in-git/not-ignored')).toContain('on disk and not ignored: .env'),
    },
    {
      name: 'a !.env.production negation re-includes the production env file',
      files: { '.gitignore': '.env*\n!.env.example\n!.env.production\n*.key\n*.pem\n' },
      setup: committed,
      findings: [{ rule: 'env-in-git/not-ignored', file: '.gitignore', line: 3 }],
      verify: (result) => expect(messageOf(result, 'env-in-git/not-ignored')).toContain('`!.env.production`'),
    },
    {
      name: 'a rule anchored at the root leaves subdirectories uncovered',
      files: { '.gitignore': '/.env*\n!.env.example\n*.key\n*.pem\n' },
      setup: committed,
      findings: [{ rule: 'env-in-git/not-ignored', file: '.gitignore' }],
      verify: (result) => {
        expect(messageOf(result, 'env-in-git/not-ignored')).toContain('env files in subdirectories');
        expect(messageOf(result, 'env-in-git/not-ignored')).toContain('config/.env.production');
      },
    },
    {
      name: 'a rule only in .git/info/exclude does not protect other clones',
      files: { '.gitignore': '*.key\n*.pem\n' },
      setup: async (dir) => {
        await committed(dir);
        await writeFile(path.join(dir, '.git/info/exclude'), '.env*\n');
      },
      findings: [{ rule: 'env-in-git/not-ignored', file: '.gitignore' }],
      verify: (result) => expect(messageOf(result, 'env-in-git/not-ignored')).toContain('.git/info/exclude'),
    },
    {
      name: 'an env file on disk that the listed names miss',
      files: { '.gitignore': '.env\n.env.production\n.env.local\n*.key\n*.pem\n', '.env.staging': 'A=1\n' },
      setup: async (dir) => {
        await gitInit(dir);
        await git(dir, 'add', '.gitignore');
        await git(dir, 'commit', '-q', '-m', 'ignore');
      },
      findings: [{ rule: 'env-in-git/not-ignored', file: '.env.staging' }],
    },
    {
      name: 'an ignored .env.example is a low note',
      status: 'warn',
      files: { '.gitignore': '*.key\n*.pem\n.env*\n', '.env.example': 'A=\n' },
      setup: async (dir) => {
        await gitInit(dir);
        await git(dir, 'add', '.gitignore');
        await git(dir, 'commit', '-q', '-m', 'ignore');
      },
      findings: [{ rule: 'env-in-git/example-ignored', file: '.gitignore', line: 3 }],
    },
    {
      name: 'a tracked env file that is also in .gitignore',
      files: { '.gitignore': GITIGNORE, '.env.production': 'SECRET_KEY=x\n' },
      setup: async (dir) => {
        await gitInit(dir);
        await git(dir, 'add', '.gitignore');
        await git(dir, 'add', '-f', '.env.production');
        await git(dir, 'commit', '-q', '-m', 'oops');
      },
      findings: [{ rule: 'env-in-git/tracked-secret-file', file: '.env.production' }],
      verify: (result) => {
        const f = result.checks[0]?.findings[0];
        expect(f?.severity).toBe('critical');
        expect(f?.message).toContain('ignore rules do not untrack');
        expect(f?.remediation).toContain('git rm --cached -- .env.production');
      },
    },
    {
      name: 'a tracked private key, and a tracked PEM bundle that holds a key',
      files: {
        '.gitignore': '.env*\n!.env.example\n',
        'deploy/server.key': KEY,
        'nginx/site.pem': `${CERT}${KEY}`,
      },
      setup: committed,
      findings: [
        { rule: 'env-in-git/not-ignored', file: '.gitignore' },
        { rule: 'env-in-git/not-ignored', file: '.gitignore' },
        { rule: 'env-in-git/tracked-secret-file', file: 'deploy/server.key' },
        { rule: 'env-in-git/tracked-secret-file', file: 'nginx/site.pem' },
      ],
    },
    {
      name: 'an env file deleted from the tree but present in history',
      files: { '.gitignore': '*.key\n*.pem\n', '.env': 'SECRET_KEY=x\n' },
      setup: async (dir) => {
        await gitInit(dir);
        await commitAll(dir, 'with env');
        await git(dir, 'rm', '-q', '.env');
        await writeFile(path.join(dir, '.gitignore'), GITIGNORE);
        await commitAll(dir, 'remove env');
      },
      findings: [{ rule: 'env-in-git/secret-in-history', file: '.env' }],
      verify: async (result, dir) => {
        const commit = await git(dir, 'rev-list', '--max-parents=0', 'HEAD');
        const m = messageOf(result, 'env-in-git/secret-in-history');
        expect(m).toContain(`commit ${commit.slice(0, 7)}`);
        expect(m).toContain('rotate');
        expect(result.checks[0]?.findings[0]?.remediation).toContain(
          'git filter-repo --invert-paths --path .env',
        );
      },
    },
    {
      name: 'an env file committed twice then untracked names the first and last commits',
      files: { '.gitignore': GITIGNORE, 'app/.env.production': 'A=1\n' },
      setup: async (dir) => {
        await gitInit(dir);
        await git(dir, 'add', '-A');
        await git(dir, 'add', '-f', 'app/.env.production');
        await git(dir, 'commit', '-q', '-m', 'one');
        await writeFile(path.join(dir, 'app/.env.production'), 'A=2\n');
        await git(dir, 'commit', '-q', '-am', 'two');
        await git(dir, 'rm', '-q', '--cached', 'app/.env.production');
        await git(dir, 'commit', '-q', '-m', 'untrack');
      },
      findings: [{ rule: 'env-in-git/secret-in-history', file: 'app/.env.production' }],
      verify: (result) =>
        expect(messageOf(result, 'env-in-git/secret-in-history')).toMatch(
          /2 commits, first \w{7} .*last \w{7}/,
        ),
    },
    {
      name: 'a secret on a branch other than the current one',
      files: { '.gitignore': GITIGNORE, 'README.md': 'x\n' },
      setup: async (dir) => {
        await committed(dir);
        await git(dir, 'checkout', '-q', '-b', 'feature');
        await writeFiles(dir, { 'config/prod.env': 'A=1\n', 'keys/id_ed25519': 'k\n' });
        await git(dir, 'add', '-f', 'config/prod.env', 'keys/id_ed25519');
        await git(dir, 'commit', '-q', '-m', 'secrets on a branch');
        await git(dir, 'checkout', '-q', 'main');
      },
      findings: [
        { rule: 'env-in-git/secret-in-history', file: 'config/prod.env' },
        { rule: 'env-in-git/secret-in-history', file: 'keys/id_ed25519' },
      ],
    },
    {
      name: 'a secret added while resolving a merge (in no other commit)',
      files: { '.gitignore': GITIGNORE, 'a.txt': 'a\n' },
      setup: async (dir) => {
        await committed(dir);
        await git(dir, 'checkout', '-q', '-b', 'side');
        await writeFile(path.join(dir, 'b.txt'), 'b\n');
        await commitAll(dir, 'side');
        await git(dir, 'checkout', '-q', 'main');
        await writeFile(path.join(dir, 'c.txt'), 'c\n');
        await commitAll(dir, 'main');
        await git(dir, 'merge', '-q', '--no-ff', '--no-commit', 'side');
        await writeFile(path.join(dir, '.env.merge'), 'A=1\n');
        await git(dir, 'add', '-f', '.env.merge');
        await git(dir, 'commit', '-q', '-m', 'merge');
        await git(dir, 'rm', '-q', '--cached', '.env.merge');
        await git(dir, 'commit', '-q', '-m', 'untrack');
      },
      findings: [{ rule: 'env-in-git/secret-in-history', file: '.env.merge' }],
    },
    {
      name: 'a Dockerfile without .dockerignore',
      files: { '.gitignore': GITIGNORE, Dockerfile: 'FROM python:3.12-slim\nCOPY . .\n' },
      setup: committed,
      findings: [{ rule: 'env-in-git/dockerignore-missing', file: '.dockerignore' }],
      verify: (result) =>
        expect(messageOf(result, 'env-in-git/dockerignore-missing')).toContain('Dockerfile'),
    },
    {
      name: 'a !.env.production negation in .dockerignore re-includes it',
      files: {
        '.gitignore': GITIGNORE,
        Dockerfile: 'FROM x\n',
        '.dockerignore': '.git\n.env*\n!.env.production\n',
      },
      setup: committed,
      findings: [{ rule: 'env-in-git/dockerignore-incomplete', file: '.dockerignore', line: 3 }],
      verify: (result) =>
        expect(messageOf(result, 'env-in-git/dockerignore-incomplete')).toContain(
          '.env.production (re-included',
        ),
    },
    {
      name: '.dockerignore without .git, and an env file in a subdirectory it does not reach',
      files: {
        '.gitignore': GITIGNORE,
        Containerfile: 'FROM x\n',
        '.dockerignore': '.env*\n',
        'app/.env.local': 'A=1\n',
      },
      setup: committed,
      findings: [
        { rule: 'env-in-git/dockerignore-incomplete', file: '.dockerignore' },
        { rule: 'env-in-git/dockerignore-incomplete', file: '.dockerignore' },
      ],
      verify: (result) => {
        const messages = result.checks[0]?.findings.map((f) => f.message).join('\n') ?? '';
        expect(messages).toContain('the .git directory');
        expect(messages).toContain('app/.env.local');
      },
    },
    {
      name: 'rotate-keys backups: tracked, in history, not ignored, and sent to the Docker build',
      files: {
        '.gitignore': GITIGNORE,
        Dockerfile: 'FROM x\n',
        '.dockerignore': '.git\n.env*\n',
        [BACKUP]: 'SECRET_KEY=old\n',
        'deploy/.tradesec-backups/prod.env.20260101T000000Z.bak': 'SECRET_KEY=old\n',
      },
      setup: async (dir) => {
        await gitInit(dir);
        await git(dir, 'add', '-f', '.gitignore', 'Dockerfile', '.dockerignore', BACKUP);
        await writeFile(path.join(dir, 'old.bak'), 'x');
        await git(dir, 'commit', '-q', '-m', 'with a backup');
        await git(dir, 'add', '-f', 'deploy/.tradesec-backups');
        await git(dir, 'commit', '-q', '-m', 'second backup');
        await git(dir, 'rm', '-q', '--cached', 'deploy/.tradesec-backups/prod.env.20260101T000000Z.bak');
        await git(dir, 'commit', '-q', '-m', 'untrack it');
      },
      findings: [
        { rule: 'env-in-git/tracked-secret-file', file: BACKUP },
        {
          rule: 'env-in-git/secret-in-history',
          file: 'deploy/.tradesec-backups/prod.env.20260101T000000Z.bak',
        },
        { rule: 'env-in-git/not-ignored', file: 'deploy/.tradesec-backups/prod.env.20260101T000000Z.bak' },
        { rule: 'env-in-git/dockerignore-incomplete', file: '.dockerignore' },
      ],
      verify: (result) => {
        const findings = result.checks[0]?.findings ?? [];
        const docker = findings.find((f) => f.rule === 'env-in-git/dockerignore-incomplete');
        expect(docker?.message).toContain('rotate-keys backups');
        // The advice names the missing pattern, not `.env*`, which is already there.
        expect(docker?.remediation).toBe(
          'Add `.tradesec-backups` and `**/.tradesec-backups` to .dockerignore.',
        );
        const ignored = findings.find((f) => f.rule === 'env-in-git/not-ignored');
        expect(ignored?.remediation).toContain('`.tradesec-backups/`');
      },
    },
    {
      name: 'a binary .dockerignore cannot be examined, so it does not pass',
      files: {
        '.gitignore': GITIGNORE,
        Dockerfile: 'FROM x\n',
        '.dockerignore': { content: Buffer.from([0x2e, 0x65, 0x00, 0x01]) },
      },
      setup: committed,
      findings: [{ rule: 'env-in-git/unreadable-file', file: '.dockerignore' }],
    },
  ],
  skip: [{ name: 'not a git repository', files: { '.env': 'A=1\n', '.gitignore': GITIGNORE } }],
});

describe('env-in-git details', () => {
  it('audits a subdirectory of a repository against the top-level .gitignore', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      '.gitignore': '.env*\n!.env.example\n!service/.env.local\n*.key\n*.pem\n',
      'service/app.py': '',
    });
    await committed(dir);
    const result = await runAudit({
      root: path.join(dir, 'service'),
      checks: [check],
      config: parseConfig('', '.tradesecrc'),
      version: '0.0.0-test',
    });
    const findings = result.checks[0]?.findings ?? [];
    expect(findings.map((f) => f.rule)).toEqual(['env-in-git/not-ignored']);
    // The rule lives above the audited directory, so the finding names the audited .gitignore without a line.
    expect(findings[0]).toMatchObject({ file: '.gitignore' });
    expect(findings[0]?.line).toBeUndefined();
    expect(findings[0]?.message).toContain('.env.local');
  });

  it('a secret file removed from disk and index leaves no tracked finding, only history', async () => {
    const { result } = await runCase(check, {
      name: 'history only',
      files: { '.gitignore': GITIGNORE, 'deploy/tls.key': KEY },
      setup: async (dir) => {
        await gitInit(dir);
        await git(dir, 'add', '-A');
        await git(dir, 'add', '-f', 'deploy/tls.key');
        await git(dir, 'commit', '-q', '-m', 'key');
        await git(dir, 'rm', '-q', 'deploy/tls.key');
        await git(dir, 'commit', '-q', '-m', 'drop key');
        await rm(path.join(dir, 'deploy'), { recursive: true, force: true });
        await mkdir(path.join(dir, 'deploy'));
      },
    });
    expect(result.checks[0]?.findings.map((f) => `${f.rule} ${f.file}`)).toEqual([
      'env-in-git/secret-in-history deploy/tls.key',
    ]);
  });

  it('reports an unreadable .dockerignore instead of passing it', async () => {
    const files = { '.gitignore': GITIGNORE, Dockerfile: 'FROM x\n', '.dockerignore': '.env*\n.git\n' };
    const denied = withReadErrors(check, { '.dockerignore': 'permission denied' });
    const { result } = await runCase(denied, { name: 'x', files, setup: committed });
    expect(result.checks[0]?.status).toBe('fail');
    expect(result.checks[0]?.findings.map((f) => `${f.rule} ${f.file}`)).toEqual([
      'env-in-git/unreadable-file .dockerignore',
    ]);
    expect(result.checks[0]?.findings[0]?.message).toContain('permission denied');
  });

  it.skipIf(process.getuid?.() === 0)('reports a .dockerignore of mode 000 (not as root)', async () => {
    const files = {
      '.gitignore': GITIGNORE,
      Dockerfile: 'FROM x\n',
      '.dockerignore': { content: '.env*\n.git\n', mode: 0 },
    };
    const { result } = await runCase(check, { name: 'x', files, setup: committed });
    expect(result.checks[0]?.findings.map((f) => f.rule)).toContain('env-in-git/unreadable-file');
  });

  it('gives the templates as remediation, and the README shows them as they are', () => {
    const gitignore = templatePatterns('gitignore');
    expect(gitignore).toEqual([
      '.env*',
      '!.env.example',
      '!.env.sample',
      '*.env',
      '*.key',
      '*.pem',
      '.tradesec-backups/',
    ]);
    const dockerignore = templatePatterns('dockerignore');
    for (const p of ['.env*', '*.env', '.git', '*.key', '*.pem', '.tradesec-backups']) {
      expect(dockerignore).toContain(p);
      expect(dockerignore).toContain(`**/${p}`);
    }
    const rules = check.meta.rules;
    for (const p of gitignore) expect(rules['not-ignored']?.remediation).toContain(`\`${p}\``);
    for (const p of dockerignore) {
      expect(rules['dockerignore-missing']?.remediation).toContain(`\`${p}\``);
      expect(rules['dockerignore-incomplete']?.remediation).toContain(`\`${p}\``);
    }
    const readme = readFileSync(path.join(import.meta.dirname, 'README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`\n${GITIGNORE_TEMPLATE}\`\`\``);
    expect(readme).toContain(`\`\`\`\n${DOCKERIGNORE_TEMPLATE}\`\`\``);
  });

  it('finds the templates from the build output too (dist/checks/env-in-git)', () => {
    const fromDist = path.join(path.dirname(templatesDir()), 'dist/checks/env-in-git');
    expect(templatesDir(fromDist)).toBe(templatesDir());
  });

  it('classifies secret file names', () => {
    expect(secretKind(BACKUP)).toBe('backup');
    expect(secretKind('a/b/.tradesec-backups/prod.env.1.bak')).toBe('backup');
    expect(secretKind('.tradesec-backups')).toBeUndefined();
    expect(secretKind('.env')).toBe('env');
    expect(secretKind('app/.env.production')).toBe('env');
    expect(secretKind('prod.env')).toBe('env');
    expect(secretKind('.env.example')).toBeUndefined();
    expect(secretKind('config/.env.sample')).toBeUndefined();
    expect(secretKind('server.key')).toBe('key');
    expect(secretKind('id_rsa')).toBe('key');
    expect(secretKind('id_rsa.pub')).toBeUndefined();
    expect(secretKind('chain.pem')).toBe('pem');
    expect(secretKind('venv')).toBeUndefined();
    expect(secretKind('environment.py')).toBeUndefined();
  });

  it('matches .dockerignore as Docker does: anchored at the context, parents, negations, last match wins', () => {
    const rules = parseDockerignore(
      '\ufeff# comment\n  .env*  \n/secrets/\n!secrets/public.txt\n**/*.key\n.git/\n',
    );
    const excluded = (p: string) => dockerignoreDecision(rules, p).excluded;
    expect(excluded('.env')).toBe(true);
    expect(excluded('.env.production')).toBe(true);
    expect(excluded('app/.env')).toBe(false);
    expect(excluded('secrets/db.txt')).toBe(true);
    expect(excluded('secrets/public.txt')).toBe(false);
    expect(excluded('a/b/tls.key')).toBe(true);
    expect(excluded('.git')).toBe(true);
    expect(excluded('# comment')).toBe(false);
    expect(dockerignoreDecision(rules, 'secrets/public.txt').rule?.line).toBe(4);
    const reordered = parseDockerignore('!.env.production\n.env*\n');
    expect(dockerignoreDecision(reordered, '.env.production').excluded).toBe(true);
  });
});
