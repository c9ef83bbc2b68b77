// container (point 10): Dockerfiles build non-root, pinned, secret-free images; Compose runs them locked down.
import {
  composeProjectsFact,
  type DockerfileModel,
  defineCheck,
  dockerfilesFact,
  type FindingInput,
  skip,
  unreadableFinding,
} from '../../src/index.js';
import { analyzeService, buildDockerfile, hasHealthcheck } from './compose.js';
import { analyzeDockerfile } from './dockerfile.js';

export default defineCheck({
  meta: {
    id: 'container',
    point: 10,
    title: 'Containers run as non-root, locked down and reachable only through the proxy',
    description:
      'Reads every Dockerfile (stages, ARG expansion, the final USER) and every Compose project (base, override ' +
      'and -f variants merged, .env interpolated, extends followed): non-root user, pinned base image, no secrets in ' +
      'ENV/ARG, no package manager after USER, no sudo, COPY not ADD, exec-form CMD, HEALTHCHECK; ports on 127.0.0.1 ' +
      'except the proxy’s 80/443, no-new-privileges, cap_drop ALL, read_only with the tmpfs nginx needs, no ' +
      'privileged, host network or Docker socket.',
    targets: ['repo'],
    rules: {
      'dockerfile-parse-error': {
        title: 'Dockerfiles are valid',
        severity: 'high',
        description: 'A Dockerfile Docker cannot read (an unknown instruction, no FROM) does not build.',
        remediation: 'Fix the instruction at the reported line.',
      },
      'compose-parse-error': {
        title: 'Compose files are valid YAML',
        severity: 'high',
        description:
          'A Compose file that does not parse cannot be deployed, and nothing in it can be verified.',
        remediation: 'Fix the YAML error at the reported line (`docker compose config` shows it too).',
      },
      'root-user': {
        title: 'Containers run as a non-root user',
        severity: 'high',
        description:
          'The last USER of the final stage decides who the app runs as; without one it is root, and a compromise of the app is root in the container. A USER in a comment or in a builder stage does not count.',
        remediation:
          'Create a user and end the final stage with `USER app` (after every step that needs root).',
      },
      'unpinned-base-image': {
        title: 'Base images are pinned',
        severity: 'medium',
        description:
          'An untagged or `latest` base image changes under you: builds are not reproducible and may pull a broken or malicious update.',
        remediation:
          'Pin a version tag (`python:3.12-slim`) or, better, a digest (`python:3.12-slim@sha256:...`).',
      },
      'secret-in-env': {
        title: 'No secrets are baked into images',
        severity: 'high',
        description:
          'ENV and ARG values with secret names (SECRET_KEY, API_TOKEN, DB_PASSWORD...) are stored in the image and visible to anyone who can pull it. Values are never printed.',
        remediation:
          'Pass secrets at run time (`env_file:` or Docker secrets), or use `RUN --mount=type=secret` during the build.',
      },
      'package-manager-as-user': {
        title: 'Packages are installed before switching to the non-root user',
        severity: 'high',
        description:
          'apt-get, apk, yum and dnf need root: after `USER app` they fail and break the build (the guide runs `apt-get remove` after `USER trading`).',
        remediation: 'Move the RUN before USER (or switch to `USER root` for it and back afterwards).',
      },
      sudo: {
        title: 'Images do not use or ship sudo',
        severity: 'medium',
        description: 'sudo in an image lets its user become root; during the build it is never needed.',
        remediation: 'Run the step before USER instead of with sudo, and do not install sudo.',
      },
      'add-instead-of-copy': {
        title: 'COPY is used for local files',
        severity: 'medium',
        description:
          'ADD also fetches URLs and unpacks archives; for local files COPY does only what it says.',
        remediation:
          'Replace ADD with COPY for local paths; for URLs download and verify a checksum in a RUN.',
      },
      'shell-form-cmd': {
        title: 'CMD and ENTRYPOINT use the exec form',
        severity: 'low',
        description:
          'In shell form /bin/sh is PID 1 and does not forward SIGTERM: the app is killed without a graceful shutdown.',
        remediation: 'Write `CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]`.',
      },
      'missing-healthcheck': {
        title: 'Images define a health check',
        severity: 'low',
        description:
          'Without a HEALTHCHECK (in the Dockerfile or the Compose service) a hung app is never restarted or taken out of rotation.',
        remediation:
          'Add `HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen(\'http://127.0.0.1:8000/health\')"]`.',
      },
      'port-all-interfaces': {
        title: 'Published ports bind to 127.0.0.1, except the proxy’s 80/443',
        severity: 'medium',
        description:
          'Docker publishes ports with its own iptables rules, past ufw: "8000:8000", "0.0.0.0:8000:8000" and a long-form port without host_ip are open to the internet. Database ports are high severity.',
        remediation:
          'Write `"127.0.0.1:8000:8000"` (or long form `host_ip: 127.0.0.1`), and let only nginx publish 80/443.',
      },
      'no-new-privileges': {
        title: 'no-new-privileges is set',
        severity: 'medium',
        description: 'no-new-privileges stops setuid binaries from raising privileges inside the container.',
        remediation: 'Add `security_opt: ["no-new-privileges:true"]` to the service.',
      },
      'cap-drop-all': {
        title: 'All capabilities are dropped',
        severity: 'medium',
        description: 'Containers start with a default set of Linux capabilities that an app rarely needs.',
        remediation: 'Add `cap_drop: [ALL]` and `cap_add` only what the service needs.',
      },
      'read-only': {
        title: 'The container file system is read-only',
        severity: 'medium',
        description:
          'A read-only root file system stops an attacker from changing the app or dropping tools.',
        remediation:
          'Add `read_only: true` with `tmpfs:` for the paths the service writes (nginx: /var/cache/nginx, /var/run, /tmp).',
      },
      'read-only-tmpfs': {
        title: 'Read-only nginx containers have the tmpfs mounts nginx needs',
        severity: 'high',
        description:
          'The official nginx image writes /var/cache/nginx and /var/run (unprivileged images: /tmp); with read_only: true and no tmpfs there, nginx does not start.',
        remediation: 'Add `tmpfs: ["/var/cache/nginx", "/var/run", "/tmp"]` to the nginx service.',
      },
      'nginx-capabilities': {
        title: 'nginx keeps the capabilities it needs after cap_drop ALL',
        severity: 'medium',
        description:
          'The official nginx image starts as root and needs CHOWN, SETUID and SETGID; with cap_drop: [ALL] alone it exits (the guide’s read_only + cap_drop combination).',
        remediation:
          'Add `cap_add: [CHOWN, SETUID, SETGID]`, or use nginxinc/nginx-unprivileged with a non-root user.',
      },
      privileged: {
        title: 'No container is privileged',
        severity: 'critical',
        description:
          'A privileged container has every capability and the host devices: root in it is root on the host.',
        remediation: 'Remove `privileged: true`; add the single capability or device the service needs.',
      },
      'host-network': {
        title: 'Containers do not share the host network',
        severity: 'high',
        description: 'network_mode: host puts every port the service opens on the host interfaces.',
        remediation: 'Remove `network_mode: host` and publish the one port needed on 127.0.0.1.',
      },
      'docker-socket': {
        title: 'The Docker socket is not mounted',
        severity: 'critical',
        description: 'Access to /var/run/docker.sock is root on the host.',
        remediation:
          'Remove the docker.sock mount; use a socket proxy with a read-only API subset if a tool needs it.',
      },
      'compose-user': {
        title: 'Services set a non-root user',
        severity: 'low',
        description:
          'A service that runs an image without `user:` runs as that image’s default user, root for most images.',
        remediation:
          'Set `user: "1000:1000"` (or use an image variant that runs unprivileged, e.g. nginxinc/nginx-unprivileged).',
      },
    },
    references: [
      'https://docs.docker.com/build/building/best-practices/',
      'https://docs.docker.com/compose/how-tos/multiple-compose-files/merge/',
      'https://docs.docker.com/engine/network/packet-filtering-firewalls/',
      'https://cheatsheetseries.owasp.org/cheatsheets/Docker_Security_Cheat_Sheet.html',
    ],
  },

  async run(ctx) {
    const [dockerfiles, compose] = await Promise.all([
      ctx.fact(dockerfilesFact),
      ctx.fact(composeProjectsFact),
    ]);
    const composeFiles = new Set(compose.projects.flatMap((p) => p.files));
    for (const e of compose.errors) composeFiles.add(e.file);
    if (
      dockerfiles.files.length === 0 &&
      dockerfiles.unreadable.length === 0 &&
      composeFiles.size === 0 &&
      compose.unreadable.length === 0
    ) {
      return skip('not-applicable', 'no Dockerfile and no Compose file in the repository');
    }
    const findings: FindingInput[] = [];
    for (const u of [
      ...dockerfiles.unreadable.map((d) => ({ file: d.path, error: d.error })),
      ...compose.unreadable,
    ]) {
      findings.push(unreadableFinding(u.file, u.error));
    }
    for (const e of compose.errors) {
      findings.push({
        rule: 'compose-parse-error',
        file: e.file,
        line: e.line,
        message: `${e.file} is not a valid Compose file: ${e.message}`,
        evidence: e.message,
      });
    }

    const byPath = new Map<string, DockerfileModel>(dockerfiles.files.map((d) => [d.path, d]));
    const healthcheckedByCompose = new Set<string>();
    for (const project of compose.projects) {
      for (const service of project.services) {
        const built = buildDockerfile(project, service);
        if (built && hasHealthcheck(service)) healthcheckedByCompose.add(built);
      }
    }
    for (const model of dockerfiles.files)
      findings.push(...analyzeDockerfile(model, { healthcheckedByCompose }));
    for (const project of compose.projects) {
      for (const service of project.services) findings.push(...analyzeService(project, service, byPath));
    }

    // A base file read by several projects (with its override, with a -f variant) reports each finding once.
    const seen = new Set<string>();
    return findings.filter((f) => {
      const key = `${f.rule}\0${f.file ?? ''}\0${f.line ?? ''}\0${f.evidence ?? f.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  },
});
