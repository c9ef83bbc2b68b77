// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose variable references, not JS templates
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { AuditResult } from '../../src/audit/types.js';
import { testCheck } from '../../test/helpers/check-tester.js';
import check from './index.js';

const guide = (name: string): string =>
  readFileSync(path.join(import.meta.dirname, '../../test/fixtures/guide', name), 'utf8');

const DOCKERFILE = `# syntax=docker/dockerfile:1
FROM python:3.12-slim AS builder
RUN apt-get update && apt-get install -y --no-install-recommends gcc
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

FROM python:3.12-slim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
RUN groupadd -r app && useradd -r -g app app
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY --chown=app:app . /app
WORKDIR /app
USER app
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"]
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
`;

const COMPOSE = `services:
  app:
    build: .
    ports:
      - "127.0.0.1:8000:8000"
    security_opt:
      - no-new-privileges:true
    cap_drop: [ALL]
    read_only: true
    tmpfs: [/tmp]
  nginx:
    image: nginxinc/nginx-unprivileged:1.27-alpine
    user: "101"
    ports:
      - "80:8080"
      - "443:8443"
      - target: 9000
        published: 9000
        host_ip: 127.0.0.1
    security_opt: ["no-new-privileges=true"]
    cap_drop:
      - ALL
    read_only: true
    tmpfs:
      - /tmp:rw,size=16m
  db:
    image: postgres:16
    user: postgres
    expose: ["5432"]
    security_opt: [no-new-privileges]
    cap_drop: [ALL]
    read_only: true
    volumes:
      - db:/var/lib/postgresql/data
volumes:
  db: {}
`;

/** A service whose hardening comes from ${VAR:-default} values: hardened unless the .env beside it says otherwise. */
const INTERPOLATED = `services:
  app:
    image: myapp:1.0
    ports: ["\${BIND:-127.0.0.1}:\${PORT:-8000}:8000"]
    security_opt: ["no-new-privileges:\${NNP:-true}"]
    cap_drop: [ALL]
    read_only: \${RO:-true}
    tmpfs: [/tmp]
    user: "\${APP_UID:-1000}"
`;

/** Services that take their settings from another file with extends. */
const EXTENDS_BASE = `services:
  hardened:
    security_opt: ["no-new-privileges:true"]
    cap_drop: [ALL]
    read_only: true
    tmpfs: [/tmp]
    user: "1000"
  loose:
    privileged: true
    ports: ["8000:8000"]
`;

const hardenedService = (extra = ''): string => `services:
  app:
    build: .
    security_opt: [no-new-privileges:true]
    cap_drop: [ALL]
    read_only: true
${extra}`;

