import { expect } from 'vitest';
import { fixture } from '../../test/helpers/app-fixture.js';
import { testCheck } from '../../test/helpers/check-tester.js';
import check from './index.js';

const OFF = 'docs_url=None, redoc_url=None, openapi_url=None';

/** A pydantic 1 settings module with one field, fed by `envFile`. */
function settingsModule(field: string, envFile: string): string {
  return `from pydantic import BaseSettings\n\nclass Settings(BaseSettings):\n    ${field}\n\n    class Config:\n        env_file = "${envFile}"\n\nsettings = Settings()\n`;
}

testCheck(check, {
  pass: [
    {
      name: 'all three docs URLs None, settings and env files conditional on the environment (whole app)',
      files: fixture('cors-debug-good'),
    },
    {
      name: 'docs off through a **kwargs dictionary picked by an environment conditional',
      files: {
        'main.py': `import os
from fastapi import FastAPI

ENV = os.getenv("ENV", "development")
docs = {"docs_url": None, "redoc_url": None, "openapi_url": None} if ENV == "production" else {}
app = FastAPI(**docs)
`,
      },
    },
    {
      name: 'reload only in the development compose file and in a __main__ block the deployment does not run',
      files: {
        'app/main.py': `from fastapi import FastAPI
import uvicorn

app = FastAPI(${OFF})

if __name__ == "__main__":
    uvicorn.run(app, reload=True, log_level="debug")
`,
        Dockerfile: 'FROM python:3.12-slim\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n',
        'docker-compose.override.yml': 'services:\n  api:\n    command: uvicorn app.main:app --reload\n',
        '.env': 'DEBUG=true\n',
      },
    },
    {
      name: 'a /debug route behind the API key',
      files: {
        'main.py': `from fastapi import Depends, FastAPI, Header, HTTPException
import secrets


def verify(x_api_key: str = Header("")):
    if not secrets.compare_digest(x_api_key, "k"):
        raise HTTPException(status_code=401)


app = FastAPI(${OFF}, dependencies=[Depends(verify)])


@app.get("/debug/state")
def state():
    return {}
`,
      },
    },
  ],
  fail: [
    {
      name: 'docs_url=None but openapi_url left on, debug from the production env file, --reload in CMD (whole app)',
      files: fixture('cors-debug-bad'),
      findings: [
        { rule: 'debug/openapi-exposed', file: 'app/main.py', line: 6 },
        { rule: 'debug/debug-mode', file: 'app/main.py', line: 6 },
        { rule: 'debug/reload-in-production', file: 'Dockerfile', line: 4 },
        { rule: 'debug/debug-log-level', file: 'docker-compose.yml', line: 5 },
        { rule: 'debug/debug-route', file: 'app/main.py', line: 16 },
        { rule: 'debug/debug-in-env-file', file: '.env.production', line: 1 },
      ],
    },
    {
      name: 'a development-mode branch that the production env file turns on (DEV_MODE=true)',
      files: {
        'config.py': settingsModule('dev_mode: bool = False', '.env.production'),
        'main.py': `from fastapi import FastAPI
from config import settings

if settings.dev_mode:
    app = FastAPI(debug=True)
else:
    app = FastAPI(${OFF})
`,
        '.env.production': 'DEV_MODE=true\n',
      },
      findings: [
        { rule: 'debug/docs-exposed', file: 'main.py', line: 5 },
        { rule: 'debug/debug-mode', file: 'main.py', line: 5 },
      ],
    },
    {
      name: 'docs behind a setting the env file turns on, debug from a comparison of an env variable',
      files: {
        'config.py': settingsModule('docs_enabled: bool = False', '.env'),
        'main.py': `import os
from fastapi import FastAPI
from config import settings

DEBUG = os.getenv("DEBUG", "false").lower() == "true"
app = FastAPI(
    debug=DEBUG,
    docs_url="/docs" if settings.docs_enabled else None,
    redoc_url=None,
    openapi_url="/openapi.json" if settings.docs_enabled else None,
)
`,
        '.env': 'DOCS_ENABLED=true\nDEBUG=True\n',
      },
      findings: [
        { rule: 'debug/docs-exposed', file: 'main.py', line: 6 },
        { rule: 'debug/debug-mode', file: 'main.py', line: 7 },
      ],
    },
    {
      name: 'default docs, and a fix only in a comment and after return',
      files: {
        'main.py': `from fastapi import FastAPI

# app = FastAPI(${OFF})
app = FastAPI(title="api")


def configure():
    return
    app.openapi_url = None
`,
      },
      findings: [{ rule: 'debug/docs-exposed', line: 4 }],
    },
    {
      name: 'uvicorn.run(reload=True) in the module the Dockerfile runs with python -m',
      files: {
        'app/main.py': `from fastapi import FastAPI
import uvicorn

app = FastAPI(${OFF})

if __name__ == "__main__":
    uvicorn.run("app.main:app", host="0.0.0.0", reload=True)
`,
        Dockerfile: 'FROM python:3.12-slim\nCMD python -m app.main\n',
      },
      findings: [{ rule: 'debug/reload-in-production', file: 'app/main.py', line: 7 }],
    },
    {
      name: 'python -m app runs app/__main__.py; a compose entrypoint script that execs uvicorn --reload',
      files: {
        'app/__init__.py': '',
        'app/main.py': `from fastapi import FastAPI\napp = FastAPI(${OFF})\n`,
        'app/__main__.py': 'import uvicorn\n\nuvicorn.run("app.main:app", host="0.0.0.0", reload=True)\n',
        Dockerfile: 'FROM python:3.12-slim\nCMD ["python", "-m", "app"]\n',
        'docker-compose.yml': 'services:\n  api:\n    build: .\n    entrypoint: ["./start.sh"]\n',
        'start.sh': [
          '#!/bin/sh',
          'set -e',
          '# uvicorn app.main:app --log-level debug',
          'alembic upgrade head',
          'if [ "$APP_ENV" = "dev" ]; then',
          '  exec uvicorn app.main:app --log-level debug',
          'fi',
          'exec env PORT=8000 uvicorn app.main:app --reload',
          '',
        ].join('\n'),
      },
      findings: [
        { rule: 'debug/reload-in-production', file: 'app/__main__.py', line: 3 },
        { rule: 'debug/reload-in-production', file: 'start.sh', line: 8 },
      ],
      verify: (result) => {
        const msg = result.checks[0]?.findings.find((f) => f.file === 'start.sh')?.message ?? '';
        expect(msg).toContain('docker-compose.yml:4');
      },
    },
    {
      name: 'DEBUG from the compose environment list of the service the Dockerfile runs, not of a python worker',
      files: {
        'main.py': `import os
from fastapi import FastAPI

app = FastAPI(debug=os.getenv("DEBUG", "false") == "true", ${OFF})
`,
        Dockerfile: 'FROM python:3.12-slim\nCMD ["uvicorn", "main:app"]\n',
        'docker-compose.yml': [
          'services:',
          '  api:',
          '    build: .',
          '    environment:',
          '      - DEBUG=true',
          '  worker:',
          '    build: .',
          '    command: ["python", "worker.py"]',
          '    environment:',
          '      DEBUG: "false"',
          '  db:',
          '    image: postgres:16',
          '',
        ].join('\n'),
      },
      findings: [
        { rule: 'debug/debug-mode', file: 'main.py', line: 4 },
        { rule: 'debug/debug-in-env-file', file: 'docker-compose.yml', line: 5 },
      ],
    },
    {
      name: 'systemd ExecStart with --reload, and gunicorn with --log-level debug',
      files: {
        'app/main.py': `from fastapi import FastAPI\napp = FastAPI(${OFF})\n`,
        'deploy/trading.service':
          '[Service]\nExecStart=/opt/venv/bin/uvicorn app.main:app \\\n  --port 8000 --reload\n',
        Procfile: 'web: gunicorn -k uvicorn.workers.UvicornWorker app.main:app --log-level debug\n',
      },
      findings: [
        { rule: 'debug/reload-in-production', file: 'deploy/trading.service', line: 2 },
        { rule: 'debug/debug-log-level', file: 'Procfile', line: 1 },
      ],
    },
    {
      name: 'a docs URL that cannot be resolved is a low note',
      status: 'warn',
      files: {
        'main.py': `from fastapi import FastAPI
from somewhere import compute

app = FastAPI(docs_url=compute(), redoc_url=None, openapi_url=None)
`,
      },
      findings: [{ rule: 'debug/unresolved-setting', line: 4 }],
    },
  ],
  skip: [
    {
      name: 'no FastAPI app, only a DEBUG env file',
      files: { '.env.production': 'DEBUG=true\n', 'tool.py': 'def get():\n    return 1\n' },
    },
  ],
});
