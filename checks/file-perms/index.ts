// file-perms: env files, keys, databases, TLS directories and logs no more permissive than a declarative policy.
import { lstatSync, realpathSync, type Stats, statSync } from 'node:fs';
import { lstat, open, opendir, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  type CheckContext,
  ConfigError,
  defineCheck,
  type FindingInput,
  globMatcher,
  type Severity,
  skip,
} from '../../src/index.js';

/** What a policy entry applies to. */
type Kind = 'file' | 'dir';

/** Families of policy entries; some need a look at the content before they apply. */
type Category = 'env' | 'key' | 'pem' | 'db' | 'tls-dir' | 'log' | 'log-dir' | 'custom';

/** One line of the permission policy: files or directories matching `glob` get at most `maxMode`. */
export interface PolicyEntry {
  /** A glob without `/` matches the name at any depth; with `/` the path from the root. */
  glob: string;
  /** Largest allowed mode: a mode passes when it sets no bit outside this one. */
  maxMode: number;
  kind: Kind;
  /** User that should own matching paths (checked only when running as root). */
  owner?: string;
  /** What the entry protects, for messages. */
  label: string;
  category: Category;
}

const secret = (glob: string, label: string, category: Category): PolicyEntry => ({
  glob,
  maxMode: 0o600,
  kind: 'file',
  label,
  category,
});

/** The built-in policy; `.tradesecrc` entries are appended (later entries win) or replace one with the same glob. */
export const DEFAULT_POLICY: readonly PolicyEntry[] = [
  secret('.env', 'env file', 'env'),
  secret('.env.*', 'env file', 'env'),
  secret('*.env', 'env file', 'env'),
  secret('*.key', 'private key', 'key'),
  secret('*.pem', 'PEM file', 'pem'),
  secret('*.p12', 'PKCS#12 key bundle', 'key'),
  secret('*.pfx', 'PKCS#12 key bundle', 'key'),
  ...['id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519'].map((g) => secret(g, 'SSH private key', 'key')),
  ...['db', 'sqlite', 'sqlite3'].flatMap((ext) =>
    ['', '-wal', '-shm', '-journal'].map((suffix) => secret(`*.${ext}${suffix}`, 'SQLite database', 'db')),
  ),
  { glob: 'ssl', maxMode: 0o700, kind: 'dir', label: 'TLS key directory', category: 'tls-dir' },
  {
    glob: '**/certs/private',
    maxMode: 0o700,
    kind: 'dir',
    label: 'private key directory',
    category: 'tls-dir',
  },
  { glob: 'logs', maxMode: 0o750, kind: 'dir', label: 'log directory', category: 'log-dir' },
  { glob: '*.log', maxMode: 0o640, kind: 'file', label: 'log file', category: 'log' },
  { glob: '*.log.*', maxMode: 0o640, kind: 'file', label: 'rotated log file', category: 'log' },
];

/** Env files that are templates, not secrets. */
const EXAMPLE_FILE = /\.(example|sample|template|dist)$/i;
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const ANY_PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----/;
const SQLITE_MAGIC = 'SQLite format 3\0';
const PEM_READ_LIMIT = 1024 * 1024;
/** Categories whose owner defaults to the `owner` setting. */
const SECRET_CATEGORIES: ReadonlySet<Category> = new Set(['env', 'key', 'pem', 'db', 'tls-dir', 'custom']);
/** Directories not walked on the host (the repo side uses the shared discovery, which skips the same kind). */
const HOST_SKIPPED_DIRS: ReadonlySet<string> = new Set([
  '.git',
  'node_modules',
  '__pycache__',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '.tox',
  '.venv',
  'venv',
  'site-packages',
  '.cache',
]);
const CONCURRENCY = 64;

/** A file or directory to examine. */
interface Item {
  /** The path findings name: relative to the root, or absolute as seen on the host. */
  shown: string;
  /** The path policy globs match: relative to the root or to the host directory examined. */
  rel: string;
  /** Where it really is on disk (a symlink's target); fixes use it. */
  real: string;
  kind: Kind;
  mode: number;
  uid: number;
  symlink: boolean;
  /** The policy this item is judged by. */
  policy: CompiledPolicy;
  /** passwd file that owner names resolve against. */
  passwd: string;
}

