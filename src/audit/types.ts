// Types shared by the audit engine, the checks, the reporters and plugin authors.

/** Severity of a finding, most severe first. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** Ordered list of severities, most severe first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** The result of one check: examined and clean, failing, only low findings, not examined, crashed. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip' | 'error';

/** What an audit can look at: the repository, the host, a live URL. */
export type Target = 'repo' | 'host' | 'url';

/** Why a check did not examine anything. */
export type SkipCode =
  | 'not-applicable'
  | 'needs-root'
  | 'tool-missing'
  | 'not-a-git-repo'
  | 'disabled'
  | 'unknown';

/** One kind of finding a check can report. */
export interface RuleMeta {
  /** Short title stating the desired state. */
  title: string;
  /** Default severity; `.tradesecrc` may override it. */
  severity: Severity;
  /** Why it matters and what is examined, one or two sentences (used as SARIF help text). */
  description: string;
  /** How to fix it. */
  remediation: string;
}

/** A check's metadata: everything about it but the code that runs. */
export interface CheckMeta {
  /** Stable kebab-case id, e.g. `container`. */
  id: string;
  /** Point of the twelve-point checklist (plugins use 13 and above). */
  point: number;
  /** Desired state, e.g. "Containers run as non-root". */
  title: string;
  /** What the check examines, one paragraph. */
  description: string;
  /** Targets it can examine. */
  targets: Target[];
  /** Rules keyed by their short name (`root-user`); the full id is `<check>/<rule>`. */
  rules: Record<string, RuleMeta>;
  /** Settings the check reads from its `.tradesecrc` section, with what they mean. */
  options?: Record<string, { description: string; default?: string }>;
  /** Links for further reading. */
  references?: string[];
}

/** A fix described as data; `audit --fix` applies only safe kinds. */
export type Fix =
  | { kind: 'chmod'; path: string; mode: number; description: string }
  | { kind: 'command'; argv: string[]; description: string }
  | { kind: 'manual'; description: string };

/** A finding as a check reports it; the engine resolves severity, fingerprint and suppressions. */
export interface FindingInput {
  /** Short rule name (`root-user`) or full id (`container/root-user`). */
  rule: string;
  /** What was found, with specifics; never a secret value. */
  message: string;
  /** Posix path relative to the audited root (absolute for host files). */
  file?: string;
  /** 1-based line. */
  line?: number;
  /** Overrides the rule's default severity for this finding (before config overrides). */
  severity?: Severity;
  /** Stable text that identifies the finding independent of its line, used for the fingerprint. */
  evidence?: string;
  /** Secret values involved: never printed, masked if they leak into any text. */
  secrets?: string[];
  /** Overrides the rule's remediation. */
  remediation?: string;
  /** A machine-applicable fix. */
  fix?: Fix;
}

/** A finding after the engine resolved it. */
export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  file?: string;
  line?: number;
  fingerprint: string;
  remediation: string;
  fix?: Fix;
}

/** How a finding was suppressed. */
export type SuppressionKind = 'config' | 'inline' | 'baseline';

/** A suppressed finding: kept in every report, marked suppressed. */
export interface SuppressedFinding extends Finding {
  reason: string;
  kind: SuppressionKind;
  expires?: string;
}

/** What a check returns: findings, or a skip with its reason. */
export type CheckOutcome = { findings: FindingInput[] } | { skip: { code: SkipCode; reason: string } };

/** One check's result in a report. */
export interface CheckResult {
  id: string;
  point: number;
  title: string;
  status: CheckStatus;
  skipReason?: string;
  error?: string;
  durationMs: number;
  findings: Finding[];
  suppressed: SuppressedFinding[];
}

/** Counts of check statuses. */
export type Summary = Record<CheckStatus, number>;

/** The whole audit result; the JSON report is this object. */
export interface AuditResult {
  schemaVersion: 1;
  tool: { name: 'tradesec'; version: string };
  root: string;
  targets: Target[];
  summary: Summary;
  checks: CheckResult[];
}
