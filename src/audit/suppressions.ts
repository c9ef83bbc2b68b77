// Suppressions: config ignores, inline `tradesec-ignore` comments and baselines, all with a reason.

import { type ConfigIgnore, isExpired } from './config.js';
import { globMatcher } from './context.js';

/** A baseline: fingerprints of findings accepted at one point in time. */
export interface Baseline {
  schemaVersion: 1;
  findings: Array<{ fingerprint: string; rule: string; file?: string }>;
}

/** An inline ignore comment found on or above a finding's line. */
export interface InlineIgnore {
  rule: string;
  reason?: string;
}

const INLINE = /(?:#|\/\/|;)\s*tradesec-ignore\s+([\w/-]+)(?:\s+--\s*(.*?))?\s*$/;

/** Parses an inline ignore comment in `line`, if any. */
export function parseInlineIgnore(line: string): InlineIgnore | undefined {
  const m = INLINE.exec(line);
  if (!m?.[1]) return undefined;
  const reason = m[2]?.trim();
  return reason ? { rule: m[1], reason } : { rule: m[1] };
}

/** True when an ignore naming `target` (a rule id or a check id) covers rule `rule`. */
export function ruleMatches(target: string, rule: string): boolean {
  return target === rule || rule.startsWith(`${target}/`);
}

/** The config ignore covering a finding, and those that would but expired. */
export function matchConfigIgnore(
  ignores: readonly ConfigIgnore[],
  rule: string,
  file: string | undefined,
  today: Date,
): { active?: ConfigIgnore; expired?: ConfigIgnore } {
  let expired: ConfigIgnore | undefined;
  for (const ig of ignores) {
    if (!ruleMatches(ig.rule, rule)) continue;
    if (ig.paths.length > 0 && (!file || !globMatcher(ig.paths)(file))) continue;
    if (isExpired(ig.expires, today)) {
      expired ??= ig;
      continue;
    }
    return { active: ig };
  }
  return expired ? { expired } : {};
}