interface CompiledEntry extends PolicyEntry {
  matches(rel: string): boolean;
}

interface CompiledPolicy {
  entries: readonly CompiledEntry[];
  /** A quick test over every glob at once: most files of a tree match no entry. */
  mayMatch(rel: string): boolean;
}

/** What the policy says about one item once its content is known. */
interface Verdict {
  entry: CompiledEntry;
  maxMode: number;
  label: string;
  /** Set when the content could not be read to tell what the file holds. */
  note?: string;
}

export default defineCheck({
  meta: {
    id: 'file-perms',
    point: 7,
    title: 'Secrets, keys, databases and logs have restrictive file modes',
    description:
      'Compares the permission bits of env files, private keys, SQLite databases, TLS key directories and logs ' +
      'with a declarative policy (a stricter mode passes), looks for anything world-writable or setuid under ' +
      'the root, and with --host does the same for the deployed paths (/etc/nginx/ssl, /etc/letsencrypt, the ' +
      'application directory). Owners are compared only when tradesec runs as root.',
    targets: ['repo', 'host'],
    rules: {
      'too-permissive': {
        title: 'Secret files and key directories are no more permissive than the policy allows',
        severity: 'high',
        description:
          'An env file, private key or database readable by the group or by other users hands every key it ' +
          'holds to any account or compromised service on the machine.',
        remediation:
          'Remove the extra permission bits with chmod (tradesec audit --fix does this), and create such files ' +
          'with a restrictive umask (umask 077).',
      },
      'world-readable-log': {
        title: 'Logs are not readable by every user',
        severity: 'low',
        description:
          'Logs hold client IP addresses, request paths and authentication failures. The common advice of ' +
          'mode 755 for the log directory and 644 for log files makes them readable by every local user.',
        remediation:
          'Use mode 750 for the log directory and 640 for log files, with a group for log readers.',
      },
      'world-writable': {
        title: 'Nothing under the application is world-writable',
        severity: 'high',
        description:
          'A world-writable file or directory lets any local user replace code, configuration or keys that ' +
          'the service trusts.',
        remediation: 'Remove the write bit for others (chmod o-w); tradesec audit --fix does this.',
      },
      setuid: {
        title: 'No setuid or setgid files under the application',
        severity: 'high',
        description:
          "A setuid or setgid file runs with its owner's or group's rights whoever starts it; an application " +
          'tree has no use for one, and it is a ready privilege escalation.',
        remediation: 'Remove the bits (chmod u-s,g-s); tradesec audit --fix does this.',
      },
      'wrong-owner': {
        title: 'Secret files belong to the configured owner',
        severity: 'medium',
        description:
          'When the policy names an owner, secret files owned by another account can be read or replaced by ' +
          'that account. Checked only when tradesec runs as root.',
        remediation: 'Change the owner with chown, e.g. chown trading:trading .env.production.',
      },
    },
    options: {
      policy: {
        description:
          'Extra or overriding entries, comma-separated: <glob>:<mode>[:<owner>] (a glob ending in / is a ' +
          'directory; a glob without / matches the name at any depth). Example: data/*.db:600:trading, logs/:750',
      },
      owner: {
        description: 'User that should own env files, keys, databases and TLS directories (checked as root).',
      },
      'host-app-dir': {
        description: 'Where the application is deployed on the host; examined with the same policy.',
        default: '/opt/trading',
      },
    },
    references: [
      'https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html',
      'https://man7.org/linux/man-pages/man2/chmod.2.html',
      'https://www.sqlite.org/tempfiles.html',
    ],
  },

  async run(ctx) {
    const configFile = ctx.config.file ?? '.tradesecrc';
    const policy = compilePolicy(
      mergePolicy(DEFAULT_POLICY, parsePolicy(ctx.settings.list('policy'), configFile)),
    );
    const hostPolicy = compilePolicy(HOST_TLS_POLICY);
    const hostKeys = compilePolicy(HOST_LETSENCRYPT_POLICY);
    const defaultOwner = ctx.settings.get('owner')?.trim() || undefined;
    const appDir = ctx.settings.get('host-app-dir')?.trim() || '/opt/trading';
    if (!path.posix.isAbsolute(appDir)) {
      throw new ConfigError(
        configFile,
        `[file-perms] host-app-dir must be an absolute path, not "${appDir}"`,
      );
    }

    const items: Item[] = [];
    if (ctx.targets.includes('repo')) items.push(...(await repoItems(ctx, policy)));
    if (ctx.targets.includes('host')) {
      const hostRoot = ctx.hostRoot;
      const passwd = path.join(hostRoot, 'etc/passwd');
      const walkHost = (hostPath: string, p: CompiledPolicy) =>
        hostItems(hostRoot, hostPath, { policy: p, passwd, skipDirs: HOST_SKIPPED_DIRS });
      items.push(...(await walkHost('/etc/nginx/ssl', hostPolicy)));
      items.push(...(await walkHost('/etc/letsencrypt/live', hostKeys)));
      items.push(...(await walkHost('/etc/letsencrypt/archive', hostKeys)));
      const appAbs = path.join(hostRoot, appDir);
      const sameAsRoot =
        ctx.targets.includes('repo') &&
        (await realpath(appAbs).catch(() => appAbs)) === (await realpath(ctx.root).catch(() => ctx.root));
      if (!sameAsRoot) items.push(...(await walkHost(appDir, policy)));
    }

    const owners = new PasswdCache();
    let matched = 0;
    const findings: FindingInput[] = [];
    const results = await mapLimit(dedupe(items), CONCURRENCY, (item) =>
      examine(item, { isRoot: ctx.isRoot, defaultOwner, owners }),
    );
    for (const r of results) {
      if (r.matched) matched++;
      findings.push(...r.findings);
    }
    if (matched === 0 && findings.length === 0) {
      return skip(
        'not-applicable',
        'no env files (.env, .env.*, *.env), private keys (*.key, *.pem, *.p12, id_rsa...), SQLite files ' +
          '(*.db, *.sqlite, *.sqlite3 with -wal/-shm), ssl or certs/private directories, or logs were found, ' +
          'and nothing is world-writable',
      );
    }
    return findings;
  },
});

