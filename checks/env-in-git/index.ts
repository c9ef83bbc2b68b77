// env-in-git: env files and keys are ignored, untracked, absent from every commit, and kept out of Docker builds.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import {
  BACKUP_DIR,
  type CheckContext,
  defineCheck,
  type FindingInput,
  type GitRepo,
  globMatcher,
  type HistoryEntry,
  isInBackupDir,
  type SkipCode,
  skip,
  unreadableFinding,
} from '../../src/index.js';
import { codeList, templatePatterns } from './templates.js';

/** The ignore rule git says decides a path. */
type IgnoreMatch = Awaited<ReturnType<GitRepo['ignoreMatches']>> extends Map<string, infer M> ? M : never;

/** What kind of secret a path names, judging by its name alone (`pem` needs a look at the content). */
type SecretKind = 'env' | 'key' | 'pem' | 'backup';

/** What tradesec recommends, from the shipped templates (templates/gitignore, templates/dockerignore). */
const GITIGNORE_TEMPLATE = templatePatterns('gitignore');
const DOCKERIGNORE_TEMPLATE = templatePatterns('dockerignore');
/** The template lines that cover one kind of file. */
const gitignoreLines = (test: RegExp) => GITIGNORE_TEMPLATE.filter((l) => test.test(l));

/** Templates that are meant to be committed. */
const EXAMPLE_FILE = /\.(example|sample|template|dist)$/i;
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const ANY_PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----/;
const SSH_KEY = /^id_(rsa|dsa|ecdsa|ed25519)/;
/** Pathspecs of every file name that can hold a secret, for the history search. */
const HISTORY_GLOBS = [
  '**/.env',
  '**/.env.*',
  '**/*.env',
  '**/*.key',
  '**/*.pem',
  '**/*.p12',
  '**/*.pfx',
  '**/id_rsa*',
  '**/id_dsa*',
  '**/id_ecdsa*',
  '**/id_ed25519*',
  `**/${BACKUP_DIR}/**`,
];
/** Globs for secret files in the working tree. */
const SECRET_FILE_GLOBS = [
  '.env',
  '.env.*',
  '*.env',
  '*.key',
  '*.pem',
  '*.p12',
  '*.pfx',
  'id_*',
  `**/${BACKUP_DIR}/**`,
];
const DOCKERFILE_GLOBS = ['Dockerfile', 'Dockerfile.*', '*.Dockerfile', '*.dockerfile', 'Containerfile'];
const NO_RULE = 'no rule matches it';
/** How many versions of one `.pem` in history are opened to tell a key from a certificate. */
const PEM_VERSIONS_READ = 10;

/** Files `.gitignore` must cover, probed at the root and in a subdirectory (ignore rules may be anchored). */
interface IgnoreGroup {
  what: string;
  /** Lines to add to `.gitignore`. */
  add: string[];
  names: string[];
  /** The name also probed in a subdirectory. */
  nested: string;
  kinds: SecretKind[];
}

const IGNORE_GROUPS: readonly IgnoreGroup[] = [
  {
    what: 'env files',
    add: gitignoreLines(/^!?\.env/),
    names: ['.env', '.env.production', '.env.local'],
    nested: '.env.production',
    kinds: ['env'],
  },
  {
    what: 'private keys',
    add: gitignoreLines(/^\*\.key$/),
    names: ['server.key'],
    nested: 'server.key',
    kinds: ['key'],
  },
  {
    what: 'PEM files',
    add: gitignoreLines(/^\*\.pem$/),
    names: ['privkey.pem'],
    nested: 'privkey.pem',
    kinds: ['pem'],
  },
];

