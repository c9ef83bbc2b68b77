// The audit engine: runs the selected checks on one shared context and resolves their findings.
import path from 'node:path';
import { createProbe, type Probe } from '../facts/probe.js';
import { type Check, type Fact, unreadableDirFinding } from './check.js';
import type { AuditConfig } from './config.js';
import { type ContextOptions, checkContext, createAuditContext } from './context.js';
import { UsageError } from './errors.js';
import { findingFingerprint, maskSecrets } from './fingerprint.js';
import { atLeast } from './severity.js';
import { type Baseline, matchConfigIgnore, parseInlineIgnore, ruleMatches } from './suppressions.js';
import type {
  AuditResult,
  CheckOutcome,
  CheckResult,
  Finding,
  FindingInput,
  RuleMeta,
  Severity,
  Summary,
  SuppressedFinding,
  Target,
} from './types.js';

/** Every check has this rule besides its own: a file it needed could not be read. */
export const UNREADABLE_RULE: RuleMeta = {
  title: 'Files the check needs are readable',
  severity: 'medium',
  description: 'A file that cannot be read cannot be verified, so the check cannot vouch for it.',
  remediation: 'Run tradesec as a user that can read the file, or fix the file permissions.',
};

/** How one audit runs. */
export interface AuditOptions {
  root: string;
  checks: readonly Check[];
  config: AuditConfig;
  version: string;
  probe?: Probe;
  targets?: Target[];
  hostRoot?: string;
  isRoot?: boolean;
  now?: Date;
  /** Check ids to run (overrides the config's `only`). */
  only?: string[];
  /** Check ids not to run (added to the config's `skip`). */
  skip?: string[];
  baseline?: Baseline;
  /** How the baseline is named in suppression reasons (its file). */
  baselineName?: string;
  /** false ignores `tradesec-ignore` comments (CI). */
  inlineIgnores?: boolean;
  /** Lists a directory during file discovery (tests inject failures). */
  listDir?: ContextOptions['listDir'];
}

/** The checks to run, in point order; unknown ids are a usage error. */
export function selectChecks(
  all: readonly Check[],
  only: readonly string[],
  skipIds: readonly string[],
): Check[] {
  const known = new Set(all.map((c) => c.meta.id));
  for (const id of [...only, ...skipIds]) {
    if (!known.has(id)) throw new UsageError(`unknown check "${id}" (see: tradesec checks list)`);
  }
  const selected = all
    .filter((c) => (only.length === 0 || only.includes(c.meta.id)) && !skipIds.includes(c.meta.id))
    .sort((a, b) => a.meta.point - b.meta.point || a.meta.id.localeCompare(b.meta.id));
  // An audit that runs nothing must not pass: `--only secrets --skip secrets` is a mistake, not a clean bill.
  if (selected.length === 0 && all.length > 0) {
    throw new UsageError('no checks selected: --only and --skip (or only and skip in the config) leave none');
  }
  return selected;
}

/** The rule metadata behind a full rule id. */
export function findRule(checks: readonly Check[], ruleId: string): RuleMeta | undefined {
  const slash = ruleId.indexOf('/');
  const check = checks.find((c) => c.meta.id === ruleId.slice(0, slash));
  if (!check) return undefined;
  const name = ruleId.slice(slash + 1);
  return name === 'unreadable-file' ? UNREADABLE_RULE : check.meta.rules[name];
}

/** Validates config entries that name checks or rules. */
export function validateConfigIds(config: AuditConfig, checks: readonly Check[]): void {
  const file = config.file ?? '.tradesecrc';
  const isKnown = (id: string) =>
    id.includes('/') ? findRule(checks, id) !== undefined : checks.some((c) => c.meta.id === id);
  for (const id of [...config.only, ...config.skip]) {
    if (!isKnown(id) || id.includes('/')) throw new UsageError(`${file}: unknown check "${id}"`);
  }
  for (const id of config.severity.keys()) {
    if (!isKnown(id)) throw new UsageError(`${file}: [severity] names unknown check or rule "${id}"`);
  }
  for (const ig of config.ignores) {
    if (!isKnown(ig.rule))
      throw new UsageError(`${file}: [ignore.${ig.name}] names unknown rule "${ig.rule}"`);
  }
  const reserved = new Set(['severity', 'plugins', 'ignore']);
  for (const [name, section] of config.sections) {
    if (reserved.has(name)) continue;
    const check = checks.find((c) => c.meta.id === name);
    if (!check) throw new UsageError(`${file}: section [${name}] names no check`);
    const options = check.meta.options ?? {};
    for (const key of Object.keys(section)) {
      if (!(key in options)) throw new UsageError(`${file}: [${name}] has unknown setting "${key}"`);
    }
  }
}

