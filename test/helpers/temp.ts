// Temporary directories and files for tests, removed after each test file.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A new empty directory, removed when the test file ends. */
export async function tempDir(prefix = 'tradesec-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A file to write: its text, or text plus a mode. */
export type FileSpec = string | { content: string | Buffer; mode?: number };

/** Writes files (relative paths) under `dir`; a mode is set with chmod after writing (test setup only). */
export async function writeFiles(dir: string, files: Record<string, FileSpec>): Promise<void> {
  for (const [rel, spec] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    const content = typeof spec === 'string' ? spec : spec.content;
    await writeFile(abs, content);
    if (typeof spec !== 'string' && spec.mode !== undefined) await chmod(abs, spec.mode);
  }
}
