// Which statements log, directly or through a helper of the repository, and what their log records contain.
import {
  type AppModel,
  type FunctionDef,
  LOG_METHODS,
  type LogCall,
  resolveExpression,
  type SyntaxNode,
} from '../../src/index.js';

const IP_ATTRIBUTE = /(^|\.)client\.host$|(^|\.)remote_addr$/;
const IP_HEADERS = new Set([
  'x-forwarded-for',
  'x-real-ip',
  'forwarded',
  'cf-connecting-ip',
  'true-client-ip',
]);
const IP_NAME =
  /^(client_?ip|ip|ip_?addr(ess)?|remote_?addr(ess)?|client_?host|client_?addr(ess)?|source_?ip|peer_?ip)$/i;
const IP_CALL = /(^|\.)(get_remote_address|get_ipaddr|get_client_ip|client_ip)$/;
const TIME_CALL =
  /(^|\.)(datetime\.(now|utcnow|today)|time\.(time|time_ns|strftime|gmtime|localtime)|isoformat|utcnow|now)$/;
const TIME_KEY = new Set([
  'timestamp',
  'time',
  'ts',
  '@timestamp',
  'asctime',
  'datetime',
  'logged_at',
  'occurred_at',
]);
const MAX_HELPER_DEPTH = 3;

/** Log calls of the model indexed by position, with helpers (repo functions that log) found on demand. */
export class LogIndex {
  private readonly byKey = new Map<string, LogCall>();
  private readonly helperCache = new Map<FunctionDef, boolean>();

  constructor(private readonly model: AppModel) {
    for (const c of model.logCalls) this.byKey.set(keyOf(c.file, c.node), c);
  }

  /** The log call at a call node, if it is one. */
  logCallAt(file: string, call: SyntaxNode): LogCall | undefined {
    return this.byKey.get(keyOf(file, call));
  }

  /** The repository function a call invokes, if it resolves to one. */
  calledFunction(fn: FunctionDef, call: SyntaxNode): FunctionDef | undefined {
    const callee = call.childForFieldName('function');
    if (!callee) return undefined;
    const r = resolveExpression(this.model, fn.module, callee);
    return r.kind === 'definition' && r.definition.kind === 'function' ? r.definition : undefined;
  }

  private helperLogs(fn: FunctionDef, call: SyntaxNode): boolean {
    const target = this.calledFunction(fn, call);
    return target !== undefined && target !== fn && this.functionLogs(target);
  }

  /** True when a repository function logs, itself or through the functions it calls. */
  functionLogs(fn: FunctionDef, depth = 0): boolean {
    const cached = this.helperCache.get(fn);
    if (cached !== undefined) return cached;
    if (depth > MAX_HELPER_DEPTH) return false;
    this.helperCache.set(fn, false);
    let logs = false;
    for (const call of callsIn(fn.node, fn.node)) {
      if (this.logCallAt(fn.file, call)) {
        logs = true;
        break;
      }
      const target = this.calledFunction(fn, call);
      if (target && target !== fn && this.functionLogs(target, depth + 1)) {
        logs = true;
        break;
      }
    }
    this.helperCache.set(fn, logs);
    return logs;
  }

  /** The calls in a statement that log: log calls, and calls of helpers that log. */
  loggingCalls(fn: FunctionDef, stmt: SyntaxNode): Array<{ call: SyntaxNode; helper?: FunctionDef }> {
    const out: Array<{ call: SyntaxNode; helper?: FunctionDef }> = [];
    for (const call of callsIn(stmt, fn.node)) {
      if (this.logCallAt(fn.file, call)) {
        out.push({ call });
        continue;
      }
      const target = this.calledFunction(fn, call);
      if (target && target !== fn && this.functionLogs(target)) out.push({ call, helper: target });
    }
    return out;
  }

  /** True when a statement of `fn` logs. */
  statementLogs(fn: FunctionDef, stmt: SyntaxNode): boolean {
    return this.loggingCalls(fn, stmt).length > 0;
  }

