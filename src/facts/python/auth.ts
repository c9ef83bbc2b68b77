// The API-key dependency: which functions check the key, and whether a route requires one of them.
import type {
  ApiKeyDependency,
  AppModel,
  DependencyRef,
  FunctionDef,
  Location,
  Route,
  RouteMount,
  RouteProtection,
} from './app-model.js';
import { LOG_METHODS } from './model-builder.js';
import { localBindings, walkBlock } from './modules.js';
import { descendantsOfType, lineOf, type SyntaxNode } from './parser.js';
import { qualifiedName, resolveExpression, resolveValue } from './resolve.js';
import {
  argumentsOf,
  comparisonOperators,
  descendantsIn,
  dottedText,
  namedChildren,
  unwrap,
  unwrapTyped,
} from './syntax.js';

/** Security classes whose instances read a credential from the request; on their own they accept any value. */
export const CREDENTIAL_READERS: ReadonlySet<string> = new Set([
  'fastapi.security.APIKeyHeader',
  'fastapi.security.APIKeyQuery',
  'fastapi.security.APIKeyCookie',
  'fastapi.security.HTTPBearer',
  'fastapi.security.HTTPBasic',
  'fastapi.security.HTTPDigest',
  'fastapi.security.OAuth2PasswordBearer',
  'fastapi.security.OAuth2AuthorizationCodeBearer',
]);

