// Crash safety for real: `tradesec rotate-keys` (and `--drop-previous`) is SIGKILLed at random moments, hundreds
// of times, and the env file must always hold the complete old or the complete new set, with a backup whenever it changed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { cp, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as dotenvParse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WORKERS = 4;
const RUNS_PER_WORKER = 52; // 208 killed runs in all
const PAUSE_MS = 15; // between the steps of a rotation: lock, backup, new file, rename, directory flush
const LOCK = '.env.production.tradesec.lock';
const KEYS = ['SECRET_KEY', 'API_SECRET_KEY'];

const INITIAL = [
  '# production settings for the trading service',
  'APP_ENV=production',
  'export DATABASE_URL="postgresql://trader@db:5432/trading?sslmode=verify-full"',
  '',
  '# signing key for sessions',
  'SECRET_KEY=crash-initial-secret-key-0000000000000000',
  "API_SECRET_KEY='crash-initial-api-key-1111111111111111' # clients",
  ...Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? `# note ${i}` : `SETTING_${i}=value-${i}`)),
  '',
].join('\n');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** When to kill: a delay after a file appears in the directory (the lock, the new file), or after spawn. */
type KillAt = { after: 'lock' | 'new-file'; ms: number } | { fromStartMs: number };

const NEW_FILE = /^\.env\.production\.tradesec-\d+-[0-9a-f]+\.tmp$/;

/** What a run does: rotate the keys, or drop their `_PREVIOUS` values (both with --force: no grace period here). */
type Mode = 'rotate' | 'drop';

/** Runs one rotation under umask 000 and SIGKILLs it at `when`. */
function runAndKill(bin: string, dir: string, when: KillAt, mode: Mode = 'rotate'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'sh',
      [
        '-c',
        // The executable itself (its shebang is `node --`): `node bin --env-file` would be read by Node 20.
        'umask 000 && exec "$0" "$@"',
        bin,
        'rotate-keys',
        '--yes',
        '--env-file',
        '.env.production',
        // --force: the runs follow each other within the grace period, which would refuse both otherwise.
        '--force',
        ...(mode === 'drop' ? ['--drop-previous'] : []),
      ],
      {
        cwd: dir,
        env: { ...process.env, TRADESEC_TEST_PAUSE_MS: String(PAUSE_MS), NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const kill = () => child.kill('SIGKILL');
    const timers: NodeJS.Timeout[] = [];
    let watcher: ReturnType<typeof watch> | undefined;
    if ('fromStartMs' in when) {
      timers.push(setTimeout(kill, when.fromStartMs));
    } else {
      // Aim at the process's progress, not the clock: a loaded machine stretches every step.
      let armed = false;
      const match = (name: string) => (when.after === 'lock' ? name === LOCK : NEW_FILE.test(name));
      watcher = watch(dir, (_event, name) => {
        if (armed || !name || !match(name)) return;
        armed = true;
        timers.push(setTimeout(kill, when.ms));
      });
    }
    // A run that never takes its lock (validation failed) must still end.
    timers.push(setTimeout(kill, 15_000));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      watcher?.close();
      resolve({ code, signal, output });
    });
  });
}

/**
 * bin/ and dist/ copied aside: the spawned CLI runs from the copy, so that a rebuild of dist/ during the
 * run (tsc --watch, another test run's global setup) cannot swap modules under a process mid-import.
 */
