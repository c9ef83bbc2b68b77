// Check 9, security logging: a security logger, auth failures and successes logged with IP and time, no secrets.
import {
  type ApiKeyDependency,
  type AppModel,
  apiKeyDependencies,
  appModel,
  type CheckContext,
  configuredAuthDependencies,
  defineCheck,
  type FindingInput,
  type FunctionDef,
  isTestFile,
  lineOf,
  lowerCaseList,
  NO_FASTAPI_APP,
  type SyntaxNode,
  skip,
} from '../../src/index.js';
import { LogIndex, nestedIn } from './log-index.js';
import { findSecretInLog } from './secrets.js';
import { hasTimeFormatter } from './time.js';

const DEFAULT_LOGGER_NAMES = 'security, audit';

export default defineCheck({
  meta: {
    id: 'security-logging',
    point: 9,
    title: 'Authentication events are logged with client IP and time, and secrets never are',
    description:
      'Reads the logging of the FastAPI application: a dedicated security logger, log calls on the failure ' +
      'and success paths of the API-key dependency (with the client address and a time), log calls that would ' +
      'copy the API key, SECRET_KEY or Authorization header into the logs, and dict messages that are not JSON.',
    targets: ['repo'],
    rules: {
      'no-security-logger': {
        title: 'A security logger exists',
        severity: 'medium',
        description:
          'Without a dedicated logger (logging.getLogger("security")) security events are mixed with access ' +
          'and debug logs, cannot be routed, kept longer or alerted on, and incident tooling cannot find them.',
        remediation:
          'Create security_logger = logging.getLogger("security") with its own handler and formatter, and log ' +
          'authentication events to it (or name your logger in [security-logging] logger-names).',
      },
      'auth-failure-not-logged': {
        title: 'API-key failures are logged',
        severity: 'medium',
        description:
          'A rejected API key that is not logged leaves brute-force attempts invisible: nothing for alerting, ' +
          'for brute-force detection (fail2ban and the like), or for the investigation afterwards.',
        remediation:
          'Log the failure (security_logger.warning(...)) right before raising HTTPException(401/403), in the ' +
          'same branch; a log call after raise never runs.',
      },
      'auth-success-not-logged': {
        title: 'API-key successes are logged',
        severity: 'low',
        description:
          'Logging accepted keys (with the client address) shows when a leaked key is used from an unknown place.',
        remediation: 'Log an info event on the path where the dependency accepts the key.',
      },
      'log-missing-client-ip': {
        title: 'Authentication logs include the client IP',
        severity: 'medium',
        description:
          'Without the client address a failure log cannot show who is guessing keys, and no address can be ' +
          'blocked (brute-force detection and firewall rules work on addresses); a success log without it ' +
          'cannot show a leaked key used from an unknown place (low).',
        remediation:
          'Include request.client.host (with uvicorn --proxy-headers behind nginx) or the first X-Forwarded-For ' +
          'address set by your proxy.',
      },
      'auth-log-not-security-logger': {
        title: 'Authentication events go to the security logger',
        severity: 'low',
        description:
          'A failure or success of the key logged to the root or an application logger is mixed with ordinary ' +
          'logs: it is not routed, kept or alerted on like security events.',
        remediation: 'Log authentication events with the security logger (logging.getLogger("security")).',
      },
      'log-missing-time': {
        title: 'Security logs carry a time',
        severity: 'low',
        description:
          'Python logging prints no time unless the format has %(asctime)s: a failure log without a time cannot ' +
          'be put in a window (5 failures in 15 minutes) or matched with nginx logs.',
        remediation:
          'Give the handler a logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"), or add a ' +
          'timestamp field to the record.',
      },
      'secret-in-log': {
        title: 'API keys, secrets and Authorization headers are never logged',
        severity: 'high',
        description:
          'A log call with the API key, SECRET_KEY, a password or the Authorization header copies the secret into ' +
          'every log file, shipper, backup and ticket that sees the log.',
        remediation:
          'Log a fingerprint (hashlib.sha256(key).hexdigest()[:12]) or nothing; rotate any key that was logged.',
      },
      'dict-message': {
        title: 'Structured security events are logged as JSON',
        severity: 'low',
        description:
          "logger.warning({...}) logs the dict's Python repr (single quotes, True/None), which JSON log parsers " +
          'reject; the hardening guide does this.',
        remediation: 'Log json.dumps({...}), or use a JSON formatter (python-json-logger, structlog).',
      },
      'key-dependency-unknown': {
        title: 'The API-key dependency can be identified',
        severity: 'info',
        description:
          'No function that reads an API key and raises 401/403 was found, so failure and success logging were ' +
          'not verified.',
        remediation: 'Name the dependency in [api-auth] auth-dependencies if tradesec does not recognise it.',
      },
    },
    options: {
      'logger-names': {
        description: 'Logger names that count as the security logger (also matched as the last dotted part).',
        default: DEFAULT_LOGGER_NAMES,
      },
    },
    references: [
      'https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html',
      'https://docs.python.org/3/library/logging.html#logrecord-attributes',
      'https://www.uvicorn.org/deployment/#running-behind-nginx',
    ],
  },

  async run(ctx) {
    const model = await ctx.fact(appModel);
    if (!model.hasFastApi) return skip('not-applicable', NO_FASTAPI_APP);
    const findings: FindingInput[] = [];
    const logs = new LogIndex(model);

    const hasSecurityLogger = checkSecurityLogger(ctx, model, findings);

    const keys = apiKeyDependencies(model, configuredAuthDependencies(ctx.config)).filter(
      (k) => k.reason !== 'sub-dependency' && !isTestFile(k.function.file),
    );
    if (keys.length === 0) {
      const app = model.apps[0];
      findings.push({
        rule: 'key-dependency-unknown',
        ...(app ? { file: app.file, line: app.line } : {}),
        message: 'no API-key dependency (a function that reads the key and raises 401/403) was found',
        evidence: 'no key dependency',
      });
    } else {
      const timeFormatter = await hasTimeFormatter(ctx, model);
      // Without any security logger, no-security-logger says it once: each log call is not reported again.
      const wanted = lowerCaseList(ctx.settings, 'logger-names', DEFAULT_LOGGER_NAMES);
      const isSecurity = hasSecurityLogger ? securityNameMatcher(wanted) : () => true;
      for (const key of keys) checkKeyDependency(logs, key, timeFormatter, isSecurity, findings);
    }

    findings.push(...findSecretInLog(model, logs, keys));
    for (const call of model.logCalls) {
      if (isTestFile(call.file)) continue;
      const first = call.args[0];
      if (first && first.type === 'dictionary') {
        findings.push({
          rule: 'dict-message',
          file: call.file,
          line: call.line,
          message: `${call.receiver}.${call.level}({...}) logs a Python dict repr, not JSON`,
          evidence: `${call.receiver}.${call.level} dict`,
        });
      }
    }
    return { findings };
  },
});

