// Name and value resolution across the repo's modules: imports, assignments, settings fields, env files.
import type {
  AppModel,
  Binding,
  EnvBranch,
  FunctionDef,
  KeywordArgument,
  Location,
  PydanticModel,
  PyModule,
  PyValue,
  Resolved,
} from './app-model.js';
import { type ConditionClass, classifyConditionSyntax, useConditionClassifier } from './conditions.js';
import {
  collectBindings,
  enclosingFunction,
  findModule,
  forgetLocalBindings,
  localBindings,
  walkBlock,
} from './modules.js';
import { lineOf, type SyntaxNode } from './parser.js';
import {
  argumentsOf,
  binaryOperator,
  comparisonOperators,
  dottedText,
  namedChildren,
  stringLiteral,
  unwrap,
  unwrapTyped,
} from './syntax.js';

export { argumentsOf } from './syntax.js';

const MAX_DEPTH = 40;

/** Aliases of the same public name collapsed to one spelling. */
const CANONICAL: Array<[RegExp, string]> = [
  [/^fastapi\.applications\.FastAPI$/, 'fastapi.FastAPI'],
  [/^fastapi\.routing\.APIRouter$/, 'fastapi.APIRouter'],
  [/^fastapi\.(?:param_functions|params)\.(\w+)$/, 'fastapi.$1'],
  [/^(?:starlette|fastapi)\.requests\.(Request|HTTPConnection)$/, 'fastapi.$1'],
  [/^(?:starlette|fastapi)\.websockets\.WebSocket$/, 'fastapi.WebSocket'],
  [/^(?:starlette|fastapi)\.background\.BackgroundTasks$/, 'fastapi.BackgroundTasks'],
  [/^(?:starlette|fastapi)\.responses\.Response$/, 'fastapi.Response'],
  [/^(?:starlette|fastapi)\.middleware\.cors\.CORSMiddleware$/, 'fastapi.middleware.cors.CORSMiddleware'],
  [/^(?:starlette|fastapi)\.middleware\.Middleware$/, 'starlette.middleware.Middleware'],
  [
    /^(?:starlette|fastapi)\.middleware\.trustedhost\.TrustedHostMiddleware$/,
    'fastapi.middleware.trustedhost.TrustedHostMiddleware',
  ],
  [/^fastapi\.security\.(?:api_key|http|oauth2)\.(\w+)$/, 'fastapi.security.$1'],
  [/^(?:starlette\.exceptions|fastapi\.exceptions)\.HTTPException$/, 'fastapi.HTTPException'],
  [/^starlette\.status\.(\w+)$/, 'fastapi.status.$1'],
  [/^(?:sqlalchemy\.sql(?:\.expression)?|sqlmodel)\.text$/, 'sqlalchemy.text'],
  [/^sqlalchemy\.engine(?:\.create)?\.create_engine$/, 'sqlalchemy.create_engine'],
  [/^sqlalchemy\.ext\.asyncio\.engine\.create_async_engine$/, 'sqlalchemy.ext.asyncio.create_async_engine'],
  [/^pydantic\.v1\.(\w+)$/, 'pydantic.$1'],
  [/^pydantic\.env_settings\.BaseSettings$/, 'pydantic.BaseSettings'],
  [/^pydantic\.(?:fields|main|functional_validators|class_validators)\.(\w+)$/, 'pydantic.$1'],
  [/^pydantic_settings\.main\.(\w+)$/, 'pydantic_settings.$1'],
  [/^slowapi\.extension\.Limiter$/, 'slowapi.Limiter'],
  [/^slowapi\.RateLimitExceeded$/, 'slowapi.errors.RateLimitExceeded'],
  [/^uvicorn\.main\.run$/, 'uvicorn.run'],
];

/** The canonical spelling of a qualified name (`fastapi.routing.APIRouter` → `fastapi.APIRouter`). */
export function canonicalName(name: string): string {
  const cached = canonicalCache.get(name);
  if (cached !== undefined) return cached;
  let out = name;
  for (const [re, to] of CANONICAL) {
    if (re.test(name)) {
      out = name.replace(re, to);
      break;
    }
  }
  if (canonicalCache.size > 50_000) canonicalCache.clear();
  canonicalCache.set(name, out);
  return out;
}

const canonicalCache = new Map<string, string>();

const BUILTINS = new Set(
  'dict list tuple set frozenset str int float bool bytes object type print len range any all open'.split(
    ' ',
  ),
);

function moduleOf(model: AppModel, loc: Location): PyModule | undefined {
  return model.moduleByFile.get(loc.file);
}

/**
 * Picks the binding in effect: production branches win, then the last one before `at` in the same scope.
 * A last binding made under a condition unknown at analysis time (`if os.getenv("X"):`) is not taken on
 * faith: the binding it may replace is picked, and the conditional one is returned as the alternative.
 */
function pickBinding(
  list: Binding[],
  atLine: number | undefined,
): { binding: Binding; branch?: EnvBranch; alternative?: Binding } | undefined {
  if (list.length === 0) return undefined;
  const live = list.filter((b) => !b.branch || b.branch.production);
  const pool = live.length > 0 ? live : list;
  const before = atLine === undefined ? pool : pool.filter((b) => b.line <= atLine);
  const candidates = before.length > 0 ? before : pool;
  let chosen = candidates[candidates.length - 1];
  if (!chosen) return undefined;
  let alternative: Binding | undefined;
  if (chosen.uncertain) {
    const sure = candidates.findLast((b) => !b.uncertain);
    if (sure) {
      alternative = chosen;
      chosen = sure;
    }
  }
  const branched = list.find((b) => b.branch)?.branch;
  return {
    binding: chosen,
    ...(chosen.branch ? { branch: chosen.branch } : branched ? { branch: branched } : {}),
    ...(alternative ? { alternative } : {}),
  };
}

/** Adds the alternative binding of an uncertain choice to a resolved binding. */
function withAlternative(r: Resolved, alternative: Binding | undefined): Resolved {
  return alternative && r.kind === 'binding' && !r.alternative ? { ...r, alternative } : r;
}

const parameterCache = new WeakMap<FunctionDef, Set<string>>();

function parameterNames(fn: FunctionDef): Set<string> {
  const cached = parameterCache.get(fn);
  if (cached) return cached;
  const out = new Set<string>();
  parameterCache.set(fn, out);
  const params = fn.node.childForFieldName('parameters');
  if (!params) return out;
  for (const p of namedChildren(params)) {
    const id =
      p.type === 'identifier'
        ? p
        : (p.childForFieldName('name') ?? namedChildren(p).find((c) => c.type === 'identifier'));
    if (id) out.add(id.text);
  }
  return out;
}

const memos = new WeakMap<AppModel, Map<string, Resolved>>();

function moduleMemo(model: AppModel): Map<string, Resolved> {
  let m = memos.get(model);
  if (!m) {
    m = new Map();
    memos.set(model, m);
  }
  return m;
}

/** The names and values being resolved on the current path (a chain: extending it copies nothing). */
interface Seen {
  key: string;
  next: Seen | undefined;
}

interface Ctx {
  depth: number;
  seen: Seen | undefined;
}

function fresh(): Ctx {
  return { depth: 0, seen: undefined };
}

function seenOn(seen: Seen | undefined, key: string): boolean {
  for (let s = seen; s; s = s.next) if (s.key === key) return true;
  return false;
}

/** What `name` refers to in `module`, seen from node `at` (local scopes first) or at module level. */
export function resolveName(model: AppModel, module: PyModule, name: string, at?: SyntaxNode): Resolved {
  return resolveNameIn(model, module, name, at, fresh());
}

