// The report formats, by name.

import { UsageError } from '../audit/errors.js';
import type { AuditResult } from '../audit/types.js';
import { githubReporter } from './github.js';
import { jsonReporter } from './json.js';
import { junitReporter } from './junit.js';
import { markdownReporter } from './markdown.js';
import { sarifReporter } from './sarif.js';
import { textReporter } from './text.js';
import type { ReportContext, Reporter } from './types.js';

export type { ReportContext, Reporter } from './types.js';

/** Every report format tradesec writes. */
export const reporters = {
  text: textReporter,
  json: jsonReporter,
  sarif: sarifReporter,
  junit: junitReporter,
  markdown: markdownReporter,
  github: githubReporter,
} satisfies Record<string, Reporter>;

/** A report format name. */
export type ReportFormat = keyof typeof reporters;

/** The format names, in the order `--help` lists them. */
export const REPORT_FORMATS = Object.keys(reporters) as ReportFormat[];

/** True when `name` is a report format. */
export function isReportFormat(name: string): name is ReportFormat {
  return Object.hasOwn(reporters, name);
}

/** Renders `result` in the named format; an unknown format is a usage error. */
export function renderReport(format: string, result: AuditResult, context: ReportContext): string {
  if (!isReportFormat(format)) {
    throw new UsageError(`unknown report format "${format}" (expected one of: ${REPORT_FORMATS.join(', ')})`);
  }
  return reporters[format](result, context);
}
