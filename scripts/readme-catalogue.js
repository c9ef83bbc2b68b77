// Generates the check catalogue table of README.md from the registered checks' metadata (`npm run readme`).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Marker lines that enclose the generated catalogue in README.md. */
export const CATALOGUE_START = '<!-- catalogue:start -->';
export const CATALOGUE_END = '<!-- catalogue:end -->';

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Escapes text for a markdown table cell. */
function cell(text) {
  return String(text)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');
}

/** A markdown table padded the way the project's formatter (Biome) pads it, so `npm run lint` keeps it as is. */
function alignedTable(header, rows) {
  const width = (text) => [...text].length;
  const widths = header.map((h, i) => Math.max(3, width(h), ...rows.map((r) => width(r[i]))));
  const line = (cells) => `| ${cells.map((c, i) => c + ' '.repeat(widths[i] - width(c))).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/**
 * The catalogue as markdown: one row per check in point order, its rules with their default severities.
 * @param {ReadonlyArray<{ meta: { id: string, point: number, title: string, targets: string[],
 *   rules: Record<string, { severity: string, title: string }> } }>} checks
 * @returns {string}
 */
export function renderCatalogue(checks) {
  const sorted = [...checks].sort(
    (a, b) => a.meta.point - b.meta.point || a.meta.id.localeCompare(b.meta.id),
  );
  const lines = [
    "<!-- Generated from the checks' metadata by scripts/readme-catalogue.js: run `npm run readme`, do not edit. -->",
    '',
  ];
  if (sorted.length === 0) {
    lines.push('No checks are registered yet.');
    return lines.join('\n');
  }
  const rows = sorted.map(({ meta }) => [
    String(meta.point),
    `[\`${meta.id}\`](checks/${meta.id}/README.md)`,
    cell(meta.title),
    meta.targets.join(', '),
    Object.entries(meta.rules)
      .map(([name, rule]) => `\`${meta.id}/${name}\` ${rule.severity}`)
      .join('<br>'),
  ]);
  lines.push(...alignedTable(['#', 'Check', 'Desired state', 'Targets', 'Rules (default severity)'], rows));
  lines.push(
    '',
    `${sorted.length} checks, ${sorted.reduce((n, c) => n + Object.keys(c.meta.rules).length, 0)} rules. ` +
      'Every check also has `<check>/unreadable-file` (medium) for a file it needed but could not read, or a directory under the root that could not be listed. ' +
      "`tradesec checks explain <id>` prints a check's rationale and fixes.",
  );
  return lines.join('\n');
}

/**
 * Replaces what lies between the catalogue markers of `readme` with `body`.
 * @param {string} readme
 * @param {string} body
 * @returns {string}
 */
export function replaceCatalogue(readme, body) {
  const start = readme.indexOf(CATALOGUE_START);
  const end = readme.indexOf(CATALOGUE_END);
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`README.md must contain ${CATALOGUE_START} followed by ${CATALOGUE_END}`);
  }
  return `${readme.slice(0, start + CATALOGUE_START.length)}\n${body}\n${readme.slice(end)}`;
}

/**
 * The text between the catalogue markers, without the surrounding newlines.
 * @param {string} readme
 * @returns {string | undefined}
 */
export function extractCatalogue(readme) {
  const start = readme.indexOf(CATALOGUE_START);
  const end = readme.indexOf(CATALOGUE_END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return readme
    .slice(start + CATALOGUE_START.length, end)
    .replace(/^\n/, '')
    .replace(/\n$/, '');
}

async function main(argv) {
  const checkOnly = argv.includes('--check');
  const registry = path.join(PROJECT, 'dist', 'checks', 'index.js');
  let builtinChecks;
  try {
    ({ builtinChecks } = await import(pathToFileURL(registry).href));
  } catch (err) {
    process.stderr.write(
      `readme-catalogue: cannot load ${path.relative(PROJECT, registry)} (run npm run build): ${err.message}\n`,
    );
    return 2;
  }
  const file = path.join(PROJECT, 'README.md');
  const readme = await readFile(file, 'utf8');
  const updated = replaceCatalogue(readme, renderCatalogue(builtinChecks));
  if (updated === readme) {
    process.stdout.write(`readme-catalogue: README.md is current (${builtinChecks.length} checks)\n`);
    return 0;
  }
  if (checkOnly) {
    process.stderr.write('readme-catalogue: the catalogue in README.md is stale: run npm run readme\n');
    return 1;
  }
  await writeFile(file, updated);
  process.stdout.write(`readme-catalogue: README.md updated (${builtinChecks.length} checks)\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