function resolveNameIn(
  model: AppModel,
  module: PyModule,
  name: string,
  at: SyntaxNode | undefined,
  ctx: Ctx,
): Resolved {
  if (ctx.depth > MAX_DEPTH) return { kind: 'unknown', reason: 'resolution too deep' };
  const key = `name:${module.file}:${name}:${at?.startIndex ?? -1}`;
  if (seenOn(ctx.seen, key)) return { kind: 'unknown', reason: `circular reference to ${name}` };
  // The chain holds the names on the current path only, so siblings may resolve the same name again.
  ctx = { depth: ctx.depth, seen: { key, next: ctx.seen } };
  let fn = at ? enclosingFunction(module, at) : undefined;
  const atLine = at ? lineOf(at) : undefined;
  let innermost = true;
  while (fn) {
    const locals = localBindings(fn);
    const list = locals.get(name);
    if (list && list.length > 0) {
      const picked = pickBinding(list, innermost ? atLine : undefined);
      if (picked)
        return withAlternative(
          bindingTarget(model, module, picked.binding, { ...ctx, depth: ctx.depth + 1 }),
          picked.alternative,
        );
    }
    if (parameterNames(fn).has(name))
      return { kind: 'unknown', reason: `${name} is a parameter of ${fn.name}()` };
    innermost = false;
    fn = enclosingFunction(module, fn.node);
  }
  const list = module.bindings.get(name);
  if (list && list.length > 0) {
    const sameScope = at !== undefined && !enclosingFunction(module, at);
    // A name bound once resolves the same from everywhere: memoised per model.
    const memoKey = list.length === 1 ? `${module.file}\0${name}` : undefined;
    const memo = memoKey ? moduleMemo(model).get(memoKey) : undefined;
    if (memo) return memo;
    const picked = pickBinding(list, sameScope ? atLine : undefined);
    if (picked) {
      const r = withAlternative(
        bindingTarget(model, module, picked.binding, { ...ctx, depth: ctx.depth + 1 }),
        picked.alternative,
      );
      if (memoKey && r.kind !== 'unknown') moduleMemo(model).set(memoKey, r);
      return r;
    }
  }
  if (BUILTINS.has(name)) return { kind: 'external', name: `builtins.${name}` };
  return { kind: 'unknown', reason: `${name} is not defined in ${module.file}` };
}

function bindingTarget(model: AppModel, module: PyModule, binding: Binding, ctx: Ctx): Resolved {
  switch (binding.kind) {
    case 'import-module': {
      const m = findModule(model, module, binding.module);
      return m ? { kind: 'module', module: m } : { kind: 'external', name: binding.module };
    }
    case 'import-from': {
      const sub = findModule(model, module, `${binding.module}.${binding.imported}`);
      if (sub) return { kind: 'module', module: sub };
      const m = findModule(model, module, binding.module);
      if (m) {
        if (m === module && binding.imported === binding.name)
          return { kind: 'unknown', reason: 'self import' };
        return resolveNameIn(model, m, binding.imported, undefined, { ...ctx, depth: ctx.depth + 1 });
      }
      return { kind: 'external', name: canonicalName(`${binding.module}.${binding.imported}`) };
    }
    case 'function':
    case 'class':
      return { kind: 'definition', definition: binding.definition };
    case 'assign': {
      // Plain aliases (`Router = APIRouter`, `s = settings`) are followed; anything else is the binding.
      const v = unwrap(binding.value);
      const bm = moduleOf(model, binding) ?? module;
      if (v.type === 'identifier' || v.type === 'attribute') {
        const r = resolveExprIn(model, bm, v, ctx);
        if (r.kind !== 'unknown') return r;
      }
      return { kind: 'binding', module: bm, binding };
    }
  }
}

/** What an expression (a name or an attribute chain) refers to. */
export function resolveExpression(model: AppModel, module: PyModule, node: SyntaxNode): Resolved {
  return resolveExprIn(model, module, node, fresh());
}

function resolveExprIn(model: AppModel, module: PyModule, node: SyntaxNode, ctx: Ctx): Resolved {
  if (ctx.depth > MAX_DEPTH) return { kind: 'unknown', reason: 'resolution too deep' };
  const [n, type] = unwrapTyped(node);
  if (type === 'identifier') return resolveNameIn(model, module, n.text, n, ctx);
  if (type === 'attribute') {
    const obj = n.childForFieldName('object');
    const attr = n.childForFieldName('attribute')?.text;
    if (!obj || !attr) return { kind: 'unknown', reason: 'incomplete attribute' };
    const base = resolveExprIn(model, module, obj, { ...ctx, depth: ctx.depth + 1 });
    return memberOf(model, module, base, attr, obj, ctx);
  }
  if (type === 'call') {
    const fn = n.childForFieldName('function');
    if (!fn) return { kind: 'unknown', reason: 'incomplete call' };
    const callee = resolveExprIn(model, module, fn, { ...ctx, depth: ctx.depth + 1 });
    if (callee.kind === 'definition' && callee.definition.kind === 'function') {
      const ret = returnedExpression(callee.definition);
      if (ret) return resolveExprIn(model, callee.definition.module, ret, { ...ctx, depth: ctx.depth + 1 });
    }
    return { kind: 'unknown', reason: `the result of a call to ${dottedText(fn) ?? 'a function'}` };
  }
  return { kind: 'unknown', reason: `a ${type.replace(/_/g, ' ')}` };
}

function memberOf(
  model: AppModel,
  module: PyModule,
  base: Resolved,
  attr: string,
  objNode: SyntaxNode,
  ctx: Ctx,
): Resolved {
  const next = { ...ctx, depth: ctx.depth + 1 };
  switch (base.kind) {
    case 'module': {
      const sub = findModule(model, base.module, `${base.module.aliases[0]}.${attr}`);
      if (sub && !base.module.bindings.has(attr)) return { kind: 'module', module: sub };
      if (base.module.bindings.has(attr)) return resolveNameIn(model, base.module, attr, undefined, next);
      if (sub) return { kind: 'module', module: sub };
      return { kind: 'unknown', reason: `${attr} is not defined in ${base.module.file}` };
    }
    case 'external':
      return { kind: 'external', name: canonicalName(`${base.name}.${attr}`) };
    case 'definition': {
      if (base.definition.kind === 'class')
        return classAttribute(model, base.definition.module, base.definition.node, attr, next);
      return { kind: 'unknown', reason: `attribute of function ${base.definition.name}` };
    }
    case 'binding': {
      const inst = settingsInstance(model, base.module, base.binding, next);
      if (inst)
        return {
          kind: 'settings-field',
          model: inst,
          field: attr,
          instance: { file: base.binding.file, line: base.binding.line },
        };
      return { kind: 'unknown', reason: `attribute ${attr} of ${base.binding.name}` };
    }
    case 'settings-field':
      return { kind: 'unknown', reason: `attribute ${attr} of settings field ${base.field}` };
    case 'unknown': {
      // A parameter annotated with a settings class: `settings: Settings = Depends(get_settings)`.
      const pm = annotatedSettings(model, module, objNode, next);
      if (pm)
        return {
          kind: 'settings-field',
          model: pm,
          field: attr,
          instance: { file: module.file, line: lineOf(objNode) },
        };
      return base;
    }
  }
}

function annotatedSettings(
  model: AppModel,
  module: PyModule,
  objNode: SyntaxNode,
  ctx: Ctx,
): PydanticModel | undefined {
  const o = unwrap(objNode);
  if (o.type !== 'identifier') return undefined;
  const fn = enclosingFunction(module, o);
  if (!fn) return undefined;
  const params = fn.node.childForFieldName('parameters');
  if (!params) return undefined;
  for (const p of namedChildren(params)) {
    const name = p.childForFieldName('name') ?? namedChildren(p).find((c) => c.type === 'identifier');
    if (name?.text !== o.text) continue;
    const type = p.childForFieldName('type');
    const t = type ? namedChildren(type)[0] : undefined;
    if (!t) return undefined;
    const r = resolveExprIn(model, module, t, ctx);
    if (r.kind === 'definition' && r.definition.kind === 'class') {
      const def = r.definition;
      return model.pydanticModels.find((m) => m.class === def && m.isSettings);
    }
  }
  return undefined;
}

