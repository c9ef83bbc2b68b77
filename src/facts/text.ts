// Reading files as text: binary and oversized files are recognised, unreadable ones reported, never thrown.
import { open } from 'node:fs/promises';

/** Largest file read as text (4 MiB): configuration and source files are far smaller. */
export const MAX_TEXT_BYTES = 4 * 1024 * 1024;

/** A file's content as the audit sees it. */
export type TextFile =
  | { kind: 'text'; text: string }
  | { kind: 'binary' }
  | { kind: 'too-large'; size: number }
  | { kind: 'unreadable'; error: string };

/** Reads `abs` as UTF-8 text unless it is binary (a NUL byte in its first 8 KiB) or too large. */
export async function readTextFile(abs: string, maxBytes = MAX_TEXT_BYTES): Promise<TextFile> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(abs, 'r');
    const st = await handle.stat();
    if (st.size > maxBytes) return { kind: 'too-large', size: st.size };
    const buf = await handle.readFile();
    if (buf.subarray(0, 8192).includes(0)) return { kind: 'binary' };
    let text = buf.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { kind: 'text', text };
  } catch (err) {
    return { kind: 'unreadable', error: describeFsError(err) };
  } finally {
    await handle?.close().catch(() => undefined);
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
