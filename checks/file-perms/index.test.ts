import { mkdtempSync, rmSync } from 'node:fs';
import { chmod, mkdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCase, testCheck } from '../../test/helpers/check-tester.js';
import { tempDir, writeFiles } from '../../test/helpers/temp.js';
import check, { DEFAULT_POLICY, describeBits, mergePolicy, parsePolicy } from './index.js';

const CERT =
  '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUFakeCertificateBody\n-----END CERTIFICATE-----\n';
const KEY =
  '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wFakeKeyBody\n-----END PRIVATE KEY-----\n';
const SQLITE = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(84)]);
const isRoot = process.getuid?.() === 0;
/** A user that does not own the test files, whoever runs the tests. */
const otherUser = isRoot ? 'nobody' : 'root';

/** Host roots built at load time, since a case names its host root before it runs. */
const hostRoots: string[] = [];
function hostRoot(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tradesec-host-'));
  hostRoots.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of hostRoots) rmSync(d, { recursive: true, force: true });
});

const file = (content: string | Buffer, mode: number) => ({ content, mode });
const chmodDirs = (modes: Record<string, number>) => async (dir: string) => {
  for (const [rel, mode] of Object.entries(modes)) await chmod(path.join(dir, rel), mode);
};

function findingOf(result: Awaited<ReturnType<typeof runCase>>['result'], rule: string) {
  return result.checks[0]?.findings.find((f) => f.rule === rule);
}

const hostPass = hostRoot();
const hostFail = hostRoot();