async function privateCopy(): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const dir = await tempDir('tradesec-crash-cli-');
    await cp(path.join(ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
    await cp(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
    await cp(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const bin = path.join(dir, 'bin/tradesec.js');
    const probe = spawnSync(process.execPath, [bin, 'rotate-keys', '--help'], { encoding: 'utf8' });
    if (probe.status === 0) return bin;
    if (attempt === 3) throw new Error(`the built CLI does not start: ${probe.stderr.split('\n')[0]}`);
  }
}

type Outcome = 'unchanged' | 'unchanged-after-backup' | 'rotated' | 'dropped';

/** Checks the directory after a run that started from `before`; returns what happened. */
async function check(
  dir: string,
  before: Buffer,
  backupsBefore: number,
  output: string,
  mode: Mode,
): Promise<Outcome> {
  const file = path.join(dir, '.env.production');
  const after = await readFile(file);
  const backupDir = path.join(dir, '.tradesec-backups');
  const backups = existsSync(backupDir) ? await readdir(backupDir) : [];
  // Every file that may hold a secret is 0600, even under umask 000: the env file, backups, leftovers.
  for (const name of await readdir(dir)) {
    const st = await stat(path.join(dir, name));
    if (st.isFile()) expect({ name, mode: st.mode & 0o777 }).toEqual({ name, mode: 0o600 });
  }
  for (const name of backups)
    expect(((await stat(path.join(backupDir, name))).mode & 0o777).toString(8)).toBe('600');
  const old = dotenvParse(before);
  const now = dotenvParse(after);
  for (const v of [...KEYS.map((k) => old[k]), ...KEYS.map((k) => now[k])])
    if (v) expect(output).not.toContain(v);
  if (after.equals(before)) return backups.length > backupsBefore ? 'unchanged-after-backup' : 'unchanged';
  const contents = await Promise.all(backups.map((b) => readFile(path.join(backupDir, b))));
  // Changed: a backup of exactly what was there before.
  expect(contents.some((c) => c.equals(before))).toBe(true);

  if (mode === 'drop') {
    // The complete old set without any _PREVIOUS, everything else as it was.
    const expected: Record<string, string> = { ...old };
    for (const k of KEYS) delete expected[`${k}_PREVIOUS`];
    expect(now).toEqual(expected);
    return 'dropped';
  }

  // Changed: the complete new set, the complete old set as _PREVIOUS, everything else as it was.
  const expected: Record<string, string> = { ...old };
  for (const k of KEYS) {
    expect(now[k]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(now[k]).not.toBe(old[k]);
    expected[k] = now[k] ?? '';
    expected[`${k}_PREVIOUS`] = old[k] ?? '';
  }
  expect(now).toEqual(expected);
  return 'rotated';
}

describe('rotate-keys under SIGKILL', () => {
  it(`keeps the env file whole through ${WORKERS * RUNS_PER_WORKER} kills`, {
    timeout: 120_000,
  }, async () => {
    expect(
      existsSync(path.join(ROOT, 'dist/src/cli/main.js')),
      'dist/ is built by the test global setup',
    ).toBe(true);
    const bin = await privateCopy();
    const outcomes: Record<Outcome, number> = {
      unchanged: 0,
      'unchanged-after-backup': 0,
      rotated: 0,
      dropped: 0,
    };
    /** Runs of --drop-previous that were killed before the file changed. */
    let dropsUnchanged = 0;
    const started = Date.now();

    const worker = async (w: number): Promise<void> => {
      const dir = await tempDir('tradesec-crash-');
      await writeFile(path.join(dir, '.env.production'), INITIAL, { mode: 0o600 });
      for (let i = 0; i < RUNS_PER_WORKER; i++) {
        const before = await readFile(path.join(dir, '.env.production'));
        const backupDir = path.join(dir, '.tradesec-backups');
        const backupsBefore = existsSync(backupDir) ? (await readdir(backupDir)).length : 0;
        // Stratified random moments: around the rename (after the new file appears), around validation
        // and backup (after the lock appears), and anywhere from start-up on.
        const slot = (i + w) % 10;
        const when: KillAt =
          slot < 6
            ? { after: 'new-file', ms: Math.random() * 3 * PAUSE_MS }
            : slot < 9
              ? { after: 'lock', ms: Math.random() * 4 * PAUSE_MS }
              : { fromStartMs: Math.random() * 400 };
        // Every third run drops the previous values, when there are some to drop.
        const mode: Mode = i % 3 === 2 && dotenvParse(before).SECRET_KEY_PREVIOUS ? 'drop' : 'rotate';
        const run = await runAndKill(bin, dir, when, mode);
        const outcome = await check(dir, before, backupsBefore, run.output, mode);
        outcomes[outcome]++;
        if (mode === 'drop' && outcome.startsWith('unchanged')) dropsUnchanged++;
        if (run.signal === null) {
          // It finished before the kill: it must have succeeded, and then the file changed.
          expect(run.code, run.output).toBe(0);
          expect(outcome).toBe(mode === 'drop' ? 'dropped' : 'rotated');
        }
      }
      // Whatever the last kill left (a stale lock, a temporary copy), a normal run recovers and cleans up.
      const final = await runAndKill(bin, dir, { fromStartMs: 60_000 });
      expect(final.code).toBe(0);
      const left = await readdir(dir);
      expect(left.filter((n) => n.includes('.tradesec') && n !== '.tradesec-backups')).toEqual([]);
    };

    // Let every worker finish before failing, so no process is still writing when the temp dirs go.
    const settled = await Promise.allSettled(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    const seconds = (Date.now() - started) / 1000;
    // The kills must really have landed on every side of the rename, or this test proves nothing.
    expect(outcomes.rotated).toBeGreaterThan(10);
    expect(outcomes.unchanged + outcomes['unchanged-after-backup']).toBeGreaterThan(10);
    expect(outcomes['unchanged-after-backup']).toBeGreaterThan(0);
    expect(outcomes.dropped).toBeGreaterThan(3);
    expect(dropsUnchanged).toBeGreaterThan(3);
    console.info(`rotate-keys crash test: ${JSON.stringify(outcomes)} in ${seconds.toFixed(1)} s`);
  });
});
