// Check 1, secrets: production keys present, strong, unique, fresh, unpublished, and not hardcoded.
import {
  AUDIT_MIN_SECRET_BYTES,
  type CheckContext,
  ConfigError,
  defineCheck,
  descendantsOfType,
  type FindingInput,
  GRACE_PERIOD_DAYS,
  globMatcher,
  isRotationArtefact,
  lineOf,
  parseEnvFile,
  parsePython,
  type RepoFile,
  type SyntaxNode,
  skip,
  unreadableFinding,
} from '../../src/index.js';
import { dockerVariables } from './dockerfile.js';
import {
  copiesOf,
  examineExample,
  examineProductionEnv,
  examineReuse,
  type KeyLocation,
  type ParsedEnv,
  parsedEnv,
  type SecretsOptions,
  traceableKeys,
} from './env.js';
import { ENV_LIKE_GLOBS, findExposures, shortCommit } from './exposure.js';
import { isNonSecretLiteral, isSecretName } from './names.js';
import { findHardcodedSecrets } from './python.js';
import { isPublishedKey, shownFingerprint } from './strength.js';

/** Production env files examined by default, at any depth. */
export const PRODUCTION_ENV_FILES: readonly string[] = ['.env.production', '.env.prod'];

/** Example env files: placeholders are expected there. */
export const EXAMPLE_ENV_FILES: readonly string[] = [
  '.env.example',
  '.env.sample',
  '.env.template',
  '.env.dist',
];

/** Every env file, whatever its environment: production values must not appear in any of them. */
const ANY_ENV_FILES: readonly string[] = ['.env', '.env.*', '*.env'];

const DOCKERFILES: readonly string[] = [
  'Dockerfile',
  'Dockerfile.*',
  '*.Dockerfile',
  '*.dockerfile',
  'dockerfile',
  'Containerfile',
  'Containerfile.*',
];

// The grace period and the key size are the ones rotate-keys and secrets generate work to: one value each.
const DEFAULTS = {
  requiredKeys: 'SECRET_KEY,API_SECRET_KEY',
  maxAgeDays: 90,
  graceDays: GRACE_PERIOD_DAYS,
  minBytes: AUDIT_MIN_SECRET_BYTES,
};

const ROTATE = 'Generate a new value (tradesec secrets generate) or run tradesec rotate-keys on the env file';

