// Reading RUN commands: the simple commands of a shell line, and which of them need root (package managers).

/** One simple command of a shell line: its words after quote removal, assignments and wrappers dropped. */
export interface SimpleCommand {
  words: string[];
  /** True when it ran under `sudo`. */
  sudo: boolean;
}

const WRAPPERS = new Set(['exec', 'nohup', 'time', 'command', 'env', 'nice', 'xargs']);

/** Splits shell text into words and operators (quotes respected, comments dropped). */
function tokenize(text: string): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  const flush = (): void => {
    if (inWord) out.push(word);
    word = '';
    inWord = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      const stop = end === -1 ? text.length : end;
      word += text.slice(i + 1, stop);
      inWord = true;
      i = stop;
      continue;
    }
    if (ch === '\\' && i + 1 < text.length) {
      word += text[i + 1];
      inWord = true;
      i++;
      continue;
    }
    if (ch === '#' && !inWord) {
      while (i < text.length && text[i] !== '\n') i++;
      flush();
      out.push(';');
      continue;
    }
    if (/\s/.test(ch)) {
      flush();
      if (ch === '\n') out.push(';');
      continue;
    }
    if (';&|(){}'.includes(ch)) {
      flush();
      out.push(ch);
      continue;
    }
    word += ch;
    inWord = true;
  }
  flush();
  return out;
}

/** The simple commands of a shell line (`a && b; c | d` gives four). */
export function simpleCommands(text: string): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let current: string[] = [];
  const end = (): void => {
    let words = current;
    current = [];
    let sudo = false;
    for (;;) {
      while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0] as string)) words = words.slice(1);
      const first = words[0];
      if (first === 'sudo') {
        sudo = true;
        words = words.slice(1);
        while (words[0]?.startsWith('-')) words = words.slice(1);
        continue;
      }
      if (first && WRAPPERS.has(first)) {
        words = words.slice(1);
        while (words[0]?.startsWith('-')) words = words.slice(1);
        continue;
      }
      break;
    }
    if (words.length > 0 || sudo) out.push({ words, sudo });
  };
  for (const token of tokenize(text)) {
    if (token.length === 1 && ';&|(){}'.includes(token)) end();
    else current.push(token);
  }
  end();
  return out;
}

/** A package-manager call that needs root, named for messages. */
export interface PackageManagerCall {
  tool: string;
  command: string;
  /** pip to the system site-packages fails as a user but may be intended in a venv: less severe. */
  pip: boolean;
}

const SYSTEM_MANAGERS = new Set([
  'apt-get',
  'apt',
  'aptitude',
  'apk',
  'yum',
  'dnf',
  'microdnf',
  'zypper',
  'dpkg',
  'rpm',
]);
const READ_ONLY = /^(--version|-v|--help|-h|list|search|show|info|policy|-q|-l|--query)$/;

const basename = (word: string): string => word.slice(word.lastIndexOf('/') + 1);

/** Whether a simple command runs a package manager that writes system locations. */
export function packageManagerCall(cmd: SimpleCommand, venvActive: boolean): PackageManagerCall | undefined {
  const [first, ...rest] = cmd.words;
  if (!first) return undefined;
  const tool = basename(first);
  const command = cmd.words.slice(0, 3).join(' ');
  if (SYSTEM_MANAGERS.has(tool)) {
    const sub = rest.find((w) => !w.startsWith('-')) ?? rest[0] ?? '';
    if (READ_ONLY.test(sub) || (tool === 'rpm' && rest.some((w) => w === '-q'))) return undefined;
    return { tool, command, pip: false };
  }
  let pipArgs: string[] | undefined;
  if (/^pip[23]?(\.\d+)?$/.test(tool)) pipArgs = rest;
  else if (/^python[23]?(\.\d+)?$/.test(tool) && rest[0] === '-m' && /^pip[23]?$/.test(rest[1] ?? '')) {
    pipArgs = rest.slice(2);
  }
  if (!pipArgs) return undefined;
  const sub = pipArgs.find((w) => !w.startsWith('-'));
  if (sub !== 'install' && sub !== 'uninstall') return undefined;
  const userScoped = pipArgs.some((w) => /^(--user|--target|-t|--prefix|--root)(=|$)/.test(w));
  const inVenv = venvActive || /venv|virtualenv|\.local/.test(first);
  if (userScoped || inVenv) return undefined;
  return { tool: 'pip', command: cmd.words.slice(0, 3).join(' '), pip: true };
}