testCheck(check, {
  pass: [
    {
      name: 'multi-stage Dockerfile (builder as root) and a hardened compose file without version:',
      files: { Dockerfile: DOCKERFILE, 'compose.yaml': COMPOSE },
    },
    {
      name: 'pip after USER into a virtualenv, FROM scratch, an unprivileged base image, ENV that only references a secret',
      files: {
        'api.Dockerfile': `FROM python:3.12-slim
ARG API_TOKEN
ENV SECRET_KEY=\${SECRET_KEY} SECRET_KEY_FILE=/run/secrets/key
RUN useradd app && python -m venv /home/app/venv
USER app
ENV VIRTUAL_ENV=/home/app/venv
RUN pip install fastapi
HEALTHCHECK NONE
HEALTHCHECK CMD ["true"]
CMD ["uvicorn", "main:app"]
`,
        'tools/Containerfile':
          'FROM scratch\nCOPY app /app\nUSER 65532:65532\nHEALTHCHECK CMD ["/app", "health"]\nENTRYPOINT ["/app"]\n',
        'proxy/Dockerfile':
          'FROM nginxinc/nginx-unprivileged:1.27-alpine\nCOPY nginx.conf /etc/nginx/nginx.conf\nHEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:8080/"]\n',
      },
    },
    {
      name: '${VAR:-default} values without a .env take their hardened defaults',
      files: { 'compose.yml': INTERPOLATED },
    },
    {
      name: 'a proxy built from an nginx image publishes 80 and 443 on every interface',
      files: {
        'proxy/Dockerfile':
          'FROM nginxinc/nginx-unprivileged:1.27-alpine\nCOPY nginx.conf /etc/nginx/nginx.conf\nUSER 101\nHEALTHCHECK CMD ["wget", "-q", "-O-", "http://127.0.0.1:8080/"]\nCMD ["nginx", "-g", "daemon off;"]\n',
        'compose.yaml': `services:
  proxy:
    build: ./proxy
    user: "101"
    ports: ["80:8080", "443:8443"]
    security_opt: [no-new-privileges:true]
    cap_drop: [ALL]
    read_only: true
    tmpfs: [/tmp]
`,
      },
    },
    {
      name: 'a service hardened through extends from another file',
      files: {
        'common/base.yml': EXTENDS_BASE,
        'compose.yaml':
          'services:\n  app:\n    image: myapp:1.0\n    extends:\n      file: common/base.yml\n      service: hardened\n',
      },
    },
    {
      name: 'a Dockerfile without HEALTHCHECK whose Compose service defines one',
      files: {
        'docker/Dockerfile': 'FROM python:3.12-slim\nUSER 1000\nCMD ["python", "-m", "app"]\n',
        'docker-compose.yml': `services:
  app:
    build:
      context: docker
    security_opt: [no-new-privileges:true]
    cap_drop: [ALL]
    read_only: true
    healthcheck:
      test: ["CMD", "python", "-c", "print(1)"]
`,
      },
    },
  ],
  fail: [
    {
      name: 'the guide’s Dockerfile and docker-compose.yml: apt-get remove after USER trading',
      files: { Dockerfile: guide('Dockerfile'), 'docker-compose.yml': guide('docker-compose.yml') },
      findings: [
        { rule: 'container/package-manager-as-user', file: 'Dockerfile', line: 22 },
        { rule: 'container/missing-healthcheck', file: 'Dockerfile', line: 2 },
      ],
      verify: (result) => {
        const msg = result.checks[0]?.findings.find(
          (f) => f.rule === 'container/package-manager-as-user',
        )?.message;
        expect(msg).toContain('USER at line 19');
      },
    },
    {
      name: 'the fix only in a comment (# USER app) is not a fix',
      files: {
        Dockerfile: 'FROM python:3.12-slim\n# USER app\nHEALTHCHECK CMD ["true"]\nCMD ["python", "run.py"]\n',
      },
      findings: [{ rule: 'container/root-user', line: 1 }],
    },
    {
      name: 'USER app, then USER root later',
      files: {
        Dockerfile:
          'FROM python:3.12-slim\nUSER app\nRUN id\nUSER root\nHEALTHCHECK CMD ["true"]\nCMD ["python"]\n',
      },
      findings: [{ rule: 'container/root-user', line: 4 }],
    },
    {
      name: 'USER 0:0 in the final stage although the builder had a user',
      files: {
        Dockerfile:
          'FROM node:22 AS build\nUSER node\nFROM python:3.12-slim\nUSER 0:0\nHEALTHCHECK CMD ["true"]\nCMD ["python"]\n',
      },
      findings: [{ rule: 'container/root-user', line: 4 }],
    },
    {
      name: 'untagged and latest base images',
      files: {
        Dockerfile:
          'FROM python AS a\nFROM nginx:latest\nUSER nginx\nHEALTHCHECK CMD ["true"]\nCMD ["nginx"]\n',
      },
      findings: [
        { rule: 'container/unpinned-base-image', line: 1 },
        { rule: 'container/unpinned-base-image', line: 2 },
      ],
    },
    {
      name: 'secret-named ENV and ARG with literal values (values never printed)',
      files: {
        Dockerfile:
          'FROM python:3.12-slim\nARG DB_PASSWORD=hunter2-not-a-real-one\nENV API_SECRET_KEY="s3cr3t-value-1234567890" DEBUG=0\nUSER app\nHEALTHCHECK CMD ["true"]\nCMD ["python"]\n',
      },
      findings: [
        { rule: 'container/secret-in-env', line: 2 },
        { rule: 'container/secret-in-env', line: 3 },
      ],
      secrets: ['hunter2-not-a-real-one', 's3cr3t-value-1234567890'],
    },
    {
      name: 'sudo, ADD of a local path, shell-form CMD, HEALTHCHECK NONE',
      files: {
        Dockerfile:
          'FROM python:3.12-slim\nRUN apt-get install -y sudo\nADD . /app\nADD https://example.com/tool.tgz /opt/\nUSER app\nRUN sudo apt-get update\nHEALTHCHECK NONE\nCMD python run.py\n',
      },
      findings: [
        { rule: 'container/sudo', line: 2 },
        { rule: 'container/add-instead-of-copy', line: 3 },
        { rule: 'container/add-instead-of-copy', line: 4 },
        { rule: 'container/sudo', line: 6 },
        { rule: 'container/missing-healthcheck', line: 7 },
        { rule: 'container/shell-form-cmd', line: 8 },
      ],
    },
    {
      name: 'pip install into the system after USER, without a virtualenv (a low note)',
      files: {
        Dockerfile:
          'FROM python:3.12-slim\nUSER app\nRUN pip3 install requests\nHEALTHCHECK CMD ["true"]\nCMD ["python"]\n',
      },
      status: 'warn',
      findings: [{ rule: 'container/package-manager-as-user', line: 3 }],
      verify: (result) =>
        expect(result.checks[0]?.findings[0]?.message).toContain('falls back to a --user install'),
    },
    {
      name: 'ports bound to every interface in every spelling; the database is high',
      files: {
        'compose.yaml': hardenedService(`    ports:
      - "8000:8000"
      - "0.0.0.0:8001:8001"
      - "[::]:8002:8002"
      - 8003
      - target: 8004
        published: 8004
      - "80:80"
      - "127.0.0.1:8005:8005"
      - "5432:5432"
`),
      },
      findings: [
        { rule: 'container/port-all-interfaces', line: 8 },
        { rule: 'container/port-all-interfaces', line: 9 },
        { rule: 'container/port-all-interfaces', line: 10 },
        { rule: 'container/port-all-interfaces', line: 11 },
        { rule: 'container/port-all-interfaces', line: 12 },
        { rule: 'container/port-all-interfaces', line: 16 },
      ],
      verify: (result) => {
        const db = result.checks[0]?.findings.find((f) => f.line === 16);
        expect(db?.severity).toBe('high');
        expect(db?.message).toContain('PostgreSQL');
        expect(db?.remediation).toContain('"127.0.0.1:5432:5432"');
        const longForm = result.checks[0]?.findings.find((f) => f.line === 12);
        expect(longForm?.remediation).toContain('"127.0.0.1:8004:8004"');
      },
    },
    {
      name: 'a Python service publishing 80 and 443 on every interface: only the reverse proxy may',
      files: {
        'compose.yaml': `services:
  api:
    image: python:3.12-slim
    command: uvicorn app.main:app --host 0.0.0.0 --port 8000
    user: app
    ports: ["80:8000", "443:8443"]
    security_opt: [no-new-privileges:true]
    cap_drop: [ALL]
    read_only: true
`,
      },
      findings: [
        { rule: 'container/port-all-interfaces', line: 6 },
        { rule: 'container/port-all-interfaces', line: 6 },
      ],
      verify: (result) =>
        expect(result.checks[0]?.findings[0]?.message).toContain('python:3.12-slim is not a reverse proxy'),
    },
    {
      name: 'cap_add: [ALL] after cap_drop: [ALL] adds every capability back',
      files: { 'compose.yaml': hardenedService('    cap_add:\n      - ALL\n') },
      findings: [{ rule: 'container/cap-drop-all', line: 8 }],
    },
    {
      name: 'the .env beside the Compose file overrides ${VAR:-default} values',
      files: {
        'compose.yml': INTERPOLATED,
        '.env': 'BIND=0.0.0.0\nNNP=false\nRO=false\nAPP_UID=0\n',
      },
      findings: [
        { rule: 'container/port-all-interfaces', file: 'compose.yml', line: 4 },
        { rule: 'container/no-new-privileges', file: 'compose.yml', line: 5 },
        { rule: 'container/read-only', file: 'compose.yml', line: 7 },
        { rule: 'container/root-user', file: 'compose.yml', line: 9 },
      ],
    },
    {
      name: 'a service that extends a loose service of another file inherits its problems there',
      files: {
        'common/base.yml': EXTENDS_BASE,
        'compose.yaml':
          'services:\n  worker:\n    image: myapp:1.0\n    user: "1000"\n    security_opt: [no-new-privileges]\n    cap_drop: [ALL]\n    read_only: true\n    extends:\n      file: common/base.yml\n      service: loose\n',
      },
      findings: [
        { rule: 'container/privileged', file: 'common/base.yml', line: 9 },
        { rule: 'container/port-all-interfaces', file: 'common/base.yml', line: 10 },
      ],
    },
    {
      name: 'no-new-privileges turned off (:false and =false)',
      files: {
        'compose.yaml': `services:
  a:
    build: .
    security_opt: ["no-new-privileges:false"]
    cap_drop: [ALL]
    read_only: true
  b:
    build: .
    security_opt:
      - no-new-privileges=false
    cap_drop: [ALL]
    read_only: true
`,
      },
      findings: [
        { rule: 'container/no-new-privileges', line: 4 },
        { rule: 'container/no-new-privileges', line: 10 },
      ],
    },
    {
      name: 'an unhardened service: privileged, host network, docker.sock, root user',
      files: {
        'docker-compose.yml': `version: "3.8"
services:
  agent:
    image: agent:1.0
    privileged: true
    network_mode: host
    user: root
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
`,
      },
      findings: [
        { rule: 'container/no-new-privileges', line: 3 },
        { rule: 'container/cap-drop-all', line: 3 },
        { rule: 'container/read-only', line: 3 },
        { rule: 'container/privileged', line: 5 },
        { rule: 'container/host-network', line: 6 },
        { rule: 'container/root-user', line: 7 },
        { rule: 'container/docker-socket', line: 9 },
      ],
    },
    {
      name: 'an override file that undoes the base file’s hardening points at the override',
      files: {
        'compose.yaml': hardenedService('    ports: ["127.0.0.1:8000:8000"]\n'),
        'compose.override.yaml': `services:
  app:
    read_only: false
    security_opt: !reset []
    ports:
      - "8000:8000"
`,
      },
      findings: [
        { rule: 'container/read-only', file: 'compose.override.yaml', line: 3 },
        { rule: 'container/no-new-privileges', file: 'compose.override.yaml', line: 4 },
        { rule: 'container/port-all-interfaces', file: 'compose.override.yaml', line: 6 },
      ],
    },
    {
      name: 'nginx with cap_drop ALL and read_only but no tmpfs (the guide’s mistake 11)',
      files: {
        'compose.yml': `services:
  nginx:
    image: nginx:1.27
    ports: ["80:80", "443:443"]
    security_opt: [no-new-privileges:true]
    cap_drop: [ALL]
    read_only: true
    user: "0"
`,
      },
      findings: [
        { rule: 'container/read-only-tmpfs', line: 7 },
        { rule: 'container/nginx-capabilities', line: 6 },
        { rule: 'container/root-user', line: 8 },
      ],
    },
    {
      name: 'a Compose file and a Dockerfile that do not parse',
      files: { 'compose.yaml': 'services:\n  app: [\n', Dockerfile: 'FROM python:3.12-slim\nRUNN echo\n' },
      findings: [
        { rule: 'container/compose-parse-error', file: 'compose.yaml' },
        { rule: 'container/dockerfile-parse-error', file: 'Dockerfile', line: 2 },
      ],
    },
    ...(
      [
        ['FROM without an image', 'FROM\nUSER app\n', 1, 'FROM requires'],
        [
          'ENV without a value',
          'FROM python:3.12-slim\nENV FOO\nUSER app\n',
          2,
          'ENV must have two arguments',
        ],
        [
          'COPY with one argument',
          'FROM python:3.12-slim\nCOPY onlyone\nUSER app\n',
          2,
          'COPY requires at least two',
        ],
      ] as const
    ).map(([what, text, line, message]) => ({
      name: `a Dockerfile Docker refuses: ${what} (one finding only)`,
      files: { Dockerfile: `${text}HEALTHCHECK CMD ["true"]\nCMD python run.py\n` },
      findings: [{ rule: 'container/dockerfile-parse-error', line }],
      verify: (result: AuditResult) => expect(result.checks[0]?.findings[0]?.message).toContain(message),
    })),
    {
      name: 'CMD with malformed JSON runs as the shell form',
      files: {
        Dockerfile: 'FROM python:3.12-slim\nUSER app\nHEALTHCHECK CMD ["true"]\nCMD ["python", "run.py"\n',
      },
      status: 'warn',
      findings: [{ rule: 'container/shell-form-cmd', line: 4 }],
    },
    {
      name: 'USER with the default root (:-root) and ARG APP_USER without a value resolves to root',
      files: {
        Dockerfile: `FROM python:3.12-slim\nARG APP_USER\nUSER \${APP_USER:-root}\nHEALTHCHECK CMD ["true"]\nCMD ["python"]\n`,
      },
      findings: [{ rule: 'container/root-user', line: 3 }],
    },
    {
      name: 'an image-based service without user: is a low note',
      files: { 'compose.yaml': hardenedService().replace('build: .', 'image: redis:7') },
      status: 'warn',
      findings: [{ rule: 'container/compose-user', line: 2 }],
    },
  ],
  skip: [
    {
      name: 'neither a Dockerfile nor a Compose file',
      files: { 'app/main.py': 'print(1)\n', 'nginx.conf': 'events {}\n' },
    },
  ],
});
