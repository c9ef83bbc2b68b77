// Builds the FastAPI application model from the repo's Python modules and deployment files.
import type { AuditContext } from '../../audit/check.js';
import type {
  AppInstance,
  AppModel,
  CallSite,
  ClassDef,
  DependencyRef,
  DependencyVia,
  EngineCall,
  EnvBranch,
  FunctionDef,
  IncludeRouter,
  KeywordArgument,
  LogCall,
  MiddlewareRegistration,
  Parameter,
  ParameterSource,
  PydanticField,
  PydanticModel,
  PydanticValidator,
  PyModule,
  Route,
  RouteBody,
  RouteMount,
  SqlCall,
  SqlString,
  SqlStringKind,
  UnresolvedDependencies,
} from './app-model.js';
import { readDeployment } from './entry-points.js';
import {
  createModule,
  enclosingFunction,
  findModule,
  functionAt,
  indexModules,
  isAuxiliaryModule,
  moduleClasses,
  moduleFunctions,
  type WalkState,
  walkBlock,
} from './modules.js';
import { lineOf, type SyntaxNode } from './parser.js';
import { detectFastapiVersion, detectPydanticVersion, readEnvFiles } from './project.js';
import {
  creationCall,
  qualifiedName,
  refineConditions,
  resolveExpression,
  resolveValue,
  stringValues,
} from './resolve.js';
import { pythonSources } from './sources.js';
import {
  argumentsOf,
  binaryOperator,
  descendantsIn,
  dottedText,
  hasInterpolation,
  namedChildren,
  nodeKey,
  staticStringText,
  stringLiteral,
  unwrap,
  unwrapTyped,
} from './syntax.js';

/** An empty model, filled by the builder. */
function emptyModel(): AppModel {
  return {
    modules: [],
    moduleByName: new Map(),
    moduleByFile: new Map(),
    unreadable: [],
    apps: [],
    routers: [],
    includes: [],
    routes: [],
    middleware: [],
    engines: [],
    uvicornRuns: [],
    entryPoints: [],
    envFiles: [],
    pydanticModels: [],
    pydanticVersion: { major: undefined, source: 'unknown' },
    fastapiVersion: { source: 'unknown', websocketDependencies: undefined },
    sqlCalls: [],
    logCalls: [],
    loggers: [],
    stateAssignments: [],
    exceptionHandlers: [],
    calls: new Map(),
    functions: new Map(),
    hasFastApi: false,
  };
}

/** Builds the model for an audit: parses every Python file once (shared fact) and reads deployment files. */
export async function buildAppModel(ctx: AuditContext): Promise<AppModel> {
  const sources = await ctx.fact(pythonSources);
  const model = emptyModel();
  for (const s of sources) {
    if (!s.file.path.endsWith('.py')) continue;
    if (s.kind === 'unreadable') {
      model.unreadable.push({ file: s.file.path, error: s.error });
      continue;
    }
    model.modules.push(createModule(s.file.path, s.text, s.tree));
  }
  indexModules(model);
  const deployment = await readDeployment(ctx);
  // Compose `environment:` of the app's service wins over its env files: looked up first.
  model.envFiles = [...deployment.composeEnvironment, ...(await readEnvFiles(ctx, deployment.envFileRefs))];
  // Read before the analysis: whether websocket routes inherit dependencies depends on it.
  model.fastapiVersion = await detectFastapiVersion(ctx);
  analyse(model);
  for (const e of deployment.entryPoints) {
    if (e.targetModule) {
      const m = findModule(model, undefined, e.targetModule);
      // `python -m pkg` runs pkg/__main__.py.
      const main =
        m?.isPackage && e.runsModule ? findModule(model, undefined, `${e.targetModule}.__main__`) : undefined;
      if (main ?? m) e.module = main ?? m;
    }
  }
  model.entryPoints = deployment.entryPoints;
  model.pydanticVersion = await detectPydanticVersion(ctx, model.modules);
  return model;
}

/** A call found in reachable code, before classification. */
interface RawCall {
  module: PyModule;
  node: SyntaxNode;
  state: WalkState;
  enclosing?: FunctionDef;
  /** Set for decorator calls: the function they decorate. */
  decorated?: FunctionDef;
  /** The name the call's result is assigned to (`engine = create_engine(...)`). */
  assignedTo?: string;
  /** The callee expression, read once by the first pass. */
  callee?: SyntaxNode;
  /** The call's arguments, read on first use. */
  arguments?: { args: SyntaxNode[]; kwargs: Map<string, KeywordArgument> };
}

function callArguments(rc: RawCall): { args: SyntaxNode[]; kwargs: Map<string, KeywordArgument> } {
  rc.arguments ??= argumentsOf(rc.node, rc.module.file);
  return rc.arguments;
}

/**
 * The call site of a call whose callee resolved. Its arguments are read when first asked for: the checks
 * look at the arguments of a few callees, not of every call in the repository.
 */
function callSite(rc: RawCall, name: string): CallSite {
  const site = {
    node: rc.node,
    module: rc.module,
    name,
    file: rc.module.file,
    line: lineOf(rc.node),
    ...(rc.assignedTo ? { assignedTo: rc.assignedTo } : {}),
    ...(rc.enclosing ? { enclosing: rc.enclosing } : {}),
    ...branchOf(rc.state),
  };
  return Object.defineProperties(site, {
    args: { enumerable: true, get: () => callArguments(rc).args },
    kwargs: { enumerable: true, get: () => callArguments(rc).kwargs },
  }) as CallSite;
}

interface RawStateAssignment {
  module: PyModule;
  receiver: SyntaxNode;
  attribute: string;
  value: SyntaxNode;
}

const ROUTE_METHODS = new Set([
  'get',
  'post',
  'put',
  'delete',
  'patch',
  'options',
  'head',
  'trace',
  'api_route',
  'websocket',
  'route',
  'websocket_route',
]);
/**
 * The `add_*route` methods: the route kind, the keyword naming the handler, and the declaration. `add_route`
 * and `add_websocket_route` are Starlette's own: FastAPI runs no dependencies for them.
 */
const ADD_ROUTE_METHODS = {
  add_api_route: ['api_route', 'endpoint', 'add_api_route'],
  add_api_websocket_route: ['websocket', 'endpoint', 'add_api_route'],
  add_route: ['route', 'route', 'add_route'],
  add_websocket_route: ['websocket_route', 'route', 'add_route'],
} as const satisfies Record<string, readonly [string, string, Route['declaration']]>;
/** Methods of an app or router that declare something (routes with a decorator, besides these). */
const INSTANCE_METHODS = new Set([
  'add_api_route',
  'add_route',
  'add_websocket_route',
  'add_api_websocket_route',
  'include_router',
  'mount',
  'add_middleware',
  'middleware',
  'add_exception_handler',
  'exception_handler',
]);
const SQL_METHODS = new Set([
  'execute',
  'executemany',
  'executescript',
  'exec_driver_sql',
  'execute_many',
  'fetch',
  'fetchrow',
  'fetchval',
  'fetch_all',
  'fetch_one',
  'fetch_val',
  'read_sql',
  'read_sql_query',
  'raw',
  'mogrify',
]);
/** Method names of a logger that write a record (`logger.warning(...)`). */
export const LOG_METHODS: ReadonlySet<string> = new Set([
  'debug',
  'info',
  'warning',
  'warn',
  'error',
  'critical',
  'exception',
  'log',
  'fatal',
]);
const SQL_WORDS =
  /\b(?:select|insert|update|delete|create|drop|alter|pragma|truncate|replace\s+into|grant|values|where|from)\b/i;

