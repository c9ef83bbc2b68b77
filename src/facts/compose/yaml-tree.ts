// YAML read into a small tree where every value remembers the file and line that set it (for merged Compose files).
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';

/** Where a value was written. */
export interface YamlOrigin {
  file: string;
  /** 1-based line. */
  line: number;
}

/** A scalar (string, number, boolean or null). */
export interface YamlScalarNode extends YamlOrigin {
  kind: 'scalar';
  value: string | number | boolean | null;
  /** A YAML tag such as `!reset` or `!override` (Compose's merge controls). */
  tag?: string;
}

/** A mapping entry: the key's line is where the setting is written. */
export interface YamlMapEntry {
  key: string;
  keyLine: number;
  value: YamlNode;
}

/** A mapping, in source order. */
export interface YamlMapNode extends YamlOrigin {
  kind: 'map';
  entries: Map<string, YamlMapEntry>;
  tag?: string;
  /** Keys a later file removed with `!reset`, with where it did so. */
  resets?: Map<string, YamlOrigin>;
}

/** A sequence. */
export interface YamlSeqNode extends YamlOrigin {
  kind: 'seq';
  items: YamlNode[];
  tag?: string;
}

/** Any value of the tree. */
export type YamlNode = YamlScalarNode | YamlMapNode | YamlSeqNode;

/** A YAML document as a tree, or the first error that stops Compose from reading it. */
export type YamlTreeResult =
  | { ok: true; root: YamlNode | undefined }
  | { ok: false; message: string; line: number };

const MAX_ALIAS_DEPTH = 50;

/** Parses YAML text into a positioned tree; anchors, aliases and `<<` merge keys are resolved. */
export function parseYamlTree(text: string, file: string): YamlTreeResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line;
    return { ok: false, message: error.message.split('\n')[0] ?? 'invalid YAML', line };
  }
  const lineOf = (node: Node | null | undefined): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : 1;

  const convert = (node: unknown, depth: number): YamlNode | undefined => {
    if (depth > MAX_ALIAS_DEPTH) throw new Error('YAML aliases nest too deeply');
    if (isAlias(node)) return convert(node.resolve(doc as Document), depth + 1);
    if (isScalar(node)) {
      const v = node.value;
      const value =
        typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null
          ? v
          : String(v);
      return { kind: 'scalar', value, file, line: lineOf(node), ...(node.tag ? { tag: node.tag } : {}) };
    }
    if (isSeq(node)) {
      const items = node.items.map((i) => convert(i, depth)).filter((i): i is YamlNode => i !== undefined);
      return { kind: 'seq', items, file, line: lineOf(node), ...(node.tag ? { tag: node.tag } : {}) };
    }
    if (isMap(node)) {
      const entries = new Map<string, YamlMapEntry>();
      const merged: YamlMapNode[] = [];
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode ?? '');
        const value = convert(pair.value, depth);
        if (key === '<<' && value) {
          // YAML merge keys: explicit keys win over merged ones, whatever their order.
          if (value.kind === 'map') merged.push(value);
          if (value.kind === 'seq')
            merged.push(...value.items.filter((i): i is YamlMapNode => i.kind === 'map'));
          continue;
        }
        const keyLine = lineOf(keyNode);
        entries.set(key, {
          key,
          keyLine,
          value: value ?? { kind: 'scalar', value: null, file, line: keyLine },
        });
      }
      for (const m of merged) {
        for (const [k, e] of m.entries) if (!entries.has(k)) entries.set(k, e);
      }
      return { kind: 'map', entries, file, line: lineOf(node), ...(node.tag ? { tag: node.tag } : {}) };
    }
    return undefined;
  };
  try {
    return { ok: true, root: convert(doc.contents, 0) };
  } catch (err) {
    return { ok: false, message: (err as Error).message, line: 1 };
  }
}

/** The value at a key of a map node, or undefined. */
export function yamlEntry(node: YamlNode | undefined, key: string): YamlMapEntry | undefined {
  return node?.kind === 'map' ? node.entries.get(key) : undefined;
}

/** A plain JavaScript view of a node (for values that need no positions). */
export function yamlToPlain(node: YamlNode | undefined): unknown {
  if (!node) return undefined;
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(yamlToPlain);
  return Object.fromEntries([...node.entries].map(([k, e]) => [k, yamlToPlain(e.value)]));
}