/** Runs an audit and returns its result; never exits the process. */
export async function runAudit(options: AuditOptions): Promise<AuditResult> {
  const root = path.resolve(options.root);
  const targets = options.targets ?? ['repo'];
  const config = options.config;
  const chosen = selectChecks(
    options.checks,
    options.only && options.only.length > 0 ? options.only : config.only,
    [...config.skip, ...(options.skip ?? [])],
  );
  const selected = chosen.filter((c) => c.meta.targets.some((t) => targets.includes(t)));
  // The same mistake one step later: `--only <a host check>` without --host would run nothing and pass.
  if (selected.length === 0 && chosen.length > 0) {
    const wanted = [...new Set(chosen.flatMap((c) => c.meta.targets))].join(', ');
    throw new UsageError(
      `no selected check audits the ${targets.join(', ')} target (they need: ${wanted}; see --host and --url)`,
    );
  }
  const now = options.now ?? new Date();
  const shared = createAuditContext({
    root,
    targets,
    config,
    probe: options.probe ?? createProbe(),
    now,
    ...(options.hostRoot ? { hostRoot: options.hostRoot } : {}),
    ...(options.isRoot === undefined ? {} : { isRoot: options.isRoot }),
    ...(options.listDir ? { listDir: options.listDir } : {}),
  });
  const inline = options.inlineIgnores ?? config.inlineIgnores;
  const isKnownId = (id: string) =>
    id.includes('/')
      ? findRule(options.checks, id) !== undefined
      : options.checks.some((c) => c.meta.id === id);
  const baseline = new Set((options.baseline?.findings ?? []).map((f) => f.fingerprint));

  const results = await Promise.all(
    selected.map(async (check): Promise<CheckResult> => {
      const started = performance.now();
      const base = { id: check.meta.id, point: check.meta.point, title: check.meta.title };
      let outcome: CheckOutcome;
      // Whether the check looked at the discovered files, itself or through a shared fact (the app model, the
      // Dockerfiles): then directories that could not be listed matter to it.
      let walked = false;
      const view = checkContext(shared, check.meta.id);
      Object.assign(view, {
        files: () => {
          walked = true;
          return shared.files();
        },
        glob: (patterns: string | readonly string[]) => {
          walked = true;
          return shared.glob(patterns);
        },
        fact: <T>(fact: Fact<T>) => {
          walked = true;
          return shared.fact(fact);
        },
      });
      try {
        const raw = await check.run(view);
        outcome = Array.isArray(raw) ? { findings: raw } : raw;
        const dirs = walked ? await shared.unreadableDirs() : [];
        // Nothing to examine may only mean the files were in a directory that could not be listed: fail closed.
        if (dirs.length > 0 && 'skip' in outcome && outcome.skip.code === 'not-applicable')
          outcome = { findings: [] };
        if (dirs.length > 0 && 'findings' in outcome)
          outcome = { findings: [...outcome.findings, ...dirs.map(unreadableDirFinding)] };
      } catch (err) {
        // A configuration mistake found by a check (a malformed setting) ends the audit with exit 2.
        if (err instanceof UsageError) throw err;
        return {
          ...base,
          status: 'error',
          error: oneLine(err),
          durationMs: elapsed(started),
          findings: [],
          suppressed: [],
        };
      }
      if ('skip' in outcome) {
        return {
          ...base,
          status: 'skip',
          skipReason: `${outcome.skip.code}: ${outcome.skip.reason}`,
          durationMs: elapsed(started),
          findings: [],
          suppressed: [],
        };
      }
      const findings: Finding[] = [];
      const suppressed: SuppressedFinding[] = [];
      for (const input of outcome.findings) {
        const finding = resolveFinding(check, input, config);
        const lines =
          inline && finding.file && finding.line ? await linesAround(shared, finding.file, finding.line) : [];
        const decision = decide(
          finding,
          lines,
          config,
          baseline,
          now,
          options.baselineName ?? 'the baseline',
          isKnownId,
        );
        if (decision.suppressed) suppressed.push(decision.suppressed);
        else findings.push(decision.finding);
      }
      const sortKey = (f: Finding) => `${f.file ?? ''}\0${String(f.line ?? 0).padStart(8, '0')}\0${f.rule}`;
      findings.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
      suppressed.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
      return {
        ...base,
        status: statusOf(findings),
        durationMs: elapsed(started),
        findings,
        suppressed,
      };
    }),
  );

  const summary: Summary = { pass: 0, fail: 0, warn: 0, skip: 0, error: 0 };
  for (const r of results) summary[r.status]++;
  return {
    schemaVersion: 1,
    tool: { name: 'tradesec', version: options.version },
    root,
    targets: [...targets],
    summary,
    checks: results,
  };
}