// The security logger -------------------------------------------------------------------------------------------

/** Reports a missing security logger; true when one exists. */
function checkSecurityLogger(ctx: CheckContext, model: AppModel, out: FindingInput[]): boolean {
  const wanted = lowerCaseList(ctx.settings, 'logger-names', DEFAULT_LOGGER_NAMES);
  const names = new Set<string>();
  for (const l of model.loggers) if (l.loggerName) names.add(l.loggerName);
  for (const c of model.logCalls) if (c.loggerName) names.add(c.loggerName);
  // getLogger(__name__) is named after its module.
  for (const site of [
    ...(model.calls.get('logging.getLogger') ?? []),
    ...(model.calls.get('structlog.get_logger') ?? []),
  ]) {
    if (site.args[0]?.text === '__name__') names.add(site.module.name);
  }
  if ([...names].some(securityNameMatcher(wanted))) return true;
  const app = model.apps[0];
  out.push({
    rule: 'no-security-logger',
    ...(app ? { file: app.file } : {}),
    message: `no logger named ${wanted.map((w) => `"${w}"`).join(' or ')} is created${names.size > 0 ? ` (loggers found: ${[...names].sort().slice(0, 5).join(', ')})` : ''}`,
    evidence: `no security logger ${wanted.join(',')}`,
  });
  return false;
}

/** Whether a logger name is one of the security logger names (whole, or its first or last dotted part). */
function securityNameMatcher(wanted: readonly string[]): (name: string) => boolean {
  return (name) => {
    const parts = name.toLowerCase().split('.');
    return wanted.some((w) => name.toLowerCase() === w || parts[parts.length - 1] === w || parts[0] === w);
  };
}

