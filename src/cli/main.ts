// The CLI entry point: parses argv, dispatches to a command, returns an exit code, never exits.
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../audit/errors.js';
import { VERSION } from '../version.js';
import { registerAudit } from './commands/audit.js';
import { registerChecks } from './commands/checks.js';
import { registerRotateKeys } from './commands/rotate-keys.js';
import { registerSecrets } from './commands/secrets.js';
import { type Io, processIo } from './io.js';
import { type CliState, examples, reportError } from './program.js';

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const state: CliState = { io, exitCode: ExitCode.ok };
  if (argv.includes('--no-color')) io.color = false;
  const program = new Command('tradesec')
    .description('Harden and audit the deployment of a FastAPI trading service behind nginx.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--no-color', 'plain output without colours (also: NO_COLOR=1)')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(s.replace(/^error: /, 'tradesec: ')),
    })
    .addHelpText(
      'after',
      examples([
        ['tradesec audit', 'audit the current directory'],
        ['tradesec audit examples/insecure-service', 'audit the bundled example'],
        ['tradesec audit --format sarif > tradesec.sarif', 'SARIF for code scanning'],
        ['tradesec checks list', 'the twelve-point checklist'],
      ]) +
        '\nExit codes: 0 ok, 1 findings, 2 usage or configuration error, 3 internal error, 130 cancelled.\n',
    );

  registerAudit(program, state);
  registerSecrets(program, state);
  registerRotateKeys(program, state);
  registerChecks(program, state);
  for (const cmd of program.commands) {
    cmd.exitOverride();
    cmd.configureOutput(program.configureOutput());
    cmd.showSuggestionAfterError();
    for (const sub of cmd.commands) {
      sub.exitOverride();
      sub.configureOutput(program.configureOutput());
    }
  }

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
      if (err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync')
        return ExitCode.ok;
      return ExitCode.usage;
    }
    return reportError(io, err);
  }
  return state.exitCode;
}