testCheck(check, {
  pass: [
    {
      name: 'env file at 0600, example file at 0644',
      files: {
        '.env.production': file('SECRET_KEY=x\n', 0o600),
        '.env.example': file('SECRET_KEY=\n', 0o644),
      },
    },
    {
      name: 'a stricter 0400 passes a 0600 policy',
      files: { '.env': file('A=1\n', 0o400), 'certs/server.key': file(KEY, 0o400) },
    },
    {
      name: 'a .pem that holds only a certificate may be 0644',
      files: { 'certs/fullchain.pem': file(`${CERT}${CERT}`, 0o644) },
    },
    {
      name: 'logs at 750/640 and SQLite files at 600',
      files: {
        'logs/app.log': file('started\n', 0o640),
        'logs/security.log.1': file('x\n', 0o600),
        'data/app.db': file(SQLITE, 0o600),
        'data/app.db-wal': file('', 0o600),
        'data/app.sqlite3': file(SQLITE, 0o600),
      },
      setup: chmodDirs({ logs: 0o750 }),
    },
    {
      name: 'ssl and certs/private directories at 0700',
      files: { 'nginx/ssl/server.key': file(KEY, 0o600), 'certs/private/app.key': file(KEY, 0o600) },
      setup: chmodDirs({ 'nginx/ssl': 0o700, 'certs/private': 0o700 }),
    },
    {
      name: 'a symlink pointing outside the root is ignored',
      files: { '.env': file('A=1\n', 0o600) },
      setup: async (dir) => {
        const outside = await tempDir();
        await writeFiles(outside, { 'leak.env': file('A=1\n', 0o666) });
        await symlink(path.join(outside, 'leak.env'), path.join(dir, 'linked.env'));
      },
    },
    {
      name: 'a symlink inside the root is judged by its target',
      files: { 'real/.env.production': file('A=1\n', 0o600) },
      setup: async (dir) => {
        await symlink(path.join(dir, 'real/.env.production'), path.join(dir, '.env'));
      },
    },
    {
      name: 'a .db file that is not SQLite (Thumbs.db) is not held to the database policy',
      files: { 'img/Thumbs.db': file('not a database at all', 0o644), '.env': file('A=1\n', 0o600) },
    },
    {
      name: 'a configured entry relaxes a built-in one',
      files: { 'data/app.db': file(SQLITE, 0o640) },
      config: '[file-perms]\npolicy = *.db:640\n',
    },
    {
      name: 'owners are not compared without root',
      files: { '.env': file('A=1\n', 0o600) },
      config: '[file-perms]\nowner = no-such-user-anywhere\n',
      isRoot: false,
    },
    {
      name: 'owner matches when running as root',
      files: { '.env': file('A=1\n', 0o600) },
      config: `[file-perms]\nowner = ${process.getuid?.() ?? 0}\n`,
      isRoot: true,
    },
    {
      name: 'host: /etc/nginx/ssl at 700 with its key at 600',
      targets: ['repo', 'host'],
      hostRoot: hostPass,
      setup: async () => {
        await writeFiles(hostPass, {
          'etc/nginx/ssl/private.key': file(KEY, 0o600),
          'etc/nginx/ssl/cert.pem': file(CERT, 0o644),
        });
        await chmod(path.join(hostPass, 'etc/nginx/ssl'), 0o700);
      },
    },
  ],
  fail: [
    {
      name: 'a 0640 env file where 0600 is required',
      files: { '.env.production': file('SECRET_KEY=x\n', 0o640) },
      findings: [{ rule: 'file-perms/too-permissive', file: '.env.production' }],
      verify: (result, dir) => {
        const f = findingOf(result, 'file-perms/too-permissive');
        expect(f?.severity).toBe('high');
        expect(f?.message).toContain('0640');
        expect(f?.message).toContain('0600');
        expect(f?.message).toContain('group can read');
        expect(f?.fix).toMatchObject({ kind: 'chmod', mode: 0o600, path: path.join(dir, '.env.production') });
      },
    },
    {
      name: 'group execute (0610) is not stricter than 0600',
      files: { '.env': file('A=1\n', 0o610) },
      findings: [{ rule: 'file-perms/too-permissive', file: '.env' }],
      verify: (result) =>
        expect(findingOf(result, 'file-perms/too-permissive')?.fix).toMatchObject({ mode: 0o600 }),
    },
    {
      name: 'bits, not numbers: 0500 is below 0600 as a number but adds owner execute',
      files: { '.env': file('A=1\n', 0o500) },
      findings: [{ rule: 'file-perms/too-permissive', file: '.env' }],
      verify: (result) =>
        expect(findingOf(result, 'file-perms/too-permissive')?.fix).toMatchObject({ mode: 0o400 }),
    },
    {
      name: 'a symlink is judged once, under the path of the file it points to',
      files: { 'real/.env.production': file('A=1\n', 0o644) },
      setup: async (dir) => {
        await symlink(path.join(dir, 'real/.env.production'), path.join(dir, '.env'));
      },
      findings: [{ rule: 'file-perms/too-permissive', file: 'real/.env.production' }],
    },
    {
      name: 'setgid on an env file exceeds the policy',
      files: { 'deploy/prod.env': file('A=1\n', 0o600) },
      setup: chmodDirs({ 'deploy/prod.env': 0o2600 }),
      findings: [{ rule: 'file-perms/too-permissive', file: 'deploy/prod.env' }],
      verify: (result) => {
        const f = findingOf(result, 'file-perms/too-permissive');
        expect(f?.message).toContain('setgid');
        expect(f?.fix).toMatchObject({ mode: 0o600 });
      },
    },
    {
      name: 'a world-writable directory, even an empty one',
      files: { '.env': file('A=1\n', 0o600) },
      setup: async (dir) => {
        await mkdir(path.join(dir, 'uploads'));
        await chmod(path.join(dir, 'uploads'), 0o777);
      },
      findings: [{ rule: 'file-perms/world-writable', file: 'uploads' }],
      verify: (result) =>
        expect(findingOf(result, 'file-perms/world-writable')?.fix).toMatchObject({ mode: 0o775 }),
    },
    {
      name: 'a world-writable file outside the policy, and a world-writable env file fixed to the policy',
      files: { 'app/main.py': file('x = 1\n', 0o666), '.env': file('A=1\n', 0o666) },
      findings: [
        { rule: 'file-perms/world-writable', file: 'app/main.py' },
        { rule: 'file-perms/world-writable', file: '.env' },
      ],
      verify: (result) => {
        const byFile = new Map(result.checks[0]?.findings.map((f) => [f.file, f.fix]));
        expect(byFile.get('app/main.py')).toMatchObject({ mode: 0o664 });
        expect(byFile.get('.env')).toMatchObject({ mode: 0o600 });
      },
    },
    {
      name: 'a .pem private key at 0644',
      files: { 'certs/privkey.pem': file(KEY, 0o644), 'certs/cert.pem': file(CERT, 0o644) },
      findings: [{ rule: 'file-perms/too-permissive', file: 'certs/privkey.pem' }],
    },
    {
      name: 'a .pem bundling a certificate and its key at 0644',
      files: { 'certs/combined.pem': file(`${CERT}${KEY}`, 0o644) },
      findings: [{ rule: 'file-perms/too-permissive', file: 'certs/combined.pem' }],
    },
    {
      name: 'a certificate .pem writable by the group exceeds 0644',
      files: { 'certs/cert.pem': file(CERT, 0o664) },
      findings: [{ rule: 'file-perms/too-permissive', file: 'certs/cert.pem' }],
      verify: (result) =>
        expect(findingOf(result, 'file-perms/too-permissive')?.fix).toMatchObject({ mode: 0o644 }),
    },
    {
      name: "the guide's 755/644 logs are world-readable (low)",
      status: 'warn',
      files: { 'logs/app.log': file('x\n', 0o644) },
      setup: chmodDirs({ logs: 0o755 }),
      findings: [
        { rule: 'file-perms/world-readable-log', file: 'logs' },
        { rule: 'file-perms/world-readable-log', file: 'logs/app.log' },
      ],
      verify: (result) => {
        const fixes = new Map(result.checks[0]?.findings.map((f) => [f.file, f.fix]));
        expect(fixes.get('logs')).toMatchObject({ mode: 0o750 });
        expect(fixes.get('logs/app.log')).toMatchObject({ mode: 0o640 });
      },
    },
    {
      name: 'a group-writable log is more than world-readable',
      files: { 'logs/app.log': file('x\n', 0o660) },
      setup: chmodDirs({ logs: 0o750 }),
      findings: [{ rule: 'file-perms/too-permissive', file: 'logs/app.log' }],
      verify: (result) => expect(findingOf(result, 'file-perms/too-permissive')?.severity).toBe('medium'),
    },
    {
      name: 'SQLite write-ahead log and ssl directory too open',
      files: {
        'data/app.db': file(SQLITE, 0o600),
        'data/app.db-wal': file('', 0o644),
        'ssl/a.crt': file(CERT, 0o644),
      },
      findings: [
        { rule: 'file-perms/too-permissive', file: 'data/app.db-wal' },
        { rule: 'file-perms/too-permissive', file: 'ssl' },
      ],
    },
    {
      name: 'a setuid file in the application tree',
      files: { 'bin/helper': file('#!/bin/sh\n', 0o755) },
      setup: chmodDirs({ 'bin/helper': 0o4755 }),
      findings: [{ rule: 'file-perms/setuid', file: 'bin/helper' }],
      verify: (result) => expect(findingOf(result, 'file-perms/setuid')?.fix).toMatchObject({ mode: 0o755 }),
    },
    {
      name: 'custom policy from the config: a stricter log mode and a directory entry',
      files: { 'logs/app.log': file('x\n', 0o640), 'secrets/token.txt': file('t\n', 0o600) },
      setup: chmodDirs({ logs: 0o750, secrets: 0o755 }),
      config: '[file-perms]\npolicy = *.log:600, secrets/:0700\n',
      findings: [
        { rule: 'file-perms/too-permissive', file: 'logs/app.log' },
        { rule: 'file-perms/too-permissive', file: 'secrets' },
      ],
      verify: (result) => {
        const fixes = new Map(result.checks[0]?.findings.map((f) => [f.file, f.fix]));
        expect(fixes.get('secrets')).toMatchObject({ mode: 0o700 });
      },
    },
    {
      name: 'host: keys and the TLS directory under --root, reported with host paths',
      targets: ['repo', 'host'],
      hostRoot: hostFail,
      setup: async () => {
        await writeFiles(hostFail, {
          'etc/nginx/ssl/private.key': file(KEY, 0o644),
          'etc/nginx/ssl/cert.pem': file(CERT, 0o644),
          'etc/letsencrypt/archive/example.com/privkey1.pem': file(KEY, 0o644),
          'etc/letsencrypt/archive/example.com/fullchain1.pem': file(CERT, 0o644),
          'opt/trading/.env.production': file('A=1\n', 0o644),
          'opt/trading/app/main.py': file('x = 1\n', 0o644),
        });
        await mkdir(path.join(hostFail, 'etc/letsencrypt/live/example.com'), { recursive: true });
        await symlink(
          '../../archive/example.com/privkey1.pem',
          path.join(hostFail, 'etc/letsencrypt/live/example.com/privkey.pem'),
        );
        await chmod(path.join(hostFail, 'etc/nginx/ssl'), 0o755);
      },
      findings: [
        { rule: 'file-perms/too-permissive', file: '/etc/nginx/ssl/private.key' },
        { rule: 'file-perms/too-permissive', file: '/etc/nginx/ssl' },
        { rule: 'file-perms/too-permissive', file: '/etc/letsencrypt/archive/example.com/privkey1.pem' },
        { rule: 'file-perms/too-permissive', file: '/opt/trading/.env.production' },
      ],
      verify: (result) => {
        const f = result.checks[0]?.findings.find((x) => x.file === '/etc/nginx/ssl/private.key');
        expect(f?.fix).toMatchObject({ mode: 0o600, path: path.join(hostFail, 'etc/nginx/ssl/private.key') });
      },
    },
    {
      name: 'owner differs from the configured one when running as root',
      files: { '.env': file('A=1\n', 0o600), 'README.md': 'x\n' },
      config: `[file-perms]\npolicy = .env:600:${otherUser}\n`,
      isRoot: true,
      findings: [{ rule: 'file-perms/wrong-owner', file: '.env' }],
      verify: (result) => {
        const f = findingOf(result, 'file-perms/wrong-owner');
        expect(f?.message).toContain(`not ${otherUser}`);
        expect(f?.fix).toMatchObject({ kind: 'command', argv: ['chown', otherUser, expect.any(String)] });
      },
    },
    {
      name: 'an owner the system does not know is a low note',
      status: 'warn',
      files: { '.env': file('A=1\n', 0o600) },
      config: '[file-perms]\nowner = no-such-user-anywhere\n',
      isRoot: true,
      findings: [{ rule: 'file-perms/wrong-owner', file: '.env' }],
    },
  ],
  skip: [
    {
      name: 'no file the policy covers and nothing world-writable',
      files: { 'README.md': 'hello\n', 'app/main.py': 'x = 1\n', '.env.example': 'A=\n' },
    },
  ],
});