function branchOf(state: WalkState): { branch?: EnvBranch } {
  return state.branch ? { branch: state.branch } : {};
}

/** Runs every analysis pass over the parsed modules (synchronous: everything is in memory). */
export function analyse(model: AppModel): void {
  for (const m of model.modules) {
    for (const fn of moduleFunctions(m)) model.functions.set(fn.id, fn);
  }
  for (const m of model.modules) for (const cls of moduleClasses(m)) resolveBases(model, cls);
  collectPydanticModels(model);
  // From here on conditions are judged by their production values where they resolve (settings, env files).
  refineConditions(model);
  for (const fn of model.functions.values()) fn.parameters = computeParameters(model, fn);

  const raw: RawCall[] = [];
  const states: RawStateAssignment[] = [];
  // Tests, examples and documentation snippets build throwaway apps: they are not the service.
  for (const m of model.modules) if (!isAuxiliaryModule(m.file)) collectCalls(m, raw, states);

  // Pass 1: every call by name; the app and router instances.
  const registry = new Map<string, AppInstance>();
  const sites = new Map<RawCall, CallSite>();
  for (const rc of raw) {
    const fnNode = rc.node.childForFieldName('function');
    if (!fnNode) continue;
    rc.callee = fnNode;
    const name = qualifiedName(model, rc.module, fnNode);
    if (!name) continue;
    const assignedTo = rc.assignedTo;
    const site = callSite(rc, name);
    sites.set(rc, site);
    const list = model.calls.get(name) ?? [];
    list.push(site);
    model.calls.set(name, list);
    if (name === 'fastapi.FastAPI' || name === 'fastapi.APIRouter') {
      const inst: AppInstance = {
        id: `${rc.module.file}:${lineOf(rc.node)}:${rc.node.startPosition.column + 1}`,
        kind: name === 'fastapi.FastAPI' ? 'app' : 'router',
        module: rc.module,
        call: rc.node,
        kwargs: site.kwargs,
        dependencies: [],
        prefix: '',
        file: rc.module.file,
        line: lineOf(rc.node),
        ...(assignedTo ? { name: assignedTo } : {}),
        ...branchOf(rc.state),
      };
      registry.set(nodeKey(rc.module.file, rc.node), inst);
      (inst.kind === 'app' ? model.apps : model.routers).push(inst);
      // `FastAPI(routes=[Route(...)])`: Starlette route objects given to the constructor.
      const routes = site.kwargs.get('routes');
      if (routes) starletteRoutes(model, rc.module, inst, routes.value, '', rc.state);
    }
  }
  model.hasFastApi = model.apps.length > 0;
  for (const inst of [...model.apps, ...model.routers]) {
    const deps = inst.kwargs.get('dependencies');
    if (deps) {
      const d = dependenciesFrom(model, inst.module, deps, inst.kind === 'app' ? 'app' : 'router', inst);
      inst.dependencies = d.refs;
      if (d.unresolved.length > 0) inst.unresolvedDependencies = d.unresolved;
    }
    const prefix = inst.kwargs.get('prefix');
    inst.prefix = prefix ? stringOrUndefined(model, inst.module, prefix.value) : '';
    if (inst.kind === 'app') constructorMiddleware(model, inst);
  }

  const instanceFor = (module: PyModule, receiver: SyntaxNode): AppInstance | undefined => {
    const created = creationCall(model, module, receiver);
    return created ? registry.get(nodeKey(created.module.file, created.call)) : undefined;
  };

  // Pass 2: method calls on instances, decorators, SQL and logging calls.
  for (const rc of raw) {
    const fnNode = rc.callee;
    if (!fnNode) continue;
    const fnU = unwrap(fnNode);
    const site = sites.get(rc);
    if (
      site &&
      (site.name.endsWith('.create_engine') || site.name.endsWith('.create_async_engine')) &&
      /^(?:sqlalchemy|sqlmodel)\b/.test(site.name)
    ) {
      const fnName = site.name.endsWith('.create_async_engine') ? 'create_async_engine' : 'create_engine';
      const url = site.args[0] ?? site.kwargs.get('url')?.value;
      const engine: EngineCall = { ...site, function: fnName, ...(url ? { url } : {}) };
      model.engines.push(engine);
    }
    if (site?.name === 'uvicorn.run') {
      const target = site.args[0] ?? site.kwargs.get('app')?.value;
      model.uvicornRuns.push({ ...site, ...(target ? { target } : {}), underMainGuard: rc.state.mainGuard });
    }
    if (
      site &&
      (site.name === 'logging.getLogger' ||
        site.name === 'structlog.get_logger' ||
        site.name === 'structlog.getLogger')
    ) {
      if (site.assignedTo) {
        const arg = site.args[0] ?? site.kwargs.get('name')?.value;
        const v = arg ? resolveValue(model, rc.module, arg) : undefined;
        model.loggers.push({
          module: rc.module,
          variable: site.assignedTo,
          loggerName: !arg ? '' : v?.kind === 'string' ? v.value : undefined,
          file: rc.module.file,
          line: site.line,
        });
      }
    }
    if (site?.name === 'sqlalchemy.text') addSqlCall(model, rc, 'text', fnNode);
    if (fnU.type !== 'attribute') continue;
    const method = fnU.childForFieldName('attribute')?.text ?? '';
    const receiver = fnU.childForFieldName('object');
    if (!receiver) continue;
    if (SQL_METHODS.has(method) && !site?.name.startsWith('fastapi.')) addSqlCall(model, rc, method, fnNode);
    if (LOG_METHODS.has(method)) addLogCall(model, rc, method, receiver);
    // `app.router.routes.append(Route(...))`: a Starlette route added by hand.
    if ((method === 'append' || method === 'extend') && receiver.type === 'attribute') {
      let obj =
        receiver.childForFieldName('attribute')?.text === 'routes'
          ? receiver.childForFieldName('object')
          : null;
      if (obj?.type === 'attribute' && obj.childForFieldName('attribute')?.text === 'router')
        obj = obj.childForFieldName('object');
      const target = obj ? instanceFor(rc.module, obj) : undefined;
      const added = callArguments(rc).args[0];
      if (target && added) starletteRoutes(model, rc.module, target, added, '', rc.state);
      continue;
    }
    // Only these methods of an app or router declare anything: other calls need not resolve their receiver.
    // `app.get("/x")(handler)`: the decorator called by hand, a FastAPI route like the decorated one.
    const outer = rc.decorated ? undefined : calledResult(rc.node);
    if (!INSTANCE_METHODS.has(method) && !((rc.decorated || outer) && ROUTE_METHODS.has(method))) continue;
    const inst = instanceFor(rc.module, receiver);
    if (!inst) continue;
    const { args, kwargs } = callArguments(rc);
    const loc = { file: rc.module.file, line: lineOf(rc.node) };
    // A route whose handler is an argument: `add_api_route(path, h)`, `add_route(path, h)`, `app.get(path)(h)`.
    const endpointRoute = (
      kind: string,
      endpoint: SyntaxNode | undefined,
      node: SyntaxNode,
      declaration: Route['declaration'],
    ): void => {
      const handler = endpoint ? functionFor(model, rc.module, endpoint) : undefined;
      model.routes.push(
        makeRoute(
          model,
          rc.module,
          inst,
          kind,
          node,
          args,
          kwargs,
          handler,
          endpoint?.text ?? '?',
          declaration,
          rc.state,
        ),
      );
    };
    if (outer && ROUTE_METHODS.has(method)) {
      endpointRoute(method, argumentsOf(outer, rc.module.file).args[0], outer, 'call');
      continue;
    }
    if (rc.decorated && ROUTE_METHODS.has(method)) {
      const decorator = rc.decorated.decorators.find((d) => d.expression.startIndex === rc.node.startIndex);
      model.routes.push(
        makeRoute(
          model,
          rc.module,
          inst,
          method,
          rc.node,
          args,
          kwargs,
          rc.decorated,
          rc.decorated.name,
          'decorator',
          rc.state,
          decorator,
        ),
      );
      continue;
    }
    switch (method) {
      case 'add_api_route':
      case 'add_api_websocket_route':
      case 'add_route':
      case 'add_websocket_route': {
        const [kind, endpointKw, declaration] = ADD_ROUTE_METHODS[method];
        endpointRoute(kind, args[1] ?? kwargs.get(endpointKw)?.value, rc.node, declaration);
        break;
      }
      case 'include_router':
      case 'mount': {
        const childNode =
          method === 'mount'
            ? (args[1] ?? kwargs.get('app')?.value)
            : (args[0] ?? kwargs.get('router')?.value);
        if (!childNode) break;
        const child = instanceFor(rc.module, childNode);
        if (method === 'mount' && child?.kind !== 'app') {
          // A mounted Starlette app: its routes are served under the mount path, with no FastAPI dependencies.
          const created = creationCall(model, rc.module, childNode);
          const cf = created?.call.childForFieldName('function');
          const pathNode = args[0] ?? kwargs.get('path')?.value;
          if (
            created &&
            cf &&
            qualifiedName(model, created.module, cf) === 'starlette.applications.Starlette'
          ) {
            const routes = argumentsOf(created.call, created.module.file).kwargs.get('routes');
            const prefix = pathNode ? stringOrUndefined(model, rc.module, pathNode) : '';
            if (routes) starletteRoutes(model, created.module, inst, routes.value, prefix, rc.state);
          }
          break;
        }
        const prefixNode =
          method === 'mount' ? (args[0] ?? kwargs.get('path')?.value) : kwargs.get('prefix')?.value;
        const deps = kwargs.get('dependencies');
        const inc: IncludeRouter = {
          kind: method === 'mount' ? 'mount' : 'include',
          node: rc.node,
          module: rc.module,
          parent: inst,
          childText: childNode.text,
          prefix: prefixNode ? stringOrUndefined(model, rc.module, prefixNode) : '',
          dependencies: [],
          kwargs,
          ...loc,
          ...(child ? { child } : {}),
          ...branchOf(rc.state),
        };
        if (deps) {
          const d = dependenciesFrom(model, rc.module, deps, 'include-router', inc);
          inc.dependencies = d.refs;
          if (d.unresolved.length > 0) inc.unresolvedDependencies = d.unresolved;
        }
        model.includes.push(inc);
        break;
      }
      case 'add_middleware': {
        const cls = args[0] ?? kwargs.get('middleware_class')?.value;
        if (!cls) break;
        const reg: MiddlewareRegistration = {
          via: 'add_middleware',
          node: rc.node,
          module: rc.module,
          app: inst,
          middleware: qualifiedName(model, rc.module, cls) ?? cls.text,
          kwargs,
          ...loc,
          ...branchOf(rc.state),
        };
        model.middleware.push(reg);
        break;
      }
      case 'middleware': {
        if (!rc.decorated) break;
        const kind = args[0] ? (stringLiteral(args[0]) ?? args[0].text) : 'http';
        model.middleware.push({
          via: 'decorator',
          node: rc.node,
          module: rc.module,
          app: inst,
          middleware: kind,
          kwargs,
          function: rc.decorated,
          ...loc,
          ...branchOf(rc.state),
        });
        break;
      }
      case 'add_exception_handler':
      case 'exception_handler': {
        const exc = args[0] ?? kwargs.get('exc_class_or_status_code')?.value;
        if (!exc) break;
        model.exceptionHandlers.push({
          app: inst,
          exception: qualifiedName(model, rc.module, exc) ?? exc.text,
          module: rc.module,
          ...loc,
        });
        break;
      }
      default:
        break;
    }
  }
  for (const s of states) {
    const app = instanceFor(s.module, s.receiver);
    model.stateAssignments.push({
      attribute: s.attribute,
      value: s.value,
      module: s.module,
      file: s.module.file,
      line: lineOf(s.value),
      ...(app ? { app } : {}),
    });
  }
  computeMounts(model);
}

