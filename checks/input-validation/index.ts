// Check 12, input validation: pydantic bodies with constrained order fields, v2 pitfalls, no SQL built from strings.
import {
  type AppModel,
  appModel,
  creationCall,
  defineCheck,
  type FindingInput,
  type FunctionDef,
  isTestFile,
  lineOf,
  lowerCaseList,
  NO_FASTAPI_APP,
  type PydanticField,
  type PydanticModel,
  type PyModule,
  qualifiedName,
  type Route,
  resolveExpression,
  type SqlCall,
  type SyntaxNode,
  skip,
} from '../../src/index.js';
import { isStaticString, typeNames } from './syntax.js';

const DEFAULT_ORDER_WORDS = 'order, orders, trade, trades, trading, signal, signals, position, positions';
const DEFAULT_NUMERIC_FIELDS =
  'quantity, qty, amount, price, size, volume, notional, limit_price, stop_price';
const DEFAULT_TEXT_FIELDS = 'symbol, ticker, side, order_type, type, currency';

const NUMERIC_BOUNDS = ['gt', 'ge', 'lt', 'le'];
const TEXT_BOUNDS = ['pattern', 'regex', 'max_length'];
const BOUNDED_NUMERIC_TYPES =
  /^(PositiveInt|PositiveFloat|NegativeInt|NegativeFloat|NonNegativeInt|NonNegativeFloat|NonPositiveInt|NonPositiveFloat|conint|confloat|condecimal)$/;
const PLAIN_NUMERIC = new Set(['int', 'float', 'Decimal', 'decimal.Decimal']);
const PLAIN_TEXT = new Set(['str']);
const WRAPPERS = new Set(['Optional', 'typing.Optional', 'Union', 'typing.Union', 'None']);
/** Callees that take SQL text as their argument whatever it looks like. */
const SQL_SINKS = new Set(['execute', 'executemany', 'executescript', 'exec_driver_sql', 'text']);
/** Method names other libraries use too (`task_runner.execute(...)`): SQL only on a database receiver. */
const GENERIC_SINKS = new Set(['execute', 'executemany', 'executescript']);
/** Libraries whose objects run SQL. */
const DB_LIBRARIES =
  /^(?:sqlalchemy|sqlmodel|psycopg|psycopg2|psycopg_pool|asyncpg|sqlite3|aiosqlite|pymysql|MySQLdb|aiomysql|aiopg|databases|duckdb|pyodbc|cx_Oracle|oracledb)(?:\.|$)/;
/** Receiver names that say "database": `cur`, `conn`, `session`, `db`, `self.engine`, `conn.cursor()`. */
const DB_RECEIVER =
  /(?:^|_)(?:cur|cursor|conn|connection|con|db|database|session|sess|engine|tx|transaction|pool)s?$/i;
/** psycopg's safe composition: `sql.SQL("... {} ...").format(sql.Identifier(t))`. */
const PSYCOPG_SQL = /^psycopg2?\.sql\.(?:SQL|Composed)$/;

