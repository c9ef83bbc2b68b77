// The FastAPI application model: apps, routers, routes, dependencies, settings and entry points of the audited repo.
import { defineFact } from '../../audit/check.js';
import type { EnvEntry } from '../env-file.js';
import { buildAppModel } from './model-builder.js';
import type { SyntaxNode, SyntaxTree } from './parser.js';

export {
  apiKeyDependencies,
  CREDENTIAL_READERS,
  effectiveDependencies,
  keyIsEnforced,
  routeRequires,
  servedRoutes,
} from './auth.js';
export type { ConditionClass } from './conditions.js';
export { isDevelopmentFile } from './entry-points.js';
export { analyse, buildAppModel, LOG_METHODS } from './model-builder.js';
export { isTestFile } from './modules.js';
export { commaList, configuredAuthDependencies, lowerCaseList, NO_FASTAPI_APP } from './options.js';
export {
  argumentsOf,
  callName,
  canonicalName,
  classifyCondition,
  creationCall,
  keywordArguments,
  lookupEnv,
  qualifiedName,
  resolveExpression,
  resolveName,
  resolveValue,
  returnedExpression,
  settingsFieldValue,
  stringValues,
} from './resolve.js';
export {
  binaryOperator,
  comparisonOperators,
  dottedText,
  namedChildren,
  stringLiteral,
  stringPrefix,
  unwrap,
} from './syntax.js';

/** Where something is in the audited repository. */
export interface Location {
  /** Posix path relative to the audited root. */
  file: string;
  /** 1-based line. */
  line: number;
}

/**
 * The environment branch a statement sits in: `if settings.environment == "production":` and the like.
 * `production` tells whether the branch runs in production (the production branch wins for the analysis).
 */
export interface EnvBranch extends Location {
  production: boolean;
  /** The condition's source text, for messages ("conditional on the environment: ..."). */
  condition: string;
}

/** A keyword argument of a call: `prefix="/api"`. */
export interface KeywordArgument extends Location {
  name: string;
  /** The value expression. */
  value: SyntaxNode;
}

/** One Python module of the repository. */
export interface PyModule {
  /** Posix path relative to the root. */
  file: string;
  /** Dotted module name as imported from the repository's source root (`app.routers.orders`). */
  name: string;
  /** Every dotted name the module may be imported as (`src.app.main`, `app.main`), longest first. */
  aliases: string[];
  /** `__init__.py`: relative imports resolve against the module itself. */
  isPackage: boolean;
  tree: SyntaxTree;
  /** The module's source text. */
  text: string;
  /** The file has syntax errors (tree-sitter kept what it could). */
  syntaxErrors: Location[];
  /** Module-level names, each with every reachable binding in source order. */
  bindings: Map<string, Binding[]>;
  /** Functions and classes at any depth, keyed by their dotted path inside the module (`Settings.Config`). */
  definitions: Map<string, Definition>;
}

/**
 * A module-level name binding. `uncertain` marks one made under an `if` whose condition is unknown at analysis
 * time: it may or may not replace the bindings before it.
 */
export type Binding = (
  | (Location & {
      kind: 'assign';
      name: string;
      value: SyntaxNode;
      annotation?: SyntaxNode;
      branch?: EnvBranch;
    })
  | (Location & { kind: 'import-module'; name: string; module: string; branch?: EnvBranch })
  | (Location & { kind: 'import-from'; name: string; module: string; imported: string; branch?: EnvBranch })
  | (Location & { kind: 'function'; name: string; definition: FunctionDef; branch?: EnvBranch })
  | (Location & { kind: 'class'; name: string; definition: ClassDef; branch?: EnvBranch })
) & { uncertain?: EnvBranch };

/** A function or a class defined in the repository. */
export type Definition = FunctionDef | ClassDef;

/** A `def` / `async def`. */
export interface FunctionDef extends Location {
  kind: 'function';
  name: string;
  /** `module:Class.method` style id, unique in the model. */
  id: string;
  module: PyModule;
  node: SyntaxNode;
  async: boolean;
  /** Decorators top to bottom. */
  decorators: Decorator[];
  parameters: Parameter[];
  /** The enclosing class for methods. */
  className?: string;
}