export default defineCheck({
  meta: {
    id: 'secrets',
    point: 1,
    title: 'Secrets are strong, unique, rotated, unpublished and kept out of code',
    description:
      'Examines SECRET_KEY, API_SECRET_KEY and every other secret-named key in production env files ' +
      '(.env.production, .env.prod and configured names): present, at least 32 bytes of entropy, not a ' +
      'placeholder or UUID, not shared between files or keys, not one of the keys the hardening guide ' +
      'published, rotated within 90 days, and never held by any commit of the git history. Also finds ' +
      'secret-named names bound to string literals in Python source and Dockerfile ENV/ARG. Values are never ' +
      'printed: reports show a sha256 fingerprint.',
    targets: ['repo'],
    rules: {
      'missing-key': {
        title: 'Production env files set every required key',
        severity: 'high',
        description:
          'An application that starts without SECRET_KEY or API_SECRET_KEY either crashes or falls back to a default ' +
          'that attackers know.',
        remediation: 'Add the key with a generated value: tradesec secrets generate.',
      },
      'weak-key': {
        title: 'Secret keys carry at least 32 bytes of entropy',
        severity: 'high',
        description:
          'Short or low-variety keys can be brute-forced offline from one signed token. Hex and base64 are decoded ' +
          'before counting: 32 hex characters are only 16 bytes.',
        remediation: `${ROTATE}; use 32 random bytes (secrets.token_urlsafe(32) in Python).`,
      },
      placeholder: {
        title: 'Secret keys are generated, not placeholders',
        severity: 'critical',
        description:
          'Values like changeme or your-secret-key are in every tutorial and every attacker wordlist: the key is public.',
        remediation: `${ROTATE}.`,
      },
      'uuid-key': {
        title: 'Secret keys are not UUIDs',
        severity: 'high',
        description:
          'A UUID carries at most 122 random bits (fewer for time-based versions) and is made to be unique, not secret; ' +
          'UUIDs also leak into logs and URLs.',
        remediation: `${ROTATE}.`,
      },
      'reused-key': {
        title: 'Each secret value is used once',
        severity: 'medium',
        description:
          'A value shared by two env files or two keys turns one leak into several: rotating one copy leaves the other valid.',
        remediation: 'Give each key in each environment its own generated value (tradesec rotate-keys).',
      },
      'published-key': {
        title: 'No key published in the hardening guide is used',
        severity: 'critical',
        description:
          'The hardening guide printed two "generated" keys; anyone who copied one uses a key the whole internet has.',
        remediation: `${ROTATE} now, and treat tokens signed with the old key as forged.`,
      },
      'stale-key': {
        title: 'Secret keys are rotated within the rotation period',
        severity: 'medium',
        description:
          'The rotation record above the key (# tradesec: rotated <date>) is older than the allowed age (90 days by ' +
          'default), so a leaked key would still be valid.',
        remediation: 'Rotate it: tradesec rotate-keys --env-file <file> --keys <KEY>.',
      },
      'no-rotation-record': {
        title: 'Secret keys carry a rotation record',
        severity: 'info',
        description:
          'Without a "# tradesec: rotated <date>" comment above the key its age cannot be told, so the rotation policy ' +
          'cannot be verified.',
        remediation: 'Rotate the key with tradesec rotate-keys, which records the date above it.',
      },
      'previous-key-kept': {
        title: 'Old key values are dropped after the grace period',
        severity: 'low',
        description:
          'rotate-keys keeps the old value as <KEY>_PREVIOUS so clients can switch over; kept longer than the grace ' +
          'period, the old key stays valid and the rotation does not protect anything.',
        remediation: 'Remove it: tradesec rotate-keys --drop-previous --env-file <file>.',
      },
      'exposed-in-git': {
        title: 'No secret value is tracked by git or held by any commit',
        severity: 'critical',
        description:
          'A value that git tracks, or that any commit reachable from any ref ever held, is in every clone and fork, ' +
          'even after the file is deleted or ignored.',
        remediation:
          'Rotate the key (tradesec rotate-keys), untrack the file (git rm --cached), then rewrite history ' +
          '(git filter-repo) and force-push; rotation comes first because clones keep the old history.',
      },
      'real-key-in-example': {
        title: 'Example env files hold placeholders, not production keys',
        severity: 'high',
        description:
          'Example files are committed and shared; one that holds a production value publishes it.',
        remediation: `Put a placeholder in the example file, then ${ROTATE.charAt(0).toLowerCase()}${ROTATE.slice(1)} for the production key.`,
      },
      'hardcoded-in-source': {
        title: 'Python source does not hardcode secrets',
        severity: 'high',
        description:
          'A secret-named name bound to a string literal (assignment, settings field default, keyword argument, or ' +
          'the default of os.getenv/os.environ.get) ships the secret with the code and to everyone who reads it.',
        remediation:
          'Read the value from the environment without a literal fallback (pydantic BaseSettings field without a ' +
          'default, or os.environ["KEY"]), and rotate the key that was in the source.',
      },
      'hardcoded-in-dockerfile': {
        title: 'Dockerfiles do not set secrets in ENV or ARG',
        severity: 'high',
        description:
          'ENV values and ARG defaults are stored in the image configuration and history; anyone who can pull the ' +
          'image can read them (docker history, docker inspect).',
        remediation:
          'Pass secrets at run time (env_file in compose, EnvironmentFile in systemd) or use BuildKit secrets ' +
          '(RUN --mount=type=secret), and rotate the key that was in the Dockerfile.',
      },
      'future-rotation-record': {
        title: 'Rotation records are not dated in the future',
        severity: 'medium',
        description:
          'A rotation record dated after today is wrong (a typo, a bad clock, or edited by hand), and it would ' +
          'hide a key that was never rotated from the rotation policy.',
        remediation: 'Rotate the key with tradesec rotate-keys, which writes a correct record above it.',
      },
      'unresolved-reference': {
        title: 'Secret keys given as references can be examined',
        severity: 'low',
        description:
          'A value like $VAULT_SECRET that refers to a variable the file does not define is filled in at run ' +
          'time, so tradesec cannot tell whether the key it becomes is strong, fresh or exposed.',
        remediation:
          'Nothing to fix if the variable comes from a secret store; audit the store, or define the variable in the ' +
          'env file so it can be examined.',
      },
      'git-unavailable': {
        title: 'The git history could be searched for the keys',
        severity: 'info',
        description:
          'Without git, tradesec cannot tell whether a key was ever committed, so exposure in the history is not ' +
          'checked.',
        remediation: 'Install git (or put it on PATH) and run the audit again.',
      },
      'syntax-error': {
        title: 'Python files parse',
        severity: 'low',
        description: 'Code in a part of a file that does not parse cannot be examined for hardcoded secrets.',
        remediation: 'Fix the syntax error (python -m py_compile <file>).',
      },
    },
    options: {
      'env-files': {
        description:
          'More production env file names or globs (comma-separated); a name without / matches at any depth',
        default: '',
      },
      'required-keys': {
        description: 'Keys every production env file must set',
        default: DEFAULTS.requiredKeys,
      },
      'max-age-days': {
        description: 'Oldest allowed rotation record, in days',
        default: String(DEFAULTS.maxAgeDays),
      },
      'grace-days': {
        description: 'How long <KEY>_PREVIOUS may stay after a rotation, in days',
        default: String(DEFAULTS.graceDays),
      },
      'min-bytes': {
        description: 'Least entropy of a secret key, in bytes (at least 16)',
        default: String(DEFAULTS.minBytes),
      },
    },
    references: [
      'https://docs.python.org/3/library/secrets.html#how-many-bytes-should-tokens-use',
      'https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html',
      'https://docs.docker.com/build/building/secrets/',
    ],
  },

  async run(ctx) {
    const options = readOptions(ctx);
    const configured = ctx.settings.list('env-files');
    const isExample = globMatcher(EXAMPLE_ENV_FILES);
    // rotate-keys' backups, locks and temporary files are not env files of the app (env-in-git guards them).
    const envLike = (patterns: readonly string[]) =>
      ctx.glob(patterns).then((fs) => fs.filter((f) => !isRotationArtefact(f.path)));
    const [prodFiles, exampleFiles, envFiles, dockerfiles, pyFiles] = await Promise.all([
      envLike([...PRODUCTION_ENV_FILES, ...configured]).then((fs) => fs.filter((f) => !isExample(f.path))),
      envLike(EXAMPLE_ENV_FILES),
      envLike(ANY_ENV_FILES).then((fs) => fs.filter((f) => !isExample(f.path))),
      ctx.glob(DOCKERFILES).then((fs) => fs.filter((f) => !f.path.endsWith('.dockerignore'))),
      ctx.glob(['*.py', '*.pyi']),
    ]);
    // An env file that is a link out of the root, a broken link or a FIFO is not absent: it was not examined.
    const envNames = globMatcher([...PRODUCTION_ENV_FILES, ...configured, ...EXAMPLE_ENV_FILES]);
    const unfollowed = (await ctx.unfollowed()).filter(
      (e) => envNames(e.path) && !isRotationArtefact(e.path),
    );
    const notExamined = unfollowed.map((e) => unreadableFinding(e.path, e.reason));
    // Example files alone are worth examining: a template holding the guide's key is copied by everyone.
    if (
      notExamined.length === 0 &&
      prodFiles.length === 0 &&
      exampleFiles.length === 0 &&
      pyFiles.length === 0 &&
      dockerfiles.length === 0
    ) {
      return skip(
        'not-applicable',
        `no production or example env file (${[...PRODUCTION_ENV_FILES, ...configured].join(', ')}), Python source or Dockerfile`,
      );
    }

    const findings: FindingInput[] = [...notExamined];
    const production = await readEnvFiles(ctx, prodFiles, findings);
    for (const env of production) findings.push(...examineProductionEnv(env, options, ctx.now));
    const keys = traceableKeys(production, options.minBytes);
    // A production value in any other env file (.env, .env.staging) is reused: rotating one copy leaves the other.
    const isProduction = new Set(prodFiles.map((f) => f.path));
    const others = await readEnvFiles(
      ctx,
      envFiles.filter((f) => !isProduction.has(f.path)),
      findings,
    );
    findings.push(...examineReuse(keys, copiesOf(keys, others)));
    for (const example of await readEnvFiles(ctx, exampleFiles, findings)) {
      findings.push(...examineExample(example, keys, options.minBytes));
    }
    findings.push(...(await examineGit(ctx, keys, configured)));
    if (pyFiles.length > 0) findings.push(...(await examinePython(ctx, pyFiles)));
    for (const file of dockerfiles) findings.push(...(await examineDockerfile(ctx, file)));
    return findings;
  },
});

