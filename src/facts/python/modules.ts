// Python modules of the repo: names, reachable statements, definitions and module-level bindings.
import type {
  AppModel,
  Binding,
  ClassDef,
  Decorator,
  EnvBranch,
  FunctionDef,
  Location,
  PyModule,
} from './app-model.js';
import { classifyConditionAt } from './conditions.js';
import { lineOf, type SyntaxNode, type SyntaxTree } from './parser.js';
import { dottedText, namedChildren, shortText, unwrap } from './syntax.js';

/** Top-level names that are the standard library or common packages: a repo file never shadows them by suffix. */
const EXTERNAL_TOP_LEVEL = new Set(
  (
    'abc argparse asyncio base64 collections contextlib copy csv dataclasses datetime decimal enum functools ' +
    'hashlib hmac http importlib inspect io ipaddress itertools json logging math operator os pathlib pickle ' +
    'platform queue random re secrets select shutil signal socket sqlite3 ssl string struct subprocess sys ' +
    'tempfile threading time traceback types typing unittest urllib uuid warnings zoneinfo email html xml ' +
    'fastapi starlette pydantic pydantic_settings sqlalchemy sqlmodel slowapi uvicorn gunicorn httpx requests ' +
    'jose jwt passlib alembic redis celery asyncpg psycopg psycopg2 aiosqlite databases structlog loguru ' +
    'dotenv pytest numpy pandas'
  ).split(' '),
);

const AUXILIARY =
  /(?:^|\/)(?:tests?|testing|examples?|docs?|docs_src)\/|(?:^|\/)(?:test_[^/]*|[^/]*_test|conftest)\.py$/;

/** True for test, example and documentation modules, whose calls are not part of the service. */
export function isAuxiliaryModule(file: string): boolean {
  return AUXILIARY.test(file);
}

/** True for test code (`tests/`, `test_*.py`, `*_test.py`, `conftest.py`): what it does is not what production does. */
export function isTestFile(file: string): boolean {
  const base = file.split('/').pop() ?? file;
  return (
    /(^|\/)(tests?|testing)\//.test(file) ||
    /^test_.*\.py$/.test(base) ||
    /_tests?\.py$/.test(base) ||
    base === 'conftest.py'
  );
}

/** Per-module index kept beside the public PyModule. */
interface ModuleIndex {
  functionsByStart: Map<number, FunctionDef>;
  classesByStart: Map<number, ClassDef>;
  locals: WeakMap<FunctionDef, Map<string, Binding[]>>;
  /** Function and class body ranges, to find the scope around a node without walking parents (slow in tree-sitter). */
  scopes: Scope[];
  /** The scopes sorted by start, each linked to the innermost scope around it (built on first use). */
  sorted?: Scope[];
}

/** A function or class body. */
interface Scope {
  start: number;
  end: number;
  /** The function whose body it is (absent for a class body). */
  fn?: FunctionDef;
  /** The innermost scope around this one. */
  parent?: Scope;
}

const indexes = new WeakMap<PyModule, ModuleIndex>();
const aliasTables = new WeakMap<AppModel, Map<string, PyModule[]>>();

function indexOf(module: PyModule): ModuleIndex {
  let idx = indexes.get(module);
  if (!idx) {
    idx = { functionsByStart: new Map(), classesByStart: new Map(), locals: new WeakMap(), scopes: [] };
    indexes.set(module, idx);
  }
  return idx;
}

/** Dotted names of a file: the full path name first, then shorter suffixes a source root could import. */
export function moduleNames(file: string): { name: string; aliases: string[]; isPackage: boolean } {
  const parts = file.replace(/\.pyi?$/, '').split('/');
  const isPackage = parts[parts.length - 1] === '__init__';
  if (isPackage) parts.pop();
  const aliases: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const rest = parts.slice(i);
    if (rest.length === 0) continue;
    if (i > 0 && EXTERNAL_TOP_LEVEL.has(rest[0] ?? '')) continue;
    aliases.push(rest.join('.'));
  }
  const full = parts.join('.');
  const name = parts[0] === 'src' && parts.length > 1 ? parts.slice(1).join('.') : full;
  return { name, aliases: aliases.length > 0 ? aliases : [full], isPackage };
}

