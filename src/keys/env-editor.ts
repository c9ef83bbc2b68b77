// A line-preserving env file editor: rewrites only the lines of the keys it rotates, byte for byte elsewhere.
import { parse as dotenvParse } from 'dotenv';
import { formatRotationRecord, isRotationRecordLine } from './rotation-record.js';

/** One physical line and the line ending that followed it ('' for the last line without one). */
export interface EnvLine {
  text: string;
  eol: string;
}

/** One `KEY=value` assignment as dotenv reads it; offsets are into its span text (lines joined by '\n'). */
export interface EnvAssignment {
  key: string;
  /** 0-based index of the assignment's first line (where `export` or the key is). */
  first: number;
  /** 0-based index of its last line (a quoted value may run over several lines). */
  last: number;
  keyStart: number;
  keyEnd: number;
  /** Where the value's text starts and ends, without surrounding whitespace (quotes included). */
  valueStart: number;
  valueEnd: number;
  /** The quote dotenv strips from the value: none, single, double or backtick. */
  quote: '' | "'" | '"' | '`';
  /** Whether the assignment has an `export ` prefix. */
  exported: boolean;
}

/** An env file split into lines, with every assignment located. */
export interface EnvDocument {
  /** Whether the file starts with a UTF-8 byte order mark (kept on output). */
  bom: boolean;
  lines: EnvLine[];
  assignments: EnvAssignment[];
  /** 1-based lines that are neither blank, comments, nor part of an assignment: dotenv skips them. */
  invalidLines: number[];
}

/** A problem with the file's content, with the 1-based line at fault when there is one. */
export class EnvProblem extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

/** The suffix of the key that keeps the old value during the grace period. */
export const PREVIOUS_SUFFIX = '_PREVIOUS';

// dotenv 18's line grammar (its default parser). The groups are contiguous from the start of the match, so
// their offsets follow from their lengths (the `d` flag would give them too, at several times the cost).
// dotenv first turns every \r\n and lone \r into \n; parseEnvDocument matches against text normalised the same way.
const BT = '`';
const ASSIGNMENT = new RegExp(
  [
    String.raw`^(\s*)(export\s+)?`,
    String.raw`([\w.-]+)`,
    String.raw`(\s*=\s*?|:\s+?)`,
    String.raw`(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*${BT}(?:\\${BT}|[^${BT}])*${BT}|[^#\r\n]+)?`,
    String.raw`\s*(?:#.*)?$`,
  ].join(''),
  'gm',
);

const QUOTES = new Set(["'", '"', '`']);

/** Splits text into lines, each with its own ending: \r\n, \n, or a lone \r (as dotenv reads them). */
export function splitEnvLines(body: string): EnvLine[] {
  const lines: EnvLine[] = [];
  const re = /\r\n|\r|\n/g;
  let start = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    lines.push({ text: body.slice(start, m.index), eol: m[0] });
    start = m.index + m[0].length;
  }
  if (start < body.length) lines.push({ text: body.slice(start), eol: '' });
  return lines;
}