function classAttribute(
  model: AppModel,
  module: PyModule,
  classNode: SyntaxNode,
  attr: string,
  ctx: Ctx,
): Resolved {
  const body = classNode.childForFieldName('body');
  if (!body) return { kind: 'unknown', reason: 'empty class' };
  let found: Binding | undefined;
  for (const stmt of namedChildren(body)) {
    const expr = stmt.type === 'expression_statement' ? namedChildren(stmt)[0] : undefined;
    if (expr?.type !== 'assignment') continue;
    const left = expr.childForFieldName('left');
    const right = expr.childForFieldName('right');
    if (left?.type === 'identifier' && left.text === attr && right) {
      found = { kind: 'assign', name: attr, value: right, file: module.file, line: lineOf(expr) };
    }
  }
  if (found) return bindingTarget(model, module, found, ctx);
  const nested = [...module.definitions.values()].find(
    (d) => d.node.parent?.parent?.startIndex === classNode.startIndex && d.name === attr,
  );
  if (nested) return { kind: 'definition', definition: nested };
  return { kind: 'unknown', reason: `class attribute ${attr}` };
}

/** The expression a function returns on its first reachable `return` with a value. */
let returnCache = new WeakMap<FunctionDef, { node: SyntaxNode | undefined }>();

export function returnedExpression(fn: FunctionDef): SyntaxNode | undefined {
  const cached = returnCache.get(fn);
  if (cached) return cached.node;
  const body = fn.node.childForFieldName('body');
  if (!body) return undefined;
  let found: SyntaxNode | undefined;
  walkBlock(body, fn.module.file, { mainGuard: false, fallback: false }, (stmt, _state, type) => {
    if (found || type !== 'return_statement') return;
    const v = namedChildren(stmt)[0];
    if (v && v.type !== 'none') found = v;
  });
  returnCache.set(fn, { node: found });
  return found;
}

/** The call that created the object an expression refers to (following names, imports and factories). */
export function creationCall(
  model: AppModel,
  module: PyModule,
  node: SyntaxNode,
  ctx: Ctx = fresh(),
): { module: PyModule; call: SyntaxNode } | undefined {
  if (ctx.depth > MAX_DEPTH) return undefined;
  const [n, type] = unwrapTyped(node);
  const next = { ...ctx, depth: ctx.depth + 1 };
  if (type === 'call') {
    const fn = n.childForFieldName('function');
    if (fn) {
      const callee = resolveExprIn(model, module, fn, next);
      if (callee.kind === 'definition' && callee.definition.kind === 'function') {
        const ret = returnedExpression(callee.definition);
        if (ret) return creationCall(model, callee.definition.module, ret, next);
        return undefined;
      }
    }
    return { module, call: n };
  }
  if (type === 'identifier' || type === 'attribute') {
    const r = resolveExprIn(model, module, n, next);
    if (r.kind === 'binding' && r.binding.kind === 'assign') {
      const sure = creationCall(model, r.module, r.binding.value, next);
      const alt =
        r.alternative?.kind === 'assign'
          ? creationCall(model, moduleOf(model, r.alternative) ?? r.module, r.alternative.value, next)
          : undefined;
      // `app = FastAPI(dependencies=[...])` then `if os.getenv("OPEN"): app = FastAPI()`: the object may be
      // either; the one with fewer options (closer to the defaults) is the less safe one, and is judged.
      if (sure && alt && fewerOptions(alt.call, sure.call)) return alt;
      return sure;
    }
  }
  return undefined;
}

/** Both calls name the same callee and `a` passes a strict subset of `b`'s keyword arguments. */
function fewerOptions(a: SyntaxNode, b: SyntaxNode): boolean {
  if (a.childForFieldName('function')?.text !== b.childForFieldName('function')?.text) return false;
  const names = (c: SyntaxNode) =>
    new Set(
      namedChildren(c.childForFieldName('arguments') ?? c)
        .filter((x) => x.type === 'keyword_argument')
        .map((x) => x.childForFieldName('name')?.text ?? ''),
    );
  const na = names(a);
  const nb = names(b);
  return na.size < nb.size && [...na].every((k) => nb.has(k));
}

const instanceCache = new WeakMap<Binding, { pm: PydanticModel | undefined }>();

function settingsInstance(
  model: AppModel,
  module: PyModule,
  binding: Binding,
  ctx: Ctx,
): PydanticModel | undefined {
  const cached = instanceCache.get(binding);
  if (cached) return cached.pm;
  const pm = findSettingsInstance(model, module, binding, ctx);
  // Only definite answers are kept: a lookup cut short by the depth limit may succeed from elsewhere.
  if (pm || ctx.depth < MAX_DEPTH / 2) instanceCache.set(binding, { pm });
  return pm;
}

function findSettingsInstance(
  model: AppModel,
  module: PyModule,
  binding: Binding,
  ctx: Ctx,
): PydanticModel | undefined {
  if (binding.kind !== 'assign') return undefined;
  const created = creationCall(model, module, binding.value, ctx);
  if (!created) return undefined;
  const fn = created.call.childForFieldName('function');
  if (!fn) return undefined;
  const r = resolveExprIn(model, created.module, fn, ctx);
  if (r.kind !== 'definition' || r.definition.kind !== 'class') return undefined;
  const def = r.definition;
  return model.pydanticModels.find((m) => m.class === def && m.isSettings);
}

/**
 * Qualified names per model, module and node id: the same callee is named by the parameter pass, the
 * dependency pass and the call pass (`Depends` of every handler), and the answer never changes.
 */
const qualifiedMemo = new WeakMap<AppModel, WeakMap<PyModule, Map<number, string | null>>>();

/** The canonical qualified name an expression refers to: external names, or a repo definition's id. */
export function qualifiedName(model: AppModel, module: PyModule, node: SyntaxNode): string | undefined {
  let byModule = qualifiedMemo.get(model);
  if (!byModule) {
    byModule = new WeakMap();
    qualifiedMemo.set(model, byModule);
  }
  let memo = byModule.get(module);
  if (!memo) {
    memo = new Map();
    byModule.set(module, memo);
  }
  const cached = memo.get(node.id);
  if (cached !== undefined) return cached ?? undefined;
  const name = resolvedName(resolveExpression(model, module, node));
  memo.set(node.id, name ?? null);
  return name;
}

function resolvedName(r: Resolved): string | undefined {
  if (r.kind === 'external') return canonicalName(r.name);
  if (r.kind === 'definition') return r.definition.id;
  if (r.kind === 'module') return r.module.name;
  return undefined;
}

/** The canonical name of a call's callee (`fastapi.FastAPI`), or undefined when it does not resolve. */
export function callName(model: AppModel, module: PyModule, call: SyntaxNode): string | undefined {
  const fn = call.childForFieldName('function');
  return fn ? qualifiedName(model, module, fn) : undefined;
}

/** Conditions being evaluated on the current path: a condition met again while evaluating itself is not. */
const evaluating = new Set<string>();

/**
 * Classifies a condition (constant, main guard, environment test). Where its value resolves, it is judged by
 * that value: read from an env file (`.env.production` sets DEV_MODE=true) it is the production value, a
 * module constant (`PROTECT = False`) makes it constant; a settings default counts where the syntax alone
 * tells nothing. Otherwise the syntax decides (`settings.environment == "production"`).
 */
export function classifyCondition(model: AppModel, module: PyModule, node: SyntaxNode): ConditionClass {
  const syntax = classifyConditionSyntax(node, module.file);
  if (syntax.kind === 'const' || syntax.kind === 'main-guard') return syntax;
  // Local variables change as a function runs (loops, earlier branches): only module-level names,
  // settings and the environment are evaluated.
  if (usesLocalNames(module, node)) return syntax;
  const key = `${module.file}:${node.startIndex}:${node.endIndex}`;
  if (evaluating.has(key)) return syntax;
  evaluating.add(key);
  let v: PyValue;
  try {
    v = valueIn(model, module, node, fresh());
  } finally {
    evaluating.delete(key);
  }
  if (v.kind === 'unknown') return syntax;
  const value = truthy(v);
  const n = unwrap(node);
  const base = {
    file: module.file,
    line: lineOf(n),
    condition: n.text.length > 80 ? `${n.text.slice(0, 77)}...` : n.text,
  };
  if (v.envKey && !v.defaulted) {
    const where = v.from ? ` in ${v.from.file}` : '';
    return {
      kind: 'env',
      productionWhen: value,
      branch: {
        ...base,
        condition: `${base.condition} (${v.envKey}${where} makes it ${value ? 'true' : 'false'})`,
      },
    };
  }
  if (v.envKey || v.defaulted) {
    if (syntax.kind === 'env') return syntax;
    return {
      kind: 'env',
      productionWhen: value,
      branch: {
        ...base,
        condition: `${base.condition} (the default of ${v.envKey ?? 'a setting'} makes it ${value ? 'true' : 'false'})`,
      },
    };
  }
  return { kind: 'const', value };
}