/** Registers modules by every alias (called once the modules exist). */
export function indexModules(model: AppModel): void {
  const table = new Map<string, PyModule[]>();
  for (const m of model.modules) {
    model.moduleByFile.set(m.file, m);
    for (const alias of m.aliases) {
      const list = table.get(alias) ?? [];
      list.push(m);
      table.set(alias, list);
    }
  }
  for (const [alias, list] of table) {
    const first = list[0];
    if (first) model.moduleByName.set(alias, first);
  }
  aliasTables.set(model, table);
}

function commonPrefix(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  let i = 0;
  while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
  return i;
}

/** The repo module imported as `dotted` from module `from`, or undefined when it is not in the repo. */
export function findModule(
  model: AppModel,
  from: PyModule | undefined,
  dotted: string,
): PyModule | undefined {
  const list = aliasTables.get(model)?.get(dotted);
  if (!list || list.length === 0) return model.moduleByName.get(dotted);
  if (list.length === 1 || !from) return list[0];
  // Ambiguous suffix: the module an exact full-path import names wins, then the nearest one in the tree.
  const exact = list.find((m) => m.aliases[0] === dotted);
  if (exact) return exact;
  return [...list].sort((a, b) => commonPrefix(b.file, from.file) - commonPrefix(a.file, from.file))[0];
}

/** The absolute dotted name a relative import refers to (`from ..x import y` in `a/b/c.py` → `a.x`). */
export function relativeModuleName(from: PyModule, level: number, dotted: string): string | undefined {
  const dirParts = from.file.split('/').slice(0, -1);
  const up = level - 1;
  if (up > dirParts.length) return undefined;
  const base = dirParts.slice(0, dirParts.length - up);
  const parts = [...base, ...(dotted ? dotted.split('.') : [])];
  return parts.length > 0 ? parts.join('.') : undefined;
}

/** Statement types after which the rest of a block never runs. */
const TERMINATORS = new Set(['return_statement', 'raise_statement', 'continue_statement', 'break_statement']);

/** The walking state: the environment branch and whether we are under `if __name__ == "__main__":`. */
export interface WalkState {
  branch?: EnvBranch;
  mainGuard: boolean;
  /** Inside an `except` clause (a fallback path). */
  fallback: boolean;
  /** Under an `if` whose condition depends on something unknown at analysis time (a runtime value). */
  uncertain?: EnvBranch;
}

/** Called for every reachable statement (with its type); definitions are visited but their bodies are not walked. */
export type StatementVisitor = (stmt: SyntaxNode, state: WalkState, type: string) => void;

/** For an expression statement: `sys.exit()`, `os._exit()`, `exit()`, `quit()`. */
function isExitCall(stmt: SyntaxNode): boolean {
  const call = namedChildren(stmt)[0];
  if (call?.type !== 'call') return false;
  const fn = call.childForFieldName('function');
  const name = fn ? dottedText(fn) : undefined;
  return name === 'sys.exit' || name === 'os._exit' || name === 'exit' || name === 'quit';
}

function mergeBranch(outer: EnvBranch | undefined, inner: EnvBranch | undefined): EnvBranch | undefined {
  if (!inner) return outer;
  if (outer && !outer.production) return outer;
  return inner;
}

/**
 * Walks the reachable statements of a block (a module, a function body...): code after return/raise,
 * under `if False:` / `if TYPE_CHECKING:` / `while False:` is never visited. Returns true when the block
 * always terminates.
 */
export function walkBlock(
  block: SyntaxNode,
  file: string,
  state: WalkState,
  visit: StatementVisitor,
): boolean {
  for (const stmt of namedChildren(block)) {
    if (walkStatement(stmt, file, state, visit)) return true;
  }
  return false;
}

