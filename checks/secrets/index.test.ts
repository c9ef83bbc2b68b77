import { randomBytes } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import { fingerprintSecret } from '../../src/audit/fingerprint.js';
import { rotateKeys } from '../../src/keys/rotate.js';
import { testCheck } from '../../test/helpers/check-tester.js';
import { commitAll, git, gitInit } from '../../test/helpers/git.js';
import { tempDir } from '../../test/helpers/temp.js';
import secrets from './index.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const FRESH = '# tradesec: rotated 2025-05-20T10:00:00Z';
const STALE = '# tradesec: rotated 2025-02-21'; // 100 days before NOW

const key = (): string => randomBytes(32).toString('base64url');
const hexKey = (): string => randomBytes(32).toString('hex');

// The two keys the hardening guide published, assembled so that this file does not carry them whole either.
const PUBLISHED = [
  ['cKJXQppexMjDOkx30qSJt0', '_SnkoPNIF5OFxdJwBUivU'].join(''),
  ['l8t-LwUEC7US2x6PdCPzhEdr', 'YPBuEQJaYN1w7zfIVY8'].join(''),
];

/** A production env file: each key with a fresh rotation record above it. */
function env(values: Record<string, string>, record = FRESH): string {
  return `${Object.entries(values)
    .map(([k, v]) => `${record}\n${k}=${v}`)
    .join('\n')}\n`;
}

const s1 = key();
const s2 = key();
const h1 = hexKey();
const h2 = hexKey();
const p1 = key();
const p2 = key();
const r1 = key();
const r2 = key();
const prev = key();
const shared = key();
const strongThenWeak = key();
const chainEnd = `SuperSecretValue_${hexKey()}`;
const hex16 = randomBytes(16).toString('hex');
const uuid = '3f2b9c1e-7a4d-4e8b-9c2f-1d5e6a7b8c9d';
const tracked1 = key();
const tracked2 = key();
const staged = key();
const historic = key();
const other = key();
const exampleLeak = key();
const pyKey = key();
const pyField = key();
const pyKwarg = key();
const pyDefault = key();
const pyEnviron = key();
const pyWrapped = key();
const pyParam = key();
const pyDict = key();
const dockerEnv = key();
const dockerArg = key();
const dockerOld = key();
const dockerCont = key();
const stalePrevious = key();
const clean1 = key();
const clean2 = key();
const devCopy = key();
const vault = key();
const noGit = key();
/** `${NAME}`, the reference syntax of env files. */
const ref = (name: string): string => `$\{${name}}`;
/** A probe on a machine without git: every command is not found. */
const NO_GIT = { run: async () => ({ exitCode: -1, stdout: '', stderr: '', failure: 'not-found' as const }) };
const exampleReal = key();
const stagingCopy = key();

