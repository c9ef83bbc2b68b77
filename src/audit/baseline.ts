// Baselines: accepted findings keyed by fingerprint, so moving code does not resurrect them.
import { readFile } from 'node:fs/promises';
import { describeFsError } from '../facts/text.js';
import { UsageError } from './errors.js';
import type { Baseline } from './suppressions.js';
import type { AuditResult } from './types.js';

/** The baseline of a result: every unsuppressed finding, sorted for stable diffs. */
export function baselineOf(result: AuditResult): Baseline {
  const findings = result.checks
    .flatMap((c) => c.findings)
    .map((f) => ({ fingerprint: f.fingerprint, rule: f.rule, ...(f.file ? { file: f.file } : {}) }))
    .sort((a, b) =>
      `${a.rule}\0${a.file ?? ''}\0${a.fingerprint}`.localeCompare(
        `${b.rule}\0${b.file ?? ''}\0${b.fingerprint}`,
      ),
    );
  return { schemaVersion: 1, findings };
}

/** Reads a baseline file; anything malformed is a usage error. */
export async function readBaseline(file: string): Promise<Baseline> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read baseline ${file}: ${describeFsError(err)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError(`baseline ${file} is not valid JSON`);
  }
  const b = data as Partial<Baseline>;
  if (
    b?.schemaVersion !== 1 ||
    !Array.isArray(b.findings) ||
    !b.findings.every((f) => typeof f?.fingerprint === 'string' && typeof f?.rule === 'string')
  ) {
    throw new UsageError(`baseline ${file} is not a tradesec baseline (schemaVersion 1)`);
  }
  return b as Baseline;
}