function statusOf(model: AppModel, fn: FunctionDef, node: SyntaxNode | undefined): number | undefined {
  if (!node) return undefined;
  const [n, type] = unwrapTyped(node);
  if (type === 'integer') return Number(n.text);
  const m =
    /HTTP_(\d{3})_/.exec(dottedText(n) ?? '') ??
    /HTTP_(\d{3})_/.exec(qualifiedName(model, fn.module, n) ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The HTTPException status a raise raises (following a local `exc = HTTPException(...)`), if any. */
function raisedStatus(model: AppModel, fn: FunctionDef, raise: SyntaxNode): number | undefined {
  let value = namedChildren(raise)[0];
  if (!value) return undefined;
  value = unwrap(value);
  if (value.type === 'identifier') {
    const local = localBindings(fn).get(value.text);
    const b = local?.[local.length - 1];
    if (b?.kind === 'assign') value = unwrap(b.value);
  }
  if (value.type !== 'call') return undefined;
  const callee = value.childForFieldName('function');
  const q = callee ? qualifiedName(model, fn.module, callee) : undefined;
  if (
    q !== 'fastapi.HTTPException' &&
    q !== 'fastapi.WebSocketException' &&
    !/HTTPException$/.test(callee?.text ?? '')
  ) {
    return undefined;
  }
  const { args, kwargs } = argumentsOf(value, fn.module.file);
  return statusOf(model, fn, kwargs.get('status_code')?.value ?? kwargs.get('code')?.value ?? args[0]);
}

function isKeyExpression(node: SyntaxNode, keyNames: ReadonlySet<string>): boolean {
  const n = unwrap(node);
  const text = dottedText(n);
  if (text !== undefined) {
    const head = text.split('.')[0] ?? '';
    return keyNames.has(text) || keyNames.has(head);
  }
  // request.headers.get("X-API-Key") / request.headers["x-api-key"] compared directly.
  return /\.headers\s*(?:\.get\s*\(|\[)/.test(n.text);
}

function isTrivialOperand(node: SyntaxNode): boolean {
  const [n, type] = unwrapTyped(node);
  return (
    type === 'none' ||
    type === 'true' ||
    type === 'false' ||
    (type === 'string' && /^[a-z]*(['"])\1$/i.test(n.text))
  );
}

/** Names that say a value is a credential: `x_api_key`, `Authorization`, `token`, `X-Auth-Secret`. */
const KEY_NAME = /key|token|auth|secret|credential/i;
/** Header names that carry a credential: key-like names (Authorization, X-API-Key...) and Cookie. */
const KEY_HEADER = /key|token|auth|secret|credential|cookie/i;

/**
 * The parameters through which a function receives the key: one bound to a credential reader
 * (`Security(APIKeyHeader(...))`), a Header or Cookie parameter named like a key (its name, alias or
 * annotation: `x_api_key`, `Header(alias="Authorization")`), or a query parameter named key or token.
 * A Header parameter such as `x_real_ip` is read beside the key, not the key.
 */
function keyParameters(fn: FunctionDef): string[] {
  const out: string[] = [];
  for (const p of fn.parameters) {
    const named = `${p.name} ${p.default?.text ?? ''} ${p.annotationText ?? ''}`;
    if (
      ((p.source === 'header' || p.source === 'cookie') && KEY_NAME.test(named)) ||
      ((p.source === 'security' || p.source === 'depends') &&
        p.dependency?.external !== undefined &&
        CREDENTIAL_READERS.has(p.dependency.external)) ||
      (p.source === 'query' && /key|token/i.test(p.name))
    ) {
      out.push(p.name);
    }
  }
  return out;
}

/**
 * The header reads in an expression (`request.headers.get("X-API-Key")`, `headers["authorization"]`):
 * each header's name, or undefined when the name does not resolve to a string.
 */
function headerReads(model: AppModel, fn: FunctionDef, expr: SyntaxNode): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  for (const n of descendantsOfType(expr, ['subscript', 'call'])) {
    let target: SyntaxNode | null;
    let nameNode: SyntaxNode | undefined;
    if (n.type === 'subscript') {
      target = n.childForFieldName('value');
      nameNode = n.childForFieldName('subscript') ?? undefined;
    } else {
      const callee = n.childForFieldName('function');
      if (callee?.type !== 'attribute' || callee.childForFieldName('attribute')?.text !== 'get') continue;
      target = callee.childForFieldName('object');
      nameNode = argumentsOf(n, fn.module.file).args[0];
    }
    if (!target || !/(^|\.)headers$/.test(target.text.replace(/\s+/g, ''))) continue;
    const name = nameNode ? resolveValue(model, fn.module, nameNode) : undefined;
    out.push(name?.kind === 'string' ? name.value : undefined);
  }
  return out;
}

/** The last segment of the exception classes that catch an HTTPException (its own class and its bases). */
const CATCHES_HTTP_EXCEPTION = new Set(['Exception', 'BaseException', 'HTTPException']);

function catchesHttpException(model: AppModel, fn: FunctionDef, clause: SyntaxNode): boolean {
  let value = clause.childForFieldName('value');
  // A bare `except:` catches everything.
  if (!value) return true;
  if (value.type === 'as_pattern') value = namedChildren(value)[0] ?? value;
  const u = unwrap(value);
  const types = u.type === 'tuple' ? namedChildren(u) : [u];
  return types.some((t) => {
    const name = qualifiedName(model, fn.module, t) ?? dottedText(t) ?? t.text;
    return CATCHES_HTTP_EXCEPTION.has(name.split('.').pop() ?? name);
  });
}

/**
 * True when `node` sits in the body of a `try` whose first handler for HTTPException does not raise
 * again: the exception a raise there throws never reaches FastAPI, so the request goes through.
 */
function swallowed(model: AppModel, fn: FunctionDef, node: SyntaxNode): boolean {
  let child = node;
  for (let p = node.parent; p && p.id !== fn.node.id; child = p, p = p.parent) {
    if (p.type !== 'try_statement' || p.childForFieldName('body')?.id !== child.id) continue;
    const handler = namedChildren(p).find(
      (c) =>
        (c.type === 'except_clause' || c.type === 'except_group_clause') &&
        catchesHttpException(model, fn, c),
    );
    if (handler && descendantsIn(handler, 'raise_statement').length === 0) return true;
  }
  return false;
}

/** Calls that take the key without validating it: conversions, length, printing, logging. */
const NOT_VALIDATING = new Set([
  'len',
  'str',
  'bool',
  'repr',
  'print',
  'type',
  'isinstance',
  'id',
  'hash',
  'bytes',
]);

/** The repository function a call's callee resolves to. */
function calledFunction(model: AppModel, fn: FunctionDef, callee: SyntaxNode): FunctionDef | undefined {
  const r = resolveExpression(model, fn.module, callee);
  return r.kind === 'definition' && r.definition.kind === 'function' ? r.definition : undefined;
}

/**
 * Reads how `fn` checks the key. `extraKeys` names parameters that hold the key when `fn` is a helper
 * the dependency calls with it; `depth` stops following helpers after one level.
 */
function analyseFunction(
  model: AppModel,
  fn: FunctionDef,
  extraKeys: readonly string[] = [],
  depth = 0,
): Omit<ApiKeyDependency, 'reason'> {
  const keyNames = new Set([...keyParameters(fn), ...extraKeys]);
  const raises: Location[] = [];
  const swallowedRaises: Location[] = [];
  const unsafe: Array<Location & { helper?: string }> = [];
  const safe: Location[] = [];
  let compared = false;
  const result = () => ({
    function: fn,
    keyNames: [...keyNames],
    raises,
    swallowedRaises,
    unsafeComparisons: unsafe,
    safeComparisons: safe,
    verified: compared || unsafe.length > 0 || safe.length > 0,
  });
  const body = fn.node.childForFieldName('body');
  if (!body) return result();
  const statements: Array<{ stmt: SyntaxNode; type: string }> = [];
  walkBlock(body, fn.module.file, { mainGuard: false, fallback: false }, (stmt, _state, type) => {
    if (type === 'function_definition' || type === 'decorated_definition' || type === 'class_definition')
      return;
    statements.push({ stmt, type });
  });
  // A variable read from a key header holds the key too (one read from X-Real-IP does not); when the
  // header's name does not resolve, the variable's own name tells.
  for (const { stmt, type } of statements) {
    const expr = type === 'expression_statement' ? namedChildren(stmt)[0] : undefined;
    if (expr?.type !== 'assignment') continue;
    const left = expr.childForFieldName('left');
    const right = expr.childForFieldName('right');
    if (left?.type !== 'identifier' || !right || !right.text.includes('headers')) continue;
    const reads = headerReads(model, fn, right);
    if (reads.some((h) => (h === undefined ? KEY_NAME.test(left.text) : KEY_HEADER.test(h))))
      keyNames.add(left.text);
  }
  // An argument that is the key: a key name, or a key header read in place.
  const isKeyArgument = (node: SyntaxNode): boolean => {
    const text = dottedText(unwrap(node));
    if (text !== undefined) return keyNames.has(text) || keyNames.has(text.split('.')[0] ?? '');
    return headerReads(model, fn, node).some((h) => h !== undefined && KEY_HEADER.test(h));
  };
  const headerOnly = (stmt: SyntaxNode, type: string): SyntaxNode[] => {
    switch (type) {
      case 'if_statement': {
        const out: SyntaxNode[] = [];
        const c = stmt.childForFieldName('condition');
        if (c) out.push(c);
        for (const alt of stmt.childrenForFieldName('alternative')) {
          const ac = alt?.type === 'elif_clause' ? alt.childForFieldName('condition') : undefined;
          if (ac) out.push(ac);
        }
        return out;
      }
      case 'while_statement': {
        const c = stmt.childForFieldName('condition');
        return c ? [c] : [];
      }
      case 'for_statement':
      case 'with_statement':
      case 'try_statement':
      case 'match_statement':
        return [];
      default:
        return [stmt];
    }
  };
  for (const { stmt, type } of statements) {
    if (type === 'raise_statement') {
      const status = raisedStatus(model, fn, stmt);
      if (status === 401 || status === 403) {
        const loc = { file: fn.module.file, line: lineOf(stmt) };
        (swallowed(model, fn, stmt) ? swallowedRaises : raises).push(loc);
      }
    }
    for (const part of headerOnly(stmt, type)) {
      for (const cmp of descendantsIn(part, 'comparison_operator')) {
        const ops = comparisonOperators(cmp);
        const operands = namedChildren(cmp);
        for (let i = 0; i < ops.length; i++) {
          const op = ops[i];
          const a = operands[i];
          const b = operands[i + 1];
          if (!a || !b || isTrivialOperand(a) || isTrivialOperand(b)) continue;
          // `key in settings.api_keys`: looked up among the valid keys.
          if ((op === 'in' || op === 'not in') && isKeyExpression(a, keyNames)) compared = true;
          if (op !== '==' && op !== '!=') continue;
          if (isKeyExpression(a, keyNames) || isKeyExpression(b, keyNames)) {
            unsafe.push({ file: fn.module.file, line: lineOf(cmp) });
          }
        }
      }
      for (const call of descendantsIn(part, 'call')) {
        const callee = call.childForFieldName('function');
        if (!callee) continue;
        const q = qualifiedName(model, fn.module, callee);
        if (q === 'secrets.compare_digest' || q === 'hmac.compare_digest') {
          safe.push({ file: fn.module.file, line: lineOf(call) });
          continue;
        }
        const method = callee.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
        // An exception built with the key (`HTTPException(401, detail=x_api_key)`) does not validate it either.
        if (
          NOT_VALIDATING.has(callee.text) ||
          (method !== undefined && LOG_METHODS.has(method)) ||
          /(?:Exception|Error)$/.test(q ?? callee.text)
        )
          continue;
        const { args, kwargs } = argumentsOf(call, fn.module.file);
        const keyAt = args.flatMap((a, i) => (isKeyArgument(a) ? [i] : []));
        const keyKw = [...kwargs.values()].filter((k) => isKeyArgument(k.value)).map((k) => k.name);
        if (keyAt.length === 0 && keyKw.length === 0) continue;
        // The key handed to a helper in the repository: the helper's comparisons are the dependency's.
        // A call that does not resolve (jwt.decode, a store lookup) may validate it: given the benefit of the doubt.
        const helper = depth === 0 ? calledFunction(model, fn, callee) : undefined;
        if (!helper) {
          compared = true;
          continue;
        }
        const params = helper.parameters.filter((p) => !p.variadic);
        const offset = helper.className && params[0]?.name === 'self' ? 1 : 0;
        const names = [
          ...keyAt.flatMap((i) => {
            const p = params[i + offset];
            return p ? [p.name] : [];
          }),
          ...keyKw,
        ];
        const h = analyseFunction(model, helper, names, depth + 1);
        unsafe.push(...h.unsafeComparisons.map((c) => ({ ...c, helper: helper.name })));
        safe.push(...h.safeComparisons);
        if (h.verified) compared = true;
      }
    }
  }
  return result();
}

/**
 * True when a key dependency refuses a request without the right key: it compares the key and raises
 * 401/403 where FastAPI sees it. Configured dependencies and functions that depend on an enforced one
 * are taken as enforced.
 */
export function keyIsEnforced(k: ApiKeyDependency): boolean {
  return k.reason !== 'validates-key' || (k.verified && k.raises.length > 0);
}

function matchesConfigured(fn: FunctionDef, configured: readonly string[]): boolean {
  return configured.some(
    (c) =>
      c === fn.name ||
      c === `${fn.module.name}.${fn.name}` ||
      fn.module.aliases.some((a) => c === `${a}.${fn.name}`) ||
      c === fn.id,
  );
}

/** Results per model and `configured` list: api-auth, debug and security-logging share one computation. */
const keyCache = new WeakMap<AppModel, Map<string, readonly ApiKeyDependency[]>>();

/**
 * Every function that is the API-key dependency: named in `configured` (function names or dotted
 * `module.function`), or reading a key (APIKeyHeader, Header, Security, request headers) and raising
 * HTTPException 401/403; then every function that depends on one of those. Memoised per model, so the
 * checks of one audit compute it once.
 */
export function apiKeyDependencies(model: AppModel, configured: readonly string[] = []): ApiKeyDependency[] {
  let byConfig = keyCache.get(model);
  if (!byConfig) {
    byConfig = new Map();
    keyCache.set(model, byConfig);
  }
  const key = configured.join('\0');
  let keys = byConfig.get(key);
  if (!keys) {
    keys = findApiKeyDependencies(model, configured);
    byConfig.set(key, keys);
  }
  return [...keys];
}

function findApiKeyDependencies(model: AppModel, configured: readonly string[]): ApiKeyDependency[] {
  const found = new Map<FunctionDef, ApiKeyDependency>();
  for (const fn of model.functions.values()) {
    if (matchesConfigured(fn, configured)) {
      found.set(fn, { ...analyseFunction(model, fn), verified: true, reason: 'configured' });
      continue;
    }
    // Validating a key takes a `raise`: a function without the word is skipped before its statements are read.
    if (!fn.node.text.includes('raise')) continue;
    const a = analyseFunction(model, fn);
    // Recorded even when it does not work (presence only, a swallowed raise): the finding says why.
    if (a.keyNames.length > 0 && (a.raises.length > 0 || a.swallowedRaises.length > 0))
      found.set(fn, { ...a, reason: 'validates-key' });
  }
  // Functions that depend on a key dependency require the key too.
  let changed = true;
  while (changed) {
    changed = false;
    for (const fn of model.functions.values()) {
      if (found.has(fn)) continue;
      const dep = fn.parameters.find((p) => {
        const k = p.dependency?.function ? found.get(p.dependency.function) : undefined;
        return k !== undefined && keyIsEnforced(k);
      });
      if (dep) {
        found.set(fn, { ...analyseFunction(model, fn), verified: true, reason: 'sub-dependency' });
        changed = true;
      }
    }
  }
  return [...found.values()];
}

/** The dependencies that run for a route served through `mount`, outermost first. */
export function effectiveDependencies(route: Route, mount: RouteMount): DependencyRef[] {
  return [...mount.inherited, ...route.decoratorDependencies, ...route.parameterDependencies];
}

/** The key dependencies by function, built once per list: a check asks for every route with the same list. */
const keyIndexes = new WeakMap<
  readonly ApiKeyDependency[],
  { length: number; byFn: Map<FunctionDef, ApiKeyDependency> }
>();

function keysByFunction(keys: readonly ApiKeyDependency[]): Map<FunctionDef, ApiKeyDependency> {
  let index = keyIndexes.get(keys);
  // A list that grew since is indexed again.
  if (index?.length !== keys.length) {
    index = { length: keys.length, byFn: new Map(keys.map((k) => [k.function, k])) };
    keyIndexes.set(keys, index);
  }
  return index.byFn;
}

/** How a route served through `mount` requires the API key, or undefined when it does not. */
export function routeRequires(
  route: Route,
  mount: RouteMount,
  keys: readonly ApiKeyDependency[],
  configured: readonly string[] = [],
): RouteProtection | undefined {
  const byFn = keysByFunction(keys);
  for (const dep of effectiveDependencies(route, mount)) {
    const k = dep.function ? byFn.get(dep.function) : undefined;
    if (k && keyIsEnforced(k)) return { dependency: dep, key: k };
    const name = dep.external ?? dep.targetText;
    const short = name.split('.').pop() ?? name;
    const hit = configured.find((c) => c === name || c === short || c === dep.targetText);
    if (hit) return { dependency: dep, key: { configured: hit } };
  }
  // A handler that reads and checks the key itself.
  const own = route.handler ? byFn.get(route.handler) : undefined;
  if (own && own.reason === 'validates-key' && keyIsEnforced(own)) return { key: own };
  return undefined;
}

/** True when an environment branch says the code does not run in production. */
function offInProduction(branch: { production: boolean } | undefined): boolean {
  return branch !== undefined && !branch.production;
}

/** Every route and the way it is served in production (routes under a non-production branch left out). */
export function servedRoutes(model: AppModel): Array<{ route: Route; mount: RouteMount }> {
  const out: Array<{ route: Route; mount: RouteMount }> = [];
  for (const route of model.routes) {
    if (offInProduction(route.branch) || offInProduction(route.owner.branch)) continue;
    for (const mount of route.mounts) {
      if (offInProduction(mount.branch)) continue;
      out.push({ route, mount });
    }
  }
  return out;
}