/** True when a condition inside a function reads a name bound or passed in that function (or an enclosing one). */
function usesLocalNames(module: PyModule, node: SyntaxNode): boolean {
  let fn = enclosingFunction(module, node);
  if (!fn) return false;
  const names = new Set<string>();
  for (const id of node.type === 'identifier' ? [node] : node.descendantsOfType('identifier')) {
    // `a.b`: only the object `a` is a name; the attribute `b` is not.
    if (id && !(id.parent?.type === 'attribute' && id.parent.childForFieldName('attribute')?.id === id.id))
      names.add(id.text);
  }
  while (fn) {
    const bound = boundNames(fn);
    for (const n of names) if (bound.has(n)) return true;
    fn = enclosingFunction(module, fn.node);
  }
  return false;
}

const boundCache = new WeakMap<FunctionDef, Set<string>>();

/**
 * The names a function binds anywhere in its body, reachable or not, and its parameters: read from the syntax
 * alone, since the statement walks that collect bindings classify conditions themselves.
 */
function boundNames(fn: FunctionDef): Set<string> {
  const cached = boundCache.get(fn);
  if (cached) return cached;
  const out = new Set(parameterNames(fn));
  boundCache.set(fn, out);
  const targets: Array<SyntaxNode | null> = [];
  for (const n of fn.node
    .childForFieldName('body')
    ?.descendantsOfType([
      'assignment',
      'augmented_assignment',
      'for_statement',
      'for_in_clause',
      'named_expression',
      'as_pattern',
    ]) ?? []) {
    if (!n) continue;
    if (n.type === 'named_expression') targets.push(n.childForFieldName('name'));
    else if (n.type === 'as_pattern') targets.push(n.childForFieldName('alias'));
    else targets.push(n.childForFieldName('left'));
  }
  for (const t of targets) {
    if (!t) continue;
    if (t.type === 'identifier') out.add(t.text);
    for (const id of t.descendantsOfType('identifier')) if (id) out.add(id.text);
  }
  return out;
}

/**
 * Once settings and env files are known, conditions are judged by their values: every later statement walk
 * of the model's trees uses classifyCondition, and module-level bindings are collected again with it.
 */
export function refineConditions(model: AppModel): void {
  for (const m of model.modules) useConditionClassifier(m.tree, (node) => classifyCondition(model, m, node));
  const rebound = model.modules.map((m) => collectBindings(m, m.tree.rootNode));
  model.modules.forEach((m, i) => {
    m.bindings = rebound[i] ?? m.bindings;
    forgetLocalBindings(m);
  });
  memos.delete(model);
  qualifiedMemo.delete(model);
  returnCache = new WeakMap();
  mutationCache = new WeakMap();
}

/** Every string in a value (a string, or the strings of a list). */
export function stringValues(value: PyValue): string[] {
  if (value.kind === 'string') return [value.value];
  if (value.kind === 'list') return value.items.flatMap(stringValues);
  return [];
}

/** Resolves an expression to a value where it can: literals, names across modules, settings and env files. */
export function resolveValue(model: AppModel, module: PyModule, node: SyntaxNode): PyValue {
  return valueIn(model, module, node, fresh());
}

function unknown(reason: string, node?: SyntaxNode): PyValue {
  return node ? { kind: 'unknown', reason, node } : { kind: 'unknown', reason };
}

function withMeta(
  v: PyValue,
  meta: Partial<Pick<PyValue, 'from' | 'conditional' | 'envKey' | 'defaulted'>>,
): PyValue {
  const out = { ...v } as PyValue;
  if (meta.from && !out.from) out.from = meta.from;
  if (meta.conditional && !out.conditional) out.conditional = meta.conditional;
  if (meta.envKey && !out.envKey) out.envKey = meta.envKey;
  if (meta.defaulted) out.defaulted = true;
  return out;
}

function valueIn(model: AppModel, module: PyModule, node: SyntaxNode, ctx: Ctx): PyValue {
  if (ctx.depth > MAX_DEPTH) return unknown('resolution too deep', node);
  const key = `value:${module.file}:${node.startIndex}:${node.endIndex}`;
  if (seenOn(ctx.seen, key)) return unknown('circular definition', node);
  const next: Ctx = { depth: ctx.depth + 1, seen: { key, next: ctx.seen } };
  const [n, type] = unwrapTyped(node);
  const here: Location = { file: module.file, line: lineOf(n) };
  switch (type) {
    case 'string':
    case 'concatenated_string': {
      const lit = stringLiteral(n);
      if (lit !== undefined) return { kind: 'string', value: lit, from: here, node: n };
      return fstringValue(model, module, n, next, here);
    }
    case 'integer':
    case 'float': {
      const num = Number(n.text.replace(/_/g, ''));
      return Number.isNaN(num) ? unknown('number', n) : { kind: 'number', value: num, from: here, node: n };
    }
    case 'true':
      return { kind: 'bool', value: true, from: here, node: n };
    case 'false':
      return { kind: 'bool', value: false, from: here, node: n };
    case 'none':
      return { kind: 'none', from: here, node: n };
    case 'unary_operator': {
      const arg = n.childForFieldName('argument');
      const v = arg ? valueIn(model, module, arg, next) : unknown('operand', n);
      if (v.kind === 'number' && binaryOperator(n) === '-') return { ...v, value: -v.value };
      return v.kind === 'number' ? v : unknown('unary expression', n);
    }
    case 'list':
    case 'tuple':
    case 'set': {
      const items: PyValue[] = [];
      for (const c of namedChildren(n)) {
        if (c.type === 'list_splat') {
          const inner = namedChildren(c)[0];
          const v = inner ? valueIn(model, module, inner, next) : unknown('splat', c);
          if (v.kind === 'list') items.push(...v.items);
          else items.push(unknown('an unpacked value that could not be resolved', c));
        } else {
          items.push(valueIn(model, module, c, next));
        }
      }
      return { kind: 'list', items, from: here, node: n };
    }
    case 'identifier':
    case 'attribute':
      return referenceValue(model, module, n, next);
    case 'subscript':
      return subscriptValue(model, module, n, next);
    case 'call':
      return callValue(model, module, n, next);
    case 'not_operator': {
      const arg = n.childForFieldName('argument');
      const v = arg ? valueIn(model, module, arg, next) : unknown('operand', n);
      if (v.kind === 'unknown') return v;
      return withMeta(withMeta({ kind: 'bool', value: !truthy(v), node: n }, envMeta(v)), { from: here });
    }
    case 'comparison_operator':
      return comparisonValue(model, module, n, next, here);
    case 'conditional_expression': {
      const [a, cond, b] = namedChildren(n);
      if (!a || !cond || !b) return unknown('conditional expression', n);
      const c = classifyCondition(model, module, cond);
      if (c.kind === 'const') return valueIn(model, module, c.value ? a : b, next);
      if (c.kind === 'env') {
        const branch: EnvBranch = { ...c.branch, production: true };
        return withMeta(valueIn(model, module, c.productionWhen ? a : b, next), { conditional: branch });
      }
      const va = valueIn(model, module, a, next);
      const vb = valueIn(model, module, b, next);
      if (sameValue(va, vb)) return va;
      return unknown(`depends on the condition ${cond.text}`, n);
    }
    case 'binary_operator': {
      const op = binaryOperator(n);
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      if (!left || !right) return unknown('binary expression', n);
      if (op === '+') {
        const l = valueIn(model, module, left, next);
        const r = valueIn(model, module, right, next);
        if (l.kind === 'string' && r.kind === 'string')
          return { kind: 'string', value: l.value + r.value, from: here, node: n };
        if (l.kind === 'list' && r.kind === 'list')
          return { kind: 'list', items: [...l.items, ...r.items], from: here, node: n };
      }
      return unknown(`the result of the ${op} operator`, n);
    }
    case 'boolean_operator': {
      const op = binaryOperator(n);
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      if (!left || !right) return unknown('boolean expression', n);
      const l = valueIn(model, module, left, next);
      if (l.kind === 'unknown') return l;
      // The operand that decides carries where the other one came from (`DEBUG and settings.x`).
      if (op === 'or') return truthy(l) ? l : withMeta(valueIn(model, module, right, next), envMeta(l));
      return truthy(l) ? withMeta(valueIn(model, module, right, next), envMeta(l)) : l;
    }
    case 'list_comprehension':
    case 'generator_expression':
      return comprehensionValue(model, module, n, next);
    case 'lambda': {
      const body = n.childForFieldName('body');
      return body ? valueIn(model, module, body, next) : unknown('lambda', n);
    }
    default:
      return unknown(`a ${type.replace(/_/g, ' ')}`, n);
  }
}