  /** The simple statements of `fn` (nested scopes left out) that log. */
  logStatements(fn: FunctionDef): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    const seen = new Set<number>();
    for (const call of callsIn(fn.node, fn.node)) {
      if (!this.logCallAt(fn.file, call)) {
        const target = this.calledFunction(fn, call);
        if (!target || target === fn || !this.functionLogs(target)) continue;
      }
      const stmt = statementOf(call);
      if (stmt && !seen.has(stmt.id)) {
        seen.add(stmt.id);
        out.push(stmt);
      }
    }
    return out;
  }

  /**
   * True when a statement that looks like logging follows `raise` in its block: the model leaves
   * unreachable calls out, so this reads the syntax (a `.warning(...)`-style call on a log-named receiver).
   */
  unreachableLogAfter(fn: FunctionDef, raise: SyntaxNode): boolean {
    const block = raise.parent;
    if (!block) return false;
    let after = false;
    for (const sib of block.namedChildren) {
      if (!sib) continue;
      if (sib.id === raise.id) after = true;
      else if (after && callsIn(sib, fn.node).some((c) => looksLikeLogCall(c) || this.helperLogs(fn, c)))
        return true;
    }
    return false;
  }

  /** True when what a log statement records includes the client address. */
  mentionsClientIp(fn: FunctionDef, stmt: SyntaxNode): boolean {
    const ipLocals = this.localsMatching(fn, (n) => this.hasIp(fn, n, new Set(), 0));
    return this.hasIp(fn, stmt, ipLocals, 0);
  }

  /** True when what a log statement records includes a timestamp. */
  mentionsTime(fn: FunctionDef, stmt: SyntaxNode): boolean {
    const timeLocals = this.localsMatching(fn, (n) => this.hasTime(fn, n, new Set(), 0));
    return this.hasTime(fn, stmt, timeLocals, 0);
  }

  private localsMatching(fn: FunctionDef, test: (value: SyntaxNode) => boolean): Set<string> {
    const out = new Set<string>();
    for (const a of fn.node.descendantsOfType('assignment')) {
      if (!a || nestedIn(a, fn.node)) continue;
      const left = a.childForFieldName('left');
      const right = a.childForFieldName('right');
      if (left?.type === 'identifier' && right && test(right)) out.add(left.text);
    }
    return out;
  }

  private hasIp(fn: FunctionDef, node: SyntaxNode, locals: ReadonlySet<string>, depth: number): boolean {
    for (const n of selfAndDescendants(node, ['attribute', 'identifier', 'string', 'call'])) {
      if (n.type === 'attribute' && IP_ATTRIBUTE.test(n.text.replace(/\s+/g, ''))) return true;
      if (
        n.type === 'identifier' &&
        n.parent?.type !== 'attribute' &&
        n.parent?.type !== 'keyword_argument'
      ) {
        if (IP_NAME.test(n.text) || locals.has(n.text)) return true;
      }
      if (n.type === 'string' && IP_HEADERS.has(stringText(n).toLowerCase())) return true;
      if (n.type === 'call') {
        const callee = n.childForFieldName('function');
        if (callee && IP_CALL.test(callee.text)) return true;
        const target = depth < MAX_HELPER_DEPTH ? this.calledFunction(fn, n) : undefined;
        if (
          target &&
          target !== fn &&
          this.hasIp(target, target.node, this.localsOf(target, 'ip', depth), depth + 1)
        ) {
          return true;
        }
      }
    }
    return false;
  }

  private hasTime(fn: FunctionDef, node: SyntaxNode, locals: ReadonlySet<string>, depth: number): boolean {
    for (const n of selfAndDescendants(node, ['attribute', 'identifier', 'string', 'call'])) {
      if (n.type === 'call') {
        const callee = n.childForFieldName('function');
        if (callee && TIME_CALL.test(callee.text.replace(/\s+/g, ''))) return true;
        const target = depth < MAX_HELPER_DEPTH ? this.calledFunction(fn, n) : undefined;
        if (
          target &&
          target !== fn &&
          this.hasTime(target, target.node, this.localsOf(target, 'time', depth), depth + 1)
        ) {
          return true;
        }
      }
      if (n.type === 'string' && n.parent?.type === 'pair' && TIME_KEY.has(stringText(n).toLowerCase()))
        return true;
      if (
        n.type === 'identifier' &&
        n.parent?.type === 'keyword_argument' &&
        TIME_KEY.has(n.text.toLowerCase())
      ) {
        return true;
      }
      if (n.type === 'identifier' && locals.has(n.text) && n.parent?.type !== 'attribute') return true;
    }
    return false;
  }

  private localsOf(fn: FunctionDef, what: 'ip' | 'time', depth: number): Set<string> {
    return this.localsMatching(fn, (n) =>
      what === 'ip' ? this.hasIp(fn, n, new Set(), depth + 1) : this.hasTime(fn, n, new Set(), depth + 1),
    );
  }
}

function looksLikeLogCall(call: SyntaxNode): boolean {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'attribute') return false;
  const method = fn.childForFieldName('attribute')?.text ?? '';
  const receiver = fn.childForFieldName('object')?.text ?? '';
  return LOG_METHODS.has(method) && /log/i.test(receiver);
}

function keyOf(file: string, node: SyntaxNode): string {
  return `${file}:${node.startIndex}:${node.endIndex}`;
}

/** True when `node` sits in a function, class or lambda nested inside `scope`. */
export function nestedIn(node: SyntaxNode, scope: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.id === scope.id) return false;
    if (p.type === 'function_definition' || p.type === 'class_definition' || p.type === 'lambda') return true;
  }
  return false;
}

/** The calls under a node that belong to `scope` (not to a function nested in it). */
function callsIn(node: SyntaxNode, scope: SyntaxNode): SyntaxNode[] {
  return selfAndDescendants(node, ['call']).filter((c) => !nestedIn(c, scope) || c.id === node.id);
}

function selfAndDescendants(node: SyntaxNode, types: string[]): SyntaxNode[] {
  const out = node.descendantsOfType(types).filter((n): n is SyntaxNode => n !== null);
  return out;
}

/** The statement (a direct child of a block or module) that contains a node. */
function statementOf(node: SyntaxNode): SyntaxNode | undefined {
  for (let cur: SyntaxNode | null = node; cur; cur = cur.parent) {
    const p = cur.parent;
    if (p && (p.type === 'block' || p.type === 'module')) return cur;
  }
  return undefined;
}

/** The text of a plain string node (interpolations dropped). */
export function stringText(node: SyntaxNode): string {
  return node.namedChildren
    .filter((c): c is SyntaxNode => c !== null && c.type === 'string_content')
    .map((c) => c.text)
    .join('');
}
