// A minimal, strict XML reader for the JUnit tests: elements, attributes, text and entities, no regexes.

/** An element of the parsed document. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isNameChar(ch: string): boolean {
  return (
    (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || '-_.:'.includes(ch)
  );
}

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r';
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    code >= 0x10000
  );
}

/** Parses a document; throws on anything malformed (unbalanced tags, raw `<`/`&`, characters XML forbids). */
export function parseXml(xml: string): XmlElement {
  for (const ch of xml) {
    const code = ch.codePointAt(0) ?? 0;
    if (!isXmlChar(code)) throw new Error(`character U+${code.toString(16)} is not allowed in XML`);
  }
  let i = 0;
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const top = () => stack[stack.length - 1] as XmlElement;

  const decode = (raw: string, attribute: boolean): string => {
    let out = '';
    for (let k = 0; k < raw.length; k++) {
      const ch = raw[k] as string;
      if (ch === '<') throw new Error('raw < in text or attribute');
      if (ch !== '&') {
        // Attribute-value normalisation: literal whitespace becomes a space, as in every real parser.
        out += attribute && isSpace(ch) ? ' ' : ch;
        continue;
      }
      const end = raw.indexOf(';', k);
      if (end === -1) throw new Error('unterminated entity');
      const name = raw.slice(k + 1, end);
      if (name.startsWith('#')) {
        out += String.fromCodePoint(Number.parseInt(name.slice(1), 10));
      } else {
        const value = ENTITIES[name];
        if (value === undefined) throw new Error(`unknown entity &${name};`);
        out += value;
      }
      k = end;
    }
    return out;
  };
  const readName = (): string => {
    const start = i;
    while (i < xml.length && isNameChar(xml[i] as string)) i++;
    if (i === start) throw new Error(`expected a name at ${i}`);
    return xml.slice(start, i);
  };
  const skipSpace = () => {
    while (isSpace(xml[i])) i++;
  };

  while (i < xml.length) {
    if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i);
      if (end === -1) throw new Error('unterminated declaration');
      i = end + 2;
    } else if (xml.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipSpace();
      if (xml[i] !== '>') throw new Error(`expected > after </${name}`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
    } else if (xml[i] === '<') {
      i++;
      const el: XmlElement = { name: readName(), attrs: {}, children: [], text: '' };
      top().children.push(el);
      for (;;) {
        const before = i;
        skipSpace();
        if (xml.startsWith('/>', i)) {
          i += 2;
          break;
        }
        if (xml[i] === '>') {
          i++;
          stack.push(el);
          break;
        }
        if (i === before) throw new Error(`expected whitespace before an attribute of <${el.name}>`);
        const attr = readName();
        if (xml[i] !== '=' || xml[i + 1] !== '"') throw new Error(`expected ="..." after ${attr}`);
        const end = xml.indexOf('"', i + 2);
        if (end === -1) throw new Error('unterminated attribute');
        if (attr in el.attrs) throw new Error(`duplicate attribute ${attr}`);
        el.attrs[attr] = decode(xml.slice(i + 2, end), true);
        i = end + 1;
      }
    } else {
      const end = xml.indexOf('<', i);
      const raw = xml.slice(i, end === -1 ? xml.length : end);
      if (raw.includes('>')) throw new Error('raw > in text');
      top().text += decode(raw, false);
      i = end === -1 ? xml.length : end;
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${top().name}>`);
  const elements = root.children;
  if (elements.length !== 1) throw new Error('a document has exactly one root element');
  return elements[0] as XmlElement;
}

/** Every descendant element named `name`. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  return el.children.flatMap((c) => [...(c.name === name ? [c] : []), ...findAll(c, name)]);
}
