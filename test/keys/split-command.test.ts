// The --restart splitter: shell-like quoting, no shell semantics.
import { describe, expect, it } from 'vitest';
import { splitCommand } from '../../src/keys/split-command.js';

describe('splitCommand', () => {
  it('splits on whitespace', () => {
    expect(splitCommand('  systemctl   restart\ttrading ')).toEqual(['systemctl', 'restart', 'trading']);
  });

  it('honours single and double quotes and backslashes', () => {
    expect(splitCommand(`docker compose -f 'my file.yml' restart "app svc"`)).toEqual([
      'docker',
      'compose',
      '-f',
      'my file.yml',
      'restart',
      'app svc',
    ]);
    expect(splitCommand(`echo "a \\"quoted\\" \\\\ word" 'it''s' a\\ b ""`)).toEqual([
      'echo',
      'a "quoted" \\ word',
      'its',
      'a b',
      '',
    ]);
    expect(splitCommand(`echo "keep \\n as is"`)).toEqual(['echo', 'keep \\n as is']);
  });

  it('passes shell operators through as plain words', () => {
    expect(splitCommand('echo hi; rm -rf / && $(reboot) | cat > x')).toEqual([
      'echo',
      'hi;',
      'rm',
      '-rf',
      '/',
      '&&',
      '$(reboot)',
      '|',
      'cat',
      '>',
      'x',
    ]);
  });

  it('refuses unterminated quotes, a trailing backslash and an empty command', () => {
    expect(() => splitCommand(`echo "open`)).toThrow(
      'the --restart command has an unterminated double quote',
    );
    expect(() => splitCommand(`echo 'open`)).toThrow(
      'the --restart command has an unterminated single quote',
    );
    expect(() => splitCommand('echo \\')).toThrow(/lone backslash/);
    expect(() => splitCommand('   ')).toThrow('the --restart command is empty');
  });
});
