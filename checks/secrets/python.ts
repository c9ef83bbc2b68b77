// Secret-named names bound to string literals in Python source, found on the syntax tree.
import { lineOf, type SyntaxNode } from '../../src/index.js';
import { isAmbiguousPythonName, isNonSecretLiteral, isSecretName } from './names.js';

/** A secret-named name given a literal value in source. */
export interface HardcodedSecret {
  /** The name as written (`SECRET_KEY`, `api_key`, `os.environ["TOKEN"]` gives `TOKEN`). */
  name: string;
  value: string;
  line: number;
  /** How the value is bound, for the message. */
  how:
    | 'assignment'
    | 'field default'
    | 'keyword argument'
    | 'parameter default'
    | 'environment default'
    | 'dictionary entry';
}

// Calls that read the environment with a fallback: os.getenv, os.environ.get/setdefault,
// python-decouple and starlette's config(), environs' env()/env.str().
const ENV_READERS = /^(?:(?:\w+\.)*getenv|(?:\w+\.)*environ\.(?:get|setdefault)|config|env(?:\.str)?)$/;

// Calls whose first argument or `default=` is the value of the name they are assigned to.
const VALUE_WRAPPERS = /^(?:(?:\w+\.)*)(?:Field|SecretStr|SecretBytes|Secret)$/;

/** Where the walk is: inside a function body (locals are not config) or directly in a class body. */
interface Scope {
  inFunction: boolean;
  inClass: boolean;
}

// Subtrees that hold no bindings worth reading (and are the bulk of many files).
const OPAQUE = new Set(['string', 'concatenated_string', 'comment']);

/** Every secret-named name bound to a non-trivial string literal in live code of one module. */
export function findHardcodedSecrets(root: SyntaxNode): HardcodedSecret[] {
  const found: HardcodedSecret[] = [];
  const add = (name: string, value: string | undefined, node: SyntaxNode, how: HardcodedSecret['how']) => {
    if (value === undefined || !isSecretName(name) || isAmbiguousPythonName(name)) return;
    if (isNonSecretLiteral(value, name)) return;
    found.push({ name, value, line: lineOf(node), how });
  };
  // One iterative cursor walk: asking nodes for their parents is slow in tree-sitter (it searches from
  // the root), and recursion could overflow on generated code with deeply nested expressions.
  const cursor = root.walk();
  const frames: Array<{ scope: Scope; skip: string | undefined }> = [
    { scope: { inFunction: false, inClass: false }, skip: undefined },
  ];
  try {
    let entering = true;
    for (;;) {
      const parent = frames[frames.length - 1];
      if (!parent) break;
      if (entering && (parent.skip === undefined || cursor.currentFieldName !== parent.skip)) {
        const type = cursor.nodeType;
        if (!OPAQUE.has(type)) {
          let scope = parent.scope;
          let skip: string | undefined;
          if (type === 'function_definition' || type === 'lambda')
            scope = { inFunction: true, inClass: false };
          else if (type === 'class_definition') scope = { inFunction: false, inClass: true };
          else if (type === 'if_statement' || type === 'while_statement')
            skip = deadBranch(cursor.currentNode);
          else if (CANDIDATES.has(type)) examine(cursor.currentNode, parent.scope, add);
          if (cursor.gotoFirstChild()) {
            frames.push({ scope, skip });
            continue;
          }
        }
      }
      if (cursor.gotoNextSibling()) {
        entering = true;
        continue;
      }
      if (!cursor.gotoParent()) break;
      frames.pop();
      entering = false;
    }
  } finally {
    cursor.delete();
  }
  return found;
}

const CANDIDATES = new Set([
  'assignment',
  'keyword_argument',
  'default_parameter',
  'typed_default_parameter',
  'call',
  'pair',
]);

type Add = (name: string, value: string | undefined, node: SyntaxNode, how: HardcodedSecret['how']) => void;

