import { describe, expect, it } from 'vitest';
import { appCases } from '../../test/fixtures/apps-b/cases.js';
import { testCheck } from '../../test/helpers/check-tester.js';
import check from './index.js';
import { isLocalOnly, isPlaceholderPassword, maskUrl, parseDbUrl } from './urls.js';

const apps = await appCases('database');

const APP = 'from fastapi import FastAPI\n\napp = FastAPI()\n';

/** A settings module, a db module using it, and the app. */
function settingsApp(
  url: string,
  engineArgs: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'app/__init__.py': '',
    'app/main.py': APP,
    'app/settings.py': [
      'from pydantic import BaseSettings',
      '',
      '',
      'class Settings(BaseSettings):',
      `    database_url: str = "${url}"`,
      '    sql_echo: bool = False',
      '',
      '',
      'settings = Settings()',
      '',
    ].join('\n'),
    'app/db.py': [
      'from sqlalchemy import create_engine',
      '',
      'from app.settings import settings',
      '',
      `engine = create_engine(settings.database_url, ${engineArgs})`,
      '',
    ].join('\n'),
    ...extra,
  };
}

testCheck(check, {
  pass: [
    ...apps.pass,
    {
      name: 'verify-full URL from the production env file, echo off, pre-ping on',
      files: settingsApp('sqlite:///./dev.db', 'echo=settings.sql_echo, pool_pre_ping=True', {
        '.env.production':
          'DATABASE_URL=postgresql+psycopg://trader:Vq8-env-only-pw@db.example.net:5432/trading?sslmode=verify-full\n',
      }),
      secrets: ['Vq8-env-only-pw'],
    },
    {
      name: 'SQLite: no TLS and no pre-ping checks, the guide connect_args conditional resolves',
      files: {
        'main.py': [
          'from fastapi import FastAPI',
          'from sqlalchemy.ext.asyncio import create_async_engine',
          '',
          'DATABASE_URL = "sqlite+aiosqlite:///./trading_system.db"',
          '# DATABASE_URL = "postgresql+asyncpg://user:password@localhost:5432/trading_db?sslmode=require"',
          'engine = create_async_engine(',
          '    DATABASE_URL,',
          '    echo=False,',
          '    connect_args={"check_same_thread": False} if "sqlite" in DATABASE_URL else {},',
          ')',
          'app = FastAPI()',
          '',
        ].join('\n'),
      },
    },
    {
      name: 'asyncpg with an ssl.create_default_context() in connect_args',
      files: {
        'main.py': [
          'import ssl',
          'from fastapi import FastAPI',
          'from sqlalchemy.ext.asyncio import create_async_engine',
          '',
          'ctx = ssl.create_default_context(cafile="/etc/ssl/db-ca.pem")',
          'engine = create_async_engine(',
          '    "postgresql+asyncpg://trader@db.example.net/trading",',
          '    pool_pre_ping=True,',
          '    connect_args={"ssl": ctx},',
          ')',
          'app = FastAPI()',
          '',
        ].join('\n'),
      },
    },
    {
      name: 'asyncpg with ?ssl=verify-full in the URL',
      files: {
        'main.py': [
          'from fastapi import FastAPI',
          'from sqlalchemy.ext.asyncio import create_async_engine',
          '',
          'engine = create_async_engine("postgresql+asyncpg://trader@db.example.net/trading?ssl=verify-full", pool_pre_ping=True)',
          'app = FastAPI()',
          '',
        ].join('\n'),
      },
    },
    {
      name: 'compose: the override file removes the published database port with !reset',
      files: {
        'main.py': APP,
        'docker-compose.yml': 'services:\n  db:\n    image: postgres:16\n    ports:\n      - "5432:5432"\n',
        'docker-compose.override.yml': 'services:\n  db:\n    ports: !reset []\n',
      },
    },
    {
      name: 'compose: the host address comes from .env and is the loopback interface',
      files: {
        'main.py': APP,
        '.env': 'DB_BIND=127.0.0.1\n',
        'docker-compose.yml': [
          'services:',
          '  db:',
          '    image: postgres:16',
          '    ports:',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Compose variable, not a JS template
          '      - "${DB_BIND}:5432:5432"',
          '',
        ].join('\n'),
      },
    },
    {
      name: 'PostgreSQL on localhost needs no TLS; the compose database is bound to 127.0.0.1',
      files: {
        'main.py': [
          'import os',
          'from fastapi import FastAPI',
          'from sqlalchemy import create_engine',
          '',
          'engine = create_engine(os.getenv("DATABASE_URL", "postgresql://trader@localhost:5432/trading"), pool_pre_ping=True)',
          'app = FastAPI()',
          '',
        ].join('\n'),
        'docker-compose.yml': [
          'services:',
          '  db:',
          '    image: postgres:16',
          '    ports:',
          '      - "127.0.0.1:5432:5432"',
          '  cache:',
          '    image: redis:7',
          '    expose:',
          '      - "6379"',
          '  web:',
          '    image: nginx:1.25',
          '    ports:',
          '      - "443:443"',
          '',
        ].join('\n'),
      },
    },
    {
      name: 'placeholder and interpolated passwords are not credentials; test fixtures are left alone',
      files: {
        'main.py': [
          'from fastapi import FastAPI',
          'from sqlalchemy import create_engine',
          '',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Python source text, not a JS template
          'TEMPLATE = "postgresql://app:${DB_PASSWORD}@db/app"',
          'def url(user, password):',
          '    return f"postgresql://{user}:{password}@db/app"',
          'engine = create_engine("sqlite:///./x.db")',
          'app = FastAPI()',
          '',
        ].join('\n'),
        'tests/conftest.py': 'TEST_DB = "postgresql://test:test-only-pw@localhost/test"\n',
      },
    },
    {
      name: 'an echoing engine only in the development branch',
      files: {
        'main.py': [
          'import os',
          'from fastapi import FastAPI',
          'from sqlalchemy import create_engine',
          '',
          'ENVIRONMENT = os.getenv("ENVIRONMENT", "production")',
          'if ENVIRONMENT == "development":',
          '    engine = create_engine("sqlite:///./dev.db", echo=True)',
          'else:',
          '    engine = create_engine("postgresql://trader@db.example.net/trading?sslmode=verify-full", pool_pre_ping=True)',
          'app = FastAPI()',
          '',
        ].join('\n'),
      },
    },
    {
      name: 'engines in test files are left alone',
      files: {
        'main.py':
          'from fastapi import FastAPI\nfrom sqlalchemy import create_engine\n\nengine = create_engine("sqlite:///./x.db")\napp = FastAPI()\n',
        'tests/conftest.py':
          'from sqlalchemy import create_engine\n\nengine = create_engine("sqlite://", echo=True)\n',
      },
    },
  ],
  fail: [
    ...apps.fail,
    {
      name: 'echo=True',
      files: {
        'main.py': [
          'from fastapi import FastAPI',
          'from sqlalchemy import create_engine',
          '',
          'engine = create_engine("sqlite:///./x.db", echo=True)',
          'app = FastAPI()',
          '',
        ].join('\n'),
      },
      findings: [{ rule: 'database/echo-enabled', file: 'main.py', line: 4 }],
    },
    {
      name: 'echo resolved through a settings module used in another module',
      files: settingsApp('sqlite:///./dev.db', 'echo=settings.sql_echo', {
        'app/settings.py': [
          'from pydantic import BaseSettings',
          '',
          'class Settings(BaseSettings):',
          '    database_url: str = "sqlite:///./dev.db"',
          '    sql_echo: bool = True',
          '',
          'settings = Settings()',
          '',
        ].join('\n'),
      }),
      findings: [{ rule: 'database/echo-enabled', file: 'app/db.py', line: 5 }],
      verify: (result) => {
        expect(result.checks[0]?.findings[0]?.message).toContain('app/settings.py:5');
      },
    },
    {
      name: 'echo="debug"',
      files: {
        'main.py': [
          'from fastapi import FastAPI',
          'from sqlalchemy import create_engine',
          '',
          'engine = create_engine(',
          '    "sqlite:///./x.db",',
          '    echo="debug",',
          ')',
          'app = FastAPI()',
          '',
        ].join('\n'),
      },
      findings: [{ rule: 'database/echo-enabled', line: 6 }],
    },
    {
      name: 'echo switched on by the production env file',
      files: settingsApp('sqlite:///./dev.db', 'echo=settings.sql_echo', {
        '.env.production': 'SQL_ECHO=true\n',
      }),
      findings: [{ rule: 'database/echo-enabled', file: 'app/db.py', line: 5 }],
    },
    {
      name: 'a DSN without sslmode defined in the settings module (password kept out of the report)',
      files: settingsApp(
        'postgresql://trader:Tr4d3rPassw0rd@db.example.net:5432/trading',
        'echo=False, pool_pre_ping=True',
      ),
      findings: [
        { rule: 'database/tls-missing', file: 'app/settings.py', line: 5 },
        { rule: 'database/credentials-in-source', file: 'app/settings.py', line: 5 },
      ],
      secrets: ['Tr4d3rPassw0rd'],
      verify: (result) => {
        const msg = result.checks[0]?.findings.map((f) => f.message).join('\n') ?? '';
        expect(msg).toContain('postgresql://trader:***@db.example.net:5432/trading');
        expect(msg).toContain('create_engine() at app/db.py:5');
      },
    },
    {
      name: 'sslmode=require warns',
      status: 'warn',
      files: settingsApp('sqlite:///./dev.db', 'pool_pre_ping=True', {
        '.env.production':
          'DATABASE_URL=postgresql://trader:pw-in-env-1@db.example.net/trading?sslmode=require\n',
      }),
      findings: [{ rule: 'database/tls-unverified', file: '.env.production', line: 1 }],
      secrets: ['pw-in-env-1'],
    },
    {
      name: 'sslmode=verify-ca is a note',
      status: 'warn',
      files: settingsApp(
        'postgresql+psycopg2://trader@db.example.net/trading?sslmode=verify-ca',
        'pool_pre_ping=True',
      ),
      findings: [{ rule: 'database/tls-no-hostname', file: 'app/settings.py', line: 5 }],
    },
    {
      name: 'the env file overrides a verified default with sslmode=disable',
      files: settingsApp(
        'postgresql://trader@db.example.net/trading?sslmode=verify-full',
        'pool_pre_ping=True',
        {
          '.env.production':
            '# production\nDATABASE_URL=postgresql://trader@db.example.net/trading?sslmode=disable\n',
        },
      ),
      findings: [{ rule: 'database/tls-missing', file: '.env.production', line: 2 }],
    },
    {
      name: 'asyncpg sslmode in a built URL: an f-string with unresolved parts, and .replace() of the settings URL',
      secrets: ['Pw-in-fstring-9'],
      files: settingsApp('postgresql://trader@db.example.net/trading?sslmode=require', 'pool_pre_ping=True', {
        'app/async_db.py': [
          'import os',
          'from sqlalchemy.ext.asyncio import create_async_engine',
          '',
          'from app.settings import settings',
          '',
          'URL = f"postgresql+asyncpg://trader:Pw-in-fstring-9@{os.environ[\'DB_HOST\']}/trading?sslmode=require"',
          'engine = create_async_engine(URL, pool_pre_ping=True)',
          'engine2 = create_async_engine(',
          '    settings.database_url.replace("postgresql://", "postgresql+asyncpg://"), pool_pre_ping=True',
          ')',
          '',
        ].join('\n'),
      }),
      findings: [
        { rule: 'database/asyncpg-sslmode', file: 'app/async_db.py', line: 6 },
        { rule: 'database/credentials-in-source', file: 'app/async_db.py', line: 6 },
        { rule: 'database/asyncpg-sslmode', file: 'app/settings.py', line: 5 },
        { rule: 'database/tls-unverified', file: 'app/settings.py', line: 5 },
      ],
    },
    {
      name: 'engine options passed as **kwargs: a dict(...) through a name and a dict literal',
      files: {
        'main.py': [
          'from fastapi import FastAPI',
          'from sqlalchemy import create_engine',
          '',
          'URL = "postgresql://trader@db.example.net/trading?sslmode=verify-full"',
          'kw = dict(echo=True, pool_pre_ping=True)',
          'engine = create_engine(URL, **kw)',
          'engine2 = create_engine(URL, **{"echo": "debug", "pool_pre_ping": False})',
          'app = FastAPI()',
          '',
        ].join('\n'),
      },
      findings: [
        { rule: 'database/echo-enabled', file: 'main.py', line: 5 },
        { rule: 'database/echo-enabled', file: 'main.py', line: 7 },
        { rule: 'database/pool-pre-ping', file: 'main.py', line: 7 },
      ],
    },
    {
      name: 'asyncpg with ?sslmode= (the guide) crashes',
      files: {
        'main.py': [
          'from fastapi import FastAPI',
          'from sqlalchemy.ext.asyncio import create_async_engine',
          '',
          'DATABASE_URL = "postgresql+asyncpg://trader@db.example.net:5432/trading_db?sslmode=require"',
          'engine = create_async_engine(DATABASE_URL, echo=False, pool_pre_ping=True)',
          'app = FastAPI()',
          '',
        ].join('\n'),
      },
      findings: [{ rule: 'database/asyncpg-sslmode', file: 'main.py', line: 4 }],
    },
    {
      name: 'asyncpg without any ssl argument',
      files: {
        'main.py': [
          'from fastapi import FastAPI',
          'from sqlalchemy.ext.asyncio import create_async_engine',
          '',
          'engine = create_async_engine("postgresql+asyncpg://trader@10.0.0.5/trading", pool_pre_ping=True)',
          'app = FastAPI()',
          '',
        ].join('\n'),
      },
      findings: [{ rule: 'database/tls-missing', line: 4 }],
    },
    {
      name: 'asyncpg with an SSL context whose host name check is switched off',
      status: 'warn',
      files: {
        'main.py': [
          'import ssl',
          'from fastapi import FastAPI',
          'from sqlalchemy.ext.asyncio import create_async_engine',
          '',
          'ctx = ssl.create_default_context()',
          'ctx.check_hostname = False',
          'engine = create_async_engine(',
          '    "postgresql+asyncpg://trader@db.example.net/trading",',
          '    pool_pre_ping=True,',
          '    connect_args={"ssl": ctx},',
          ')',
          'app = FastAPI()',
          '',
        ].join('\n'),
      },
      findings: [{ rule: 'database/tls-no-hostname', line: 8 }],
    },
    {
      name: 'the fix only in a comment does not count',
      status: 'warn',
      files: {
        'main.py': [
          'from fastapi import FastAPI',
          'from sqlalchemy import create_engine',
          '',
          'engine = create_engine("postgresql://trader@db.example.net/trading?sslmode=verify-full")  # pool_pre_ping=True',
          'app = FastAPI()',
          '',
        ].join('\n'),
      },
      findings: [{ rule: 'database/pool-pre-ping', line: 4 }],
    },
    {
      name: 'a password in a DSN literal of another module (no engine uses it)',
      files: {
        'main.py': APP,
        'app/jobs.py': [
          'import psycopg2',
          '',
          'conn = psycopg2.connect(',
          '    "postgresql://reporter:s3cr3t-R3port@db.example.net/reports"',
          ')',
          '',
        ].join('\n'),
        'app/db.py': 'from sqlalchemy import create_engine\nengine = create_engine("sqlite:///./x.db")\n',
      },
      findings: [{ rule: 'database/credentials-in-source', file: 'app/jobs.py', line: 4 }],
      secrets: ['s3cr3t-R3port'],
    },
    {
      name: 'compose: a port published by the override of a service whose image the base file sets',
      files: {
        'main.py': APP,
        'docker-compose.yml': 'services:\n  db:\n    image: postgres:16\n',
        'docker-compose.override.yml': 'services:\n  db:\n    ports:\n      - "0.0.0.0:15432:15432"\n',
      },
      findings: [{ rule: 'database/port-published', file: 'docker-compose.override.yml', line: 4 }],
    },
    {
      name: 'compose: a host address interpolated from .env, and one set by a variable no .env sets',
      status: 'fail',
      files: {
        'main.py': APP,
        '.env': 'DB_BIND=0.0.0.0\n',
        'docker-compose.yml': [
          'services:',
          '  db:',
          '    image: postgres:16',
          '    ports:',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Compose variable, not a JS template
          '      - "${DB_BIND}:5432:5432"',
          '  cache:',
          '    image: redis:7',
          '    ports:',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Compose variable, not a JS template
          '      - "${CACHE_BIND}:6379:6379"',
          '',
        ].join('\n'),
      },
      findings: [
        { rule: 'database/port-published', file: 'docker-compose.yml', line: 5 },
        { rule: 'database/unresolved', file: 'docker-compose.yml', line: 9 },
      ],
    },
    {
      name: 'database ports published on every interface',
      files: {
        'main.py': APP,
        'docker-compose.yml': [
          'services:',
          '  db:',
          '    image: postgres:16',
          '    ports:',
          '      - "5432:5432"',
          '  cache:',
          '    image: redis:7-alpine',
          '    ports:',
          '      - target: 6379',
          '        published: 6379',
          '        host_ip: 0.0.0.0',
          '  other:',
          '    image: example/custom-mysql',
          '    ports: ["10.0.0.5:3306:3306"]',
          '',
        ].join('\n'),
      },
      findings: [
        { rule: 'database/port-published', file: 'docker-compose.yml', line: 5 },
        { rule: 'database/port-published', file: 'docker-compose.yml', line: 9 },
        { rule: 'database/port-published', file: 'docker-compose.yml', line: 14 },
      ],
    },
    {
      name: 'a compose service as database host: no TLS is only a warning',
      status: 'warn',
      files: settingsApp('postgresql://trader@db:5432/trading', 'pool_pre_ping=True', {
        'docker-compose.yml': 'services:\n  db:\n    image: postgres:16\n  api:\n    build: .\n',
      }),
      findings: [{ rule: 'database/tls-missing', file: 'app/settings.py', line: 5 }],
    },
    {
      name: 'a URL with no default and no env file in the repository is a note, not a failure',
      status: 'warn',
      files: {
        'main.py': [
          'from fastapi import FastAPI',
          'from pydantic_settings import BaseSettings',
          'from sqlalchemy import create_engine',
          '',
          'class Settings(BaseSettings):',
          '    database_url: str',
          '',
          'settings = Settings()',
          'engine = create_engine(settings.database_url, pool_pre_ping=True)',
          'app = FastAPI()',
          '',
        ].join('\n'),
      },
      findings: [{ rule: 'database/unresolved', line: 9 }],
    },
  ],
  skip: [
    { name: 'no Python at all', files: { 'README.md': '# nothing\n' } },
    { name: 'a FastAPI app without a database', files: { 'main.py': APP } },
    {
      name: 'a library without FastAPI or SQLAlchemy',
      files: { 'lib/signal.py': 'DSN = "postgresql://x:y@db/z"\ndef get(x):\n    return x\n' },
    },
    {
      name: 'an ETL script with an engine and no FastAPI app',
      files: {
        'etl.py':
          'from sqlalchemy import create_engine\n\nengine = create_engine("postgresql://etl@db/trading", echo=True)\n',
      },
      verify: (result) => expect(result.checks[0]?.skipReason).toContain('no FastAPI application'),
    },
    {
      name: 'a package with only an APIRouter and an engine: no app',
      files: {
        'pkg/routes.py':
          'from fastapi import APIRouter\nfrom sqlalchemy import create_engine\n\nrouter = APIRouter()\nengine = create_engine("postgresql://u@db/x")\n',
      },
      verify: (result) => expect(result.checks[0]?.skipReason).toContain('no FastAPI application'),
    },
  ],
});

