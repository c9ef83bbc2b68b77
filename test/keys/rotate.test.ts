// Key rotation on real files: backups, modes, locks, owners, and injected write failures that must change nothing.
import { spawnSync } from 'node:child_process';
import { chown, link, lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as dotenvParse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import secretsCheck from '../../checks/secrets/index.js';
import { UsageError } from '../../src/audit/errors.js';
import { fingerprintSecret } from '../../src/audit/fingerprint.js';
import { type KeyFileHandle, type KeyFs, nodeKeyFs } from '../../src/keys/fs-layer.js';
import { lockPathOf } from '../../src/keys/lock.js';
import {
  BACKUP_DIR,
  type FileReport,
  planKeyRotation,
  type RotateKeysOptions,
  RotationError,
  rotateKeys,
} from '../../src/keys/rotate.js';
import { GRACE_PERIOD_DAYS } from '../../src/keys/rotation-record.js';
import { tempDir } from '../helpers/temp.js';

const OLD_SECRET = 'old-secret-key-value-0123456789abcdef';
const OLD_API = 'old-api-secret-key-value-fedcba9876543210';
const ENV = `# production settings\nDEBUG=false\nSECRET_KEY=${OLD_SECRET}\nexport API_SECRET_KEY="${OLD_API}" # clients\nDATABASE_URL=postgresql://db/app\n`;
const isRoot = process.getuid?.() === 0;

let previousUmask = 0;
beforeAll(() => {
  // Everything below runs under umask 000: modes must come from the code, not from a kind umask.
  previousUmask = process.umask(0);
});
afterAll(() => {
  process.umask(previousUmask);
});

async function envDir(
  content: string | Buffer = ENV,
  name = '.env.production',
  mode = 0o644,
): Promise<string> {
  const dir = await tempDir('tradesec-rotate-');
  await writeFile(path.join(dir, name), content, { mode });
  return dir;
}

function options(dir: string, extra: Partial<RotateKeysOptions> = {}): RotateKeysOptions {
  return { cwd: dir, files: ['.env.production'], keys: ['SECRET_KEY', 'API_SECRET_KEY'], ...extra };
}

/** Every file name in a directory, recursively, relative to it. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    out.push(e.name);
    if (e.isDirectory()) out.push(...(await tree(path.join(dir, e.name))).map((n) => `${e.name}/${n}`));
  }
  return out.sort();
}

function expectNoValues(text: string, values: readonly string[]): void {
  for (const v of values) expect(text).not.toContain(v);
}

function code(name: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${name}: injected failure, open '/somewhere/.env.production'`), {
    code: name,
  });
}

function wrapHandle(h: KeyFileHandle, over: Partial<KeyFileHandle>): KeyFileHandle {
  return {
    stat: () => h.stat(),
    readFile: () => h.readFile(),
    writeFile: (d) => h.writeFile(d),
    sync: () => h.sync(),
    chown: (u, g) => h.chown(u, g),
    chmod: (m) => h.chmod(m),
    close: () => h.close(),
    ...over,
  };
}

/** A file system whose handles for files matching `match` misbehave as `over` says. */
function failingHandles(
  match: (file: string) => boolean,
  over: (h: KeyFileHandle) => Partial<KeyFileHandle>,
): KeyFs {
  return {
    ...nodeKeyFs,
    open: async (file, flags, mode) => {
      const h = await nodeKeyFs.open(file, flags, mode);
      return match(file) ? wrapHandle(h, over(h)) : h;
    },
  };
}

const isTemp = (f: string) => f.endsWith('.tmp');
const isBackup = (f: string) => f.includes(`${path.sep}${BACKUP_DIR}${path.sep}`);

function deadPid(): number {
  const r = spawnSync('true');
  if (!r.pid) throw new Error('could not start a process');
  return r.pid;
}

describe('rotateKeys', () => {
  it('rotates both keys, keeps the old values, writes a 0600 backup in a 0700 directory', async () => {
    const dir = await envDir();
    const file = path.join(dir, '.env.production');
    const reports = await rotateKeys(options(dir, { now: () => new Date('2025-06-07T08:09:10.123Z') }));
    const text = await readFile(file, 'utf8');
    const env = dotenvParse(text);
    expect(env.SECRET_KEY).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(env.API_SECRET_KEY).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(env.SECRET_KEY).not.toBe(env.API_SECRET_KEY);
    expect(env).toMatchObject({
      SECRET_KEY_PREVIOUS: OLD_SECRET,
      API_SECRET_KEY_PREVIOUS: OLD_API,
      DEBUG: 'false',
    });
    expect(text).toContain('# tradesec: rotated 2025-06-07T08:09:10Z\nSECRET_KEY=');
    expect(text).toContain(`export API_SECRET_KEY_PREVIOUS="${OLD_API}" # clients\n`);

    const [report] = reports;
    expect(report?.backup).toBe(path.join(dir, BACKUP_DIR, '.env.production.20250607T080910123Z.bak'));
    expect(await readFile(report?.backup ?? '', 'utf8')).toBe(ENV);
    expect((await stat(path.join(dir, BACKUP_DIR))).mode & 0o777).toBe(0o700);
    expect((await stat(report?.backup ?? '')).mode & 0o777).toBe(0o600);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(report).toMatchObject({
      file: '.env.production',
      changed: true,
      modeBefore: 0o644,
      modeAfter: 0o600,
    });
    expect(report?.keys).toEqual([
      {
        key: 'SECRET_KEY',
        action: 'rotated',
        line: 4,
        oldFingerprint: fingerprintSecret(OLD_SECRET),
        newFingerprint: fingerprintSecret(env.SECRET_KEY ?? ''),
        previousKept: true,
        previousRemoved: 0,
      },
      {
        key: 'API_SECRET_KEY',
        action: 'rotated',
        line: 7,
        oldFingerprint: fingerprintSecret(OLD_API),
        newFingerprint: fingerprintSecret(env.API_SECRET_KEY ?? ''),
        previousKept: true,
        previousRemoved: 0,
      },
    ]);
    expectNoValues(JSON.stringify(reports), [
      OLD_SECRET,
      OLD_API,
      env.SECRET_KEY ?? '',
      env.API_SECRET_KEY ?? '',
    ]);
    // Nothing left behind: no lock, no temporary file.
    expect(await tree(dir)).toEqual([
      '.env.production',
      BACKUP_DIR,
      `${BACKUP_DIR}/.env.production.20250607T080910123Z.bak`,
    ]);
  });

  it('never overwrites a backup taken in the same millisecond', async () => {
    const dir = await envDir();
    const now = () => new Date('2025-01-01T00:00:00Z');
    const a = await rotateKeys(options(dir, { now }));
    const b = await rotateKeys(options(dir, { now, force: true }));
    expect(a[0]?.backup).not.toBe(b[0]?.backup);
    expect(await readFile(a[0]?.backup ?? '', 'utf8')).toBe(ENV);
    expect(dotenvParse(await readFile(b[0]?.backup ?? '', 'utf8')).SECRET_KEY_PREVIOUS).toBe(OLD_SECRET);
  });

  it('keeps an owner-only mode stricter than 0600 and never widens group or other bits', async () => {
    const dir = await envDir(ENV, '.env.production', 0o400);
    if (!isRoot) return; // a 0400 file is refused as not writable for anyone but root (tested below)
    const [r] = await rotateKeys(options(dir));
    expect((await stat(path.join(dir, '.env.production'))).mode & 0o777).toBe(0o400);
    expect(r?.modeAfter).toBe(0o400);
  });

  it('gives a key shared by several files the same new value, and distinct keys distinct values', async () => {
    const dir = await tempDir('tradesec-rotate-');
    await mkdir(path.join(dir, 'bot'));
    await writeFile(path.join(dir, '.env.production'), ENV);
    await writeFile(path.join(dir, 'bot/.env'), `SECRET_KEY=bot-only-secret\nAPI_SECRET_KEY=${OLD_API}\n`);
    await rotateKeys(options(dir, { files: ['.env.production', 'bot/.env'] }));
    const app = dotenvParse(await readFile(path.join(dir, '.env.production')));
    const bot = dotenvParse(await readFile(path.join(dir, 'bot/.env')));
    expect(bot.API_SECRET_KEY).toBe(app.API_SECRET_KEY);
    expect(bot.SECRET_KEY).not.toBe(app.SECRET_KEY);
    expect(await tree(path.join(dir, 'bot'))).toContain(BACKUP_DIR);
  });

  it('rotates a file named twice only once', async () => {
    const dir = await envDir();
    const reports = await rotateKeys(
      options(dir, { files: ['.env.production', path.join(dir, '.env.production')] }),
    );
    expect(reports).toHaveLength(1);
    expect(dotenvParse(await readFile(path.join(dir, '.env.production'))).SECRET_KEY_PREVIOUS).toBe(
      OLD_SECRET,
    );
  });

  it('adds absent keys with --add', async () => {
    const dir = await envDir('DEBUG=false');
    const [r] = await rotateKeys(options(dir, { add: true }));
    const env = dotenvParse(await readFile(path.join(dir, '.env.production')));
    expect(Object.keys(env)).toEqual(['DEBUG', 'SECRET_KEY', 'API_SECRET_KEY']);
    expect(r?.keys.map((k) => [k.key, k.action, k.line, k.oldFingerprint])).toEqual([
      ['SECRET_KEY', 'added', 3, undefined],
      ['API_SECRET_KEY', 'added', 5, undefined],
    ]);
  });

  it('drops the previous values after the grace period, with a backup', async () => {
    const dir = await envDir();
    await rotateKeys(options(dir, { now: () => new Date(Date.now() - 8 * 86_400_000) }));
    const rotated = await readFile(path.join(dir, '.env.production'), 'utf8');
    const [r] = await rotateKeys(options(dir, { action: 'drop-previous' }));
    const text = await readFile(path.join(dir, '.env.production'), 'utf8');
    expect(text).toBe(rotated.replace(/^(?:export )?\w+_PREVIOUS=.*\n/gm, ''));
    expect(r?.keys.map((k) => [k.key, k.action])).toEqual([
      ['SECRET_KEY', 'dropped'],
      ['API_SECRET_KEY', 'dropped'],
    ]);
    expect(await readFile(r?.backup ?? '', 'utf8')).toBe(rotated);
    // Nothing left to drop: nothing changes, no new backup.
    const [again] = await rotateKeys(options(dir, { action: 'drop-previous' }));
    expect(again).toMatchObject({ changed: false, keys: [] });
    expect(again?.backup).toBeUndefined();
  });

  it('refuses to drop the previous values within the grace period unless forced', async () => {
    const dir = await envDir();
    const file = path.join(dir, '.env.production');
    await rotateKeys(options(dir, { now: () => new Date('2025-06-01T12:00:00Z') }));
    const rotated = await readFile(file, 'utf8');
    const drop = (extra: Partial<RotateKeysOptions>) =>
      rotateKeys(
        options(dir, { action: 'drop-previous', now: () => new Date('2025-06-03T13:00:00Z'), ...extra }),
      );
    await expect(drop({})).rejects.toThrow(
      '.env.production:4: SECRET_KEY was rotated on 2025-06-01; its 7-day grace period has 5 days left (pass --force to drop SECRET_KEY_PREVIOUS now)',
    );
    await expect(drop({ now: () => new Date('2025-06-08T00:00:00Z') })).rejects.toThrow('has 1 day left');
    expect(await readFile(file, 'utf8')).toBe(rotated);
    expect(await readdir(path.join(dir, BACKUP_DIR))).toHaveLength(1);
    const [r] = await drop({ force: true });
    expect(r?.changed).toBe(true);
    // The same period as the secrets check's default, which reports a _PREVIOUS kept longer.
    expect(secretsCheck.meta.options?.['grace-days']?.default).toBe(String(GRACE_PERIOD_DAYS));
    expect(await readFile(file, 'utf8')).not.toContain('_PREVIOUS');
  });

  it('refuses to rotate again within the grace period unless forced: that would drop the earlier previous key', async () => {
    const dir = await envDir();
    const file = path.join(dir, '.env.production');
    await rotateKeys(options(dir, { now: () => new Date('2025-06-01T12:00:00Z') }));
    const rotated = await readFile(file, 'utf8');
    const first = dotenvParse(rotated);
    const again = (extra: Partial<RotateKeysOptions>) =>
      rotateKeys(options(dir, { now: () => new Date('2025-06-03T13:00:00Z'), ...extra }));
    const message =
      '.env.production:4: SECRET_KEY was last rotated on 2025-06-01 (7-day grace period, 5 days left); rotating again would drop the earlier previous key, SECRET_KEY_PREVIOUS, and cut off clients still using it (pass --force if that key leaked); the file is unchanged';
    await expect(again({})).rejects.toThrow(message);
    // A dry run says so too, before anyone is asked to confirm.
    await expect(
      planKeyRotation(options(dir, { now: () => new Date('2025-06-03T13:00:00Z') })),
    ).rejects.toThrow(message);
    await expect(
      planKeyRotation(options(dir, { now: () => new Date('2025-06-03T13:00:00Z') }), { thorough: false }),
    ).rejects.toThrow(message);
    expect(await readFile(file, 'utf8')).toBe(rotated);
    expect(await readdir(path.join(dir, BACKUP_DIR))).toHaveLength(1);
    // After the grace period, rotating again replaces the previous value without --force.
    const later = await envDir(rotated);
    const [r] = await rotateKeys(options(later, { now: () => new Date('2025-06-08T12:00:00Z') }));
    expect(r?.changed).toBe(true);
    // --force (a leaked key): the earlier previous value goes, the one just replaced is kept.
    const [forced] = await again({ force: true });
    expect(forced?.keys.map((k) => [k.key, k.previousKept, k.previousRemoved])).toEqual([
      ['SECRET_KEY', true, 1],
      ['API_SECRET_KEY', true, 1],
    ]);
    expect(dotenvParse(await readFile(file, 'utf8')).SECRET_KEY_PREVIOUS).toBe(first.SECRET_KEY);
  });

  it('rotates a key again within the grace period when it has no previous value', async () => {
    const dir = await envDir();
    const now = () => new Date('2025-06-03T13:00:00Z');
    await rotateKeys(options(dir, { now: () => new Date('2025-06-01T12:00:00Z') }));
    await rotateKeys(options(dir, { action: 'drop-previous', force: true, now }));
    const [r] = await rotateKeys(options(dir, { now }));
    expect(r?.changed).toBe(true);
  });

  it('follows a symbolic link only when asked, and keeps the link', async () => {
    const dir = await envDir(ENV, 'real.env');
    await symlink('real.env', path.join(dir, '.env.production'));
    await expect(rotateKeys(options(dir))).rejects.toThrow(
      '.env.production is a symbolic link; refusing to replace it (pass --follow-symlinks to rotate the file it points to)',
    );
    expect(await readFile(path.join(dir, 'real.env'), 'utf8')).toBe(ENV);
    const [r] = await rotateKeys(options(dir, { followSymlinks: true }));
    expect((await lstat(path.join(dir, '.env.production'))).isSymbolicLink()).toBe(true);
    expect(dotenvParse(await readFile(path.join(dir, 'real.env'))).SECRET_KEY_PREVIOUS).toBe(OLD_SECRET);
    expect(r?.path).toBe(path.join(dir, 'real.env'));
  });

  it('removes what a killed rotation left behind (temporary copies hold secrets)', async () => {
    const dir = await envDir();
    const pid = deadPid();
    const leftovers = [
      `.env.production.tradesec-${pid}-00aa11bb22cc.tmp`,
      `.env.production.tradesec.lock.${pid}-0a0b0c0d`,
    ];
    for (const name of leftovers) await writeFile(path.join(dir, name), 'x', { mode: 0o600 });
    await writeFile(path.join(dir, 'other.env.tradesec-1-00aa.tmp'), 'not ours');
    const [r] = await rotateKeys(options(dir));
    expect(r?.leftoversRemoved?.sort()).toEqual([...leftovers].sort());
    expect(await tree(dir)).toEqual(expect.arrayContaining(['other.env.tradesec-1-00aa.tmp']));
    for (const name of leftovers) expect(await tree(dir)).not.toContain(name);
  });

  it.runIf(isRoot)('keeps the owner and group when running as root', async () => {
    const dir = await envDir();
    const file = path.join(dir, '.env.production');
    await chown(file, 65534, 65534);
    const [r] = await rotateKeys(options(dir));
    const st = await stat(file);
    expect([st.uid, st.gid]).toEqual([65534, 65534]);
    const bst = await stat(r?.backup ?? '');
    expect([bst.uid, bst.gid, bst.mode & 0o777]).toEqual([65534, 65534, 0o600]);
  });

  it('refuses, as another user, a file it could not hand back to its owner', async () => {
    const dir = await envDir();
    const fs: KeyFs = { ...nodeKeyFs, uid: 4242, gid: 4242 };
    const owner = (await stat(path.join(dir, '.env.production'))).uid;
    await expect(rotateKeys(options(dir, { fs }))).rejects.toThrow(
      `.env.production is owned by uid ${owner}; rotate it as that user or as root, so the new file keeps its owner`,
    );
  });
});

describe('bad input changes nothing', () => {
  const cases: Array<[string, string | Buffer, Partial<RotateKeysOptions>, string | RegExp]> = [
    ['a missing file', ENV, { files: ['nope.env'] }, 'nope.env: no such file (name it with --env-file)'],
    [
      'an absent key',
      'SECRET_KEY=a\n',
      {},
      '.env.production: API_SECRET_KEY is not in the file (pass --add to create it)',
    ],
    [
      'a key present twice',
      `SECRET_KEY=a\nAPI_SECRET_KEY=b\nSECRET_KEY=c\n`,
      {},
      '.env.production:3: SECRET_KEY is assigned 2 times (lines 1, 3); keep one',
    ],
    [
      'a line dotenv cannot read',
      `SECRET_KEY=a\nAPI_SECRET_KEY=b\nthis is not an assignment\n`,
      {},
      '.env.production:3: not a KEY=value assignment dotenv can read; fix it first',
    ],
    [
      'a file that is not UTF-8',
      Buffer.from([0x53, 0x45, 0x3d, 0xff, 0x0a]),
      {},
      '.env.production is not UTF-8 text; refusing to edit it',
    ],
    ['a _PREVIOUS key named for rotation', ENV, { keys: ['SECRET_KEY_PREVIOUS'] }, /holds a previous value/],
    ['no keys at all', ENV, { keys: [] }, 'no keys to rotate (name them with --keys)'],
  ];
  for (const [name, content, extra, message] of cases) {
    it(`refuses ${name}`, async () => {
      const dir = await envDir(content);
      const before = await readFile(path.join(dir, '.env.production'));
      const err = await rotateKeys(options(dir, extra)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      if (typeof message === 'string') expect((err as Error).message).toBe(message);
      else expect((err as Error).message).toMatch(message);
      expect(await readFile(path.join(dir, '.env.production'))).toEqual(before);
      expect(await tree(dir)).toEqual(['.env.production']);
    });
  }

  it('refuses a directory and a FIFO as not regular files', async () => {
    const dir = await tempDir('tradesec-rotate-');
    await mkdir(path.join(dir, '.env.production'));
    await expect(rotateKeys(options(dir))).rejects.toThrow('.env.production is not a regular file');
    spawnSync('mkfifo', [path.join(dir, 'fifo.env')]);
    await expect(rotateKeys(options(dir, { files: ['fifo.env'] }))).rejects.toThrow(
      'fifo.env is not a regular file',
    );
  });

  it('refuses a file that is not writable and one on a read-only file system', async () => {
    const dir = await envDir();
    const target = path.join(dir, '.env.production');
    const deny = (c: string): KeyFs => ({
      ...nodeKeyFs,
      access: async (f, mode) => {
        if (f === target) throw code(c);
        return nodeKeyFs.access(f, mode);
      },
    });
    await expect(rotateKeys(options(dir, { fs: deny('EACCES') }))).rejects.toThrow(
      '.env.production is not writable',
    );
    await expect(rotateKeys(options(dir, { fs: deny('EROFS') }))).rejects.toThrow(
      '.env.production is on a read-only file system',
    );
    expect(await readFile(target, 'utf8')).toBe(ENV);
    expect(await tree(dir)).toEqual(['.env.production']);
  });

  it('refuses a backup directory that is a symbolic link (backups must not land elsewhere)', async () => {
    const dir = await envDir();
    const elsewhere = await tempDir('tradesec-elsewhere-');
    await symlink(elsewhere, path.join(dir, BACKUP_DIR));
    const err = await rotateKeys(options(dir)).catch((e: unknown) => e);
    expect((err as UsageError).message).toBe(
      '.tradesec-backups is a symbolic link; refusing to write backups through it (the file is unchanged)',
    );
    expect((err as UsageError).exitCode).toBe(2);
    expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toBe(ENV);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('refuses to rotate a file that changed after it was planned (confirmed at a prompt)', async () => {
    const dir = await envDir();
    const file = path.join(dir, '.env.production');
    const planned = await planKeyRotation(options(dir), { thorough: false });
    // Another rotation ran (with --yes) while this one waited for its answer.
    await rotateKeys(options(dir));
    const between = await readFile(file);
    // --force: rotating again within the grace period is refused otherwise, before the file is compared.
    const err = await rotateKeys(options(dir, { expected: planned, force: true })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RotationError);
    expect((err as RotationError).message).toBe(
      '.env.production changed since it was read; run again (the file is unchanged)',
    );
    expect((err as RotationError).exitCode).toBe(2);
    expect(await readFile(file)).toEqual(between);
    expect(dotenvParse(between).SECRET_KEY_PREVIOUS).toBe(OLD_SECRET);
    expect(await readdir(path.join(dir, BACKUP_DIR))).toHaveLength(1);
    expect(await tree(dir)).not.toContain('.env.production.tradesec.lock');
  });

  it('refuses a backup directory other users can reach, without changing its mode', async () => {
    const dir = await envDir();
    const backups = path.join(dir, BACKUP_DIR);
    await mkdir(backups, { mode: 0o777 });
    const err = await rotateKeys(options(dir)).catch((e: unknown) => e);
    expect((err as UsageError).message).toBe(
      '.tradesec-backups has mode 0777, so other users can reach the backups of keys; run chmod 700 .tradesec-backups (the file is unchanged)',
    );
    expect((err as UsageError).exitCode).toBe(2);
    expect((await stat(backups)).mode & 0o777).toBe(0o777);
    expect(await readdir(backups)).toEqual([]);
    expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toBe(ENV);
  });

  it('refuses a backup directory it cannot write to, before changing any file', async () => {
    const dir = await envDir();
    await writeFile(path.join(dir, 'b.env'), ENV);
    const backups = path.join(dir, BACKUP_DIR);
    await mkdir(backups, { mode: 0o700 });
    const fs: KeyFs = {
      ...nodeKeyFs,
      access: async (f, mode) => (f === backups ? Promise.reject(code('EACCES')) : nodeKeyFs.access(f, mode)),
    };
    const err = await rotateKeys(options(dir, { fs, files: ['.env.production', 'b.env'] })).catch(
      (e: unknown) => e,
    );
    expect((err as UsageError).message).toBe(
      '.tradesec-backups is not writable (permission denied); the file is unchanged',
    );
    expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toBe(ENV);
    expect(await readFile(path.join(dir, 'b.env'), 'utf8')).toBe(ENV);
    expect(await readdir(backups)).toEqual([]);
  });

  it.runIf(isRoot)('refuses, as root, a backup directory of another user', async () => {
    const dir = await envDir();
    await mkdir(path.join(dir, BACKUP_DIR), { mode: 0o700 });
    await chown(path.join(dir, BACKUP_DIR), 65534, 65534);
    await expect(rotateKeys(options(dir))).rejects.toThrow(
      '.tradesec-backups is owned by uid 65534; refusing to put backups of keys in it (the file is unchanged)',
    );
    expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toBe(ENV);
  });

  it('refuses a file with other hard links (they would keep the old keys)', async () => {
    const dir = await envDir();
    await link(path.join(dir, '.env.production'), path.join(dir, 'copy.env'));
    await expect(rotateKeys(options(dir))).rejects.toThrow(
      '.env.production has 2 hard links; replacing it would leave the old keys under the other names (make it a single file first)',
    );
    expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toBe(ENV);
    expect(await tree(dir)).toEqual(['.env.production', 'copy.env']);
  });

  it('checks every file under its lock, backup directory included, before changing any', async () => {
    const dir = await envDir();
    await mkdir(path.join(dir, 'bot'));
    await writeFile(path.join(dir, 'bot/.env'), ENV);
    // The bad backup directory appears after the files were planned, as bot/.env is being locked.
    const fs: KeyFs = {
      ...nodeKeyFs,
      link: async (a, b) => {
        if (b === lockPathOf(path.join(dir, 'bot/.env')))
          await mkdir(path.join(dir, 'bot', BACKUP_DIR), { mode: 0o755 });
        return nodeKeyFs.link(a, b);
      },
    };
    const err = await rotateKeys(options(dir, { fs, files: ['.env.production', 'bot/.env'] })).catch(
      (e: unknown) => e,
    );
    expect((err as RotationError).message).toBe(
      'bot/.tradesec-backups has mode 0755, so other users can reach the backups of keys; run chmod 700 bot/.tradesec-backups (the file is unchanged) (no file was changed)',
    );
    expect((err as RotationError).completed).toEqual([]);
    expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toBe(ENV);
    expect(await tree(dir)).toEqual(['.env.production', 'bot', 'bot/.env', `bot/${BACKUP_DIR}`]);
  });

  it('validates every file before changing any', async () => {
    const dir = await envDir();
    await writeFile(path.join(dir, 'second.env'), 'SECRET_KEY=x\n');
    await expect(rotateKeys(options(dir, { files: ['.env.production', 'second.env'] }))).rejects.toThrow(
      'second.env: API_SECRET_KEY is not in the file',
    );
    expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toBe(ENV);
    expect(await tree(dir)).toEqual(['.env.production', 'second.env']);
  });

  it('reports what a dry run would do without touching anything', async () => {
    const dir = await envDir();
    const plan = await planKeyRotation(options(dir));
    expect(plan[0]?.keys.map((k) => [k.key, k.line, k.oldFingerprint, k.newFingerprint])).toEqual([
      // The lines of the file as it is: a dry run inserts no rotation record.
      ['SECRET_KEY', 3, fingerprintSecret(OLD_SECRET), undefined],
      ['API_SECRET_KEY', 4, fingerprintSecret(OLD_API), undefined],
    ]);
    expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toBe(ENV);
    expect(await tree(dir)).toEqual(['.env.production']);
  });
});

describe('injected write failures leave the original byte for byte', () => {
  const failures: Array<[string, () => KeyFs]> = [
    [
      'ENOSPC half way through the new file',
      () =>
        failingHandles(isTemp, (h) => ({
          writeFile: async (d) => {
            await h.writeFile(typeof d === 'string' ? d.slice(0, d.length / 2) : d.subarray(0, d.length / 2));
            throw code('ENOSPC');
          },
        })),
    ],
    [
      'ENOSPC at fsync of the new file',
      () => failingHandles(isTemp, () => ({ sync: async () => Promise.reject(code('ENOSPC')) })),
    ],
    [
      'EROFS creating the new file',
      () => ({
        ...nodeKeyFs,
        open: async (f, flags, mode) =>
          isTemp(f) ? Promise.reject(code('EROFS')) : nodeKeyFs.open(f, flags, mode),
      }),
    ],
    [
      'EACCES creating the backup directory',
      () => ({ ...nodeKeyFs, mkdir: async () => Promise.reject(code('EACCES')) }),
    ],
    [
      'ENOSPC writing the backup',
      () => failingHandles(isBackup, () => ({ writeFile: async () => Promise.reject(code('ENOSPC')) })),
    ],
    [
      'ENOSPC writing the lock',
      () =>
        failingHandles(
          (f) => f.includes('.tradesec.lock.'),
          () => ({ writeFile: async () => Promise.reject(code('ENOSPC')) }),
        ),
    ],
    [
      'EROFS creating the lock draft',
      () => ({
        ...nodeKeyFs,
        open: async (f, flags, mode) =>
          f.includes('.tradesec.lock.') ? Promise.reject(code('EROFS')) : nodeKeyFs.open(f, flags, mode),
      }),
    ],
    ['EIO publishing the lock', () => ({ ...nodeKeyFs, link: async () => Promise.reject(code('EIO')) })],
    ['EACCES at the rename', () => ({ ...nodeKeyFs, rename: async () => Promise.reject(code('EACCES')) })],
    ['EROFS at the rename', () => ({ ...nodeKeyFs, rename: async () => Promise.reject(code('EROFS')) })],
  ];
  for (const [name, makeFs] of failures) {
    it(name, async () => {
      const dir = await envDir();
      const file = path.join(dir, '.env.production');
      const before = await readFile(file);
      const err = await rotateKeys(options(dir, { fs: makeFs() })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RotationError);
      const message = (err as RotationError).message;
      expect(message).toMatch(
        /^\.env\.production: could not (write|create|replace) .*\((no space left on device|read-only file system|permission denied|input\/output error)\); the file is unchanged$/,
      );
      expect(message).not.toContain('/somewhere');
      expectNoValues(message, [OLD_SECRET, OLD_API]);
      expect((err as RotationError).exitCode).toBe(3);
      expect(await readFile(file)).toEqual(before);
      expect((await stat(file)).mode & 0o777).toBe(0o644);
      const left = await tree(dir);
      expect(left.filter((n) => n.endsWith('.tmp') || n.includes('.lock'))).toEqual([]);
    });
  }

  it('reports the files already rotated when a later one fails', async () => {
    const dir = await envDir();
    await writeFile(path.join(dir, 'b.env'), ENV);
    const fs = failingHandles(
      (f) => isTemp(f) && path.basename(f).startsWith('b.env'),
      () => ({ sync: async () => Promise.reject(code('EIO')) }),
    );
    const err = (await rotateKeys(options(dir, { fs, files: ['.env.production', 'b.env'] })).catch(
      (e) => e,
    )) as RotationError;
    expect(err.message).toBe(
      'b.env: could not write the new file (input/output error); the file is unchanged. Already rotated: .env.production; not rotated: b.env',
    );
    expect(err.completed.map((r: FileReport) => r.file)).toEqual(['.env.production']);
    expect(await readFile(path.join(dir, 'b.env'), 'utf8')).toBe(ENV);
    expect(dotenvParse(await readFile(path.join(dir, '.env.production'))).SECRET_KEY_PREVIOUS).toBe(
      OLD_SECRET,
    );
  });
});

describe('the lock', () => {
  it('makes a second concurrent rotation fail clearly', async () => {
    const dir = await envDir();
    const results = await Promise.allSettled([
      rotateKeys(options(dir, { pauseMs: 30 })),
      rotateKeys(options(dir, { pauseMs: 30 })),
    ]);
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(String((failed[0] as PromiseRejectedResult).reason.message)).toMatch(
      /^\.env\.production is being rotated by another tradesec process \(pid \d+\); try again when it has finished, or remove \.env\.production\.tradesec\.lock if no rotation is running$/,
    );
    // Exactly one rotation happened: the old value is the original one, not a value of the other run.
    expect(dotenvParse(await readFile(path.join(dir, '.env.production'))).SECRET_KEY_PREVIOUS).toBe(
      OLD_SECRET,
    );
    expect(await tree(dir)).not.toContain('.env.production.tradesec.lock');
  });

  it('refuses while a live process holds the lock', async () => {
    const dir = await envDir();
    const file = path.join(dir, '.env.production');
    await writeFile(lockPathOf(file), '1\n');
    await expect(rotateKeys(options(dir))).rejects.toThrow(
      '.env.production is being rotated by another tradesec process (pid 1)',
    );
    expect(await readFile(file, 'utf8')).toBe(ENV);
  });

  it('refuses a lock file it did not write', async () => {
    const dir = await envDir();
    await writeFile(lockPathOf(path.join(dir, '.env.production')), 'garbage');
    for (const content of ['garbage', '']) {
      await writeFile(lockPathOf(path.join(dir, '.env.production')), content);
      await expect(rotateKeys(options(dir))).rejects.toThrow(
        '.env.production is locked by .env.production.tradesec.lock, which is empty or was not written by tradesec; remove it if no rotation is running',
      );
    }
  });

  it('takes over the stale lock of a dead process', async () => {
    const dir = await envDir();
    const file = path.join(dir, '.env.production');
    const pid = deadPid();
    await writeFile(lockPathOf(file), `${pid}\n`);
    const [r] = await rotateKeys(options(dir));
    expect(r?.staleLockFrom).toBe(pid);
    expect(dotenvParse(await readFile(file)).SECRET_KEY_PREVIOUS).toBe(OLD_SECRET);
    expect(await tree(dir)).not.toContain('.env.production.tradesec.lock');
  });

  it('gives a lock back when another process took it over first', async () => {
    const dir = await envDir();
    const file = path.join(dir, '.env.production');
    const lock = lockPathOf(file);
    const pid = deadPid();
    await writeFile(lock, `${pid}\n`);
    // Between our read of the dead pid and our rename, a live process (pid 1 here) replaces the lock.
    const fs: KeyFs = {
      ...nodeKeyFs,
      rename: async (from, to) => {
        if (from === lock) {
          await writeFile(`${lock}.other`, '1\n');
          await nodeKeyFs.rename(`${lock}.other`, lock);
        }
        return nodeKeyFs.rename(from, to);
      },
    };
    await expect(rotateKeys(options(dir, { fs }))).rejects.toThrow('(pid 1)');
    expect(await readFile(lock, 'utf8')).toBe('1\n');
    expect(await readFile(file, 'utf8')).toBe(ENV);
  });

  it('tells a reused pid from the lock holder by its start time, and its own pid from an earlier process', async () => {
    const live = process.ppid;
    const start = nodeKeyFs.startTime(live);
    expect(start, 'this test needs /proc').toBeDefined();
    const lockText = (pid: number, extra: string) =>
      `tradesec-lock 1\npid ${pid}\n${extra}host ${nodeKeyFs.hostname}\ntoken 0123abcd\n`;
    // The holder is alive and started when the lock says: refused, naming the lock file.
    let dir = await envDir();
    let file = path.join(dir, '.env.production');
    await writeFile(lockPathOf(file), lockText(live, `start ${start}\n`));
    await expect(rotateKeys(options(dir))).rejects.toThrow(
      `.env.production is being rotated by another tradesec process (pid ${live}); try again when it has finished, or remove .env.production.tradesec.lock if no rotation is running`,
    );
    expect(await readFile(file, 'utf8')).toBe(ENV);
    // The same pid, but a process that started at another time: the lock is stale.
    dir = await envDir();
    file = path.join(dir, '.env.production');
    await writeFile(lockPathOf(file), lockText(live, 'start 1\n'));
    expect((await rotateKeys(options(dir)))[0]?.staleLockFrom).toBe(live);
    // Our own pid in a lock we never took (pid 1 of a restarted container), new and old formats.
    for (const text of [lockText(process.pid, ''), `${process.pid}\n`]) {
      dir = await envDir();
      file = path.join(dir, '.env.production');
      await writeFile(lockPathOf(file), text);
      expect((await rotateKeys(options(dir)))[0]?.staleLockFrom).toBe(process.pid);
      expect(await tree(dir)).not.toContain('.env.production.tradesec.lock');
    }
  });

  it('refuses the lock of another pid namespace (a second container on the volume), even with our pid', async () => {
    const ns = nodeKeyFs.pidNamespace;
    expect(ns, 'this test needs /proc').toBeDefined();
    const lockText = (otherNs: string) =>
      `tradesec-lock 1\npid ${process.pid}\nhost ${nodeKeyFs.hostname}\nns ${otherNs}\ntoken 0123abcd\n`;
    let dir = await envDir();
    let file = path.join(dir, '.env.production');
    await writeFile(lockPathOf(file), lockText('pid:[1]'));
    await expect(rotateKeys(options(dir))).rejects.toThrow(
      `(pid ${process.pid}); try again when it has finished, or remove .env.production.tradesec.lock`,
    );
    expect(await readFile(file, 'utf8')).toBe(ENV);
    // The same pid written in our own namespace is an earlier process: stale.
    dir = await envDir();
    file = path.join(dir, '.env.production');
    await writeFile(lockPathOf(file), lockText(ns ?? ''));
    expect((await rotateKeys(options(dir)))[0]?.staleLockFrom).toBe(process.pid);
  });

  it('refuses the lock of a process on another host, whose pid says nothing here', async () => {
    const dir = await envDir();
    const file = path.join(dir, '.env.production');
    await writeFile(lockPathOf(file), `tradesec-lock 1\npid ${deadPid()}\nhost some-other-host\ntoken ab\n`);
    await expect(rotateKeys(options(dir))).rejects.toThrow(
      /on some-other-host\); try again when it has finished, or remove \.env\.production\.tradesec\.lock/,
    );
    expect(await readFile(file, 'utf8')).toBe(ENV);
  });

  it('writes a lock naming its pid, start time, host and a token, flushed before it is published', async () => {
    const dir = await envDir();
    const seen: string[] = [];
    let synced = false;
    const fs: KeyFs = {
      ...failingHandles(
        (f) => f.includes('.tradesec.lock.'),
        (h) => ({
          sync: async () => {
            synced = true;
            return h.sync();
          },
        }),
      ),
      link: async (a, b) => {
        expect(synced, 'the lock draft is flushed before it is linked').toBe(true);
        seen.push(await readFile(a, 'utf8'));
        return nodeKeyFs.link(a, b);
      },
    };
    await rotateKeys(options(dir, { fs }));
    expect(seen[0]).toMatch(
      new RegExp(
        `^tradesec-lock 1\npid ${process.pid}\nstart \\d+\nhost ${nodeKeyFs.hostname.replace(/[.]/g, '\\.')}\nns pid:\\[\\d+\\]\ntoken [0-9a-f]{24}\n$`,
      ),
    );
  });
});
