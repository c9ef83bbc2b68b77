// `tradesec secrets generate`: new secrets from the CSPRNG, printed by intent (the one command that prints secrets).
import type { Command } from 'commander';
import { UsageError } from '../../audit/errors.js';
import {
  DEFAULT_SECRET_BYTES,
  generateSecret,
  parseSecretBytes,
  parseSecretFormat,
  shortSecretWarning,
} from '../../keys/generate.js';
import { action, type CliState, examples } from '../program.js';

interface GenerateFlags {
  bytes: string;
  format: string;
  count: string;
  json?: boolean;
}

/** The most secrets one call prints. */
const MAX_COUNT = 100;

/** Registers `tradesec secrets generate`. */
export function registerSecrets(program: Command, state: CliState): void {
  const secrets = program
    .command('secrets')
    .description('generate secrets for env files (SECRET_KEY, API_SECRET_KEY, ...)')
    .addHelpText(
      'after',
      examples([
        ['tradesec secrets generate', 'one secret, 32 bytes, base64url'],
        ['tradesec secrets generate --format hex', 'the same size as 64 hex digits'],
      ]),
    );
  secrets
    .command('generate')
    .description(
      'print a new random secret: 32 bytes from the CSPRNG as base64url without padding, like Python secrets.token_urlsafe(32)',
    )
    .option('--bytes <n>', 'random bytes per secret (at least 16)', String(DEFAULT_SECRET_BYTES))
    .option('--format <format>', 'base64url or hex', 'base64url')
    .option('--count <n>', `how many secrets, one per line (at most ${MAX_COUNT})`, '1')
    .option('--json', 'print {"secrets": [...], "bytes", "format"} as JSON')
    .addHelpText(
      'after',
      examples([
        ['tradesec secrets generate', 'a key for SECRET_KEY'],
        ['tradesec secrets generate --bytes 64', 'a longer key'],
        ['tradesec secrets generate --format hex --count 2', 'two hex keys'],
        [
          'echo "API_SECRET_KEY=$(tradesec secrets generate)" >> .env.production',
          'straight into an env file',
        ],
        ['tradesec secrets generate --json', 'as data'],
      ]) +
        '\nThe secret is printed on purpose: keep it out of shell history and logs. To replace keys in an env file\nwith a backup and a grace period, use: tradesec rotate-keys\n',
    )
    .action(action(state, async (flags: GenerateFlags) => generate(state, flags)));
}

function generate(state: CliState, flags: GenerateFlags): number {
  const bytes = parseSecretBytes(flags.bytes);
  const format = parseSecretFormat(flags.format);
  const count = /^\d+$/.test(flags.count.trim()) ? Number(flags.count.trim()) : Number.NaN;
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new UsageError(`--count must be a whole number from 1 to ${MAX_COUNT} (got "${flags.count}")`);
  }
  const values = Array.from({ length: count }, () => generateSecret({ bytes, format }));
  // On stderr: stdout holds only the secrets, for $(tradesec secrets generate).
  const short = shortSecretWarning(bytes);
  if (short) state.io.stderr.write(`tradesec: ${short}\n`);
  if (flags.json) state.io.stdout.write(`${JSON.stringify({ secrets: values, bytes, format }, null, 2)}\n`);
  else state.io.stdout.write(`${values.join('\n')}\n`);
  return 0;
}