export default defineCheck({
  meta: {
    id: 'env-in-git',
    point: 11,
    title: 'Env files and keys stay out of git and out of Docker images',
    description:
      'Asks git whether .gitignore really ignores env files (.env, .env.*, but not .env.example), *.key and ' +
      '*.pem, at the root and in subdirectories; lists env and key files git tracks; searches every commit ' +
      'reachable from any ref for env and key files (and rotate-keys backups) ever committed; and, when the repository has a ' +
      "Dockerfile, checks that .dockerignore excludes .env* and .git, following Docker's matching rules.",
    targets: ['repo'],
    rules: {
      'not-ignored': {
        title: '.gitignore ignores env files, private keys and PEM files',
        severity: 'high',
        description:
          'Without an effective ignore rule, one `git add .` commits the production secrets, and every clone, ' +
          'fork and CI cache keeps them forever.',
        remediation: `Add ${codeList(GITIGNORE_TEMPLATE)} to .gitignore (as in tradesec's templates/gitignore) and commit it.`,
      },
      'example-ignored': {
        title: 'The .env.example template is not ignored',
        severity: 'low',
        description:
          'The template that tells others which variables to set belongs in the repository; an ignore rule ' +
          'that swallows it usually means `.env*` lacks its `!.env.example` exception.',
        remediation: 'Add `!.env.example` after the `.env*` line of .gitignore.',
      },
      'tracked-secret-file': {
        title: 'No env or key file is tracked by git',
        severity: 'critical',
        description:
          'A tracked env or key file is in every clone of the repository. Ignore rules do not untrack a file ' +
          'that is already tracked.',
        remediation:
          'Run `git rm --cached <file>`, make sure .gitignore covers it, commit, then rotate every key the file ' +
          'held and remove it from history (git filter-repo) before force-pushing.',
      },
      'secret-in-history': {
        title: 'No env or key file was ever committed',
        severity: 'high',
        description:
          'Deleting a file does not remove it from history: every commit that held it still serves it to ' +
          'anyone who can fetch the repository.',
        remediation:
          'Rotate every key the file held first (they are exposed), then rewrite history with ' +
          '`git filter-repo --invert-paths --path <file>`, force-push every branch and tag, and ask ' +
          'collaborators to re-clone.',
      },
      'dockerignore-missing': {
        title: 'A .dockerignore sits in every Docker build context',
        severity: 'high',
        description:
          'Without .dockerignore, `COPY . .` copies .env files, keys and the .git directory (with its whole ' +
          'history) into the image, where anyone who can pull it can read them.',
        remediation: `Create .dockerignore in the build context with ${codeList(DOCKERIGNORE_TEMPLATE)} (tradesec's templates/dockerignore).`,
      },
      'dockerignore-incomplete': {
        title: '.dockerignore excludes .env* and .git',
        severity: 'high',
        description:
          'Files that .dockerignore does not exclude are sent to the builder and end up in the image with ' +
          '`COPY . .`; a later `!pattern` line re-includes what an earlier line excluded.',
        remediation: `Add the patterns it lacks of ${codeList(DOCKERIGNORE_TEMPLATE)} (tradesec's templates/dockerignore) to .dockerignore, after any \`!\` line that would re-include them.`,
      },
    },
    references: [
      'https://git-scm.com/docs/git-check-ignore',
      'https://docs.docker.com/build/concepts/context/#dockerignore-files',
      'https://github.com/newren/git-filter-repo',
      'https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/removing-sensitive-data-from-a-repository',
    ],
  },

  async run(ctx) {
    const repo = await ctx.git();
    if ('reason' in repo) return skip(skipCodeFor(repo.reason), `${repo.reason}, so git cannot be asked`);

    // Start the history search now (it is memoised by the repository); it runs while the rest is examined.
    repo.history(HISTORY_GLOBS).catch(() => undefined);
    const [tracked, onDisk] = await Promise.all([repo.trackedFiles(), secretFilesOnDisk(ctx)]);
    // The configuration's `exclude` globs keep paths out of the audit, tracked or historical ones too.
    const excluded = globMatcher(ctx.config.exclude);
    const trackedSecrets = await filterSecrets(
      ctx,
      repo,
      [...tracked].filter((p) => !excluded(p)),
    );
    const findings: FindingInput[] = [];
    findings.push(...(await checkIgnoreRules(ctx, repo, tracked, trackedSecrets, onDisk)));
    findings.push(...(await checkHistory(repo, tracked, excluded)));
    findings.push(...(await checkDockerignore(ctx, onDisk)));
    return findings;
  },
});

function skipCodeFor(reason: string): SkipCode {
  if (/not installed/.test(reason)) return 'tool-missing';
  if (/^not a git repository/.test(reason)) return 'not-a-git-repo';
  return 'unknown';
}

