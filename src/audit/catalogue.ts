// The catalogue: built-in checks plus the plugins the configuration names explicitly.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { builtinChecks } from '../../checks/index.js';
import { type Check, defineCheck } from './check.js';
import type { AuditConfig } from './config.js';
import { UsageError } from './errors.js';

/** The points of the twelve-point checklist; plugins use higher ones. */
export const BUILTIN_POINTS = 12;

/** Options for loading plugins. */
export interface CatalogueOptions {
  /** Directory that plugin paths are relative to (the config file's). */
  baseDir: string;
  allowPlugins: boolean;
  isRoot: boolean;
}

/** Built-in checks plus configured plugins; plugins are refused as root without `allowPlugins`. */
export async function loadCatalogue(config: AuditConfig, options: CatalogueOptions): Promise<Check[]> {
  const checks = [...builtinChecks];
  if (config.plugins.length === 0) return checks;
  if (options.isRoot && !options.allowPlugins) {
    throw new UsageError(
      `refusing to load plugins (${config.plugins.join(', ')}) as root; pass --allow-plugins if you trust them`,
    );
  }
  for (const spec of config.plugins) {
    const abs = path.resolve(options.baseDir, spec);
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(abs).href)) as { default?: unknown };
    } catch (err) {
      throw new UsageError(`cannot load plugin ${spec}: ${(err as Error).message.split('\n')[0]}`);
    }
    const exported = Array.isArray(mod.default) ? mod.default : [mod.default];
    for (const item of exported) {
      let check: Check;
      try {
        check = defineCheck(item as Check);
      } catch (err) {
        throw new UsageError(`plugin ${spec}: ${(err as Error).message}`);
      }
      if (checks.some((c) => c.meta.id === check.meta.id)) {
        throw new UsageError(`plugin ${spec}: check id "${check.meta.id}" is already taken`);
      }
      // Points 1..12 are the checklist's; a plugin's point orders it after them and must be its own.
      if (check.meta.point <= BUILTIN_POINTS) {
        throw new UsageError(
          `plugin ${spec}: check ${check.meta.id} claims point ${check.meta.point}, which is a built-in check's (plugins use points above ${BUILTIN_POINTS})`,
        );
      }
      const same = checks.find((c) => c.meta.point === check.meta.point);
      if (same) {
        throw new UsageError(
          `plugin ${spec}: check ${check.meta.id} claims point ${check.meta.point}, which ${same.meta.id} already has`,
        );
      }
      checks.push(check);
    }
  }
  return checks.sort((a, b) => a.meta.point - b.meta.point || a.meta.id.localeCompare(b.meta.id));
}
