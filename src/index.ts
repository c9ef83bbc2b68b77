// The public API: what checks and plugins import, and what embedders call.
export type {
  AuditContext,
  Check,
  CheckContext,
  CheckSettings,
  Fact,
} from './audit/check.js';
export { defineCheck, defineFact, skip, unreadableFinding } from './audit/check.js';
export type { AuditConfig, ConfigIgnore } from './audit/config.js';
export { defaultConfig, loadConfig, parseConfig } from './audit/config.js';
export { globMatcher } from './audit/context.js';
export { type AuditOptions, auditExitCode, runAudit } from './audit/engine.js';
export { ConfigError, ExitCode, UsageError } from './audit/errors.js';
export { fingerprintSecret, maskSecrets } from './audit/fingerprint.js';
export { atLeast, parseSeverity } from './audit/severity.js';
export type * from './audit/types.js';
export { SEVERITIES } from './audit/types.js';
export * from './facts/compose/interpolate.js';
export * from './facts/compose/merge.js';
export * from './facts/compose/project.js';
export * from './facts/compose/yaml-tree.js';
export type { RepoFile } from './facts/discovery.js';
export * from './facts/dockerfile/parser.js';
export { type EnvEntry, type EnvFile, envValues, parseEnvFile } from './facts/env-file.js';
export type { GitRepo, HistoryEntry } from './facts/git.js';
export * from './facts/nginx/ciphers.js';
export * from './facts/nginx/config.js';
export * from './facts/nginx/directives.js';
export * from './facts/nginx/parser.js';
export * from './facts/nginx/version.js';
export type { Probe, ProbeOptions, ProbeResult } from './facts/probe.js';
export * from './facts/python/app-model.js';
export { parsePython } from './facts/python/parser.js';
export {
  descendantsOfType,
  lineOf,
  type PythonSource,
  pythonSources,
  type SyntaxNode,
  type SyntaxTree,
} from './facts/python/sources.js';
export type { TextFile } from './facts/text.js';
export { BACKUP_DIR, isInBackupDir, isRotationArtefact } from './keys/artefacts.js';
export { AUDIT_MIN_SECRET_BYTES } from './keys/generate.js';
export { GRACE_PERIOD_DAYS, parseRotationRecord } from './keys/rotation-record.js';
export { LineIndex } from './util/lines.js';