/** Parses env text into lines and assignments, locating each assignment the way dotenv reads it. */
export function parseEnvDocument(text: string): EnvDocument {
  const bom = text.startsWith('\uFEFF');
  const lines = splitEnvLines(bom ? text.slice(1) : text);
  const flat = lines.map((l) => l.text).join('\n');
  const starts: number[] = [];
  let offset = 0;
  for (const l of lines) {
    starts.push(offset);
    offset += l.text.length + 1;
  }
  const lineOf = (pos: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };

  const assignments: EnvAssignment[] = [];
  const covered = new Uint8Array(lines.length);
  ASSIGNMENT.lastIndex = 0;
  for (let m = ASSIGNMENT.exec(flat); m; m = ASSIGNMENT.exec(flat)) {
    const lead = m[1] ?? '';
    const exportText = m[2];
    const key = m[3] ?? '';
    const sep = m[4] ?? '';
    const value = m[5];
    const exportStart = m.index + lead.length;
    const keyStart = exportStart + (exportText?.length ?? 0);
    const keyEnd = keyStart + key.length;
    const sepEnd = keyEnd + sep.length;
    const firstPos = exportText ? exportStart : keyStart;
    const first = lineOf(firstPos);
    const base = starts[first] ?? 0;
    let valueStart = sepEnd;
    let valueEnd = sepEnd;
    let lastPos = sepEnd - 1;
    if (value) {
      const inner = value.trimStart();
      valueStart = sepEnd + (value.length - inner.length);
      valueEnd = valueStart + inner.trimEnd().length;
      lastPos = Math.max(lastPos, valueEnd - 1);
    }
    const last = Math.max(first, lineOf(Math.max(lastPos, firstPos)));
    const core = flat.slice(valueStart, valueEnd);
    const q = core[0] ?? '';
    const quote = core.length >= 2 && QUOTES.has(q) && core.endsWith(q) ? (q as EnvAssignment['quote']) : '';
    assignments.push({
      key,
      first,
      last,
      keyStart: keyStart - base,
      keyEnd: keyEnd - base,
      valueStart: valueStart - base,
      valueEnd: valueEnd - base,
      quote,
      exported: Boolean(exportText),
    });
    for (let i = first; i <= last; i++) covered[i] = 1;
  }

  const invalidLines: number[] = [];
  lines.forEach((l, i) => {
    if (covered[i] || /^\s*(?:#.*)?$/.test(l.text)) return;
    invalidLines.push(i + 1);
  });
  return { bom, lines, assignments, invalidLines };
}

/** The document back as text: identical to the input when nothing was edited. */
export function renderEnvDocument(doc: Pick<EnvDocument, 'bom' | 'lines'>): string {
  return (doc.bom ? '\uFEFF' : '') + doc.lines.map((l) => l.text + l.eol).join('');
}

/** The text of an assignment's lines joined by '\n' (the frame its offsets refer to). */
export function spanText(doc: EnvDocument, a: EnvAssignment): string {
  return doc.lines
    .slice(a.first, a.last + 1)
    .map((l) => l.text)
    .join('\n');
}

/** The current state of a key that is about to be rotated. */
export interface KeyState {
  key: string;
  /** The assignment, or undefined when the key is absent (allowed with `add`). */
  assignment?: EnvAssignment;
  /** The value dotenv reads for it ('' when absent). */
  value: string;
  /** Assignments of `<KEY>_PREVIOUS`. */
  previous: EnvAssignment[];
}

/** Checks that the file can be edited safely for `keys`, and returns each key's state; throws EnvProblem. */
export function inspectKeys(
  doc: EnvDocument,
  keys: readonly string[],
  options: { add?: boolean } = {},
): KeyState[] {
  const first = doc.invalidLines[0];
  if (first !== undefined) {
    const more = doc.invalidLines.length > 1 ? ` (and ${doc.invalidLines.length - 1} more lines)` : '';
    // The caller prefixes the line (`file:3: ...`), so the message does not repeat it.
    throw new EnvProblem(`not a KEY=value assignment dotenv can read${more}; fix it first`, first);
  }
  return keys.map((key) => {
    const found = doc.assignments.filter((a) => a.key === key);
    const second = found[1];
    if (second) {
      throw new EnvProblem(
        `${key} is assigned ${found.length} times (lines ${found.map((a) => a.first + 1).join(', ')}); keep one`,
        second.first + 1,
      );
    }
    const assignment = found[0];
    if (!assignment && !options.add)
      throw new EnvProblem(`${key} is not in the file (pass --add to create it)`);
    const previous = doc.assignments.filter((a) => a.key === `${key}${PREVIOUS_SUFFIX}`);
    // The key is assigned once, so its span alone holds what dotenv reads for it (a differential test checks this).
    const value = assignment ? (dotenvParse(spanText(doc, assignment))[key] ?? '') : '';
    return { key, ...(assignment ? { assignment } : {}), value, previous };
  });
}

/** A key's new value. */
export interface Rotation {
  key: string;
  newValue: string;
}

/** What an edit did to one key. */
export interface KeyEdit {
  key: string;
  action: 'rotated' | 'added' | 'dropped';
  /** Whether `<KEY>_PREVIOUS` now holds the old value (an empty old value is not kept). */
  previousKept: boolean;
  /** How many `<KEY>_PREVIOUS` assignments were replaced or removed. */
  previousRemoved: number;
  /** 1-based line of the key in the new text. */
  line: number;
  /** 1-based line of the key in the text before the edit (absent for an added key). */
  lineBefore?: number;
}

/** The edited text and what changed. */
export interface EditResult {
  text: string;
  edits: KeyEdit[];
}

interface Splice {
  /** 0-based range of original lines replaced, inclusive. */
  from: number;
  to: number;
  lines: EnvLine[];
  key?: string;
  /** Index of the key's line within `lines`. */
  keyIndex?: number;
}

const newlines = (s: string): number => s.split('\n').length - 1;

/**
 * Rotates keys: new value in place (same quoting, prefix and trailing comment), the old value as
 * `<KEY>_PREVIOUS` right below it (replacing any earlier one), and a rotation record right above it.
 * Absent keys (allowed by inspectKeys with `add`) are appended at the end.
 */
export function rotateInDocument(doc: EnvDocument, rotations: readonly Rotation[], now: Date): EditResult {
  const states = inspectKeys(
    doc,
    rotations.map((r) => r.key),
    { add: true },
  );
  const record = formatRotationRecord(now);
  const splices: Splice[] = [];
  const appended: string[] = [];
  const edits: KeyEdit[] = [];
  const exported = doc.assignments.filter((a) => a.exported).length;
  const useExport = exported * 2 > doc.assignments.length;
  const defaultEol = dominantEol(doc);
  rotations.forEach((rotation, i) => {
    const state = states[i];
    if (!state) return;
    for (const p of state.previous) splices.push({ from: p.first, to: p.last, lines: [] });
    const a = state.assignment;
    if (!a) {
      appended.push(record, `${useExport ? 'export ' : ''}${rotation.key}=${rotation.newValue}`);
      edits.push({
        key: rotation.key,
        action: 'added',
        previousKept: false,
        previousRemoved: state.previous.length,
        line: 0,
      });
      return;
    }
    const span = spanText(doc, a);
    // Line endings of the span's own lines are reused, so a CRLF file stays CRLF inside the copy too.
    const eols = doc.lines.slice(a.first, a.last + 1).map((l) => l.eol);
    const lastEol = eols[eols.length - 1] ?? '';
    const fill = lastEol || defaultEol;
    const spacer = span[a.valueEnd] === '#' ? ' ' : '';
    const newSpan =
      span.slice(0, a.valueStart) + a.quote + rotation.newValue + a.quote + spacer + span.slice(a.valueEnd);
    const shift = newlines(span.slice(0, a.valueEnd)) - newlines(span.slice(0, a.valueStart));
    const startLine = newlines(span.slice(0, a.valueStart));
    const keyLines = newSpan
      .split('\n')
      .map((text, j) => ({ text, eol: (j < startLine ? eols[j] : eols[j + shift]) || fill }));
    const replacement: EnvLine[] = [{ text: record, eol: fill }, ...keyLines];
    const previousKept = state.value !== '';
    if (previousKept) {
      const copy = span.slice(0, a.keyStart) + rotation.key + PREVIOUS_SUFFIX + span.slice(a.keyEnd);
      replacement.push(...copy.split('\n').map((text, j) => ({ text, eol: eols[j] || fill })));
    }
    const final = replacement[replacement.length - 1];
    if (final) final.eol = lastEol;
    const above = doc.lines[a.first - 1];
    const from = above && isRotationRecordLine(above.text) ? a.first - 1 : a.first;
    splices.push({
      from,
      to: a.last,
      lines: replacement,
      key: rotation.key,
      keyIndex: 1 + newlines(span.slice(0, a.keyStart)),
    });
    edits.push({
      key: rotation.key,
      action: 'rotated',
      previousKept,
      previousRemoved: state.previous.length,
      line: 0,
      lineBefore: a.first + 1 + newlines(span.slice(0, a.keyStart)),
    });
  });
  const lines = applySplices(doc, splices, edits);
  if (appended.length > 0) {
    const last = lines[lines.length - 1];
    if (last && last.eol === '') last.eol = defaultEol;
    // Each added key is two lines: its rotation record, then the assignment.
    let count = lines.length;
    for (const e of edits) {
      if (e.action !== 'added') continue;
      e.line = count + 2;
      count += 2;
    }
    for (const text of appended) lines.push({ text, eol: defaultEol });
  }
  return { text: renderEnvDocument({ bom: doc.bom, lines }), edits };
}

/** Removes `<KEY>_PREVIOUS` for each key (after the grace period); keys without one are left out of the edits. */
export function dropPreviousInDocument(doc: EnvDocument, keys: readonly string[]): EditResult {
  const first = doc.invalidLines[0];
  if (first !== undefined) {
    throw new EnvProblem('not a KEY=value assignment dotenv can read; fix it first', first);
  }
  const splices: Splice[] = [];
  const edits: KeyEdit[] = [];
  for (const key of keys) {
    const previous = doc.assignments.filter((a) => a.key === `${key}${PREVIOUS_SUFFIX}`);
    if (previous.length === 0) continue;
    for (const p of previous) splices.push({ from: p.first, to: p.last, lines: [] });
    edits.push({
      key,
      action: 'dropped',
      previousKept: false,
      previousRemoved: previous.length,
      line: (previous[0]?.first ?? 0) + 1,
    });
  }
  const lines = applySplices(doc, splices, []);
  return { text: renderEnvDocument({ bom: doc.bom, lines }), edits };
}

function applySplices(doc: EnvDocument, splices: Splice[], edits: KeyEdit[]): EnvLine[] {
  const sorted = [...splices].sort((x, y) => x.from - y.from);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (prev && cur && cur.from <= prev.to) throw new Error('overlapping edits in the env file');
  }
  const out: EnvLine[] = [];
  let next = 0;
  for (const s of sorted) {
    for (; next < s.from; next++) {
      const l = doc.lines[next];
      if (l) out.push({ ...l });
    }
    if (s.key !== undefined) {
      const edit = edits.find((e) => e.key === s.key);
      if (edit) edit.line = out.length + (s.keyIndex ?? 0) + 1;
    }
    out.push(...s.lines);
    next = s.to + 1;
  }
  for (; next < doc.lines.length; next++) {
    const l = doc.lines[next];
    if (l) out.push({ ...l });
  }
  return out;
}

function dominantEol(doc: EnvDocument): string {
  let crlf = 0;
  let lf = 0;
  let cr = 0;
  for (const l of doc.lines) {
    if (l.eol === '\r\n') crlf++;
    else if (l.eol === '\n') lf++;
    else if (l.eol === '\r') cr++;
  }
  if (crlf > lf && crlf >= cr) return '\r\n';
  if (cr > lf && cr > crlf) return '\r';
  return '\n';
}

/**
 * Checks an edit against dotenv itself: the new text must parse to the old values with exactly the
 * expected keys changed, added or removed, and have no line dotenv skips. Throws when it does not.
 */
export function verifyEdit(
  before: string,
  after: string,
  expected: { set: Record<string, string>; removed: readonly string[] },
): void {
  const old = dotenvParse(before);
  const got = dotenvParse(after);
  const fail = (key: string): never => {
    throw new Error(`the edited file would not read back as intended (key ${key}); nothing was changed`);
  };
  const removed = new Set(expected.removed);
  let count = 0;
  for (const [key, value] of Object.entries(expected.set)) {
    if (got[key] !== value) fail(key);
    count++;
  }
  for (const key of Object.keys(old)) {
    if (Object.hasOwn(expected.set, key)) continue;
    if (removed.has(key)) {
      if (Object.hasOwn(got, key)) fail(key);
      continue;
    }
    if (got[key] !== old[key]) fail(key);
    count++;
  }
  // Every key read back is accounted for: nothing appeared that was not asked for.
  if (Object.keys(got).length !== count)
    fail(Object.keys(got).find((k) => !Object.hasOwn(old, k) && !Object.hasOwn(expected.set, k)) ?? '?');
  const doc = parseEnvDocument(after);
  if (doc.invalidLines.length > 0) {
    throw new Error(
      `the edited file would have an unreadable line ${doc.invalidLines[0]}; nothing was changed`,
    );
  }
}