/** Policy for /etc/nginx/ssl on the host: the directory 700, keys in it 600. */
const HOST_TLS_POLICY: readonly PolicyEntry[] = [
  { glob: '.', maxMode: 0o700, kind: 'dir', label: 'nginx TLS directory', category: 'tls-dir' },
  secret('*.key', 'private key', 'key'),
  secret('*.pem', 'PEM file', 'pem'),
  secret('*.p12', 'PKCS#12 key bundle', 'key'),
];

/** Policy for /etc/letsencrypt/{live,archive}: certbot's private keys 600. */
const HOST_LETSENCRYPT_POLICY: readonly PolicyEntry[] = [
  secret('privkey*.pem', "Let's Encrypt private key", 'key'),
];

/** Parses `<glob>:<mode>[:<owner>]` entries from the configuration. */
export function parsePolicy(items: readonly string[], configFile: string): PolicyEntry[] {
  return items.map((item) => {
    const parts = item.split(':');
    let owner: string | undefined;
    if (parts.length >= 3 && !isOctalMode(parts.at(-1) ?? '')) owner = parts.pop();
    const modeText = parts.pop() ?? '';
    let glob = parts.join(':');
    if (!glob || !isOctalMode(modeText) || owner === '') {
      throw new ConfigError(
        configFile,
        `[file-perms] policy entry "${item}" must be <glob>:<mode>[:<owner>] with an octal mode such as 600`,
      );
    }
    const kind: Kind = glob.endsWith('/') ? 'dir' : 'file';
    glob = glob.replace(/\/+$/, '');
    // A leading slash anchors the glob at the root.
    if (glob.startsWith('/')) glob = `.${glob}`;
    const entry: PolicyEntry = {
      glob,
      maxMode: Number.parseInt(modeText.replace(/^0o/i, ''), 8),
      kind,
      label: `policy entry ${item}`,
      category: 'custom',
    };
    if (owner) entry.owner = owner;
    return entry;
  });
}

