// Benchmark: the https and container checks over 500 generated nginx, Dockerfile and Compose files, against
// `nginx -t` on the same nginx configurations (nginx's own parse is the reference for "fast").
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(PROJECT, 'dist');
const TEMP_PATHS =
  'client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;';
const CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL',
  'HIGH:!aNULL:!MD5',
];

async function load(rel) {
  const file = path.join(DIST, rel);
  if (!existsSync(file))
    throw new Error(`${path.relative(PROJECT, file)} is missing: run npm run build first`);
  return import(pathToFileURL(file).href);
}

function nginxConfig(i) {
  const hsts =
    i % 4 === 0 ? '' : 'add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;';
  const locations = Array.from(
    { length: 6 },
    (_, n) => `    location /api/v${n}/ {
      limit_req zone=api burst=20 nodelay;
      proxy_pass http://127.0.0.1:${8000 + n};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }`,
  ).join('\n');
  return `# generated site ${i}
events { worker_connections 256; }
http {
  ${TEMP_PATHS}
  server_tokens off;
  limit_req_zone $binary_remote_addr zone=api:10m rate=100r/m;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  ${i % 3 === 0 ? 'include ../../snippets/headers.conf;' : ''}
  server {
    listen 127.0.0.1:${20000 + i};
    server_name site${i}.example.com;
    location / { return 301 https://$host$request_uri; }
  }
  server {
    listen 127.0.0.1:${30000 + i} ssl;
    server_name site${i}.example.com;
    ssl_certificate ../../ssl/cert.pem;
    ssl_certificate_key ../../ssl/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers "${CIPHERS[i % CIPHERS.length]}";
    ssl_session_cache shared:SSL${i}:1m;
    ${hsts}
${locations}
  }
}
`;
}

function dockerfile(i) {
  return `# generated service ${i}
ARG PY=3.12
FROM python:\${PY}-slim AS builder
RUN apt-get update && apt-get install -y --no-install-recommends gcc \\
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

FROM python:\${PY}-slim
RUN groupadd -r app && useradd -r -g app app
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PORT=${8000 + (i % 100)}
COPY --chown=app:app . /app
WORKDIR /app
USER ${i % 5 === 0 ? 'root' : 'app'}
${i % 2 === 0 ? 'HEALTHCHECK CMD ["python", "-c", "print(1)"]' : ''}
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
`;
}

function compose(i) {
  return `services:
  app:
    build: .
    ports:
      - "${i % 7 === 0 ? '' : '127.0.0.1:'}\${APP_PORT:-${8000 + (i % 100)}}:8000"
    security_opt: ["no-new-privileges:true"]
    cap_drop: [ALL]
    read_only: true
    tmpfs: [/tmp]
  nginx:
    image: nginx:1.27
    ports: ["80:80", "443:443"]
    security_opt: [no-new-privileges]
    cap_drop: [ALL]
    cap_add: [CHOWN, SETUID, SETGID]
    read_only: true
    tmpfs: [/var/cache/nginx, /var/run, /tmp]
`;
}

