// The file-system and process operations key rotation performs, behind one interface so tests can inject failures.
import { readFileSync, readlinkSync, type Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { hostname } from 'node:os';

/** The operations rotation performs on an open file. */
export interface KeyFileHandle {
  stat(): Promise<Stats>;
  readFile(): Promise<Buffer>;
  writeFile(data: string | Uint8Array): Promise<void>;
  sync(): Promise<void>;
  chown(uid: number, gid: number): Promise<void>;
  chmod(mode: number): Promise<void>;
  close(): Promise<void>;
}

/** Everything rotation asks of the file system and the process; `nodeKeyFs` is the real one. */
export interface KeyFs {
  lstat(file: string): Promise<Stats>;
  realpath(file: string): Promise<string>;
  access(file: string, mode: number): Promise<void>;
  open(file: string, flags: string | number, mode?: number): Promise<KeyFileHandle>;
  /** Creates one directory; the mode is a ceiling (the umask may only remove bits). */
  mkdir(dir: string, mode: number): Promise<void>;
  chown(file: string, uid: number, gid: number): Promise<void>;
  link(existing: string, created: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  /** Flushes a directory's entries (a rename or a new file) to disk. */
  syncDir(dir: string): Promise<void>;
  /** Whether a process with this id exists (a lock's holder). */
  isAlive(pid: number): boolean;
  /** When a process started (field 22 of /proc/<pid>/stat), to tell a reused pid apart; undefined when unknown. */
  startTime(pid: number): string | undefined;
  readonly hostname: string;
  /** This process's pid namespace (`pid:[4026531836]`): pids from another one (another container) mean nothing here. */
  readonly pidNamespace?: string;
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/** The real file system and process. */
export const nodeKeyFs: KeyFs = {
  lstat: (f) => fsp.lstat(f),
  realpath: (f) => fsp.realpath(f),
  access: (f, mode) => fsp.access(f, mode),
  open: (f, flags, mode) => fsp.open(f, flags, mode),
  mkdir: async (d, mode) => {
    await fsp.mkdir(d, { mode });
  },
  chown: (f, uid, gid) => fsp.chown(f, uid, gid),
  link: (a, b) => fsp.link(a, b),
  rename: (a, b) => fsp.rename(a, b),
  unlink: (f) => fsp.unlink(f),
  readdir: (d) => fsp.readdir(d),
  syncDir: async (d) => {
    const h = await fsp.open(d, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  },
  isAlive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      // EPERM: the process exists but belongs to someone else.
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  startTime: (pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
      const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      return start && /^\d+$/.test(start) ? start : undefined;
    } catch {
      return undefined;
    }
  },
  hostname: hostname(),
  pidNamespace: pidNamespace(),
  pid: process.pid,
  uid: process.getuid?.() ?? -1,
  gid: process.getgid?.() ?? -1,
};

function pidNamespace(): string | undefined {
  try {
    const ns = readlinkSync('/proc/self/ns/pid');
    return /^\S+$/.test(ns) ? ns : undefined;
  } catch {
    return undefined;
  }
}

/** The error code of a failed file-system call, if any. */
export function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** A short, stack-free reason for a failed file-system call, without any path or value in it. */
export function fsReason(err: unknown): string {
  switch (errorCode(err)) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EROFS':
      return 'read-only file system';
    case 'EIO':
      return 'input/output error';
    case 'EEXIST':
      return 'already exists';
    case 'ENOTDIR':
      return 'not a directory';
    case 'ELOOP':
      return 'a symbolic link where a file was expected';
    default: {
      const code = errorCode(err);
      return code
        ? code.toLowerCase()
        : err instanceof Error
          ? (err.message.split('\n')[0] ?? 'error')
          : String(err);
    }
  }
}
