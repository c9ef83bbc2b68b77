// The nginx configuration parser: nginx's own tokenizer rules (ngx_conf_read_token) and a tree with lines.
import { DATA_BLOCKS, directiveShape, RAW_BLOCK_DIRECTIVE } from './directives.js';

/** One argument of a directive, as nginx sees it after unescaping. */
export interface NginxArg {
  /** The value with quotes removed and `\"`, `\'`, `\\`, `\t`, `\r`, `\n` unescaped. */
  value: string;
  /** The exact source text of the token, quotes included. */
  raw: string;
  /** True when the token was single- or double-quoted. */
  quoted: boolean;
  /** 1-based line where the token starts. */
  line: number;
}

/** A directive: `name args;` or `name args { ... }`. */
export interface NginxDirective {
  name: string;
  args: NginxArg[];
  /** Posix path of the file (relative to the audited root when it is inside it). */
  file: string;
  /** 1-based line of the directive's name. */
  line: number;
  /** The directives of its block, or undefined for a simple directive. */
  block?: NginxDirective[];
  /** For a raw block (`*_by_lua_block`), its text, not parsed as nginx syntax. */
  rawBlock?: string;
  /** For `include`: the files it pulled in, in the order nginx reads them (filled in by the loader). */
  included?: NginxIncluded[];
}

/** A file pulled in by an `include`, with its parsed directives. */
export interface NginxIncluded {
  file: string;
  directives: NginxDirective[];
}

/** Why a file is not valid nginx syntax, with the line nginx would name. */
export class NginxSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'NginxSyntaxError';
  }
}

/** The result of parsing one file. */
export type NginxParseResult =
  | { ok: true; directives: NginxDirective[] }
  | { ok: false; error: NginxSyntaxError; directives: NginxDirective[] };

type Token =
  | { kind: 'word'; arg: NginxArg }
  | { kind: 'semicolon'; line: number }
  | { kind: 'open'; line: number }
  | { kind: 'close'; line: number }
  | { kind: 'eof'; line: number };

const isSpace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';

/** Unescapes a token's body the way nginx copies words out of its buffer. */
function unescapeWord(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '\\' && i + 1 < body.length) {
      const next = body[i + 1];
      if (next === '"' || next === "'" || next === '\\') {
        out += next;
        i++;
        continue;
      }
      if (next === 't' || next === 'r' || next === 'n') {
        out += next === 't' ? '\t' : next === 'r' ? '\r' : '\n';
        i++;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

/** A tokenizer that follows ngx_conf_read_token: quoting, escapes, `${var}`, `#` comments at word starts. */
class Lexer {
  private pos = 0;
  private line = 1;

  constructor(private readonly text: string) {}

  private advance(): string {
    const ch = this.text[this.pos++] ?? '';
    if (ch === '\n') this.line++;
    return ch;
  }

  get currentLine(): number {
    return this.line;
  }

  /** The next token, or a syntax error. */
  next(): Token {
    const text = this.text;
    // Skip whitespace and comments.
    for (;;) {
      if (this.pos >= text.length) return { kind: 'eof', line: this.line };
      const ch = text[this.pos];
      if (ch !== undefined && isSpace(ch)) {
        this.advance();
        continue;
      }
      if (ch === '#') {
        while (this.pos < text.length && text[this.pos] !== '\n') this.pos++;
        continue;
      }
      break;
    }
    const line = this.line;
    const start = this.pos;
    const ch = this.advance();
    if (ch === ';') return { kind: 'semicolon', line };
    if (ch === '{') return { kind: 'open', line };
    if (ch === '}') return { kind: 'close', line };
    if (ch === '"' || ch === "'") {
      const quote = ch;
      let escaped = false;
      for (;;) {
        if (this.pos >= text.length) {
          throw new NginxSyntaxError('unexpected end of file, expecting ";" or "}"', this.line);
        }
        const c = this.advance();
        if (escaped) {
          escaped = false;
          continue;
        }
        if (c === '\\') {
          escaped = true;
          continue;
        }
        if (c === quote) break;
      }
      const raw = text.slice(start, this.pos);
      // nginx needs a space, ";", "{" or ")" right after a closing quote (`if ($a = "b")`).
      const after = text[this.pos];
      if (after !== undefined && !isSpace(after) && after !== ';' && after !== '{' && after !== ')') {
        throw new NginxSyntaxError(`unexpected "${after}"`, this.line);
      }
      return { kind: 'word', arg: { value: unescapeWord(raw.slice(1, -1)), raw, quoted: true, line } };
    }
    // An unquoted word runs to whitespace, ";" or "{" (except "{" right after "$": `${var}`).
    let escaped = ch === '\\';
    let variable = ch === '$';
    while (this.pos < text.length) {
      const c = text[this.pos] as string;
      if (escaped) {
        escaped = false;
        this.advance();
        continue;
      }
      if (c === '{' && variable) {
        variable = false;
        this.advance();
        continue;
      }
      variable = false;
      if (c === '\\') {
        escaped = true;
        this.advance();
        continue;
      }
      if (c === '$') {
        variable = true;
        this.advance();
        continue;
      }
      if (isSpace(c) || c === ';' || c === '{') break;
      this.advance();
    }
    if (escaped && this.pos >= text.length) {
      throw new NginxSyntaxError('unexpected end of file, expecting ";" or "}"', this.line);
    }
    const raw = text.slice(start, this.pos);
    return { kind: 'word', arg: { value: unescapeWord(raw), raw, quoted: false, line } };
  }

  /** Reads a raw block body after its "{", up to the matching "}", honouring quotes and comments. */
  rawBlock(): string {
    const text = this.text;
    const start = this.pos;
    let depth = 1;
    while (this.pos < text.length) {
      const c = this.advance();
      if (c === '"' || c === "'") {
        while (this.pos < text.length) {
          const d = this.advance();
          if (d === '\\') this.advance();
          else if (d === c) break;
        }
      } else if (c === '-' && text[this.pos] === '-') {
        while (this.pos < text.length && text[this.pos] !== '\n') this.pos++;
      } else if (c === '#') {
        while (this.pos < text.length && text[this.pos] !== '\n') this.pos++;
      } else if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) return text.slice(start, this.pos - 1);
      }
    }
    throw new NginxSyntaxError('unexpected end of file, expecting "}"', this.line);
  }
}

