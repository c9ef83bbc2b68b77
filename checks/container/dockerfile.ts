// The Dockerfile half of the container check: user, base image, secrets, package managers, ADD, CMD, HEALTHCHECK.
import {
  type DockerfileModel,
  type DockerInstruction,
  type DockerStage,
  type FindingInput,
  finalStage,
  isRootUser,
  parseImageRef,
  stageChain,
  stageUser,
} from '../../src/index.js';
import { packageManagerCall, simpleCommands } from './shell.js';

// Names that hold secrets: API_SECRET_KEY, DB_PASSWORD, GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, PRIVATE_KEY...
const SECRET_NAME =
  /SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|AUTH_?KEY|CREDENTIAL|(^|_)PASS$|(^|_)PWD$/i;
// ...unless the name describes a secret rather than holding one: SECRET_KEY_FILE, TOKEN_URL, API_KEY_HEADER.
const DESCRIPTOR =
  /(_|^)(FILE|PATH|DIR|URL|URI|HEADER|NAME|ID|LENGTH|LEN|EXPIRE|EXPIRES|EXPIRY|MINUTES|SECONDS|HOURS|DAYS|TTL|ENABLED|ALGORITHM|TYPE)$/i;

/** True for an ENV/ARG name that holds a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !DESCRIPTOR.test(name);
}

const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$/i;
const URL_SOURCE = /^(https?:\/\/|git@|git:\/\/)/i;

/** What the Dockerfile analysis gets from the rest of the check. */
export interface DockerfileContext {
  /** Dockerfiles whose final stage a Compose service gives a healthcheck. */
  healthcheckedByCompose: ReadonlySet<string>;
}

/** The findings of one Dockerfile. */
export function analyzeDockerfile(model: DockerfileModel, context: DockerfileContext): FindingInput[] {
  const out: FindingInput[] = [];
  const file = model.path;
  if (model.error) {
    out.push({
      rule: 'dockerfile-parse-error',
      file,
      line: model.error.line,
      message: `${file} cannot be built: ${model.error.message}`,
      evidence: model.error.message,
    });
    // A file Docker refuses is one finding: its other instructions never run.
    return out;
  }
  for (const stage of model.stages) {
    checkBaseImage(model, stage, out);
    checkStage(model, stage, out);
  }
  const final = finalStage(model);
  if (!final) return out;
  checkFinalUser(model, final, out);
  checkCommand(model, final, out);
  checkHealthcheck(model, final, context, out);
  return out;
}

function checkBaseImage(model: DockerfileModel, stage: DockerStage, out: FindingInput[]): void {
  const image = stage.image.expanded;
  if (
    stage.baseStage !== undefined ||
    image === '' ||
    image.toLowerCase() === 'scratch' ||
    image.includes('$')
  )
    return;
  const ref = parseImageRef(image);
  if (ref.digest) return;
  if (ref.tag && ref.tag !== 'latest') return;
  out.push({
    rule: 'unpinned-base-image',
    file: model.path,
    line: stage.line,
    message: ref.tag
      ? `FROM ${stage.image.written} uses the "latest" tag, so every build may get a different base image`
      : `FROM ${stage.image.written} has no tag, which means "latest": every build may get a different base image`,
    evidence: `FROM ${ref.name}:${ref.tag ?? ''}`,
  });
}

/** Per-stage rules: secrets in ENV/ARG, sudo, ADD, and package managers run after switching to a user. */
function checkStage(model: DockerfileModel, stage: DockerStage, out: FindingInput[]): void {
  const file = model.path;
  // The user and environment a stage starts with come from the stage it builds on.
  const chain = stageChain(model, stage).slice(1).reverse();
  let user: { name: string; root: boolean | undefined; line: number } | undefined;
  let venv = false;
  for (const s of chain) {
    for (const ins of s.instructions) {
      if (ins.keyword === 'USER') user = userOf(ins);
      if (ins.keyword === 'ENV' && activatesVenv(ins)) venv = true;
    }
  }
  for (const ins of stage.instructions) {
    switch (ins.keyword) {
      case 'USER':
        user = userOf(ins);
        break;
      case 'ENV':
      case 'ARG':
        if (ins.keyword === 'ENV' && activatesVenv(ins)) venv = true;
        for (const v of ins.variables ?? []) checkSecretVariable(file, ins, v, out);
        break;
      case 'ADD':
        checkAdd(file, ins, out);
        break;
      case 'RUN':
        if (/(^|[\s;&|])(python3?(\.\d+)?\s+-m\s+venv|virtualenv)\s/.test(runText(ins))) venv = true;
        checkRun(file, ins, user, venv, out);
        break;
      default:
        break;
    }
  }
}

