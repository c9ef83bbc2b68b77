// The catalogue gate: every registered check has its page, its tests and sound metadata, and README.md is current.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinChecks } from '../../checks/index.js';
// @ts-expect-error: a plain ES module script without type declarations
import { extractCatalogue, renderCatalogue } from '../../scripts/readme-catalogue.js';

const PROJECT = path.resolve(import.meta.dirname, '../..');
const HEADINGS = ['Why it matters', 'What is checked', 'How to fix', 'Examples', 'Suppressing', 'References'];
const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The level-2+ markdown headings of a document, in order, outside code blocks. */
function headings(markdown: string): string[] {
  let fenced = false;
  const out: string[] = [];
  for (const line of markdown.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^#{2,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}

describe('check catalogue', () => {
  it('has unique ids and unique checklist points', () => {
    const ids = builtinChecks.map((c) => c.meta.id);
    const points = builtinChecks.map((c) => c.meta.point);
    expect(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      'duplicate ids',
    ).toEqual([]);
    expect(
      points.filter((p, i) => points.indexOf(p) !== i),
      'duplicate points',
    ).toEqual([]);
    for (const c of builtinChecks) {
      expect(c.meta.id, 'kebab-case id').toMatch(KEBAB);
      expect(
        Number.isInteger(c.meta.point) && c.meta.point >= 1 && c.meta.point <= 12,
        `${c.meta.id}: point 1-12`,
      ).toBe(true);
    }
  });

  it('is sorted by checklist point in checks/index.ts', () => {
    const points = builtinChecks.map((c) => c.meta.point);
    expect(points).toEqual([...points].sort((a, b) => a - b));
  });

  it('gives every rule a kebab-case name, a title, a description and a remediation', () => {
    for (const { meta } of builtinChecks) {
      expect(Object.keys(meta.rules).length, `${meta.id} has rules`).toBeGreaterThan(0);
      for (const [name, rule] of Object.entries(meta.rules)) {
        const id = `${meta.id}/${name}`;
        expect(name, id).toMatch(KEBAB);
        expect(rule.title?.trim(), `${id} title`).toBeTruthy();
        expect(rule.description?.trim(), `${id} description`).toBeTruthy();
        expect(rule.remediation?.trim(), `${id} remediation`).toBeTruthy();
        expect(['critical', 'high', 'medium', 'low', 'info'], `${id} severity`).toContain(rule.severity);
      }
      expect(meta.title.trim(), `${meta.id} title`).toBeTruthy();
      expect(meta.description.trim(), `${meta.id} description`).toBeTruthy();
      for (const [key, option] of Object.entries(meta.options ?? {})) {
        expect(option.description.trim(), `${meta.id} option ${key}`).toBeTruthy();
      }
    }
  });

  it('has checks/<id>/README.md with the six sections, in order, for every check', async () => {
    for (const { meta } of builtinChecks) {
      const file = path.join(PROJECT, 'checks', meta.id, 'README.md');
      expect(existsSync(file), `checks/${meta.id}/README.md exists`).toBe(true);
      const found = headings(await readFile(file, 'utf8'));
      const present = HEADINGS.filter((h) => found.includes(h));
      expect(present, `checks/${meta.id}/README.md headings`).toEqual(HEADINGS);
      const order = HEADINGS.map((h) => found.indexOf(h));
      expect(order, `checks/${meta.id}/README.md sections in order`).toEqual(
        [...order].sort((a, b) => a - b),
      );
    }
  });

  it('has checks/<id>/index.test.ts for every check', () => {
    for (const { meta } of builtinChecks) {
      expect(
        existsSync(path.join(PROJECT, 'checks', meta.id, 'index.test.ts')),
        `checks/${meta.id}/index.test.ts`,
      ).toBe(true);
    }
  });

  it('is current in README.md (otherwise: run npm run readme)', async () => {
    const readme = await readFile(path.join(PROJECT, 'README.md'), 'utf8');
    const current = extractCatalogue(readme);
    expect(current, 'README.md has <!-- catalogue:start --> and <!-- catalogue:end -->').toBeDefined();
    expect(current, 'the catalogue in README.md is stale: run npm run readme').toBe(
      renderCatalogue(builtinChecks),
    );
  });
});

describe('readme-catalogue', () => {
  const check = (id: string, point: number) => ({
    meta: {
      id,
      point,
      title: `Title of ${id} | with a pipe`,
      targets: ['repo'],
      rules: { 'rule-a': { severity: 'high', title: 't' }, 'rule-b': { severity: 'low', title: 't' } },
    },
  });

  it('renders one row per check in point order, escaping pipes, with rule ids and severities', () => {
    const out: string = renderCatalogue([check('zeta', 7), check('alpha', 1)]);
    const rows = out.split('\n').filter((l) => /^\| \d/.test(l));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('[`alpha`](checks/alpha/README.md)');
    expect(rows[0]).toContain('Title of alpha \\| with a pipe');
    expect(rows[0]).toContain('`alpha/rule-a` high<br>`alpha/rule-b` low');
    expect(rows[1]).toMatch(/^\| 7 +\| \[`zeta`\]/);
    expect(out).toContain('2 checks, 4 rules.');
    // Padded like Biome pads markdown tables, so the lint step leaves README.md as generated.
    const table = out.split('\n').filter((l) => l.startsWith('|'));
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
    expect(table[1]).toMatch(/^\| -{3} \| -+ \|/);
  });

  it('says so when nothing is registered', () => {
    expect(renderCatalogue([])).toContain('No checks are registered yet.');
  });
});
