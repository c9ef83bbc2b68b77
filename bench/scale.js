// Benchmark: `tradesec audit --only secrets,file-perms,env-in-git` on a generated 20,000-file, ~200 MB repository
// with a few hundred commits, against ripgrep searching the same tree for the key names, in the same run.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, timeSync } from './cold-start.js';

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(PROJECT, 'bin', 'tradesec.js');

/** The repository the benchmark generates; a change of any field regenerates it. */
export const SCALE_SPEC = Object.freeze({
  version: 1,
  files: 20_000,
  totalBytes: 200 * 1024 * 1024,
  commits: 300,
  seed: 20_240_917,
});

// The guide's published key: planted so that a correct audit must report it.
const PUBLISHED_KEY = 'cKJXQppexMjDOkx30qSJt0_SnkoPNIF5OFxdJwBUivU';
const MARKER = path.join('.git', 'tradesec-bench.json');
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.invalid',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.invalid',
};

/** A small deterministic PRNG (mulberry32), so the same spec always yields the same repository. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'order signal price symbol quantity market limit stop trade fill broker account position risk exposure ' +
  'strategy momentum mean reversion spread ticker venue latency book depth bid ask volume window average ' +
  'portfolio hedge margin leverage settlement ledger audit report session token client gateway feed'
).split(' ');

function pick(rand, list) {
  return list[Math.floor(rand() * list.length)];
}

function ident(rand) {
  return `${pick(rand, WORDS)}_${pick(rand, WORDS)}`;
}

// One syntactically complete unit of each kind of file; files are whole units repeated to their size.
const UNIT = {
  py: (r, n) =>
    `def ${ident(r)}_${n}(prices, window=${1 + Math.floor(r() * 50)}):\n` +
    `    """Rolling ${pick(r, WORDS)} of the last prices."""\n` +
    '    total = 0.0\n' +
    '    for p in prices[-window:]:\n' +
    `        total += p * ${(r() * 10).toFixed(3)}\n` +
    '    return total / max(len(prices[-window:]), 1)\n\n\n',
  ts: (r, n) =>
    `export function ${ident(r).replace('_', '')}${n}(a: number, b: number): number {\n` +
    `  // ${pick(r, WORDS)} ${pick(r, WORDS)} ${pick(r, WORDS)}\n` +
    `  return a * ${(r() * 100).toFixed(2)} + b;\n}\n\n`,
  js: (r, n) =>
    `export function ${ident(r).replace('_', '')}${n}(rows) {\n` +
    `  return rows.filter((row) => row.${pick(r, WORDS)} > ${Math.floor(r() * 1000)}).length;\n}\n\n`,
  md: (r) => `${Array.from({ length: 12 + Math.floor(r() * 10) }, () => pick(r, WORDS)).join(' ')}.\n\n`,
  txt: (r) => `${Array.from({ length: 8 + Math.floor(r() * 8) }, () => pick(r, WORDS)).join(' ')}\n`,
  yaml: (r, n) => `${ident(r)}_${n}:\n  enabled: ${r() < 0.5}\n  limit: ${Math.floor(r() * 1000)}\n`,
  csv: (r, n) =>
    `${n},${pick(r, WORDS).toUpperCase()},${(r() * 1000).toFixed(2)},${Math.floor(r() * 10_000)}\n`,
  html: (r) => `<div class="${pick(r, WORDS)}"><span>${pick(r, WORDS)} ${pick(r, WORDS)}</span></div>\n`,
  json: (r, n) =>
    `  {"id": ${n}, "symbol": "${pick(r, WORDS).toUpperCase()}", "price": ${(r() * 1000).toFixed(2)}},\n`,
};
const EXTENSIONS = [
  ['py', 35],
  ['ts', 14],
  ['js', 10],
  ['md', 10],
  ['json', 9],
  ['yaml', 6],
  ['txt', 6],
  ['html', 5],
  ['csv', 5],
];
const EXT_TOTAL = EXTENSIONS.reduce((n, [, w]) => n + w, 0);

function pickExtension(r) {
  let x = r() * EXT_TOTAL;
  for (const [ext, w] of EXTENSIONS) {
    x -= w;
    if (x < 0) return ext;
  }
  return 'txt';
}

/** The text of one generated file: whole units up to about `size` bytes, the same for the same seed. */
function fileText(ext, size, seed) {
  const r = prng(seed);
  const parts = ext === 'json' ? ['{"rows": [\n'] : ext === 'csv' ? ['id,symbol,price,volume\n'] : [];
  let length = parts[0]?.length ?? 0;
  for (let n = 0; length < size; n++) {
    const unit = UNIT[ext](r, n);
    parts.push(unit);
    length += unit.length;
  }
  if (ext === 'json') parts.push('  {"id": -1}\n]}\n');
  return parts.join('');
}