/** The kind of secret a path's name suggests, or undefined (templates are not secrets). */
export function secretKind(p: string): SecretKind | undefined {
  // rotate-keys' backups hold the keys that were rotated out, whatever the backed-up file was called.
  if (isInBackupDir(p)) return 'backup';
  const name = path.posix.basename(p);
  if (EXAMPLE_FILE.test(name)) return undefined;
  if (name === '.env' || name.startsWith('.env.') || (name.endsWith('.env') && name.length > 4)) return 'env';
  if (/\.(key|p12|pfx)$/i.test(name)) return 'key';
  if (SSH_KEY.test(name) && !name.endsWith('.pub')) return 'key';
  if (/\.pem$/i.test(name)) return 'pem';
  return undefined;
}

/** True when PEM text holds no private key (certificates, chains, parameters); false when it may. */
function isPublicPem(text: string): boolean {
  return !PRIVATE_KEY_PEM.test(text) && (ANY_PEM_BLOCK.test(text) || text.trim() === '');
}

/** Secret files among `paths`: env and key files by name, `.pem` files only when they may hold a private key. */
async function filterSecrets(ctx: CheckContext, repo: GitRepo, paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const kind = secretKind(p);
    if (!kind) continue;
    if (kind === 'pem') {
      const text = await ctx.read(p);
      const content = text.kind === 'text' ? text.text : await repo.show('HEAD', p);
      if (content !== undefined && isPublicPem(content)) continue;
    }
    out.push(p);
  }
  return out;
}

/** Secret files and templates present in the working tree, by kind. */
interface DiskFiles {
  secrets: string[];
  examples: string[];
}

async function secretFilesOnDisk(ctx: CheckContext): Promise<DiskFiles> {
  const files = await ctx.glob(SECRET_FILE_GLOBS);
  const secrets: string[] = [];
  const examples: string[] = [];
  for (const f of files) {
    const name = path.posix.basename(f.path);
    if (/^\.env\./.test(name) && EXAMPLE_FILE.test(name)) {
      examples.push(f.path);
      continue;
    }
    const kind = secretKind(f.path);
    if (!kind) continue;
    if (kind === 'pem') {
      const text = await ctx.read(f);
      if (text.kind === 'text' && isPublicPem(text.text)) continue;
    }
    secrets.push(f.path);
  }
  return { secrets, examples };
}

/** A directory name for the subdirectory probes that git can be asked about (not a symlink). */
async function probeDir(root: string): Promise<string> {
  const st = await lstat(path.join(root, 'config')).catch(() => undefined);
  return st?.isSymbolicLink() ? 'tradesec-probe' : 'config';
}