/** Where an env-derived value came from, for a value computed from it (an env file beats a default). */
function envMeta(...vs: PyValue[]): Partial<Pick<PyValue, 'from' | 'envKey' | 'defaulted' | 'conditional'>> {
  const read = vs.find((v) => v.envKey && !v.defaulted) ?? vs.find((v) => v.envKey || v.defaulted);
  const conditional = vs.find((v) => v.conditional)?.conditional;
  return {
    ...(read?.envKey ? { envKey: read.envKey } : {}),
    ...(read?.envKey && read.from ? { from: read.from } : {}),
    ...(read?.defaulted ? { defaulted: true } : {}),
    ...(conditional ? { conditional } : {}),
  };
}

/** `a == b`, `a != b`, `a in (...)`, `a is None`, number ordering: one operator, resolved operands. */
function comparisonValue(
  model: AppModel,
  module: PyModule,
  n: SyntaxNode,
  ctx: Ctx,
  here: Location,
): PyValue {
  const ops = comparisonOperators(n);
  const operands = namedChildren(n);
  if (ops.length !== 1 || operands.length !== 2) return unknown('a chained comparison', n);
  const [an, bn] = operands as [SyntaxNode, SyntaxNode];
  const a = valueIn(model, module, an, ctx);
  if (a.kind === 'unknown') return a;
  const b = valueIn(model, module, bn, ctx);
  if (b.kind === 'unknown') return b;
  let result: boolean | undefined;
  switch (ops[0]) {
    case '==':
    case '!=':
      result = equalValues(a, b) === (ops[0] === '==');
      break;
    case 'in':
    case 'not in': {
      let found: boolean | undefined;
      if (b.kind === 'list') found = b.items.some((x) => equalValues(a, x));
      else if (b.kind === 'string' && a.kind === 'string') found = b.value.includes(a.value);
      if (found !== undefined) result = found === (ops[0] === 'in');
      break;
    }
    case 'is':
    case 'is not':
      if (a.kind === 'none' || b.kind === 'none')
        result = (a.kind === 'none' && b.kind === 'none') === (ops[0] === 'is');
      break;
    case '<':
    case '<=':
    case '>':
    case '>=':
      if (a.kind === 'number' && b.kind === 'number') {
        const op = ops[0];
        result =
          op === '<'
            ? a.value < b.value
            : op === '<='
              ? a.value <= b.value
              : op === '>'
                ? a.value > b.value
                : a.value >= b.value;
      }
      break;
  }
  if (result === undefined) return unknown(`a comparison with ${ops[0]} that could not be evaluated`, n);
  return withMeta(withMeta({ kind: 'bool', value: result, node: n }, envMeta(a, b)), { from: here });
}

/** Python equality of two resolved values (`True == 1` aside: different kinds are unequal). */
function equalValues(a: PyValue, b: PyValue): boolean {
  if (a.kind === 'bool' && b.kind === 'number') return Number(a.value) === b.value;
  if (a.kind === 'number' && b.kind === 'bool') return a.value === Number(b.value);
  return sameValue(a, b);
}

function sameValue(a: PyValue, b: PyValue): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'string' && b.kind === 'string') return a.value === b.value;
  if (a.kind === 'bool' && b.kind === 'bool') return a.value === b.value;
  if (a.kind === 'number' && b.kind === 'number') return a.value === b.value;
  if (a.kind === 'none') return true;
  if (a.kind === 'list' && b.kind === 'list')
    return a.items.length === b.items.length && a.items.every((x, i) => sameValue(x, b.items[i] as PyValue));
  return false;
}

function truthy(v: PyValue): boolean {
  switch (v.kind) {
    case 'string':
      return v.value.length > 0;
    case 'list':
      return v.items.length > 0;
    case 'bool':
      return v.value;
    case 'number':
      return v.value !== 0;
    case 'none':
      return false;
    case 'unknown':
      return true;
  }
}

function fstringValue(model: AppModel, module: PyModule, n: SyntaxNode, ctx: Ctx, here: Location): PyValue {
  const parts = n.type === 'concatenated_string' ? namedChildren(n) : [n];
  let out = '';
  for (const part of parts) {
    const raw = part.firstChild?.text.toLowerCase().includes('r') ?? false;
    for (const c of namedChildren(part)) {
      if (c.type === 'string_content') {
        const lit = stringLiteral(part);
        if (lit !== undefined) {
          out += lit;
          break;
        }
        out += raw ? c.text : c.text.replace(/\{\{/g, '{').replace(/\}\}/g, '}');
      } else if (c.type === 'interpolation') {
        const expr = c.childForFieldName('expression') ?? namedChildren(c)[0];
        const v = expr ? valueIn(model, module, expr, ctx) : unknown('interpolation', c);
        if (v.kind === 'string') out += v.value;
        else if (v.kind === 'number') out += String(v.value);
        else return unknown('an f-string with parts that could not be resolved', n);
      }
    }
  }
  return { kind: 'string', value: out, from: here, node: n };
}

/** A module-level statement that changes a list in place: `x += [...]`, `x.append(...)`. */
interface Mutation {
  name: string;
  /** `+=`, or the list method called. */
  op: string;
  args: SyntaxNode[];
  node: SyntaxNode;
  line: number;
  uncertain: boolean;
}

let mutationCache = new WeakMap<PyModule, Map<string, Mutation[]>>();

const LIST_METHODS = new Set([
  'append',
  'extend',
  'insert',
  'remove',
  'clear',
  'pop',
  'add',
  'update',
  'discard',
]);

function moduleMutations(module: PyModule): Map<string, Mutation[]> {
  const cached = mutationCache.get(module);
  if (cached) return cached;
  const out = new Map<string, Mutation[]>();
  mutationCache.set(module, out);
  const add = (m: Mutation) => {
    const list = out.get(m.name) ?? [];
    list.push(m);
    out.set(m.name, list);
  };
  walkBlock(module.tree.rootNode, module.file, { mainGuard: false, fallback: false }, (stmt, state, type) => {
    if (type !== 'expression_statement' || state.fallback || state.branch?.production === false) return;
    const expr = namedChildren(stmt)[0];
    const uncertain = state.uncertain !== undefined;
    if (expr?.type === 'augmented_assignment') {
      const left = expr.childForFieldName('left');
      const right = expr.childForFieldName('right');
      const op = expr.childForFieldName('operator')?.text ?? binaryOperator(expr) ?? '';
      if (left?.type === 'identifier' && right)
        add({ name: left.text, op, args: [right], node: expr, line: lineOf(expr), uncertain });
      return;
    }
    if (expr?.type !== 'call') return;
    const fn = expr.childForFieldName('function');
    const obj = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
    const method = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
    if (obj?.type !== 'identifier' || !method || !LIST_METHODS.has(method)) return;
    const args = namedChildren(expr.childForFieldName('arguments') ?? expr).filter(
      (c) => c.type !== 'comment',
    );
    add({ name: obj.text, op: method, args, node: expr, line: lineOf(expr), uncertain });
  });
  return out;
}

