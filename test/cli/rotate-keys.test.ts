// `tradesec rotate-keys` through the real CLI entry point: output, JSON, confirmation, restart, errors.
import { chmod, link, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as dotenvParse } from 'dotenv';
import { describe, expect, it, vi } from 'vitest';
import { fingerprintSecret } from '../../src/audit/fingerprint.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { tempDir } from '../helpers/temp.js';

const answers = vi.hoisted(() => ({
  confirm: [] as boolean[],
  asked: [] as string[],
  /** Runs while the prompt waits for its answer. */
  meanwhile: undefined as (() => Promise<void>) | undefined,
}));
vi.mock('@inquirer/prompts', () => ({
  confirm: async ({ message }: { message: string }) => {
    answers.asked.push(message);
    const meanwhile = answers.meanwhile;
    answers.meanwhile = undefined;
    await meanwhile?.();
    return answers.confirm.shift() ?? false;
  },
}));

const OLD_SECRET = 'cli-old-secret-value-aaaaaaaaaaaaaaaa';
const OLD_API = 'cli-old-api-value-bbbbbbbbbbbbbbbbbbbb';
const ENV = `APP_ENV=production\nSECRET_KEY=${OLD_SECRET}\nAPI_SECRET_KEY='${OLD_API}'\n`;

async function envDir(content = ENV, name = '.env.production'): Promise<string> {
  const dir = await tempDir('tradesec-cli-rotate-');
  await writeFile(path.join(dir, name), content, { mode: 0o600 });
  return dir;
}

/** Runs the CLI in `dir`; asserts that no value, old or new, appears in anything it printed. */
async function run(
  dir: string,
  args: string[],
  extra: { interactive?: boolean; env?: Record<string, string> } = {},
) {
  const io = memoryIo({ cwd: dir, interactive: extra.interactive ?? false, env: extra.env ?? {} });
  const code = await main(args, io);
  const out = io.out();
  const err = io.err();
  const values = [OLD_SECRET, OLD_API];
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.env') && !name.startsWith('.env')) continue;
    const st = await stat(path.join(dir, name)).catch(() => undefined);
    if (!st?.isFile()) continue;
    for (const [k, v] of Object.entries(dotenvParse(await readFile(path.join(dir, name))))) {
      if (/SECRET|KEY/.test(k) && v.length >= 8) values.push(v);
    }
  }
  for (const v of values) {
    expect(out).not.toContain(v);
    expect(err).not.toContain(v);
  }
  return { code, out, err };
}

const oneLine = (s: string) => s.trimEnd().split('\n').length === 1 && s.startsWith('tradesec: ');