/** `.gitignore` coverage: probes per group, secret files on disk, tracked secrets and the example template. */
async function checkIgnoreRules(
  ctx: CheckContext,
  repo: GitRepo,
  tracked: ReadonlySet<string>,
  trackedSecrets: readonly string[],
  disk: DiskFiles,
): Promise<FindingInput[]> {
  const sub = await probeDir(ctx.root);
  const groups = IGNORE_GROUPS.map((g) => ({ ...g, probes: [...g.names, `${sub}/${g.nested}`] }));
  const untrackedSecrets = disk.secrets.filter((p) => !tracked.has(p));
  const exampleProbes = [...new Set(['.env.example', ...disk.examples])].filter((p) => !tracked.has(p));
  const asked = [
    ...new Set([
      ...groups.flatMap((g) => g.probes),
      ...untrackedSecrets,
      ...trackedSecrets,
      ...exampleProbes,
    ]),
  ];
  const matches = await repo.ignoreMatches(asked);
  /** The `.gitignore` holding a rule, relative to the audited root; undefined when outside it or not shared. */
  const gitignore = (m: IgnoreMatch): string | undefined => {
    if (!m.shared) return undefined;
    if (!repo.prefix) return m.source;
    return m.source.startsWith(repo.prefix) ? m.source.slice(repo.prefix.length) : undefined;
  };
  /** Why a path is not covered by a shared ignore rule, or undefined when it is. */
  const gap = (p: string): { why: string; file?: string; line?: number; negation?: string } | undefined => {
    const m = matches.get(p);
    if (!m) return { why: NO_RULE };
    const file = gitignore(m);
    const at = file ? { file, line: m.line } : {};
    const where = `${m.source}:${m.line}`;
    if (m.negated)
      return {
        why: `\`${m.pattern}\` (${where}) re-includes it`,
        negation: `\`${m.pattern}\` (${where})`,
        ...at,
      };
    if (!m.shared) return { why: `only ${m.source} ignores it, which other clones do not have` };
    return undefined;
  };

  const findings: FindingInput[] = [];
  const failedKinds = new Set<SecretKind>();
  for (const g of groups) {
    const gaps = g.probes.flatMap((p) => {
      const why = gap(p);
      return why ? [{ p, ...why }] : [];
    });
    if (gaps.length === 0) continue;
    for (const k of g.kinds) failedKinds.add(k);
    const atRisk = untrackedSecrets.filter((p) => {
      const kind = secretKind(p);
      return kind !== undefined && g.kinds.includes(kind);
    });
    const located = gaps.find((x) => x.file);
    const negation = gaps.find((x) => x.negation);
    const onlyInSubdir = gaps.every((x) => x.p.includes('/'));
    const unmatched = gaps.filter((x) => x.why === NO_RULE).map((x) => x.p);
    const reasons = [
      ...(unmatched.length ? [`no rule matches ${unmatched.join(', ')}`] : []),
      ...gaps.filter((x) => x.why !== NO_RULE).map((x) => `${x.p}: ${x.why}`),
    ];
    const add = g.add.map((a) => `\`${a}\``).join(' and ');
    findings.push({
      rule: 'not-ignored',
      file: located?.file ?? '.gitignore',
      ...(located?.line ? { line: located.line } : {}),
      message:
        `git does not ignore ${g.what}${onlyInSubdir ? ' in subdirectories' : ''} (${reasons.join('; ')})` +
        (atRisk.length ? `; on disk and not ignored: ${atRisk.join(', ')}` : ''),
      evidence: `${g.what}: ${gaps.map((x) => x.p).join(' ')}`,
      remediation: negation
        ? `Remove ${negation.negation}, or add ${add} after it, and commit .gitignore.`
        : `Add ${add} to .gitignore${onlyInSubdir ? ' without a leading `/`, so they apply in every directory' : ''}, and commit it.`,
    });
  }
  // Files on disk whose kind the probes found covered, but that some rule (anchoring, a negation) leaves out.
  for (const p of untrackedSecrets) {
    const kind = secretKind(p);
    if (!kind || failedKinds.has(kind)) continue;
    const why = gap(p);
    if (!why) continue;
    findings.push({
      rule: 'not-ignored',
      file: p,
      message: `${p} is neither tracked nor ignored (${why.why}): the next \`git add .\` commits it`,
      evidence: `not ignored ${p}`,
      remediation:
        kind === 'backup'
          ? `Add \`${BACKUP_DIR}/\` to .gitignore (or remove the \`!\` rule that re-includes ${p}).`
          : `Add a rule that ignores ${p} to .gitignore (or remove the \`!\` rule that re-includes it).`,
    });
  }
  for (const p of exampleProbes) {
    const m = matches.get(p);
    // Only the shared rules matter here: a local exclude does not stop anyone else committing the template.
    if (!m || m.negated || !m.shared) continue;
    // Only a template that exists matters: a correct `.env*` rule with no template around is fine.
    if (!disk.examples.includes(p)) continue;
    const file = gitignore(m);
    findings.push({
      rule: 'example-ignored',
      file: file ?? '.gitignore',
      ...(file ? { line: m.line } : {}),
      message: `\`${m.pattern}\` (${m.source}:${m.line}) ignores ${p}, the template others need`,
      evidence: `example ignored ${p}`,
      remediation: `Add \`!${path.posix.basename(p)}\` after \`${m.pattern}\` in ${m.source}.`,
    });
  }
  for (const p of trackedSecrets) {
    const m = matches.get(p);
    const ignored = m !== undefined && !m.negated;
    findings.push({
      rule: 'tracked-secret-file',
      file: p,
      message:
        `${p} is tracked by git, so every clone holds it` +
        (ignored ? ` (${m.source} ignores it, but ignore rules do not untrack a file)` : ''),
      evidence: `tracked ${p}`,
      remediation:
        `Run \`git rm --cached -- ${p}\`${ignored ? '' : ', add it to .gitignore'} and commit; then rotate every key ` +
        `it held and remove it from history (git filter-repo --invert-paths --path ${p}) before force-pushing.`,
    });
  }
  return findings;
}

