// Syntax helpers of the input-validation check: type names of annotations and constant SQL fragments.
import {
  type AppModel,
  binaryOperator,
  namedChildren,
  type PyModule,
  resolveExpression,
  resolveValue,
  type SyntaxNode,
  stringLiteral,
  unwrap,
} from '../../src/index.js';

/**
 * The names in a type annotation, in source order: `Optional[decimal.Decimal]` gives `Optional` and
 * `decimal.Decimal`, `int | None` gives `int` and `None`; string forward references and call
 * arguments (`Annotated[int, Field(gt=0)]`) are not descended into.
 */
export function typeNames(annotation: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode): void => {
    switch (n.type) {
      case 'identifier':
      case 'attribute':
      case 'none':
        out.push(n);
        return;
      case 'string':
      case 'call':
      case 'keyword_argument':
        if (n.type === 'call') {
          const fn = n.childForFieldName('function');
          if (fn) visit(fn);
        }
        return;
      default:
        for (const c of namedChildren(n)) visit(c);
    }
  };
  visit(annotation);
  return out;
}

function isStringLiteral(node: SyntaxNode): boolean {
  return stringLiteral(node) !== undefined;
}

function interpolations(node: SyntaxNode): SyntaxNode[] {
  const n = unwrap(node);
  if (n.type === 'concatenated_string') return namedChildren(n).flatMap(interpolations);
  if (n.type !== 'string') return [];
  return namedChildren(n)
    .filter((c) => c.type === 'interpolation')
    .map((c) => c.childForFieldName('expression') ?? namedChildren(c)[0])
    .filter((c): c is SyntaxNode => c !== undefined);
}

/**
 * `", ".join(["?"] * len(ids))`, `",".join("%s" for _ in ids)`, `", ".join(f":p{i}" for i in range(n))`:
 * a list of placeholders, never of values.
 */
function isPlaceholderJoin(node: SyntaxNode): boolean {
  const n = unwrap(node);
  if (n.type !== 'call') return false;
  const fn = n.childForFieldName('function');
  if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'join') return false;
  const sep = fn.childForFieldName('object');
  if (!sep || !isStringLiteral(sep)) return false;
  const args = n.childForFieldName('arguments');
  const arg = args?.type === 'generator_expression' ? args : args ? namedChildren(args)[0] : undefined;
  if (!arg) return false;
  const a = unwrap(arg);
  if (a.type === 'binary_operator') {
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    const isPlaceholders = (x: SyntaxNode | null) =>
      !!x &&
      (isStringLiteral(x) || (unwrap(x).type === 'list' && namedChildren(unwrap(x)).every(isStringLiteral)));
    return binaryOperator(a) === '*' && (isPlaceholders(left) || isPlaceholders(right));
  }
  if (a.type === 'generator_expression' || a.type === 'list_comprehension') {
    const body = a.childForFieldName('body');
    if (!body) return false;
    if (isStringLiteral(body)) return true;
    const targets = new Set<string>();
    for (const clause of namedChildren(a)) {
      if (clause.type !== 'for_in_clause') continue;
      const left = clause.childForFieldName('left');
      if (left) for (const id of left.descendantsOfType('identifier')) if (id) targets.add(id.text);
    }
    const parts = interpolations(body);
    return (
      unwrap(body).type === 'string' && parts.length > 0 && parts.every((p) => targets.has(unwrap(p).text))
    );
  }
  return false;
}

/**
 * True when a string expression only ever holds constant text: literals, module constants, placeholders
 * joined together; so building SQL from it cannot inject request data.
 */
export function isStaticString(model: AppModel, module: PyModule, node: SyntaxNode, depth = 0): boolean {
  if (depth > 8) return false;
  const n = unwrap(node);
  const v = resolveValue(model, module, n);
  if (v.kind === 'string' || v.kind === 'number') return true;
  const again = (x: SyntaxNode | null | undefined) => !!x && isStaticString(model, module, x, depth + 1);
  switch (n.type) {
    case 'string':
    case 'concatenated_string':
      return interpolations(n).every((e) => again(e));
    case 'binary_operator': {
      const op = binaryOperator(n);
      if (op !== '+' && op !== '%') return false;
      return again(n.childForFieldName('left')) && again(n.childForFieldName('right'));
    }
    case 'tuple':
    case 'list':
      return namedChildren(n).every((c) => again(c));
    case 'call': {
      if (isPlaceholderJoin(n)) return true;
      const fn = n.childForFieldName('function');
      if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'format') return false;
      const args = n.childForFieldName('arguments');
      return (
        again(fn.childForFieldName('object')) &&
        (args ? namedChildren(args) : []).every((a) =>
          a.type === 'keyword_argument' ? again(a.childForFieldName('value')) : again(a),
        )
      );
    }
    case 'identifier':
    case 'attribute': {
      const r = resolveExpression(model, module, n);
      if (r.kind !== 'binding' || r.binding.kind !== 'assign') return false;
      const m = model.moduleByFile.get(r.binding.file) ?? r.module;
      return isPlaceholderJoin(r.binding.value) || isStaticString(model, m, r.binding.value, depth + 1);
    }
    default:
      return false;
  }
}