function walkStatement(stmt: SyntaxNode, file: string, state: WalkState, visit: StatementVisitor): boolean {
  const type = stmt.type;
  switch (type) {
    case 'if_statement':
      return walkIf(stmt, file, state, visit);
    case 'while_statement': {
      visit(stmt, state, type);
      const cond = stmt.childForFieldName('condition');
      const c = cond ? classifyConditionAt(cond, file) : { kind: 'unknown' as const };
      const body = stmt.childForFieldName('body');
      if (!(c.kind === 'const' && !c.value) && body)
        walkBlock(body, file, loopState(stmt, file, state), visit);
      const alt = loopElse(stmt);
      if (alt) walkBlock(alt, file, state, visit);
      return false;
    }
    case 'for_statement':
    case 'with_statement': {
      visit(stmt, state, type);
      const body = stmt.childForFieldName('body');
      const inner = type === 'for_statement' ? loopState(stmt, file, state) : state;
      const bodyTerm = body ? walkBlock(body, file, inner, visit) : false;
      if (type === 'for_statement') {
        const alt = loopElse(stmt);
        if (alt) walkBlock(alt, file, state, visit);
        return false;
      }
      return bodyTerm;
    }
    case 'try_statement': {
      visit(stmt, state, type);
      const body = stmt.childForFieldName('body');
      const bodyTerm = body ? walkBlock(body, file, state, visit) : false;
      let allHandlersTerm = true;
      let hasFinallyTerm = false;
      for (const c of namedChildren(stmt)) {
        const block = namedChildren(c).find((n) => n.type === 'block');
        if (!block) continue;
        if (c.type === 'except_clause' || c.type === 'except_group_clause') {
          if (!walkBlock(block, file, { ...state, fallback: true }, visit)) allHandlersTerm = false;
        } else if (c.type === 'else_clause') {
          walkBlock(c.childForFieldName('body') ?? block, file, state, visit);
        } else if (c.type === 'finally_clause') {
          hasFinallyTerm = walkBlock(block, file, state, visit);
        }
      }
      return hasFinallyTerm || (bodyTerm && allHandlersTerm);
    }
    case 'match_statement': {
      visit(stmt, state, type);
      for (const block of stmt.descendantsOfType('block')) {
        if (block && block.parent?.type === 'case_clause') walkBlock(block, file, state, visit);
      }
      return false;
    }
    default:
      visit(stmt, state, type);
      return TERMINATORS.has(type) || (type === 'expression_statement' && isExitCall(stmt));
  }
}

/** A loop body may run zero times: what it binds may or may not replace the bindings before the loop. */
function loopState(loop: SyntaxNode, file: string, state: WalkState): WalkState {
  if (state.uncertain) return state;
  const head = loop.childForFieldName('condition') ?? loop.childForFieldName('right') ?? loop;
  return {
    ...state,
    uncertain: { file, line: lineOf(loop), condition: `the loop over ${shortText(head)}`, production: true },
  };
}

/** The `else:` block of a `for` or `while` loop. */
function loopElse(loop: SyntaxNode): SyntaxNode | undefined {
  const alt = loop.childForFieldName('alternative');
  if (!alt) return undefined;
  return alt.childForFieldName('body') ?? namedChildren(alt).find((n) => n.type === 'block');
}

function walkIf(stmt: SyntaxNode, file: string, state: WalkState, visit: StatementVisitor): boolean {
  visit(stmt, state, 'if_statement');
  // The chain of (condition, body) pairs, then the else body.
  const arms: Array<{ cond?: SyntaxNode; body?: SyntaxNode }> = [
    {
      cond: stmt.childForFieldName('condition') ?? undefined,
      body: stmt.childForFieldName('consequence') ?? undefined,
    },
  ];
  let elseBody: SyntaxNode | undefined;
  for (const alt of stmt.childrenForFieldName('alternative')) {
    if (!alt) continue;
    if (alt.type === 'elif_clause') {
      arms.push({
        cond: alt.childForFieldName('condition') ?? undefined,
        body: alt.childForFieldName('consequence') ?? undefined,
      });
    } else if (alt.type === 'else_clause') {
      elseBody = alt.childForFieldName('body') ?? undefined;
    }
  }
  let current = state;
  let allTerm = true;
  for (const arm of arms) {
    const c = arm.cond ? classifyConditionAt(arm.cond, file) : { kind: 'unknown' as const };
    if (c.kind === 'const') {
      if (!c.value) continue;
      // `if True:` — this arm always runs and the rest never does.
      return arm.body ? walkBlock(arm.body, file, current, visit) : false;
    }
    let armState = current;
    if (c.kind === 'env') {
      const branch: EnvBranch = { ...c.branch, production: c.productionWhen };
      armState = { ...current, branch: mergeBranch(current.branch, branch) };
      current = {
        ...current,
        branch: mergeBranch(current.branch, { ...c.branch, production: !c.productionWhen }),
      };
    } else if (c.kind === 'main-guard') {
      armState = { ...current, mainGuard: true };
    } else if (arm.cond) {
      // Neither this arm nor the ones after it surely run: their bindings may or may not replace earlier ones.
      const uncertain: EnvBranch = {
        file,
        line: lineOf(arm.cond),
        condition: shortText(arm.cond),
        production: true,
      };
      armState = { ...current, uncertain: current.uncertain ?? uncertain };
      current = { ...current, uncertain: current.uncertain ?? uncertain };
    }
    if (arm.body && !walkBlock(arm.body, file, armState, visit)) allTerm = false;
  }
  if (elseBody) {
    if (!walkBlock(elseBody, file, current, visit)) allTerm = false;
    return allTerm;
  }
  return false;
}