describe('tradesec rotate-keys', () => {
  it('rotates the default keys in .env.production and prints fingerprints and the backup, never values', async () => {
    const dir = await envDir();
    const r = await run(dir, ['rotate-keys', '--yes']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const env = dotenvParse(await readFile(path.join(dir, '.env.production')));
    expect(env).toMatchObject({ SECRET_KEY_PREVIOUS: OLD_SECRET, API_SECRET_KEY_PREVIOUS: OLD_API });
    const backups = await readdir(path.join(dir, '.tradesec-backups'));
    expect(backups).toHaveLength(1);
    expect(r.out).toContain('.env.production:\n');
    expect(r.out).toContain(
      `rotated SECRET_KEY      line 3  ${fingerprintSecret(OLD_SECRET)} -> ${fingerprintSecret(env.SECRET_KEY ?? '')}  old value kept as SECRET_KEY_PREVIOUS`,
    );
    expect(r.out).toContain(
      `rotated API_SECRET_KEY  line 6  ${fingerprintSecret(OLD_API)} -> ${fingerprintSecret(env.API_SECRET_KEY ?? '')}`,
    );
    expect(r.out).toContain(`backup: .tradesec-backups/${backups[0]}\n`);
    expect(r.out).toContain('tradesec rotate-keys --drop-previous');
  });

  it('asks for --yes when there is no terminal, and changes nothing', async () => {
    const dir = await envDir();
    const r = await run(dir, ['rotate-keys']);
    expect(r).toEqual({
      code: 2,
      out: '',
      err: 'tradesec: about to rotate SECRET_KEY, API_SECRET_KEY in .env.production: pass --yes to confirm (stdin is not a terminal to ask on)\n',
    });
    // With CI set, prompts are off even on a terminal: the message gives that reason.
    const ci = await run(dir, ['rotate-keys', '--keys', 'SECRET_KEY'], { env: { CI: '1' } });
    expect(ci.err).toBe(
      'tradesec: about to rotate SECRET_KEY in .env.production: pass --yes to confirm (CI is set, so tradesec does not ask)\n',
    );
    expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toBe(ENV);
  });

  it('asks on a terminal, and changes nothing when the answer is no', async () => {
    const dir = await envDir();
    answers.confirm.push(false);
    const no = await run(dir, ['rotate-keys'], { interactive: true });
    expect(no).toEqual({ code: 130, out: '', err: 'tradesec: cancelled; nothing was changed\n' });
    expect(answers.asked.pop()).toBe(
      'Rotate SECRET_KEY, API_SECRET_KEY in .env.production (a backup is kept)?',
    );
    expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toBe(ENV);
    answers.confirm.push(true);
    const yes = await run(dir, ['rotate-keys'], { interactive: true });
    expect(yes.code).toBe(0);
    expect(dotenvParse(await readFile(path.join(dir, '.env.production'))).SECRET_KEY_PREVIOUS).toBe(
      OLD_SECRET,
    );
  });

  it('refuses a rotation confirmed after another one changed the file, keeping its _PREVIOUS', async () => {
    const dir = await envDir();
    const file = path.join(dir, '.env.production');
    let between = '';
    answers.confirm.push(true);
    answers.meanwhile = async () => {
      expect((await run(dir, ['rotate-keys', '--yes'])).code).toBe(0);
      between = await readFile(file, 'utf8');
    };
    // --force: without it, rotating again within the grace period is refused before the file is compared.
    const r = await run(dir, ['rotate-keys', '--force'], { interactive: true });
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'tradesec: .env.production changed since it was read; run again (the file is unchanged)\n',
    );
    expect(await readFile(file, 'utf8')).toBe(between);
    expect(dotenvParse(between).SECRET_KEY_PREVIOUS).toBe(OLD_SECRET);
  });

  it('gives a dry run the lines of the file as it is, not after the rotation records are inserted', async () => {
    const text = `# app\nAPP_ENV=production\nDEBUG=false\n\nSECRET_KEY=${OLD_SECRET}\n`;
    const dir = await envDir(text);
    const r = await run(dir, ['rotate-keys', '--dry-run', '--keys', 'SECRET_KEY,NEW_KEY', '--add']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `would rotate SECRET_KEY  line 5  ${fingerprintSecret(OLD_SECRET)} -> (new value)`,
    );
    // An added key has no line yet: the one it would get is said to be after the change.
    expect(r.out).toContain('would add NEW_KEY     line 9 after the change');
    const json = await run(dir, ['rotate-keys', '--dry-run', '--json', '--keys', 'SECRET_KEY']);
    expect(JSON.parse(json.out).files[0].keys[0]).toMatchObject({ key: 'SECRET_KEY', line: 5 });
    expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toBe(text);
    // The rotation itself reports where the key is afterwards, below its rotation record.
    const done = await run(dir, ['rotate-keys', '--yes', '--keys', 'SECRET_KEY']);
    expect(done.out).toContain('rotated SECRET_KEY  line 6  ');
    const after = (await readFile(path.join(dir, '.env.production'), 'utf8')).split('\n');
    expect(after[5]).toMatch(/^SECRET_KEY=/);
  });

  it('prints what a dry run would change and changes nothing', async () => {
    const dir = await envDir();
    const r = await run(dir, ['rotate-keys', '--dry-run', '--restart', 'systemctl restart "trading app"']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `would rotate SECRET_KEY      line 2  ${fingerprintSecret(OLD_SECRET)} -> (new value)`,
    );
    expect(r.out).toContain('backup would go to .tradesec-backups/');
    expect(r.out).toContain("would run: systemctl restart 'trading app'\n");
    expect(r.out).toContain('nothing was changed (--dry-run)');
    expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toBe(ENV);
    expect(await readdir(dir)).toEqual(['.env.production']);
  });

  it('prints JSON with fingerprints and modes', async () => {
    const dir = await envDir();
    await mkdir(path.join(dir, 'conf'));
    await writeFile(path.join(dir, 'conf/app.env'), 'TOKEN=x\n', { mode: 0o640 });
    const r = await run(dir, [
      'rotate-keys',
      '--yes',
      '--json',
      '--env-file',
      'conf/app.env',
      '--keys',
      'TOKEN',
    ]);
    expect(r.code).toBe(0);
    expect(r.out, 'the file digest stays internal').not.toContain('digest');
    const data = JSON.parse(r.out);
    const env = dotenvParse(await readFile(path.join(dir, 'conf/app.env')));
    expect(data).toMatchObject({
      dryRun: false,
      files: [
        {
          file: 'conf/app.env',
          path: path.join(dir, 'conf/app.env'),
          changed: true,
          modeBefore: '0640',
          modeAfter: '0600',
          keys: [
            { key: 'TOKEN', action: 'rotated', line: 2, newFingerprint: fingerprintSecret(env.TOKEN ?? '') },
          ],
        },
      ],
    });
    expect(data.files[0].backup).toMatch(/conf\/\.tradesec-backups\/app\.env\.\d{8}T\d{9}Z\.bak$/);
    // A one-character old value is not a real secret, but it still never shows: only its fingerprint.
    expect(data.files[0].keys[0].oldFingerprint).toBe(fingerprintSecret('x'));
  });

  it('honours --bytes and --format for the new values', async () => {
    const dir = await envDir();
    const r = await run(dir, [
      'rotate-keys',
      '--yes',
      '--keys',
      'SECRET_KEY',
      '--bytes',
      '48',
      '--format',
      'hex',
    ]);
    expect(r.code).toBe(0);
    const env = dotenvParse(await readFile(path.join(dir, '.env.production')));
    expect(env.SECRET_KEY).toMatch(/^[0-9a-f]{96}$/);
    expect(env.API_SECRET_KEY).toBe(OLD_API);
  });

  it('warns when --bytes is below what the secrets audit requires by default', async () => {
    const dir = await envDir();
    const r = await run(dir, ['rotate-keys', '--yes', '--bytes', '16']);
    expect(r.code).toBe(0);
    expect(r.err).toBe(
      'tradesec: warning: --bytes 16 is below the 32 bytes tradesec audit requires by default ([secrets] min-bytes); it will report these keys as weak\n',
    );
    expect(
      Buffer.from(
        dotenvParse(await readFile(path.join(dir, '.env.production'))).SECRET_KEY ?? '',
        'base64url',
      ),
    ).toHaveLength(16);
  });

  it('drops the previous values with --drop-previous, and says when there is nothing to drop', async () => {
    const dir = await envDir();
    expect((await run(dir, ['rotate-keys', '--yes'])).code).toBe(0);
    const early = await run(dir, ['rotate-keys', '--yes', '--drop-previous']);
    expect(early.code).toBe(2);
    expect(early.err).toMatch(
      /^tradesec: \.env\.production:3: SECRET_KEY was rotated on \d{4}-\d{2}-\d{2}; its 7-day grace period has 7 days left \(pass --force to drop SECRET_KEY_PREVIOUS now\)\n$/,
    );
    expect(dotenvParse(await readFile(path.join(dir, '.env.production'))).SECRET_KEY_PREVIOUS).toBe(
      OLD_SECRET,
    );
    const drop = await run(dir, ['rotate-keys', '--yes', '--drop-previous', '--force']);
    expect(drop.code).toBe(0);
    expect(drop.out).toContain('dropped SECRET_KEY      line 4  (SECRET_KEY_PREVIOUS removed)');
    const env = dotenvParse(await readFile(path.join(dir, '.env.production')));
    expect(Object.keys(env)).toEqual(['APP_ENV', 'SECRET_KEY', 'API_SECRET_KEY']);
    const again = await run(dir, ['rotate-keys', '--yes', '--drop-previous']);
    expect(again.code).toBe(0);
    expect(again.out).toBe(
      'nothing to do: no SECRET_KEY_PREVIOUS, API_SECRET_KEY_PREVIOUS in .env.production\n',
    );
  });

  it('refuses to rotate again within the grace period unless --force, changing nothing', async () => {
    const dir = await envDir();
    const file = path.join(dir, '.env.production');
    expect((await run(dir, ['rotate-keys', '--yes'])).code).toBe(0);
    const once = await readFile(file, 'utf8');
    for (const args of [['--yes'], ['--dry-run'], ['--yes', '--json']]) {
      const r = await run(dir, ['rotate-keys', ...args]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        /^tradesec: \.env\.production:3: SECRET_KEY was last rotated on \d{4}-\d{2}-\d{2} \(7-day grace period, 7 days left\); rotating again would drop the earlier previous key, SECRET_KEY_PREVIOUS, and cut off clients still using it \(pass --force if that key leaked\); the file is unchanged\n$/,
      );
      expect(oneLine(r.err)).toBe(true);
    }
    expect(await readFile(file, 'utf8')).toBe(once);
    const forced = await run(dir, ['rotate-keys', '--yes', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('old value kept as SECRET_KEY_PREVIOUS (replacing the earlier one)');
    expect(dotenvParse(await readFile(file)).SECRET_KEY_PREVIOUS).toBe(dotenvParse(once).SECRET_KEY);
  });

  it('runs --restart without a shell and reports its exit code', async () => {
    const dir = await envDir();
    const node = process.execPath;
    const script = 'console.log(process.argv.slice(1).join("|"))';
    const r = await run(dir, [
      'rotate-keys',
      '--yes',
      '--restart',
      `"${node}" -e '${script}' 'a;b' '$(x)' "two words"`,
    ]);
    expect(r.code).toBe(0);
    // The command's output goes to stderr; shell syntax reached it as plain text.
    expect(r.err).toBe('a;b|$(x)|two words\n');
    expect(r.out).toContain('restarted: ');
    expect(r.out).toContain('(exit code 0)');
  });

  it('exits 3 with one line when the restart command fails, is killed or is missing; the keys stay rotated', async () => {
    const dir = await envDir();
    const restartWith = (command: string) =>
      run(dir, ['rotate-keys', '--yes', '--force', '--json', '--restart', command]);
    const hand = 'the keys are rotated, restart the app by hand\n';
    const failing = await restartWith(`"${process.execPath}" -e "process.exit(4)"`);
    expect(failing.code).toBe(3);
    expect(failing.err).toMatch(/^tradesec: the restart command \(.*\) exited with 4; /);
    expect(failing.err.endsWith(hand)).toBe(true);
    expect(dotenvParse(await readFile(path.join(dir, '.env.production'))).SECRET_KEY_PREVIOUS).toBe(
      OLD_SECRET,
    );
    const killed = await restartWith(`"${process.execPath}" -e "process.kill(process.pid, 'SIGTERM')"`);
    expect(killed.code).toBe(3);
    expect(killed.err).toMatch(/^tradesec: the restart command \(.*\) was killed by SIGTERM; /);
    expect(killed.err.endsWith(hand)).toBe(true);
    expect(JSON.parse(killed.out).restart).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
    const missing = await restartWith('no-such-command-tradesec --now');
    expect(missing.code).toBe(3);
    expect(missing.err).toContain('was not found (no-such-command-tradesec)');
    expect(JSON.parse(missing.out).restart).toMatchObject({
      command: ['no-such-command-tradesec', '--now'],
      exitCode: null,
    });
    for (const r of [failing, killed, missing]) expect(oneLine(r.err)).toBe(true);
  });

  it('has examples in its help', async () => {
    const dir = await envDir();
    const r = await run(dir, ['rotate-keys', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Examples:');
    expect(r.out).toContain('--drop-previous');
  });
});

describe('tradesec rotate-keys errors: exit 2, one line, nothing changed', () => {
  const rule = 'use letters, digits and _, not starting with a digit (^[A-Za-z_][A-Za-z0-9_]*$)';
  // [case, file content, --keys and more, the name as the message shows it, what follows the rule]
  const badKeyNameInput: Array<[string, string, string[], string, string]> = [
    [
      'a key name with a hyphen, even with --add and --dry-run',
      ENV,
      ['lower-case', '--add', '--dry-run'],
      'lower-case',
      '',
    ],
    [
      'a key name with a hyphen that dotenv reads in the file (a shell does not)',
      `${ENV}lower-case=x\n`,
      ['lower-case'],
      'lower-case',
      '',
    ],
    ['a key name with a dot, even among valid ones', ENV, ['SECRET_KEY,a.b', '--add'], 'a.b', ''],
    ['a key name starting with a digit', ENV, ['1KEY'], '1KEY', ''],
    [
      'a KEY=value given as a key name, without echoing the value',
      ENV,
      ['SECRET_KEY=not-to-be-printed', '--add'],
      'SECRET_KEY=...',
      ' (--keys takes names, not KEY=value)',
    ],
  ];
  type Case = [string, string, string[], string | RegExp, (dir: string) => Promise<void>];
  const badKeyNames = badKeyNameInput.map(
    ([name, content, [keys, ...more], shown, tail]): Case => [
      name,
      content,
      ['--keys', keys ?? '', ...more],
      `tradesec: "${shown}" is not a valid env variable name: ${rule}${tail}`,
      async () => {},
    ],
  );
  const cases: Case[] = [
    [
      'a missing file',
      ENV,
      ['--env-file', 'missing.env'],
      'tradesec: missing.env: no such file (name it with --env-file)',
      async () => {},
    ],
    ...badKeyNames,
    [
      'an empty --env-file (it would name the working directory)',
      ENV,
      ['--env-file', 'other.env', '--env-file', ''],
      'tradesec: --env-file needs a path',
      async () => {},
    ],
    [
      'a symbolic link',
      ENV,
      ['--env-file', 'link.env'],
      'tradesec: link.env is a symbolic link; refusing to replace it (pass --follow-symlinks to rotate the file it points to)',
      async (dir) => symlink('.env.production', path.join(dir, 'link.env')),
    ],
    [
      'a directory',
      ENV,
      ['--env-file', 'sub'],
      'tradesec: sub is not a regular file',
      async (dir) => mkdir(path.join(dir, 'sub')),
    ],
    [
      'an absent key',
      ENV,
      ['--keys', 'SECRET_KEY,JWT_KEY'],
      'tradesec: .env.production: JWT_KEY is not in the file (pass --add to create it)',
      async () => {},
    ],
    [
      'a key present twice',
      `${ENV}SECRET_KEY=again\n`,
      [],
      'tradesec: .env.production:4: SECRET_KEY is assigned 2 times (lines 2, 4); keep one',
      async () => {},
    ],
    [
      'an unreadable line',
      `${ENV}not an assignment\n`,
      [],
      'tradesec: .env.production:4: not a KEY=value assignment dotenv can read; fix it first',
      async () => {},
    ],
    [
      'a backup directory other users can reach (already on a dry run)',
      ENV,
      ['--dry-run'],
      'tradesec: .tradesec-backups has mode 0755, so other users can reach the backups of keys; run chmod 700 .tradesec-backups (the file is unchanged)',
      async (dir) => {
        await mkdir(path.join(dir, '.tradesec-backups'));
        await chmod(path.join(dir, '.tradesec-backups'), 0o755);
      },
    ],
    [
      'a file with another hard link',
      ENV,
      [],
      'tradesec: .env.production has 2 hard links; replacing it would leave the old keys under the other names (make it a single file first)',
      async (dir) => link(path.join(dir, '.env.production'), path.join(dir, 'other-name')),
    ],
    [
      'too few bytes',
      ENV,
      ['--bytes', '8'],
      'tradesec: --bytes 8 is too short: a secret needs at least 16 bytes (128 bits)',
      async () => {},
    ],
    [
      '--add with --drop-previous',
      ENV,
      ['--add', '--drop-previous'],
      'tradesec: --add and --drop-previous do not go together',
      async () => {},
    ],
    [
      'an unterminated quote in --restart',
      ENV,
      ['--restart', 'systemctl "restart'],
      'tradesec: the --restart command has an unterminated double quote',
      async () => {},
    ],
    [
      'a _PREVIOUS key',
      ENV,
      ['--keys', 'SECRET_KEY_PREVIOUS'],
      /^tradesec: SECRET_KEY_PREVIOUS holds a previous value/,
      async () => {},
    ],
  ];
  for (const [name, content, args, message, prepare] of cases) {
    it(`refuses ${name}`, async () => {
      const dir = await envDir(content);
      await prepare(dir);
      const before = await readdir(dir);
      const r = await run(dir, ['rotate-keys', '--yes', ...args]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(oneLine(r.err)).toBe(true);
      if (typeof message === 'string') expect(r.err).toBe(`${message}\n`);
      else expect(r.err).toMatch(message);
      expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toBe(content);
      expect(await readdir(dir)).toEqual(before);
    });
  }

  it('refuses an unknown option (commander may add a suggestion line)', async () => {
    const dir = await envDir();
    const r = await run(dir, ['rotate-keys', '--yes', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tradesec: unknown option '--frobnicate'/);
    expect(await readFile(path.join(dir, '.env.production'), 'utf8')).toBe(ENV);
  });
});