function stringOrUndefined(model: AppModel, module: PyModule, node: SyntaxNode): string | undefined {
  const v = resolveValue(model, module, node);
  return v.kind === 'string' ? v.value : undefined;
}

/** Walks a module's reachable code (function bodies included) and records every call. */
function collectCalls(module: PyModule, raw: RawCall[], states: RawStateAssignment[]): void {
  const file = module.file;
  const addCalls = (
    node: SyntaxNode,
    state: WalkState,
    enclosing: FunctionDef | undefined,
    assigned?: { start: number; name: string },
  ) => {
    for (const c of descendantsIn(node, 'call')) {
      const assignedTo = assigned && c.startIndex === assigned.start ? assigned.name : undefined;
      raw.push({
        module,
        node: c,
        state,
        ...(enclosing ? { enclosing } : {}),
        ...(assignedTo ? { assignedTo } : {}),
      });
    }
  };
  const visitScope = (block: SyntaxNode, state: WalkState, enclosing: FunctionDef | undefined): void => {
    walkBlock(block, file, state, (stmt, st, type) => {
      switch (type) {
        case 'decorated_definition':
        case 'function_definition':
        case 'class_definition': {
          const def = type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
          if (!def) return;
          const fn = def.type === 'function_definition' ? functionAt(module, def) : undefined;
          if (type === 'decorated_definition') {
            for (const d of namedChildren(stmt)) {
              if (d.type === 'decorator') {
                const expr = namedChildren(d)[0];
                // The decorator call itself is marked with the function it decorates; calls nested in it are not.
                if (expr?.type === 'call') {
                  raw.push({
                    module,
                    node: expr,
                    state: st,
                    ...(enclosing ? { enclosing } : {}),
                    ...(fn ? { decorated: fn } : {}),
                  });
                  const argsNode = expr.childForFieldName('arguments');
                  if (argsNode) addCalls(argsNode, st, enclosing);
                  const fnNode = expr.childForFieldName('function');
                  if (fnNode) addCalls(fnNode, st, enclosing);
                } else if (expr) {
                  addCalls(expr, st, enclosing);
                }
              }
            }
          }
          if (def.type === 'function_definition') {
            const params = def.childForFieldName('parameters');
            if (params) addCalls(params, st, enclosing);
            const body = def.childForFieldName('body');
            if (body) visitScope(body, st, fn ?? enclosing);
          } else {
            const supers = def.childForFieldName('superclasses');
            if (supers) addCalls(supers, st, enclosing);
            const body = def.childForFieldName('body');
            if (body) visitScope(body, st, enclosing);
          }
          return;
        }
        case 'if_statement': {
          const cond = stmt.childForFieldName('condition');
          if (cond) addCalls(cond, st, enclosing);
          for (const alt of stmt.childrenForFieldName('alternative')) {
            const c = alt?.type === 'elif_clause' ? alt.childForFieldName('condition') : undefined;
            if (c) addCalls(c, st, enclosing);
          }
          return;
        }
        case 'while_statement': {
          const cond = stmt.childForFieldName('condition');
          if (cond) addCalls(cond, st, enclosing);
          return;
        }
        case 'for_statement': {
          const right = stmt.childForFieldName('right');
          if (right) addCalls(right, st, enclosing);
          return;
        }
        case 'with_statement': {
          for (const c of namedChildren(stmt)) if (c.type === 'with_clause') addCalls(c, st, enclosing);
          return;
        }
        case 'try_statement':
          return;
        case 'match_statement': {
          const subject = stmt.childForFieldName('subject');
          if (subject) addCalls(subject, st, enclosing);
          return;
        }
        default: {
          const expr = type === 'expression_statement' ? namedChildren(stmt)[0] : undefined;
          let assigned: { start: number; name: string } | undefined;
          if (expr?.type === 'assignment') {
            recordStateAssignment(module, expr, states);
            const left = expr.childForFieldName('left');
            const right = expr.childForFieldName('right');
            const name = left ? dottedText(left) : undefined;
            if (right?.type === 'call' && name) assigned = { start: right.startIndex, name };
          }
          addCalls(stmt, st, enclosing, assigned);
        }
      }
    });
  };
  visitScope(module.tree.rootNode, { mainGuard: false, fallback: false }, undefined);
}