/** The plan of the repository: every file with its path, size, seed, and whether git tracks it. */
function planRepository(spec) {
  const r = prng(spec.seed);
  const dirs = [];
  const roots = [
    'src/trading',
    'src/signals',
    'services/api/app',
    'services/worker',
    'frontend/src',
    'docs',
    'tests',
  ];
  for (let i = 0; i < 400; i++) {
    const depth = 1 + Math.floor(r() * 3);
    const parts = [pick(r, roots)];
    for (let d = 0; d < depth; d++) parts.push(pick(r, WORDS));
    dirs.push(parts.join('/'));
  }
  const plan = [];
  // Skipped by discovery (and by ripgrep through .gitignore): installed dependencies and a virtualenv.
  for (let i = 0; i < 400; i++)
    plan.push({ path: `node_modules/${pick(r, WORDS)}-${i}/index.js`, ext: 'js', tracked: false });
  for (let i = 0; i < 200; i++)
    plan.push({ path: `.venv/lib/python3.11/site-packages/pkg${i}/__init__.py`, ext: 'py', tracked: false });
  const planted = 12;
  const regular = spec.files - plan.length - planted;
  for (let i = 0; i < regular; i++) {
    const ext = pickExtension(r);
    plan.push({ path: `${pick(r, dirs)}/${ident(r)}_${i}.${ext}`, ext, tracked: true });
  }
  // Sizes: log-uniform between 300 B and 160 KB, scaled so the tree totals about spec.totalBytes.
  const oversized = 6 * 1024 * 1024;
  const raw = plan.map(() => Math.exp(Math.log(300) + r() * (Math.log(160_000) - Math.log(300))));
  const scale = (spec.totalBytes - oversized - 3 * 1024 * 1024) / raw.reduce((a, b) => a + b, 0);
  plan.forEach((f, i) => {
    f.size = Math.max(64, Math.round(raw[i] * scale));
    f.seed = (spec.seed ^ Math.imul(i + 1, 2_654_435_761)) >>> 0;
  });
  return plan;
}

/** Files planted for the checks to find, written after the history is imported. */
function plantedFiles() {
  return [
    {
      path: '.gitignore',
      tracked: true,
      text: '.env*\n!.env.example\n*.key\n*.pem\n*.db\nnode_modules/\n.venv/\n',
    },
    { path: '.env.example', tracked: true, text: 'SECRET_KEY=change-me\nAPI_SECRET_KEY=change-me\n' },
    {
      path: 'services/api/app/settings_local.py',
      tracked: true,
      text: `# Local overrides\nAPI_SECRET_KEY = "${'x7Q'.repeat(11)}"\nDEBUG = False\n`,
    },
    {
      path: 'Dockerfile',
      tracked: true,
      text: 'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nUSER app\nCMD ["python", "-m", "app"]\n',
    },
    { path: 'data/ticks.csv', tracked: true, ext: 'csv', size: 6 * 1024 * 1024, seed: 7 },
    {
      path: 'docs/deploy.md',
      tracked: true,
      text: 'Set SECRET_KEY and API_SECRET_KEY in .env.production (mode 600).\n',
    },
    {
      path: '.env.production',
      tracked: false,
      mode: 0o644,
      text: `ENVIRONMENT=production\nSECRET_KEY=${PUBLISHED_KEY}\nAPI_SECRET_KEY=${'k'.repeat(20)}\n`,
    },
    { path: 'services/worker/.env.prod', tracked: false, mode: 0o600, text: 'SECRET_KEY=changeme\n' },
    {
      path: 'certs/server.key',
      tracked: false,
      mode: 0o644,
      text: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n',
    },
    { path: 'data/trading.db', tracked: false, mode: 0o644, binary: 2 * 1024 * 1024 },
    { path: 'frontend/src/logo.png', tracked: true, binary: 200 * 1024 },
    { path: 'docs/architecture.png', tracked: true, binary: 800 * 1024 },
  ];
}

