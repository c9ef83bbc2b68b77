// Writing a file whole or not at all: a temporary file in the same directory, then rename.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** A file written beside its destination, not yet in place. */
export interface StagedFile {
  /** Puts the file in place (a rename). */
  commit(): Promise<void>;
  /** Removes the staged copy. */
  discard(): Promise<void>;
}

/** Writes `content` to a temporary file beside `file`, created with `mode` (never chmod-ed afterwards). */
export async function stageFile(file: string, content: string, mode = 0o644): Promise<StagedFile> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  const discard = () => rm(tmp, { force: true });
  return {
    discard,
    async commit() {
      try {
        await rename(tmp, file);
      } catch (err) {
        await discard();
        throw err;
      }
    },
  };
}

/** Writes `content` to `file` atomically; the file is created with `mode` (never chmod-ed afterwards). */
export async function writeFileAtomic(file: string, content: string, mode = 0o644): Promise<void> {
  await (await stageFile(file, content, mode)).commit();
}