/**
 * Applies the module-level in-place changes of a list (`origins += ["*"]`, `origins.append(...)`) made
 * after its binding and, for a module-level use, before that use. A change that cannot be followed makes
 * the value unknown rather than the literal it started as.
 */
function mutatedValue(
  model: AppModel,
  module: PyModule,
  binding: Binding,
  start: PyValue,
  use: SyntaxNode,
  ctx: Ctx,
): PyValue {
  const all = moduleMutations(module).get(binding.name);
  if (!all || binding.kind !== 'assign') return start;
  const bindings = module.bindings.get(binding.name) ?? [];
  const useAtModule = use.tree === module.tree && !enclosingFunction(module, use);
  let v = start;
  for (const m of all) {
    if (m.line < binding.line || (m.line === binding.line && m.node.startIndex < binding.value.startIndex))
      continue;
    if (useAtModule && m.node.startIndex >= use.startIndex) continue;
    // The change applies to the binding in effect where it is made.
    const owner = bindings.filter((b) => b.line <= m.line).pop();
    if (owner !== binding) continue;
    if (v.kind === 'unknown') return v;
    const fail = (what: string) =>
      unknown(
        `${binding.name} is changed at line ${m.line} (${what}) in a way that could not be followed`,
        use,
      );
    const arg = m.args[0];
    const argValue = arg ? valueIn(model, module, arg, ctx) : undefined;
    if (m.op === '+=' && v.kind === 'string' && argValue?.kind === 'string') {
      v = { ...v, value: v.value + argValue.value };
      continue;
    }
    if (v.kind !== 'list') return fail(m.op);
    switch (m.op) {
      case '+=':
      case 'extend':
      case 'update':
        if (argValue?.kind !== 'list') return fail(m.op);
        v = { ...v, items: [...v.items, ...argValue.items] };
        break;
      case 'append':
      case 'add':
        if (!argValue) return fail(m.op);
        v = { ...v, items: [...v.items, argValue] };
        break;
      case 'insert': {
        // insert(index, item): the index is the first argument, already evaluated.
        const item = m.args[1] ? valueIn(model, module, m.args[1], ctx) : undefined;
        if (argValue?.kind !== 'number' || !item) return fail(m.op);
        const at = argValue.value;
        const items = [...v.items];
        items.splice(at < 0 ? Math.max(0, items.length + at) : at, 0, item);
        v = { ...v, items };
        break;
      }
      case 'remove':
      case 'discard': {
        // A removal under a runtime condition may not happen: the value keeps the item.
        if (m.uncertain) break;
        if (!argValue || argValue.kind === 'unknown') return fail(m.op);
        const i = v.items.findIndex((x) => sameValue(x, argValue));
        if (i !== -1) v = { ...v, items: v.items.filter((_, j) => j !== i) };
        break;
      }
      default:
        return fail(m.op);
    }
  }
  return v;
}

function referenceValue(model: AppModel, module: PyModule, n: SyntaxNode, ctx: Ctx): PyValue {
  const r = resolveExprIn(model, module, n, ctx);
  switch (r.kind) {
    case 'binding': {
      if (r.binding.kind !== 'assign') return unknown(`${r.binding.name} is an import`, n);
      const bm = moduleOf(model, r.binding) ?? r.module;
      let v = valueIn(model, bm, r.binding.value, ctx);
      if (r.alternative?.kind === 'assign' && r.alternative.uncertain && v.kind !== 'unknown') {
        const alt = valueIn(model, moduleOf(model, r.alternative) ?? r.module, r.alternative.value, ctx);
        if (!sameValue(v, alt))
          return unknown(
            `${r.binding.name} depends on the condition ${r.alternative.uncertain.condition} (line ${r.alternative.uncertain.line}), unknown before run time`,
            n,
          );
      }
      if (!enclosingFunction(bm, r.binding.value)) v = mutatedValue(model, bm, r.binding, v, n, ctx);
      const all =
        (enclosingFunction(bm, r.binding.value) ? undefined : bm.bindings.get(r.binding.name)) ?? [];
      const branched = r.binding.branch ?? all.find((b) => b.branch)?.branch;
      return withMeta(v, {
        from: { file: r.binding.file, line: r.binding.line },
        ...(branched ? { conditional: branched } : {}),
      });
    }
    case 'settings-field':
      return settingsFieldValue(model, r.model, r.field, ctx);
    case 'external':
      return unknown(`${r.name} (outside the repository)`, n);
    case 'module':
      return unknown(`module ${r.module.name}`, n);
    case 'definition':
      return unknown(`${r.definition.kind} ${r.definition.name}`, n);
    case 'unknown':
      return unknown(r.reason, n);
  }
}

const ENV_GETTERS = new Set(['os.getenv', 'os.environ.get', 'decouple.config', 'os.environ.setdefault']);

function isEnvironGetter(model: AppModel, module: PyModule, fn: SyntaxNode): boolean {
  const q = qualifiedName(model, module, fn);
  if (q && ENV_GETTERS.has(q)) return true;
  const text = dottedText(fn);
  return text === 'os.getenv' || text === 'os.environ.get' || text === 'getenv' || text === 'environ.get';
}

function subscriptValue(model: AppModel, module: PyModule, n: SyntaxNode, ctx: Ctx): PyValue {
  const value = n.childForFieldName('value');
  const sub = n.childForFieldName('subscript');
  if (!value || !sub) return unknown('subscript', n);
  const vText = dottedText(value);
  const q = qualifiedName(model, module, value);
  if (q === 'os.environ' || vText === 'os.environ' || vText === 'environ') {
    const key = stringLiteral(sub);
    if (key === undefined) return unknown('an environment variable with a computed name', n);
    return envValue(model, key, undefined, 'string');
  }
  const base = valueIn(model, module, value, ctx);
  const idx = valueIn(model, module, sub, ctx);
  if (base.kind === 'list' && idx.kind === 'number') {
    const i = idx.value < 0 ? base.items.length + idx.value : idx.value;
    return base.items[i] ?? unknown('index out of range', n);
  }
  return unknown('a subscript', n);
}