function recordStateAssignment(module: PyModule, assignment: SyntaxNode, states: RawStateAssignment[]): void {
  const left = assignment.childForFieldName('left');
  const right = assignment.childForFieldName('right');
  if (!left || !right || left.type !== 'attribute') return;
  const attr = left.childForFieldName('attribute')?.text;
  const obj = left.childForFieldName('object');
  if (!attr || obj?.type !== 'attribute' || obj.childForFieldName('attribute')?.text !== 'state') return;
  const receiver = obj.childForFieldName('object');
  if (receiver) states.push({ module, receiver, attribute: attr, value: right });
}

function resolveBases(model: AppModel, cls: ClassDef): void {
  const supers = cls.node.childForFieldName('superclasses');
  if (!supers) return;
  for (const b of namedChildren(supers)) {
    if (b.type === 'keyword_argument') continue;
    const target = b.type === 'subscript' ? (b.childForFieldName('value') ?? b) : b;
    cls.bases.push(qualifiedName(model, cls.module, target) ?? target.text);
  }
}

const MODEL_BASES = new Set([
  'pydantic.BaseModel',
  'pydantic.BaseSettings',
  'pydantic_settings.BaseSettings',
  'sqlmodel.SQLModel',
  'pydantic.RootModel',
]);
const SETTINGS_BASES = new Set(['pydantic.BaseSettings', 'pydantic_settings.BaseSettings']);

function baseChain(model: AppModel, cls: ClassDef, seen = new Set<string>()): string[] {
  if (seen.has(cls.id)) return [];
  seen.add(cls.id);
  const out: string[] = [];
  for (const b of cls.bases) {
    out.push(b);
    const def = [...model.modules].length ? classById(model, b) : undefined;
    if (def) out.push(...baseChain(model, def, seen));
  }
  return out;
}

const classIndex = new WeakMap<AppModel, Map<string, ClassDef>>();
function classById(model: AppModel, id: string): ClassDef | undefined {
  let idx = classIndex.get(model);
  if (!idx) {
    idx = new Map();
    for (const m of model.modules) for (const c of moduleClasses(m)) idx.set(c.id, c);
    classIndex.set(model, idx);
  }
  return idx.get(id);
}

const CONSTRAINT_CALLS =
  /(?:^|\.)(?:Field|conint|constr|confloat|condecimal|conlist|conset|conbytes|Query|Body|Path)$/;

function collectPydanticModels(model: AppModel): void {
  for (const m of model.modules) {
    for (const cls of moduleClasses(m)) {
      const chain = baseChain(model, cls);
      if (!chain.some((b) => MODEL_BASES.has(b))) continue;
      const isSettings = chain.some((b) => SETTINGS_BASES.has(b));
      model.pydanticModels.push(pydanticModelOf(model, cls, isSettings));
    }
  }
}

