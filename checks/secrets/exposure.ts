// Where git has ever held a secret value: any env-like file in any commit reachable from any ref.
import { type GitRepo, type HistoryEntry, parseEnvFile } from '../../src/index.js';

/** A commit that held a value, and the file it was in. */
export type Exposure = HistoryEntry;

/** Pathspec globs of env-like files whose history is searched (plus the configured names). */
export const ENV_LIKE_GLOBS: readonly string[] = ['**/.env', '**/.env.*', '**/*.env', '**/*.env.*'];

// Each `git cat-file` is one process: a few at a time keep the machine responsive.
const SHOW_CONCURRENCY = 8;

/**
 * For each of `values`, the oldest commit (by committer date) in which an env-like file held it,
 * under any key. Values never committed are absent from the map.
 */
export async function findExposures(
  repo: GitRepo,
  globs: readonly string[],
  values: ReadonlySet<string>,
): Promise<Map<string, Exposure>> {
  const found = new Map<string, Exposure>();
  if (values.size === 0) return found;
  const history = await repo.history(globs);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < history.length) {
      const entry = history[next++];
      if (!entry) continue;
      const text = await repo.show(entry.commit, entry.path);
      if (text === undefined || text.includes('\0')) continue;
      for (const e of parseEnvFile(text).entries) {
        if (!values.has(e.value)) continue;
        const seen = found.get(e.value);
        if (!seen || older(entry, seen)) found.set(e.value, entry);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SHOW_CONCURRENCY, history.length) }, worker));
  return found;
}

// Oldest first; ties (commits within one second) broken by path and hash so reports are stable.
function older(a: Exposure, b: Exposure): boolean {
  const da = Date.parse(a.date);
  const db = Date.parse(b.date);
  if (da !== db) return da < db;
  return a.path !== b.path ? a.path < b.path : a.commit < b.commit;
}

/** A commit hash shortened the way git shows it. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 7);
}