function contentOf(file) {
  if (file.text !== undefined) return Buffer.from(file.text);
  if (file.binary !== undefined) {
    const r = prng(file.binary);
    const buf = Buffer.allocUnsafe(file.binary);
    for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(r() * 256);
    buf[0] = 0;
    return buf;
  }
  return Buffer.from(fileText(file.ext, file.size, file.seed));
}

/** Streams a fast-import script: one import commit, then small commits; one adds and a later one removes an env file. */
async function importHistory(dir, tracked, spec) {
  const child = spawn('git', ['fast-import', '--quiet', '--done'], {
    cwd: dir,
    env: GIT_ENV,
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`git fast-import exited ${code}`)),
    );
  });
  const write = async (chunk) => {
    if (!child.stdin.write(chunk)) await new Promise((resolve) => child.stdin.once('drain', resolve));
  };
  const data = async (buf) => {
    await write(`data ${buf.length}\n`);
    await write(buf);
    await write('\n');
  };
  let time = 1_700_000_000;
  const commit = async (message, ops) => {
    time += 3600;
    await write(`commit refs/heads/main\ncommitter Bench <bench@example.invalid> ${time} +0000\n`);
    await data(Buffer.from(message));
    for (const op of ops) await write(op);
  };

  const ops = [];
  for (let i = 0; i < tracked.length; i++) {
    await write(`blob\nmark :${i + 1}\n`);
    await data(contentOf(tracked[i]));
    ops.push(`M 100644 :${i + 1} ${tracked[i].path}\n`);
  }
  await commit('Import the trading platform', ops);

  const r = prng(spec.seed + 1);
  const appended = new Map();
  const addEnvAt = Math.max(2, Math.floor(spec.commits * 0.13));
  const removeEnvAt = Math.max(addEnvAt + 1, Math.floor(spec.commits * 0.3));
  for (let c = 2; c <= spec.commits; c++) {
    const changes = [];
    if (c === addEnvAt) {
      changes.push('M 100644 inline deploy/.env.production\n');
      changes.push(Buffer.from(`SECRET_KEY=${'a1B2'.repeat(11)}\nAPI_SECRET_KEY=${'Z9y8'.repeat(11)}\n`));
    } else if (c === removeEnvAt) {
      changes.push('D deploy/.env.production\n');
    }
    const count = 1 + Math.floor(r() * 3);
    for (let k = 0; k < count; k++) {
      const index = Math.floor(r() * tracked.length);
      const file = tracked[index];
      if (
        file.binary !== undefined ||
        file.text !== undefined ||
        !['py', 'txt', 'md', 'yaml'].includes(file.ext)
      )
        continue;
      const note = file.ext === 'py' ? `# revision ${c}\n` : `revision ${c}\n`;
      appended.set(index, (appended.get(index) ?? '') + note);
      changes.push(`M 100644 inline ${file.path}\n`);
      changes.push(Buffer.concat([contentOf(file), Buffer.from(appended.get(index))]));
    }
    const parts = [];
    for (const part of changes) {
      if (Buffer.isBuffer(part)) parts.push(`data ${part.length}\n`, part, '\n');
      else parts.push(part);
    }
    await commit(`Change ${c}`, parts);
  }
  await write('done\n');
  child.stdin.end();
  await exited;
}

