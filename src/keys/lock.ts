// A lock file beside an env file, so two rotations of the same file fail clearly instead of racing.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { UsageError } from '../audit/errors.js';
import { errorCode, type KeyFs } from './fs-layer.js';

/** A held lock; release it when done. */
export interface FileLock {
  path: string;
  /** The pid of a dead holder whose stale lock was taken over. */
  tookOverFrom?: number;
  release(): Promise<void>;
}

/** The lock file of `file`. */
export function lockPathOf(file: string): string {
  return `${file}.tradesec.lock`;
}

type Holder = number | 'gone' | 'unknown';

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
  const m = /^(\d+)\n?$/.exec(text);
  return m?.[1] ? Number(m[1]) : 'unknown';
}

function busy(label: string, lockPath: string, holder: number | 'unknown'): UsageError {
  if (holder === 'unknown') {
    return new UsageError(
      `${label} is locked by ${path.basename(lockPath)}, which tradesec did not write; remove it if no rotation is running`,
    );
  }
  return new UsageError(
    `${label} is being rotated by another tradesec process (pid ${holder}); try again when it has finished`,
  );
}

/** The pid holding the lock of `file` when that process is alive, else undefined. */
export async function liveLockHolder(fs: KeyFs, file: string): Promise<number | 'unknown' | undefined> {
  const holder = await readHolder(fs, lockPathOf(file));
  if (holder === 'gone') return undefined;
  if (holder === 'unknown') return 'unknown';
  return fs.isAlive(holder) ? holder : undefined;
}

/**
 * Takes the lock of `file`: a file holding our pid, published whole with link(2) so nobody ever reads
 * a half-written lock. A lock whose pid is dead (a killed rotation) is taken over.
 */
export async function acquireLock(fs: KeyFs, file: string, label: string): Promise<FileLock> {
  const lockPath = lockPathOf(file);
  const suffix = () => `${fs.pid}-${randomBytes(4).toString('hex')}`;
  const draft = `${lockPath}.${suffix()}`;
  const h = await fs.open(draft, 'wx', 0o600);
  try {
    await h.writeFile(`${fs.pid}\n`);
  } finally {
    await h.close();
  }
  let tookOverFrom: number | undefined;
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await fs.link(draft, lockPath);
        return {
          path: lockPath,
          ...(tookOverFrom ? { tookOverFrom } : {}),
          release: () => releaseLock(fs, lockPath),
        };
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') throw err;
      }
      const holder = await readHolder(fs, lockPath);
      if (holder === 'gone') continue;
      if (holder === 'unknown' || holder === fs.pid || fs.isAlive(holder))
        throw busy(label, lockPath, holder);
      // Stale: move it aside (atomic), then make sure what we moved is still the dead holder's lock.
      const aside = `${lockPath}.stale-${suffix()}`;
      try {
        await fs.rename(lockPath, aside);
      } catch (err) {
        if (errorCode(err) === 'ENOENT') continue;
        throw err;
      }
      const moved = await readHolder(fs, aside);
      if (typeof moved === 'number' && moved !== holder && fs.isAlive(moved)) {
        // Another process took the stale lock over between our read and our rename: give it back.
        await fs.link(aside, lockPath).catch(() => undefined);
        await fs.unlink(aside).catch(() => undefined);
        throw busy(label, lockPath, moved);
      }
      await fs.unlink(aside).catch(() => undefined);
      tookOverFrom = holder;
    }
    throw busy(label, lockPath, 'unknown');
  } finally {
    await fs.unlink(draft).catch(() => undefined);
  }
}

async function releaseLock(fs: KeyFs, lockPath: string): Promise<void> {
  const holder = await readHolder(fs, lockPath).catch(() => 'unknown' as const);
  if (holder === fs.pid) await fs.unlink(lockPath).catch(() => undefined);
}

const LEFTOVER = /\.tradesec(?:-|\.lock\.(?:stale-)?)(\d+)-[0-9a-f]+(?:\.tmp)?$/;

/**
 * Removes what killed rotations of `file` left behind: temporary copies (which hold secrets) and lock
 * drafts whose process is gone. Call with the lock held.
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
    const m = LEFTOVER.exec(name.slice(base.length));
    if (!m?.[1]) continue;
    const pid = Number(m[1]);
    if (pid === fs.pid || fs.isAlive(pid)) continue;
    try {
      await fs.unlink(path.join(dir, name));
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove: leave it.
    }
  }
  return removed;
}