/** Secret files that some commit on some ref held, and that are not tracked any more. */
async function checkHistory(
  repo: GitRepo,
  tracked: ReadonlySet<string>,
  excluded: (p: string) => boolean,
): Promise<FindingInput[]> {
  const entries = await repo.history(HISTORY_GLOBS);
  const byPath = new Map<string, HistoryEntry[]>();
  for (const e of entries) {
    if (tracked.has(e.path) || !secretKind(e.path) || excluded(e.path)) continue;
    const list = byPath.get(e.path) ?? [];
    list.push(e);
    byPath.set(e.path, list);
  }
  const findings: FindingInput[] = [];
  for (const [p, list] of [...byPath].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    list.sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
    if (secretKind(p) === 'pem' && !(await pemEverHeldKey(repo, p, list))) continue;
    const first = list[0];
    const last = list.at(-1);
    if (!first || !last) continue;
    const when = (e: HistoryEntry) => `${e.commit.slice(0, 7)} (${e.date.slice(0, 10)})`;
    const commits =
      first.commit === last.commit
        ? `commit ${when(first)}`
        : `${list.length} commits, first ${when(first)}, last ${when(last)}`;
    findings.push({
      rule: 'secret-in-history',
      file: p,
      message:
        `${p} is not tracked now, but git history holds it in ${commits}: ` +
        'rotate every key it held, then rewrite history and force-push',
      evidence: `history ${p}`,
      remediation:
        `Rotate every key ${p} held (they are exposed to anyone with a clone), then run ` +
        `\`git filter-repo --invert-paths --path ${p}\`, force-push every branch and tag, and have collaborators re-clone.`,
    });
  }
  return findings;
}

/** Whether any version of a `.pem` in history (newest first, a bounded number) held a private key. */
async function pemEverHeldKey(repo: GitRepo, p: string, list: readonly HistoryEntry[]): Promise<boolean> {
  const commits = [...new Set(list.map((e) => e.commit))].reverse().slice(0, PEM_VERSIONS_READ);
  for (const c of commits) {
    const text = await repo.show(c, p);
    if (text === undefined || !isPublicPem(text)) return true;
  }
  return false;
}

/** A `.dockerignore` line: a pattern, whether it re-includes, and where it is. */
interface DockerignoreRule {
  negated: boolean;
  line: number;
  text: string;
  match: (p: string) => boolean;
}

/** Parses `.dockerignore` as Docker does: trimmed lines, `#` comments, `!` negations, cleaned paths. */
export function parseDockerignore(text: string): DockerignoreRule[] {
  const rules: DockerignoreRule[] = [];
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    let pattern = raw.trim();
    if (!pattern || pattern.startsWith('#')) return;
    const negated = pattern.startsWith('!');
    if (negated) pattern = pattern.slice(1).trim();
    pattern = path.posix.normalize(pattern).replace(/\/+$/, '').replace(/^\/+/, '');
    if (!pattern || pattern === '.') return;
    const match = picomatch(pattern, { dot: true, nobrace: true, noextglob: true });
    rules.push({ negated, line: i + 1, text: raw.trim(), match });
  });
  return rules;
}

/** Docker's decision for a path: the last rule matching it or one of its parent directories wins. */
export function dockerignoreDecision(
  rules: readonly DockerignoreRule[],
  p: string,
): { excluded: boolean; rule?: DockerignoreRule } {
  const parts = p.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let decided: DockerignoreRule | undefined;
  for (const rule of rules) {
    if (candidates.some((c) => rule.match(c))) decided = rule;
  }
  return decided ? { excluded: !decided.negated, rule: decided } : { excluded: false };
}

