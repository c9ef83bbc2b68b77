// Audit results for the reporter tests: one built by hand (every edge), one produced by the real engine.
import { defineCheck, skip } from '../../src/audit/check.js';
import { defaultConfig, parseConfig } from '../../src/audit/config.js';
import { runAudit } from '../../src/audit/engine.js';
import { findingFingerprint } from '../../src/audit/fingerprint.js';
import type { AuditResult, Check, FindingInput } from '../../src/index.js';
import type { ReportContext } from '../../src/reporters/index.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

/** A secret value planted in the engine fixture: it must never appear in any report. */
export const PLANTED_SECRET = 'hunter2-Sup3rS3cret-value';
/** A second one, only in a suppressed finding. */
export const PLANTED_SUPPRESSED_SECRET = 'sk_live_9f8e7d6c5b4a';

const secrets = defineCheck({
  meta: {
    id: 'secrets',
    point: 1,
    title: 'Production secrets are strong and private',
    description: 'Reads production env files and Python settings.',
    targets: ['repo'],
    rules: {
      'weak-key': {
        title: 'Secret keys carry at least 32 bytes of entropy',
        severity: 'critical',
        description: 'A short key can be guessed.',
        remediation: 'Generate a new key with `tradesec secrets generate` and rotate it.',
      },
      hardcoded: {
        title: 'Secrets are not hardcoded in source',
        severity: 'high',
        description: 'A key in source is in every clone.',
        remediation: 'Read the key from the environment.',
      },
    },
    references: ['https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html'],
  },
  async run(ctx) {
    const out: FindingInput[] = [];
    for (const name of ['.env.production', 'app/settings.py']) {
      const file = await ctx.read(name);
      if (file.kind !== 'text') continue;
      file.text.split('\n').forEach((line, i) => {
        const m = /^\s*(SECRET_KEY|API_KEY)\s*=\s*"?([^"\s]+)"?/.exec(line);
        if (!m?.[2]) return;
        const value = m[2];
        out.push({
          rule: name.endsWith('.py') ? 'hardcoded' : 'weak-key',
          message: `${m[1]} is "${value}", which is ${value.length} characters long`,
          file: name,
          line: i + 1,
          evidence: `${m[1]}=${value}`,
          secrets: [value],
        });
      });
    }
    return out;
  },
});

const https = defineCheck({
  meta: {
    id: 'https',
    point: 2,
    title: 'Traffic is served over HTTPS only',
    description: 'Reads nginx configuration.',
    targets: ['repo'],
    rules: {
      'no-tls': {
        title: 'nginx listens with TLS',
        severity: 'high',
        description: 'Without TLS keys travel in clear text.',
        remediation: 'Add listen 443 ssl.',
      },
    },
  },
  async run(ctx) {
    const confs = await ctx.glob('*.conf');
    return confs.length === 0 ? skip('not-applicable', 'no nginx configuration found') : [];
  },
});

const apiAuth = defineCheck({
  meta: {
    id: 'api-auth',
    point: 3,
    title: 'Every route requires the API key',
    description: 'Reads FastAPI routes.',
    targets: ['repo'],
    rules: {
      'unprotected-route': {
        title: 'Routes require the API key',
        severity: 'critical',
        description: 'A route without the dependency is public.',
        remediation: 'Add Depends(verify_api_key).',
      },
    },
  },
  async run() {
    throw new Error('parser exploded at <module> & "main"\n  at stack frame');
  },
});

const debug = defineCheck({
  meta: {
    id: 'debug',
    point: 6,
    title: 'Debug features are off in production',
    description: 'Reads the FastAPI constructor.',
    targets: ['repo'],
    rules: {
      'docs-exposed': {
        title: 'API docs are not served in production',
        severity: 'low',
        description: 'Docs map the attack surface.',
        remediation: 'Set docs_url=None, redoc_url=None and openapi_url=None.',
      },
    },
  },
  async run() {
    return [
      {
        rule: 'docs-exposed',
        message: '/docs | /redoc are served (docs_url is *set*)',
        file: 'app/main.py',
        line: 2,
      },
    ];
  },
});

const filePerms = defineCheck({
  meta: {
    id: 'file-perms',
    point: 7,
    title: 'Sensitive files are readable by their owner only',
    description: 'Compares file modes with the policy.',
    targets: ['repo', 'host'],
    rules: {
      'too-open': {
        title: 'Files are no more open than the policy allows',
        severity: 'high',
        description: 'Other users can read the file.',
        remediation: 'chmod 600 the file.',
      },
    },
  },
  async run() {
    return [];
  },
});