// The API-key dependency ----------------------------------------------------------------------------------------

/** The logger names a statement's direct log calls write to, when they resolve and none is a security logger. */
function otherLoggers(
  logs: LogIndex,
  fn: FunctionDef,
  stmt: SyntaxNode,
  isSecurity: (name: string) => boolean,
): string[] | undefined {
  const names: string[] = [];
  for (const { call, helper } of logs.loggingCalls(fn, stmt)) {
    // Through a helper, or a receiver that does not resolve to a named logger: not judged.
    const c = helper ? undefined : logs.logCallAt(fn.file, call);
    if (!c?.resolved || c.loggerName === undefined) return undefined;
    if (isSecurity(c.loggerName)) return undefined;
    names.push(c.loggerName === '' ? 'the root logger' : `logger "${c.loggerName}"`);
  }
  return names.length > 0 ? names : undefined;
}

function checkKeyDependency(
  logs: LogIndex,
  key: ApiKeyDependency,
  timeFormatter: boolean,
  isSecurity: (name: string) => boolean,
  out: FindingInput[],
): void {
  const fn = key.function;
  const body = fn.node.childForFieldName('body');
  if (!body) return;
  const raiseLines = new Set(key.raises.map((r) => r.line));
  const raises = reachableRaises(fn).filter((r) => raiseLines.has(lineOf(r)));
  const failureLogs: SyntaxNode[] = [];
  for (const r of raises) {
    const logged = logBefore(logs, fn, r);
    if (!logged) {
      out.push({
        rule: 'auth-failure-not-logged',
        file: fn.file,
        line: lineOf(r),
        message: `${fn.name}() rejects the key here without logging it first${logs.unreachableLogAfter(fn, r) ? ' (the log call after the raise never runs)' : ''}`,
        evidence: `${fn.module.name}.${fn.name} unlogged ${r.text.replace(/\s+/g, ' ').slice(0, 80)}`,
      });
    } else {
      failureLogs.push(logged);
    }
  }
  for (const stmt of failureLogs) {
    const other = otherLoggers(logs, fn, stmt, isSecurity);
    if (other) {
      out.push({
        rule: 'auth-log-not-security-logger',
        file: fn.file,
        line: lineOf(stmt),
        message: `${fn.name}() logs the failure to ${other.join(' and ')}, not the security logger`,
        evidence: `${fn.module.name}.${fn.name} failure logger ${other.join(',')}`,
      });
    }
    if (!logs.mentionsClientIp(fn, stmt)) {
      out.push({
        rule: 'log-missing-client-ip',
        file: fn.file,
        line: lineOf(stmt),
        message: `${fn.name}() logs the failure without the client IP (request.client.host or X-Forwarded-For)`,
        evidence: `${fn.module.name}.${fn.name} no ip ${stmt.text.replace(/\s+/g, ' ').slice(0, 80)}`,
      });
    }
    if (!timeFormatter && !logs.mentionsTime(fn, stmt)) {
      out.push({
        rule: 'log-missing-time',
        file: fn.file,
        line: lineOf(stmt),
        message: `${fn.name}() logs the failure without a time: no formatter with %(asctime)s and no timestamp in the record`,
        evidence: `${fn.module.name}.${fn.name} no time ${stmt.text.replace(/\s+/g, ' ').slice(0, 80)}`,
      });
    }
  }
  const success = raises.length > 0 ? successLog(logs, fn, body) : undefined;
  if (success) {
    const other = otherLoggers(logs, fn, success, isSecurity);
    if (other) {
      out.push({
        rule: 'auth-log-not-security-logger',
        file: fn.file,
        line: lineOf(success),
        message: `${fn.name}() logs the accepted key to ${other.join(' and ')}, not the security logger`,
        evidence: `${fn.module.name}.${fn.name} success logger ${other.join(',')}`,
      });
    }
    if (!logs.mentionsClientIp(fn, success)) {
      out.push({
        rule: 'log-missing-client-ip',
        severity: 'low',
        file: fn.file,
        line: lineOf(success),
        message: `${fn.name}() logs the accepted key without the client IP (request.client.host or X-Forwarded-For)`,
        evidence: `${fn.module.name}.${fn.name} success no ip ${success.text.replace(/\s+/g, ' ').slice(0, 80)}`,
      });
    }
  }
  if (raises.length > 0 && !success) {
    out.push({
      rule: 'auth-success-not-logged',
      file: fn.file,
      line: fn.line,
      message: `${fn.name}() logs nothing when it accepts a key`,
      evidence: `${fn.module.name}.${fn.name} success unlogged`,
    });
  }
}