describe('database URLs', () => {
  it('parses SQLAlchemy URLs, passwords with @ included, and masks the password', () => {
    const url = parseDbUrl(
      'postgresql+asyncpg://trader:p@ss:w0rd@db.example.net:5432/trading?sslmode=require&ssl=1',
    );
    expect(url).toMatchObject({
      dialect: 'postgresql',
      driver: 'asyncpg',
      user: 'trader',
      password: 'p@ss:w0rd',
    });
    expect(url?.hosts).toEqual(['db.example.net']);
    expect(url?.query.get('sslmode')).toBe('require');
    expect(maskUrl(url?.raw ?? '')).toBe(
      'postgresql+asyncpg://trader:***@db.example.net:5432/trading?sslmode=require&ssl=1',
    );
  });

  it('reads multi-host, IPv6 and Unix-socket URLs', () => {
    expect(parseDbUrl('postgres://u@h1:5432,h2:5433/db')?.hosts).toEqual(['h1', 'h2']);
    expect(isLocalOnly(parseDbUrl('postgresql://u@[::1]:5432/db')!)).toBe(true);
    expect(isLocalOnly(parseDbUrl('postgresql://u@/db?host=/var/run/postgresql')!)).toBe(true);
    expect(parseDbUrl('sqlite+aiosqlite:///./trading.db')).toMatchObject({ dialect: 'sqlite', hosts: [] });
    expect(parseDbUrl('not a url')).toBeUndefined();
    expect(maskUrl('postgresql://trader@db/x')).toBe('postgresql://trader@db/x');
  });

  it('tells template slots from passwords', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style slot, not a JS template
    for (const p of ['${DB_PASSWORD}', '{password}', '<password>', '***', '%(pw)s'])
      expect(isPlaceholderPassword(p)).toBe(true);
    for (const p of ['password', 'changeme', 'hunter2']) expect(isPlaceholderPassword(p)).toBe(false);
  });
});