function callValue(model: AppModel, module: PyModule, n: SyntaxNode, ctx: Ctx): PyValue {
  const fn = n.childForFieldName('function');
  if (!fn) return unknown('call', n);
  const { args, kwargs } = argumentsOf(n, module.file);
  if (isEnvironGetter(model, module, fn)) {
    const keyNode = args[0] ?? kwargs.get('key')?.value;
    const key = keyNode ? stringLiteral(keyNode) : undefined;
    if (key === undefined) return unknown('an environment variable with a computed name', n);
    const defNode = args[1] ?? kwargs.get('default')?.value;
    const def = defNode ? valueIn(model, module, defNode, ctx) : undefined;
    return envValue(model, key, def, 'string');
  }
  const fnUnwrapped = unwrap(fn);
  // Methods on a value: "a,b".split(","), s.strip(), s.lower().
  if (fnUnwrapped.type === 'attribute') {
    const method = fnUnwrapped.childForFieldName('attribute')?.text ?? '';
    const objNode = fnUnwrapped.childForFieldName('object');
    if (objNode && ['replace', 'startswith', 'endswith'].includes(method)) {
      const obj = valueIn(model, module, objNode, ctx);
      if (obj.kind === 'unknown') return obj;
      if (obj.kind !== 'string') return unknown(`${method}() of a non-string`, n);
      const parts = args.map((a) => valueIn(model, module, a, ctx));
      const strs = parts.map((p) => (p.kind === 'string' ? p.value : undefined));
      if (method === 'replace') {
        const [from, to] = strs;
        if (parts.length !== 2 || from === undefined || to === undefined)
          return unknown('replace() with arguments that could not be resolved', n);
        return withMeta({ kind: 'string', value: obj.value.split(from).join(to), node: n }, envMeta(obj));
      }
      const [affix] = strs;
      if (parts.length !== 1 || affix === undefined)
        return unknown(`${method}() with a computed argument`, n);
      const hit = method === 'startswith' ? obj.value.startsWith(affix) : obj.value.endsWith(affix);
      return withMeta({ kind: 'bool', value: hit, node: n }, envMeta(obj));
    }
    if (objNode && ['split', 'strip', 'lower', 'upper', 'rstrip', 'lstrip'].includes(method)) {
      const obj = valueIn(model, module, objNode, ctx);
      if (obj.kind === 'unknown') return obj;
      if (obj.kind !== 'string') return unknown(`${method}() of a non-string`, n);
      const meta = {
        ...(obj.from ? { from: obj.from } : {}),
        ...(obj.envKey ? { envKey: obj.envKey } : {}),
        ...(obj.conditional ? { conditional: obj.conditional } : {}),
        ...(obj.defaulted ? { defaulted: true } : {}),
      };
      if (method === 'split') {
        const sepNode = args[0] ?? kwargs.get('sep')?.value;
        const sep = sepNode ? stringLiteral(sepNode) : undefined;
        if (sepNode && sep === undefined) return unknown('split() with a computed separator', n);
        const parts =
          sep === undefined ? obj.value.trim().split(/\s+/).filter(Boolean) : obj.value.split(sep);
        return withMeta(
          { kind: 'list', items: parts.map((p) => withMeta({ kind: 'string', value: p }, meta)), node: n },
          meta,
        );
      }
      const s =
        method === 'lower'
          ? obj.value.toLowerCase()
          : method === 'upper'
            ? obj.value.toUpperCase()
            : method === 'lstrip'
              ? obj.value.trimStart()
              : method === 'rstrip'
                ? obj.value.trimEnd()
                : obj.value.trim();
      return withMeta({ kind: 'string', value: s, node: n }, meta);
    }
  }
  const q = qualifiedName(model, module, fn);
  const first = args[0];
  if (q === 'builtins.str' && first) {
    const v = valueIn(model, module, first, ctx);
    if (v.kind === 'string') return v;
    if (v.kind === 'number') return { ...v, kind: 'string', value: String(v.value) };
    return unknown('str() of a value that could not be resolved', n);
  }
  if (
    (q === 'builtins.list' || q === 'builtins.tuple' || q === 'builtins.set' || q === 'builtins.frozenset') &&
    first
  ) {
    const v = valueIn(model, module, first, ctx);
    return v.kind === 'list' ? v : unknown(`${q.slice(9)}() of a value that could not be resolved`, n);
  }
  if ((q === 'builtins.list' || q === 'builtins.tuple' || q === 'builtins.set') && !first)
    return { kind: 'list', items: [], node: n };
  if (q === 'builtins.bool' && first) {
    const v = valueIn(model, module, first, ctx);
    return v.kind === 'unknown' ? v : { kind: 'bool', value: truthy(v), node: n };
  }
  if (q === 'json.loads' && first) {
    const v = valueIn(model, module, first, ctx);
    if (v.kind !== 'string') return unknown('json.loads() of a value that could not be resolved', n);
    return withMeta(fromJson(v.value) ?? unknown('json.loads() of invalid JSON', n), v);
  }
  const callee = resolveExpression(model, module, fn);
  if (callee.kind === 'definition' && callee.definition.kind === 'function') {
    const ret = returnedExpression(callee.definition);
    if (ret) return valueIn(model, callee.definition.module, ret, ctx);
  }
  return unknown(`the result of ${dottedText(fn) ?? 'a call'}()`, n);
}

function comprehensionValue(model: AppModel, module: PyModule, n: SyntaxNode, ctx: Ctx): PyValue {
  const body = n.childForFieldName('body');
  const clauses = namedChildren(n).filter((c) => c.type === 'for_in_clause' || c.type === 'if_clause');
  const forClause = clauses[0];
  if (
    !body ||
    !forClause ||
    forClause.type !== 'for_in_clause' ||
    clauses.filter((c) => c.type === 'for_in_clause').length > 1
  ) {
    return unknown('a comprehension', n);
  }
  const target = forClause.childForFieldName('left');
  const iter = forClause.childForFieldName('right');
  if (target?.type !== 'identifier' || !iter) return unknown('a comprehension', n);
  const source = valueIn(model, module, iter, ctx);
  if (source.kind !== 'list')
    return source.kind === 'unknown' ? source : unknown('a comprehension over a non-list', n);
  const v = target.text;
  // Supported element forms: `x`, `x.strip()`, `x.strip().lower()`...; filters: `if x`, `if x.strip()`.
  const transform = (s: string, expr: SyntaxNode): string | undefined => {
    const e = unwrap(expr);
    if (e.type === 'identifier') return e.text === v ? s : undefined;
    if (e.type === 'call' && namedChildren(e.childForFieldName('arguments') ?? e).length === 0) {
      const f = e.childForFieldName('function');
      if (f?.type !== 'attribute') return undefined;
      const inner = f.childForFieldName('object');
      const m = f.childForFieldName('attribute')?.text;
      const base = inner ? transform(s, inner) : undefined;
      if (base === undefined) return undefined;
      if (m === 'strip') return base.trim();
      if (m === 'lower') return base.toLowerCase();
      if (m === 'upper') return base.toUpperCase();
      if (m === 'rstrip') return base.trimEnd();
      if (m === 'lstrip') return base.trimStart();
      return undefined;
    }
    return undefined;
  };
  const items: PyValue[] = [];
  for (const item of source.items) {
    if (item.kind !== 'string') return unknown('a comprehension over values that could not be resolved', n);
    let keep = true;
    for (const clause of clauses.slice(1)) {
      const cond = namedChildren(clause)[0];
      const t = cond ? transform(item.value, cond) : undefined;
      if (t === undefined) return unknown('a comprehension with a filter that could not be evaluated', n);
      if (t.length === 0) keep = false;
    }
    if (!keep) continue;
    const out = transform(item.value, body);
    if (out === undefined) return unknown('a comprehension with an element that could not be evaluated', n);
    items.push({ ...item, value: out });
  }
  return withMeta({ kind: 'list', items, node: n }, source);
}

function fromJson(text: string): PyValue | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const convert = (x: unknown): PyValue => {
    if (typeof x === 'string') return { kind: 'string', value: x };
    if (typeof x === 'number') return { kind: 'number', value: x };
    if (typeof x === 'boolean') return { kind: 'bool', value: x };
    if (x === null) return { kind: 'none' };
    if (Array.isArray(x)) return { kind: 'list', items: x.map(convert) };
    return { kind: 'unknown', reason: 'a JSON object' };
  };
  return convert(parsed);
}

/** Looks a key up in the env files that feed production (then `.env`); undefined when none sets it. */
export function lookupEnv(
  model: AppModel,
  key: string,
  options: { caseSensitive?: boolean; extraFiles?: string[] } = {},
): { value: string; file: string; line: number; key: string } | undefined {
  const order = [
    ...model.envFiles.filter((f) => f.production),
    ...model.envFiles.filter((f) => !f.production && (options.extraFiles ?? []).includes(f.file)),
    ...model.envFiles.filter(
      (f) =>
        !f.production && f.file.split('/').pop() === '.env' && !(options.extraFiles ?? []).includes(f.file),
    ),
  ];
  for (const f of order) {
    if (options.caseSensitive) {
      const e = f.values.get(key);
      if (e) return { value: e.value, file: f.file, line: e.line, key: e.key };
    } else {
      const lower = key.toLowerCase();
      let found: { value: string; file: string; line: number; key: string } | undefined;
      for (const e of f.entries)
        if (e.key.toLowerCase() === lower) found = { value: e.value, file: f.file, line: e.line, key: e.key };
      if (found) return found;
    }
  }
  return undefined;
}

function envValue(model: AppModel, key: string, def: PyValue | undefined, type: 'string'): PyValue {
  const hit = lookupEnv(model, key, { caseSensitive: true });
  if (hit) return { kind: type, value: hit.value, from: { file: hit.file, line: hit.line }, envKey: key };
  if (def) return withMeta(def, { envKey: key, defaulted: true });
  return {
    kind: 'unknown',
    reason: `environment variable ${key} is set by no env file in the repository`,
    envKey: key,
  };
}

