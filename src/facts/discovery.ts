// File discovery: every file under the audited root that matters, without walking what does not.
import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { describeFsError } from './text.js';

/** A file found under the audited root. */
export interface RepoFile {
  /** Posix path relative to the root. */
  path: string;
  /** Absolute path on disk. */
  abs: string;
  /** A symlink whose target stays inside the root (links leaving the root are not listed). */
  symlink: boolean;
}

/** Directory names never walked: VCS data, dependencies, caches and build output. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '__pycache__',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '.tox',
  '.nox',
  '.venv',
  'venv',
  '.eggs',
  'site-packages',
  '.cache',
  '.next',
  '.terraform',
  'dist',
  'build',
  'coverage',
  'htmlcov',
]);

/** Options for {@link discoverFiles}. */
export interface DiscoveryOptions {
  /** Returns true for a relative posix path that the configuration excludes. */
  exclude?: (relPath: string) => boolean;
  /** Told about each directory that could not be listed (`.` for the root), with a short error. */
  onUnreadable?: (relPath: string, error: string) => void;
  /** Told about each entry that is not listed on purpose: a link leaving the root or broken, a FIFO, a socket. */
  onUnfollowed?: (relPath: string, reason: string) => void;
  /** Lists a directory (tests inject failures: they run as root, which can list any directory). */
  listDir?: (dirAbs: string) => Promise<import('node:fs').Dirent[]>;
}

/** Walks `root` and returns its files, sorted by path. */
export async function discoverFiles(root: string, options: DiscoveryOptions = {}): Promise<RepoFile[]> {
  const realRoot = await realpath(root);
  const out: RepoFile[] = [];
  const listDir = options.listDir ?? ((dirAbs: string) => readdir(dirAbs, { withFileTypes: true }));
  const walk = async (dirAbs: string, dirRel: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      // readdir with file types is one call per directory; opendir's iterator was about 3x slower here.
      entries = await listDir(dirAbs);
    } catch (err) {
      // Its files cannot be examined: the caller turns this into a finding, so the audit does not pass in silence.
      options.onUnreadable?.(dirRel || '.', describeFsError(err));
      return;
    }
    // A virtualenv is told by its pyvenv.cfg, read from the listing rather than with one more lstat per directory.
    if (dirRel && entries.some((e) => e.name === 'pyvenv.cfg' && e.isFile())) return;
    const subdirs: Array<[string, string]> = [];
    for (const entry of entries) {
      const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
      const abs = path.join(dirAbs, entry.name);
      if (options.exclude?.(rel)) continue;
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name)) continue;
        subdirs.push([abs, rel]);
      } else if (entry.isFile()) {
        out.push({ path: rel, abs, symlink: false });
      } else if (entry.isSymbolicLink()) {
        const target = await realpath(abs).catch(() => undefined);
        if (!target) {
          options.onUnfollowed?.(rel, 'a broken symbolic link');
          continue;
        }
        if (!isInside(realRoot, target)) {
          options.onUnfollowed?.(rel, 'a symbolic link to outside the audited directory, not followed');
          continue;
        }
        const st = await lstat(target).catch(() => undefined);
        // Symlinked directories are not walked: their files are listed where they really live.
        if (st?.isFile()) out.push({ path: rel, abs, symlink: true });
        else if (st && !st.isDirectory())
          options.onUnfollowed?.(rel, 'a link to something that is not a regular file');
      } else {
        // A FIFO would block a read, a socket or a device has no content to examine.
        options.onUnfollowed?.(rel, 'not a regular file');
      }
    }
    await Promise.all(subdirs.map(([abs, rel]) => walk(abs, rel)));
  };
  await walk(realRoot === root ? root : realRoot, '');
  out.sort(byPath);
  return out;
}

/** Orders by `path`, code unit by code unit (not by locale): the same order on every machine. */
export function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** True when `child` is `parent` or below it (both absolute, resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