function isOctalMode(text: string): boolean {
  return /^(0o)?[0-7]{3,4}$/i.test(text);
}

/** Appends configured entries; one with the same glob and kind replaces the built-in entry. */
export function mergePolicy(base: readonly PolicyEntry[], extra: readonly PolicyEntry[]): PolicyEntry[] {
  const key = (e: PolicyEntry) => `${e.kind}\0${e.glob.replace(/^\.\//, '')}`;
  const overridden = new Set(extra.map(key));
  return [...base.filter((e) => !overridden.has(key(e))), ...extra];
}

function compilePolicy(entries: readonly PolicyEntry[]): CompiledPolicy {
  const compiled = entries.map((e) => {
    // `.` is the examined directory itself.
    const match = e.glob === '.' ? (rel: string) => rel === '' : globMatcher(e.glob);
    return { ...e, matches: match };
  });
  const globs = entries.map((e) => e.glob).filter((g) => g !== '.');
  const any = globMatcher(globs);
  const self = entries.some((e) => e.glob === '.');
  return {
    entries: compiled,
    mayMatch: (rel) => (self && rel === '') || any(rel),
  };
}

/** The entry that decides an item (the last one that applies), after looking at the content where needed. */
async function verdictFor(item: Item): Promise<Verdict | undefined> {
  if (!item.policy.mayMatch(item.rel)) return undefined;
  const name = path.posix.basename(item.rel);
  const entries = item.policy.entries;
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (!entry || entry.kind !== item.kind || !entry.matches(item.rel)) continue;
    if (entry.category === 'env' && EXAMPLE_FILE.test(name)) continue;
    if (entry.category === 'db' && item.rel.endsWith('.db') && !(await looksLikeSqlite(item.real))) continue;
    if (entry.category === 'pem') {
      const pem = await pemKind(item.real);
      if (pem === 'public') return { entry, maxMode: 0o644, label: 'PEM certificate or public data' };
      return {
        entry,
        maxMode: entry.maxMode,
        label: 'PEM private key',
        ...(pem === 'unreadable' ? { note: 'it could not be read, so it is treated as a private key' } : {}),
      };
    }
    return { entry, maxMode: entry.maxMode, label: entry.label };
  }
  return undefined;
}

/** Whether a `.pem` holds a private key, only public material (certificates, parameters), or could not be read. */
async function pemKind(abs: string): Promise<'private' | 'public' | 'unreadable'> {
  let text: string;
  try {
    const handle = await open(abs, 'r');
    try {
      const buf = Buffer.alloc(PEM_READ_LIMIT);
      const { bytesRead } = await handle.read(buf, 0, PEM_READ_LIMIT, 0);
      text = buf.subarray(0, bytesRead).toString('latin1');
    } finally {
      await handle.close();
    }
  } catch {
    return 'unreadable';
  }
  if (PRIVATE_KEY_PEM.test(text)) return 'private';
  // Empty files hold nothing; content that is not PEM text (a DER key, say) cannot be told apart from a key.
  return ANY_PEM_BLOCK.test(text) || text.trim() === '' ? 'public' : 'private';
}

/** A `.db` file is a database when empty or when it starts with SQLite's header (not Thumbs.db and friends). */
async function looksLikeSqlite(abs: string): Promise<boolean> {
  try {
    const handle = await open(abs, 'r');
    try {
      const buf = Buffer.alloc(16);
      const { bytesRead } = await handle.read(buf, 0, 16, 0);
      return bytesRead === 0 || buf.toString('latin1', 0, bytesRead) === SQLITE_MAGIC;
    } finally {
      await handle.close();
    }
  } catch {
    return true;
  }
}

interface ExamineOptions {
  isRoot: boolean;
  defaultOwner: string | undefined;
  owners: PasswdCache;
}

