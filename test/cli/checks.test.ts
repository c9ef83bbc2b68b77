import { describe, expect, it } from 'vitest';
import { builtinChecks } from '../../checks/index.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

async function run(args: string[]) {
  const io = memoryIo();
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
  });
});