/** `.dockerignore` next to every Dockerfile's build context, excluding env files, keys and `.git`. */
async function checkDockerignore(ctx: CheckContext, disk: DiskFiles): Promise<FindingInput[]> {
  const dockerfiles = (await ctx.glob(DOCKERFILE_GLOBS)).filter((f) => !f.path.endsWith('.dockerignore'));
  if (dockerfiles.length === 0) return [];
  const all = new Set((await ctx.files()).map((f) => f.path));
  const findings: FindingInput[] = [];
  const seen = new Set<string>();
  for (const df of dockerfiles) {
    const found = findDockerignore(df.path, all);
    const context = found ? found.context : path.posix.dirname(df.path);
    const key = found?.file ?? `missing:${context}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const prefix = context === '.' ? '' : `${context}/`;
    if (!found) {
      findings.push({
        rule: 'dockerignore-missing',
        file: `${prefix}.dockerignore`,
        message:
          `${df.path} exists but its build context (${context === '.' ? 'the root' : context}) has no ` +
          '.dockerignore: `COPY . .` puts .env files, keys and .git into the image',
        evidence: `missing ${prefix}.dockerignore`,
      });
      continue;
    }
    const text = await ctx.read(found.file);
    if (text.kind !== 'text') {
      // An ignore file that cannot be read cannot be vouched for: fail closed, never pass it.
      findings.push(unreadableFinding(found.file, text));
      continue;
    }
    const rules = parseDockerignore(text.text);
    const inContext = (p: string) => (p.startsWith(prefix) ? p.slice(prefix.length) : undefined);
    const present = disk.secrets.map(inContext).filter((p): p is string => p !== undefined);
    const groups: Array<{ what: string; patterns: RegExp; probes: string[] }> = [
      {
        what: 'env files',
        patterns: /\.env/,
        probes: [
          ...new Set([
            '.env',
            '.env.production',
            '.env.local',
            ...present.filter((p) => secretKind(p) === 'env'),
          ]),
        ],
      },
      { what: 'the .git directory', patterns: /\.git$/, probes: ['.git'] },
      {
        what: 'key files',
        patterns: /\.(key|pem)$/,
        probes: present.filter((p) => secretKind(p) === 'key' || secretKind(p) === 'pem'),
      },
      {
        what: `rotate-keys backups (${BACKUP_DIR})`,
        patterns: new RegExp(BACKUP_DIR.replace('.', '\\.')),
        probes: present.filter((p) => secretKind(p) === 'backup'),
      },
    ];
    for (const g of groups) {
      const misses = g.probes
        .map((p) => ({ p, ...dockerignoreDecision(rules, p) }))
        .filter((d) => !d.excluded);
      if (misses.length === 0) continue;
      const reinclude = misses.find((m) => m.rule);
      const add = codeList(
        patternsExcluding(
          g.patterns,
          misses.map((m) => m.p),
        ),
      );
      findings.push({
        rule: 'dockerignore-incomplete',
        file: found.file,
        ...(reinclude?.rule ? { line: reinclude.rule.line } : {}),
        message:
          `${found.file} does not exclude ${g.what}: ` +
          misses
            .map((m) => (m.rule ? `${m.p} (re-included by \`${m.rule.text}\` on line ${m.rule.line})` : m.p))
            .join(', ') +
          ` would be sent to the Docker build of ${df.path}`,
        evidence: `${g.what}: ${misses.map((m) => m.p).join(' ')}`,
        remediation: reinclude?.rule
          ? `Remove \`${reinclude.rule.text}\` or add ${add} after it in ${found.file}.`
          : `Add ${add} to ${found.file}.`,
      });
    }
  }
  return findings;
}

/**
 * The lines of templates/dockerignore (those matching `kind`) that exclude the missed paths: for each path,
 * the first template line that excludes it (`.env*` for `.env`, its any-depth variant for `app/.env`), else the path.
 */
function patternsExcluding(kind: RegExp, missed: readonly string[]): string[] {
  const lines = DOCKERIGNORE_TEMPLATE.filter((l) => kind.test(l));
  const out = new Set<string>();
  for (const p of missed) {
    const line = lines.find((l) => dockerignoreDecision(parseDockerignore(l), p).excluded);
    out.add(line ?? p);
  }
  return [...out];
}

/**
 * The ignore file that applies to a Dockerfile: `<Dockerfile>.dockerignore` beside it (BuildKit), else
 * `.dockerignore` in its directory or the nearest parent up to the root (`docker build -f dir/Dockerfile .`).
 */
function findDockerignore(
  dockerfile: string,
  files: ReadonlySet<string>,
): { file: string; context: string } | undefined {
  const dir = path.posix.dirname(dockerfile);
  if (files.has(`${dockerfile}.dockerignore`)) return { file: `${dockerfile}.dockerignore`, context: dir };
  let d = dir;
  for (;;) {
    const candidate = d === '.' ? '.dockerignore' : `${d}/.dockerignore`;
    if (files.has(candidate)) return { file: candidate, context: d };
    if (d === '.') return undefined;
    d = path.posix.dirname(d);
  }
}
