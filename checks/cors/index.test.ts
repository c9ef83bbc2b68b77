import { expect } from 'vitest';
import { fixture } from '../../test/helpers/app-fixture.js';
import { testCheck } from '../../test/helpers/check-tester.js';
import check from './index.js';

const HEAD = `from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
`;

testCheck(check, {
  pass: [
    {
      name: 'origins from settings: localhost default overridden by the production env file (whole app)',
      files: fixture('cors-debug-good'),
    },
    {
      name: 'explicit https origins, and "*" only in a comment and a docstring',
      files: {
        'main.py': `${HEAD}
"""allow_origins=["*"] would be wrong."""
# app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"], allow_credentials=True)
`,
      },
    },
    {
      name: 'origins split from an environment variable set by the production env file',
      files: {
        'main.py': `${HEAD}import os

ORIGINS = [o.strip() for o in os.getenv("ALLOWED_ORIGINS", "http://localhost:3000").split(",") if o.strip()]
app.add_middleware(CORSMiddleware, allow_origins=ORIGINS)
`,
        '.env.production': 'ALLOWED_ORIGINS=https://a.example.com, https://b.example.com\n',
      },
      config: '[cors]\nallowed-origins = https://a.example.com, https://b.example.com\n',
    },
    {
      name: 'a wildcard only in the development branch',
      files: {
        'main.py': `${HEAD}import os

if os.getenv("ENVIRONMENT") == "development":
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
else:
    app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])
`,
      },
    },
    {
      name: 'FastAPI(middleware=[Middleware(CORSMiddleware, ...)]) with a strict regex',
      files: {
        'main.py': `from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

app = FastAPI(middleware=[Middleware(CORSMiddleware, allow_origin_regex=r"^https://[a-z0-9-]+\\.example\\.com$")])
`,
      },
    },
    {
      name: 'no CORSMiddleware at all',
      files: { 'main.py': HEAD },
    },
  ],
  fail: [
    {
      name: 'allow_origins=ORIGINS with ORIGINS = ["*"] in another module, with credentials (whole app)',
      files: fixture('cors-debug-bad'),
      findings: [{ rule: 'cors/wildcard-with-credentials', file: 'app/main.py', line: 9 }],
      verify: (result) => {
        const msg = result.checks[0]?.findings[0]?.message ?? '';
        if (!msg.includes('app/settings.py:3'))
          throw new Error(`the message should say where "*" was defined: ${msg}`);
      },
    },
    {
      name: 'a development-mode conditional that the production env file turns on (DEV_MODE=true, ENVIRONMENT=staging)',
      files: {
        'config.py': `from pydantic import BaseSettings

class Settings(BaseSettings):
    environment: str = "production"
    dev_mode: bool = False

    class Config:
        env_file = ".env.production"

settings = Settings()
`,
        'main.py': `${HEAD}from config import settings

if settings.dev_mode:
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
if settings.environment != "production":
    app.add_middleware(CORSMiddleware, allow_origins=["http://localhost:3000"])
`,
        '.env.production': 'DEV_MODE=true\nENVIRONMENT=staging\n',
      },
      findings: [
        { rule: 'cors/wildcard-with-credentials', file: 'main.py', line: 8 },
        { rule: 'cors/localhost-origin', file: 'main.py', line: 10 },
      ],
    },
    {
      name: 'compose environment of the app service overrides the env_file (map form); other services do not count',
      files: {
        'config.py': `from pydantic import BaseSettings

class Settings(BaseSettings):
    cors_origins: list[str] = ["https://app.example.com"]
`,
        'main.py': `${HEAD}from config import Settings

settings = Settings()
app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True)
`,
        '.env.production': 'CORS_ORIGINS=["https://app.example.com"]\n',
        'docker-compose.yml': `services:
  api:
    build: .
    command: uvicorn main:app --host 0.0.0.0
    env_file: .env.production
    environment:
      CORS_ORIGINS: '["*"]'
  worker:
    image: redis:7
    environment:
      - CORS_ORIGINS=["http://localhost:3000"]
`,
      },
      findings: [{ rule: 'cors/wildcard-with-credentials', file: 'main.py', line: 8 }],
      verify: (result) => {
        const msg = result.checks[0]?.findings[0]?.message ?? '';
        expect(msg).toContain('docker-compose.yml:7');
      },
    },
    {
      name: 'origins changed in place at module level: +=, append, extend',
      files: {
        'main.py': `${HEAD}
origins = ["https://app.example.com"]
origins += ["*"]
origins.append("http://localhost:3000")
origins.extend(["https://b.example.com"])
app.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=True)
`,
      },
      findings: [
        { rule: 'cors/wildcard-with-credentials', file: 'main.py', line: 10 },
        { rule: 'cors/localhost-origin', file: 'main.py', line: 10 },
      ],
    },
    {
      name: 'a wildcard without credentials, through import app.settings as s',
      files: {
        'app/__init__.py': '',
        'app/settings.py': 'CORS = {"origins": 1}\nORIGINS = ("*",)\n',
        'app/main.py': `${HEAD}import app.settings as s

app.add_middleware(CORSMiddleware, allow_origins=s.ORIGINS, allow_methods=["GET"])
`,
      },
      findings: [{ rule: 'cors/wildcard-origin', file: 'app/main.py', line: 7 }],
    },
    {
      name: 'http and localhost origins from a settings default no production env file overrides',
      files: {
        'config.py': `from pydantic import BaseSettings


class Settings(BaseSettings):
    cors_origins: list = ["http://localhost:3000", "http://trading.example.com", "https://trading.example.com"]


settings = Settings()
`,
        'main.py': `${HEAD}from config import settings

app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins)
`,
      },
      findings: [
        { rule: 'cors/localhost-origin', file: 'main.py', line: 7 },
        { rule: 'cors/insecure-origin', file: 'main.py', line: 7 },
      ],
    },
    {
      name: 'regexes: unescaped dot, wildcard before the host, match-all with credentials',
      files: {
        'a.py': `${HEAD}app.add_middleware(CORSMiddleware, allow_origin_regex="^https://app.example.com$")\n`,
        'b.py': `${HEAD}app.add_middleware(CORSMiddleware, allow_origin_regex=r"^https://.*example\\.com$")\n`,
        'c.py': `${HEAD}app.add_middleware(CORSMiddleware, allow_origin_regex=".*", allow_credentials=True)\n`,
      },
      findings: [
        { rule: 'cors/origin-regex-unescaped', file: 'a.py', line: 5 },
        { rule: 'cors/origin-regex-unescaped', file: 'b.py', line: 5 },
        { rule: 'cors/wildcard-with-credentials', file: 'c.py', line: 5 },
      ],
    },
    {
      name: 'an origin outside allowed-origins, and an unanchored regex (low)',
      config: '[cors]\nallowed-origins = https://app.example.com\n',
      files: {
        'main.py': `${HEAD}app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com", "https://old.example.com"])
app.add_middleware(CORSMiddleware, allow_origin_regex=r"https://app\\.example\\.com")
`,
      },
      findings: [
        { rule: 'cors/unexpected-origin', line: 5 },
        { rule: 'cors/origin-regex-unanchored', line: 6 },
      ],
    },
    {
      name: 'origins that cannot be resolved are a low note, never a guess',
      status: 'warn',
      files: {
        'main.py': `${HEAD}from elsewhere import load_origins

app.add_middleware(CORSMiddleware, allow_origins=load_origins())
`,
      },
      findings: [{ rule: 'cors/unresolved-origins', line: 7 }],
    },
  ],
  skip: [
    {
      name: 'a Starlette app without FastAPI',
      files: {
        'main.py': `from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware

app = Starlette()
app.add_middleware(CORSMiddleware, allow_origins=["*"])
`,
      },
    },
  ],
});