function userOf(ins: DockerInstruction): { name: string; root: boolean | undefined; line: number } {
  const name = ins.args[0] ?? '';
  return { name, root: name.includes('$') ? undefined : isRootUser(name), line: ins.line };
}

function activatesVenv(ins: DockerInstruction): boolean {
  return (ins.variables ?? []).some(
    (v) =>
      v.name === 'VIRTUAL_ENV' ||
      (v.name === 'PIP_USER' && /^(1|true|yes)$/i.test(v.value ?? '')) ||
      (v.name === 'PATH' && /venv|virtualenv|\/opt\/[^/:]+\/bin|\.local\/bin/.test(v.value ?? '')),
  );
}

function checkSecretVariable(
  file: string,
  ins: DockerInstruction,
  v: { name: string; value?: string },
  out: FindingInput[],
): void {
  if (!isSecretName(v.name) || v.value === undefined || v.value.trim() === '') return;
  // A value that is only a reference (`${SECRET_KEY}`) holds nothing itself.
  if (/^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(v.value.trim())) return;
  out.push({
    rule: 'secret-in-env',
    file,
    line: ins.line,
    message: `${ins.keyword} ${v.name} sets a literal value in the image: anyone who can pull the image reads it (docker history, docker inspect)`,
    evidence: `${ins.keyword} ${v.name}`,
    secrets: [v.value],
  });
}

function checkAdd(file: string, ins: DockerInstruction, out: FindingInput[]): void {
  const args = ins.exec ?? ins.args;
  const sources = args.filter((a) => !a.startsWith('--')).slice(0, -1);
  if (sources.length === 0) return;
  const remote = sources.filter((s) => URL_SOURCE.test(s));
  const archives = sources.filter((s) => !URL_SOURCE.test(s) && ARCHIVE.test(s));
  const local = sources.filter((s) => !URL_SOURCE.test(s) && !ARCHIVE.test(s));
  if (local.length > 0) {
    out.push({
      rule: 'add-instead-of-copy',
      file,
      line: ins.line,
      message: `ADD ${local.join(' ')} copies a local path: use COPY, which does only that (ADD also fetches URLs and unpacks archives)`,
      evidence: `ADD local ${local.join(' ')}`,
    });
  } else {
    const what = remote.length > 0 ? `fetches ${remote.join(' ')}` : `unpacks ${archives.join(' ')}`;
    out.push({
      rule: 'add-instead-of-copy',
      file,
      line: ins.line,
      severity: 'low',
      message: `ADD ${what}; ${remote.length > 0 ? 'pin it with --checksum, or download with curl and verify it in a RUN' : 'fine if intended, but COPY plus RUN tar says so explicitly'}`,
      evidence: `ADD ${remote.length > 0 ? 'remote' : 'archive'} ${[...remote, ...archives].join(' ')}`,
    });
  }
}

function runText(ins: DockerInstruction): string {
  if (ins.exec) return ins.exec.join(' ');
  return ins.heredocs ? ins.heredocs.join('\n') : ins.text;
}

