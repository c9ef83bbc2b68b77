// `tradesec rotate-keys`: new values for named keys in env files, old ones kept for a grace period, then a restart.
import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../audit/errors.js';
import type { FileReport, RotateKeysOptions } from '../../keys/rotate.js';
import { GRACE_PERIOD_DAYS } from '../../keys/rotation-record.js';
import { action, type CliState, commaList, examples, repeatable } from '../program.js';

interface RotateFlags {
  envFile?: string[];
  keys?: string[];
  dryRun?: boolean;
  restart?: string;
  dropPrevious?: boolean;
  force?: boolean;
  add?: boolean;
  yes?: boolean;
  followSymlinks?: boolean;
  json?: boolean;
  bytes?: string;
  format?: string;
}

/** Result of the `--restart` command. */
interface RestartReport {
  command: string[];
  exitCode: number | null;
  /** The signal that ended the command, when one did. */
  signal?: string;
  error?: string;
}

/** Registers `tradesec rotate-keys`. */
export function registerRotateKeys(program: Command, state: CliState): void {
  program
    .command('rotate-keys')
    .description(
      'rotate keys in env files: new values, old ones kept as <KEY>_PREVIOUS for a grace period, a backup, an atomic replace',
    )
    .option('--env-file <file>', 'env file to edit (repeatable; default: .env.production)', repeatable)
    .option(
      '--keys <keys>',
      'keys to rotate, comma-separated names of letters, digits and _ (default: SECRET_KEY,API_SECRET_KEY)',
      commaList,
    )
    .option('--dry-run', 'print what would change (keys, lines, fingerprints) and change nothing')
    .option(
      '--restart <command>',
      'run this command after rotating (no shell; quotes are honoured), e.g. "systemctl restart app"',
    )
    .option('--drop-previous', 'after the grace period: remove the <KEY>_PREVIOUS values instead of rotating')
    .option(
      '--force',
      `remove <KEY>_PREVIOUS even within the ${GRACE_PERIOD_DAYS}-day grace period (a leaked key): with --drop-previous, or when rotating again replaces it`,
    )
    .option('--add', 'create listed keys that are absent instead of refusing')
    .option('--follow-symlinks', 'rotate the file a symbolic link points to (refused otherwise)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--bytes <n>', 'random bytes per new key (at least 16)', '32')
    .option('--format <format>', 'new keys as base64url or hex', 'base64url')
    .option('--json', 'print what was done as JSON (fingerprints, never values)')
    .addHelpText(
      'after',
      examples([
        ['tradesec rotate-keys --dry-run', 'what would change in .env.production'],
        [
          'tradesec rotate-keys --yes --restart "systemctl restart trading"',
          'rotate, then restart the service',
        ],
        [
          'tradesec rotate-keys --env-file app/.env.production --env-file bot/.env',
          'two files in one run: shared keys stay in sync',
        ],
        ['tradesec rotate-keys --keys API_SECRET_KEY --yes', 'one key'],
        ['tradesec rotate-keys --drop-previous --yes', 'end the grace period'],
        ['tradesec rotate-keys --drop-previous --force --yes', 'a leaked key: no grace period'],
        ['tradesec rotate-keys --force --yes', 'rotate again within the grace period (a leaked key)'],
      ]) +
        '\nThe old value stays as <KEY>_PREVIOUS so the app can accept both while clients move to the new key\n' +
        '(docs/key-rotation.md shows how). Values are never printed: only sha256 fingerprints.\n' +
        'Backups go to .tradesec-backups/ beside each file (directory 0700, files 0600).\n' +
        'Exit codes: 0 done, 2 bad input (nothing changed), 3 writing or the restart command failed, 130 cancelled.\n',
    )
    .action(action(state, (flags: RotateFlags) => rotateKeysCommand(state, flags)));
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

function shown(cwd: string, abs: string): string {
  const rel = path.relative(cwd, abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

function pauseFrom(env: CliState['io']['env']): number | undefined {
  const raw = env.TRADESEC_TEST_PAUSE_MS;
  if (!raw || !/^\d{1,5}$/.test(raw)) return undefined;
  return Number(raw);
}

async function rotateKeysCommand(state: CliState, flags: RotateFlags): Promise<number> {
  const { io } = state;
  const rotate = await import('../../keys/rotate.js');
  const { generateSecret, parseSecretBytes, parseSecretFormat, shortSecretWarning } = await import(
    '../../keys/generate.js'
  );
  if (flags.dropPrevious && flags.add) throw new UsageError('--add and --drop-previous do not go together');
  const bytes = parseSecretBytes(flags.bytes ?? '32');
  const format = parseSecretFormat(flags.format ?? 'base64url');
  const short = flags.dropPrevious ? undefined : shortSecretWarning(bytes);
  if (short) io.stderr.write(`tradesec: ${short}\n`);
  let restart: string[] | undefined;
  if (flags.restart !== undefined) {
    const { splitCommand } = await import('../../keys/split-command.js');
    restart = splitCommand(flags.restart);
  }
  // '' would resolve to the working directory itself.
  if (flags.envFile?.includes('')) throw new UsageError('--env-file needs a path');
  const pauseMs = pauseFrom(io.env);
  const opts: RotateKeysOptions = {
    cwd: io.cwd,
    files: unique(flags.envFile?.length ? flags.envFile : [rotate.DEFAULT_ENV_FILE]),
    // An explicit but empty --keys is refused by the rotation, not silently replaced by the defaults.
    keys: unique(flags.keys ?? rotate.DEFAULT_KEYS),
    action: flags.dropPrevious ? 'drop-previous' : 'rotate',
    force: Boolean(flags.force),
    add: Boolean(flags.add),
    followSymlinks: Boolean(flags.followSymlinks),
    newSecret: () => generateSecret({ bytes, format }),
    ...(pauseMs ? { pauseMs } : {}),
  };

  const plan = await rotate.planKeyRotation(opts, { thorough: Boolean(flags.dryRun) });
  const changing = plan.filter((f) => f.changed);
  if (flags.dryRun) {
    if (flags.json) {
      io.stdout.write(
        `${JSON.stringify({ dryRun: true, files: plan.map((f) => jsonFile(f)), restart }, null, 2)}\n`,
      );
    } else {
      for (const f of plan) writeFile(state, f, true);
      if (restart && changing.length > 0) io.stdout.write(`would run: ${formatArgv(restart)}\n`);
      io.stdout.write('nothing was changed (--dry-run)\n');
    }
    return ExitCode.ok;
  }
  if (changing.length === 0) {
    if (flags.json)
      io.stdout.write(`${JSON.stringify({ dryRun: false, files: plan.map((f) => jsonFile(f)) }, null, 2)}\n`);
    else
      io.stdout.write(
        `nothing to do: no ${opts.keys.map((k) => `${k}_PREVIOUS`).join(', ')} in ${plan.map((f) => f.file).join(', ')}\n`,
      );
    return ExitCode.ok;
  }
  if (!flags.yes) {
    const what = `${flags.dropPrevious ? 'remove the previous values of' : 'rotate'} ${opts.keys.join(', ')} in ${changing.map((f) => f.file).join(', ')}`;
    if (!io.interactive)
      throw new UsageError(`about to ${what}: pass --yes to confirm (${noPromptReason(io)})`);
    const { confirm } = await import('@inquirer/prompts');
    const ok = await confirm({
      message: `${what[0]?.toUpperCase()}${what.slice(1)} (a backup is kept)?`,
      default: false,
    });
    if (!ok) {
      io.stderr.write('tradesec: cancelled; nothing was changed\n');
      return ExitCode.cancelled;
    }
  }

  let done: FileReport[];
  try {
    // `expected: plan`: a file that changed while the user was asked (another rotation ran) is refused.
    done = await rotate.rotateKeys({ ...opts, expected: plan }, (f) => {
      if (!flags.json) writeFile(state, f, false);
    });
  } catch (err) {
    if (!(err instanceof rotate.RotationError)) throw err;
    if (flags.json)
      io.stdout.write(
        `${JSON.stringify({ dryRun: false, files: err.completed.map((f) => jsonFile(f)), error: err.message }, null, 2)}\n`,
      );
    io.stderr.write(`tradesec: ${err.message}\n`);
    return err.exitCode;
  }

  let restarted: RestartReport | undefined;
  if (restart && done.some((f) => f.changed)) restarted = await runRestart(state, restart);
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify({ dryRun: false, files: done.map((f) => jsonFile(f)), restart: restarted }, null, 2)}\n`,
    );
  } else {
    if (restarted?.exitCode === 0) {
      io.stdout.write(`restarted: ${formatArgv(restarted.command)} (exit code 0)\n`);
    } else if (!restarted && !flags.dropPrevious) {
      io.stdout.write('Restart the app so it loads the new keys (or pass --restart "<command>").\n');
    }
    if (!flags.dropPrevious && done.some((f) => f.keys.some((k) => k.previousKept))) {
      io.stdout.write(
        'After the grace period, remove the old values: tradesec rotate-keys --drop-previous\n',
      );
    }
  }
  if (restarted && restarted.exitCode !== 0) {
    const why = restarted.error ?? `exited with ${restarted.exitCode}`;
    io.stderr.write(
      `tradesec: the restart command (${formatArgv(restarted.command)}) ${why}; the keys are rotated, restart the app by hand\n`,
    );
    return ExitCode.internal;
  }
  return ExitCode.ok;
}

/** Why tradesec does not ask: prompts are off when CI is set or stdin is not a terminal (see processIo). */
function noPromptReason(io: CliState['io']): string {
  return io.env.CI ? 'CI is set, so tradesec does not ask' : 'stdin is not a terminal to ask on';
}

/** argv as a shell would need it typed, for messages. */
function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

function jsonFile(f: FileReport): Record<string, unknown> {
  const { digest: _digest, ...shownFields } = f;
  return { ...shownFields, modeBefore: octal(f.modeBefore), modeAfter: octal(f.modeAfter) };
}

function writeFile(state: CliState, f: FileReport, dryRun: boolean): void {
  const { io } = state;
  const out: string[] = [];
  const verb = (a: string): string => {
    if (a === 'dropped') return dryRun ? 'would drop' : 'dropped';
    if (a === 'added') return dryRun ? 'would add' : 'added';
    return dryRun ? 'would rotate' : 'rotated';
  };
  if (f.keys.length === 0) {
    out.push(`${f.file}: nothing to change`);
  } else {
    out.push(`${f.file}:`);
    const width = Math.max(...f.keys.map((k) => k.key.length));
    for (const k of f.keys) {
      // On a dry run, lines are those of the file as it is; an added key has none yet.
      const after = dryRun && k.action === 'added' ? ' after the change' : '';
      let line = `  ${verb(k.action)} ${k.key.padEnd(width)}  line ${k.line}${after}`;
      if (k.action === 'dropped') {
        line += `  (${k.key}_PREVIOUS removed)`;
      } else {
        line += `  ${k.oldFingerprint ?? '(empty)'} -> ${k.newFingerprint ?? '(new value)'}`;
        if (k.previousKept) line += `  old value ${dryRun ? 'would be ' : ''}kept as ${k.key}_PREVIOUS`;
        if (k.previousRemoved > 0)
          line += k.previousKept ? ' (replacing the earlier one)' : `  (${k.key}_PREVIOUS removed)`;
      }
      out.push(line);
    }
    if (f.changed) {
      if (dryRun)
        out.push(
          `  backup would go to ${shown(io.cwd, path.join(path.dirname(f.path), '.tradesec-backups'))}/`,
        );
      else if (f.backup) out.push(`  backup: ${shown(io.cwd, f.backup)}`);
      if (f.modeAfter !== f.modeBefore) {
        out.push(
          `  mode ${octal(f.modeBefore)} -> ${octal(f.modeAfter)}${dryRun ? ' (would be tightened)' : ' (tightened)'}`,
        );
      }
    }
    if (f.staleLockFrom) out.push(`  took over the stale lock of pid ${f.staleLockFrom}`);
    if (f.leftoversRemoved?.length)
      out.push(`  removed ${f.leftoversRemoved.length} leftover file(s) of an interrupted rotation`);
  }
  io.stdout.write(`${out.join('\n')}\n`);
}

async function runRestart(state: CliState, argv: string[]): Promise<RestartReport> {
  const { execa } = await import('execa');
  const [file, ...args] = argv;
  const r = await execa(file ?? '', args, {
    reject: false,
    stdin: 'ignore',
    cwd: state.io.cwd,
    timeout: 300_000,
  });
  // The command's own output goes to stderr, so --json stays parseable.
  if (r.stdout) state.io.stderr.write(`${String(r.stdout).trimEnd()}\n`);
  if (r.stderr) state.io.stderr.write(`${String(r.stderr).trimEnd()}\n`);
  const report: RestartReport = { command: argv, exitCode: r.exitCode ?? null };
  if (r.timedOut) report.error = 'timed out after 300 s';
  else if (r.signal) {
    // A signal is no exit code, but it is not a start failure either.
    report.signal = r.signal;
    report.error = `was killed by ${r.signal}`;
  } else if (r.exitCode === undefined) {
    report.error =
      (r as { code?: string }).code === 'ENOENT' ? `was not found (${file})` : 'could not be started';
  }
  return report;
}
