// What a check is: metadata plus one function, and the context it runs in.
import type { RepoFile } from '../facts/discovery.js';
import type { GitRepo } from '../facts/git.js';
import type { Probe } from '../facts/probe.js';
import type { TextFile } from '../facts/text.js';
import type { AuditConfig } from './config.js';
import type { CheckMeta, CheckOutcome, FindingInput, SkipCode, Target } from './types.js';

/** A fact derived from the audited artefacts, computed once per audit and shared by every check. */
export interface Fact<T> {
  readonly name: string;
  compute(ctx: AuditContext): Promise<T>;
}

/** Declares a shared, lazily computed fact. */
export function defineFact<T>(name: string, compute: (ctx: AuditContext) => Promise<T>): Fact<T> {
  return { name, compute };
}

/** A directory that could not be listed: its posix path relative to the root (`.` for the root) and why. */
export interface UnreadableDir {
  path: string;
  error: string;
}

/** An entry that file discovery did not follow: its posix path relative to the root and why. */
export interface UnfollowedEntry {
  path: string;
  reason: string;
}

/** This check's section of `.tradesecrc`. */
export interface CheckSettings {
  /** The raw value, or undefined. */
  get(key: string): string | undefined;
  /** A comma-separated list (empty when unset). */
  list(key: string): string[];
}

/** Everything a check can look at; every artefact is read or parsed once and shared. */
export interface AuditContext {
  /** Absolute path of the audited directory. */
  readonly root: string;
  /** What this audit examines. */
  readonly targets: readonly Target[];
  /** Directory treated as `/` for host checks (`--root`). */
  readonly hostRoot: string;
  /** Whether tradesec runs as root (owner checks need it). */
  readonly isRoot: boolean;
  /** The audit's clock, so tests can pin dates. */
  readonly now: Date;
  /** The whole configuration. */
  readonly config: AuditConfig;
  /** Runs host commands (git, nginx, openssl...). */
  readonly probe: Probe;
  /** Every discovered file under the root. */
  files(): Promise<RepoFile[]>;
  /** Directories under the root that file discovery could not list (their files are missing from `files()`). */
  unreadableDirs(): Promise<UnreadableDir[]>;
  /**
   * Entries file discovery leaves out on purpose (a link leaving the root or broken, a FIFO): a check whose
   * file is one of them says so instead of passing as if the file were absent.
   */
  unfollowed(): Promise<UnfollowedEntry[]>;
  /** Files whose relative path matches any glob; a glob without `/` matches the file name at any depth. */
  glob(patterns: string | readonly string[]): Promise<RepoFile[]>;
  /**
   * A file's content as text (binary, too large and unreadable files are told apart). With `keep: false` a file
   * no other check has read yet is not kept for later readers: for one-pass scans over thousands of files.
   */
  read(file: RepoFile | string, options?: { keep?: boolean }): Promise<TextFile>;
  /** The git repository around the root, or why there is none. */
  git(): Promise<GitRepo | { reason: string }>;
  /** A shared fact, computed on first use. */
  fact<T>(fact: Fact<T>): Promise<T>;
}

/** The context a check receives: the shared one plus its own settings. */
export interface CheckContext extends AuditContext {
  readonly settings: CheckSettings;
}

/** A check: metadata plus one function. */
export interface Check {
  readonly meta: CheckMeta;
  run(ctx: CheckContext): Promise<CheckOutcome | FindingInput[]>;
}

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Declares a check, validating its metadata. */
export function defineCheck(check: Check): Check {
  const { meta } = check;
  if (!KEBAB.test(meta.id)) throw new Error(`check id "${meta.id}" must be kebab-case`);
  if (!Number.isInteger(meta.point) || meta.point < 1)
    throw new Error(`check ${meta.id}: point must be a positive integer`);
  if (!meta.title || !meta.description)
    throw new Error(`check ${meta.id}: title and description are required`);
  if (meta.targets.length === 0) throw new Error(`check ${meta.id}: at least one target is required`);
  for (const [name, rule] of Object.entries(meta.rules)) {
    if (!KEBAB.test(name)) throw new Error(`check ${meta.id}: rule "${name}" must be kebab-case`);
    if (!rule.title || !rule.description || !rule.remediation) {
      throw new Error(`check ${meta.id}: rule ${name} needs title, description and remediation`);
    }
  }
  if (typeof check.run !== 'function') throw new Error(`check ${meta.id}: run must be a function`);
  return check;
}

/** The outcome of a check that had nothing to examine or could not tell. */
export function skip(code: SkipCode, reason: string): CheckOutcome {
  return { skip: { code, reason } };
}

/** A finding for a directory whose files could not be listed, so none of them was examined. */
export function unreadableDirFinding(dir: UnreadableDir): FindingInput {
  const what = dir.path === '.' ? 'the audited directory' : `directory ${dir.path}`;
  return {
    rule: 'unreadable-file',
    file: dir.path,
    message: `${what} could not be listed (${dir.error}), so the files in it were not examined`,
    evidence: 'unreadable directory',
  };
}

/** Why a file was not read as text, in a few words. */
export function describeUnread(text: Exclude<TextFile, { kind: 'text' }>): string {
  if (text.kind === 'binary') return 'binary content';
  if (text.kind === 'too-large') return `too large to read as text: ${text.size} bytes`;
  return text.error;
}

/** A finding for a file (or directory) the check needed but could not read. */
export function unreadableFinding(
  file: string,
  problem: string | Exclude<TextFile, { kind: 'text' }>,
): FindingInput {
  const error = typeof problem === 'string' ? problem : describeUnread(problem);
  return {
    rule: 'unreadable-file',
    file,
    message: `${file} could not be read (${error}), so it was not examined`,
    evidence: 'unreadable',
  };
}
