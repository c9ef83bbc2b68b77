// Log calls that would write a secret: the API key, secret-named settings, Authorization headers.
import {
  type ApiKeyDependency,
  type AppModel,
  type FindingInput,
  type FunctionDef,
  isTestFile,
  type SyntaxNode,
} from '../../src/index.js';
import { type LogIndex, stringText } from './log-index.js';

/** Names whose value is a secret (the last part of a dotted name is matched). */
const SECRET_NAME =
  /^(api_?key|x_api_key|secret|secret_?key|api_?secret(_?key)?|jwt_?secret|signing_?key|private_?key|password|passwd|db_?password|database_?password|token|access_?token|auth_?token|refresh_?token|bearer_?token|authorization|credentials?)$/i;
const SECRET_SUFFIX = /(_secret|_secret_key|_api_key|_password|_passwd|_token)$/i;
/** Headers that carry credentials. */
const SECRET_HEADERS = new Set([
  'authorization',
  'x-api-key',
  'api-key',
  'x-api-token',
  'x-auth-token',
  'cookie',
  'proxy-authorization',
]);
/** Calls whose result reveals nothing usable of their argument. */
const SAFE_WRAPPERS =
  /(^|\.)(len|bool|type|isinstance|id|hash|sha256|sha1|sha512|blake2b|md5|hexdigest|digest|mask\w*|redact\w*|fingerprint\w*|_mask\w*|_redact\w*)$/;
/** Methods that return the value itself in another form: `key.strip()`, `secret.get_secret_value()`. */
const VALUE_METHODS = new Set(['strip', 'encode', 'decode', 'lower', 'upper', 'get_secret_value', 'format']);
/** Keyword arguments of logging calls that are not part of the message. */
const NON_MESSAGE_KWARGS = new Set(['exc_info', 'stack_info', 'stacklevel']);

