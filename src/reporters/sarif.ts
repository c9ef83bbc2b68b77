// The SARIF 2.1.0 report for code scanning: every rule with help, results with fingerprints and suppressions.
import { pathToFileURL } from 'node:url';
import type { Check } from '../audit/check.js';
import { UNREADABLE_RULE } from '../audit/engine.js';
import { securitySeverityScore } from '../audit/severity.js';
import type { AuditResult, Finding, RuleMeta, Severity, SuppressedFinding } from '../audit/types.js';
import { escapeMarkdown, isHostPath } from './common.js';
import type { Reporter } from './types.js';

/** Where a SARIF viewer sends a user who wants to know what tradesec is. */
export const TOOL_INFORMATION_URI = 'https://www.npmjs.com/package/tradesec';

/** The key under which findings' fingerprints go into `partialFingerprints`. */
export const FINGERPRINT_KEY = 'tradesec/v1';

const SARIF_SCHEMA =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
const SRCROOT = '%SRCROOT%';

type Json = Record<string, unknown>;

/** The SARIF level of a severity. */
export function sarifLevel(s: Severity): 'error' | 'warning' | 'note' {
  return s === 'critical' || s === 'high' ? 'error' : s === 'medium' ? 'warning' : 'note';
}

/** Renders the result as one SARIF 2.1.0 run. */
export const sarifReporter: Reporter = (result, context) => {
  const rules = ruleDescriptors(context.checks);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  // A result whose rule is not in the catalogue (a plugin that was not loaded) still gets a descriptor.
  for (const f of everyFinding(result)) {
    if (index.has(f.rule)) continue;
    index.set(f.rule, rules.length);
    rules.push(fallbackDescriptor(f.rule, f.severity));
  }
  const results = result.checks.flatMap((check) => [
    ...check.findings.map((f) => resultJson(f, index.get(f.rule) ?? -1)),
    ...check.suppressed.map((s) => ({
      ...resultJson(s, index.get(s.rule) ?? -1),
      suppressions: [suppression(s)],
    })),
  ]);
  const errored = result.checks.filter((c) => c.status === 'error');
  const skipped = result.checks.filter((c) => c.status === 'skip');
  const notifications = [
    ...errored.map((c) => ({
      level: 'error',
      message: { text: `check ${c.id} could not run: ${c.error ?? 'unknown error'}` },
      properties: { check: c.id },
    })),
    ...skipped.map((c) => ({
      level: 'note',
      message: { text: `check ${c.id} was skipped: ${c.skipReason ?? 'no reason given'}` },
      properties: { check: c.id },
    })),
  ];
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'tradesec',
            version: context.version,
            semanticVersion: context.version,
            informationUri: TOOL_INFORMATION_URI,
            rules,
          },
        },
        originalUriBaseIds: {
          [SRCROOT]: { uri: directoryUri(result.root), description: { text: 'The audited directory' } },
        },
        invocations: [
          {
            executionSuccessful: errored.length === 0,
            ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        results,
        properties: { targets: result.targets, summary: result.summary, failOn: context.failOn },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
};

function everyFinding(result: AuditResult): Finding[] {
  return result.checks.flatMap((c) => [...c.findings, ...c.suppressed]);
}

function ruleDescriptors(checks: readonly Check[]): Array<Json & { id: string }> {
  const out: Array<Json & { id: string }> = [];
  const seen = new Set<string>();
  for (const check of checks) {
    const entries: Array<[string, RuleMeta]> = [
      ...Object.entries(check.meta.rules),
      ['unreadable-file', UNREADABLE_RULE],
    ];
    for (const [name, rule] of entries) {
      const id = `${check.meta.id}/${name}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(descriptor(id, rule, check));
    }
  }
  return out;
}

function descriptor(id: string, rule: RuleMeta, check: Check): Json & { id: string } {
  const refs = check.meta.references ?? [];
  const text = [rule.description, `How to fix: ${rule.remediation}`, ...refs.map((r) => `See: ${r}`)].join(
    '\n\n',
  );
  const markdown = [
    `**${escapeMarkdown(rule.title)}**`,
    escapeMarkdown(rule.description),
    `**How to fix:** ${escapeMarkdown(rule.remediation)}`,
    `Checklist point ${check.meta.point} (\`${check.meta.id}\`): ${escapeMarkdown(check.meta.title)}.`,
    ...(refs.length > 0 ? [`References:\n${refs.map((r) => `- <${r}>`).join('\n')}`] : []),
  ].join('\n\n');
  return {
    id,
    name: pascal(id),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: { text, markdown },
    defaultConfiguration: { level: sarifLevel(rule.severity) },
    properties: {
      'security-severity': securitySeverityScore(rule.severity),
      tags: ['security', `tradesec/${check.meta.id}`, ...check.meta.targets.map((t) => `target/${t}`)],
      severity: rule.severity,
      point: check.meta.point,
    },
  };
}

function fallbackDescriptor(id: string, severity: Severity): Json & { id: string } {
  return {
    id,
    name: pascal(id),
    shortDescription: { text: id },
    defaultConfiguration: { level: sarifLevel(severity) },
    properties: { 'security-severity': securitySeverityScore(severity), tags: ['security'] },
  };
}

function resultJson(f: Finding, ruleIndex: number): Json {
  return {
    ruleId: f.rule,
    ...(ruleIndex >= 0 ? { ruleIndex } : {}),
    level: sarifLevel(f.severity),
    message: { text: f.message },
    locations: [location(f)],
    partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
    properties: { severity: f.severity, remediation: f.remediation },
  };
}

// GitHub code scanning rejects a whole upload when one result lacks a location, so a finding about the
// repository as a whole points at the audited directory itself.
function location(f: Finding): Json {
  if (f.file === undefined) {
    return {
      physicalLocation: { artifactLocation: { uri: '.', uriBaseId: SRCROOT } },
      message: { text: 'the audited directory as a whole' },
    };
  }
  const artifactLocation = isHostPath(f.file)
    ? { uri: pathToFileURL(f.file).href }
    : { uri: f.file.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
  return {
    physicalLocation: {
      artifactLocation,
      ...(f.line === undefined ? {} : { region: { startLine: f.line } }),
    },
  };
}

function suppression(s: SuppressedFinding): Json {
  return {
    kind: s.kind === 'inline' ? 'inSource' : 'external',
    status: 'accepted',
    justification: s.reason,
    properties: { source: s.kind, ...(s.expires ? { expires: s.expires } : {}) },
  };
}

function directoryUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : `${href}/`;
}

function pascal(id: string): string {
  return id
    .split(/[/-]/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join('');
}
