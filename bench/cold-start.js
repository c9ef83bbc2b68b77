// Benchmark: cold start of `tradesec --version` against `node -e 0`, interleaved in the same run.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(PROJECT, 'bin', 'tradesec.js');

/** The median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs argv synchronously and returns its wall time in milliseconds and output; throws on an unexpected exit. */
export function timeSync(argv, { allowedExitCodes = [0], ...options } = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 30,
    ...options,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const allowed = allowedExitCodes;
  if (r.error) throw r.error;
  if (!allowed.includes(r.status)) {
    throw new Error(`${argv.join(' ')} exited ${r.status}: ${String(r.stderr).trim().split('\n')[0] ?? ''}`);
  }
  return { ms, stdout: String(r.stdout), stderr: String(r.stderr), status: r.status };
}

/** Median wall time of `tradesec --version` and of `node -e 0`, and their ratio (goal: at most 1.5x). */
export default async function coldStart({ runs = 15 } = {}) {
  const tradesec = [process.execPath, BIN, '--version'];
  const baseline = [process.execPath, '-e', '0'];
  // Warm the file cache so the first measured run is not an outlier.
  timeSync(tradesec);
  timeSync(baseline);
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(timeSync(tradesec).ms);
    b.push(timeSync(baseline).ms);
  }
  const version = timeSync(tradesec).stdout.trim();
  const tradesecMs = median(a);
  const nodeMs = median(b);
  const ratio = tradesecMs / nodeMs;
  return {
    title: `Cold start (median of ${runs} interleaved runs each)`,
    rows: [
      { metric: `tradesec --version (${version})`, value: `${tradesecMs.toFixed(1)} ms` },
      { metric: 'node -e 0', value: `${nodeMs.toFixed(1)} ms` },
      { metric: 'ratio tradesec / node', value: `${ratio.toFixed(2)}x`, goal: '<= 1.5x', ok: ratio <= 1.5 },
    ],
  };
}