/** A `class` definition. */
export interface ClassDef extends Location {
  kind: 'class';
  name: string;
  id: string;
  module: PyModule;
  node: SyntaxNode;
  /** Base class expressions' canonical names where they resolve (`pydantic.BaseModel`), else their text. */
  bases: string[];
  decorators: Decorator[];
  /** Methods by name. */
  methods: Map<string, FunctionDef>;
}

/** A decorator line: `@router.get("/x", dependencies=[...])`. */
export interface Decorator extends Location {
  node: SyntaxNode;
  /** The decorator's expression (a call or a name). */
  expression: SyntaxNode;
  /** Callee text as written (`router.get`, `limiter.limit`). */
  text: string;
  /** Position among the function's decorators, 0 = topmost (applied last). */
  index: number;
}

/** How a parameter gets its value from FastAPI. */
export type ParameterSource =
  | 'depends'
  | 'security'
  | 'header'
  | 'query'
  | 'path'
  | 'cookie'
  | 'body'
  | 'form'
  | 'file'
  | 'request'
  | 'websocket'
  | 'background'
  | 'response'
  | 'plain';

/** A function parameter. */
export interface Parameter extends Location {
  name: string;
  node: SyntaxNode;
  /** Annotation expression, if any (inside `Annotated[...]` this is the first argument). */
  annotation?: SyntaxNode;
  /** Annotation text as written. */
  annotationText?: string;
  /** Default expression, if any. */
  default?: SyntaxNode;
  /** What FastAPI injects: `Depends(...)` default or `Annotated[..., Depends(...)]`, `Header()`, `Request`... */
  source: ParameterSource;
  /** The dependency for `depends` / `security` parameters. */
  dependency?: DependencyRef;
  /** `*args` / `**kwargs` style. */
  variadic: boolean;
}

/** How a dependency is attached to a route. */
export type DependencyVia =
  | 'parameter'
  | 'decorator'
  | 'router'
  | 'app'
  | 'include-router'
  | 'sub-dependency';

/** A `Depends(x)` / `Security(x)` somewhere on a route's way. */
export interface DependencyRef extends Location {
  via: DependencyVia;
  /** `Depends` or `Security`. */
  marker: 'Depends' | 'Security';
  /** The `Depends(...)` call node. */
  node: SyntaxNode;
  /** The callable expression passed to it (absent for `Depends()` that uses the annotation). */
  target?: SyntaxNode;
  /** The callable's text as written. */
  targetText: string;
  /** The repository function it resolves to (a class with `__call__` resolves to that method). */
  function?: FunctionDef;
  /** The external callable's canonical name (`fastapi.security.APIKeyHeader` for an instance of it). */
  external?: string;
  /** The include_router or app/router that contributed it (for inherited ones). */
  from?: Location;
}

/** A `dependencies=` value, or an item of it, that does not resolve to `Depends(...)`/`Security(...)` calls. */
export interface UnresolvedDependencies extends Location {
  /** The expression as written. */
  text: string;
}

/** A `FastAPI(...)` or `APIRouter(...)` instance. */
export interface AppInstance extends Location {
  /** `file:line:column`, unique. */
  id: string;
  kind: 'app' | 'router';
  module: PyModule;
  /** Module-level name it is bound to (`app`, `router`), when bound to one. */
  name?: string;
  call: SyntaxNode;
  kwargs: Map<string, KeywordArgument>;
  /** `dependencies=[...]` of the constructor. */
  dependencies: DependencyRef[];
  /** Parts of `dependencies=` that could not be resolved (they may hold the key). */
  unresolvedDependencies?: UnresolvedDependencies[];
  /** `prefix=` for routers, resolved; empty when absent. `undefined` when it could not be resolved. */
  prefix: string | undefined;
  branch?: EnvBranch;
}

/** `parent.include_router(child, prefix=..., dependencies=[...])` or `parent.mount(path, subapp)`. */
export interface IncludeRouter extends Location {
  kind: 'include' | 'mount';
  node: SyntaxNode;
  module: PyModule;
  parent: AppInstance;
  /** The included router or mounted app, when it resolves. */
  child?: AppInstance;
  /** The child expression's text (`orders.router`). */
  childText: string;
  /** Resolved prefix ('' when absent, undefined when not resolvable). */
  prefix: string | undefined;
  dependencies: DependencyRef[];
  /** Parts of `dependencies=` that could not be resolved. */
  unresolvedDependencies?: UnresolvedDependencies[];
  kwargs: Map<string, KeywordArgument>;
  branch?: EnvBranch;
}

