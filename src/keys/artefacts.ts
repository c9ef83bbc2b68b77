// The files rotate-keys leaves beside an env file, named in one place for the checks that must recognise them.

/** The directory, beside each env file, that holds its backups (old keys: secret files in their own right). */
export const BACKUP_DIR = '.tradesec-backups';

/** The suffix of a rotation's lock file (`.env.production.tradesec.lock`). */
export const LOCK_SUFFIX = '.tradesec.lock';

/**
 * The end of the name of what a rotation of a file leaves beside it until it finishes: the temporary new file
 * (`<file>.tradesec-<pid>-<hex>.tmp`) or a lock draft (`<file>.tradesec.lock.[stale-]<pid>-<hex>`). Group 1
 * is the writer's pid, group 2 is `.tmp` for a temporary file.
 */
export const LEFTOVER_SUFFIX = /\.tradesec(?:-|\.lock\.(?:stale-)?)(\d+)-[0-9a-f]+(\.tmp)?$/;

/** The name of the temporary new file a rotation of `name` by process `pid` writes. */
export function tempNameOf(name: string, pid: number, random: string): string {
  return `${name}.tradesec-${pid}-${random}.tmp`;
}

/** Whether a relative posix path lies in a backup directory of rotate-keys (at any depth). */
export function isInBackupDir(relPath: string): boolean {
  return relPath.split('/').slice(0, -1).includes(BACKUP_DIR);
}

/**
 * Whether a relative posix path is one of rotate-keys' own files: a backup, a lock or its draft, or the
 * temporary new file. They are not env files of the app, so the secrets check must not read an unrotated key
 * in a backup as the same value "reused" in a second env file.
 */
export function isRotationArtefact(relPath: string): boolean {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  return isInBackupDir(relPath) || name.endsWith(LOCK_SUFFIX) || LEFTOVER_SUFFIX.test(name);
}