/**
 * nginx's errors for a block directive ended by ";" and a simple one given a block (also what a missing ";"
 * before a block looks like). The entries of data blocks (map, types...) are not directives.
 */
function checkShape(name: string, parent: string | undefined, end: Token): void {
  if (parent !== undefined && DATA_BLOCKS.has(parent)) return;
  const shape = directiveShape(name, parent);
  if (shape === 'block' && end.kind === 'semicolon') {
    throw new NginxSyntaxError(`directive "${name}" has no opening "{"`, end.line);
  }
  if (shape === 'simple' && end.kind === 'open') {
    throw new NginxSyntaxError(`directive "${name}" is not terminated by ";"`, end.line);
  }
}

/**
 * Parses one nginx configuration file into directives (includes are not followed here).
 * A syntax error is returned with the line nginx reports, never thrown.
 */
export function parseNginx(text: string, file: string): NginxParseResult {
  const lexer = new Lexer(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const top: NginxDirective[] = [];
  const stack: NginxDirective[][] = [top];
  /** The directive whose block each stack level is (undefined at the top of the file). */
  const parents: Array<string | undefined> = [undefined];
  let args: NginxArg[] = [];
  try {
    for (;;) {
      const token = lexer.next();
      const current = stack[stack.length - 1] as NginxDirective[];
      if (token.kind === 'word') {
        args.push(token.arg);
        continue;
      }
      if (token.kind === 'eof') {
        if (args.length > 0)
          throw new NginxSyntaxError('unexpected end of file, expecting ";" or "}"', token.line);
        if (stack.length > 1) throw new NginxSyntaxError('unexpected end of file, expecting "}"', token.line);
        return { ok: true, directives: top };
      }
      if (token.kind === 'close') {
        if (args.length > 0) throw new NginxSyntaxError('unexpected "}"', token.line);
        if (stack.length === 1) throw new NginxSyntaxError('unexpected "}"', token.line);
        stack.pop();
        parents.pop();
        continue;
      }
      const [name, ...rest] = args;
      if (!name) throw new NginxSyntaxError(`unexpected "${token.kind === 'open' ? '{' : ';'}"`, token.line);
      const directive: NginxDirective = { name: name.value, args: rest, file, line: name.line };
      current.push(directive);
      args = [];
      checkShape(directive.name, parents[parents.length - 1], token);
      if (token.kind === 'open') {
        if (RAW_BLOCK_DIRECTIVE.test(directive.name)) {
          directive.rawBlock = lexer.rawBlock();
        } else {
          directive.block = [];
          stack.push(directive.block);
          parents.push(directive.name);
        }
      }
    }
  } catch (err) {
    if (err instanceof NginxSyntaxError) return { ok: false, error: err, directives: top };
    throw err;
  }
}

/** Every directive in a tree, depth first, with includes expanded in place (what nginx -T would show). */
export function* walkNginx(
  directives: readonly NginxDirective[],
  including: ReadonlySet<string> = new Set(),
): Generator<NginxDirective> {
  for (const d of directives) {
    yield d;
    if (d.block) yield* walkNginx(d.block, including);
    for (const inc of d.included ?? []) {
      if (including.has(inc.file)) continue;
      yield* walkNginx(inc.directives, new Set([...including, inc.file]));
    }
  }
}

/**
 * The directives of one context as nginx sees them: `include`s replaced by the directives they pull in.
 * The `include` directive itself is kept out.
 */
export function effectiveChildren(directives: readonly NginxDirective[]): NginxDirective[] {
  const out: NginxDirective[] = [];
  for (const d of directives) {
    if (d.name === 'include' && d.included) {
      for (const inc of d.included) out.push(...effectiveChildren(inc.directives));
    } else {
      out.push(d);
    }
  }
  return out;
}
