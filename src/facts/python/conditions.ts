// Classifies `if` conditions: constant (dead code), the main guard, or a simple test of the environment.
import type { EnvBranch } from './app-model.js';
import { lineOf, type SyntaxNode, type SyntaxTree } from './parser.js';
import {
  binaryOperator,
  comparisonOperators,
  dottedText,
  namedChildren,
  shortText,
  stringLiteral,
  unwrapTyped,
} from './syntax.js';

/** What a condition tells about the code under it. */
export type ConditionClass =
  | { kind: 'const'; value: boolean }
  | { kind: 'main-guard' }
  | { kind: 'env'; productionWhen: boolean; branch: Omit<EnvBranch, 'production'> }
  | { kind: 'unknown' };

const PRODUCTION_NAMES = new Set(['production', 'prod', 'live', 'prd']);
const OTHER_ENV_NAMES = new Set([
  'development',
  'dev',
  'develop',
  'local',
  'test',
  'testing',
  'debug',
  'staging',
  'stage',
  'ci',
  'sandbox',
]);
const DEBUG_FLAG =
  /^(debug|is_debug|debug_mode|dev_mode|is_dev|is_development|is_local|development|testing|is_testing|reload)$/i;
const PRODUCTION_FLAG = /^(is_prod|is_production|production|prod_mode|in_production)$/i;

function envNameOf(node: SyntaxNode): 'production' | 'other' | undefined {
  const v = stringLiteral(node);
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (PRODUCTION_NAMES.has(s)) return 'production';
  if (OTHER_ENV_NAMES.has(s)) return 'other';
  return undefined;
}

function containerEnvNames(node: SyntaxNode): Array<'production' | 'other'> | undefined {
  const [n, type] = unwrapTyped(node);
  if (type !== 'tuple' && type !== 'list' && type !== 'set') return undefined;
  const out: Array<'production' | 'other'> = [];
  for (const item of namedChildren(n)) {
    const e = envNameOf(item);
    if (!e) return undefined;
    out.push(e);
  }
  return out;
}

function lastName(node: SyntaxNode): string | undefined {
  const [n, type] = unwrapTyped(node);
  if (type === 'identifier') return n.text;
  if (type === 'attribute') return n.childForFieldName('attribute')?.text;
  // settings.env.lower() / os.getenv("ENV")
  if (type === 'call') {
    const fn = n.childForFieldName('function');
    return fn ? lastName(fn) : undefined;
  }
  if (type === 'subscript') {
    const key = n.childForFieldName('subscript');
    return key ? stringLiteral(key) : undefined;
  }
  return undefined;
}

