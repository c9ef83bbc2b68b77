// Reading files as text: binary and oversized files are recognised, unreadable ones reported, never thrown.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';

/** Largest file read as text (4 MiB): configuration and source files are far smaller. */
export const MAX_TEXT_BYTES = 4 * 1024 * 1024;

/** A file's content as the audit sees it. */
export type TextFile =
  | { kind: 'text'; text: string }
  | { kind: 'binary' }
  | { kind: 'too-large'; size: number }
  | { kind: 'unreadable'; error: string };

/**
 * Reads `abs` as UTF-8 text unless it is binary (a NUL byte in its first 8 KiB) or too large.
 * The reads are synchronous on purpose: small files are read about ten times faster that way than through
 * the thread pool, and an audit reads thousands of them. Non-regular files (FIFOs, devices) are refused
 * before any read, so nothing blocks.
 */
export async function readTextFile(abs: string, maxBytes = MAX_TEXT_BYTES): Promise<TextFile> {
  let fd: number | undefined;
  try {
    fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (st.isDirectory()) return { kind: 'unreadable', error: 'is a directory' };
    if (!st.isFile()) return { kind: 'unreadable', error: 'not a regular file' };
    if (st.size > maxBytes) return { kind: 'too-large', size: st.size };
    const buf = readFileSync(fd);
    if (buf.subarray(0, 8192).includes(0)) return { kind: 'binary' };
    let text = buf.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { kind: 'text', text };
  } catch (err) {
    return { kind: 'unreadable', error: describeFsError(err) };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A short, stack-free description of a file-system error. */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such file or directory';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return e?.code ? `${e.code.toLowerCase()}` : String((e as Error)?.message ?? err);
  }
}
