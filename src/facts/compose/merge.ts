// Merging Compose files as `docker compose -f a -f b` does, keeping the origin of every effective value.
//
// Rules (after the Compose specification's merge section):
// - mappings merge key by key; scalars are replaced by the later file;
// - `command`, `entrypoint` and `healthcheck.test` are replaced as a whole;
// - `environment`, `labels`, `sysctls`, `extra_hosts` and `annotations` merge by name (list form `K=V` included);
// - `volumes`, `devices`, `secrets` and `configs` merge by their target in the container (the later file wins);
// - every other sequence (`ports`, `expose`, `cap_add`, `cap_drop`, `security_opt`, `tmpfs`, `dns`...) is
//   appended, without repeating identical entries;
// - the YAML tags `!reset` (remove the value) and `!override` (replace instead of merging) are honoured.
import type { YamlMapEntry, YamlMapNode, YamlNode, YamlSeqNode } from './yaml-tree.js';
import { yamlToPlain } from './yaml-tree.js';

const REPLACED = new Set(['command', 'entrypoint', 'test']);
const BY_NAME = new Set(['environment', 'labels', 'sysctls', 'extra_hosts', 'annotations']);
const BY_TARGET = new Set(['volumes', 'devices', 'secrets', 'configs']);

/** A list of `K=V` (or `K: V`) strings as a mapping, so it merges by name. */
export function composeListAsMap(node: YamlSeqNode): YamlMapNode {
  const entries = new Map<string, YamlMapEntry>();
  for (const item of node.items) {
    if (item.kind !== 'scalar') continue;
    const text = String(item.value ?? '');
    const eq = text.search(/[=:]/);
    const key = eq === -1 ? text : text.slice(0, eq);
    const value = eq === -1 ? null : text.slice(eq + 1);
    entries.set(key, {
      key,
      keyLine: item.line,
      value: { kind: 'scalar', value, file: item.file, line: item.line },
    });
  }
  return { kind: 'map', entries, file: node.file, line: node.line };
}

/** The container-side target a volume, device, secret or config entry is keyed by. */
export function composeMountTarget(node: YamlNode): string {
  if (node.kind === 'map') {
    const target = node.entries.get('target')?.value;
    const source = node.entries.get('source')?.value;
    return String(
      (target?.kind === 'scalar' ? target.value : undefined) ??
        (source?.kind === 'scalar' ? source.value : ''),
    );
  }
  if (node.kind === 'scalar') {
    const parts = String(node.value ?? '').split(':');
    // `src:dst[:mode]` or `dst` (anonymous volume); secrets and configs are names.
    return parts.length >= 2 ? (parts[1] ?? '') : (parts[0] ?? '');
  }
  return JSON.stringify(yamlToPlain(node));
}

const stripTag = <T extends YamlNode>(node: T): T => {
  if (!node.tag) return node;
  const { tag: _tag, ...rest } = node;
  return rest as T;
};

/** Merges `over` onto `base` for the value at `key`; undefined means the value is removed (`!reset`). */
export function mergeComposeValue(
  key: string,
  base: YamlNode | undefined,
  over: YamlNode,
): YamlNode | undefined {
  if (over.tag === '!reset') return undefined;
  if (over.tag === '!override' || !base) return stripTag(over);
  if (REPLACED.has(key)) return over;
  if (BY_NAME.has(key)) {
    const b = base.kind === 'seq' ? composeListAsMap(base) : base;
    const o = over.kind === 'seq' ? composeListAsMap(over) : over;
    if (b.kind === 'map' && o.kind === 'map') return mergeComposeMaps(b, o, false);
    return over;
  }
  if (base.kind === 'map' && over.kind === 'map') return mergeComposeMaps(base, over, true);
  if (base.kind === 'seq' && over.kind === 'seq') {
    if (BY_TARGET.has(key)) {
      const byTarget = new Map<string, YamlNode>();
      for (const item of base.items) byTarget.set(composeMountTarget(item), item);
      for (const item of over.items) byTarget.set(composeMountTarget(item), item);
      return { ...base, items: [...byTarget.values()] };
    }
    const seen = new Set(base.items.map((i) => JSON.stringify(yamlToPlain(i))));
    const items = [...base.items];
    for (const item of over.items) {
      const id = JSON.stringify(yamlToPlain(item));
      if (!seen.has(id)) {
        seen.add(id);
        items.push(item);
      }
    }
    return { ...base, items };
  }
  return over;
}

/** Merges two mappings key by key (recursively when `deep`). */
export function mergeComposeMaps(base: YamlMapNode, over: YamlMapNode, deep = true): YamlMapNode {
  const entries = new Map(base.entries);
  const resets = new Map(base.resets ?? []);
  for (const [key, entry] of over.entries) {
    const previous = entries.get(key);
    const merged = deep || !previous ? mergeComposeValue(key, previous?.value, entry.value) : entry.value;
    if (merged === undefined) {
      entries.delete(key);
      resets.set(key, { file: entry.value.file, line: entry.keyLine });
    } else {
      resets.delete(key);
      // The key's line follows the file whose value won; a merged container keeps its first definition.
      const winner = merged === entry.value || merged.file === entry.value.file ? entry : (previous ?? entry);
      entries.set(key, { key, keyLine: winner.keyLine, value: merged });
    }
  }
  return { ...base, entries, ...(resets.size > 0 ? { resets } : {}) };
}