const container = defineCheck({
  meta: {
    id: 'container',
    point: 10,
    title: 'Containers run as non-root with least privilege',
    description: 'Reads Dockerfiles and compose files.',
    targets: ['repo', 'host'],
    rules: {
      'root-user': {
        title: 'Containers run as a non-root user',
        severity: 'high',
        description: 'Root in a container is one bug away from root on the host.',
        remediation: 'Add USER app after installing packages.',
      },
      healthcheck: {
        title: 'Images declare a HEALTHCHECK',
        severity: 'medium',
        description: 'Without it a hung app looks healthy.',
        remediation: 'Add a HEALTHCHECK instruction.',
      },
      'socket-mount': {
        title: 'The Docker socket is not mounted',
        severity: 'critical',
        description: 'The socket is root on the host.',
        remediation: 'Remove the docker.sock volume.',
      },
      'latest-tag': {
        title: 'Base images are pinned',
        severity: 'medium',
        description: 'latest changes under you.',
        remediation: 'Pin a version or digest.',
      },
      'daemon-config': {
        title: 'The Docker daemon disables inter-container traffic',
        severity: 'high',
        description: 'icc lets containers talk freely.',
        remediation: 'Set "icc": false in /etc/docker/daemon.json.',
      },
      'no-compose': {
        title: 'A compose file describes the deployment',
        severity: 'info',
        description: 'Without one, nothing can be checked.',
        remediation: 'Add docker-compose.yml.',
      },
    },
  },
  async run() {
    return [
      {
        rule: 'latest-tag',
        message: 'FROM python:latest is not pinned',
        file: 'Dockerfile',
        line: 1,
        evidence: 'FROM python:latest',
      },
      { rule: 'root-user', message: 'the final stage runs as root (USER root)', file: 'Dockerfile', line: 3 },
      { rule: 'healthcheck', message: 'Dockerfile has no HEALTHCHECK', file: 'Dockerfile' },
      {
        rule: 'socket-mount',
        message: 'service app mounts /var/run/docker.sock',
        file: 'docker compose.yml',
        line: 4,
      },
      { rule: 'daemon-config', message: 'icc is not false', file: '/etc/docker/daemon.json', line: 2 },
      { rule: 'no-compose', message: 'no compose override for production' },
    ];
  },
});

/** The catalogue the fixtures were produced with, in point order. */
export const CATALOGUE: readonly Check[] = [secrets, https, apiAuth, debug, filePerms, container];

/** A report context over the fixture catalogue. */
export function reportContext(overrides: Partial<ReportContext> = {}): ReportContext {
  return { checks: CATALOGUE, version: '1.2.3', color: false, failOn: 'medium', ...overrides };
}

/** Runs the real engine over a small repository that exercises every status and suppression kind. */
export async function engineResult(): Promise<AuditResult> {
  const dir = await tempDir('tradesec-reporters-');
  await writeFiles(dir, {
    '.env.production': `DEBUG=false\nSECRET_KEY=${PLANTED_SECRET}\n`,
    'app/settings.py': `# tradesec-ignore secrets/hardcoded -- test fixture key, revoked\nAPI_KEY = "${PLANTED_SUPPRESSED_SECRET}"\n`,
    'app/main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
    Dockerfile: 'FROM python:latest\nRUN pip install fastapi\nUSER root\n',
    'docker compose.yml':
      'services:\n  app:\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n',
  });
  const config = parseConfig(
    '[ignore.sock]\nrule = container/socket-mount\nreason = the CI runner | needs the socket\nexpires = 2099-12-31\n',
    '.tradesecrc',
  );
  return runAudit({
    root: dir,
    checks: CATALOGUE,
    config,
    version: '1.2.3',
    now: new Date('2026-01-15T12:00:00Z'),
    baseline: {
      schemaVersion: 1,
      findings: [
        {
          rule: 'container/latest-tag',
          file: 'Dockerfile',
          fingerprint: findingFingerprint('container/latest-tag', 'Dockerfile', 'FROM python:latest'),
        },
      ],
    },
  });
}

/** Runs the engine on a repository where nothing is wrong (every check passes or skips). */
export async function cleanEngineResult(): Promise<AuditResult> {
  const dir = await tempDir('tradesec-reporters-clean-');
  await writeFiles(dir, { 'app/main.py': 'print(1)\n' });
  return runAudit({
    root: dir,
    checks: [secrets, https, filePerms],
    config: defaultConfig(),
    version: '1.2.3',
  });
}

