// A lock file beside an env file, so two rotations of the same file fail clearly instead of racing.

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { UsageError } from '../audit/errors.js';
import { LEFTOVER_SUFFIX, LOCK_SUFFIX } from './artefacts.js';
import { errorCode, fsReason, type KeyFs } from './fs-layer.js';

/** A held lock; release it when done. */
export interface FileLock {
  path: string;
  /** The pid of a dead holder whose stale lock was taken over. */
  tookOverFrom?: number;
  release(): Promise<void>;
}

/** The lock file of `file`. */
export function lockPathOf(file: string): string {
  return `${file}${LOCK_SUFFIX}`;
}

/** Who wrote a lock: a pid alone can be reused (a restarted container's pid 1), so its start time and a token too. */
interface LockOwner {
  pid: number;
  /** The process's start time, field 22 of /proc/<pid>/stat, when known. */
  start?: string;
  host?: string;
  /** The writer's pid namespace: a second container sharing the volume has its own pid 1. */
  ns?: string;
  token?: string;
}

type Holder = LockOwner | 'gone' | 'unknown';

const HEADER = 'tradesec-lock 1';

/** Tokens of the locks this process holds: another rotation in the same process must still see them as busy. */
const held = new Set<string>();

function formatOwner(owner: LockOwner): string {
  const lines = [HEADER, `pid ${owner.pid}`];
  if (owner.start) lines.push(`start ${owner.start}`);
  if (owner.host) lines.push(`host ${owner.host}`);
  if (owner.ns) lines.push(`ns ${owner.ns}`);
  if (owner.token) lines.push(`token ${owner.token}`);
  return `${lines.join('\n')}\n`;
}

function parseOwner(text: string): LockOwner | undefined {
  // Older tradesec versions wrote the pid alone.
  const legacy = /^(\d+)\n?$/.exec(text);
  if (legacy?.[1]) return { pid: Number(legacy[1]) };
  const lines = text.split('\n');
  if (lines[0] !== HEADER) return undefined;
  const fields = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const m = /^([a-z]+) (\S+)$/.exec(line);
    if (m?.[1] && m[2]) fields.set(m[1], m[2]);
  }
  const pid = fields.get('pid');
  if (!pid || !/^\d+$/.test(pid)) return undefined;
  const owner: LockOwner = { pid: Number(pid) };
  for (const key of ['start', 'host', 'ns', 'token'] as const) {
    const value = fields.get(key);
    if (value) owner[key] = value;
  }
  return owner;
}

async function readHolder(fs: KeyFs, lockPath: string): Promise<Holder> {
  let text: string;
  try {
    const h = await fs.open(lockPath, 'r');
    try {
      text = (await h.readFile()).toString('utf8');
    } finally {
      await h.close();
    }
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return 'gone';
    throw err;
  }
  return parseOwner(text) ?? 'unknown';
}

/** Whether the lock's writer is certainly gone, so its lock may be taken over. */
function isStale(fs: KeyFs, owner: LockOwner): boolean {
  if (owner.token && held.has(owner.token)) return false;
  // Another host's process table, or another pid namespace's (a second container on the same volume, which may
  // share the host's name), says nothing about the writer: only the user can tell that it is gone.
  if (owner.host && owner.host !== fs.hostname) return false;
  if (owner.ns && owner.ns !== fs.pidNamespace) return false;
  // Our own pid in a lock we do not hold, from our namespace: an earlier process that had this pid (pid 1 of a
  // restarted container). Locks of older versions name no namespace and are judged the same way.
  if (owner.pid === fs.pid) return true;
  if (!fs.isAlive(owner.pid)) return true;
  if (owner.start) {
    const now = fs.startTime(owner.pid);
    if (now !== undefined && now !== owner.start) return true;
  }
  return false;
}

/** How a lock file is named in messages: beside the file as the user named it. */
function lockLabelOf(file: string, label: string): string {
  return path.basename(label) === path.basename(file) ? lockPathOf(label) : lockPathOf(file);
}

function busy(fs: KeyFs, label: string, lockLabel: string, holder: LockOwner | 'unknown'): UsageError {
  if (holder === 'unknown') {
    return new UsageError(
      `${label} is locked by ${lockLabel}, which is empty or was not written by tradesec; remove it if no rotation is running`,
    );
  }
  const where = holder.host && holder.host !== fs.hostname ? ` on ${holder.host}` : '';
  return new UsageError(
    `${label} is being rotated by another tradesec process (pid ${holder.pid}${where}); try again when it has finished, or remove ${lockLabel} if no rotation is running`,
  );
}