/** Classifies a condition by its syntax alone (no name resolution), so module walks stay cheap. */
export function classifyConditionSyntax(node: SyntaxNode, file: string): ConditionClass {
  const [n, type] = unwrapTyped(node);
  const branch = { file, line: lineOf(n), condition: shortText(n) };
  switch (type) {
    case 'false':
    case 'none':
      return { kind: 'const', value: false };
    case 'true':
      return { kind: 'const', value: true };
    case 'integer':
      return { kind: 'const', value: Number(n.text) !== 0 };
    case 'string': {
      const v = stringLiteral(n);
      return v === undefined ? { kind: 'unknown' } : { kind: 'const', value: v.length > 0 };
    }
    case 'identifier':
    case 'attribute': {
      const text = dottedText(n);
      if (text === 'TYPE_CHECKING' || text === 'typing.TYPE_CHECKING') return { kind: 'const', value: false };
      const last = lastName(n) ?? '';
      if (DEBUG_FLAG.test(last)) return { kind: 'env', productionWhen: false, branch };
      if (PRODUCTION_FLAG.test(last)) return { kind: 'env', productionWhen: true, branch };
      return { kind: 'unknown' };
    }
    case 'call': {
      // settings.is_production() / is_debug()
      const last = lastName(n) ?? '';
      if (PRODUCTION_FLAG.test(last)) return { kind: 'env', productionWhen: true, branch };
      if (DEBUG_FLAG.test(last)) return { kind: 'env', productionWhen: false, branch };
      return { kind: 'unknown' };
    }
    case 'not_operator': {
      const arg = n.childForFieldName('argument');
      const inner = arg ? classifyConditionSyntax(arg, file) : { kind: 'unknown' as const };
      if (inner.kind === 'const') return { kind: 'const', value: !inner.value };
      if (inner.kind === 'env') return { kind: 'env', productionWhen: !inner.productionWhen, branch };
      return { kind: 'unknown' };
    }
    case 'boolean_operator': {
      const op = binaryOperator(n);
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      const l = left ? classifyConditionSyntax(left, file) : { kind: 'unknown' as const };
      const r = right ? classifyConditionSyntax(right, file) : { kind: 'unknown' as const };
      if (op === 'and') {
        if ((l.kind === 'const' && !l.value) || (r.kind === 'const' && !r.value))
          return { kind: 'const', value: false };
        if ((l.kind === 'env' && !l.productionWhen) || (r.kind === 'env' && !r.productionWhen)) {
          return { kind: 'env', productionWhen: false, branch };
        }
        if (l.kind === 'main-guard' || r.kind === 'main-guard') return { kind: 'main-guard' };
        return { kind: 'unknown' };
      }
      if (op === 'or') {
        if ((l.kind === 'const' && l.value) || (r.kind === 'const' && r.value))
          return { kind: 'const', value: true };
        if ((l.kind === 'env' && l.productionWhen) || (r.kind === 'env' && r.productionWhen)) {
          return { kind: 'env', productionWhen: true, branch };
        }
        return { kind: 'unknown' };
      }
      return { kind: 'unknown' };
    }
    case 'comparison_operator': {
      const ops = comparisonOperators(n);
      const operands = namedChildren(n);
      if (ops.length !== 1 || operands.length !== 2) return { kind: 'unknown' };
      const [a, b] = operands as [SyntaxNode, SyntaxNode];
      const op = ops[0];
      if (op === '==' || op === '!=') {
        if (
          (dottedText(a) === '__name__' && stringLiteral(b) === '__main__') ||
          (dottedText(b) === '__name__' && stringLiteral(a) === '__main__')
        ) {
          return op === '==' ? { kind: 'main-guard' } : { kind: 'unknown' };
        }
        const env = envNameOf(b) ?? envNameOf(a);
        if (!env) return { kind: 'unknown' };
        if (stringLiteral(a) !== undefined && stringLiteral(b) !== undefined) {
          return { kind: 'const', value: (stringLiteral(a) === stringLiteral(b)) === (op === '==') };
        }
        const eq = op === '==';
        return { kind: 'env', productionWhen: env === 'production' ? eq : !eq, branch };
      }
      if (op === 'in' || op === 'not in') {
        const names = containerEnvNames(b);
        if (!names || names.length === 0) return { kind: 'unknown' };
        const allProd = names.every((x) => x === 'production');
        const noProd = names.every((x) => x === 'other');
        if (!allProd && !noProd) return { kind: 'unknown' };
        const positive = op === 'in';
        return { kind: 'env', productionWhen: allProd ? positive : !positive, branch };
      }
      return { kind: 'unknown' };
    }
    default:
      return { kind: 'unknown' };
  }
}

/** Classifies a condition of one tree with what the model knows (settings, env files, constants). */
export type ConditionClassifier = (node: SyntaxNode, file: string) => ConditionClass;

/** One classifier per parsed tree, set once the model can resolve values; each audit parses its own trees. */
const classifiers = new WeakMap<SyntaxTree, ConditionClassifier>();

/** Lets the statement walks of `tree` classify conditions with `classify` instead of by syntax alone. */
export function useConditionClassifier(tree: SyntaxTree, classify: ConditionClassifier): void {
  classifiers.set(tree, classify);
}

/** Classifies a condition: with the model's classifier for its tree when one is set, else by syntax. */
export function classifyConditionAt(node: SyntaxNode, file: string): ConditionClass {
  const classify = classifiers.get(node.tree);
  return classify ? classify(node, file) : classifyConditionSyntax(node, file);
}