const TERMINATORS = new Set(['return_statement', 'raise_statement', 'continue_statement', 'break_statement']);

/** Raise statements of a function that can run: not after a return/raise in their block, not in nested defs. */
function reachableRaises(fn: FunctionDef): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const body = fn.node.childForFieldName('body');
  for (const r of body?.descendantsOfType('raise_statement') ?? []) {
    if (!r || nestedIn(r, fn.node)) continue;
    if (afterTerminator(r, fn.node)) continue;
    out.push(r);
  }
  return out;
}

/** True when a statement on the way from `node` up to `def` follows a return/raise in its block. */
function afterTerminator(node: SyntaxNode, def: SyntaxNode): boolean {
  for (let cur: SyntaxNode | null = node; cur && cur.id !== def.id; cur = cur.parent) {
    const parent = cur.parent;
    if (parent?.type !== 'block') continue;
    for (const sib of parent.namedChildren) {
      if (!sib || sib.id === cur.id) break;
      if (TERMINATORS.has(sib.type)) return true;
    }
  }
  return false;
}

/**
 * The statement that logs before `raise` on its branch: a preceding statement of the raise's block, or of
 * an enclosing block below the function body; at the body level only statements after the last one that
 * can return count (earlier ones run for every request, not for the failure).
 */
function logBefore(logs: LogIndex, fn: FunctionDef, raise: SyntaxNode): SyntaxNode | undefined {
  const body = fn.node.childForFieldName('body');
  for (let cur: SyntaxNode | null = raise; cur && cur.id !== fn.node.id; cur = cur.parent) {
    const block = cur.parent;
    if (block?.type !== 'block') continue;
    const preceding: SyntaxNode[] = [];
    for (const sib of block.namedChildren) {
      if (!sib || sib.id === cur.id) break;
      if (sib.type !== 'comment') preceding.push(sib);
    }
    if (block.id === body?.id) {
      if (cur.id !== raise.id) return undefined;
      const lastReturn = preceding
        .map((s, i) => (containsReturn(s) ? i : -1))
        .reduce((a, b) => Math.max(a, b), -1);
      preceding.splice(0, lastReturn + 1);
    }
    for (let i = preceding.length - 1; i >= 0; i--) {
      const s = preceding[i] as SyntaxNode;
      if (logs.statementLogs(fn, s)) return s;
    }
    if (block.id === body?.id) return undefined;
  }
  return undefined;
}

function containsReturn(stmt: SyntaxNode): boolean {
  if (stmt.type === 'return_statement') return true;
  return stmt.descendantsOfType('return_statement').some((r) => r !== null);
}

/**
 * A log statement on a path that accepts the key: one whose blocks, from its own up to the function body,
 * do not end in a raise after it.
 */
function successLog(logs: LogIndex, fn: FunctionDef, body: SyntaxNode): SyntaxNode | undefined {
  for (const stmt of logs.logStatements(fn)) {
    if (afterTerminator(stmt, fn.node)) continue;
    let outcome: 'return' | 'raise' | undefined;
    for (let cur: SyntaxNode | null = stmt; cur && !outcome && cur.id !== fn.node.id; cur = cur.parent) {
      const block = cur.parent;
      if (block?.type !== 'block') continue;
      // The first return or raise after the statement in its block decides where this path ends.
      let after = false;
      for (const sib of block.namedChildren) {
        if (!sib) continue;
        if (sib.id === cur.id) after = true;
        else if (after && (sib.type === 'return_statement' || sib.type === 'raise_statement')) {
          outcome = sib.type === 'return_statement' ? 'return' : 'raise';
          break;
        }
      }
      if (block.id === body.id) break;
    }
    if (outcome !== 'raise') return stmt;
  }
  return undefined;
}