/** Judges one item: its mode against its policy entry, world-writability, setuid bits, and its owner. */
async function examine(
  item: Item,
  options: ExamineOptions,
): Promise<{ matched: boolean; findings: FindingInput[] }> {
  const verdict = await verdictFor(item);
  const findings: FindingInput[] = [];
  const mode = item.mode & 0o7777;
  const actual = octal(mode);
  const what = verdict ? `${item.shown} (${verdict.label})` : item.shown;
  const note = verdict?.note ? `; ${verdict.note}` : '';
  const chmodFix = (newMode: number, rule: string): Pick<FindingInput, 'fix' | 'remediation'> => ({
    fix: {
      kind: 'chmod',
      path: item.real,
      mode: newMode,
      description: `chmod ${octal(newMode)} ${item.shown}`,
    },
    remediation: `Run chmod ${octal(newMode)} ${shellQuote(item.shown)} (tradesec audit --fix does this)${
      rule === 'world-readable-log' && item.kind === 'file' ? ', with the log directory at 750' : ''
    }.`,
  });

  if (mode & 0o002) {
    const target = verdict ? mode & verdict.maxMode : mode & ~0o002;
    const allowed = verdict ? `; the policy allows at most ${octal(verdict.maxMode)}` : '';
    const sticky = item.kind === 'dir' && mode & 0o1000 ? ' (sticky, but anyone can still add files)' : '';
    findings.push({
      rule: 'world-writable',
      file: item.shown,
      message: `${what} is world-writable: mode ${actual}${sticky}${allowed}${note}`,
      evidence: `mode ${actual}`,
      ...chmodFix(target, 'world-writable'),
    });
  } else if (verdict && mode & ~verdict.maxMode) {
    const excess = mode & ~verdict.maxMode;
    const worldRead = item.kind === 'dir' ? 0o005 : 0o004;
    const isLog = verdict.entry.category === 'log' || verdict.entry.category === 'log-dir';
    const rule = isLog && (excess & ~worldRead) === 0 ? 'world-readable-log' : 'too-permissive';
    const severity: Severity | undefined = rule === 'too-permissive' && isLog ? 'medium' : undefined;
    findings.push({
      rule,
      file: item.shown,
      message:
        `${what} has mode ${actual}; at most ${octal(verdict.maxMode)} is allowed (${describeBits(excess)})` +
        note,
      evidence: `mode ${actual} max ${octal(verdict.maxMode)}`,
      ...(severity ? { severity } : {}),
      ...chmodFix(mode & verdict.maxMode, rule),
    });
  } else if (!verdict && item.kind === 'file' && mode & 0o6000) {
    findings.push({
      rule: 'setuid',
      file: item.shown,
      message: `${item.shown} has mode ${actual} (${describeBits(mode & 0o6000)})`,
      evidence: `mode ${actual}`,
      ...chmodFix(mode & ~0o6000, 'setuid'),
    });
  }

  const owner = verdict
    ? (verdict.entry.owner ??
      (SECRET_CATEGORIES.has(verdict.entry.category) ? options.defaultOwner : undefined))
    : undefined;
  if (verdict && owner && options.isRoot) {
    const users = await options.owners.load(item.passwd);
    const expectedUid = /^\d+$/.test(owner) ? Number(owner) : users.byName.get(owner);
    if (expectedUid === undefined) {
      findings.push({
        rule: 'wrong-owner',
        severity: 'low',
        file: item.shown,
        message: `the policy says ${item.shown} belongs to "${owner}", but no such user is in ${displayPasswd(item)}, so its owner was not checked`,
        evidence: `unknown owner ${owner}`,
      });
    } else if (expectedUid !== item.uid) {
      const actualOwner = users.byUid.get(item.uid) ?? `uid ${item.uid}`;
      findings.push({
        rule: 'wrong-owner',
        file: item.shown,
        message: `${what} belongs to ${actualOwner}, not ${owner}`,
        evidence: `owner ${actualOwner} expected ${owner}`,
        remediation: `Run chown ${owner} ${shellQuote(item.shown)}.`,
        fix: {
          kind: 'command',
          argv: ['chown', owner, item.real],
          description: `chown ${owner} ${item.shown}`,
        },
      });
    }
  }
  return { matched: verdict !== undefined, findings };
}

function displayPasswd(item: Item): string {
  return item.shown.startsWith('/') ? '/etc/passwd of the host' : '/etc/passwd';
}

