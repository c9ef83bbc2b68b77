// Key rotation in env files: validate everything, then lock and check every file, then back up and replace each atomically.
import { createHash, randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import path from 'node:path';
import { ExitCode, UsageError } from '../audit/errors.js';
import { fingerprintSecret } from '../audit/fingerprint.js';
import { BACKUP_DIR, tempNameOf } from './artefacts.js';
import {
  dropPreviousInDocument,
  type EditResult,
  type EnvDocument,
  EnvProblem,
  inspectKeys,
  type KeyEdit,
  PREVIOUS_SUFFIX,
  parseEnvDocument,
  rotateInDocument,
  verifyEdit,
} from './env-editor.js';
import { errorCode, fsReason, type KeyFs, nodeKeyFs } from './fs-layer.js';
import { generateSecret } from './generate.js';
import { acquireLock, assertNotLocked, type FileLock, removeLeftovers } from './lock.js';
import { GRACE_PERIOD_DAYS, parseRotationRecord } from './rotation-record.js';

/** The default env file, relative to the working directory. */
export const DEFAULT_ENV_FILE = '.env.production';

/** The keys rotated when none are named. */
export const DEFAULT_KEYS: readonly string[] = ['SECRET_KEY', 'API_SECRET_KEY'];

export { BACKUP_DIR } from './artefacts.js';

/** What a rotation run does. */
export interface RotateKeysOptions {
  cwd: string;
  /** Env files, relative to cwd or absolute. */
  files: readonly string[];
  keys: readonly string[];
  /** `rotate` (default) or `drop-previous` (remove `<KEY>_PREVIOUS` after the grace period). */
  action?: 'rotate' | 'drop-previous';
  /** Create keys that are absent instead of refusing. */
  add?: boolean;
  /** Rotate the file a symbolic link points to instead of refusing. */
  followSymlinks?: boolean;
  fs?: KeyFs;
  now?: () => Date;
  /** Makes each new value (default: 32 random bytes, base64url). */
  newSecret?: () => string;
  /** The plan the user confirmed (from planKeyRotation): a file whose content has changed since is refused. */
  expected?: readonly FileReport[];
  /** Remove `<KEY>_PREVIOUS` even within the grace period (a leaked key): by dropping it, or by rotating again. */
  force?: boolean;
  /** Test-only: sleep this long between the steps of a rotation, to widen the windows a crash test aims at. */
  pauseMs?: number;
}

/** What happened (or would happen) to one key. */
export interface KeyReport {
  key: string;
  action: KeyEdit['action'];
  /**
   * 1-based line of the key (or of the removed `_PREVIOUS`) in the file as the user has it: before the
   * edit on a dry run, after it otherwise. A key a dry run would add gets the line it would have.
   */
  line: number;
  /** Fingerprint of the value before (absent when the key was absent or empty). */
  oldFingerprint?: string;
  /** Fingerprint of the new value (absent on a dry run and when dropping). */
  newFingerprint?: string;
  /** Whether the old value is kept as `<KEY>_PREVIOUS`. */
  previousKept: boolean;
  /** How many `<KEY>_PREVIOUS` lines were replaced or removed. */
  previousRemoved: number;
}

/** What happened (or would happen) to one env file. */
export interface FileReport {
  /** The file as the user named it (relative to cwd when inside it). */
  file: string;
  /** Absolute path of the file actually edited (the link target with --follow-symlinks). */
  path: string;
  keys: KeyReport[];
  changed: boolean;
  /** Absolute path of the backup written before the change. */
  backup?: string;
  modeBefore: number;
  /** Mode of the new file: the old owner bits, never group or other (the file holds secrets). */
  modeAfter: number;
  /** Temporary files or lock drafts of earlier, killed rotations that were removed. */
  leftoversRemoved?: string[];
  /** Set when a stale lock of a dead process was taken over. */
  staleLockFrom?: number;
  /** sha256 (hex) of the file as it was read; `expected` compares it with the file under the lock. Not printed. */
  digest?: string;
}

/** A failure while writing, after validation passed: one line, with which files were already done. */
export class RotationError extends Error {
  constructor(
    message: string,
    readonly completed: FileReport[],
    /** 2 when the input was at fault (found under the lock), 3 when writing failed. */
    readonly exitCode: number,
  ) {
    super(message);
  }
}

interface Loaded {
  given: string;
  display: string;
  target: string;
  stat: Stats;
  bytes: Buffer;
  text: string;
}

/** The new file's mode: the owner's read and write bits of the old one, nothing for group or other. */
export function newFileMode(oldMode: number): number {
  return oldMode & 0o600;
}

function displayPath(cwd: string, abs: string): string {
  const rel = path.relative(cwd, abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

interface Target {
  display: string;
  target: string;
  stat: Stats;
}

/** Finds the file to edit and checks it can be replaced: exists, regular, writable, ours. */
async function resolveTarget(fs: KeyFs, opts: RotateKeysOptions, given: string): Promise<Target> {
  const abs = path.resolve(opts.cwd, given);
  const display = displayPath(opts.cwd, abs);
  let st: Stats;
  try {
    st = await fs.lstat(abs);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new UsageError(`${display}: no such file (name it with --env-file)`);
    throw new UsageError(`${display}: cannot read it (${fsReason(err)})`);
  }
  let target = abs;
  if (st.isSymbolicLink()) {
    if (!opts.followSymlinks) {
      throw new UsageError(
        `${display} is a symbolic link; refusing to replace it (pass --follow-symlinks to rotate the file it points to)`,
      );
    }
    try {
      target = await fs.realpath(abs);
      st = await fs.lstat(target);
    } catch (err) {
      throw new UsageError(`${display} is a symbolic link to a file that cannot be read (${fsReason(err)})`);
    }
  }
  if (!st.isFile()) throw new UsageError(`${display} is not a regular file`);
  assertSingleLink(st, display);
  await assertWritable(fs, target, display);
  if (fs.uid !== 0 && st.uid !== fs.uid) {
    throw new UsageError(
      `${display} is owned by uid ${st.uid}; rotate it as that user or as root, so the new file keeps its owner`,
    );
  }
  return { display, target, stat: st };
}

async function load(fs: KeyFs, opts: RotateKeysOptions, given: string): Promise<Loaded> {
  const { display, target, stat: st } = await resolveTarget(fs, opts, given);
  let bytes: Buffer;
  let fst: Stats;
  try {
    // O_NOFOLLOW and O_NONBLOCK: if the file was swapped for a link or a FIFO since lstat, fail instead of following or hanging.
    const h = await fs.open(target, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      fst = await h.stat();
      bytes = await h.readFile();
    } finally {
      await h.close();
    }
  } catch (err) {
    throw new UsageError(`${display}: cannot read it (${fsReason(err)})`);
  }
  if (!fst.isFile() || fst.ino !== st.ino || fst.dev !== st.dev)
    throw new UsageError(`${display} changed while it was read; try again`);
  assertSingleLink(fst, display);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new UsageError(`${display} is not UTF-8 text; refusing to edit it`);
  }
  return { given, display, target, stat: fst, bytes, text };
}

/** The new file replaces one name only: another hard link would keep the old keys, so refuse. */
function assertSingleLink(st: Stats, display: string): void {
  if (st.nlink > 1) {
    throw new UsageError(
      `${display} has ${st.nlink} hard links; replacing it would leave the old keys under the other names (make it a single file first)`,
    );
  }
}

async function assertWritable(fs: KeyFs, target: string, display: string): Promise<void> {
  const explain = (err: unknown, what: string): UsageError => {
    const code = errorCode(err);
    if (code === 'EROFS') return new UsageError(`${display} is on a read-only file system`);
    if (code === 'EACCES' || code === 'EPERM') return new UsageError(`${what} is not writable`);
    return new UsageError(`${what}: cannot check write access (${fsReason(err)})`);
  };
  try {
    await fs.access(target, constants.W_OK);
  } catch (err) {
    throw explain(err, display);
  }
  try {
    // The new file is created beside the old one and renamed over it: the directory must be writable too.
    await fs.access(path.dirname(target), constants.W_OK | constants.X_OK);
  } catch (err) {
    throw explain(err, `the directory of ${display} (where the new file and backups go)`);
  }
}

function problem(display: string, err: unknown): never {
  if (err instanceof EnvProblem)
    throw new UsageError(`${display}${err.line ? `:${err.line}` : ''}: ${err.message}`);
  throw err;
}

interface Edit {
  result: EditResult;
  reports: KeyReport[];
}

/** Parses env text once per call: a file is parsed when validated and again under the lock. */
type Parser = (text: string) => EnvDocument;

function parser(): Parser {
  const seen = new Map<string, EnvDocument>();
  return (text) => {
    let doc = seen.get(text);
    if (!doc) {
      doc = parseEnvDocument(text);
      seen.set(text, doc);
    }
    return doc;
  };
}

function editFile(
  parse: Parser,
  loaded: Loaded,
  opts: RotateKeysOptions,
  valueFor: (key: string, oldValue: string) => string,
  dryRun: boolean,
): Edit {
  const doc = parse(loaded.text);
  const now = (opts.now ?? (() => new Date()))();
  try {
    if (opts.action === 'drop-previous') {
      checkGracePeriod(doc, opts, loaded.display);
      const result = dropPreviousInDocument(doc, opts.keys);
      verifyEdit(loaded.text, result.text, {
        set: {},
        removed: result.edits.map((e) => `${e.key}${PREVIOUS_SUFFIX}`),
      });
      const reports = result.edits.map((e) => ({
        key: e.key,
        action: e.action,
        line: e.line,
        previousKept: false,
        previousRemoved: e.previousRemoved,
      }));
      return { result, reports };
    }
    const states = inspectKeys(doc, opts.keys, { add: Boolean(opts.add) });
    checkGracePeriod(doc, opts, loaded.display);
    const rotations = states.map((s) => ({ key: s.key, newValue: valueFor(s.key, s.value) }));
    const result = rotateInDocument(doc, rotations, now);
    const set: Record<string, string> = {};
    const removed: string[] = [];
    states.forEach((s, i) => {
      set[s.key] = rotations[i]?.newValue ?? '';
      if (s.value !== '') set[`${s.key}${PREVIOUS_SUFFIX}`] = s.value;
      else removed.push(`${s.key}${PREVIOUS_SUFFIX}`);
    });
    verifyEdit(loaded.text, result.text, { set, removed });
    const reports = result.edits.map((e, i): KeyReport => {
      const old = states[i]?.value ?? '';
      const fresh = rotations[i]?.newValue ?? '';
      return {
        key: e.key,
        action: e.action,
        // A dry run changes nothing, so the line is where the key is now (a rotation record goes above it).
        line: dryRun ? (e.lineBefore ?? e.line) : e.line,
        ...(old ? { oldFingerprint: fingerprintSecret(old) } : {}),
        ...(dryRun ? {} : { newFingerprint: fingerprintSecret(fresh) }),
        previousKept: e.previousKept,
        previousRemoved: e.previousRemoved,
      };
    });
    return { result, reports };
  } catch (err) {
    problem(loaded.display, err);
  }
}

async function loadAll(fs: KeyFs, opts: RotateKeysOptions): Promise<Loaded[]> {
  const out: Loaded[] = [];
  for (const given of opts.files) {
    const loaded = await load(fs, opts, given);
    if (out.some((o) => o.target === loaded.target)) continue;
    out.push(loaded);
  }
  return out;
}

/** A variable name as env files and the shells that source them accept it (dotenv also allows `.` and `-`, a shell does not). */
const KEY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkKeys(keys: readonly string[]): void {
  if (keys.length === 0) throw new UsageError('no keys to rotate (name them with --keys)');
  for (const key of keys) {
    if (!KEY_NAME.test(key)) {
      // Whatever follows an `=` may be a value pasted by mistake: it is never echoed.
      const eq = key.indexOf('=');
      const shownKey = eq < 0 ? key : `${key.slice(0, eq)}=...`;
      const hint = eq < 0 ? '' : ' (--keys takes names, not KEY=value)';
      throw new UsageError(
        `"${shownKey}" is not a valid env variable name: use letters, digits and _, not starting with a digit (${KEY_NAME.source})${hint}`,
      );
    }
    if (key.endsWith(PREVIOUS_SUFFIX)) {
      throw new UsageError(
        `${key} holds a previous value; name the key itself (${key.slice(0, -PREVIOUS_SUFFIX.length)})`,
      );
    }
  }
}

/**
 * Validates every file and reports what a rotation would do, without changing anything. With
 * `thorough` (the default, for --dry-run) each edit is made in memory and verified, and the reports
 * list the keys; without, only the checks that refuse bad input run, and `keys` is empty.
 */
export async function planKeyRotation(
  opts: RotateKeysOptions,
  { thorough = true }: { thorough?: boolean } = {},
): Promise<FileReport[]> {
  return plan(opts, thorough, parser());
}

async function plan(opts: RotateKeysOptions, thorough: boolean, parse: Parser): Promise<FileReport[]> {
  checkKeys(opts.keys);
  const fs = opts.fs ?? nodeKeyFs;
  const loadedFiles = await loadAll(fs, opts);
  const reports: FileReport[] = [];
  for (const loaded of loadedFiles) {
    await assertNotLocked(fs, loaded.target, loaded.display);
    const base = {
      file: loaded.display,
      path: loaded.target,
      digest: digestOf(loaded.bytes),
      modeBefore: loaded.stat.mode & 0o7777,
      modeAfter: newFileMode(loaded.stat.mode),
    };
    if (thorough) {
      const { reports: keys, result } = editFile(parse, loaded, opts, () => generateSecret(), true);
      reports.push({ ...base, keys, changed: result.text !== loaded.text });
    } else {
      reports.push({ ...base, keys: [], changed: checkFile(parse, loaded, opts) });
    }
    // Refused now, so a dry run and the confirmation prompt already say so (checked again under the lock).
    if (reports.at(-1)?.changed) await checkBackupDir(fs, loaded);
  }
  return reports;
}

const DAY_MS = 86_400_000;

interface RecentRotation {
  rotated: Date;
  /** Whole days left of the grace period (at least 1). */
  left: number;
  /** 1-based line of the key. */
  line: number;
}

/** The rotation record above `key` when it is younger than the grace period and a `<KEY>_PREVIOUS` exists. */
function recentRotation(doc: EnvDocument, key: string, now: number): RecentRotation | undefined {
  if (!doc.assignments.some((a) => a.key === `${key}${PREVIOUS_SUFFIX}`)) return undefined;
  const assignment = doc.assignments.find((a) => a.key === key);
  if (!assignment || assignment.first === 0) return undefined;
  const rotated = parseRotationRecord(doc.lines[assignment.first - 1]?.text ?? '');
  if (!rotated) return undefined;
  const ends = rotated.getTime() + GRACE_PERIOD_DAYS * DAY_MS;
  if (ends <= now) return undefined;
  return { rotated, left: Math.ceil((ends - now) / DAY_MS), line: assignment.first + 1 };
}

/**
 * Refuses, unless forced, to remove a `<KEY>_PREVIOUS` younger than the grace period: clients may still use
 * that old key. Dropping it (`drop-previous`) and replacing it by rotating again (`rotate`) both remove it.
 * A key without a rotation record is not refused.
 */
function checkGracePeriod(doc: EnvDocument, opts: RotateKeysOptions, display: string): void {
  if (opts.force) return;
  const now = (opts.now ?? (() => new Date()))().getTime();
  for (const key of opts.keys) {
    const recent = recentRotation(doc, key, now);
    if (!recent) continue;
    const on = recent.rotated.toISOString().slice(0, 10);
    const days = `${recent.left} day${recent.left === 1 ? '' : 's'} left`;
    if (opts.action === 'drop-previous') {
      throw new UsageError(
        `${display}:${recent.line}: ${key} was rotated on ${on}; its ${GRACE_PERIOD_DAYS}-day grace period has ${days} (pass --force to drop ${key}${PREVIOUS_SUFFIX} now)`,
      );
    }
    throw new UsageError(
      `${display}:${recent.line}: ${key} was last rotated on ${on} (${GRACE_PERIOD_DAYS}-day grace period, ${days}); rotating again would drop the earlier previous key, ${key}${PREVIOUS_SUFFIX}, and cut off clients still using it (pass --force if that key leaked); the file is unchanged`,
    );
  }
}

/** The checks that refuse bad input, without making the edit; returns whether the file would change. */
function checkFile(parse: Parser, loaded: Loaded, opts: RotateKeysOptions): boolean {
  const doc = parse(loaded.text);
  try {
    if (opts.action === 'drop-previous') {
      if (doc.invalidLines[0] !== undefined) inspectKeys(doc, []);
      checkGracePeriod(doc, opts, loaded.display);
      const previous = new Set(opts.keys.map((k) => `${k}${PREVIOUS_SUFFIX}`));
      return doc.assignments.some((a) => previous.has(a.key));
    }
    inspectKeys(doc, opts.keys, { add: Boolean(opts.add) });
    checkGracePeriod(doc, opts, loaded.display);
    return true;
  } catch (err) {
    problem(loaded.display, err);
  }
}

/**
 * Rotates (or drops the previous values of) the keys in every file: all files are validated first, so
 * bad input changes nothing; then every file is locked, re-read, compared with what was validated, and
 * its new text and backup directory checked, before any file is changed; then each is backed up and
 * replaced atomically. `onFile` is called after each file is done.
 */
export async function rotateKeys(
  opts: RotateKeysOptions,
  onFile?: (report: FileReport) => void,
): Promise<FileReport[]> {
  const parse = parser();
  const planned = await plan(opts, false, parse);
  // What the caller validated (and the user confirmed) is what gets rotated, or nothing is.
  const expected = new Map((opts.expected ?? planned).map((r) => [r.path, r.digest]));
  const fs = opts.fs ?? nodeKeyFs;
  const pause = async (): Promise<void> => {
    if (opts.pauseMs && opts.pauseMs > 0) await new Promise((r) => setTimeout(r, opts.pauseMs));
  };
  // The same old value of a key in several files (an app and its client) gets the same new value.
  const shared = new Map<string, string>();
  const newSecret = opts.newSecret ?? (() => generateSecret());
  const valueFor = (key: string, oldValue: string): string => {
    if (oldValue === '') return newSecret();
    const id = `${key}\0${oldValue}`;
    const known = shared.get(id);
    if (known !== undefined) return known;
    const fresh = newSecret();
    shared.set(id, fresh);
    return fresh;
  };
  const files = dedupe(opts.files, opts.cwd);
  const several = files.length > 1;
  const prepared: Prepared[] = [];
  try {
    for (const given of files) {
      try {
        const p = await prepareOne(fs, opts, parse, given, expected, prepared, valueFor, pause);
        if (p) prepared.push(p);
      } catch (err) {
        const r = failure(err, displayPath(opts.cwd, path.resolve(opts.cwd, given)), []);
        if (several) r.message += ' (no file was changed)';
        throw r;
      }
    }
    const done: FileReport[] = [];
    for (const p of prepared) {
      try {
        if (p.report.changed) {
          p.report.backup = await writeBackup(fs, p.loaded, opts.now?.() ?? new Date());
          await pause();
          await replaceFile(fs, p.loaded, p.edit.result.text, pause);
        }
      } catch (err) {
        const r = failure(err, p.report.file, done);
        if (several) r.message += progress(opts, prepared, done);
        throw r;
      }
      done.push(p.report);
      onFile?.(p.report);
    }
    return done;
  } finally {
    for (const p of prepared) await p.lock.release();
  }
}

/** Which files were already changed and which not, for a failure part way through several. */
function progress(
  opts: RotateKeysOptions,
  prepared: readonly Prepared[],
  done: readonly FileReport[],
): string {
  const changed = done.filter((d) => d.changed).map((d) => d.file);
  const rest = prepared.filter((p) => !done.includes(p.report) && p.report.changed).map((p) => p.report.file);
  const verb = opts.action === 'drop-previous' ? 'changed' : 'rotated';
  return `. Already ${verb}: ${changed.join(', ') || 'none'}; not ${verb}: ${rest.join(', ')}`;
}

function failure(err: unknown, display: string, done: FileReport[]): RotationError {
  if (err instanceof UsageError) return new RotationError(err.message, done, ExitCode.usage);
  const message = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
  return new RotationError(`${display}: ${message}`, done, ExitCode.internal);
}

function dedupe(files: readonly string[], cwd: string): string[] {
  const seen = new Set<string>();
  return files.filter((f) => {
    const abs = path.resolve(cwd, f);
    if (seen.has(abs)) return false;
    seen.add(abs);
    return true;
  });
}

/** A file ready to be changed: locked, re-read, its edit made in memory and verified. */
interface Prepared {
  loaded: Loaded;
  lock: FileLock;
  edit: Edit;
  report: FileReport;
}

function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Locks one file and checks everything that could refuse it; undefined when it is a file already prepared. */
async function prepareOne(
  fs: KeyFs,
  opts: RotateKeysOptions,
  parse: Parser,
  given: string,
  expected: ReadonlyMap<string, string | undefined>,
  prepared: readonly Prepared[],
  valueFor: (key: string, oldValue: string) => string,
  pause: () => Promise<void>,
): Promise<Prepared | undefined> {
  const first = await resolveTarget(fs, opts, given);
  if (prepared.some((p) => p.loaded.target === first.target)) return undefined;
  const lock = await acquireLock(fs, first.target, first.display);
  try {
    await pause();
    const leftovers = await removeLeftovers(fs, first.target);
    // Re-read under the lock: what we validated may have changed while the user confirmed.
    const loaded = await load(fs, opts, given);
    if (loaded.target !== first.target)
      throw new UsageError(`${first.display} changed while it was being locked; try again`);
    const want = expected.get(loaded.target);
    if (want !== undefined && want !== digestOf(loaded.bytes))
      throw new UsageError(`${loaded.display} changed since it was read; run again (the file is unchanged)`);
    const edit = editFile(parse, loaded, opts, valueFor, false);
    const report: FileReport = {
      file: loaded.display,
      path: loaded.target,
      keys: edit.reports,
      changed: edit.result.text !== loaded.text,
      modeBefore: loaded.stat.mode & 0o7777,
      modeAfter: newFileMode(loaded.stat.mode),
      ...(leftovers.length > 0 ? { leftoversRemoved: leftovers } : {}),
      ...(lock.tookOverFrom ? { staleLockFrom: lock.tookOverFrom } : {}),
    };
    if (report.changed) await checkBackupDir(fs, loaded);
    else report.modeAfter = report.modeBefore;
    return { loaded, lock, edit, report };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/** Creates a file for secrets: exclusive (never an existing file or link), mode exactly `mode`, owner kept. */
async function createSecretFile(
  fs: KeyFs,
  file: string,
  mode: number,
  owner: Stats,
  data: string | Uint8Array,
): Promise<void> {
  const h = await fs.open(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    mode,
  );
  try {
    const created = await h.stat();
    if (created.uid !== owner.uid || created.gid !== owner.gid) {
      try {
        await h.chown(owner.uid, owner.gid);
      } catch (err) {
        // Only root can give a file away; others keep their own uid (checked before) and group bits are dropped anyway.
        if (fs.uid === 0) throw err;
      }
    }
    // A restrictive umask may have removed owner bits: set them on the still-empty file, never after writing.
    if ((created.mode & 0o7777) !== mode) await h.chmod(mode);
    await h.writeFile(data);
    await h.sync();
  } catch (err) {
    await h.close().catch(() => undefined);
    await fs.unlink(file).catch(() => undefined);
    throw err;
  }
  await h.close();
}

/**
 * Refuses a backup directory that others could reach or that is not a plain directory of the file's
 * owner: the backups hold the old keys. An absent directory is fine (it is created 0700).
 */
async function checkBackupDir(fs: KeyFs, loaded: Loaded): Promise<void> {
  const dir = path.join(path.dirname(loaded.target), BACKUP_DIR);
  const shown = displayOf(loaded, BACKUP_DIR);
  let st: Stats;
  try {
    st = await fs.lstat(dir);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return;
    throw new UsageError(
      `${shown}: cannot check the backup directory (${fsReason(err)}); the file is unchanged`,
    );
  }
  if (st.isSymbolicLink())
    throw new UsageError(
      `${shown} is a symbolic link; refusing to write backups through it (the file is unchanged)`,
    );
  if (!st.isDirectory())
    throw new UsageError(`${shown} is not a directory; refusing to write a backup there`);
  // As root, the directory belongs to the file's owner (tradesec creates it so), or to root.
  const owners = fs.uid === 0 ? [loaded.stat.uid, 0] : [fs.uid];
  if (!owners.includes(st.uid)) {
    throw new UsageError(
      `${shown} is owned by uid ${st.uid}; refusing to put backups of keys in it (the file is unchanged)`,
    );
  }
  if ((st.mode & 0o077) !== 0) {
    throw new UsageError(
      `${shown} has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}, so other users can reach the backups of keys; run chmod 700 ${shown} (the file is unchanged)`,
    );
  }
  try {
    await fs.access(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new UsageError(`${shown} is not writable (${fsReason(err)}); the file is unchanged`);
  }
}

async function writeBackup(fs: KeyFs, loaded: Loaded, now: Date): Promise<string> {
  const parent = path.dirname(loaded.target);
  const dir = path.join(parent, BACKUP_DIR);
  let created = false;
  try {
    await fs.mkdir(dir, 0o700);
    created = true;
  } catch (err) {
    if (errorCode(err) !== 'EEXIST')
      throw new Error(`could not create the backup directory (${fsReason(err)}); the file is unchanged`);
  }
  if (created) {
    if (fs.uid === 0) await fs.chown(dir, loaded.stat.uid, loaded.stat.gid).catch(() => undefined);
    await fs.syncDir(parent);
  }
  // Again: the directory may have appeared (or been swapped) since it was checked under the lock.
  await checkBackupDir(fs, loaded);
  const base = `${path.basename(loaded.target)}.${stamp(now)}`;
  for (let n = 0; n < 100; n++) {
    const file = path.join(dir, n === 0 ? `${base}.bak` : `${base}-${n}.bak`);
    try {
      await createSecretFile(fs, file, 0o600, loaded.stat, loaded.bytes);
    } catch (err) {
      if (errorCode(err) === 'EEXIST') continue;
      throw new Error(`could not write the backup (${fsReason(err)}); the file is unchanged`);
    }
    await fs.syncDir(dir);
    return file;
  }
  throw new Error('could not find a free backup name; the file is unchanged');
}

function displayOf(loaded: Loaded, name: string): string {
  return path.join(path.dirname(loaded.display), name);
}

async function replaceFile(
  fs: KeyFs,
  loaded: Loaded,
  text: string,
  pause: () => Promise<void>,
): Promise<void> {
  const dir = path.dirname(loaded.target);
  const tmp = path.join(
    dir,
    tempNameOf(path.basename(loaded.target), fs.pid, randomBytes(6).toString('hex')),
  );
  try {
    await createSecretFile(fs, tmp, newFileMode(loaded.stat.mode), loaded.stat, text);
  } catch (err) {
    throw new Error(`could not write the new file (${fsReason(err)}); the file is unchanged`);
  }
  await pause();
  try {
    await fs.rename(tmp, loaded.target);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw new Error(`could not replace the file (${fsReason(err)}); the file is unchanged`);
  }
  await pause();
  try {
    await fs.syncDir(dir);
  } catch (err) {
    throw new Error(
      `the file was replaced but its directory could not be flushed to disk (${fsReason(err)})`,
    );
  }
}