/** Where a node is, as a Location. */
export function locate(module: PyModule | { file: string }, node: SyntaxNode): Location {
  return { file: module.file, line: lineOf(node) };
}

function parseDecorators(decorated: SyntaxNode | undefined, file: string): Decorator[] {
  if (decorated?.type !== 'decorated_definition') return [];
  const out: Decorator[] = [];
  for (const c of namedChildren(decorated)) {
    if (c.type !== 'decorator') continue;
    const expression = namedChildren(c)[0];
    if (!expression) continue;
    const callee = expression.type === 'call' ? expression.childForFieldName('function') : expression;
    out.push({
      node: c,
      expression,
      text: callee ? (dottedText(callee) ?? callee.text) : expression.text,
      index: out.length,
      file,
      line: lineOf(c),
    });
  }
  return out;
}

/** `async def`: the `async` keyword is the definition's first token (one read, not a call per child). */
function isAsync(def: SyntaxNode): boolean {
  return def.firstChild?.type === 'async';
}

/** Builds a PyModule (definitions and module-level bindings) from a parsed file. */
export function createModule(file: string, text: string, tree: SyntaxTree): PyModule {
  const names = moduleNames(file);
  const syntaxErrors: Location[] = [];
  if (tree.rootNode.hasError) {
    const first = tree.rootNode.descendantsOfType(['ERROR']).find((n) => n);
    const missing = first ? undefined : findMissing(tree.rootNode);
    syntaxErrors.push({ file, line: lineOf(first ?? missing ?? tree.rootNode) });
  }
  const module: PyModule = {
    file,
    name: names.name,
    aliases: names.aliases,
    isPackage: names.isPackage,
    tree,
    text,
    syntaxErrors,
    bindings: new Map(),
    definitions: new Map(),
  };
  collectDefinitions(module, tree.rootNode, '', undefined);
  module.bindings = collectBindings(module, tree.rootNode);
  return module;
}

function findMissing(node: SyntaxNode): SyntaxNode | undefined {
  if (node.isMissing) return node;
  for (const c of node.children) {
    if (c?.hasError) {
      const m = findMissing(c);
      if (m) return m;
    }
  }
  return undefined;
}

/** Node types that hold statements, walked to find nested definitions without entering expressions. */
const STATEMENT_HOLDERS = new Set([
  'module',
  'block',
  'if_statement',
  'elif_clause',
  'else_clause',
  'for_statement',
  'while_statement',
  'try_statement',
  'except_clause',
  'except_group_clause',
  'finally_clause',
  'with_statement',
  'match_statement',
  'case_clause',
]);

function collectDefinitions(
  module: PyModule,
  node: SyntaxNode,
  prefix: string,
  className: string | undefined,
): void {
  const idx = indexOf(module);
  for (const child of namedChildren(node)) {
    if (STATEMENT_HOLDERS.has(child.type)) {
      collectDefinitions(module, child, prefix, className);
      continue;
    }
    let def = child;
    let decorated: SyntaxNode | undefined;
    if (child.type === 'decorated_definition') {
      const inner = child.childForFieldName('definition');
      if (!inner) continue;
      decorated = child;
      def = inner;
    }
    if (def.type !== 'function_definition' && def.type !== 'class_definition') continue;
    const nameNode = def.childForFieldName('name');
    if (!nameNode) continue;
    const name = nameNode.text;
    const path = prefix ? `${prefix}.${name}` : name;
    const decorators = parseDecorators(decorated, module.file);
    const line = lineOf(decorators[0]?.node ?? def);
    const body = def.childForFieldName('body');
    if (def.type === 'function_definition') {
      const fn: FunctionDef = {
        kind: 'function',
        name,
        id: `${module.file}:${path}:${lineOf(def)}`,
        module,
        node: def,
        async: isAsync(def),
        decorators,
        parameters: [],
        file: module.file,
        line,
        ...(className ? { className } : {}),
      };
      idx.functionsByStart.set(def.startIndex, fn);
      // Parameters, annotations and decorators are evaluated in the enclosing scope: the scope is the body.
      if (body) idx.scopes.push({ start: body.startIndex, end: body.endIndex, fn });
      module.definitions.set(path, fn);
      if (body) collectDefinitions(module, body, path, undefined);
    } else {
      const cls: ClassDef = {
        kind: 'class',
        name,
        id: `${module.file}:${path}:${lineOf(def)}`,
        module,
        node: def,
        bases: [],
        decorators,
        methods: new Map(),
        file: module.file,
        line,
      };
      idx.classesByStart.set(def.startIndex, cls);
      if (body) idx.scopes.push({ start: body.startIndex, end: body.endIndex });
      module.definitions.set(path, cls);
      if (body) {
        collectDefinitions(module, body, path, name);
        for (const [p, d] of module.definitions) {
          if (d.kind === 'function' && p === `${path}.${d.name}` && d.className === name)
            cls.methods.set(d.name, d);
        }
      }
    }
  }
}