function pydanticModelOf(model: AppModel, cls: ClassDef, isSettings: boolean): PydanticModel {
  const module = cls.module;
  const fields: PydanticField[] = [];
  const validators: PydanticValidator[] = [];
  const envFiles: string[] = [];
  let envPrefix = '';
  let caseSensitive = false;
  const applyConfig = (name: string, value: SyntaxNode) => {
    const v = resolveValue(model, module, value);
    if (name === 'env_file') {
      for (const s of stringValues(v)) envFiles.push(s.replace(/^\.\//, ''));
    } else if (name === 'env_prefix' && v.kind === 'string') envPrefix = v.value;
    else if (name === 'case_sensitive' && v.kind === 'bool') caseSensitive = v.value;
  };
  const body = cls.node.childForFieldName('body');
  for (const stmt of body ? namedChildren(body) : []) {
    if (stmt.type === 'class_definition' && stmt.childForFieldName('name')?.text === 'Config') {
      const cb = stmt.childForFieldName('body');
      for (const s of cb ? namedChildren(cb) : []) {
        const a = s.type === 'expression_statement' ? namedChildren(s)[0] : undefined;
        const l = a?.type === 'assignment' ? a.childForFieldName('left') : undefined;
        const r = a?.childForFieldName('right');
        if (l && r) applyConfig(l.text, r);
      }
      continue;
    }
    const a = stmt.type === 'expression_statement' ? namedChildren(stmt)[0] : undefined;
    if (a?.type !== 'assignment') continue;
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right') ?? undefined;
    const type = a.childForFieldName('type') ?? undefined;
    if (left?.type !== 'identifier') continue;
    if (left.text === 'model_config' && right) {
      const r = unwrap(right);
      if (r.type === 'call')
        for (const [k, kw] of argumentsOf(r, module.file).kwargs) applyConfig(k, kw.value);
      if (r.type === 'dictionary') {
        for (const pair of namedChildren(r)) {
          const k = pair.childForFieldName('key');
          const v = pair.childForFieldName('value');
          const key = k ? stringLiteral(k) : undefined;
          if (key && v) applyConfig(key, v);
        }
      }
      continue;
    }
    if (!type || left.text.startsWith('_') || /^(?:typing\.)?ClassVar\b/.test(type.text)) continue;
    const constraints = new Map<string, KeywordArgument>();
    let constraintCall: SyntaxNode | undefined;
    const considerCall = (n: SyntaxNode | undefined) => {
      if (!n) return;
      const u = unwrap(n);
      if (u.type !== 'call') return;
      const fnNode = u.childForFieldName('function');
      const name = fnNode ? (qualifiedName(model, module, fnNode) ?? fnNode.text) : '';
      if (!CONSTRAINT_CALLS.test(name)) return;
      constraintCall ??= u;
      for (const [k, kw] of argumentsOf(u, module.file).kwargs) constraints.set(k, kw);
    };
    considerCall(right);
    for (const c of type.descendantsOfType('call')) considerCall(c ?? undefined);
    fields.push({
      name: left.text,
      annotation: namedChildren(type)[0] ?? type,
      annotationText: type.text,
      ...(right ? { default: right } : {}),
      ...(constraintCall ? { constraintCall } : {}),
      constraints,
      file: module.file,
      line: lineOf(a),
    });
  }
  for (const method of cls.methods.values()) {
    for (const d of method.decorators) {
      const calleeNode =
        d.expression.type === 'call' ? d.expression.childForFieldName('function') : d.expression;
      const q = calleeNode ? (qualifiedName(model, module, calleeNode) ?? d.text) : d.text;
      const kind = /(?:^|\.)(validator|field_validator|root_validator|model_validator)$/.exec(q)?.[1] as
        | PydanticValidator['kind']
        | undefined;
      if (!kind) continue;
      const args = d.expression.type === 'call' ? argumentsOf(d.expression, module.file).args : [];
      const fieldNames = args.map((x) => stringLiteral(x)).filter((x): x is string => x !== undefined);
      validators.push({
        kind,
        fields: fieldNames,
        function: method,
        decorator: d,
        file: module.file,
        line: d.line,
      });
    }
  }
  return { name: cls.name, class: cls, isSettings, fields, validators, envFiles, envPrefix, caseSensitive };
}

const PARAM_MARKERS: Record<string, ParameterSource> = {
  'fastapi.Depends': 'depends',
  'fastapi.Security': 'security',
  'fastapi.Header': 'header',
  'fastapi.Query': 'query',
  'fastapi.Path': 'path',
  'fastapi.Cookie': 'cookie',
  'fastapi.Body': 'body',
  'fastapi.Form': 'form',
  'fastapi.File': 'file',
};
const PARAM_TYPES: Record<string, ParameterSource> = {
  'fastapi.Request': 'request',
  'fastapi.HTTPConnection': 'request',
  'fastapi.WebSocket': 'websocket',
  'fastapi.BackgroundTasks': 'background',
  'fastapi.Response': 'response',
};

/** `Annotated[T, meta...]` unpacked, following a module-level alias; other annotations are their own base. */
function annotatedParts(
  model: AppModel,
  module: PyModule,
  typeExpr: SyntaxNode,
  depth = 0,
): { base?: SyntaxNode; meta: SyntaxNode[]; module: PyModule } {
  let e = unwrap(typeExpr);
  if (e.type === 'type') e = namedChildren(e)[0] ?? e;
  const isAnnotated = (head: SyntaxNode) => {
    const q = qualifiedName(model, module, head);
    return q === 'typing.Annotated' || q === 'typing_extensions.Annotated' || head.text === 'Annotated';
  };
  if (e.type === 'generic_type') {
    const head = namedChildren(e)[0];
    const params = namedChildren(e).find((c) => c.type === 'type_parameter');
    if (head && params && isAnnotated(head)) {
      const items = namedChildren(params).map((t) => (t.type === 'type' ? (namedChildren(t)[0] ?? t) : t));
      return { ...(items[0] ? { base: items[0] } : {}), meta: items.slice(1), module };
    }
  }
  if (e.type === 'subscript') {
    const head = e.childForFieldName('value');
    const subs = e.childrenForFieldName('subscript').filter((s): s is SyntaxNode => s !== null);
    if (head && isAnnotated(head))
      return { ...(subs[0] ? { base: subs[0] } : {}), meta: subs.slice(1), module };
  }
  if ((e.type === 'identifier' || e.type === 'attribute') && depth < 5) {
    const r = resolveExpression(model, module, e);
    if (r.kind === 'binding' && r.binding.kind === 'assign') {
      const v = unwrap(r.binding.value);
      if (v.type === 'subscript' || v.type === 'generic_type') {
        const inner = annotatedParts(model, r.module, v, depth + 1);
        if (inner.meta.length > 0) return inner;
      }
    }
  }
  return { base: e, meta: [], module };
}

function markerOf(
  model: AppModel,
  module: PyModule,
  node: SyntaxNode | undefined,
): { source: ParameterSource; call: SyntaxNode } | undefined {
  if (!node) return undefined;
  const [n, type] = unwrapTyped(node);
  if (type !== 'call') return undefined;
  const fnNode = n.childForFieldName('function');
  const q = fnNode ? qualifiedName(model, module, fnNode) : undefined;
  const source = q ? PARAM_MARKERS[q] : undefined;
  return source ? { source, call: n } : undefined;
}

function computeParameters(model: AppModel, fn: FunctionDef): Parameter[] {
  const params = fn.node.childForFieldName('parameters');
  if (!params) return [];
  const module = fn.module;
  const out: Parameter[] = [];
  for (const p of namedChildren(params)) {
    let nameNode: SyntaxNode | undefined;
    let typeNode: SyntaxNode | undefined;
    let defNode: SyntaxNode | undefined;
    let variadic = false;
    switch (p.type) {
      case 'identifier':
        nameNode = p;
        break;
      case 'typed_parameter': {
        const first = namedChildren(p)[0];
        if (first?.type === 'list_splat_pattern' || first?.type === 'dictionary_splat_pattern') {
          variadic = true;
          nameNode = namedChildren(first)[0];
        } else nameNode = first;
        typeNode = p.childForFieldName('type') ?? undefined;
        break;
      }
      case 'default_parameter':
      case 'typed_default_parameter':
        nameNode = p.childForFieldName('name') ?? undefined;
        typeNode = p.childForFieldName('type') ?? undefined;
        defNode = p.childForFieldName('value') ?? undefined;
        break;
      case 'list_splat_pattern':
      case 'dictionary_splat_pattern':
        variadic = true;
        nameNode = namedChildren(p)[0];
        break;
      default:
        continue;
    }
    if (!nameNode) continue;
    let source: ParameterSource = 'plain';
    let annotation: SyntaxNode | undefined;
    let markerCall: SyntaxNode | undefined;
    let markerModule = module;
    if (typeNode) {
      const parts = annotatedParts(model, module, typeNode);
      annotation = parts.base;
      for (const meta of parts.meta) {
        const mk = markerOf(model, parts.module, meta);
        if (mk) {
          source = mk.source;
          markerCall = mk.call;
          markerModule = parts.module;
        }
      }
    }
    const defMarker = markerOf(model, module, defNode);
    if (defMarker) {
      source = defMarker.source;
      markerCall = defMarker.call;
      markerModule = module;
    }
    if (source === 'plain' && annotation) {
      const q = qualifiedName(model, module, annotation);
      if (q && PARAM_TYPES[q]) source = PARAM_TYPES[q];
    }
    const param: Parameter = {
      name: nameNode.text,
      node: p,
      source,
      variadic,
      file: module.file,
      line: lineOf(p),
      ...(annotation ? { annotation } : {}),
      ...(typeNode ? { annotationText: (namedChildren(typeNode)[0] ?? typeNode).text } : {}),
      ...(defNode ? { default: defNode } : {}),
    };
    if ((source === 'depends' || source === 'security') && markerCall) {
      param.dependency = dependencyRef(model, markerModule, markerCall, 'parameter', undefined, annotation);
    }
    out.push(param);
  }
  return out;
}

/** The repo function a callable expression refers to (a handler or a dependency). */
function functionFor(model: AppModel, module: PyModule, node: SyntaxNode): FunctionDef | undefined {
  const r = resolveExpression(model, module, node);
  if (r.kind === 'definition' && r.definition.kind === 'function') return r.definition;
  return undefined;
}

/** A DependencyRef for a `Depends(x)` / `Security(x)` call. */
function dependencyRef(
  model: AppModel,
  module: PyModule,
  call: SyntaxNode,
  via: DependencyVia,
  from: { file: string; line: number } | undefined,
  annotation?: SyntaxNode,
): DependencyRef {
  const fnNode = call.childForFieldName('function');
  const marker =
    fnNode && qualifiedName(model, module, fnNode) === 'fastapi.Security' ? 'Security' : 'Depends';
  const { args, kwargs } = argumentsOf(call, module.file);
  const target = args[0] ?? kwargs.get('dependency')?.value ?? annotation;
  const ref: DependencyRef = {
    via,
    marker,
    node: call,
    targetText: target?.text ?? '',
    file: module.file,
    line: lineOf(call),
    ...((args[0] ?? kwargs.get('dependency')?.value)
      ? { target: (args[0] ?? kwargs.get('dependency')?.value) as SyntaxNode }
      : {}),
    ...(from ? { from: { file: from.file, line: from.line } } : {}),
  };
  if (!target) return ref;
  const r = resolveExpression(model, module, target);
  if (r.kind === 'definition') {
    if (r.definition.kind === 'function') ref.function = r.definition;
    else {
      const init = r.definition.methods.get('__init__');
      if (init) ref.function = init;
    }
  } else if (r.kind === 'external') {
    ref.external = r.name;
  } else if (r.kind === 'binding') {
    // An instance: `Depends(api_key_header)` or `Depends(Checker())`.
    const created = creationCall(model, module, target);
    const cf = created?.call.childForFieldName('function');
    if (created && cf) {
      const cr = resolveExpression(model, created.module, cf);
      if (cr.kind === 'definition' && cr.definition.kind === 'class') {
        const call = cr.definition.methods.get('__call__');
        if (call) ref.function = call;
      } else if (cr.kind === 'external') ref.external = cr.name;
    }
  } else {
    const created = unwrap(target).type === 'call' ? creationCall(model, module, target) : undefined;
    const cf = created?.call.childForFieldName('function');
    if (created && cf) {
      const cr = resolveExpression(model, created.module, cf);
      if (cr.kind === 'definition' && cr.definition.kind === 'class') {
        const c = cr.definition.methods.get('__call__');
        if (c) ref.function = c;
      } else if (cr.kind === 'external') ref.external = cr.name;
    }
  }
  return ref;
}

/**
 * The `Depends(...)` items of a `dependencies=` argument: a literal list or tuple, a name bound to one,
 * `a + b` concatenations and `*a` unpacking of those. What does not resolve is returned apart, so that a
 * route behind it is reported as unknown rather than unprotected.
 */
function dependenciesFrom(
  model: AppModel,
  module: PyModule,
  kw: KeywordArgument,
  via: DependencyVia,
  from: { file: string; line: number },
): { refs: DependencyRef[]; unresolved: UnresolvedDependencies[] } {
  const refs: DependencyRef[] = [];
  const unresolved: UnresolvedDependencies[] = [];
  const miss = (n: SyntaxNode, m: PyModule): void => {
    unresolved.push({ file: m.file, line: lineOf(n), text: n.text });
  };
  const marker = (n: SyntaxNode, m: PyModule): boolean => {
    const mk = markerOf(model, m, n);
    if (!mk || (mk.source !== 'depends' && mk.source !== 'security')) return false;
    refs.push(dependencyRef(model, m, mk.call, via, from));
    return true;
  };
  // A name bound to a value: the value and its module, followed through up to five names.
  const binding = (n: SyntaxNode, m: PyModule): { node: SyntaxNode; module: PyModule } | undefined => {
    const r = resolveExpression(model, m, n);
    return r.kind === 'binding' && r.binding.kind === 'assign'
      ? { node: r.binding.value, module: r.module }
      : undefined;
  };
  const list = (node: SyntaxNode, m: PyModule, depth: number): void => {
    const u = unwrap(node);
    if (depth > 5) {
      miss(u, m);
      return;
    }
    if (u.type === 'list' || u.type === 'tuple') {
      for (const item of namedChildren(u)) listItem(item, m, depth);
      return;
    }
    if (u.type === 'binary_operator' && binaryOperator(u) === '+') {
      const left = u.childForFieldName('left');
      const right = u.childForFieldName('right');
      if (left) list(left, m, depth + 1);
      if (right) list(right, m, depth + 1);
      return;
    }
    if (u.type === 'identifier' || u.type === 'attribute') {
      const b = binding(u, m);
      if (b) list(b.node, b.module, depth + 1);
      else miss(u, m);
      return;
    }
    miss(u, m);
  };
  const listItem = (item: SyntaxNode, m: PyModule, depth: number): void => {
    const u = unwrap(item);
    if (u.type === 'list_splat') {
      const inner = namedChildren(u)[0];
      if (inner) list(inner, m, depth + 1);
      else miss(u, m);
      return;
    }
    // `*d.PROTECTED` can parse as the attribute PROTECTED of `*d`: the splat of the module's list.
    const obj = u.type === 'attribute' ? u.childForFieldName('object') : null;
    if (obj?.type === 'list_splat') {
      const inner = namedChildren(obj)[0];
      const attr = u.childForFieldName('attribute')?.text;
      const r = inner ? resolveExpression(model, m, inner) : undefined;
      const bound = r?.kind === 'module' && attr ? r.module.bindings.get(attr)?.at(-1) : undefined;
      if (bound?.kind === 'assign' && r?.kind === 'module') list(bound.value, r.module, depth + 1);
      else miss(u, m);
      return;
    }
    if (marker(u, m)) return;
    if (u.type === 'identifier' || u.type === 'attribute') {
      const b = binding(u, m);
      if (b && marker(unwrap(b.node), b.module)) return;
    }
    miss(u, m);
  };
  list(kw.value, module, 0);
  return { refs, unresolved };
}

function constructorMiddleware(model: AppModel, app: AppInstance): void {
  const kw = app.kwargs.get('middleware');
  if (!kw) return;
  let listNode = unwrap(kw.value);
  let m = app.module;
  if (listNode.type === 'identifier' || listNode.type === 'attribute') {
    const r = resolveExpression(model, m, listNode);
    if (r.kind === 'binding' && r.binding.kind === 'assign') {
      m = r.module;
      listNode = unwrap(r.binding.value);
    }
  }
  if (listNode.type !== 'list' && listNode.type !== 'tuple') return;
  for (const item of namedChildren(listNode)) {
    const u = unwrap(item);
    if (u.type !== 'call') continue;
    const fnNode = u.childForFieldName('function');
    if (!fnNode || qualifiedName(model, m, fnNode) !== 'starlette.middleware.Middleware') continue;
    const { args, kwargs } = argumentsOf(u, m.file);
    const cls = args[0];
    if (!cls) continue;
    model.middleware.push({
      via: 'constructor',
      node: u,
      module: m,
      app,
      middleware: qualifiedName(model, m, cls) ?? cls.text,
      kwargs,
      file: m.file,
      line: lineOf(u),
      ...(app.branch ? { branch: app.branch } : {}),
    });
  }
}

const RAW_BODY =
  /^(?:typing\.)?(?:Dict|dict|Any|Mapping|MutableMapping|List\[(?:typing\.)?(?:Dict|dict|Any)|list\[(?:typing\.)?(?:Dict|dict|Any)|list$|List$|Json)\b/;

function pathParams(path: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const m of (path ?? '').matchAll(/\{(\w+)(?::[^}]*)?\}/g)) if (m[1]) out.add(m[1]);
  return out;
}

function routeBodies(model: AppModel, route: Route): RouteBody[] {
  const bodies: RouteBody[] = [];
  const inPath = pathParams(route.path);
  const module = route.handler?.module;
  if (!module) return bodies;
  for (const p of route.parameters) {
    if (p.variadic || inPath.has(p.name)) continue;
    if (p.source !== 'plain' && p.source !== 'body') continue;
    const text = (p.annotationText ?? '').replace(/\s+/g, '');
    const stripped = text.replace(/^(?:typing\.)?Optional\[(.*)\]$/, '$1').replace(/\|None$/, '');
    let pm: PydanticModel | undefined;
    if (p.annotation) {
      let target = unwrap(p.annotation);
      if (target.type === 'generic_type' || target.type === 'subscript') {
        const head = namedChildren(target)[0];
        if (head && /Optional$/.test(head.text)) {
          const inner = target
            .descendantsOfType(['identifier', 'attribute'])
            .find((n) => n && n.startIndex > head.endIndex);
          if (inner) target = inner;
        }
      } else if (target.type === 'binary_operator') {
        target = target.childForFieldName('left') ?? target;
      }
      const r = resolveExpression(model, module, target);
      if (r.kind === 'definition' && r.definition.kind === 'class') {
        const def = r.definition;
        pm = model.pydanticModels.find((x) => x.class === def);
      }
    }
    const raw = !pm && RAW_BODY.test(stripped);
    if (pm || raw || p.source === 'body')
      bodies.push({ parameter: p, typeText: p.annotationText ?? '', raw, ...(pm ? { model: pm } : {}) });
  }
  return bodies;
}

/**
 * Starlette `Route(...)` and `WebSocketRoute(...)` objects in a routes list (`Starlette(routes=[...])`),
 * recorded as Starlette routes of `owner` under `prefix`. Nested `Mount(...)` lists are followed.
 */
function starletteRoutes(
  model: AppModel,
  module: PyModule,
  owner: AppInstance,
  list: SyntaxNode,
  prefix: string | undefined,
  state: WalkState,
): void {
  let node = unwrap(list);
  let m = module;
  if (node.type === 'identifier' || node.type === 'attribute') {
    const r = resolveExpression(model, m, node);
    if (r.kind !== 'binding' || r.binding.kind !== 'assign') return;
    m = r.module;
    node = unwrap(r.binding.value);
  }
  const items = node.type === 'list' || node.type === 'tuple' ? namedChildren(node) : [node];
  for (const item of items) {
    const call = unwrap(item);
    const fn = call.type === 'call' ? call.childForFieldName('function') : null;
    const name = fn ? qualifiedName(model, m, fn) : undefined;
    if (!name) continue;
    const { args, kwargs } = argumentsOf(call, m.file);
    const pathNode = args[0] ?? kwargs.get('path')?.value;
    const path = pathNode ? stringOrUndefined(model, m, pathNode) : undefined;
    const full = prefix === undefined || path === undefined ? undefined : `${prefix}${path}`;
    if (name === 'starlette.routing.Mount') {
      const inner = kwargs.get('routes')?.value ?? args[1];
      if (inner) starletteRoutes(model, m, owner, inner, full, state);
      continue;
    }
    if (name !== 'starlette.routing.Route' && name !== 'starlette.routing.WebSocketRoute') continue;
    const endpoint = args[1] ?? kwargs.get('endpoint')?.value;
    const handler = endpoint ? functionFor(model, m, endpoint) : undefined;
    const kind = name === 'starlette.routing.Route' ? 'route' : 'websocket';
    const route = makeRoute(
      model,
      m,
      owner,
      kind,
      call,
      args,
      kwargs,
      handler,
      endpoint?.text ?? '?',
      'route-object',
      state,
    );
    route.path = full;
    model.routes.push(route);
  }
}

/** The call that calls `node`'s result (`app.get("/x")(handler)`), if any. */
function calledResult(node: SyntaxNode): SyntaxNode | undefined {
  let outer = node.parent;
  while (outer?.type === 'parenthesized_expression') outer = outer.parent;
  if (outer?.type !== 'call') return undefined;
  const fn = outer.childForFieldName('function');
  return fn && fn.startIndex <= node.startIndex && fn.endIndex >= node.endIndex ? outer : undefined;
}

function makeRoute(
  model: AppModel,
  module: PyModule,
  owner: AppInstance,
  method: string,
  node: SyntaxNode,
  args: SyntaxNode[],
  kwargs: Map<string, KeywordArgument>,
  handler: FunctionDef | undefined,
  handlerName: string,
  declaration: Route['declaration'],
  state: WalkState,
  decorator?: Route['decorator'],
): Route {
  const pathNode = args[0] ?? kwargs.get('path')?.value;
  const path = pathNode ? stringOrUndefined(model, module, pathNode) : undefined;
  let methods: string[];
  if (method === 'websocket' || method === 'websocket_route') methods = ['WEBSOCKET'];
  else if (method === 'api_route' || method === 'route') {
    const m = kwargs.get('methods');
    const v = m ? resolveValue(model, module, m.value) : undefined;
    methods = v ? stringValues(v).map((s) => s.toUpperCase()) : ['GET'];
    if (methods.length === 0) methods = ['GET'];
  } else methods = [method.toUpperCase()];
  const starlette = method === 'route' || method === 'websocket_route' || declaration === 'route-object';
  const depsKw = starlette ? undefined : kwargs.get('dependencies');
  const deps = depsKw
    ? dependenciesFrom(model, module, depsKw, 'decorator', { file: module.file, line: lineOf(node) })
    : undefined;
  const parameters = handler?.parameters ?? [];
  const route: Route = {
    methods,
    path,
    owner,
    declaration,
    starlette,
    node,
    handlerName,
    kwargs,
    parameters,
    decoratorDependencies: deps?.refs ?? [],
    ...(deps && deps.unresolved.length > 0 ? { unresolvedDependencies: deps.unresolved } : {}),
    parameterDependencies: starlette ? [] : parameters.flatMap((p) => (p.dependency ? [p.dependency] : [])),
    bodies: [],
    mounts: [],
    file: module.file,
    line: decorator?.line ?? lineOf(node),
    ...(handler ? { handler } : {}),
    ...(decorator ? { decorator } : {}),
    ...branchOf(state),
  };
  route.bodies = method === 'websocket' || starlette ? [] : routeBodies(model, route);
  return route;
}

interface Chain {
  app: AppInstance;
  chain: IncludeRouter[];
}

function computeMounts(model: AppModel): void {
  const byChild = new Map<string, IncludeRouter[]>();
  for (const inc of model.includes) {
    if (!inc.child) continue;
    const list = byChild.get(inc.child.id) ?? [];
    list.push(inc);
    byChild.set(inc.child.id, list);
  }
  const memo = new Map<string, Chain[]>();
  const chainsTo = (inst: AppInstance, seen: Set<string>): Chain[] => {
    const cached = memo.get(inst.id);
    if (cached) return cached;
    if (seen.has(inst.id)) return [];
    const nextSeen = new Set(seen).add(inst.id);
    const out: Chain[] = [];
    const incoming = byChild.get(inst.id) ?? [];
    if (inst.kind === 'app') {
      const mounts = incoming.filter((i) => i.kind === 'mount');
      for (const inc of mounts)
        for (const up of chainsTo(inc.parent, nextSeen)) out.push({ app: up.app, chain: [...up.chain, inc] });
      if (mounts.length === 0) out.push({ app: inst, chain: [] });
    } else {
      for (const inc of incoming) {
        if (inc.kind !== 'include') continue;
        for (const up of chainsTo(inc.parent, nextSeen)) out.push({ app: up.app, chain: [...up.chain, inc] });
      }
    }
    memo.set(inst.id, out);
    return out;
  };
  for (const route of model.routes) {
    const mounts: RouteMount[] = [];
    for (const c of chainsTo(route.owner, new Set())) {
      let path = '';
      let unresolved = false;
      // Starlette routes run no FastAPI dependencies: nothing is inherited on the way down.
      const inherits = !route.starlette;
      let inherited: DependencyRef[] = inherits ? [...c.app.dependencies] : [];
      let unknownDeps: UnresolvedDependencies[] = inherits ? [...(c.app.unresolvedDependencies ?? [])] : [];
      let branch: EnvBranch | undefined = c.app.branch;
      const addPrefix = (p: string | undefined) => {
        if (p === undefined) {
          unresolved = true;
          path += '{?}';
        } else path += p;
      };
      for (const inc of c.chain) {
        addPrefix(inc.prefix);
        if (inc.branch && (!branch || branch.production)) branch = inc.branch;
        const child = inc.child;
        if (!child) continue;
        if (inc.kind === 'mount') {
          inherited = inherits ? [...child.dependencies] : [];
          unknownDeps = inherits ? [...(child.unresolvedDependencies ?? [])] : [];
        } else {
          addPrefix(child.prefix);
          if (inherits) {
            inherited.push(...inc.dependencies, ...child.dependencies);
            unknownDeps.push(...(inc.unresolvedDependencies ?? []), ...(child.unresolvedDependencies ?? []));
          }
        }
        if (child.branch && (!branch || branch.production)) branch = child.branch;
      }
      if (c.chain.length === 0 && route.owner.kind === 'router') {
        addPrefix(route.owner.prefix);
        if (inherits) unknownDeps.push(...(route.owner.unresolvedDependencies ?? []));
      }
      unknownDeps.push(...(route.unresolvedDependencies ?? []));
      addPrefix(route.path);
      // Before FastAPI 0.97 a websocket route runs only the dependencies of its own parameters.
      const dropped =
        route.methods.includes('WEBSOCKET') &&
        model.fastapiVersion.websocketDependencies === false &&
        inherited.length > 0
          ? inherited
          : undefined;
      if (dropped) inherited = [];
      mounts.push({
        app: c.app,
        fullPath: path || '/',
        chain: c.chain,
        inherited,
        unresolvedPrefix: unresolved,
        ...(dropped ? { droppedInherited: dropped } : {}),
        ...(unknownDeps.length > 0 ? { unresolvedDependencies: unknownDeps } : {}),
        ...(branch ? { branch } : {}),
      });
    }
    route.mounts = mounts;
  }
}

function sqlString(model: AppModel, module: PyModule, node: SyntaxNode, depth = 0): SqlString {
  const [n, type] = unwrapTyped(node);
  const location = { file: module.file, line: lineOf(n) };
  const looks = (text: string) => SQL_WORDS.test(text);
  const make = (kind: SqlStringKind, text: string): SqlString => ({
    kind,
    node: n,
    location,
    looksLikeSql: looks(text),
  });
  switch (type) {
    case 'string':
    case 'concatenated_string':
      return make(hasInterpolation(n) ? 'fstring' : 'literal', staticStringText(n));
    case 'binary_operator': {
      const op = n.childForFieldName('operator')?.text ?? '';
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      const text = n
        .descendantsOfType(['string'])
        .map((s) => (s ? staticStringText(s) : ''))
        .join(' ');
      if (op === '%') return make('percent', text);
      if (op === '+') {
        const l = left ? sqlString(model, module, left, depth + 1) : undefined;
        const r = right ? sqlString(model, module, right, depth + 1) : undefined;
        if (l?.kind === 'literal' && r?.kind === 'literal') return make('literal', text);
        return make('concat', text);
      }
      return make('unknown', text);
    }
    case 'call': {
      const fnNode = n.childForFieldName('function');
      if (fnNode?.type === 'attribute' && fnNode.childForFieldName('attribute')?.text === 'format') {
        const obj = fnNode.childForFieldName('object');
        return make('format', obj ? staticStringText(obj) : '');
      }
      if (fnNode?.type === 'attribute' && fnNode.childForFieldName('attribute')?.text === 'join') {
        return make(
          'concat',
          n
            .descendantsOfType(['string'])
            .map((s) => (s ? staticStringText(s) : ''))
            .join(' '),
        );
      }
      const first = namedChildren(n.childForFieldName('arguments') ?? n)[0];
      const inner = first && depth < 3 ? sqlString(model, module, first, depth + 1) : undefined;
      return { kind: 'call', node: n, location, looksLikeSql: inner?.looksLikeSql ?? false };
    }
    case 'identifier': {
      if (depth > 3) return make('unknown', '');
      const r = resolveExpression(model, module, n);
      if (r.kind === 'binding' && r.binding.kind === 'assign') {
        const inner = sqlString(model, r.module, r.binding.value, depth + 1);
        const via = { name: n.text, file: r.binding.file, line: r.binding.line };
        // `query += f"... {x}"` later in the same function builds the string too.
        const fn = enclosingFunction(module, n);
        const aug = fn
          ? fn.node.descendantsOfType('augmented_assignment').find((a) => {
              if (!a || a.startIndex > n.startIndex) return false;
              const l = a.childForFieldName('left');
              const rr = a.childForFieldName('right');
              return (
                l?.text === n.text &&
                rr !== null &&
                sqlString(model, module, rr, depth + 1).kind !== 'literal'
              );
            })
          : undefined;
        if (aug && inner.kind === 'literal') {
          return {
            kind: 'concat',
            node: aug,
            location: { file: module.file, line: lineOf(aug) },
            via,
            looksLikeSql: inner.looksLikeSql,
          };
        }
        return { ...inner, via };
      }
      return make('unknown', '');
    }
    default:
      return make('unknown', '');
  }
}

function addSqlCall(model: AppModel, rc: RawCall, callee: string, fnNode: SyntaxNode): void {
  const { args, kwargs } = callArguments(rc);
  const argument =
    args[0] ?? kwargs.get('sql')?.value ?? kwargs.get('statement')?.value ?? kwargs.get('query')?.value;
  if (!argument) return;
  const str = sqlString(model, rc.module, argument);
  const hasParameters =
    args.length >= 2 ||
    ['params', 'parameters', 'args', 'vars', 'values', 'bind_params'].some((k) => kwargs.has(k));
  const call: SqlCall = {
    node: rc.node,
    module: rc.module,
    callee,
    calleeText: dottedText(fnNode) ?? fnNode.text,
    argument,
    string: str,
    hasParameters,
    file: rc.module.file,
    line: lineOf(rc.node),
    ...(rc.enclosing ? { enclosing: rc.enclosing } : {}),
  };
  model.sqlCalls.push(call);
}

function addLogCall(model: AppModel, rc: RawCall, method: string, receiver: SyntaxNode): void {
  let resolved = false;
  let loggerName: string | undefined;
  const r = resolveExpression(model, rc.module, receiver);
  if (
    r.kind === 'external' &&
    (r.name === 'logging' || r.name === 'loguru.logger' || r.name === 'structlog')
  ) {
    resolved = true;
    loggerName = '';
  } else {
    const created = creationCall(model, rc.module, receiver);
    const cf = created?.call.childForFieldName('function');
    const q = created && cf ? qualifiedName(model, created.module, cf) : undefined;
    if (q === 'logging.getLogger' || q === 'structlog.get_logger' || q === 'structlog.getLogger') {
      resolved = true;
      const arg = created ? argumentsOf(created.call, created.module.file).args[0] : undefined;
      if (!arg) loggerName = '';
      else if (created) {
        const v = resolveValue(model, created.module, arg);
        if (v.kind === 'string') loggerName = v.value;
      }
    }
  }
  const text = dottedText(receiver) ?? receiver.text;
  if (!resolved && !/log/i.test(text.split('.').pop() ?? '')) return;
  const { args, kwargs } = callArguments(rc);
  const call: LogCall = {
    node: rc.node,
    module: rc.module,
    receiver: text,
    resolved,
    level: (method === 'fatal' ? 'critical' : method) as LogCall['level'],
    args,
    kwargs,
    file: rc.module.file,
    line: lineOf(rc.node),
    ...(loggerName !== undefined ? { loggerName } : {}),
    ...(rc.enclosing ? { enclosing: rc.enclosing } : {}),
  };
  model.logCalls.push(call);
}