function checkRun(
  file: string,
  ins: DockerInstruction,
  user: { name: string; root: boolean | undefined; line: number } | undefined,
  venv: boolean,
  out: FindingInput[],
): void {
  const commands = ins.exec
    ? [{ words: ins.exec, sudo: ins.exec[0] === 'sudo' }]
    : simpleCommands(runText(ins));
  let sudoReported = false;
  const toolsReported = new Set<string>();
  for (const cmd of commands) {
    const installsSudo =
      /^(apt-get|apt|apk|yum|dnf|microdnf)$/.test(cmd.words[0] ?? '') &&
      /^(install|add)$/.test(cmd.words.find((w) => !w.startsWith('-') && w !== cmd.words[0]) ?? '') &&
      cmd.words.includes('sudo');
    if ((cmd.sudo || installsSudo) && !sudoReported) {
      sudoReported = true;
      out.push({
        rule: 'sudo',
        file,
        line: ins.line,
        message: cmd.sudo
          ? 'RUN uses sudo: a container needs no sudo (run the step before USER), and sudo in the image lets its user become root'
          : 'RUN installs sudo, which lets the container user become root',
        evidence: cmd.sudo ? 'sudo command' : 'sudo installed',
      });
    }
    if (user?.root !== false || cmd.sudo) continue;
    const call = packageManagerCall(cmd, venv);
    if (!call || toolsReported.has(call.tool)) continue;
    toolsReported.add(call.tool);
    out.push({
      rule: 'package-manager-as-user',
      file,
      line: ins.line,
      ...(call.pip ? { severity: 'low' as const } : {}),
      message: call.pip
        ? `"${call.command}" runs as user ${user.name} (USER at line ${user.line}) and targets the system site-packages, which that user cannot write, so pip falls back to a --user install in ~/.local (or fails): install before USER or use a virtualenv`
        : `"${call.command}" runs as user ${user.name} (USER at line ${user.line}), but ${call.tool} needs root: the build fails. Run it before USER`,
      evidence: `${call.tool} after USER ${user.name}`,
    });
  }
}

function checkFinalUser(model: DockerfileModel, final: DockerStage, out: FindingInput[]): void {
  const user = stageUser(model, final);
  const image = parseImageRef(final.image.expanded);
  if (!user) {
    // Images that run as a user already: distroless `:nonroot`, Chainguard, nginx-unprivileged, Bitnami.
    const nonRootImage =
      /nonroot/.test(image.tag ?? '') ||
      /^cgr\.dev\/chainguard\/|(^|\/)nginx-unprivileged$|^(docker\.io\/)?bitnami\//.test(image.name);
    if (final.baseStage === undefined && nonRootImage) return;
    out.push({
      rule: 'root-user',
      file: model.path,
      line: final.line,
      message: `the final stage (FROM ${final.image.written}) sets no USER, so the container runs as root`,
      evidence: 'no USER',
    });
    return;
  }
  if (user.root === undefined) {
    out.push({
      rule: 'root-user',
      file: model.path,
      ...(user.line ? { line: user.line } : {}),
      severity: 'low',
      message: `USER ${user.user} could not be resolved (a build argument without a literal default), so whether the container runs as root could not be told`,
      evidence: `USER ${user.user}`,
    });
    return;
  }
  if (!user.root) return;
  out.push({
    rule: 'root-user',
    file: model.path,
    ...(user.line ? { line: user.line } : {}),
    message: `the final stage's last USER is ${user.user}, so the container runs as root`,
    evidence: `USER ${user.user}`,
  });
}

function checkCommand(model: DockerfileModel, final: DockerStage, out: FindingInput[]): void {
  for (const keyword of ['ENTRYPOINT', 'CMD']) {
    const last = final.instructions.filter((i) => i.keyword === keyword).at(-1);
    if (!last || last.exec) continue;
    out.push({
      rule: 'shell-form-cmd',
      file: model.path,
      line: last.line,
      message: `${keyword} ${last.text} uses the shell form: /bin/sh becomes PID 1 and SIGTERM never reaches the app (no graceful shutdown of open orders)`,
      evidence: `${keyword} shell form`,
    });
  }
}

function checkHealthcheck(
  model: DockerfileModel,
  final: DockerStage,
  context: DockerfileContext,
  out: FindingInput[],
): void {
  let healthcheck: DockerInstruction | undefined;
  for (const s of stageChain(model, final)) {
    healthcheck = s.instructions.filter((i) => i.keyword === 'HEALTHCHECK').at(-1);
    if (healthcheck) break;
  }
  const disabled = healthcheck && (healthcheck.args[0] ?? '').toUpperCase() === 'NONE';
  if (healthcheck && !disabled) return;
  if (context.healthcheckedByCompose.has(model.path)) return;
  out.push({
    rule: 'missing-healthcheck',
    file: model.path,
    line: healthcheck?.line ?? final.line,
    message: disabled
      ? 'HEALTHCHECK NONE disables health checks, so a hung app keeps receiving traffic'
      : 'the final stage has no HEALTHCHECK (and no Compose service building it defines one), so a hung app keeps receiving traffic',
    evidence: disabled ? 'HEALTHCHECK NONE' : 'no HEALTHCHECK',
  });
}