/** Where a route ends up: one for each way its router reaches an app (a router may be included twice). */
export interface RouteMount {
  /** The FastAPI app at the top of the chain; undefined when the router is never included in an app. */
  app?: AppInstance;
  /** Full path with every prefix applied (prefixes that could not be resolved appear as `{?}`). */
  fullPath: string;
  /** The include_router calls from the app down to the route's router. */
  chain: IncludeRouter[];
  /** Dependencies inherited from the app, the include_router calls and the routers on the way, outermost first. */
  inherited: DependencyRef[];
  /** Some prefix on the way could not be resolved. */
  unresolvedPrefix: boolean;
  /**
   * Dependencies of the app, routers and include_router calls that the declared FastAPI version does not
   * run for this websocket route (before 0.97); `inherited` is empty then.
   */
  droppedInherited?: DependencyRef[];
  /** `dependencies=` values on the way (app, include_router calls, routers, the route) that did not resolve. */
  unresolvedDependencies?: UnresolvedDependencies[];
  /** The environment branch of the app, routers and include_router calls on the way (non-production wins). */
  branch?: EnvBranch;
}

/**
 * A route: `@app.get(...)`, `@router.post(...)`, `api_route`, `websocket`, `add_api_route`, the call form
 * `app.get("/x")(handler)`, and the Starlette routes `add_route` and `@app.route`.
 */
export interface Route extends Location {
  /** Upper-case methods; `WEBSOCKET` for websocket routes. */
  methods: string[];
  /** The path as written on the decorator (router prefix not applied), undefined when not resolvable. */
  path: string | undefined;
  /** The app or router the route is declared on. */
  owner: AppInstance;
  /**
   * How it was declared: `call` is `app.get("/x")(handler)`; `route-object` a Starlette `Route(...)` or
   * `WebSocketRoute(...)` in a routes list (`app.mount("/x", Starlette(routes=[...]))`, `app.router.routes`).
   */
  declaration: 'decorator' | 'add_api_route' | 'add_route' | 'call' | 'route-object';
  /**
   * A Starlette route (`add_route`, `@app.route`, a `Route(...)` object): FastAPI runs no dependencies for it, neither its own nor
   * the app's or routers', so only a handler that checks the key itself protects it.
   */
  starlette: boolean;
  /** The decorator (or `add_api_route` call) node; `line` is its line. */
  node: SyntaxNode;
  /** The route decorator among the handler's decorators. */
  decorator?: Decorator;
  /** The handler function when it resolves. */
  handler?: FunctionDef;
  /** The handler's name as written. */
  handlerName: string;
  /** Keyword arguments of the decorator / add_api_route call. */
  kwargs: Map<string, KeywordArgument>;
  /** Handler parameters (empty when the handler does not resolve). */
  parameters: Parameter[];
  /** `dependencies=[...]` of the decorator. */
  decoratorDependencies: DependencyRef[];
  /** Parts of the decorator's `dependencies=` that could not be resolved. */
  unresolvedDependencies?: UnresolvedDependencies[];
  /** Dependencies declared on the handler's parameters. */
  parameterDependencies: DependencyRef[];
  /** Request body parameters and the pydantic model each uses, when it resolves. */
  bodies: RouteBody[];
  /** Where the route is served. */
  mounts: RouteMount[];
  branch?: EnvBranch;
}

/** A request body parameter. */
export interface RouteBody {
  parameter: Parameter;
  /** The pydantic model it is, when the annotation resolves to one. */
  model?: PydanticModel;
  /** The annotation's text (`dict`, `Dict[str, Any]`, `OrderIn`). */
  typeText: string;
  /** `dict` / `Dict[...]` / `Any` / `list[dict]`: an unvalidated body. */
  raw: boolean;
}

