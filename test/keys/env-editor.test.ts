// The line-preserving env editor: exact round trips, dotenv agreement, and rotations over generated files.
import { parse as dotenvParse } from 'dotenv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dropPreviousInDocument,
  type EnvLine,
  type EnvProblem,
  inspectKeys,
  parseEnvDocument,
  renderEnvDocument,
  rotateInDocument,
  spanText,
  verifyEdit,
} from '../../src/keys/env-editor.js';
import { isRotationRecordLine, parseRotationRecord } from '../../src/keys/rotation-record.js';

const NOW = new Date('2025-03-04T05:06:07Z');
const KEYS = ['SECRET_KEY', 'API_SECRET_KEY'];

function rotate(text: string, values: Record<string, string>) {
  const doc = parseEnvDocument(text);
  return rotateInDocument(
    doc,
    Object.entries(values).map(([key, newValue]) => ({ key, newValue })),
    NOW,
  );
}

describe('parseEnvDocument', () => {
  it('renders every input back byte for byte', () => {
    const samples = [
      '',
      'A=1',
      'A=1\n',
      '\uFEFFA=1\r\nB=2\r\n',
      'A="x\ny"\r\n# c\r\n\r\n',
      'weird \r lone CR\rA=1',
      'no newline at end',
    ];
    for (const s of samples) expect(renderEnvDocument(parseEnvDocument(s))).toBe(s);
  });

  it('keeps any string intact (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(renderEnvDocument(parseEnvDocument(s))).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('locates multi-line quoted values, export prefixes and colon assignments', () => {
    const doc = parseEnvDocument('export A="one\ntwo"\nB: three\n# c\nC=\'x\' # trailing\n');
    expect(doc.assignments.map((a) => [a.key, a.first, a.last, a.quote, a.exported])).toEqual([
      ['A', 0, 1, '"', true],
      ['B', 2, 2, '', false],
      ['C', 4, 4, "'", false],
    ]);
    expect(doc.invalidLines).toEqual([]);
  });

  it('reports lines dotenv skips, with their numbers', () => {
    const doc = parseEnvDocument('A=1\njust words\n# ok\nB=2\n=nokey\n');
    expect(doc.invalidLines).toEqual([2, 5]);
  });

  it('does not mistake an assignment inside a multi-line value for a key', () => {
    const doc = parseEnvDocument('A="first\nSECRET_KEY=inside\nlast"\nSECRET_KEY=real\n');
    expect(doc.assignments.filter((a) => a.key === 'SECRET_KEY').map((a) => a.first)).toEqual([3]);
  });

  // Differential test: for text built from the characters that matter to dotenv, our spans must hold
  // exactly what dotenv reads, and the keys we find must be the keys dotenv finds.
  it('agrees with dotenv on keys and values for tricky text (property)', () => {
    const pieces = [
      'A',
      'B_1',
      'export ',
      '=',
      ': ',
      ' ',
      '\t',
      "'",
      '"',
      '`',
      '#',
      '\n',
      '\r\n',
      '\r',
      '\\',
      'x',
      'y z',
      '\\n',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        const doc = parseEnvDocument(text);
        const parsed = dotenvParse(text);
        expect(new Set(doc.assignments.map((a) => a.key))).toEqual(new Set(Object.keys(parsed)));
        const lastOf = new Map(doc.assignments.map((a) => [a.key, a]));
        for (const [key, a] of lastOf) {
          expect(dotenvParse(spanText(doc, a))[key]).toBe(parsed[key]);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('inspectKeys', () => {
  it('refuses an unreadable line with its number', () => {
    const doc = parseEnvDocument('SECRET_KEY=a\nAPI_SECRET_KEY=b\noops\n');
    expect(() => inspectKeys(doc, KEYS)).toThrow(/^not a KEY=value/);
    try {
      inspectKeys(doc, KEYS);
    } catch (err) {
      expect((err as EnvProblem).line).toBe(3);
    }
  });

  it('refuses a key assigned twice, naming both lines', () => {
    const doc = parseEnvDocument('SECRET_KEY=a\nAPI_SECRET_KEY=b\nSECRET_KEY=c\n');
    expect(() => inspectKeys(doc, KEYS)).toThrow('SECRET_KEY is assigned 2 times (lines 1, 3); keep one');
  });

  it('refuses an absent key unless adding', () => {
    const doc = parseEnvDocument('SECRET_KEY=a\n');
    expect(() => inspectKeys(doc, KEYS)).toThrow(
      'API_SECRET_KEY is not in the file (pass --add to create it)',
    );
    expect(inspectKeys(doc, KEYS, { add: true }).map((s) => [s.key, s.value])).toEqual([
      ['SECRET_KEY', 'a'],
      ['API_SECRET_KEY', ''],
    ]);
  });
});

describe('rotateInDocument', () => {
  it('replaces the value in place and keeps the old one right below, with a record above', () => {
    const text = '# app settings\r\nexport SECRET_KEY="old one"  # main key\r\nDEBUG=false\r\n';
    const r = rotate(text, { SECRET_KEY: 'NEW' });
    expect(r.text).toBe(
      '# app settings\r\n# tradesec: rotated 2025-03-04T05:06:07Z\r\nexport SECRET_KEY="NEW"  # main key\r\n' +
        'export SECRET_KEY_PREVIOUS="old one"  # main key\r\nDEBUG=false\r\n',
    );
    expect(r.edits).toEqual([
      {
        key: 'SECRET_KEY',
        action: 'rotated',
        previousKept: true,
        previousRemoved: 0,
        line: 3,
        lineBefore: 2,
      },
    ]);
  });

  it('keeps the quoting style: none, single, double, backtick', () => {
    const r = rotate('A=plain\nB=\'single\'\nC="double"\nD=`tick`\n', { A: 'n1', B: 'n2', C: 'n3', D: 'n4' });
    const lines = r.text.split('\n').filter((l) => !l.startsWith('#'));
    expect(lines).toEqual([
      'A=n1',
      'A_PREVIOUS=plain',
      "B='n2'",
      "B_PREVIOUS='single'",
      'C="n3"',
      'C_PREVIOUS="double"',
      'D=`n4`',
      'D_PREVIOUS=`tick`',
      '',
    ]);
  });

  it('keeps a UTF-8 BOM and a missing final newline', () => {
    const r = rotate('\uFEFFSECRET_KEY=a', { SECRET_KEY: 'b' });
    expect(r.text).toBe(
      '\uFEFF# tradesec: rotated 2025-03-04T05:06:07Z\nSECRET_KEY=b\nSECRET_KEY_PREVIOUS=a',
    );
  });

  it('replaces an existing record and an existing _PREVIOUS, wherever it is', () => {
    const text = 'SECRET_KEY_PREVIOUS=oldest\nX=1\n# tradesec: rotated 2020-01-01\nSECRET_KEY=older\n';
    const r = rotate(text, { SECRET_KEY: 'new' });
    expect(r.text).toBe(
      'X=1\n# tradesec: rotated 2025-03-04T05:06:07Z\nSECRET_KEY=new\nSECRET_KEY_PREVIOUS=older\n',
    );
    expect(r.edits[0]).toMatchObject({ previousRemoved: 1, line: 3 });
    const record = r.text.split('\n')[1] ?? '';
    expect(parseRotationRecord(record)).toEqual(NOW);
  });

  it('copies a multi-line value verbatim into _PREVIOUS', () => {
    const text = 'SECRET_KEY="line one\nline two"\nB=2\n';
    const r = rotate(text, { SECRET_KEY: 'fresh' });
    expect(dotenvParse(r.text)).toEqual({
      SECRET_KEY: 'fresh',
      SECRET_KEY_PREVIOUS: 'line one\nline two',
      B: '2',
    });
  });

  it('does not keep an empty old value as _PREVIOUS (an app must never accept an empty key)', () => {
    const r = rotate('SECRET_KEY=\nSECRET_KEY_PREVIOUS=stale\n', { SECRET_KEY: 'fresh' });
    expect(dotenvParse(r.text)).toEqual({ SECRET_KEY: 'fresh' });
    expect(r.edits[0]).toMatchObject({ previousKept: false, previousRemoved: 1 });
  });

  it('appends absent keys, in the file style, and gives their lines', () => {
    const r = rotate('export A=1\r\nexport B=2', { SECRET_KEY: 'k1', API_SECRET_KEY: 'k2' });
    expect(r.text).toBe(
      'export A=1\r\nexport B=2\r\n# tradesec: rotated 2025-03-04T05:06:07Z\r\nexport SECRET_KEY=k1\r\n' +
        '# tradesec: rotated 2025-03-04T05:06:07Z\r\nexport API_SECRET_KEY=k2\r\n',
    );
    expect(r.edits.map((e) => [e.key, e.action, e.line])).toEqual([
      ['SECRET_KEY', 'added', 4],
      ['API_SECRET_KEY', 'added', 6],
    ]);
  });

  it('separates a new value from a comment that followed the = directly', () => {
    const r = rotate('SECRET_KEY=#nothing yet\n', { SECRET_KEY: 'v' });
    expect(dotenvParse(r.text).SECRET_KEY).toBe('v');
  });
});

describe('dropPreviousInDocument', () => {
  it('removes only the _PREVIOUS keys of the named keys', () => {
    const text = 'SECRET_KEY=a\nSECRET_KEY_PREVIOUS=b\nOTHER_PREVIOUS=c\nAPI_SECRET_KEY=d\n';
    const r = dropPreviousInDocument(parseEnvDocument(text), KEYS);
    expect(r.text).toBe('SECRET_KEY=a\nOTHER_PREVIOUS=c\nAPI_SECRET_KEY=d\n');
    expect(r.edits).toEqual([
      { key: 'SECRET_KEY', action: 'dropped', previousKept: false, previousRemoved: 1, line: 2 },
    ]);
  });

  it('changes nothing when there is nothing to drop', () => {
    const text = 'SECRET_KEY=a\n';
    expect(dropPreviousInDocument(parseEnvDocument(text), KEYS)).toEqual({ text, edits: [] });
  });
});

describe('verifyEdit', () => {
  it('accepts the intended change and rejects anything else', () => {
    expect(() => verifyEdit('A=1\nB=2\n', 'A=3\nB=2\n', { set: { A: '3' }, removed: [] })).not.toThrow();
    expect(() => verifyEdit('A=1\nB=2\n', 'A=3\nB=9\n', { set: { A: '3' }, removed: [] })).toThrow(/key B/);
    expect(() => verifyEdit('A=1\n', 'A=3\nbroken\n', { set: { A: '3' }, removed: [] })).toThrow(
      /unreadable line 2/,
    );
  });

  it('never puts a value in its message', () => {
    try {
      verifyEdit('A=topsecretvalue\n', 'A=othersecretvalue\n', { set: {}, removed: [] });
    } catch (err) {
      expect((err as Error).message).not.toMatch(/topsecretvalue|othersecretvalue/);
      return;
    }
    throw new Error('expected a failure');
  });
});

// ---------------------------------------------------------------------------------------------
// Round trips over generated env files.

const keyName = fc
  .stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/)
  .filter((k) => !k.startsWith('SECRET_KEY') && !k.startsWith('API_SECRET_KEY'));
const plainChars = fc.stringMatching(/^[A-Za-z0-9_./:@+-]{0,16}$/);
const noQuote = (q: string) =>
  fc.stringMatching(/^[A-Za-z0-9 _./:@#+=-]{0,16}$/).map((s) => s.replaceAll(q, ''));

/** A value and the exact text that writes it. */
const valueText = fc.oneof(
  plainChars.map((v) => v),
  noQuote("'").map((v) => `'${v}'`),
  noQuote('"').map((v) => `"${v}"`),
  noQuote('`').map((v) => `\`${v}\``),
  fc.tuple(noQuote('"'), noQuote('"')).map(([a, b]) => `"${a}\n${b}"`),
);

const assignment = (key: fc.Arbitrary<string>) =>
  fc
    .record({
      key,
      exported: fc.boolean(),
      indent: fc.constantFrom('', '  '),
      sep: fc.constantFrom('=', ' = ', '= '),
      value: valueText,
      comment: fc.constantFrom('', ' # note', '  #x'),
    })
    .map(({ key: k, exported, indent, sep, value, comment }) => ({
      key: k,
      text: `${indent}${exported ? 'export ' : ''}${k}${sep}${value}${comment}`,
    }));

const filler = fc.oneof(
  fc.constant(''),
  fc.constant('   '),
  fc.stringMatching(/^[ ]?#[ -~]{0,20}$/),
  fc.constant('# tradesec: rotated 2024-01-01'),
  assignment(keyName).map((a) => a.text),
);

const envFile = fc
  .record({
    fillers: fc.array(filler, { maxLength: 12 }),
    secret: assignment(fc.constant('SECRET_KEY')),
    api: assignment(fc.constant('API_SECRET_KEY')),
    previous: fc.option(assignment(fc.constant('SECRET_KEY_PREVIOUS')), { nil: undefined }),
    recordAbove: fc.boolean(),
    positions: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
    eol: fc.constantFrom('\n', '\r\n', 'mixed'),
    bom: fc.boolean(),
    finalNewline: fc.boolean(),
  })
  .map((f) => {
    const blocks = f.fillers.map((t) => [t]);
    const insert = (block: string[], pos: number) => blocks.splice(pos % (blocks.length + 1), 0, block);
    insert(
      f.recordAbove ? ['# tradesec: rotated 2023-05-06', f.secret.text] : [f.secret.text],
      f.positions[0] ?? 0,
    );
    insert([f.api.text], f.positions[1] ?? 0);
    if (f.previous) insert([f.previous.text], f.positions[2] ?? 0);
    const lines = blocks.flat();
    let text = '';
    lines.forEach((l, i) => {
      const eol = f.eol === 'mixed' ? (i % 2 ? '\r\n' : '\n') : f.eol;
      const body = f.eol === 'mixed' ? l : l.replaceAll('\n', eol);
      text += body + (i < lines.length - 1 || f.finalNewline ? eol : '');
    });
    return (f.bom ? '\uFEFF' : '') + text;
  });

/** Lines outside the rotated keys' spans, their _PREVIOUS spans and records: these must not change. */
function untouched(text: string): EnvLine[] {
  const doc = parseEnvDocument(text);
  const skip = new Set<number>();
  for (const a of doc.assignments) {
    const base = a.key.replace(/_PREVIOUS$/, '');
    if (!KEYS.includes(base)) continue;
    for (let i = a.first; i <= a.last; i++) skip.add(i);
    const above = doc.lines[a.first - 1];
    if (a.key === base && above && isRotationRecordLine(above.text)) skip.add(a.first - 1);
  }
  return doc.lines.filter((_, i) => !skip.has(i));
}

describe('rotation round trips over generated env files', () => {
  it('changes only the rotated keys; untouched lines stay identical; dotenv reads the result', () => {
    fc.assert(
      fc.property(envFile, fc.constantFrom('k3y-aaaaaaaaaaaaaaaa', 'hexhexhexhex0123'), (text, seed) => {
        const before = dotenvParse(text);
        expect(parseEnvDocument(text).invalidLines).toEqual([]);
        const fresh = { SECRET_KEY: `${seed}-s`, API_SECRET_KEY: `${seed}-a` };
        const r = rotate(text, fresh);
        const after = dotenvParse(r.text);
        // New values in place, old ones as _PREVIOUS (unless empty), everything else unchanged.
        const expected: Record<string, string> = { ...before };
        delete expected.SECRET_KEY_PREVIOUS;
        delete expected.API_SECRET_KEY_PREVIOUS;
        for (const key of KEYS) {
          expected[key] = fresh[key as keyof typeof fresh];
          if (before[key]) expected[`${key}_PREVIOUS`] = before[key] ?? '';
        }
        expect(after).toEqual(expected);
        for (const key of KEYS) expect(after[key]).not.toBe(before[key]);
        expect(untouched(r.text)).toEqual(untouched(text));
        expect(r.text.startsWith('\uFEFF')).toBe(text.startsWith('\uFEFF'));
        const doc = parseEnvDocument(r.text);
        expect(doc.invalidLines).toEqual([]);
        // The record sits directly above each key, and the editor reports the key's new line.
        for (const e of r.edits) {
          const line = doc.lines[e.line - 1]?.text ?? '';
          expect(line).toMatch(new RegExp(`^\\s*(export\\s+)?${e.key}\\s*=`));
          expect(parseRotationRecord(doc.lines[e.line - 2]?.text ?? '')).toEqual(NOW);
        }
        // Rotating again keeps the layout stable: one record, one key, one _PREVIOUS each.
        const again = rotate(r.text, { SECRET_KEY: 'third-s', API_SECRET_KEY: 'third-a' });
        const records = (t: string) =>
          parseEnvDocument(t).lines.filter((l) => isRotationRecordLine(l.text)).length;
        expect(records(again.text)).toBe(records(r.text));
        expect(dotenvParse(again.text).SECRET_KEY_PREVIOUS).toBe(fresh.SECRET_KEY);
        // Dropping the previous values leaves exactly the rotated file without them.
        const dropped = dropPreviousInDocument(parseEnvDocument(r.text), KEYS);
        const afterDrop = dotenvParse(dropped.text);
        expect(afterDrop.SECRET_KEY_PREVIOUS).toBeUndefined();
        expect(afterDrop.API_SECRET_KEY_PREVIOUS).toBeUndefined();
        expect(afterDrop.SECRET_KEY).toBe(fresh.SECRET_KEY);
      }),
      { numRuns: 400 },
    );
  });
});
