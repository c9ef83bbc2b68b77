import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/audit/catalogue.js';
import { parseConfig } from '../../src/audit/config.js';
import { UsageError } from '../../src/audit/errors.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

const PLUGIN = `export default {
  meta: { id: 'custom-banner', point: 13, title: 'Banner is set', description: 'Looks for BANNER.',
    targets: ['repo'], rules: { missing: { title: 'Banner present', severity: 'low', description: 'd', remediation: 'r' } } },
  async run() { return [{ rule: 'missing', message: 'no banner' }]; },
};
`;

describe('plugins', () => {
  it('loads only modules named in the config, relative to it', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      'plugins/banner.mjs': PLUGIN,
      'plugins/unnamed.mjs': PLUGIN.replace('custom-banner', 'other'),
    });
    const config = parseConfig('[plugins]\nmodules = ./plugins/banner.mjs\n', '.tradesecrc');
    const checks = await loadCatalogue(config, { baseDir: dir, allowPlugins: false, isRoot: false });
    expect(checks.map((c) => c.meta.id)).toContain('custom-banner');
    expect(checks.map((c) => c.meta.id)).not.toContain('other');
  });

  it('refuses plugins as root unless allowed', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'p.mjs': PLUGIN });
    const config = parseConfig('[plugins]\nmodules = p.mjs\n', '.tradesecrc');
    await expect(loadCatalogue(config, { baseDir: dir, allowPlugins: false, isRoot: true })).rejects.toThrow(
      /refusing to load plugins .* as root; pass --allow-plugins/,
    );
    const checks = await loadCatalogue(config, { baseDir: dir, allowPlugins: true, isRoot: true });
    expect(checks.some((c) => c.meta.id === 'custom-banner')).toBe(true);
  });

  it('refuses a plugin whose point is a built-in one or already taken', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      'one.mjs': PLUGIN.replace('point: 13', 'point: 1'),
      'a.mjs': PLUGIN,
      'b.mjs': PLUGIN.replace('custom-banner', 'other-banner'),
    });
    const load = (m: string) =>
      loadCatalogue(parseConfig(`[plugins]\nmodules = ${m}\n`, 'x'), {
        baseDir: dir,
        allowPlugins: false,
        isRoot: false,
      });
    await expect(load('one.mjs')).rejects.toThrow(
      /plugin one.mjs: check custom-banner claims point 1, which is a built-in check's \(plugins use points above 12\)/,
    );
    await expect(load('a.mjs, b.mjs')).rejects.toThrow(/claims point 13, which custom-banner already has/);
  });

  it('reports a missing or invalid plugin as a usage error', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'bad.mjs': 'export default { meta: { id: "Bad Id" } };\n' });
    const load = (m: string) =>
      loadCatalogue(parseConfig(`[plugins]\nmodules = ${m}\n`, 'x'), {
        baseDir: dir,
        allowPlugins: false,
        isRoot: false,
      });
    await expect(load('missing.mjs')).rejects.toThrow(UsageError);
    await expect(load('bad.mjs')).rejects.toThrow(/plugin bad.mjs: check id "Bad Id" must be kebab-case/);
    expect(path.isAbsolute(dir)).toBe(true);
  });
});
