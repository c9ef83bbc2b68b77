// `tradesec secrets generate` through the real CLI entry point.
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

async function run(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('tradesec secrets generate', () => {
  it('prints one 32-byte base64url secret without padding by default', async () => {
    const r = await run(['secrets', 'generate']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(Buffer.from(r.out.trim(), 'base64url')).toHaveLength(32);
  });

  it('honours --bytes, --format and --count', async () => {
    const r = await run(['secrets', 'generate', '--bytes', '16', '--format', 'hex', '--count', '3']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(lines).size).toBe(3);
    expect(r.err).toContain('tradesec: warning: --bytes 16 is below the 32 bytes');
  });

  it('prints JSON on request', async () => {
    const r = await run(['secrets', 'generate', '--json', '--count', '2', '--bytes', '64']);
    const data = JSON.parse(r.out) as { secrets: string[]; bytes: number; format: string };
    expect(data.bytes).toBe(64);
    expect(data.format).toBe('base64url');
    expect(data.secrets.map((s) => Buffer.from(s, 'base64url').length)).toEqual([64, 64]);
  });

  it('refuses fewer than 16 bytes and other bad values with exit 2 and one line', async () => {
    expect(await run(['secrets', 'generate', '--bytes', '15'])).toEqual({
      code: 2,
      out: '',
      err: 'tradesec: --bytes 15 is too short: a secret needs at least 16 bytes (128 bits)\n',
    });
    expect(await run(['secrets', 'generate', '--format', 'base64'])).toEqual({
      code: 2,
      out: '',
      err: 'tradesec: unknown format "base64" (use base64url or hex)\n',
    });
    expect(await run(['secrets', 'generate', '--count', '0'])).toEqual({
      code: 2,
      out: '',
      err: 'tradesec: --count must be a whole number from 1 to 100 (got "0")\n',
    });
    const unknown = await run(['secrets', 'generate', '--length', '3']);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toBe('');
    expect(unknown.err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('has examples in its help', async () => {
    const r = await run(['secrets', 'generate', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Examples:');
    expect(r.out).toContain('tradesec secrets generate --format hex');
  });
});