function readOptions(ctx: CheckContext): SecretsOptions {
  const required = ctx.settings.list('required-keys');
  return {
    requiredKeys:
      ctx.settings.get('required-keys') === undefined ? DEFAULTS.requiredKeys.split(',') : required,
    maxAgeDays: wholeNumber(ctx, 'max-age-days', DEFAULTS.maxAgeDays),
    graceDays: wholeNumber(ctx, 'grace-days', DEFAULTS.graceDays),
    // Below 16 bytes (what secrets generate and rotate-keys refuse to make) the weak-key rule means nothing.
    minBytes: wholeNumber(ctx, 'min-bytes', DEFAULTS.minBytes, 16),
  };
}

function wholeNumber(ctx: CheckContext, key: string, fallback: number, least = 1): number {
  const raw = ctx.settings.get(key);
  if (raw === undefined) return fallback;
  const n = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < least) {
    throw new ConfigError(
      ctx.config.file ?? '.tradesecrc',
      `[secrets] ${key} must be a whole number of at least ${least}`,
    );
  }
  return n;
}

async function readEnvFiles(ctx: CheckContext, files: readonly RepoFile[], findings: FindingInput[]) {
  const out: ParsedEnv[] = [];
  for (const file of files) {
    const text = await ctx.read(file);
    if (text.kind === 'text') out.push(parsedEnv(file.path, parseEnvFile(text.text)));
    else findings.push(unreadableFinding(file.path, text));
  }
  return out;
}