/** `app.add_middleware(X, ...)`, `Middleware(X, ...)` in `FastAPI(middleware=[...])`, or `@app.middleware("http")`. */
export interface MiddlewareRegistration extends Location {
  via: 'add_middleware' | 'constructor' | 'decorator';
  node: SyntaxNode;
  module: PyModule;
  /** The app it is registered on, when it resolves. */
  app?: AppInstance;
  /** Canonical class name (`starlette.middleware.cors.CORSMiddleware`), or the text as written. */
  middleware: string;
  kwargs: Map<string, KeywordArgument>;
  /** The function for `@app.middleware("http")`. */
  function?: FunctionDef;
  branch?: EnvBranch;
}

/** Any call of a named callable in reachable code, indexed by canonical name. */
export interface CallSite extends Location {
  node: SyntaxNode;
  module: PyModule;
  /** Canonical qualified name (`sqlalchemy.create_engine`, `slowapi.Limiter`), or the repo function's id. */
  name: string;
  /** Positional arguments. */
  args: SyntaxNode[];
  kwargs: Map<string, KeywordArgument>;
  /** The module-level or local name the result is assigned to (`engine = create_engine(...)`). */
  assignedTo?: string;
  /** The function the call is in. */
  enclosing?: FunctionDef;
  branch?: EnvBranch;
}

/** `create_engine(...)` / `create_async_engine(...)`. */
export interface EngineCall extends CallSite {
  function: 'create_engine' | 'create_async_engine';
  /** The URL argument (first positional or `url=`). */
  url?: SyntaxNode;
}

/** `uvicorn.run(...)`. */
export interface UvicornRunCall extends CallSite {
  /** The app argument (`app` object or `"app.main:app"` string). */
  target?: SyntaxNode;
  /** Inside `if __name__ == "__main__":`. */
  underMainGuard: boolean;
}

/** A command line that starts the service. */
export interface EntryPoint extends Location {
  source: 'dockerfile' | 'compose' | 'systemd' | 'procfile';
  /** Compose service name. */
  service?: string;
  /** The command as argv (shell form split on whitespace, `sh -c` unwrapped). */
  argv: string[];
  server: 'uvicorn' | 'gunicorn' | 'hypercorn' | 'fastapi' | 'python' | 'other';
  /** `app.main:app` as given. */
  target?: string;
  /** The module it runs (`app.main`) and the repository module it resolves to. */
  targetModule?: string;
  targetAttribute?: string;
  module?: PyModule;
  /** Options: `--reload` → true, `--log-level debug` → 'debug'. Long names without dashes. */
  options: Map<string, string | true>;
  /** Production unless the file name says development (`docker-compose.dev.yml`, `*.override.yml`, `dev.service`). */
  production: boolean;
  /** For a line of a shell script the command runs (`CMD ["./start.sh"]`): the command that runs the script. */
  via?: Location;
  /** `python -m pkg`: Python runs the package's `__main__` module. */
  runsModule?: boolean;
}

/** An env file and whether it feeds production. */
export interface EnvFileInfo {
  file: string;
  production: boolean;
  entries: EnvEntry[];
  /** Effective value per key (the last assignment). */
  values: Map<string, EnvEntry>;
}

/** A pydantic model or settings class. */
export interface PydanticModel {
  name: string;
  class: ClassDef;
  /** Derives (directly or through repo classes) from BaseSettings. */
  isSettings: boolean;
  fields: PydanticField[];
  validators: PydanticValidator[];
  /** `env_file` of the settings' Config / model_config, resolved (relative to the root). */
  envFiles: string[];
  /** `env_prefix` of the settings. */
  envPrefix: string;
  /** `case_sensitive` (default false). */
  caseSensitive: boolean;
}

/** A field: `qty: int = Field(gt=0)`, `conint(gt=0)`, `constr(regex=...)`, `Annotated[int, Field(gt=0)]`. */
export interface PydanticField extends Location {
  name: string;
  annotation?: SyntaxNode;
  annotationText: string;
  default?: SyntaxNode;
  /** The `Field(...)`, `conint(...)`, `constr(...)`, `condecimal(...)`, `confloat(...)` call, if any. */
  constraintCall?: SyntaxNode;
  /** Keyword names of the constraint call(s) (`gt`, `le`, `pattern`, `regex`, `max_length`, `env`, `alias`...). */
  constraints: Map<string, KeywordArgument>;
}