/** Throws the refusal a rotation would meet when a live process holds the lock of `file`. */
export async function assertNotLocked(fs: KeyFs, file: string, label: string): Promise<void> {
  const holder = await readHolder(fs, lockPathOf(file)).catch(() => 'gone' as const);
  if (holder === 'gone') return;
  if (holder === 'unknown' || !isStale(fs, holder)) throw busy(fs, label, lockLabelOf(file, label), holder);
}

function lockFailure(lockLabel: string, err: unknown): Error {
  return new Error(`could not create the lock file ${lockLabel} (${fsReason(err)}); the file is unchanged`);
}

/**
 * Takes the lock of `file`: a file naming this process, flushed and then published whole with link(2)
 * so nobody ever reads a half-written lock. A lock whose writer is gone (a killed rotation) is taken over.
 */
export async function acquireLock(fs: KeyFs, file: string, label: string): Promise<FileLock> {
  const lockPath = lockPathOf(file);
  const lockLabel = lockLabelOf(file, label);
  const suffix = () => `${fs.pid}-${randomBytes(4).toString('hex')}`;
  const draft = `${lockPath}.${suffix()}`;
  const start = fs.startTime(fs.pid);
  const token = randomBytes(12).toString('hex');
  const me: LockOwner = {
    pid: fs.pid,
    ...(start ? { start } : {}),
    ...(fs.hostname ? { host: fs.hostname } : {}),
    ...(fs.pidNamespace ? { ns: fs.pidNamespace } : {}),
    token,
  };
  let tookOverFrom: number | undefined;
  try {
    try {
      const h = await fs.open(draft, 'wx', 0o600);
      try {
        await h.writeFile(formatOwner(me));
        await h.sync();
      } finally {
        await h.close();
      }
    } catch (err) {
      throw lockFailure(lockLabel, err);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await fs.link(draft, lockPath);
        held.add(token);
        return {
          path: lockPath,
          ...(tookOverFrom ? { tookOverFrom } : {}),
          release: () => releaseLock(fs, lockPath, token),
        };
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') throw lockFailure(lockLabel, err);
      }
      const holder = await readHolder(fs, lockPath);
      if (holder === 'gone') continue;
      if (holder === 'unknown' || !isStale(fs, holder)) throw busy(fs, label, lockLabel, holder);
      // Stale: move it aside (atomic), then make sure what we moved is still the stale lock we judged.
      const aside = `${lockPath}.stale-${suffix()}`;
      try {
        await fs.rename(lockPath, aside);
      } catch (err) {
        if (errorCode(err) === 'ENOENT') continue;
        throw lockFailure(lockLabel, err);
      }
      const moved = await readHolder(fs, aside);
      if (moved !== 'gone' && !sameOwner(moved, holder) && (moved === 'unknown' || !isStale(fs, moved))) {
        // Another process took the stale lock over between our read and our rename: give it back.
        await fs.link(aside, lockPath).catch(() => undefined);
        await fs.unlink(aside).catch(() => undefined);
        throw busy(fs, label, lockLabel, moved);
      }
      await fs.unlink(aside).catch(() => undefined);
      tookOverFrom = holder.pid;
    }
    throw busy(fs, label, lockLabel, 'unknown');
  } finally {
    await fs.unlink(draft).catch(() => undefined);
  }
}

function sameOwner(a: Holder, b: LockOwner): boolean {
  return a !== 'gone' && a !== 'unknown' && a.pid === b.pid && a.start === b.start && a.token === b.token;
}

async function releaseLock(fs: KeyFs, lockPath: string, token: string): Promise<void> {
  held.delete(token);
  const holder = await readHolder(fs, lockPath).catch(() => 'unknown' as const);
  if (typeof holder === 'object' && holder.token === token) await fs.unlink(lockPath).catch(() => undefined);
}

/**
 * Removes what killed rotations of `file` left behind: temporary copies (which hold secrets) and lock
 * drafts whose process is gone. Call with the lock held: no other rotation of `file` can be writing a
 * temporary copy then, so every one is a leftover, whatever became of its pid.
 */
export async function removeLeftovers(fs: KeyFs, file: string): Promise<string[]> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(`${base}.tradesec`)) continue;
    const m = LEFTOVER_SUFFIX.exec(name.slice(base.length));
    if (!m?.[1]) continue;
    const pid = Number(m[1]);
    // A lock draft of a live process may be about to be published: leave it to its writer.
    if (!m[2] && (pid === fs.pid || fs.isAlive(pid))) continue;
    try {
      await fs.unlink(path.join(dir, name));
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove: leave it.
    }
  }
  return removed;
}