testCheck(secrets, {
  pass: [
    {
      name: 'only an example env file, holding placeholders: examined, and fine',
      files: {
        '.env.example': 'SECRET_KEY=changeme\nAPI_SECRET_KEY=\nDEBUG=false\n',
        'README.md': '# app\n',
      },
    },
    {
      name: "a Python file without secret-named assignments is not parsed, so its syntax error is not this check's",
      files: {
        'app/broken.py': 'def f(:\n    \x22\x22\x22Rolling token of the prices.\x22\x22\x22\nX = 1\n',
      },
    },
    {
      name: "rotate-keys' backup, lock and temporary files are not env files holding reused keys",
      files: { '.env.production': env({ SECRET_KEY: r1, API_SECRET_KEY: r2 }) },
      setup: async (dir) => {
        // A real rotation of one key: its backup still holds the other key's current value.
        await rotateKeys({ cwd: dir, files: ['.env.production'], keys: ['SECRET_KEY'], now: () => NOW });
        // What an interrupted rotation leaves: a lock and a temporary new file, with the same keys.
        const text = env({ SECRET_KEY: r1, API_SECRET_KEY: r2 });
        await writeFile(path.join(dir, '.env.production.tradesec.lock'), 'tradesec-lock 1\npid 1\n');
        await writeFile(path.join(dir, '.env.production.tradesec-4242-0a1b2c3d4e5f.tmp'), text);
      },
      now: NOW,
      secrets: [r1, r2],
    },
    {
      name: 'strong base64url keys with fresh rotation records',
      files: { '.env.production': env({ SECRET_KEY: s1, API_SECRET_KEY: s2, DEBUG: 'false' }) },
      now: NOW,
      secrets: [s1, s2],
    },
    {
      name: 'hex keys of 32 bytes, quoted and exported',
      files: {
        'deploy/.env.prod': `${FRESH}\nexport SECRET_KEY="${h1}"\n${FRESH}\nAPI_SECRET_KEY='${h2}'\n`,
      },
      now: NOW,
      secrets: [h1, h2],
    },
    {
      name: 'a key only in .env.example, as a placeholder, and code that reads the environment',
      files: {
        '.env.example': 'SECRET_KEY=changeme\nAPI_SECRET_KEY=your-secret-key-here\nDB_PASSWORD=\n',
        '.env.sample': 'SECRET_KEY=<generate with tradesec secrets generate>\n',
        'app/config.py': 'import os\nSECRET_KEY = os.environ["SECRET_KEY"]\n',
      },
    },
    {
      name: 'secret names in comments, docstrings, dead code and descriptive names are not hardcoded secrets',
      files: {
        'app/settings.py': [
          '"""Settings.',
          '',
          'Example: SECRET_KEY="x" in your .env file.',
          '"""',
          'import os',
          'from fastapi.security import APIKeyHeader, OAuth2PasswordBearer',
          'from pydantic_settings import BaseSettings',
          '',
          '# SECRET_KEY = "hardcoded"',
          'SECRET_KEY = os.environ["SECRET_KEY"]',
          'API_SECRET_KEY = os.getenv("API_SECRET_KEY")',
          'TOKEN = os.getenv("TOKEN", "")',
          'API_KEY_NAME = "X-API-Key"',
          'ACCESS_TOKEN_EXPIRE_MINUTES = 30',
          'SECRET_KEY_PATH = "/run/secrets/secret_key"',
          'api_key_header = APIKeyHeader(name=API_KEY_NAME)',
          'oauth2 = OAuth2PasswordBearer(tokenUrl="token")',
          'if False:',
          '    SECRET_KEY = "never-runs-but-looks-like-a-key"',
          '',
          'class Settings(BaseSettings):',
          '    secret_key: str',
          '    api_secret_key: str = ""',
          '    database_password: str | None = None',
          '    token_type: str = "bearer"',
          '',
          'def lookup(cache, name):',
          '    password = "local-variable-in-a-function"',
          '    return cache.get(key="orders")',
          '',
          'def describe():',
          '    return f"SECRET_KEY={SECRET_KEY}"',
          '',
        ].join('\n'),
        'models.py':
          'from sqlmodel import Field\nclass Order:\n    user_id: int = Field(foreign_key="user.id")\n',
      },
    },
    {
      name: 'Dockerfile ARG without a value, ENV from a build argument, and a commented-out secret',
      files: {
        Dockerfile: [
          'FROM python:3.12-slim',
          '# ENV SECRET_KEY=abc',
          'ARG SECRET_KEY',
          'ARG PYTHON_VERSION=3.12',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable reference
          'ENV SECRET_KEY=${SECRET_KEY} \\',
          '    API_KEY_FILE=/run/secrets/api_key \\',
          '    APP_ENV=production',
          'ENV PYTHONDONTWRITEBYTECODE 1',
          'CMD ["uvicorn", "app.main:app"]',
          '',
        ].join('\n'),
      },
    },
    {
      name: 'a _PREVIOUS key inside the grace period, equal to the value another file still uses',
      files: {
        '.env.production': `# tradesec: rotated 2025-05-29T08:00:00Z\nSECRET_KEY=${p1}\nSECRET_KEY_PREVIOUS=${prev}\n${FRESH}\nAPI_SECRET_KEY=${p2}\n`,
        '.env.prod': env({ SECRET_KEY: prev, API_SECRET_KEY: key() }),
      },
      now: NOW,
      secrets: [p1, p2, prev],
    },
    {
      name: 'an inline ignore at the end of an env line',
      files: {
        '.env.production': `SECRET_KEY=${s1} # tradesec-ignore secrets/no-rotation-record -- recreated on deploy\n${FRESH}\nAPI_SECRET_KEY=${s2}\n`,
      },
      now: NOW,
      suppressed: ['secrets/no-rotation-record'],
      secrets: [s1, s2],
    },
    {
      name: 'an ignored production env file that no commit ever held, and a configured extra env file',
      files: {
        '.gitignore': '.env*\n!.env.example\nprod.env\n',
        '.env.production': env({ SECRET_KEY: r1, API_SECRET_KEY: r2 }),
        'deploy/prod.env': env({ SECRET_KEY: clean1, API_SECRET_KEY: clean2 }),
        '.env.example': 'SECRET_KEY=replace-me\nAPI_SECRET_KEY=\n',
      },
      config: '[secrets]\nenv-files = prod.env\n',
      setup: async (dir) => {
        await gitInit(dir);
        await commitAll(dir, 'initial');
        await writeFile(path.join(dir, '.env.example'), 'SECRET_KEY=changeme\nAPI_SECRET_KEY=\n');
        await commitAll(dir, 'example');
      },
      now: NOW,
      secrets: [r1, r2, clean1, clean2],
    },
  ],

  fail: [
    {
      name: 'env files that are links out of the root, broken links or FIFOs are not examined, and say so',
      files: { 'app/main.py': 'X = 1\n' },
      setup: async (dir) => {
        const outside = await tempDir();
        await writeFile(path.join(outside, 'real.env'), 'SECRET_KEY=changeme\n');
        await symlink(path.join(outside, 'real.env'), path.join(dir, '.env.production'));
        await mkdir(path.join(dir, 'deploy'));
        await symlink(path.join(dir, 'nowhere.env'), path.join(dir, 'deploy', '.env.prod'));
        await mkdir(path.join(dir, 'ops'));
        await execa('mkfifo', [path.join(dir, 'ops', '.env.example')]);
      },
      findings: [
        { rule: 'secrets/unreadable-file', file: '.env.production' },
        { rule: 'secrets/unreadable-file', file: 'deploy/.env.prod' },
        { rule: 'secrets/unreadable-file', file: 'ops/.env.example' },
      ],
      verify: (result) => {
        const messages = result.checks[0]?.findings.map((f) => f.message) ?? [];
        expect(messages[0]).toContain('a symbolic link to outside the audited directory, not followed');
        expect(messages[1]).toContain('a broken symbolic link');
        expect(messages[2]).toContain('not a regular file');
      },
    },
    {
      name: 'a configured env file is examined like .env.production',
      files: { 'deploy/prod.env': env({ SECRET_KEY: 'changeme', API_SECRET_KEY: hexKey() }) },
      config: '[secrets]\nenv-files = prod.env\nrequired-keys = SECRET_KEY, API_SECRET_KEY, DB_PASSWORD\n',
      now: NOW,
      findings: [
        { rule: 'secrets/placeholder', file: 'deploy/prod.env', line: 2 },
        { rule: 'secrets/missing-key', file: 'deploy/prod.env' },
      ],
      secrets: ['changeme'],
    },
    {
      name: 'placeholders',
      files: { '.env.production': env({ SECRET_KEY: 'changeme', API_SECRET_KEY: 'your-secret-key-here' }) },
      now: NOW,
      findings: [
        { rule: 'secrets/placeholder', file: '.env.production', line: 2 },
        { rule: 'secrets/placeholder', file: '.env.production', line: 4 },
      ],
      secrets: ['changeme', 'your-secret-key-here'],
    },
    {
      name: '32 hex characters are only 16 bytes, a UUID is not a key',
      files: { '.env.production': env({ SECRET_KEY: hex16, API_SECRET_KEY: uuid }) },
      now: NOW,
      findings: [
        { rule: 'secrets/weak-key', line: 2 },
        { rule: 'secrets/uuid-key', line: 4 },
      ],
      secrets: [hex16, uuid],
      verify: (result) => {
        const weak = result.checks[0]?.findings.find((f) => f.rule === 'secrets/weak-key');
        expect(weak?.message).toContain('32 hex characters decode to 16 bytes');
      },
    },
    {
      name: 'the two keys the hardening guide published',
      files: {
        '.env.production': env({ SECRET_KEY: PUBLISHED[0] ?? '', API_SECRET_KEY: PUBLISHED[1] ?? '' }),
      },
      now: NOW,
      findings: [
        { rule: 'secrets/published-key', line: 2 },
        { rule: 'secrets/published-key', line: 4 },
      ],
      secrets: PUBLISHED,
      verify: (result) => {
        expect(result.checks[0]?.findings.map((f) => f.severity)).toEqual(['critical', 'critical']);
      },
    },
    {
      name: 'the same key in .env.production and .env.prod',
      files: {
        '.env.production': env({ SECRET_KEY: shared, API_SECRET_KEY: key() }),
        '.env.prod': env({ API_SECRET_KEY: key(), SECRET_KEY: shared }),
      },
      now: NOW,
      findings: [
        { rule: 'secrets/reused-key', file: '.env.production', line: 2 },
        { rule: 'secrets/reused-key', file: '.env.prod', line: 4 },
      ],
      secrets: [shared],
    },
    {
      name: 'API_SECRET_KEY missing, and an empty required key',
      files: {
        '.env.production': env({ SECRET_KEY: key() }),
        'svc/.env.prod': env({ SECRET_KEY: key(), API_SECRET_KEY: '' }),
      },
      now: NOW,
      findings: [
        { rule: 'secrets/missing-key', file: '.env.production', line: undefined },
        { rule: 'secrets/missing-key', file: 'svc/.env.prod', line: 4 },
      ],
      verify: (result) => {
        const missing = result.checks[0]?.findings.find((f) => f.file === '.env.production');
        expect(missing?.line).toBeUndefined();
        expect(missing?.message).toBe('.env.production does not set API_SECRET_KEY');
      },
    },
    {
      name: 'a rotation record 100 days old',
      files: {
        '.env.production': `${STALE}\nSECRET_KEY=${s1}\n${FRESH}\nAPI_SECRET_KEY=${s2}\n`,
      },
      now: NOW,
      findings: [{ rule: 'secrets/stale-key', line: 2 }],
      secrets: [s1, s2],
      verify: (result) => {
        expect(result.checks[0]?.findings[0]?.message).toContain('100 days ago (limit: 90 days)');
      },
    },
    {
      name: 'SECRET_KEY defined twice: the later weak value defeats the earlier strong one',
      files: {
        '.env.production': `${FRESH}\nSECRET_KEY=${strongThenWeak}\n${FRESH}\nAPI_SECRET_KEY=${s2}\n${FRESH}\nSECRET_KEY=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n`,
      },
      now: NOW,
      findings: [{ rule: 'secrets/weak-key', line: 6 }],
      secrets: [strongThenWeak, s2, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
      verify: (result) => {
        expect(result.checks[0]?.findings[0]?.message).toContain('overrides the assignment on line 2');
      },
    },
    {
      name: 'hardcoded in settings.py: assignment, BaseSettings default, keyword argument, getenv default',
      files: {
        'app/settings.py': [
          'import os',
          'from pydantic_settings import BaseSettings',
          '',
          `SECRET_KEY = "${pyKey}"`,
          '',
          'class Settings(BaseSettings):',
          `    api_secret_key: str = "${pyField}"`,
          '',
          'def make_token(jwt, payload):',
          `    return jwt.encode(payload, secret_key="${pyKwarg}")`,
          '',
          `DB_PASSWORD = os.environ.get("DB_PASSWORD", "${pyDefault}")`,
          `os.environ["API_SECRET_KEY"] = "${pyEnviron}"`,
          'class Other(BaseSettings):',
          `    token: SecretStr = Field(default="${pyWrapped}")`,
          `def connect(user, redis_password: str = "${pyParam}"):`,
          '    pass',
          `CONFIG = {"jwt_secret": "${pyDict}", "debug": "true"}`,
          'if True:',
          '    pass',
          'else:',
          `    SECRET_KEY = "${key()}"`,
          '',
        ].join('\n'),
      },
      findings: [
        { rule: 'secrets/hardcoded-in-source', file: 'app/settings.py', line: 4 },
        { rule: 'secrets/hardcoded-in-source', file: 'app/settings.py', line: 7 },
        { rule: 'secrets/hardcoded-in-source', file: 'app/settings.py', line: 10 },
        { rule: 'secrets/hardcoded-in-source', file: 'app/settings.py', line: 12 },
        { rule: 'secrets/hardcoded-in-source', file: 'app/settings.py', line: 13 },
        { rule: 'secrets/hardcoded-in-source', file: 'app/settings.py', line: 15 },
        { rule: 'secrets/hardcoded-in-source', file: 'app/settings.py', line: 16 },
        { rule: 'secrets/hardcoded-in-source', file: 'app/settings.py', line: 18 },
      ],
      secrets: [pyKey, pyField, pyKwarg, pyDefault, pyEnviron, pyWrapped, pyParam, pyDict],
    },
    {
      name: 'hardcoded in a Dockerfile: ENV, ARG default, the old ENV form, a continuation line',
      files: {
        'docker/app.Dockerfile': [
          'FROM python:3.12-slim',
          `ENV SECRET_KEY=${dockerEnv}`,
          `ARG API_KEY="${dockerArg}"`,
          `ENV DB_PASSWORD ${dockerOld}`,
          'ENV APP_ENV=production \\',
          '    # the token for the exchange',
          `    EXCHANGE_TOKEN=${dockerCont}`,
          '',
        ].join('\n'),
      },
      findings: [
        { rule: 'secrets/hardcoded-in-dockerfile', line: 2 },
        { rule: 'secrets/hardcoded-in-dockerfile', line: 3 },
        { rule: 'secrets/hardcoded-in-dockerfile', line: 4 },
        { rule: 'secrets/hardcoded-in-dockerfile', line: 7 },
      ],
      secrets: [dockerEnv, dockerArg, dockerOld, dockerCont],
    },
    {
      name: 'a production env file tracked by git',
      files: { '.env.production': env({ SECRET_KEY: tracked1, API_SECRET_KEY: tracked2 }) },
      setup: async (dir) => {
        await gitInit(dir);
        await commitAll(dir, 'add env');
      },
      now: NOW,
      findings: [
        { rule: 'secrets/exposed-in-git', line: 2 },
        { rule: 'secrets/exposed-in-git', line: 4 },
      ],
      secrets: [tracked1, tracked2],
      verify: async (result, dir) => {
        const head = (await git(dir, 'rev-parse', 'HEAD')).trim();
        const f = result.checks[0]?.findings[0];
        expect(f?.severity).toBe('critical');
        expect(f?.message).toContain(`committed in ${head.slice(0, 7)} (.env.production)`);
      },
    },
    {
      name: 'a production env file staged but not yet committed',
      files: { '.env.production': env({ SECRET_KEY: staged, API_SECRET_KEY: key() }), 'README.md': 'x\n' },
      setup: async (dir) => {
        await gitInit(dir);
        await git(dir, 'add', '.env.production');
      },
      now: NOW,
      findings: [
        { rule: 'secrets/exposed-in-git', line: 2 },
        { rule: 'secrets/exposed-in-git', line: 4 },
      ],
      secrets: [staged],
      verify: (result) => {
        expect(result.checks[0]?.findings[0]?.message).toContain('.env.production is tracked by git');
      },
    },
    {
      name: 'an env file deleted from the tree but present in history with the value of the ignored file',
      files: {
        '.gitignore': '.env*\n',
        '.env.production': env({ SECRET_KEY: historic, API_SECRET_KEY: other }),
      },
      setup: async (dir) => {
        await gitInit(dir);
        await writeFile(path.join(dir, 'config.env'), `DEBUG=true\nSECRET_KEY=${historic}\n`);
        await git(dir, 'add', '.gitignore', 'config.env');
        await git(dir, 'commit', '-q', '-m', 'config');
        await git(dir, 'rm', '-q', 'config.env');
        await git(dir, 'commit', '-q', '-m', 'remove config');
        await git(dir, 'checkout', '-q', '-b', 'side');
        await git(dir, 'commit', '-q', '--allow-empty', '-m', 'side branch');
        await git(dir, 'checkout', '-q', 'main');
      },
      now: NOW,
      findings: [{ rule: 'secrets/exposed-in-git', file: '.env.production', line: 2 }],
      secrets: [historic, other],
      verify: async (result, dir) => {
        const first = (await git(dir, 'rev-list', '--max-parents=0', 'HEAD')).trim();
        expect(result.checks[0]?.findings[0]?.message).toContain(
          `committed in ${first.slice(0, 7)} (config.env)`,
        );
      },
    },
    {
      name: 'an example file holding a production value',
      files: {
        '.env.production': env({ SECRET_KEY: exampleLeak, API_SECRET_KEY: key() }),
        '.env.example': `SECRET_KEY=${exampleLeak}\nAPI_SECRET_KEY=changeme\n`,
      },
      now: NOW,
      findings: [{ rule: 'secrets/real-key-in-example', file: '.env.example', line: 1 }],
      secrets: [exampleLeak],
    },
    {
      name: 'keys without rotation records only warn',
      status: 'warn',
      files: { '.env.production': `SECRET_KEY=${s1}\nAPI_SECRET_KEY=${s2}\n` },
      now: NOW,
      findings: [
        { rule: 'secrets/no-rotation-record', line: 1 },
        { rule: 'secrets/no-rotation-record', line: 2 },
      ],
      secrets: [s1, s2],
    },
    {
      name: 'a weak _PREVIOUS key, and one kept past the grace period',
      files: {
        '.env.production': `${STALE.replace('2025-02-21', '2025-05-01')}\nSECRET_KEY=${p1}\nSECRET_KEY_PREVIOUS=${stalePrevious}\n${FRESH}\nAPI_SECRET_KEY=${p2}\nAPI_SECRET_KEY_PREVIOUS=short\n`,
      },
      now: NOW,
      findings: [
        { rule: 'secrets/previous-key-kept', line: 3 },
        { rule: 'secrets/weak-key', line: 6 },
        { rule: 'secrets/previous-key-kept', line: 6 },
      ],
      secrets: [p1, p2, stalePrevious],
      config: '[secrets]\ngrace-days = 5\n',
    },
    {
      name: 'only a .env.sample, holding a published key and a generated-looking key',
      files: { '.env.sample': `SECRET_KEY=${PUBLISHED[0]}\nAPI_SECRET_KEY=${exampleReal}\n` },
      findings: [
        { rule: 'secrets/published-key', file: '.env.sample', line: 1 },
        { rule: 'secrets/real-key-in-example', file: '.env.sample', line: 2 },
      ],
      secrets: [...PUBLISHED, exampleReal],
    },
    {
      name: 'a production value copied into .env, .env.staging or an example file',
      files: {
        '.env.production': env({ SECRET_KEY: devCopy, API_SECRET_KEY: stagingCopy }),
        '.env': `SECRET_KEY=${devCopy}\nDEBUG=true\n`,
        'deploy/.env.staging': `OTHER=1\nAPI_SECRET_KEY=${stagingCopy}\n`,
        '.env.sample': `SECRET_KEY=${devCopy}\n`,
      },
      now: NOW,
      findings: [
        { rule: 'secrets/reused-key', file: '.env.production', line: 2 },
        { rule: 'secrets/reused-key', file: '.env.production', line: 4 },
        { rule: 'secrets/reused-key', file: '.env', line: 1 },
        { rule: 'secrets/reused-key', file: 'deploy/.env.staging', line: 2 },
        { rule: 'secrets/real-key-in-example', file: '.env.sample', line: 1 },
      ],
      secrets: [devCopy, stagingCopy],
    },
    {
      name: 'a placeholder or short value is not fingerprinted: its hash would give it away',
      files: {
        '.env.production': env({ SECRET_KEY: 'changeme', API_SECRET_KEY: 'Zq8!x' }),
        'app/settings.py': 'SECRET_KEY = "your-secret-key-here"\n',
      },
      now: NOW,
      findings: [
        { rule: 'secrets/placeholder', line: 2 },
        { rule: 'secrets/weak-key', line: 4 },
        { rule: 'secrets/hardcoded-in-source', file: 'app/settings.py', line: 1 },
      ],
      secrets: ['changeme', 'Zq8!x', 'your-secret-key-here'],
      verify: (result) => {
        const findings = result.checks[0]?.findings ?? [];
        const text = JSON.stringify(findings);
        for (const v of ['changeme', 'Zq8!x', 'your-secret-key-here']) {
          expect(text).not.toContain(fingerprintSecret(v));
        }
        expect(findings.find((f) => f.rule === 'secrets/placeholder')?.message).toContain(
          '(placeholder value)',
        );
        expect(findings.find((f) => f.rule === 'secrets/weak-key')?.message).toContain('(short value)');
      },
    },
    {
      name: 'without git, the history search is an info note instead of silence',
      status: 'warn',
      files: { '.env.production': env({ SECRET_KEY: noGit, API_SECRET_KEY: s2 }) },
      now: NOW,
      probe: NO_GIT,
      findings: ['secrets/git-unavailable'],
      secrets: [noGit, s2],
      verify: (result) =>
        expect(result.checks[0]?.findings[0]?.message).toContain(
          'could not check git history (git not found)',
        ),
    },
    {
      name: 'a rotation record dated in the future is wrong',
      files: {
        '.env.production': `# tradesec: rotated 2099-01-01\nSECRET_KEY=${s1}\n${FRESH}\nAPI_SECRET_KEY=${s2}\n`,
      },
      now: NOW,
      findings: [{ rule: 'secrets/future-rotation-record', line: 1 }],
      secrets: [s1, s2],
    },
    {
      name: 'references: resolved within the file like dotenv-expand, else a low note',
      files: {
        '.env.production': [
          FRESH,
          `VAULT_SECRET=${vault}`,
          `SECRET_KEY=${ref('VAULT_SECRET')}`,
          `API_SECRET_KEY=${ref('EXTERNAL_SECRET')}`,
          FRESH,
          `JWT_SECRET=${ref('MISSING:-changeme')}`,
        ].join('\n'),
      },
      now: NOW,
      findings: [
        { rule: 'secrets/no-rotation-record', line: 3 },
        { rule: 'secrets/reused-key', line: 2 },
        { rule: 'secrets/reused-key', line: 3 },
        { rule: 'secrets/unresolved-reference', line: 4 },
        { rule: 'secrets/placeholder', line: 6 },
      ],
      status: 'fail',
      secrets: [vault],
    },
    {
      name: 'a reference chain too long to follow: the note names variables, never the literal at its end',
      files: {
        '.env.production': [
          FRESH,
          `SECRET_KEY=${ref('A1')}`,
          ...Array.from({ length: 9 }, (_, i) => `A${i + 1}=${ref(`A${i + 2}`)}`),
          `A10=${chainEnd}`,
          FRESH,
          `API_SECRET_KEY=${s2}`,
        ].join('\n'),
      },
      now: NOW,
      findings: [{ rule: 'secrets/unresolved-reference', line: 2 }],
      status: 'warn',
      secrets: [chainEnd, s2],
      verify: (result) => {
        const note = result.checks[0]?.findings[0];
        expect(note?.message).toContain('more than 8 references');
        expect(note?.message).not.toContain(chainEnd);
      },
    },
    {
      name: 'encoded placeholders are judged by what they decode to',
      files: {
        '.env.production': env({
          SECRET_KEY: Buffer.from('changeme'.repeat(4)).toString('base64url'),
          API_SECRET_KEY: Buffer.from('12345678901234567890123456789012').toString('base64'),
        }),
      },
      now: NOW,
      findings: [
        { rule: 'secrets/placeholder', line: 2 },
        { rule: 'secrets/placeholder', line: 4 },
      ],
    },
    {
      name: 'a binary production env file cannot be examined',
      files: { '.env.production': { content: Buffer.from([0x53, 0x00, 0x01, 0x02]) } },
      findings: [{ rule: 'secrets/unreadable-file', file: '.env.production' }],
    },
    {
      name: 'a Python file that may hold a secret but does not parse is one low note',
      status: 'warn',
      files: { 'app/broken.py': 'def f(:\n    pass\napi_token = load()\n' },
      findings: [{ rule: 'secrets/syntax-error', file: 'app/broken.py', line: 1 }],
    },
  ],

  skip: [
    { name: 'an empty repository', setup: gitInit },
    { name: 'only docs', files: { 'README.md': '# app\n' } },
  ],
});
