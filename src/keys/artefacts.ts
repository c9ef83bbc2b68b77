// The files rotate-keys leaves beside an env file, named in one place for the checks that must recognise them.

/** The directory, beside each env file, that holds its backups (old keys: secret files in their own right). */
export const BACKUP_DIR = '.tradesec-backups';

/** The suffix of a rotation's lock file (`.env.production.tradesec.lock`). */
export const LOCK_SUFFIX = '.tradesec.lock';

/**
 * Whether a relative posix path is one of rotate-keys' own files: a backup, a lock or its draft, or the
 * temporary new file. They are not env files of the app, so the secrets check must not read an unrotated key
 * in a backup as the same value "reused" in a second env file.
 */
export function isRotationArtefact(relPath: string): boolean {
  const parts = relPath.split('/');
  if (parts.slice(0, -1).includes(BACKUP_DIR)) return true;
  const name = parts[parts.length - 1] ?? '';
  return (
    name.endsWith(LOCK_SUFFIX) ||
    name.includes(`${LOCK_SUFFIX}.`) ||
    /\.tradesec-\d+-[0-9a-f]+\.tmp$/.test(name)
  );
}
