import { describe, expect, it } from 'vitest';
import { envValues, parseEnvFile } from '../../src/facts/env-file.js';

describe('env file parsing', () => {
  it('keeps lines, quotes, export prefixes and rotation records', () => {
    const text = [
      '# comment',
      'export SECRET_KEY="abc def"',
      '',
      '# tradesec: rotated 2026-11-01T10:00:00Z',
      "API_SECRET_KEY='single' # trailing",
      'MULTI="line one',
      'line two"',
      'PLAIN=value # comment',
      'not an assignment',
      'EMPTY=',
    ].join('\r\n');
    const env = parseEnvFile(text);
    expect(env.entries.map((e) => [e.key, e.value, e.line])).toEqual([
      ['SECRET_KEY', 'abc def', 2],
      ['API_SECRET_KEY', 'single', 5],
      ['MULTI', 'line one\nline two', 6],
      ['PLAIN', 'value', 8],
      ['EMPTY', '', 10],
    ]);
    expect(env.entries[1]?.rotatedAt?.toISOString()).toBe('2026-11-01T10:00:00.000Z');
    expect(env.entries[0]?.rotatedAt).toBeUndefined();
    expect(env.invalidLines).toEqual([9]);
  });

  it('splits lines at a lone CR too, as dotenv and rotate-keys do', () => {
    const env = parseEnvFile('# tradesec: rotated 2026-11-01\rSECRET_KEY=abc\rAPI_SECRET_KEY=def\r');
    expect(env.entries.map((e) => [e.key, e.value, e.line])).toEqual([
      ['SECRET_KEY', 'abc', 2],
      ['API_SECRET_KEY', 'def', 3],
    ]);
    expect(env.entries[0]?.rotatedAt?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(env.invalidLines).toEqual([]);
  });

  it('lets the last assignment win, as dotenv does', () => {
    const env = parseEnvFile('A=1\nA=2\n');
    expect(env.entries).toHaveLength(2);
    expect(envValues(env).get('A')).toMatchObject({ value: '2', line: 2 });
  });
});
