// A small line reader for Dockerfile ENV and ARG: continuation lines, comments and quoting handled.

/** One variable set by an ENV or ARG instruction. */
export interface DockerVariable {
  instruction: 'ENV' | 'ARG';
  name: string;
  /** The value after quote removal, or undefined for `ARG NAME` without a default. */
  value?: string;
  /** 1-based line where the name appears. */
  line: number;
}

interface Token {
  text: string;
  offset: number;
}

/** Every variable that ENV and ARG instructions set, with the line of each name. */
export function dockerVariables(text: string): DockerVariable[] {
  const lines = text.split(/\r?\n/);
  const escapeChar = escapeCharacter(lines);
  const out: DockerVariable[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i] ?? '';
    if (/^\s*(#|$)/.test(first)) continue;
    // Join continuation lines, remembering where each joined line starts so names keep their own line.
    let joined = '';
    const starts: Array<{ offset: number; line: number }> = [];
    let j = i;
    for (;;) {
      const raw = lines[j] ?? '';
      starts.push({ offset: joined.length, line: j + 1 });
      const trimmed = raw.replace(/\s+$/, '');
      const continues = trimmed.endsWith(escapeChar) && !trimmed.endsWith(escapeChar + escapeChar);
      joined += continues ? trimmed.slice(0, -1) : raw;
      if (!continues) break;
      j++;
      // Comment and empty lines inside a continued instruction are dropped, as Docker does.
      while (j < lines.length && /^\s*(#.*)?$/.test(lines[j] ?? '')) j++;
      if (j >= lines.length) break;
    }
    const lineAt = (offset: number): number => {
      let line = starts[0]?.line ?? i + 1;
      for (const s of starts) if (s.offset <= offset) line = s.line;
      return line;
    };
    const m = /^\s*(\w+)(\s+|$)/.exec(joined);
    const instruction = m?.[1]?.toUpperCase();
    if (m && (instruction === 'ENV' || instruction === 'ARG')) {
      const tokens = tokenize(joined, m[0].length, escapeChar);
      out.push(...variablesOf(instruction, tokens, joined, lineAt));
    }
    i = j;
  }
  return out;
}

function variablesOf(
  instruction: 'ENV' | 'ARG',
  tokens: Token[],
  joined: string,
  lineAt: (offset: number) => number,
): DockerVariable[] {
  const first = tokens[0];
  if (!first) return [];
  // The legacy form `ENV NAME value with spaces`: everything after the name is the value.
  if (instruction === 'ENV' && !first.text.includes('=')) {
    const rest = joined.slice(first.offset + rawLength(joined, first.offset)).trim();
    return [{ instruction, name: first.text, value: unquote(rest), line: lineAt(first.offset) }];
  }
  const vars: DockerVariable[] = [];
  for (const t of tokens) {
    const eq = t.text.indexOf('=');
    const name = eq === -1 ? t.text : t.text.slice(0, eq);
    if (!/^[A-Za-z_][\w.-]*$/.test(name)) continue;
    vars.push({
      instruction,
      name,
      ...(eq === -1 ? {} : { value: t.text.slice(eq + 1) }),
      line: lineAt(t.offset),
    });
  }
  return vars;
}

// Splits on unquoted whitespace, removing quotes and escapes; `text` is each token's value.
function tokenize(s: string, from: number, escapeChar: string): Token[] {
  const tokens: Token[] = [];
  let i = from;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i] ?? '')) i++;
    if (i >= s.length) break;
    const start = i;
    let text = '';
    let quote: string | undefined;
    while (i < s.length) {
      const ch = s[i] ?? '';
      if (quote) {
        if (ch === quote) quote = undefined;
        else if (ch === escapeChar && quote === '"' && i + 1 < s.length) text += s[++i];
        else text += ch;
      } else if (ch === '"' || ch === "'") {
        quote = ch;
      } else if (/\s/.test(ch)) {
        break;
      } else if (ch === escapeChar && i + 1 < s.length) {
        text += s[++i];
      } else {
        text += ch;
      }
      i++;
    }
    tokens.push({ text, offset: start });
  }
  return tokens;
}

function rawLength(s: string, offset: number): number {
  const m = /^\S+/.exec(s.slice(offset));
  return m ? m[0].length : 0;
}

function unquote(v: string): string {
  const m = /^(["'])([\s\S]*)\1$/.exec(v);
  return m?.[2] ?? v;
}

// The `# escape=` parser directive may only appear before any other line.
function escapeCharacter(lines: readonly string[]): string {
  for (const line of lines) {
    const m = /^\s*#\s*(\w+)\s*=\s*(\S+)\s*$/.exec(line);
    if (!m) break;
    if (m[1]?.toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) return m[2];
  }
  return '\\';
}