export default defineCheck({
  meta: {
    id: 'input-validation',
    point: 12,
    title: 'Request bodies are validated pydantic models and SQL is parameterised',
    description:
      'Reads the routes and pydantic models of the FastAPI application: bodies that bypass pydantic, order ' +
      'fields without bounds or patterns, pydantic 2 incompatibilities of the hardening guide, and SQL built ' +
      'from strings instead of bound parameters.',
    targets: ['repo'],
    rules: {
      'raw-body': {
        title: 'Request bodies are pydantic models',
        severity: 'medium',
        description:
          'A dict, Any or request.json() body is not validated: any shape, type and size reaches the handler. ' +
          'Medium on order and trading routes, low elsewhere.',
        remediation: 'Declare a pydantic model for the body and type the parameter with it.',
      },
      'unconstrained-field': {
        title: 'Order fields are bounded',
        severity: 'medium',
        description:
          'Quantities and prices without gt/ge/le bounds accept negative or absurd values; symbols and sides ' +
          'without a pattern, max_length, Literal or Enum accept any text.',
        remediation:
          'Use Field(..., gt=0, le=LIMIT) for amounts and Field(..., pattern=r"^[A-Z]{1,12}$", max_length=12), ' +
          'Literal[...] or an Enum for symbols and sides.',
      },
      'field-regex': {
        title: 'Field patterns use pattern= on pydantic 2',
        severity: 'medium',
        description:
          'pydantic 2 removed the regex argument: Field(regex=...) raises PydanticUserError when the module is ' +
          'imported, so the service does not start.',
        remediation: 'Replace regex= with pattern= (pydantic 2), or pin pydantic<2 knowingly.',
      },
      'validator-deprecated': {
        title: 'pydantic 2 models use field_validator',
        severity: 'low',
        description: '@validator and @root_validator are deprecated in pydantic 2 and will be removed.',
        remediation: 'Use @field_validator (with @classmethod) and @model_validator.',
      },
      'sql-string-built': {
        title: 'SQL is never built from strings',
        severity: 'high',
        description:
          'SQL assembled with an f-string, %, + or .format() lets request data rewrite the query (SQL injection).',
        remediation:
          'Pass values as bound parameters: text("... WHERE symbol = :symbol") with {"symbol": symbol}, or ' +
          'cur.execute("... WHERE symbol = %s", (symbol,)).',
      },
    },
    options: {
      'order-words': {
        description: 'Path segments and handler-name words that make a route an order or trading route.',
        default: DEFAULT_ORDER_WORDS,
      },
      'numeric-fields': {
        description: 'Model field names that must carry numeric bounds.',
        default: DEFAULT_NUMERIC_FIELDS,
      },
      'text-fields': {
        description: 'Model field names that must carry a pattern, max_length, Literal or Enum.',
        default: DEFAULT_TEXT_FIELDS,
      },
    },
    references: [
      'https://docs.pydantic.dev/latest/migration/',
      'https://fastapi.tiangolo.com/tutorial/body/',
      'https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html',
    ],
  },

  async run(ctx) {
    const model = await ctx.fact(appModel);
    if (!model.hasFastApi) return skip('not-applicable', NO_FASTAPI_APP);
    const list = (key: string, def: string) => new Set(lowerCaseList(ctx.settings, key, def));
    const orderWords = list('order-words', DEFAULT_ORDER_WORDS);
    const numeric = list('numeric-fields', DEFAULT_NUMERIC_FIELDS);
    const text = list('text-fields', DEFAULT_TEXT_FIELDS);

    const findings: FindingInput[] = [];
    const orderModels = checkBodies(model, orderWords, findings);
    for (const pm of modelsToConstrain(model, orderModels)) checkFields(model, pm, numeric, text, findings);
    checkPydanticVersion(model, findings);
    checkSql(model, findings);
    return { findings };
  },
});

// Bodies -------------------------------------------------------------------------------------------------------

function isOrderRoute(route: Route, words: ReadonlySet<string>): boolean {
  const paths = [route.path ?? '', ...route.mounts.map((m) => m.fullPath)];
  const pathWords = paths.flatMap((p) => p.toLowerCase().split(/[^a-z0-9]+/));
  const nameWords = route.handlerName.toLowerCase().split(/[^a-z0-9]+/);
  return [...pathWords, ...nameWords].some((w) => words.has(w));
}

function routeLabel(route: Route): string {
  const path = route.mounts[0]?.fullPath ?? route.path ?? '?';
  return `${route.methods.join(',')} ${path}`;
}

/** Reports raw bodies; returns the pydantic models that order routes receive. */
function checkBodies(model: AppModel, words: ReadonlySet<string>, out: FindingInput[]): Set<PydanticModel> {
  const orderModels = new Set<PydanticModel>();
  const seenHandlers = new Set<string>();
  for (const route of model.routes) {
    if (isTestFile(route.file)) continue;
    const order = isOrderRoute(route, words);
    const severity = order ? undefined : ('low' as const);
    const label = routeLabel(route);
    for (const body of route.bodies) {
      if (body.model && order) orderModels.add(body.model);
      if (!body.raw) continue;
      const p = body.parameter;
      out.push({
        rule: 'raw-body',
        file: p.file,
        line: p.line,
        ...(severity ? { severity } : {}),
        message: `${label}: body parameter ${p.name}: ${body.typeText} is not validated (no pydantic model)`,
        evidence: `${label} ${p.name} ${body.typeText}`,
      });
    }
    const handler = route.handler;
    if (!handler || seenHandlers.has(handler.id)) continue;
    seenHandlers.add(handler.id);
    for (const read of rawRequestReads(route, handler)) {
      out.push({
        rule: 'raw-body',
        file: handler.file,
        line: read.line,
        ...(severity ? { severity } : {}),
        message: `${label}: ${handler.name}() reads the body with ${read.text} instead of a pydantic model`,
        evidence: `${label} ${read.text}`,
      });
    }
  }
  return orderModels;
}

