// `npm run bench`: runs every benchmark module in bench/ and prints one table per module, then the goals.
//
// A benchmark module is bench/<name>.js whose default export (or export `run`) is an async function. It
// returns `{ title, rows: [{ metric, value, goal?, ok? }] }`, or any plain object (printed key by key).
// A module that throws prints its error; the others still run. `npm run bench -- cold-start scale` runs
// only the named modules. Results are also written to bench/out/results.json.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const PROJECT = path.resolve(BENCH, '..');
/** Run first, in this order; any other module follows alphabetically. */
const FIRST = ['cold-start', 'scale'];

/** The benchmark modules present in bench/, in running order. */
export async function benchModules() {
  const names = (await readdir(BENCH))
    .filter((f) => f.endsWith('.js') && f !== 'run.js' && !f.startsWith('_'))
    .map((f) => f.slice(0, -3));
  const rank = (n) => (FIRST.includes(n) ? FIRST.indexOf(n) : FIRST.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Turns whatever a module returned into rows of metric, value, goal and ok. */
export function normalise(name, result) {
  if (result && typeof result === 'object' && Array.isArray(result.rows)) {
    return {
      title: result.title ?? name,
      rows: result.rows.map((row) => ({
        metric: String(row.metric ?? row.name ?? ''),
        value: formatValue(row.value),
        ...(row.goal === undefined ? {} : { goal: String(row.goal) }),
        ...(typeof row.ok === 'boolean' ? { ok: row.ok } : {}),
      })),
    };
  }
  if (result && typeof result === 'object') {
    return {
      title: result.title ?? name,
      rows: Object.entries(result)
        .filter(([key]) => key !== 'title')
        .map(([metric, value]) => ({ metric, value: formatValue(value) })),
    };
  }
  return { title: name, rows: [{ metric: 'result', value: formatValue(result) }] };
}

function formatValue(value) {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (value && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A plain-text table with a header row. */
export function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function shorten(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function verdict(row) {
  if (row.ok === undefined) return '';
  return row.ok ? 'ok' : 'MISSED';
}

async function ensureBuilt() {
  // Benchmarks measure the built CLI: build first so a stale dist/ is not what gets timed.
  const r = spawnSync(
    process.execPath,
    [path.join(PROJECT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
    {
      cwd: PROJECT,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0)
    process.stderr.write(`bench: the build reported errors; timing the existing dist/\n${r.stdout}`);
  if (!existsSync(path.join(PROJECT, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/src/cli/main.js is missing: run npm run build');
  }
}

async function main(argv) {
  const wanted = argv.filter((a) => !a.startsWith('-'));
  const available = await benchModules();
  const unknown = wanted.filter((w) => !available.includes(w));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: no module ${unknown.join(', ')} in bench/ (have: ${available.join(', ')})\n`,
    );
    return 2;
  }
  await ensureBuilt();
  const selected = wanted.length > 0 ? available.filter((n) => wanted.includes(n)) : available;
  process.stdout.write(
    `tradesec benchmarks on Node ${process.version}, ${selected.length} modules: ${selected.join(', ')}\n`,
  );
  const results = [];
  for (const name of selected) {
    const started = Date.now();
    process.stdout.write(`\n## ${name}\n`);
    try {
      const mod = await import(pathToFileURL(path.join(BENCH, `${name}.js`)).href);
      const fn = typeof mod.default === 'function' ? mod.default : mod.run;
      if (typeof fn !== 'function') throw new Error('exports no function (default export or `run`)');
      const out = normalise(name, await fn({ log: (line) => process.stderr.write(`  ${line}\n`) }));
      results.push({ name, ...out, seconds: (Date.now() - started) / 1000 });
      process.stdout.write(`${out.title}\n\n`);
      process.stdout.write(
        `${table(
          ['metric', 'value', 'goal', ''],
          out.rows.map((r) => [r.metric, r.value, r.goal ?? '', verdict(r)]),
        )}\n`,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      results.push({ name, error: message, seconds: (Date.now() - started) / 1000 });
      process.stdout.write(`FAILED: ${message}\n`);
    }
  }

  const goals = results.flatMap((r) =>
    (r.rows ?? []).filter((row) => row.goal !== undefined).map((row) => ({ module: r.name, ...row })),
  );
  process.stdout.write('\n## Summary\n\n');
  const summary = [
    ...goals.map((g) => [g.module, g.metric, g.value, g.goal, verdict(g)]),
    ...results.filter((r) => r.error).map((r) => [r.name, 'error', shorten(r.error, 100), '', 'FAILED']),
  ];
  process.stdout.write(
    `${summary.length ? table(['module', 'metric', 'value', 'goal', ''], summary) : 'no goals reported'}\n`,
  );
  const out = path.join(BENCH, 'out');
  await mkdir(out, { recursive: true });
  await writeFile(
    path.join(out, 'results.json'),
    `${JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2)}\n`,
  );
  return results.some((r) => r.error) ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
