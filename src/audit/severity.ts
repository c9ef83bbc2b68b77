// Severity order and parsing.
import { SEVERITIES, type Severity } from './types.js';

/** Rank of a severity: critical is 0, info is 4. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** True when `s` is at least as severe as `threshold`. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return severityRank(s) <= severityRank(threshold);
}

/** Parses a severity name, or returns undefined. */
export function parseSeverity(value: string): Severity | undefined {
  const v = value.trim().toLowerCase();
  return (SEVERITIES as readonly string[]).includes(v) ? (v as Severity) : undefined;
}

/** The SARIF `security-severity` score of a severity. */
export function securitySeverityScore(s: Severity): string {
  return { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' }[s];
}