/** `await request.json()` / `.body()` / `.form()` on the handler's Request parameter. */
function rawRequestReads(route: Route, handler: FunctionDef): Array<{ line: number; text: string }> {
  const requestNames = new Set(route.parameters.filter((p) => p.source === 'request').map((p) => p.name));
  if (requestNames.size === 0) return [];
  const body = handler.node.childForFieldName('body');
  // A text search first: walking every handler's calls through the syntax tree is the slow path.
  if (!body || !/\.(json|body|form)\s*\(/.test(body.text)) return [];
  const out: Array<{ line: number; text: string }> = [];
  for (const call of body.descendantsOfType('call')) {
    if (!call) continue;
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'attribute') continue;
    const method = fn.childForFieldName('attribute')?.text ?? '';
    const obj = fn.childForFieldName('object');
    if (obj?.type !== 'identifier' || !requestNames.has(obj.text)) continue;
    if (method !== 'json' && method !== 'body' && method !== 'form') continue;
    if (insideNestedDef(call, handler.node)) continue;
    out.push({
      line: lineOf(call),
      text: `${call.parent?.type === 'await' ? 'await ' : ''}${obj.text}.${method}()`,
    });
  }
  return out;
}

function insideNestedDef(node: SyntaxNode, def: SyntaxNode): boolean {
  for (let p = node.parent; p && p.startIndex >= def.startIndex; p = p.parent) {
    if (p.startIndex === def.startIndex && p.type === def.type) return false;
    if (p.type === 'function_definition' || p.type === 'lambda') return true;
  }
  return false;
}

// Fields -------------------------------------------------------------------------------------------------------

/** Models received by order routes, the models nested in them, and models named like orders or trades. */
function modelsToConstrain(model: AppModel, orderModels: ReadonlySet<PydanticModel>): PydanticModel[] {
  const out = new Set<PydanticModel>();
  const queue = [...orderModels];
  for (const pm of model.pydanticModels) {
    if (!pm.isSettings && !isTestFile(pm.class.file) && /order|trade/i.test(pm.name)) queue.push(pm);
  }
  while (queue.length > 0) {
    const pm = queue.pop();
    if (!pm || out.has(pm)) continue;
    out.add(pm);
    for (const f of pm.fields) {
      if (!f.annotation) continue;
      for (const name of typeNames(f.annotation)) {
        const r = resolveExpression(model, pm.class.module, name);
        if (r.kind !== 'definition' || r.definition.kind !== 'class') continue;
        const def = r.definition;
        const nested = model.pydanticModels.find((m) => m.class === def);
        if (nested && !nested.isSettings) queue.push(nested);
      }
    }
  }
  return [...out];
}