/** Text that breaks naive XML, markdown, terminal and workflow-command output. */
export const NASTY =
  'a <b> & "c" \'d\' | e % 100%\nsecond\rline \u001b[31mred\u001b[0m \u0000nul *bold* _it_ `code` [x](y) @team';

/** An audit result built by hand: every status, a finding of every shape, every suppression kind. */
export function handResult(): AuditResult {
  return {
    schemaVersion: 1,
    tool: { name: 'tradesec', version: '1.2.3' },
    root: '/srv/trading app',
    targets: ['repo', 'host'],
    summary: { pass: 1, fail: 1, warn: 1, skip: 1, error: 1 },
    checks: [
      {
        id: 'secrets',
        point: 1,
        title: 'Production secrets are strong and private',
        status: 'pass',
        durationMs: 4,
        findings: [],
        suppressed: [
          {
            rule: 'secrets/hardcoded',
            severity: 'high',
            message: 'API_KEY is hardcoded',
            file: 'app/settings.py',
            line: 2,
            fingerprint: 'a'.repeat(32),
            remediation: 'Read the key from the environment.',
            kind: 'inline',
            reason: 'revoked test key',
          },
        ],
      },
      {
        id: 'https',
        point: 2,
        title: 'Traffic is served over HTTPS only',
        status: 'skip',
        skipReason: 'not-applicable: no nginx configuration found',
        durationMs: 1,
        findings: [],
        suppressed: [],
      },
      {
        id: 'api-auth',
        point: 3,
        title: 'Every route requires the API key',
        status: 'error',
        error: 'parser exploded at <module> & "main"',
        durationMs: 2,
        findings: [],
        suppressed: [],
      },
      {
        id: 'debug',
        point: 6,
        title: 'Debug features are off in production',
        status: 'warn',
        durationMs: 3,
        findings: [
          {
            rule: 'debug/docs-exposed',
            severity: 'low',
            message: '/docs | /redoc are served',
            file: 'app/main.py',
            line: 2,
            fingerprint: 'b'.repeat(32),
            remediation: 'Set docs_url=None.',
          },
        ],
        suppressed: [],
      },
      {
        id: 'container',
        point: 10,
        title: 'Containers run as non-root with least privilege',
        status: 'fail',
        durationMs: 1500,
        findings: [
          {
            rule: 'container/root-user',
            severity: 'high',
            message: NASTY,
            file: 'Dockerfile',
            line: 3,
            fingerprint: 'c'.repeat(32),
            remediation: 'Add USER app after installing packages.',
          },
          {
            rule: 'container/healthcheck',
            severity: 'medium',
            message: 'Dockerfile has no HEALTHCHECK',
            file: 'Dockerfile',
            fingerprint: 'd'.repeat(32),
            remediation: 'Add a HEALTHCHECK instruction.',
            fix: { kind: 'manual', description: 'add HEALTHCHECK CMD curl -f http://127.0.0.1:8000/health' },
          },
          {
            rule: 'container/socket-mount',
            severity: 'critical',
            message: 'service app mounts /var/run/docker.sock',
            file: 'deploy/docker compose,prod.yml',
            line: 4,
            fingerprint: 'e'.repeat(32),
            remediation: 'Remove the docker.sock volume.',
          },
          {
            rule: 'container/daemon-config',
            severity: 'high',
            message: 'icc is not false',
            file: '/etc/docker/daemon.json',
            line: 2,
            fingerprint: 'f'.repeat(32),
            remediation: 'Set "icc": false.',
          },
          {
            rule: 'container/no-compose',
            severity: 'info',
            message: 'no compose override for production',
            fingerprint: '0'.repeat(32),
            remediation: 'Add docker-compose.yml.',
          },
        ],
        suppressed: [
          {
            rule: 'container/latest-tag',
            severity: 'medium',
            message: 'FROM python:latest is not pinned',
            file: 'Dockerfile',
            line: 1,
            fingerprint: '1'.repeat(32),
            remediation: 'Pin a version.',
            kind: 'baseline',
            reason: 'accepted in baseline.json',
          },
          {
            rule: 'container/socket-mount',
            severity: 'critical',
            message: 'service ci mounts /var/run/docker.sock',
            file: 'ci/compose.yml',
            line: 7,
            fingerprint: '2'.repeat(32),
            remediation: 'Remove the docker.sock volume.',
            kind: 'config',
            reason: 'the CI runner | needs <the> socket',
            expires: '2099-12-31',
          },
        ],
      },
    ],
  };
}
