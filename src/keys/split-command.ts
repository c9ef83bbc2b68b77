// Splits a `--restart "<command>"` string into argv the way a POSIX shell would quote it, without a shell.
import { UsageError } from '../audit/errors.js';

/**
 * Splits `command` into words: whitespace separates, 'single quotes' are literal, "double quotes"
 * allow \" \\ \$ and \` escapes, a backslash outside quotes escapes the next character. Shell
 * operators (; | & > < $( `) are not interpreted: they reach the program as plain characters.
 */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < command.length; i++) {
    const c = command[i] ?? '';
    if (quote === "'") {
      if (c === "'") quote = '';
      else word += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = '';
      else if (c === '\\' && i + 1 < command.length && '"\\$`\n'.includes(command[i + 1] ?? '')) {
        i++;
        if (command[i] !== '\n') word += command[i];
      } else word += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= command.length) throw new UsageError('the --restart command ends with a lone backslash');
      i++;
      if (command[i] !== '\n') word += command[i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote)
    throw new UsageError(
      `the --restart command has an unterminated ${quote === '"' ? 'double' : 'single'} quote`,
    );
  if (inWord) words.push(word);
  if (words.length === 0) throw new UsageError('the --restart command is empty');
  return words;
}