function checkFields(
  model: AppModel,
  pm: PydanticModel,
  numeric: ReadonlySet<string>,
  text: ReadonlySet<string>,
  out: FindingInput[],
): void {
  const validated = new Set(pm.validators.flatMap((v) => v.fields));
  // A model-wide validator may check anything: the check cannot tell, so it does not report.
  if (
    pm.validators.some((v) => v.kind === 'root_validator' || v.kind === 'model_validator') ||
    validated.has('*')
  ) {
    return;
  }
  for (const f of pm.fields) {
    const name = f.name.toLowerCase();
    if (validated.has(f.name)) continue;
    if (numeric.has(name)) {
      const kind = fieldKind(model, pm.class.module, f);
      if (kind !== 'numeric') continue;
      if (NUMERIC_BOUNDS.some((b) => f.constraints.has(b))) continue;
      out.push({
        rule: 'unconstrained-field',
        file: f.file,
        line: f.line,
        message: `${pm.name}.${f.name}: ${f.annotationText} has no bound (gt/ge/lt/le): negative or absurd amounts are accepted`,
        evidence: `${pm.name}.${f.name} numeric`,
      });
    } else if (text.has(name)) {
      const kind = fieldKind(model, pm.class.module, f);
      if (kind !== 'text') continue;
      const bounds = TEXT_BOUNDS.filter((b) => f.constraints.has(b));
      // pydantic 1 reads regex=; it ignores pattern= as an unknown extra, so the field stays unconstrained.
      const ignored = model.pydanticVersion.major === 1 && bounds.length === 1 && bounds[0] === 'pattern';
      if (bounds.length > 0 && !ignored) continue;
      if (ignored) {
        const p = f.constraints.get('pattern');
        out.push({
          rule: 'unconstrained-field',
          file: p?.file ?? f.file,
          line: p?.line ?? f.line,
          message: `${pm.name}.${f.name}: pydantic 1${pydanticWhere(model)} ignores pattern= (it reads regex=), so any text is accepted: use regex= or upgrade to pydantic 2`,
          evidence: `${pm.name}.${f.name} text pattern-ignored`,
        });
        continue;
      }
      out.push({
        rule: 'unconstrained-field',
        file: f.file,
        line: f.line,
        message: `${pm.name}.${f.name}: ${f.annotationText} has no pattern, max_length, Literal or Enum: any text is accepted`,
        evidence: `${pm.name}.${f.name} text`,
      });
    }
  }
}

/**
 * What a field's type allows: a plain number or string ('numeric' / 'text'), or something that constrains
 * it or that the check cannot see ('other').
 */
function fieldKind(model: AppModel, module: PyModule, f: PydanticField): 'numeric' | 'text' | 'other' {
  if (!f.annotation) return 'other';
  if (f.constraintCall) {
    const callee = f.constraintCall.childForFieldName('function')?.text ?? '';
    if (/(^|\.)(conint|confloat|condecimal|constr)$/.test(callee)) return 'other';
  }
  let kind: 'numeric' | 'text' | undefined;
  for (const name of typeNames(f.annotation)) {
    const t = name.text;
    if (WRAPPERS.has(t)) continue;
    if (/(^|\.)(Literal|Annotated)$/.test(t)) return 'other';
    if (BOUNDED_NUMERIC_TYPES.test(t.split('.').pop() ?? t)) return 'other';
    if (PLAIN_NUMERIC.has(t)) {
      kind = kind === 'text' ? undefined : 'numeric';
      continue;
    }
    if (PLAIN_TEXT.has(t)) {
      kind = kind === 'numeric' ? undefined : 'text';
      continue;
    }
    // Anything else (an Enum, a constrained alias, a class from a library) constrains or cannot be seen.
    const r = resolveExpression(model, module, name);
    if (r.kind === 'external' && (r.name === 'decimal.Decimal' || r.name === 'builtins.str')) {
      kind = r.name === 'decimal.Decimal' ? 'numeric' : 'text';
      continue;
    }
    return 'other';
  }
  return kind ?? 'other';
}

// pydantic 2 ---------------------------------------------------------------------------------------------------

function checkPydanticVersion(model: AppModel, out: FindingInput[]): void {
  const version = model.pydanticVersion;
  if (version.major === 1) return;
  const where = version.location ? ` (${version.location.file}:${version.location.line})` : '';
  const known = version.major === 2;
  const versionText = known
    ? `${versionLabel(version.spec)}${version.source === 'imports' ? ', as the imports show' : ''}${where}`
    : 'pydantic of unknown version (no requirements, pyproject or lock file names it)';
  for (const pm of model.pydanticModels) {
    for (const f of pm.fields) {
      const regex = f.constraints.get('regex');
      if (!regex) continue;
      out.push({
        rule: 'field-regex',
        file: regex.file,
        line: regex.line,
        ...(known ? {} : { severity: 'low' as const }),
        message: `${pm.name}.${f.name} uses regex= with ${versionText}: pydantic 2 rejects it when the module is imported, use pattern=`,
        evidence: `${pm.name}.${f.name} regex`,
      });
    }
    if (!known) continue;
    for (const v of pm.validators) {
      if (v.kind !== 'validator' && v.kind !== 'root_validator') continue;
      out.push({
        rule: 'validator-deprecated',
        file: v.decorator.file,
        line: v.decorator.line,
        message: `${pm.name}.${v.function.name} uses @${v.kind} with ${versionText}: deprecated, use @${v.kind === 'validator' ? 'field_validator' : 'model_validator'}`,
        evidence: `${pm.name}.${v.function.name} ${v.kind}`,
      });
    }
  }
}

