// The rotation record: a comment directly above a key in its env file, so the record travels with the file.

/** Days `<KEY>_PREVIOUS` stays after a rotation before `--drop-previous` removes it without `--force` (the secrets check's grace-days default). */
export const GRACE_PERIOD_DAYS = 7;

/** Prefix of the comment that records when the key below it was last rotated. */
export const ROTATION_MARK = '# tradesec: rotated';

const RECORD = /^\s*#\s*tradesec:\s*rotated\s+(\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z)?)\s*$/;

/** The comment line recording a rotation at `date`. */
export function formatRotationRecord(date: Date): string {
  return `${ROTATION_MARK} ${date.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

/** The rotation date recorded by `line`, or undefined when the line is not a (valid) record. */
export function parseRotationRecord(line: string): Date | undefined {
  const m = RECORD.exec(line);
  if (!m?.[1]) return undefined;
  const d = new Date(m[1].length === 10 ? `${m[1]}T00:00:00Z` : m[1]);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** True when `line` is a rotation record line, valid or not (so editors can replace it). */
export function isRotationRecordLine(line: string): boolean {
  return /^\s*#\s*tradesec:\s*rotated\b/.test(line);
}