/** The repository's files (from the shared discovery) and directories that need a look, with their modes. */
async function repoItems(ctx: CheckContext, policy: CompiledPolicy): Promise<Item[]> {
  const files = await ctx.files();
  const excluded = globMatcher(ctx.config.exclude);
  const dirs = new Set<string>(['']);
  for (const f of files) {
    let d = path.posix.dirname(f.path);
    while (d !== '.' && !dirs.has(d)) {
      dirs.add(d);
      d = path.posix.dirname(d);
    }
  }
  // Directories holding no files (an empty logs/ or ssl/) are not in the discovery: look one level down.
  const known = [...dirs];
  const found = await mapLimit(known, CONCURRENCY, async (d) => {
    const entries = await readdir(path.join(ctx.root, d), { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => (d ? `${d}/${e.name}` : e.name))
      .filter((rel) => !dirs.has(rel) && !excluded(rel));
  });
  for (const list of found) for (const d of list) dirs.add(d);

  const passwd = '/etc/passwd';
  const items: Item[] = [];
  // Synchronous stats in slices: several times faster than a promise per file on a large tree, and the
  // pauses between slices let the other checks run.
  await inSlices(files, (f) => {
    // A symlink is judged by its target's mode (chmod follows links) but reported under its own path.
    const st = f.symlink ? statOrUndefined(f.abs) : lstatOrUndefined(f.abs);
    if (!st?.isFile()) return;
    // Only what the policy may cover, and what is world-writable or setuid, needs a closer look.
    if (!(st.mode & 0o6002) && !policy.mayMatch(f.path)) return;
    const real = f.symlink ? realpathOrSelf(f.abs) : f.abs;
    items.push({
      shown: f.path,
      rel: f.path,
      real,
      kind: 'file',
      mode: st.mode,
      uid: st.uid,
      symlink: f.symlink,
      policy,
      passwd,
    });
  });
  await inSlices([...dirs], (d) => {
    const abs = d ? path.join(ctx.root, d) : ctx.root;
    const st = lstatOrUndefined(abs);
    if (!st?.isDirectory()) return;
    if (!(st.mode & 0o002) && !policy.mayMatch(d)) return;
    items.push({
      shown: d || '.',
      rel: d,
      real: abs,
      kind: 'dir',
      mode: st.mode,
      uid: st.uid,
      symlink: false,
      policy,
      passwd,
    });
  });
  return items;
}

function lstatOrUndefined(abs: string): Stats | undefined {
  try {
    return lstatSync(abs, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function statOrUndefined(abs: string): Stats | undefined {
  try {
    return statSync(abs, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function realpathOrSelf(abs: string): string {
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

/** Calls `fn` on every item, yielding to the event loop between slices. */
async function inSlices<T>(items: readonly T[], fn: (item: T) => void, size = 1000): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    for (const item of items.slice(i, i + size)) fn(item);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

interface HostWalk {
  policy: CompiledPolicy;
  passwd: string;
  skipDirs: ReadonlySet<string>;
}

/** Files and directories under a host path (itself included), reported with their absolute host paths. */
async function hostItems(hostRoot: string, hostPath: string, walk: HostWalk): Promise<Item[]> {
  const base = path.join(hostRoot, hostPath);
  const baseSt = await lstat(base).catch(() => undefined);
  if (!baseSt?.isDirectory()) return [];
  const out: Item[] = [];
  const shownOf = (abs: string) => `/${path.relative(hostRoot, abs).split(path.sep).join('/')}`;
  const relOf = (abs: string) => path.relative(base, abs).split(path.sep).join('/');
  const visit = async (dirAbs: string, st: Stats): Promise<void> => {
    out.push(makeHostItem(dirAbs, dirAbs, 'dir', st, false));
    const dir = await opendir(dirAbs).catch(() => undefined);
    if (!dir) return;
    const subdirs: string[] = [];
    for await (const e of dir) {
      const abs = path.join(dirAbs, e.name);
      if (e.isDirectory()) {
        if (!walk.skipDirs.has(e.name)) subdirs.push(abs);
      } else if (e.isFile()) {
        const fst = await lstat(abs).catch(() => undefined);
        if (fst) out.push(makeHostItem(abs, abs, 'file', fst, false));
      } else if (e.isSymbolicLink()) {
        const real = await resolveInRoot(hostRoot, abs);
        const fst = real ? await stat(real).catch(() => undefined) : undefined;
        if (real && fst?.isFile()) out.push(makeHostItem(abs, real, 'file', fst, true));
      }
    }
    for (const sub of subdirs) {
      const sst = await lstat(sub).catch(() => undefined);
      if (sst?.isDirectory() && !(await isVirtualenv(sub))) await visit(sub, sst);
    }
  };
  function makeHostItem(abs: string, real: string, kind: Kind, st: Stats, symlink: boolean): Item {
    return {
      shown: shownOf(abs),
      rel: relOf(abs),
      real,
      kind,
      mode: st.mode,
      uid: st.uid,
      symlink,
      policy: walk.policy,
      passwd: walk.passwd,
    };
  }
  await visit(base, baseSt);
  return out;
}

async function isVirtualenv(dirAbs: string): Promise<boolean> {
  const st = await lstat(path.join(dirAbs, 'pyvenv.cfg')).catch(() => undefined);
  return st?.isFile() ?? false;
}

/** Follows a symlink with absolute targets read relative to the host root; undefined when it leaves it. */
async function resolveInRoot(hostRoot: string, abs: string): Promise<string | undefined> {
  let current = abs;
  for (let hops = 0; hops < 16; hops++) {
    const st = await lstat(current).catch(() => undefined);
    if (!st) return undefined;
    if (!st.isSymbolicLink()) return current;
    const target = await readlink(current).catch(() => undefined);
    if (target === undefined) return undefined;
    current = path.isAbsolute(target)
      ? path.join(hostRoot, target)
      : path.resolve(path.dirname(current), target);
    const rel = path.relative(hostRoot, current);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  }
  return undefined;
}

/** One item per file on disk: a symlink is dropped when its target is examined under its own path. */
function dedupe(items: readonly Item[]): Item[] {
  const direct = new Set(items.filter((i) => !i.symlink).map((i) => i.real));
  const seen = new Set<string>();
  return items.filter((i) => {
    if (i.symlink && direct.has(i.real)) return false;
    const key = `${i.kind}\0${i.real}\0${i.shown}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** User names and ids from a passwd file, read once per file. */
class PasswdCache {
  private readonly cache = new Map<
    string,
    Promise<{ byName: Map<string, number>; byUid: Map<number, string> }>
  >();

  load(file: string): Promise<{ byName: Map<string, number>; byUid: Map<number, string> }> {
    let cached = this.cache.get(file);
    if (!cached) {
      cached = readFile(file, 'utf8').then(parsePasswd, () => parsePasswd(''));
      this.cache.set(file, cached);
    }
    return cached;
  }
}

function parsePasswd(text: string): { byName: Map<string, number>; byUid: Map<number, string> } {
  const byName = new Map<string, number>();
  const byUid = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (!name || uid === undefined || !/^\d+$/.test(uid)) continue;
    byName.set(name, Number(uid));
    if (!byUid.has(Number(uid))) byUid.set(Number(uid), name);
  }
  return { byName, byUid };
}

/** A mode as four octal digits: 0640, 4755. */
function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** Says in words what extra permission bits allow. */
export function describeBits(bits: number): string {
  const parts: string[] = [];
  if (bits & 0o4000) parts.push('setuid');
  if (bits & 0o2000) parts.push('setgid');
  if (bits & 0o1000) parts.push('sticky bit');
  const who: Array<[string, number]> = [
    ['owner', 6],
    ['group', 3],
    ['others', 0],
  ];
  for (const [name, shift] of who) {
    const b = (bits >> shift) & 0o7;
    if (!b) continue;
    const can = [b & 4 ? 'read' : '', b & 2 ? 'write' : '', b & 1 ? 'execute' : ''].filter(Boolean);
    parts.push(`${name} can ${can.join(', ')}`);
  }
  return parts.join('; ');
}

function shellQuote(p: string): string {
  return /^[\w./@%+=:,-]+$/.test(p) ? p : `'${p.replace(/'/g, "'\\''")}'`;
}

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
