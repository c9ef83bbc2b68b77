// `tradesec audit`: the twelve-point checklist against a repository (and the host).
import { constants } from 'node:fs';
import { access, chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import semver from 'semver';
import { UsageError } from '../../audit/errors.js';
import { parseSeverity } from '../../audit/severity.js';
import type { AuditResult, Target } from '../../audit/types.js';
import { describeFsError } from '../../facts/text.js';
import { type StagedFile, stageFile } from '../../util/atomic-write.js';
import { VERSION } from '../../version.js';
import { action, type CliState, examples, idList, repeatable } from '../program.js';

/** Report format names, listed here so that `--help` does not load the reporters. */
const FORMATS = ['text', 'json', 'sarif', 'junit', 'markdown', 'github'] as const;
type ReportFormat = (typeof FORMATS)[number];
const isFormat = (f: string): f is ReportFormat => (FORMATS as readonly string[]).includes(f);

interface AuditFlags {
  format: string;
  output?: string[];
  failOn?: string;
  only?: string[];
  skip?: string[];
  config?: string;
  baseline?: string;
  writeBaseline?: string;
  inlineIgnores: boolean;
  host?: boolean;
  root?: string;
  fix?: boolean;
  dryRun?: boolean;
  allowPlugins?: boolean;
  nginxVersion?: string;
}

/** Registers `tradesec audit`. */
export function registerAudit(program: Command, state: CliState): void {
  program
    .command('audit')
    .description('run the twelve-point production checklist against a repository (and the host)')
    .argument('[dir]', 'the repository to audit', '.')
    .option('-f, --format <format>', `report on stdout: ${FORMATS.join(', ')}`, 'text')
    .option('-o, --output <format=file>', 'also write a report to a file (repeatable)', repeatable)
    .option(
      '--fail-on <severity>',
      'exit 1 when a finding is at least this severe: critical, high, medium, low or info (default: medium, or the config)',
    )
    .option('--only <ids>', 'run only these checks (comma-separated)', idList)
    .option('--skip <ids>', 'do not run these checks (comma-separated)', idList)
    .option('-c, --config <file>', 'configuration file (default: <dir>/.tradesecrc when present)')
    .option('--baseline <file>', 'suppress findings recorded in this baseline')
    .option('--write-baseline <file>', 'record the current findings as the accepted baseline')
    .option('--no-inline-ignores', 'ignore "# tradesec-ignore" comments (for CI)')
    .option('--host', 'also audit the host: deployed files, modes and owners')
    .option('--root <dir>', 'with --host: treat this directory as / (a mounted image, tests)')
    .option('--fix', 'apply the safe fixes (file modes) after printing each one')
    .option('--dry-run', 'with --fix: print the fixes without applying them')
    .option('--allow-plugins', 'allow plugin modules named in the config when running as root')
    .option(
      '--nginx-version <version>',
      'judge nginx configs against this nginx (e.g. 1.22.1); overrides [https] nginx-version and nginx -v',
    )
    .addHelpText(
      'after',
      examples([
        ['tradesec audit', 'the current directory, text report'],
        ['tradesec audit ./service --format json', 'JSON report on stdout'],
        ['tradesec audit -o sarif=tradesec.sarif -o junit=junit.xml', 'reports for CI, text on stdout'],
        ['tradesec audit --only secrets,env-in-git', 'two checks'],
        ['tradesec audit --fail-on high --no-inline-ignores', 'stricter CI gate'],
        ['tradesec audit --write-baseline .tradesec-baseline.json', 'accept what is there today'],
        ['tradesec audit --baseline .tradesec-baseline.json', 'fail only on new findings'],
        ['tradesec audit --fix --dry-run', 'show the chmod fixes'],
        ['tradesec audit --host --root /mnt/image', 'a mounted image as the host'],
        ['tradesec audit --nginx-version 1.24.0', 'the nginx the config is deployed on'],
      ]) +
        '\nExit codes: 0 no finding at or above --fail-on, 1 some, 2 usage or configuration error, 3 a check crashed.\n',
    )
    .action(action(state, (dir: string, flags: AuditFlags) => audit(state, dir, flags)));
}

/** A --nginx-version value as a semver version (`1.25` reads as 1.25.0, `nginx/1.25.1` too). */
function parseNginxVersionFlag(value: string): string {
  const m = /^(?:nginx\/)?(\d+\.\d+(?:\.\d+)?)$/.exec(value.trim());
  const version = m?.[1] ? semver.valid(semver.coerce(m[1])) : null;
  if (!version) throw new UsageError(`--nginx-version must be a version such as 1.22.1, not "${value}"`);
  return version;
}

async function audit(state: CliState, dir: string, flags: AuditFlags): Promise<number> {
  const { io } = state;
  const root = path.resolve(io.cwd, dir);
  await assertDirectory(root, dir);
  if (flags.dryRun && !flags.fix) throw new UsageError('--dry-run goes with --fix');
  if (flags.root && !flags.host) throw new UsageError('--root goes with --host');
  if (!isFormat(flags.format)) {
    throw new UsageError(`unknown format "${flags.format}" (use ${FORMATS.join(', ')})`);
  }
  const format = flags.format;
  const nginxVersion =
    flags.nginxVersion === undefined ? undefined : parseNginxVersionFlag(flags.nginxVersion);
  const outputs = (flags.output ?? []).map(parseOutput);
  await checkOutputs(io.cwd, [
    ...outputs.map((o) => o.file),
    ...(flags.writeBaseline ? [flags.writeBaseline] : []),
  ]);
  const hostRoot = flags.root ? path.resolve(io.cwd, flags.root) : undefined;
  if (hostRoot) await assertDirectory(hostRoot, flags.root ?? '');

  // The engine, the checks and the reporters load only when an audit really runs.
  const [{ loadConfig }, { loadCatalogue }, engine, { baselineOf, readBaseline }, { renderReport }] =
    await Promise.all([
      import('../../audit/config.js'),
      import('../../audit/catalogue.js'),
      import('../../audit/engine.js'),
      import('../../audit/baseline.js'),
      import('../../reporters/index.js'),
    ]);
  const { auditExitCode, runAudit, validateConfigIds } = engine;
  const config = await loadConfig(root, flags.config, io.cwd);
  if (flags.failOn !== undefined) {
    const s = parseSeverity(flags.failOn);
    if (!s)
      throw new UsageError(`--fail-on must be critical, high, medium, low or info, not "${flags.failOn}"`);
    config.failOn = s;
  }
  if (nginxVersion) {
    config.sections.set('https', { ...config.sections.get('https'), 'nginx-version': nginxVersion });
  }
  const isRoot = process.getuid?.() === 0;
  const checks = await loadCatalogue(config, {
    baseDir: flags.config ? path.dirname(path.resolve(io.cwd, flags.config)) : root,
    allowPlugins: Boolean(flags.allowPlugins),
    isRoot,
  });
  validateConfigIds(config, checks);
  const baseline = flags.baseline ? await readBaseline(path.resolve(io.cwd, flags.baseline)) : undefined;
  const targets: Target[] = flags.host ? ['repo', 'host'] : ['repo'];

  const run = () =>
    runAudit({
      root,
      checks,
      config,
      version: VERSION,
      targets,
      only: flags.only ?? [],
      skip: flags.skip ?? [],
      inlineIgnores: flags.inlineIgnores && config.inlineIgnores,
      ...(hostRoot ? { hostRoot } : {}),
      ...(baseline ? { baseline, baselineName: flags.baseline } : {}),
    });
  const stopProgress = progress(state, 'auditing');
  let result: AuditResult;
  try {
    result = await run();
    if (flags.fix) {
      const applied = await applyFixes(state, result, Boolean(flags.dryRun));
      if (applied > 0) result = await run();
    }
  } finally {
    stopProgress();
  }

  const ctx = { checks, version: VERSION, color: io.color, failOn: config.failOn };
  const files = outputs.map(({ format, file }) => ({
    file,
    content: renderReport(format, result, { ...ctx, color: false }),
  }));
  const b = flags.writeBaseline ? baselineOf(result) : undefined;
  if (flags.writeBaseline && b) {
    files.push({ file: flags.writeBaseline, content: `${JSON.stringify(b, null, 2)}\n` });
  }
  await writeOutputs(io.cwd, files);
  if (flags.writeBaseline && b) {
    io.stderr.write(
      `tradesec: wrote a baseline of ${b.findings.length} findings to ${flags.writeBaseline}\n`,
    );
  }
  io.stdout.write(renderReport(format, result, ctx));
  return auditExitCode(result, config.failOn);
}

/** Refuses, before the audit runs, output paths that collide or cannot be written. */
async function checkOutputs(cwd: string, files: readonly string[]): Promise<void> {
  const seen = new Map<string, string>();
  for (const file of files) {
    const abs = path.resolve(cwd, file);
    const earlier = seen.get(abs);
    if (earlier !== undefined) {
      throw new UsageError(
        `${file} is named twice as an output${earlier === file ? '' : ` (as ${earlier} and ${file})`}: one would overwrite the other`,
      );
    }
    seen.set(abs, file);
    const st = await stat(abs).catch(() => undefined);
    if (st?.isDirectory()) throw new UsageError(`cannot write ${file}: is a directory`);
    // The nearest existing parent must be a directory we can write in (mkdir creates the rest).
    let parent = path.dirname(abs);
    let pst = await stat(parent).catch(() => undefined);
    while (!pst && path.dirname(parent) !== parent) {
      parent = path.dirname(parent);
      pst = await stat(parent).catch(() => undefined);
    }
    if (pst && !pst.isDirectory()) {
      throw new UsageError(
        `cannot write ${file}: ${path.relative(cwd, parent) || parent} is not a directory`,
      );
    }
    await access(parent, constants.W_OK).catch((err: unknown) => {
      throw new UsageError(`cannot write ${file}: ${describeFsError(err)}`);
    });
  }
}

/** Writes the report files all or none: each is staged beside its destination, then all are put in place. */
async function writeOutputs(
  cwd: string,
  files: ReadonlyArray<{ file: string; content: string }>,
): Promise<void> {
  const staged: StagedFile[] = [];
  try {
    for (const { file, content } of files) {
      const abs = path.resolve(cwd, file);
      try {
        await mkdir(path.dirname(abs), { recursive: true });
        staged.push(await stageFile(abs, content));
      } catch (err) {
        throw new UsageError(`cannot write ${file}: ${describeFsError(err)}; no report file was written`);
      }
    }
  } catch (err) {
    await Promise.all(staged.map((s) => s.discard()));
    throw err;
  }
  for (const s of staged) await s.commit();
}

function parseOutput(spec: string): { format: ReportFormat; file: string } {
  const eq = spec.indexOf('=');
  const format = spec.slice(0, eq);
  const file = spec.slice(eq + 1);
  if (eq <= 0 || !file) throw new UsageError(`--output takes <format>=<file>, not "${spec}"`);
  if (!isFormat(format)) {
    throw new UsageError(`unknown format "${format}" in --output (use ${FORMATS.join(', ')})`);
  }
  return { format, file };
}

async function assertDirectory(abs: string, shown: string): Promise<void> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(abs);
  } catch (err) {
    throw new UsageError(`${shown}: ${describeFsError(err)}`);
  }
  if (!st.isDirectory()) throw new UsageError(`${shown}: not a directory`);
  // A directory that cannot be listed would otherwise surface as an unreadable .tradesecrc inside it.
  await access(abs, constants.R_OK | constants.X_OK).catch((err: unknown) => {
    throw new UsageError(`${shown}: cannot read the directory (${describeFsError(err)})`);
  });
}