/** True when `name` runs (`-v` or `version`). */
function has(name, args) {
  const r = spawnSync(name, args, { stdio: 'ignore' });
  return !r.error;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Builds `total` files (a third each nginx.conf, Dockerfile, compose.yaml) in a temp directory, times the
 * https and container checks on them with the built engine (median of `runs`), and `nginx -t` on every nginx
 * configuration when nginx and openssl are installed. Returns per-file milliseconds and the ratio of the https
 * check's time per nginx file to nginx -t's (below 1: faster than nginx parsing the same file).
 */
export async function benchNginxContainer({ total = 500, runs = 3, log = () => {} } = {}) {
  const [{ runAudit }, { parseConfig }, https, container] = await Promise.all([
    load('src/audit/engine.js'),
    load('src/audit/config.js'),
    load('checks/https/index.js'),
    load('checks/container/index.js'),
  ]);
  const nginxFiles = Math.ceil(total / 3);
  const dockerFiles = Math.ceil((total - nginxFiles) / 2);
  const composeFiles = total - nginxFiles - dockerFiles;
  const dir = await mkdtemp(path.join(tmpdir(), 'tradesec-bench-containers-'));
  try {
    log(
      `generating ${nginxFiles} nginx configs, ${dockerFiles} Dockerfiles, ${composeFiles} compose files in ${dir}`,
    );
    await mkdir(path.join(dir, 'snippets'), { recursive: true });
    await mkdir(path.join(dir, 'ssl'), { recursive: true });
    await mkdir(path.join(dir, 'tmp'), { recursive: true });
    await writeFile(
      path.join(dir, 'snippets', 'headers.conf'),
      'add_header X-Content-Type-Options nosniff always;\nadd_header X-Frame-Options DENY always;\n',
    );
    const configs = [];
    for (let i = 0; i < nginxFiles; i++) {
      const rel = path.join('sites', `site-${String(i).padStart(3, '0')}`, 'nginx.conf');
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), nginxConfig(i));
      configs.push(rel);
    }
    for (let i = 0; i < Math.max(dockerFiles, composeFiles); i++) {
      const svc = path.join(dir, 'services', `svc-${String(i).padStart(3, '0')}`);
      await mkdir(svc, { recursive: true });
      if (i < dockerFiles) await writeFile(path.join(svc, 'Dockerfile'), dockerfile(i));
      if (i < composeFiles) await writeFile(path.join(svc, 'compose.yaml'), compose(i));
    }

    const reference = has('nginx', ['-v']) && has('openssl', ['version']);
    if (reference) {
      const r = spawnSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '30',
          '-subj',
          '/CN=example.com',
          '-addext',
          'subjectAltName=DNS:example.com',
          '-keyout',
          path.join(dir, 'ssl', 'key.pem'),
          '-out',
          path.join(dir, 'ssl', 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      if (r.status !== 0) throw new Error('openssl could not create the benchmark certificate');
    }

    const config = parseConfig('[https]\nnginx-version = 1.22.1\n', '.tradesecrc');
    const timeCheck = async (check) => {
      const times = [];
      let result;
      for (let run = 0; run < runs; run++) {
        const started = performance.now();
        result = await runAudit({ root: dir, checks: [check], config, version: 'bench' });
        times.push(performance.now() - started);
      }
      const c = result.checks[0];
      if (c.status === 'error') throw new Error(`${c.id} crashed: ${c.error}`);
      return { ms: median(times), status: c.status, findings: c.findings.length };
    };
    const h = await timeCheck(https.default);
    const k = await timeCheck(container.default);
    log(
      `https: ${h.ms.toFixed(0)} ms (${h.findings} findings), container: ${k.ms.toFixed(0)} ms (${k.findings} findings)`,
    );

    let nginxT = {
      skipped: 'nginx or openssl is not installed (scripts/install-test-deps.sh installs them)',
    };
    if (reference) {
      let failures = 0;
      const started = performance.now();
      for (const rel of configs) {
        const r = spawnSync(
          'nginx',
          [
            '-t',
            '-q',
            '-p',
            `${dir}/`,
            '-e',
            'stderr',
            '-g',
            `pid ${path.join(dir, 'nginx.pid')};`,
            '-c',
            path.join(dir, rel),
          ],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        );
        if (r.status !== 0) failures++;
      }
      const ms = performance.now() - started;
      nginxT = { ms, perFileMs: ms / configs.length, failures };
      log(`nginx -t: ${ms.toFixed(0)} ms for ${configs.length} configs, ${failures} rejected`);
    }

    const httpsPerFile = h.ms / nginxFiles;
    return {
      files: { nginx: nginxFiles, dockerfile: dockerFiles, compose: composeFiles, total },
      https: { ms: h.ms, perFileMs: httpsPerFile, findings: h.findings },
      container: { ms: k.ms, perFileMs: k.ms / (dockerFiles + composeFiles), findings: k.findings },
      nginxT,
      ratio: 'perFileMs' in nginxT ? httpsPerFile / nginxT.perFileMs : undefined,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The `npm run bench` entry: the same measurement as rows with a goal. */
export default async function run({ log } = {}) {
  const r = await benchNginxContainer({ log });
  const rows = [
    { metric: `https check, ms per nginx file (${r.files.nginx} files)`, value: r.https.perFileMs },
    {
      metric: `container check, ms per Dockerfile/compose file (${r.files.dockerfile + r.files.compose} files)`,
      value: r.container.perFileMs,
    },
  ];
  if (r.ratio === undefined) {
    rows.push({ metric: 'nginx -t reference', value: r.nginxT.skipped });
  } else {
    rows.push({ metric: 'nginx -t, ms per config', value: r.nginxT.perFileMs });
    rows.push({
      metric: 'nginx -t rejected generated configs',
      value: r.nginxT.failures,
      goal: '0',
      ok: r.nginxT.failures === 0,
    });
    rows.push({
      metric: 'https check time / nginx -t time, per file',
      value: r.ratio,
      goal: '<= 1',
      ok: r.ratio <= 1,
    });
  }
  return { title: 'https and container checks over generated nginx, Dockerfile and compose files', rows };
}
