// Compose variable interpolation: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR:+alt}, $$.

/** The result of interpolating one string. */
export interface ComposeInterpolated {
  value: string;
  /** Variables referenced without a value or default (Compose substitutes an empty string and warns). */
  unset: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Substitutes variables from `env` the way Compose does; nested defaults (`${A:-${B}}`) are supported. */
export function interpolateCompose(text: string, env: ReadonlyMap<string, string>): ComposeInterpolated {
  const unset: string[] = [];
  const value = substitute(text, env, unset, 0);
  return { value, unset };
}

function substitute(text: string, env: ReadonlyMap<string, string>, unset: string[], depth: number): string {
  if (depth > 10 || !text.includes('$')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = matchingBrace(text, i + 1);
      if (end === -1) {
        out += text.slice(i);
        break;
      }
      out += expandBraced(text.slice(i + 2, end), env, unset, depth);
      i = end + 1;
      continue;
    }
    const m = NAME.exec(text.slice(i + 1));
    if (!m) {
      out += '$';
      i++;
      continue;
    }
    const name = m[0];
    const v = env.get(name);
    if (v === undefined) unset.push(name);
    out += v ?? '';
    i += 1 + name.length;
  }
  return out;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function expandBraced(
  body: string,
  env: ReadonlyMap<string, string>,
  unset: string[],
  depth: number,
): string {
  const m = NAME.exec(body);
  if (!m) return '';
  const name = m[0];
  const rest = body.slice(name.length);
  const v = env.get(name);
  const op = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0];
  const arg = op ? rest.slice(op.length) : '';
  switch (op) {
    case ':-':
      return v !== undefined && v !== '' ? v : substitute(arg, env, unset, depth + 1);
    case '-':
      return v !== undefined ? v : substitute(arg, env, unset, depth + 1);
    case ':+':
      return v !== undefined && v !== '' ? substitute(arg, env, unset, depth + 1) : '';
    case '+':
      return v !== undefined ? substitute(arg, env, unset, depth + 1) : '';
    default:
      // `${VAR}`, `${VAR:?err}` and `${VAR?err}`: an unset required variable makes Compose fail; treat it as unset.
      if (v === undefined) unset.push(name);
      return v ?? '';
  }
}