/** The function definition a node is (for a function_definition node). */
export function functionAt(module: PyModule, defNode: SyntaxNode): FunctionDef | undefined {
  return indexOf(module).functionsByStart.get(defNode.startIndex);
}

/** The class definition a node is. */
export function classAt(module: PyModule, defNode: SyntaxNode): ClassDef | undefined {
  return indexOf(module).classesByStart.get(defNode.startIndex);
}

/** Every function of a module. */
export function moduleFunctions(module: PyModule): FunctionDef[] {
  return [...indexOf(module).functionsByStart.values()];
}

/** Every class of a module. */
export function moduleClasses(module: PyModule): ClassDef[] {
  return [...indexOf(module).classesByStart.values()];
}

function sortedScopes(idx: ModuleIndex): Scope[] {
  if (idx.sorted) return idx.sorted;
  const sorted = [...idx.scopes].sort((a, b) => a.start - b.start);
  const open: Scope[] = [];
  for (const s of sorted) {
    while (open.length > 0 && !contains(open[open.length - 1] as Scope, s.start, s.end)) open.pop();
    const parent = open[open.length - 1];
    if (parent) s.parent = parent;
    open.push(s);
  }
  idx.sorted = sorted;
  return sorted;
}

function contains(scope: Scope, start: number, end: number): boolean {
  return scope.start <= start && scope.end >= end;
}

/** The function enclosing a node (innermost, not crossing a class body), or undefined at module level. */
export function enclosingFunction(module: PyModule, node: SyntaxNode): FunctionDef | undefined {
  const scopes = sortedScopes(indexOf(module));
  const start = node.startIndex;
  // The last scope starting at or before the node, then outwards to the first that holds it.
  let lo = 0;
  let hi = scopes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((scopes[mid] as Scope).start <= start) lo = mid + 1;
    else hi = mid;
  }
  let end: number | undefined;
  for (let s = scopes[lo - 1]; s; s = s.parent) {
    // A node starting strictly inside a body is inside it (syntax nodes nest), one starting after it is
    // not; only a node starting on an edge needs its end.
    if (s.start < start && start < s.end) return s.fn;
    if (start > s.end) continue;
    end ??= node.endIndex;
    if (contains(s, start, end)) return s.fn;
  }
  return undefined;
}

/** Bindings of a function's body (parameters excluded), computed once. */
export function localBindings(fn: FunctionDef): Map<string, Binding[]> {
  const idx = indexOf(fn.module);
  let b = idx.locals.get(fn);
  if (!b) {
    const body = fn.node.childForFieldName('body');
    b = body ? collectBindings(fn.module, body) : new Map();
    idx.locals.set(fn, b);
  }
  return b;
}

/** Drops the cached local bindings of a module's functions (conditions are judged anew). */
export function forgetLocalBindings(module: PyModule): void {
  indexOf(module).locals = new WeakMap();
}

function addBinding(map: Map<string, Binding[]>, b: Binding): void {
  const list = map.get(b.name) ?? [];
  list.push(b);
  map.set(b.name, list);
}