/** Findings for every log call (or call of a logging helper) whose arguments hold a secret. */
export function findSecretInLog(
  model: AppModel,
  logs: LogIndex,
  keys: readonly ApiKeyDependency[],
): FindingInput[] {
  const keyNamesByFn = new Map<FunctionDef, Set<string>>();
  for (const k of keys) keyNamesByFn.set(k.function, new Set(k.keyNames));
  const out: FindingInput[] = [];
  const seen = new Set<string>();
  const report = (file: string, call: SyntaxNode, what: string, receiver: string) => {
    const key = `${file}:${call.startIndex}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({
      rule: 'secret-in-log',
      file,
      line: call.startPosition.row + 1,
      message: `${receiver}(...) logs ${what}`,
      evidence: `${receiver} ${what}`,
    });
  };
  for (const call of model.logCalls) {
    if (isTestFile(call.file)) continue;
    const keyNames = call.enclosing
      ? (keyNamesByFn.get(call.enclosing) ?? new Set<string>())
      : new Set<string>();
    const parts = [
      ...call.args,
      ...[...call.kwargs.values()].filter((k) => !NON_MESSAGE_KWARGS.has(k.name)).map((k) => k.value),
    ];
    for (const arg of parts) {
      const what = secretIn(arg, keyNames);
      if (what) {
        report(call.file, call.node, what, `${call.receiver}.${call.level}`);
        break;
      }
    }
  }
  // Helpers such as log_security_event(event, details) receive the secret as an argument and log it.
  for (const [name, sites] of model.calls) {
    const helper = model.functions.get(name);
    if (!helper || !logs.functionLogs(helper)) continue;
    for (const site of sites) {
      if (isTestFile(site.file)) continue;
      const keyNames = site.enclosing
        ? (keyNamesByFn.get(site.enclosing) ?? new Set<string>())
        : new Set<string>();
      const passed: Array<{ param: string | undefined; value: SyntaxNode }> = [
        ...site.args.map((value, i) => ({
          param: parameterFor(helper, undefined, i + (helper.className ? 1 : 0)),
          value,
        })),
        ...[...site.kwargs.values()].map((k) => ({
          param: parameterFor(helper, k.name, -1),
          value: k.value,
        })),
      ];
      for (const { param, value } of passed) {
        const what = secretIn(value, keyNames);
        if (what && param && logsName(model, logs, helper, param, 0)) {
          report(site.file, site.node, `${what} through ${helper.name}()`, helper.name);
          break;
        }
      }
    }
  }
  return out;
}

/** The helper's parameter that receives a positional (index) or keyword argument. */
function parameterFor(helper: FunctionDef, keyword: string | undefined, index: number): string | undefined {
  const params = helper.parameters;
  if (keyword !== undefined) {
    const named = params.find((p) => p.name === keyword && !p.variadic);
    return named?.name ?? params.find((p) => p.variadic && p.node.type === 'dictionary_splat_pattern')?.name;
  }
  const plain = params.filter((p) => !p.variadic);
  return plain[index]?.name ?? params.find((p) => p.variadic && p.node.type === 'list_splat_pattern')?.name;
}

/** True when a log call of `fn` (or of a helper it passes the name to) includes the variable `name`. */
function logsName(model: AppModel, logs: LogIndex, fn: FunctionDef, name: string, depth: number): boolean {
  const mentions = (node: SyntaxNode) =>
    node.descendantsOfType('identifier').some((id) => id?.text === name && !isMemberName(id));
  for (const call of model.logCalls) {
    if (call.enclosing !== fn) continue;
    if ([...call.args, ...[...call.kwargs.values()].map((k) => k.value)].some(mentions)) return true;
  }
  if (depth >= 2) return false;
  for (const stmt of logs.logStatements(fn)) {
    for (const { call, helper } of logs.loggingCalls(fn, stmt)) {
      if (!helper || helper === fn) continue;
      let positional = helper.className ? 1 : 0;
      for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
        if (!arg || arg.type === 'comment') continue;
        const keyword = arg.type === 'keyword_argument' ? arg.childForFieldName('name')?.text : undefined;
        const value = arg.type === 'keyword_argument' ? arg.childForFieldName('value') : arg;
        const param = parameterFor(helper, keyword, keyword === undefined ? positional++ : -1);
        if (value && param && mentions(value) && logsName(model, logs, helper, param, depth + 1)) return true;
      }
    }
  }
  return false;
}

function isMemberName(id: SyntaxNode): boolean {
  const p = id.parent;
  if (p?.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id) return true;
  if (p?.type === 'keyword_argument' && p.childForFieldName('name')?.id === id.id) return true;
  return false;
}

/** A cheap text test before the syntax walk: could this expression mention a secret at all? */
const MAYBE_SECRET = /key|secret|passw|pwd|token|authoriz|credential|headers/i;

/** Describes the secret an expression holds, or undefined. */
function secretIn(expr: SyntaxNode, keyNames: ReadonlySet<string>): string | undefined {
  const text = expr.text;
  if (!MAYBE_SECRET.test(text) && ![...keyNames].some((k) => text.includes(k))) return undefined;
  const candidates = expr
    .descendantsOfType(['identifier', 'attribute', 'subscript', 'call'])
    .filter((n): n is SyntaxNode => n !== null);
  for (const n of candidates) {
    if (harmless(n, expr)) continue;
    if (n.type === 'subscript' || n.type === 'call') {
      const header = headerRead(n);
      if (header) return `the ${header} header`;
      continue;
    }
    // Only whole names: `settings.SECRET_KEY`, not its `settings` part.
    if (n.parent?.type === 'attribute' && n.parent.childForFieldName('object')?.id === n.id) {
      const member = n.parent.childForFieldName('attribute')?.text ?? '';
      if (!VALUE_METHODS.has(member)) continue;
    }
    if (
      n.type === 'identifier' &&
      n.parent?.type === 'attribute' &&
      n.parent.childForFieldName('attribute')?.id === n.id
    ) {
      continue;
    }
    if (n.parent?.type === 'keyword_argument' && n.parent.childForFieldName('name')?.id === n.id) continue;
    if (n.parent?.type === 'call' && n.parent.childForFieldName('function')?.id === n.id) continue;
    const text = n.text.replace(/\s+/g, '');
    const last = text.split('.').pop() ?? text;
    if (n.type === 'attribute' && last === 'headers' && !readsOneHeader(n))
      return `every request header (${text}), Authorization included`;
    if (n.type === 'identifier' && keyNames.has(text)) return `${text} (the API key)`;
    if (SECRET_NAME.test(last) || SECRET_SUFFIX.test(last)) return text;
  }
  return undefined;
}

/** `request.headers["authorization"]` / `request.headers.get("X-API-Key")`: the header's name, if secret. */
function headerRead(n: SyntaxNode): string | undefined {
  let target: SyntaxNode | null = null;
  let nameNode: SyntaxNode | null | undefined = null;
  if (n.type === 'subscript') {
    target = n.childForFieldName('value');
    nameNode = n.childForFieldName('subscript');
  } else {
    const fn = n.childForFieldName('function');
    if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'get') return undefined;
    target = fn.childForFieldName('object');
    nameNode = n.childForFieldName('arguments')?.namedChildren[0];
  }
  if (!target || !/(^|\.)headers$/.test(target.text.replace(/\s+/g, ''))) return undefined;
  if (nameNode?.type !== 'string') return undefined;
  const name = stringText(nameNode).toLowerCase();
  return SECRET_HEADERS.has(name) ? name : undefined;
}

/** `headers[...]` or `headers.get(...)`: one header is read, not the whole set. */
function readsOneHeader(headers: SyntaxNode): boolean {
  const p = headers.parent;
  if (!p) return false;
  if (p.type === 'subscript' && p.childForFieldName('value')?.id === headers.id) return true;
  if (p.type === 'attribute' && p.childForFieldName('object')?.id === headers.id) return true;
  return false;
}

/**
 * A use that does not reveal the value: inside len()/hash()/a mask function, a comparison, a `not`,
 * or a short slice (`key[:4]`, a key id by convention).
 */
function harmless(n: SyntaxNode, root: SyntaxNode): boolean {
  for (let p = n.parent, child: SyntaxNode = n; p; child = p, p = p.parent) {
    if (p.type === 'comparison_operator' || p.type === 'not_operator') return true;
    if (p.type === 'call') {
      const callee = p.childForFieldName('function');
      if (callee && callee.id !== child.id && SAFE_WRAPPERS.test(callee.text.replace(/\s+/g, '')))
        return true;
    }
    if (p.type === 'subscript' && p.childForFieldName('value')?.id === child.id) {
      if (p.childForFieldName('subscript')?.type === 'slice') return true;
    }
    if (p.id === root.id) break;
  }
  return false;
}