/** Applies (or with dryRun prints) the chmod fixes of the file-perms check; returns how many were applied. */
async function applyFixes(state: CliState, result: AuditResult, dryRun: boolean): Promise<number> {
  const { io } = state;
  const fixes = result.checks
    .filter((c) => c.id === 'file-perms')
    .flatMap((c) => c.findings)
    .flatMap((f) => (f.fix?.kind === 'chmod' ? [f.fix] : []));
  if (fixes.length === 0) {
    io.stderr.write('tradesec: nothing to fix\n');
    return 0;
  }
  let applied = 0;
  for (const fix of fixes) {
    const mode = fix.mode.toString(8).padStart(4, '0');
    io.stderr.write(`${dryRun ? 'would run' : 'running'}: chmod ${mode} ${fix.path}\n`);
    if (dryRun) continue;
    try {
      await chmod(fix.path, fix.mode);
      applied++;
    } catch (err) {
      io.stderr.write(`tradesec: chmod ${mode} ${fix.path} failed: ${describeFsError(err)}\n`);
    }
  }
  return applied;
}

/** Shows a progress note on a TTY when work takes over a second; returns a function that clears it. */
function progress(state: CliState, what: string): () => void {
  if (!state.io.isTTY) return () => undefined;
  let shown = false;
  const timer = setTimeout(() => {
    shown = true;
    state.io.stderr.write(`${what}…`);
  }, 1000);
  return () => {
    clearTimeout(timer);
    if (shown) state.io.stderr.write('\r\x1b[K');
  };
}
