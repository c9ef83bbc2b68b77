// Env files read with dotenv's rules, keeping the line of every key and the rotation record above it.
import { parse as dotenvParse } from 'dotenv';
import { splitEnvLines } from '../keys/env-editor.js';
import { parseRotationRecord } from '../keys/rotation-record.js';

/** One `KEY=value` assignment. */
export interface EnvEntry {
  key: string;
  value: string;
  /** 1-based line where the assignment starts. */
  line: number;
  /** When the comment directly above records a rotation. */
  rotatedAt?: Date;
}

/** A parsed env file. */
export interface EnvFile {
  entries: EnvEntry[];
  /** Lines that are neither blank, comments nor assignments (dotenv ignores them). */
  invalidLines: number[];
}

const ASSIGNMENT = /^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(.*)$/;

/** Parses env text as dotenv does, keeping lines; a key assigned twice appears twice. */
export function parseEnvFile(text: string): EnvFile {
  // The same line breaks as dotenv and rotate-keys: \r\n, \n and a lone \r.
  const lines = splitEnvLines(text).map((l) => l.text);
  const entries: EnvEntry[] = [];
  const invalidLines: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (/^\s*(#.*)?$/.test(raw)) continue;
    const m = ASSIGNMENT.exec(raw);
    if (!m?.[1]) {
      invalidLines.push(i + 1);
      continue;
    }
    const key = m[1];
    const rest = (m[2] ?? '').trimStart();
    let end = i;
    const quote = rest[0];
    if ((quote === '"' || quote === "'" || quote === '`') && !closesOnSameLine(rest, quote)) {
      // A quoted value may run over several lines; dotenv reads up to the closing quote.
      let j = i + 1;
      while (j < lines.length && !(lines[j] ?? '').includes(quote)) j++;
      if (j < lines.length) end = j;
    }
    const chunk = lines.slice(i, end + 1).join('\n');
    const value = dotenvParse(chunk)[key] ?? '';
    const above = i > 0 ? parseRotationRecord(lines[i - 1] ?? '') : undefined;
    entries.push({ key, value, line: i + 1, ...(above ? { rotatedAt: above } : {}) });
    i = end;
  }
  return { entries, invalidLines };
}

function closesOnSameLine(rest: string, quote: string): boolean {
  return rest.indexOf(quote, 1) !== -1;
}

/** The effective value of each key (the last assignment wins, as in dotenv). */
export function envValues(file: EnvFile): Map<string, EnvEntry> {
  const map = new Map<string, EnvEntry>();
  for (const e of file.entries) map.set(e.key, e);
  return map;
}
