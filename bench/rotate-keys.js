// Benchmark: rotating two keys in a generated 10,000-line env file, against `cp` of the same file plus `sync`
// (one durable copy of the file: a yardstick, not a floor), median of 5 runs each, interleaved in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(PROJECT, 'bin', 'tradesec.js');
const ROTATE = path.join(PROJECT, 'dist', 'src', 'keys', 'rotate.js');
const LINES = 10_000;
const RUNS = 5;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A deterministic env file of `lines` lines: comments, blanks, quoted and plain values, the two keys inside. */
function envText(lines) {
  const out = [];
  for (let i = 0; out.length < lines; i++) {
    if (i === Math.floor(lines / 3)) out.push('SECRET_KEY=bench-old-secret-key-000000000000000000000000');
    else if (i === Math.floor((2 * lines) / 3))
      out.push('export API_SECRET_KEY="bench-old-api-key-1111111111111111111111"');
    else if (i % 10 === 0) out.push(`# section ${i}: settings of service ${i % 97}`);
    else if (i % 10 === 5) out.push('');
    else if (i % 3 === 0)
      out.push(`SERVICE_${i}_URL="https://svc-${i}.internal:8443/api/v1?x=${i}" # upstream`);
    else out.push(`SETTING_${i}=value-${(i * 2654435761) % 1_000_003}`);
  }
  return `${out.slice(0, lines).join('\n')}\n`;
}

function timed(argv, options = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0)
    throw new Error(`${argv.join(' ')} exited ${r.status}: ${String(r.stderr).trim().split('\n')[0]}`);
  return ms;
}

/**
 * Rotation of SECRET_KEY and API_SECRET_KEY in a 10,000-line env file, in process (lock, parse, edit,
 * verify, backup, new file, fsyncs, rename) and through the CLI (`./bin/tradesec.js rotate-keys --yes`,
 * through its shebang: node start-up and module loading included), against a reference: `cp` of the
 * file, then `sync <copy> <dir>`, two spawned processes (their start-up included). The reference is one
 * durable copy of the file with no parsing. A rotation writes and flushes about twice that (the backup
 * and the new file, and their directories), while the reference's two process start-ups, which the
 * in-process rotation does not pay, pull the other way: the ratio is a yardstick, not a bound. Medians of
 * 5 runs each, interleaved.
 * Returns `{ name, ms, cliMs, referenceMs, ratio, cliRatio, lines, bytes }` (ratio = ms / referenceMs).
 */
export async function benchRotateKeys({ runs = RUNS } = {}) {
  if (!existsSync(ROTATE)) throw new Error('dist/src/keys/rotate.js is missing: run npm run build');
  const { rotateKeys } = await import(pathToFileURL(ROTATE).href);
  const dir = await mkdtemp(path.join(tmpdir(), 'tradesec-bench-rotate-'));
  try {
    const file = path.join(dir, '.env.production');
    const copy = path.join(dir, 'copy.env');
    await writeFile(file, envText(LINES), { mode: 0o600 });
    const options = { cwd: dir, files: ['.env.production'], keys: ['SECRET_KEY', 'API_SECRET_KEY'] };
    // Warm-up: module code, JIT, file cache.
    for (let i = 0; i < 3; i++) await rotateKeys(options);
    timed(['cp', file, copy]);
    const ours = [];
    const cli = [];
    const floor = [];
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      await rotateKeys(options);
      ours.push(Number(process.hrtime.bigint() - started) / 1e6);
      cli.push(timed([BIN, 'rotate-keys', '--yes', '--env-file', file], { cwd: dir }));
      await rm(copy, { force: true });
      floor.push(timed(['cp', file, copy]) + timed(['sync', copy, dir]));
    }
    const text = await readFile(file, 'utf8');
    if (!text.includes('SECRET_KEY_PREVIOUS=')) throw new Error('the rotation did not happen');
    const ms = median(ours);
    const referenceMs = median(floor);
    return {
      name: 'rotate-keys',
      ms,
      cliMs: median(cli),
      referenceMs,
      ratio: ms / referenceMs,
      cliRatio: median(cli) / referenceMs,
      lines: LINES,
      bytes: (await stat(file)).size,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The bench/run.js entry point: the numbers above as rows. */
export default async function run() {
  const r = await benchRotateKeys();
  return {
    title: `rotate-keys: two keys in a ${r.lines}-line env file (${(r.bytes / 1024).toFixed(0)} KiB), median of ${RUNS} runs`,
    rows: [
      { metric: 'rotate (in process: backup, new file, fsyncs, rename)', value: `${r.ms.toFixed(1)} ms` },
      { metric: 'rotate through the CLI (node start-up included)', value: `${r.cliMs.toFixed(1)} ms` },
      {
        metric: 'reference: cp + sync of the same file (2 spawned processes, 1 durable copy)',
        value: `${r.referenceMs.toFixed(1)} ms`,
      },
      {
        metric: 'ratio in process / reference (a rotation writes 2 durable files)',
        value: `${r.ratio.toFixed(2)}x`,
      },
      { metric: 'ratio CLI / reference', value: `${r.cliRatio.toFixed(2)}x` },
    ],
  };
}