/** `@validator`, `@field_validator`, `@root_validator`, `@model_validator`. */
export interface PydanticValidator extends Location {
  kind: 'validator' | 'field_validator' | 'root_validator' | 'model_validator';
  fields: string[];
  function: FunctionDef;
  decorator: Decorator;
}

/** The pydantic major version and where it was read. */
export interface PydanticVersion {
  major: 1 | 2 | undefined;
  /** Exact or constraint text (`2.5.3`, `>=2,<3`, `^2.0`). */
  spec?: string;
  /** Where it came from: a lock file, requirements, pyproject, or inferred from the imports. */
  source: 'lock' | 'requirements' | 'pyproject' | 'imports' | 'unknown';
  location?: Location;
}

/** The FastAPI version the project declares. */
export interface FastapiVersion {
  /** Exact or constraint text (`0.92.0`, `>=0.100`, empty when unpinned). */
  spec?: string;
  source: 'lock' | 'requirements' | 'pyproject' | 'unknown';
  location?: Location;
  /**
   * FastAPI runs app, router and include_router dependencies for websocket routes (0.97 and later):
   * undefined when the declared versions allow both, or none is declared.
   */
  websocketDependencies: boolean | undefined;
}

/** How the string argument of a SQL call was built. */
export type SqlStringKind = 'literal' | 'fstring' | 'percent' | 'concat' | 'format' | 'call' | 'unknown';

/** The string argument of a SQL call, traced through one name if needed. */
export interface SqlString {
  kind: SqlStringKind;
  /** The expression where the string is built (the argument, or the assignment value it resolved to). */
  node: SyntaxNode;
  location: Location;
  /** The name the argument went through (`query = f"..."; cur.execute(query)`). */
  via?: { name: string } & Location;
  /** The static text parts contain SQL keywords. */
  looksLikeSql: boolean;
}

/** A call that executes SQL: `execute`, `executemany`, `exec_driver_sql`, `text(...)`, `read_sql`, `fetch*`. */
export interface SqlCall extends Location {
  node: SyntaxNode;
  module: PyModule;
  /** Method or function name (`execute`, `text`). */
  callee: string;
  /** The callee text (`cur.execute`, `sqlalchemy.text`). */
  calleeText: string;
  argument?: SyntaxNode;
  string: SqlString;
  /** Parameters passed separately (second positional or `params=`/`parameters=`). */
  hasParameters: boolean;
  enclosing?: FunctionDef;
}

/** A logging call: `logger.warning(...)`, `logging.info(...)`. */
export interface LogCall extends Location {
  node: SyntaxNode;
  module: PyModule;
  /** The receiver's text (`security_logger`, `logging`, `self.log`). */
  receiver: string;
  /** `getLogger("name")` argument when the receiver resolves to one; '' for the root logger. */
  loggerName?: string;
  /** The receiver resolves to a logger (getLogger / get_logger / the logging module); false when only named like one. */
  resolved: boolean;
  level: 'debug' | 'info' | 'warning' | 'warn' | 'error' | 'critical' | 'exception' | 'log';
  args: SyntaxNode[];
  kwargs: Map<string, KeywordArgument>;
  enclosing?: FunctionDef;
}

/** A logger object: `security_logger = logging.getLogger("security")`. */
export interface LoggerDef extends Location {
  module: PyModule;
  variable: string;
  /** The logger name argument ('' for the root logger, undefined when not resolvable). */
  loggerName: string | undefined;
}

/** `app.state.limiter = limiter` style assignments. */
export interface StateAssignment extends Location {
  app?: AppInstance;
  attribute: string;
  value: SyntaxNode;
  module: PyModule;
}

/** `app.add_exception_handler(E, h)` or `@app.exception_handler(E)`. */
export interface ExceptionHandler extends Location {
  app?: AppInstance;
  /** Canonical name of the exception class. */
  exception: string;
  module: PyModule;
}