function typeShape(annotationText: string): 'list' | 'bool' | 'number' | 'string' | 'other' {
  const t = annotationText
    .replace(/\s+/g, '')
    .replace(/^(?:typing\.)?Optional\[(.*)\]$/, '$1')
    .replace(/\|None$/, '');
  if (/^(?:typing\.)?(?:List|Set|Tuple|FrozenSet|Sequence|list|set|tuple|frozenset)\b/.test(t)) return 'list';
  if (t === 'bool') return 'bool';
  if (t === 'int' || t === 'float' || t === 'PositiveInt') return 'number';
  if (t === 'str' || t === '' || /^(?:Any|AnyHttpUrl|HttpUrl|PostgresDsn|AnyUrl|SecretStr|Literal\[)/.test(t))
    return 'string';
  return 'other';
}

/** Converts an env string to the field's type the way pydantic settings would. */
function coerceEnv(raw: string, annotationText: string): PyValue {
  switch (typeShape(annotationText)) {
    case 'list': {
      const json = fromJson(raw);
      if (json?.kind === 'list') return json;
      // Many projects split a comma list in a validator; reading it that way is the common intent.
      return {
        kind: 'list',
        items: raw
          .split(',')
          .map((s) => ({ kind: 'string', value: s.trim() }) as PyValue)
          .filter((s) => s.kind !== 'string' || s.value !== ''),
      };
    }
    case 'bool': {
      const s = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on', 't', 'y'].includes(s)) return { kind: 'bool', value: true };
      if (['0', 'false', 'no', 'off', 'f', 'n', ''].includes(s)) return { kind: 'bool', value: false };
      return { kind: 'unknown', reason: `"${s}" is not a boolean` };
    }
    case 'number': {
      const num = Number(raw);
      return Number.isNaN(num) ? { kind: 'unknown', reason: 'not a number' } : { kind: 'number', value: num };
    }
    default:
      return { kind: 'string', value: raw };
  }
}

function fieldOf(
  model: AppModel,
  pm: PydanticModel,
  name: string,
  seen = new Set<PydanticModel>(),
): { pm: PydanticModel; index: number } | undefined {
  if (seen.has(pm)) return undefined;
  seen.add(pm);
  const index = pm.fields.findIndex((f) => f.name === name);
  if (index !== -1) return { pm, index };
  for (const base of pm.class.bases) {
    const parent = model.pydanticModels.find((m) => m.class.id === base);
    if (parent) {
      const hit = fieldOf(model, parent, name, seen);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** The production value of a settings field: the env files feeding it, else its default. */
export function settingsFieldValue(
  model: AppModel,
  pm: PydanticModel,
  name: string,
  ctx: Ctx = fresh(),
): PyValue {
  const hit = fieldOf(model, pm, name);
  if (!hit) {
    // A property or method of the settings class.
    const method = pm.class.methods.get(name);
    if (method) {
      const ret = returnedExpression(method);
      if (ret) return valueIn(model, method.module, ret, ctx);
    }
    return { kind: 'unknown', reason: `${pm.name}.${name} is not a field` };
  }
  const field = hit.pm.fields[hit.index];
  if (!field) return { kind: 'unknown', reason: 'field' };
  const module = hit.pm.class.module;
  const aliasNode =
    field.constraints.get('env')?.value ??
    field.constraints.get('validation_alias')?.value ??
    field.constraints.get('alias')?.value;
  const alias = aliasNode ? stringLiteral(aliasNode) : undefined;
  const envName = alias ?? `${pm.envPrefix}${field.name}`;
  const env = lookupEnv(model, envName, { caseSensitive: pm.caseSensitive, extraFiles: pm.envFiles });
  if (env) {
    const v = coerceEnv(env.value, field.annotationText);
    const meta = { from: { file: env.file, line: env.line }, envKey: env.key };
    // Each origin of a list read from an env file was written there.
    if (v.kind === 'list') return { ...v, ...meta, items: v.items.map((i) => withMeta(i, meta)) };
    return { ...v, ...meta };
  }
  let defNode: SyntaxNode | undefined = field.default;
  if (defNode) {
    const d = unwrap(defNode);
    if (d.type === 'call' && field.constraintCall && d.startIndex === field.constraintCall.startIndex) {
      const { args, kwargs } = argumentsOf(d, module.file);
      defNode = kwargs.get('default')?.value ?? args[0];
      const factory = kwargs.get('default_factory')?.value;
      if (!defNode && factory) defNode = factory;
      if (defNode?.type === 'ellipsis') defNode = undefined;
    }
  }
  if (!defNode) {
    return {
      kind: 'unknown',
      reason: `${pm.name}.${field.name} has no default and no env file sets ${envName.toUpperCase()}`,
      envKey: envName,
    };
  }
  return withMeta(valueIn(model, module, defNode, ctx), { defaulted: true, envKey: envName });
}

/**
 * The keyword arguments of a call, `**kwargs` included where they resolve to a dictionary literal or a
 * `dict(...)` call (through names and environment conditionals); `opaque` names a splat that did not.
 * Explicit keywords win over splatted ones.
 */
export function keywordArguments(
  model: AppModel,
  module: PyModule,
  call: SyntaxNode,
  explicit: Map<string, KeywordArgument> = argumentsOf(call, module.file).kwargs,
): { kwargs: Map<string, { kw: KeywordArgument; module: PyModule }>; opaque?: string } {
  const kwargs = new Map<string, { kw: KeywordArgument; module: PyModule }>();
  for (const [k, kw] of explicit) kwargs.set(k, { kw, module });
  const list = call.childForFieldName('arguments');
  let opaque: string | undefined;
  for (const arg of list ? namedChildren(list) : []) {
    if (arg.type !== 'dictionary_splat') continue;
    const inner = namedChildren(arg)[0];
    const dict = inner ? dictionaryOf(model, module, inner, 0) : undefined;
    if (!dict) {
      opaque = arg.text;
      continue;
    }
    for (const [k, v] of dict.pairs) {
      if (!explicit.has(k))
        kwargs.set(k, {
          kw: { name: k, value: v, file: dict.module.file, line: lineOf(v) },
          module: dict.module,
        });
    }
  }
  return opaque ? { kwargs, opaque } : { kwargs };
}

/** The string keys and value nodes of `{...}` or `dict(a=1, ...)`, through names and conditionals. */
function dictionaryOf(
  model: AppModel,
  module: PyModule,
  node: SyntaxNode,
  depth: number,
): { pairs: Map<string, SyntaxNode>; module: PyModule } | undefined {
  if (depth > 5) return undefined;
  const n = unwrap(node);
  if (n.type === 'dictionary') {
    const pairs = new Map<string, SyntaxNode>();
    for (const p of namedChildren(n)) {
      if (p.type !== 'pair') return undefined;
      const k = p.childForFieldName('key');
      const v = p.childForFieldName('value');
      const key = k ? stringLiteral(k) : undefined;
      if (key === undefined || !v) return undefined;
      pairs.set(key, v);
    }
    return { pairs, module };
  }
  if (n.type === 'call') {
    const fn = n.childForFieldName('function');
    if (!fn || qualifiedName(model, module, fn) !== 'builtins.dict') return undefined;
    const { args, kwargs } = argumentsOf(n, module.file);
    const hasSplat = namedChildren(n.childForFieldName('arguments') ?? n).some(
      (c) => c.type === 'dictionary_splat' || c.type === 'list_splat',
    );
    if (args.length > 0 || hasSplat) return undefined;
    return { pairs: new Map([...kwargs].map(([k, kw]) => [k, kw.value])), module };
  }
  if (n.type === 'conditional_expression') {
    const [a, cond, b] = namedChildren(n);
    if (!a || !cond || !b) return undefined;
    const c = classifyCondition(model, module, cond);
    if (c.kind === 'const') return dictionaryOf(model, module, c.value ? a : b, depth + 1);
    if (c.kind === 'env') return dictionaryOf(model, module, c.productionWhen ? a : b, depth + 1);
    return undefined;
  }
  if (n.type === 'identifier' || n.type === 'attribute') {
    const r = resolveExpression(model, module, n);
    if (r.kind === 'binding' && r.binding.kind === 'assign' && !r.alternative)
      return dictionaryOf(model, r.module, r.binding.value, depth + 1);
  }
  return undefined;
}