function examine(node: SyntaxNode, scope: Scope, add: Add): void {
  switch (node.type) {
    case 'assignment': {
      if (scope.inFunction) return;
      const left = node.childForFieldName('left');
      const target = left ? targetName(left) : undefined;
      const right = valueOfAssignment(node);
      if (!left || target === undefined || !right) return;
      const literal = stringLiteral(right);
      // `api_key: str = "..."` in a class body is a (pydantic, dataclass) field default.
      const how = node.childForFieldName('type') && scope.inClass ? 'field default' : 'assignment';
      if (literal !== undefined) add(target, literal, left, how);
      else add(target, wrappedDefault(right), left, 'field default');
      return;
    }
    case 'keyword_argument':
    case 'default_parameter':
    case 'typed_default_parameter': {
      const name = node.childForFieldName('name');
      const value = node.childForFieldName('value');
      const how = node.type === 'keyword_argument' ? 'keyword argument' : 'parameter default';
      if (name && value) add(name.text, stringLiteral(value), name, how);
      return;
    }
    case 'call': {
      const fn = node.childForFieldName('function');
      if (!fn || !ENV_READERS.test(fn.text)) return;
      const args = positionalArgs(node);
      const nameText = args[0] ? stringLiteral(args[0]) : undefined;
      const fallback = args[1] ?? keywordArg(node, 'default');
      if (nameText !== undefined && fallback)
        add(nameText, stringLiteral(fallback), node, 'environment default');
      return;
    }
    case 'pair': {
      if (scope.inFunction) return;
      const key = node.childForFieldName('key');
      const value = node.childForFieldName('value');
      const keyText = key ? stringLiteral(key) : undefined;
      if (key && keyText !== undefined && value) add(keyText, stringLiteral(value), key, 'dictionary entry');
      return;
    }
  }
}

/** The value of a string literal (plain, bytes, raw or an f-string without fields), else undefined. */
export function stringLiteral(node: SyntaxNode): string | undefined {
  if (node.type === 'parenthesized_expression') {
    const inner = node.namedChildren.filter((c): c is SyntaxNode => c !== null);
    return inner.length === 1 && inner[0] ? stringLiteral(inner[0]) : undefined;
  }
  if (node.type === 'concatenated_string') {
    let out = '';
    for (const part of node.namedChildren) {
      const text = part ? stringLiteral(part) : undefined;
      if (text === undefined) return undefined;
      out += text;
    }
    return out;
  }
  if (node.type !== 'string') return undefined;
  let out = '';
  for (const child of node.children) {
    if (!child) continue;
    if (child.type === 'interpolation') return undefined;
    if (child.type === 'string_content' || child.type === 'escape_sequence') out += child.text;
  }
  return out;
}

function valueOfAssignment(node: SyntaxNode): SyntaxNode | undefined {
  let right = node.childForFieldName('right');
  // `A = B = "x"` nests assignments on the right; the literal is at the end of the chain.
  while (right?.type === 'assignment') right = right.childForFieldName('right');
  return right ?? undefined;
}

// SECRET_KEY, settings.SECRET_KEY, os.environ["SECRET_KEY"], app.config["SECRET_KEY"].
function targetName(left: SyntaxNode): string | undefined {
  if (left.type === 'identifier') return left.text;
  if (left.type === 'attribute') return left.childForFieldName('attribute')?.text;
  if (left.type === 'subscript') {
    const sub = left.childForFieldName('subscript');
    return sub ? stringLiteral(sub) : undefined;
  }
  return undefined;
}

// Field("x"), Field(default="x"), SecretStr("x"): the literal the assigned name defaults to.
function wrappedDefault(right: SyntaxNode): string | undefined {
  if (right.type !== 'call') return undefined;
  const fn = right.childForFieldName('function');
  if (!fn || !VALUE_WRAPPERS.test(fn.text)) return undefined;
  const first = positionalArgs(right)[0] ?? keywordArg(right, 'default');
  return first ? stringLiteral(first) : undefined;
}

function positionalArgs(call: SyntaxNode): SyntaxNode[] {
  const args = call.childForFieldName('arguments');
  if (args?.type !== 'argument_list') return [];
  return args.namedChildren.filter(
    (c): c is SyntaxNode =>
      c !== null &&
      c.type !== 'keyword_argument' &&
      c.type !== 'comment' &&
      c.type !== 'list_splat' &&
      c.type !== 'dictionary_splat',
  );
}

function keywordArg(call: SyntaxNode, name: string): SyntaxNode | undefined {
  const args = call.childForFieldName('arguments');
  for (const c of args?.namedChildren ?? []) {
    if (c?.type === 'keyword_argument' && c.childForFieldName('name')?.text === name) {
      return c.childForFieldName('value') ?? undefined;
    }
  }
  return undefined;
}

// Code under `if False:` / `while False:`, or in the else branch of `if True:`, never runs:
// the field of the statement whose subtree is dead, if any.
function deadBranch(statement: SyntaxNode): string | undefined {
  const condition = statement.childForFieldName('condition');
  const truth = condition ? literalTruth(condition) : undefined;
  if (truth === false) return statement.type === 'if_statement' ? 'consequence' : 'body';
  if (truth === true && statement.type === 'if_statement') return 'alternative';
  return undefined;
}

const FALSY = new Set(['false', 'none']);

function literalTruth(condition: SyntaxNode): boolean | undefined {
  if (FALSY.has(condition.type)) return false;
  if (condition.type === 'true') return true;
  if (condition.type === 'integer') return Number(condition.text) !== 0;
  return undefined;
}
