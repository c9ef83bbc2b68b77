// Fingerprints: of findings (for baselines and SARIF) and of secrets (shown instead of values).
import { createHash } from 'node:crypto';

/** Fingerprint of a finding from its rule, file and normalised evidence; line numbers play no part. */
export function findingFingerprint(rule: string, file: string | undefined, evidence: string): string {
  const normalised = evidence.replace(/\s+/g, ' ').trim();
  return createHash('sha256')
    .update(`${rule}\0${file ?? ''}\0${normalised}`)
    .digest('hex')
    .slice(0, 32);
}

/** A short, non-reversible fingerprint of a secret value, safe to print: `sha256:1a2b3c4d5e6f`. */
export function fingerprintSecret(value: string): string {
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 12)}`;
}

/** Replaces every occurrence of the given secret values in `text`. */
export function maskSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 4) continue;
    out = out.split(s).join('[redacted]');
  }
  return out;
}
