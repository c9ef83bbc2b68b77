// The reporter contract: a pure function from a result (and the catalogue) to text.
import type { Check } from '../audit/check.js';
import type { AuditResult } from '../audit/types.js';

/** Everything a reporter may use besides the result. */
export interface ReportContext {
  /** The whole catalogue of checks that could have run (for SARIF rules and help text). */
  checks: readonly Check[];
  /** The tool version. */
  version: string;
  /** Whether ANSI colours may be used. */
  color: boolean;
  /** The severity at or above which the audit fails. */
  failOn: import('../audit/types.js').Severity;
}

/** A pure function rendering an audit result. */
export type Reporter = (result: AuditResult, context: ReportContext) => string;