/** Bindings made by the reachable statements of a block (nested function and class bodies excluded). */
export function collectBindings(module: PyModule, block: SyntaxNode): Map<string, Binding[]> {
  const map = new Map<string, Binding[]>();
  const file = module.file;
  walkBlock(block, file, { mainGuard: false, fallback: false }, (stmt, state, type) => {
    // An `except ImportError:` fallback does not shadow the normal path's binding.
    if (state.fallback) return;
    const branch = {
      ...(state.branch ? { branch: state.branch } : {}),
      ...(state.uncertain ? { uncertain: state.uncertain } : {}),
    };
    switch (type) {
      case 'expression_statement': {
        const expr = namedChildren(stmt)[0];
        if (expr?.type === 'assignment') recordAssignment(map, expr, file, branch);
        break;
      }
      case 'import_statement': {
        for (const item of namedChildren(stmt)) {
          const imported = importedName(item);
          if (!imported) continue;
          // `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`.
          const top = imported.target.split('.')[0] ?? imported.target;
          addBinding(map, {
            kind: 'import-module',
            name: imported.alias ?? top,
            module: imported.alias ? imported.target : top,
            file,
            line: lineOf(stmt),
            ...branch,
          });
        }
        break;
      }
      case 'import_from_statement': {
        const modNode = stmt.childForFieldName('module_name');
        if (!modNode) break;
        let moduleName: string | undefined = modNode.text;
        if (modNode.type === 'relative_import') {
          const prefix = namedChildren(modNode).find((c) => c.type === 'import_prefix');
          const dotted = namedChildren(modNode).find((c) => c.type === 'dotted_name');
          const level = prefix ? prefix.text.length : 1;
          moduleName = relativeModuleName(module, level, dotted?.text ?? '');
        }
        if (moduleName === undefined) break;
        for (const item of stmt.childrenForFieldName('name')) {
          const imported = item ? importedName(item) : undefined;
          if (!imported) continue;
          addBinding(map, {
            kind: 'import-from',
            name: imported.alias ?? imported.target,
            module: moduleName,
            imported: imported.target,
            file,
            line: lineOf(stmt),
            ...branch,
          });
        }
        break;
      }
      case 'decorated_definition':
      case 'function_definition':
      case 'class_definition': {
        const def =
          type === 'decorated_definition' ? (stmt.childForFieldName('definition') ?? undefined) : stmt;
        if (!def) break;
        const nameNode = def.childForFieldName('name');
        if (!nameNode) break;
        if (def.type === 'function_definition') {
          const fn = functionAt(module, def);
          if (fn)
            addBinding(map, {
              kind: 'function',
              name: fn.name,
              definition: fn,
              file,
              line: fn.line,
              ...branch,
            });
        } else if (def.type === 'class_definition') {
          const cls = classAt(module, def);
          if (cls)
            addBinding(map, {
              kind: 'class',
              name: cls.name,
              definition: cls,
              file,
              line: cls.line,
              ...branch,
            });
        }
        break;
      }
      default:
        break;
    }
  });
  return map;
}

/** The name an import item names and its `as` alias: `a.b` or `a.b as c`. */
function importedName(item: SyntaxNode): { target: string; alias?: string } | undefined {
  if (item.type === 'dotted_name') return { target: item.text };
  if (item.type !== 'aliased_import') return undefined;
  const target = item.childForFieldName('name');
  const alias = item.childForFieldName('alias');
  return target && alias ? { target: target.text, alias: alias.text } : undefined;
}

function recordAssignment(
  map: Map<string, Binding[]>,
  assignment: SyntaxNode,
  file: string,
  branch: { branch?: EnvBranch; uncertain?: EnvBranch },
): void {
  const left = assignment.childForFieldName('left');
  const right = assignment.childForFieldName('right');
  const annotation = assignment.childForFieldName('type');
  if (!left || !right) return;
  // Chained `a = b = value`: the right side is itself an assignment.
  let value = right;
  const targets: SyntaxNode[] = [left];
  while (value.type === 'assignment') {
    const l = value.childForFieldName('left');
    const r = value.childForFieldName('right');
    if (!l || !r) return;
    targets.push(l);
    value = r;
  }
  for (const target of targets) {
    const t = unwrap(target);
    if (t.type === 'identifier') {
      addBinding(map, {
        kind: 'assign',
        name: t.text,
        value,
        file,
        line: lineOf(assignment),
        ...(annotation ? { annotation } : {}),
        ...branch,
      });
    } else if ((t.type === 'pattern_list' || t.type === 'tuple_pattern' || t.type === 'tuple') && value) {
      const names = namedChildren(t);
      const v = unwrap(value);
      const values = v.type === 'expression_list' || v.type === 'tuple' ? namedChildren(v) : [];
      if (values.length !== names.length) continue;
      names.forEach((n, i) => {
        const val = values[i];
        if (n.type === 'identifier' && val) {
          addBinding(map, {
            kind: 'assign',
            name: n.text,
            value: val,
            file,
            line: lineOf(assignment),
            ...branch,
          });
        }
      });
    }
  }
}