/** The whole model. */
export interface AppModel {
  modules: PyModule[];
  /** Modules by dotted name and by every alias. */
  moduleByName: Map<string, PyModule>;
  moduleByFile: Map<string, PyModule>;
  /** Python files that could not be read. */
  unreadable: Array<{ file: string; error: string }>;
  apps: AppInstance[];
  routers: AppInstance[];
  includes: IncludeRouter[];
  routes: Route[];
  middleware: MiddlewareRegistration[];
  engines: EngineCall[];
  uvicornRuns: UvicornRunCall[];
  entryPoints: EntryPoint[];
  envFiles: EnvFileInfo[];
  pydanticModels: PydanticModel[];
  pydanticVersion: PydanticVersion;
  fastapiVersion: FastapiVersion;
  sqlCalls: SqlCall[];
  logCalls: LogCall[];
  loggers: LoggerDef[];
  stateAssignments: StateAssignment[];
  exceptionHandlers: ExceptionHandler[];
  /** Every reachable call by canonical name. */
  calls: Map<string, CallSite[]>;
  /** Every function by id. */
  functions: Map<string, FunctionDef>;
  /** The repo has at least one `fastapi.FastAPI(...)` instance. */
  hasFastApi: boolean;
}

/** A function recognised as the API-key dependency. */
export interface ApiKeyDependency {
  function: FunctionDef;
  /** Named in the `auth-dependencies` option, reads a key and raises 401/403, or depends on such a function. */
  reason: 'configured' | 'validates-key' | 'sub-dependency';
  /**
   * Parameters or variables that hold the key: a parameter bound to APIKeyHeader/Security, a Header or
   * Cookie parameter named like a key (`x_api_key`, `authorization`, `token`), a variable read from such a
   * header. Other headers the dependency reads (`X-Real-IP`) are not the key.
   */
  keyNames: string[];
  /** Reachable `raise HTTPException(401/403)` lines whose exception reaches FastAPI. */
  raises: Location[];
  /**
   * `raise HTTPException(401/403)` lines inside a `try` whose handler catches the exception (Exception,
   * HTTPException, a bare except) and does not raise again: the request goes through.
   */
  swallowedRaises: Location[];
  /**
   * The provided key is compared with an expected value (compare_digest, ==, !=, `in` a set of keys) or passed
   * to a call that may validate it. False for a check that the key is only present (`if not x_api_key:`).
   */
  verified: boolean;
  /** The key compared with `==` / `!=` (not constant-time), here or in a helper the function calls with it. */
  unsafeComparisons: Array<Location & { helper?: string }>;
  /** `secrets.compare_digest` / `hmac.compare_digest` calls. */
  safeComparisons: Location[];
}

/** How a route is protected, when it is. */
export interface RouteProtection {
  /** The dependency on the way that requires the key (absent when the handler checks the key itself). */
  dependency?: DependencyRef;
  key: ApiKeyDependency | { configured: string };
}

/** A resolved value. `conditional` marks one picked from an environment branch; `from` says where it was defined. */
export type PyValue = (
  | { kind: 'string'; value: string }
  | { kind: 'list'; items: PyValue[] }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'number'; value: number }
  | { kind: 'unknown'; reason: string }
) & {
  /** Where the value was written (a literal, an env file line, a settings default). */
  from?: Location;
  /** Picked from the production branch of an environment conditional. */
  conditional?: EnvBranch;
  /** Read from an env file (the settings field or os.getenv key). */
  envKey?: string;
  /** The value is a settings/os.getenv default used because no env file sets it. */
  defaulted?: boolean;
  /** The expression it came from. */
  node?: SyntaxNode;
};

/** What a name or expression refers to. */
export type Resolved =
  | { kind: 'module'; module: PyModule }
  | {
      kind: 'binding';
      module: PyModule;
      binding: Binding;
      /** A later binding under an unknown condition that may replace this one at run time. */
      alternative?: Binding;
    }
  | { kind: 'definition'; definition: Definition }
  | { kind: 'external'; name: string }
  | { kind: 'settings-field'; model: PydanticModel; field: string; instance: Location }
  | { kind: 'unknown'; reason: string };

/** The model fact, shared by every check that reads the FastAPI application. */
export const appModel = defineFact<AppModel>('python-app-model', async (ctx) => buildAppModel(ctx));