// Exposure: the file is tracked, or some commit of some ref held the value in an env-like file.
async function examineGit(ctx: CheckContext, keys: readonly KeyLocation[], configured: readonly string[]) {
  if (keys.length === 0) return [];
  const repo = await ctx.git();
  if ('reason' in repo) {
    // No repository means no history to search; a repository git cannot read is a question left open: say so.
    if (/^not a git repository/.test(repo.reason)) return [];
    const why = /not installed/.test(repo.reason) ? 'git not found' : repo.reason;
    return [
      {
        rule: 'git-unavailable',
        message: `could not check git history (${why}): whether these keys were ever committed is not known`,
        evidence: 'git unavailable',
      },
    ];
  }
  const globs = [...ENV_LIKE_GLOBS, ...configured.map((p) => (p.includes('/') ? p : `**/${p}`))];
  const [tracked, exposures] = await Promise.all([
    repo.trackedFiles(),
    findExposures(repo, globs, new Set(keys.map((k) => k.value))),
  ]);
  const findings: FindingInput[] = [];
  for (const k of keys) {
    const fp = shownFingerprint(k.value);
    const base = { rule: 'exposed-in-git', file: k.file, line: k.line, secrets: [k.value] };
    const exposure = exposures.get(k.value);
    if (exposure) {
      findings.push({
        ...base,
        message: `${k.key} in ${k.file} (${fp}) was committed in ${shortCommit(exposure.commit)} (${exposure.path}): anyone with a clone has it; rotate it`,
        evidence: `${k.key} ${fp} committed`,
      });
    } else if (tracked.has(k.file)) {
      findings.push({
        ...base,
        message: `${k.file} is tracked by git, so ${k.key} (${fp}) goes into the next commit and every clone; rotate it`,
        evidence: `${k.key} ${fp} tracked`,
      });
    }
  }
  return findings;
}

