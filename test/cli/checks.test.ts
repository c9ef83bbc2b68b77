import { describe, expect, it } from 'vitest';
import { builtinChecks } from '../../checks/index.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

async function run(args: string[], cwd?: string) {
  const io = memoryIo(cwd ? { cwd } : {});
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('tradesec checks', () => {
  it('lists every built-in check with its rules, as text and as JSON', async () => {
    const text = await run(['checks', 'list']);
    expect(text.code).toBe(0);
    const json = await run(['checks', 'list', '--json']);
    const data = JSON.parse(json.out) as Array<{ id: string; point: number; rules: Array<{ id: string }> }>;
    expect(data.map((c) => c.id)).toEqual(builtinChecks.map((c) => c.meta.id));
    for (const c of builtinChecks) {
      expect(text.out).toContain(c.meta.id);
      for (const rule of Object.keys(c.meta.rules)) expect(text.out).toContain(`${c.meta.id}/${rule}`);
    }
    expect((await run(['checks'])).out).toBe(text.out);
  });

  it('explains a check and a single rule', async () => {
    for (const c of builtinChecks) {
      const r = await run(['checks', 'explain', c.meta.id]);
      expect(r.code).toBe(0);
      expect(r.out).toContain(c.meta.description);
      const [rule, meta] = Object.entries(c.meta.rules)[0] ?? [];
      if (!rule || !meta) continue;
      const one = await run(['checks', 'explain', `${c.meta.id}/${rule}`, '--json']);
      expect(Object.keys(JSON.parse(one.out).rules)).toEqual([rule]);
    }
  });

  it('rejects unknown checks and rules with exit 2 and one line', async () => {
    expect(await run(['checks', 'explain', 'nope'])).toEqual({
      code: 2,
      out: '',
      err: 'tradesec: unknown check "nope" (see: tradesec checks list)\n',
    });
    const first = builtinChecks[0];
    if (first) {
      const r = await run(['checks', 'explain', `${first.meta.id}/no-such-rule`]);
      expect(r).toMatchObject({
        code: 2,
        err: `tradesec: check ${first.meta.id} has no rule "no-such-rule"\n`,
      });
    }
    expect((await run(['checks', 'explain'])).code).toBe(2);
    expect(await run(['checks', 'bogus'])).toEqual({
      code: 2,
      out: '',
      err: "tradesec: unknown subcommand 'bogus' (use list or explain)\n",
    });
  });

  it("explains and lists the plugins the directory's .tradesecrc names, by the audit's rules", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      '.tradesecrc': '[plugins]\nmodules = ./banner.mjs\n',
      'banner.mjs': `export default {
  meta: { id: 'custom-banner', point: 13, title: 'Banner is set', description: 'Looks for BANNER.',
    targets: ['repo'], rules: { missing: { title: 'Banner present', severity: 'low', description: 'd', remediation: 'r' } } },
  async run() { return []; },
};
`,
    });
    const explained = await run(['checks', 'explain', 'custom-banner', '--allow-plugins'], dir);
    expect(explained.code, explained.err).toBe(0);
    expect(explained.out).toContain('13. custom-banner: Banner is set');
    expect((await run(['checks', 'list', '--allow-plugins'], dir)).out).toContain('custom-banner/missing');
    if (process.getuid?.() === 0) {
      const refused = await run(['checks', 'explain', 'custom-banner'], dir);
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/refusing to load plugins \(\.\/banner\.mjs\) as root/);
    }
  });
});