function resolveFinding(check: Check, input: FindingInput, config: AuditConfig): Finding {
  const id = check.meta.id;
  const short = input.rule.startsWith(`${id}/`) ? input.rule.slice(id.length + 1) : input.rule;
  const rule = short === 'unreadable-file' ? UNREADABLE_RULE : check.meta.rules[short];
  if (!rule) throw new Error(`check ${id} reported unknown rule "${input.rule}"`);
  const ruleId = `${id}/${short}`;
  const severity: Severity =
    config.severity.get(ruleId) ?? config.severity.get(id) ?? input.severity ?? rule.severity;
  const secrets = input.secrets ?? [];
  const message = maskSecrets(input.message, secrets);
  const finding: Finding = {
    rule: ruleId,
    severity,
    message,
    fingerprint: findingFingerprint(
      ruleId,
      input.file,
      maskSecrets(input.evidence ?? input.message, secrets),
    ),
    remediation: maskSecrets(input.remediation ?? rule.remediation, secrets),
  };
  if (input.file !== undefined) finding.file = input.file;
  if (input.line !== undefined) finding.line = input.line;
  if (input.fix) finding.fix = input.fix;
  return finding;
}

function decide(
  finding: Finding,
  lines: string[],
  config: AuditConfig,
  baseline: Set<string>,
  now: Date,
  baselineName: string,
  isKnownId: (id: string) => boolean,
): { finding: Finding; suppressed?: undefined } | { suppressed: SuppressedFinding } {
  const { active, expired } = matchConfigIgnore(config.ignores, finding.rule, finding.file, now);
  if (active) {
    return {
      suppressed: {
        ...finding,
        kind: 'config',
        reason: active.reason,
        ...(active.expires ? { expires: active.expires } : {}),
      },
    };
  }
  const notes: string[] = [];
  if (expired) notes.push(`ignore [ignore.${expired.name}] expired on ${expired.expires}`);
  for (const line of lines) {
    const ig = parseInlineIgnore(line);
    // A misspelt rule suppresses nothing; say so, as the config does, instead of failing in silence.
    if (ig && !isKnownId(ig.rule)) {
      notes.push(`inline tradesec-ignore names unknown rule "${ig.rule}", so it was not applied`);
      continue;
    }
    if (!ig || !ruleMatches(ig.rule, finding.rule)) continue;
    if (ig.reason) return { suppressed: { ...finding, kind: 'inline', reason: ig.reason } };
    notes.push('inline tradesec-ignore without a reason ("-- <reason>") was not applied');
  }
  if (baseline.has(finding.fingerprint)) {
    return { suppressed: { ...finding, kind: 'baseline', reason: `accepted in ${baselineName}` } };
  }
  if (notes.length > 0)
    return { finding: { ...finding, message: `${finding.message} (${notes.join('; ')})` } };
  return { finding };
}

async function linesAround(
  ctx: ReturnType<typeof createAuditContext>,
  file: string,
  line: number,
): Promise<string[]> {
  if (path.isAbsolute(file)) return [];
  const text = await ctx.read(file);
  if (text.kind !== 'text') return [];
  const all = text.text.split(/\r?\n/);
  const out: string[] = [];
  const own = all[line - 1];
  if (own !== undefined) out.push(own);
  const above = all[line - 2];
  // Only a whole-line comment above counts, not the trailing comment of another statement.
  if (above !== undefined && /^\s*(#|\/\/|;)/.test(above)) out.push(above);
  return out;
}

function statusOf(findings: readonly Finding[]): CheckResult['status'] {
  if (findings.length === 0) return 'pass';
  return findings.some((f) => atLeast(f.severity, 'medium')) ? 'fail' : 'warn';
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? 'unknown error';
}

/** The exit code of an audit: 3 when a check crashed, 1 when a finding reaches `failOn`, else 0. */
export function auditExitCode(result: AuditResult, failOn: Severity): 0 | 1 | 3 {
  if (result.checks.some((c) => c.status === 'error')) return 3;
  const failing = result.checks.some((c) => c.findings.some((f) => atLeast(f.severity, failOn)));
  return failing ? 1 : 0;
}