describe('file-perms details', () => {
  it.skipIf(isRoot)(
    'a .pem it cannot read is treated as a private key (not as root: root reads anything)',
    async () => {
      const { result } = await runCase(check, {
        name: 'unreadable',
        files: { 'certs/x.pem': file(KEY, 0o044) },
      });
      const f = result.checks[0]?.findings[0];
      expect(f?.rule).toBe('file-perms/too-permissive');
      expect(f?.message).toContain('could not be read');
    },
  );

  it('a malformed policy entry is a configuration error naming it (exit 2)', async () => {
    await expect(
      runCase(check, {
        name: 'bad policy',
        files: { '.env': file('A=1\n', 0o600) },
        config: '[file-perms]\npolicy = .env:rw\n',
      }),
    ).rejects.toThrow(/policy entry ".env:rw"/);
  });

  it('parses policy entries and lets them replace built-in ones', () => {
    const parsed = parsePolicy(['/data/*.db:0640:trading', 'logs/:700', 'x:y:z.key:600'], '.tradesecrc');
    expect(parsed).toMatchObject([
      { glob: './data/*.db', maxMode: 0o640, kind: 'file', owner: 'trading' },
      { glob: 'logs', maxMode: 0o700, kind: 'dir' },
      { glob: 'x:y:z.key', maxMode: 0o600, kind: 'file' },
    ]);
    const merged = mergePolicy(DEFAULT_POLICY, parsed);
    expect(merged.filter((e) => e.glob === 'logs')).toHaveLength(1);
    expect(merged.at(-1)?.glob).toBe('x:y:z.key');
    expect(() => parsePolicy(['*.env:999'], '.tradesecrc')).toThrow(/octal mode/);
    expect(() => parsePolicy([':600'], '.tradesecrc')).toThrow(/<glob>:<mode>/);
  });

  it('describes excess bits in words', () => {
    expect(describeBits(0o044)).toBe('group can read; others can read');
    expect(describeBits(0o4002)).toBe('setuid; others can write');
    expect(describeBits(0o070)).toBe('group can read, write, execute');
  });
});