const SECRET_WORD = /secret|token|pass|private|key|pwd/gi;
const ASSIGNED = /^\s*(?::[^=\n]{0,120})?=(?!=)/;
const QUOTED_KEY_END = /^["']\s*[:,]/;

/**
 * Whether a Python text could hold a hardcoded secret: a secret-named name being assigned (`API_KEY = `,
 * `api_key: str = `, `api_key=` as a keyword) or a quoted secret-named key followed by `:` or `,` (dict entries,
 * getenv defaults). Only such files are parsed, so most files of a large repository never reach the parser.
 * It looks around each occurrence of a secret word instead of running one big regex over the text (10x faster).
 */
export function mayHoldSecret(text: string): boolean {
  SECRET_WORD.lastIndex = 0;
  for (let m = SECRET_WORD.exec(text); m !== null; m = SECRET_WORD.exec(text)) {
    let end = m.index + m[0].length;
    while (end < text.length && isNameChar(text.charCodeAt(end), false)) end++;
    if (ASSIGNED.test(text.slice(end, end + 130))) return true;
    let start = m.index;
    while (start > 0 && isNameChar(text.charCodeAt(start - 1), true)) start--;
    let quotedEnd = end;
    while (quotedEnd < text.length && isNameChar(text.charCodeAt(quotedEnd), true)) quotedEnd++;
    const before = text[start - 1];
    if ((before === '"' || before === "'") && QUOTED_KEY_END.test(text.slice(quotedEnd, quotedEnd + 40)))
      return true;
    SECRET_WORD.lastIndex = Math.max(end, SECRET_WORD.lastIndex);
  }
  return false;
}

/** Letters, digits and `_` (and `.`, `-` inside quoted keys). */
function isNameChar(c: number, quoted: boolean): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 95 ||
    (quoted && (c === 46 || c === 45))
  );
}

async function examinePython(ctx: CheckContext, files: readonly RepoFile[]): Promise<FindingInput[]> {
  const findings: FindingInput[] = [];
  for (const source of files) {
    const file = source.path;
    // Not kept: most Python files of a large repository hold no secret-named assignment and are never parsed.
    const text = await ctx.read(source, { keep: false });
    if (text.kind === 'unreadable') {
      findings.push(unreadableFinding(file, text.error));
      continue;
    }
    if (text.kind !== 'text' || !mayHoldSecret(text.text)) continue;
    // Parsed here and freed at once: the tree-sitter heap is WebAssembly memory, which a large repository exhausts.
    const tree = await parsePython(text.text);
    try {
      const root = tree.rootNode;
      for (const h of findHardcodedSecrets(root)) {
        const fp = shownFingerprint(h.value);
        const published = isPublishedKey(h.value);
        findings.push({
          rule: 'hardcoded-in-source',
          file,
          line: h.line,
          message:
            `${h.name} in ${file} is hardcoded as a string literal (${h.how}, ${fp})` +
            (published ? ', and it is one of the keys the hardening guide published' : ''),
          evidence: `${h.name} ${fp}`,
          secrets: [h.value],
          ...(published ? { severity: 'critical' as const } : {}),
        });
      }
      if (root.hasError) {
        const line = firstErrorLine(root);
        findings.push({
          rule: 'syntax-error',
          file,
          ...(line === undefined ? {} : { line }),
          message: `${file} does not parse${line === undefined ? '' : ` near line ${line}`}; secrets in that part were not examined`,
          evidence: 'syntax error',
        });
      }
    } finally {
      tree.delete();
    }
  }
  return findings;
}

function firstErrorLine(root: SyntaxNode): number | undefined {
  const error = descendantsOfType(root, 'ERROR')[0];
  if (error) return lineOf(error);
  const missing = (node: SyntaxNode): SyntaxNode | undefined => {
    if (node.isMissing) return node;
    for (const child of node.children) {
      const found = child?.hasError || child?.isMissing ? missing(child) : undefined;
      if (found) return found;
    }
    return undefined;
  };
  const m = missing(root);
  return m ? lineOf(m) : undefined;
}

async function examineDockerfile(ctx: CheckContext, file: RepoFile): Promise<FindingInput[]> {
  const text = await ctx.read(file);
  if (text.kind !== 'text') return [unreadableFinding(file.path, text)];
  const findings: FindingInput[] = [];
  for (const v of dockerVariables(text.text)) {
    if (v.value === undefined || !isSecretName(v.name) || isNonSecretLiteral(v.value, v.name)) continue;
    // A value built from other variables cannot be told from here.
    if (v.value.includes('$')) continue;
    const fp = shownFingerprint(v.value);
    const published = isPublishedKey(v.value);
    const stored = v.instruction === 'ENV' ? 'stored in the image' : 'recorded in the image history';
    findings.push({
      rule: 'hardcoded-in-dockerfile',
      file: file.path,
      line: v.line,
      message:
        `${v.instruction} ${v.name} in ${file.path} sets a literal value (${fp}), ${stored}` +
        (published ? '; it is one of the keys the hardening guide published' : ''),
      evidence: `${v.instruction} ${v.name} ${fp}`,
      secrets: [v.value],
      ...(published ? { severity: 'critical' as const } : {}),
    });
  }
  return findings;
}