function pydanticWhere(model: AppModel): string {
  const v = model.pydanticVersion;
  return v.location
    ? ` (${v.location.file}:${v.location.line})`
    : v.source === 'imports'
      ? ' (as the imports show)'
      : '';
}

function versionLabel(spec: string | undefined): string {
  if (!spec) return 'pydantic 2';
  return /^[<>=!~^]/.test(spec) ? `pydantic${spec}` : `pydantic ${spec}`;
}

// SQL ----------------------------------------------------------------------------------------------------------

const HOW: Record<string, string> = {
  fstring: 'an f-string',
  percent: '% formatting',
  concat: '+ concatenation',
  format: '.format()',
};

function checkSql(model: AppModel, out: FindingInput[]): void {
  const seen = new Set<string>();
  for (const call of model.sqlCalls) {
    if (isTestFile(call.file)) continue;
    const how = HOW[call.string.kind];
    if (!how) continue;
    if (!SQL_SINKS.has(call.callee) && !call.string.looksLikeSql) continue;
    if (GENERIC_SINKS.has(call.callee) && !call.string.looksLikeSql && !databaseReceiver(model, call))
      continue;
    if (call.string.kind === 'format' && psycopgComposition(model, call)) continue;
    const key = `${call.string.location.file}:${call.string.node.startIndex}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (isStaticString(model, call.module, call.string.node)) continue;
    out.push({
      rule: 'sql-string-built',
      file: call.file,
      line: call.line,
      message: sqlMessage(call, how),
      evidence: `${call.calleeText} ${call.string.kind} ${call.string.node.text.replace(/\s+/g, ' ').slice(0, 120)}`,
    });
  }
}

/** The receiver of `x.execute(...)` is a database object: created by a DB library, or named like one. */
function databaseReceiver(model: AppModel, call: SqlCall): boolean {
  const fn = call.node.childForFieldName('function');
  const obj = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
  if (!obj) return false;
  const q = qualifiedName(model, call.module, obj);
  if (q && DB_LIBRARIES.test(q)) return true;
  const created = creationCall(model, call.module, obj);
  const cf = created?.call.childForFieldName('function');
  const made = created && cf ? qualifiedName(model, created.module, cf) : undefined;
  if (made && DB_LIBRARIES.test(made)) return true;
  // `conn.cursor().execute(...)`, `self.db.execute(...)`: the last name of the receiver.
  let last: SyntaxNode | null = obj;
  while (last?.type === 'call') last = last.childForFieldName('function');
  const name = last?.type === 'attribute' ? last.childForFieldName('attribute')?.text : last?.text;
  return name !== undefined && DB_RECEIVER.test(name);
}

/** `sql.SQL("...{}...").format(sql.Identifier(t))`: psycopg quotes what it composes. */
function psycopgComposition(model: AppModel, call: SqlCall): boolean {
  const n = call.string.node;
  const module = model.moduleByFile.get(call.string.location.file) ?? call.module;
  const fn = n.type === 'call' ? n.childForFieldName('function') : undefined;
  const obj = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
  const callee = obj?.type === 'call' ? obj.childForFieldName('function') : undefined;
  const q = callee ? qualifiedName(model, module, callee) : undefined;
  return q !== undefined && PSYCOPG_SQL.test(q);
}

function sqlMessage(call: SqlCall, how: string): string {
  const via = call.string.via
    ? ` through ${call.string.via.name} (built at line ${call.string.location.line})`
    : '';
  const params = call.hasParameters ? ' even though parameters are passed beside it' : '';
  return `${call.calleeText}() receives SQL built with ${how}${via}${params}: use bound parameters`;
}