/** Generates the benchmark repository in `dir` unless a marker says an identical one is already there. */
export async function ensureRepository(dir, spec = SCALE_SPEC, log = () => undefined) {
  const marker = path.join(dir, MARKER);
  if (existsSync(marker)) {
    try {
      if (JSON.stringify(JSON.parse(await readFile(marker, 'utf8'))) === JSON.stringify(spec))
        return { reused: true };
    } catch {
      // regenerate below
    }
  }
  const started = Date.now();
  log(
    `generating ${spec.files} files (~${Math.round(spec.totalBytes / 1048576)} MB) and ${spec.commits} commits in ${dir}`,
  );
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const git = (...args) => {
    const r = spawnSync('git', args, { cwd: dir, env: GIT_ENV, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args[0]} failed: ${r.stderr}`);
    return r.stdout;
  };
  git('init', '-q', '-b', 'main');
  const plan = [...planRepository(spec), ...plantedFiles()];
  const tracked = plan.filter((f) => f.tracked);
  await importHistory(dir, tracked, spec);
  git('reset', '-q', '--hard', 'main');
  for (const file of plan.filter((f) => !f.tracked)) {
    const abs = path.join(dir, file.path);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, contentOf(file));
    if (file.mode !== undefined) await chmod(abs, file.mode);
  }
  await writeFile(marker, JSON.stringify(spec));
  return { reused: false, seconds: (Date.now() - started) / 1000 };
}

const TIME_BIN = '/usr/bin/time';

/** Runs argv once, measuring wall time and peak resident memory (KiB). */
function measure(argv, allowedExitCodes) {
  if (existsSync(TIME_BIN)) {
    const r = timeSync([TIME_BIN, '-v', ...argv], { allowedExitCodes });
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    return { ...r, peakKiB: rss ? Number(rss[1]) : undefined };
  }
  if (argv[0] === process.execPath && argv[1] === BIN) {
    // No GNU time: run the CLI inside a wrapper that reports its own peak RSS on exit.
    const wrapper =
      `process.on('exit', () => process.stderr.write('\\nmaxRSS=' + process.resourceUsage().maxRSS + '\\n'));` +
      `process.argv = [process.argv[0], ${JSON.stringify(BIN)}, ...process.argv.slice(1)];` +
      `await import(${JSON.stringify(new URL(`file://${BIN}`).href)});`;
    const r = timeSync([process.execPath, '--input-type=module', '-e', wrapper, ...argv.slice(2)], {
      allowedExitCodes,
    });
    const rss = /maxRSS=(\d+)/.exec(r.stderr);
    return { ...r, peakKiB: rss ? Number(rss[1]) : undefined };
  }
  return { ...timeSync(argv, { allowedExitCodes }), peakKiB: undefined };
}

/** Parses a command's JSON output, or says what the command printed instead. */
function parseJson(run, what) {
  try {
    return JSON.parse(run.stdout);
  } catch {
    const said =
      run.stderr.split('\n').find((l) => l.trim() && !/^\s*(Command being timed|Aborted\(\))/.test(l)) ?? '';
    throw new Error(`${what} printed no JSON (exit ${run.status}${said ? `: ${said.trim()}` : ''})`);
  }
}

function mib(kib) {
  return kib === undefined ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`;
}

/** Which planted problems the audit reported, from its JSON report. */
function plantedFound(report) {
  const findings = (id) => report.checks.find((c) => c.id === id)?.findings ?? [];
  const expectations = [
    ['secrets: .env.production', 'secrets', (f) => f.file === '.env.production'],
    ['file-perms: .env.production', 'file-perms', (f) => f.file === '.env.production'],
    [
      'env-in-git: deploy/.env.production in history',
      'env-in-git',
      (f) => `${f.file} ${f.message}`.includes('deploy/.env.production'),
    ],
  ];
  const ran = new Set(report.checks.filter((c) => c.status !== 'skip').map((c) => c.id));
  const rows = expectations.filter(([, id]) => ran.has(id));
  const found = rows.filter(([, id, match]) => findings(id).some(match));
  const missed = rows.filter((row) => !found.includes(row)).map(([label]) => label);
  return { found: found.length, of: rows.length, missed };
}

/** Times the audit against ripgrep on the generated repository (goal: at most 2x ripgrep, same run). */
export default async function scale({ runs = 5, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const dir =
    process.env.TRADESEC_BENCH_DIR ?? path.join(tmpdir(), `tradesec-bench-scale-v${SCALE_SPEC.version}`);
  const rg = spawnSync('rg', ['--version'], { encoding: 'utf8' });
  if (rg.error) throw new Error('ripgrep (rg) is not installed: run bash scripts/install-test-deps.sh');
  // Time only the three checks that are registered (all three, once their issue is done).
  const listed = timeSync([process.execPath, BIN, 'checks', 'list', '--json']);
  const registered = new Set(parseJson(listed, 'tradesec checks list --json').map((c) => c.id));
  const wanted = ['secrets', 'file-perms', 'env-in-git'].filter((id) => registered.has(id));
  if (wanted.length === 0)
    throw new Error('none of the checks secrets, file-perms, env-in-git is registered yet');
  const generated = await ensureRepository(dir, SCALE_SPEC, log);
  const checks = wanted.join(',');
  const audit = [process.execPath, BIN, 'audit', dir, '--only', checks, '--format', 'json'];
  const grep = ['rg', '-n', 'SECRET_KEY|API_SECRET_KEY', dir];
  // The fixed part of any audit (Node, the modules, the check registry, one git call): an empty repository.
  const emptyDir = await mkdtemp(path.join(tmpdir(), 'tradesec-bench-empty-'));
  spawnSync('git', ['init', '-q'], { cwd: emptyDir, env: GIT_ENV });
  const floor = [process.execPath, BIN, 'audit', emptyDir, '--only', checks, '--format', 'json'];

  // One warm-up run each (page cache, git's index), then interleaved measured runs.
  const first = measure(audit, [0, 1, 3]);
  measure(grep, [0, 1]);
  measure(floor, [0, 1]);
  const auditRuns = [];
  const rgRuns = [];
  const floorRuns = [];
  for (let i = 0; i < runs; i++) {
    auditRuns.push(measure(audit, [0, 1, 3]));
    rgRuns.push(measure(grep, [0, 1]));
    floorRuns.push(measure(floor, [0, 1]));
  }
  await rm(emptyDir, { recursive: true, force: true });
  const report = parseJson(first, 'tradesec audit --format json');
  const auditMs = median(auditRuns.map((r) => r.ms));
  const rgMs = median(rgRuns.map((r) => r.ms));
  const ratio = auditMs / rgMs;
  const floorMs = median(floorRuns.map((r) => r.ms));
  const peak = (list) =>
    list.some((r) => r.peakKiB !== undefined) ? Math.max(...list.map((r) => r.peakKiB ?? 0)) : undefined;
  const findings = report.checks.reduce((n, c) => n + c.findings.length, 0);
  const statuses = report.checks
    .map((c) => `${c.id} ${c.status}${c.error ? ` (${c.error})` : ''}`)
    .join(', ');
  const planted = plantedFound(report);
  return {
    title: `Scale: ${SCALE_SPEC.files} files, ~${Math.round(SCALE_SPEC.totalBytes / 1048576)} MB, ${SCALE_SPEC.commits} commits (median of ${runs} each)`,
    rows: [
      {
        metric: 'repository',
        value: generated.reused
          ? `reused ${dir}`
          : `generated in ${generated.seconds.toFixed(1)} s at ${dir}`,
      },
      { metric: `tradesec audit --only ${checks}`, value: `${(auditMs / 1000).toFixed(2)} s` },
      { metric: "rg -n 'SECRET_KEY|API_SECRET_KEY'", value: `${(rgMs / 1000).toFixed(2)} s` },
      { metric: 'ratio tradesec / rg', value: `${ratio.toFixed(2)}x`, goal: '<= 2x', ok: ratio <= 2 },
      {
        metric: 'same audit of an empty repository (start-up floor)',
        value: `${(floorMs / 1000).toFixed(2)} s (${(floorMs / rgMs).toFixed(2)}x rg)`,
      },
      { metric: 'peak memory tradesec', value: mib(peak([first, ...auditRuns])) },
      { metric: 'peak memory rg', value: mib(peak(rgRuns)) },
      { metric: 'checks', value: statuses || 'none of them is registered' },
      { metric: 'findings', value: String(findings) },
      {
        metric: 'planted problems reported',
        value: `${planted.found}/${planted.of}${planted.missed.length ? ` (missed: ${planted.missed.join('; ')})` : ''}`,
        ...(planted.of > 0 ? { ok: planted.found === planted.of } : {}),
      },
    ],
  };
}
