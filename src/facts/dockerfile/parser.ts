// Dockerfiles parsed with dockerfile-ast into stages: instructions with lines, ARG expansion, the effective USER.
import path from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { defineFact } from '../../audit/check.js';
import type { RepoFile } from '../discovery.js';
import type { TextFile } from '../text.js';

/** One instruction, with the command text as Docker runs it. */
export interface DockerInstruction {
  /** Upper-case keyword (`RUN`, `USER`...). */
  keyword: string;
  /** 1-based first and last line. */
  line: number;
  endLine: number;
  /** Arguments after variable expansion (ARG/ENV with literal values). */
  args: string[];
  /** The argument text with line continuations and embedded comment lines removed. */
  text: string;
  /** The arguments of the exec (JSON) form, when that form is used. */
  exec?: string[];
  /** Heredoc bodies (`RUN <<EOF ... EOF`), when present. */
  heredocs?: string[];
  /** For ENV and ARG: the variables set, values as written (quotes removed), undefined for `ARG NAME`. */
  variables?: Array<{ name: string; value?: string }>;
}

/** A `FROM` and everything up to the next one. */
export interface DockerStage {
  /** 0-based position in the file. */
  index: number;
  /** The `AS` name, lower-cased as Docker treats it. */
  name?: string;
  /** The image as written and after expanding global ARGs. */
  image: { written: string; expanded: string };
  /** The earlier stage this one builds on (`FROM builder`), if any. */
  baseStage?: number;
  /** 1-based line of the FROM. */
  line: number;
  instructions: DockerInstruction[];
}

/** The user a stage runs as: the last USER, with whether it is root (undefined when it cannot be told). */
export interface DockerUser {
  user: string;
  root: boolean | undefined;
  /** 1-based line of the USER, or undefined when none is set in the stage or the stages it builds on. */
  line?: number;
}

/** A parsed Dockerfile. */
export interface DockerfileModel {
  path: string;
  stages: DockerStage[];
  /** ARGs before the first FROM. */
  globalArgs: Array<{ name: string; value?: string; line: number }>;
  /** Set when Docker would refuse to build the file. */
  error?: { message: string; line: number };
}

const KEYWORDS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

/** True for the names Docker and Podman use for build files. */
export function isDockerfileName(rel: string): boolean {
  const base = path.posix.basename(rel);
  // Notes and templates named after a Dockerfile are not Dockerfiles (a Jinja template does not parse).
  if (/\.(md|txt|rst|adoc|orig|bak|swp|j2|jinja2?|tmpl|tpl|template|dockerignore)$/i.test(base)) return false;
  // `docker build` falls back to a lower-case `dockerfile` when there is no `Dockerfile`.
  return (
    /^(Dockerfile|Containerfile|dockerfile)(\..+)?$/.test(base) || /\.(Dockerfile|Containerfile)$/i.test(base)
  );
}

/** Splits an image reference into registry/name, tag and digest. */
export function parseImageRef(ref: string): { name: string; tag?: string; digest?: string } {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { name: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** True when `user` (`root`, `0`, `root:root`, `0:0`) names the root user. */
export function isRootUser(user: string): boolean {
  const name = user.split(':')[0]?.trim() ?? '';
  return name === 'root' || name === '0';
}

function commandText(instruction: Instruction, escapeChar: string): string {
  const raw = instruction.getRawArgumentsContent() ?? '';
  const lines = raw.split(/\r?\n/);
  const kept: string[] = [];
  for (const [i, line] of lines.entries()) {
    // Docker drops comment lines inside a continued instruction.
    if (i > 0 && /^\s*#/.test(line)) continue;
    kept.push(line);
  }
  let out = '';
  for (const line of kept) {
    const trimmed = line.replace(/\s+$/, '');
    if (trimmed.endsWith(escapeChar)) out += `${trimmed.slice(0, -1)} `;
    else out += `${line}\n`;
  }
  return out.trim();
}

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
    return value.slice(1, -1);
  }
  return value;
}

function isJsonStringArray(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === 'string');
  } catch {
    return false;
  }
}

/** Variables in scope while a stage is read: declared ARGs (undefined without a value) and ENVs. */
type Scope = Map<string, string | undefined>;

/**
 * Expands `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}` and `${VAR+alt}` the way
 * Docker does for ARG and ENV values; undefined when a name is not declared, or is an ARG without a value used
 * without a default (a build-time value).
 */
export function expandDockerVariables(text: string, scope: Scope): string | undefined {
  let unknown = false;
  const out = text.replace(
    /\$(?:\{(\w+)(?:(:?[-+])([^}]*))?\}|(\w+))/g,
    (
      _m,
      braced: string | undefined,
      op: string | undefined,
      word: string | undefined,
      bare: string | undefined,
    ) => {
      const name = (braced ?? bare) as string;
      if (!scope.has(name)) {
        unknown = true;
        return '';
      }
      const value = scope.get(name);
      // `ARG NAME` without a default is whatever --build-arg gives: only an operator's word is known.
      if (value === undefined && !op) {
        unknown = true;
        return '';
      }
      const set = op?.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
      if (op?.endsWith('-')) return set ? (value as string) : (word ?? '');
      if (op?.endsWith('+')) return set ? (word ?? '') : '';
      return value ?? '';
    },
  );
  return unknown ? undefined : out;
}

/** Docker's error for an instruction with too few arguments, if it has too few. */
function argumentError(ins: DockerInstruction): string | undefined {
  const words = ins.args.filter((a) => !a.startsWith('--'));
  if (ins.keyword === 'FROM' && words.length === 0) return 'FROM requires either one or three arguments';
  if (ins.keyword === 'ENV' && (ins.variables ?? []).some((v) => v.value === undefined)) {
    return 'ENV must have two arguments';
  }
  if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && !ins.heredocs) {
    const count = ins.exec?.length ?? words.length;
    if (count < 2) {
      return `${ins.keyword} requires at least two arguments, but only ${count === 0 ? 'none was' : 'one was'} provided. Destination could not be determined`;
    }
  }
  if ((ins.keyword === 'USER' || ins.keyword === 'WORKDIR') && words.length === 0) {
    return `${ins.keyword} requires exactly one argument`;
  }
  return undefined;
}

function toInstruction(i: Instruction, escapeChar: string): DockerInstruction {
  const keyword = i.getKeyword().toUpperCase();
  const range = i.getRange();
  const out: DockerInstruction = {
    keyword,
    line: range.start.line + 1,
    endLine: range.end.line + 1,
    args: i.getExpandedArguments().map((a) => a.getValue()),
    text: commandText(i, escapeChar),
  };
  const json = (
    i as unknown as { getJSONStrings?: () => Array<{ getJSONValue(): string }> }
  ).getJSONStrings?.();
  // Docker runs text that is not a valid JSON array of strings as the shell form, brackets and all.
  if (json && json.length > 0 && out.text.startsWith('[') && isJsonStringArray(out.text)) {
    out.exec = json.map((j) => j.getJSONValue());
  }
  const heredocs = /^<<-?(["']?)(\w+)\1/.exec(out.text);
  if (heredocs) {
    const body = (i.getRawArgumentsContent() ?? '').split(/\r?\n/);
    out.heredocs = [
      body
        .slice(
          1,
          body.findIndex((l, n) => n > 0 && l.trim() === heredocs[2]),
        )
        .join('\n'),
    ];
  }
  if (keyword === 'ENV' || keyword === 'ARG') {
    const props = (
      i as unknown as { getProperties?: () => Array<{ getName(): string; getValue(): string | null }> }
    ).getProperties?.();
    out.variables = (props ?? []).map((p) => {
      const value = p.getValue();
      return value === null ? { name: p.getName() } : { name: p.getName(), value: unquote(value) };
    });
  }
  return out;
}

/** Parses a Dockerfile; a file Docker would refuse (no FROM, unknown instruction) carries an error. */
export function parseDockerfile(text: string, file: string): DockerfileModel {
  const df = DockerfileParser.parse(text);
  const escapeChar = df.getEscapeCharacter();
  const model: DockerfileModel = { path: file, stages: [], globalArgs: [] };
  const names = new Map<string, number>();
  let scope: Scope = new Map();
  for (const raw of df.getInstructions()) {
    const ins = toInstruction(raw, escapeChar);
    if (!KEYWORDS.has(ins.keyword)) {
      model.error ??= { message: `unknown instruction "${raw.getInstruction()}"`, line: ins.line };
      continue;
    }
    const refused = argumentError(ins);
    if (refused) {
      model.error ??= { message: refused, line: ins.line };
      continue;
    }
    if (ins.keyword === 'FROM') {
      const args = ins.args.filter((a) => !a.startsWith('--'));
      const written = raw
        .getArguments()
        .map((a) => a.getValue())
        .filter((a) => !a.startsWith('--'))[0];
      const expanded = args[0] ?? '';
      const asIndex = args.findIndex((a) => a.toUpperCase() === 'AS');
      const name = asIndex > 0 ? args[asIndex + 1]?.toLowerCase() : undefined;
      const base = names.get(expanded.toLowerCase());
      const stage: DockerStage = {
        index: model.stages.length,
        image: { written: written ?? '', expanded },
        line: ins.line,
        instructions: [],
        ...(name ? { name } : {}),
        ...(base !== undefined ? { baseStage: base } : {}),
      };
      if (name) names.set(name, stage.index);
      model.stages.push(stage);
      scope = new Map();
      continue;
    }
    const stage = model.stages.at(-1);
    if (!stage) {
      if (ins.keyword === 'ARG') {
        for (const v of ins.variables ?? []) {
          model.globalArgs.push({
            name: v.name,
            line: ins.line,
            ...(v.value !== undefined ? { value: v.value } : {}),
          });
        }
        continue;
      }
      model.error ??= { message: `${ins.keyword} before the first FROM`, line: ins.line };
      continue;
    }
    if (ins.keyword === 'ARG' || ins.keyword === 'ENV') {
      for (const v of ins.variables ?? []) {
        // `ARG NAME` in a stage takes the global ARG's default, if there is one.
        const global =
          ins.keyword === 'ARG' ? model.globalArgs.findLast((g) => g.name === v.name) : undefined;
        const value = v.value ?? global?.value;
        scope.set(v.name, value === undefined ? undefined : (expandDockerVariables(value, scope) ?? value));
      }
    }
    if (ins.keyword === 'USER' && ins.args[0]?.includes('$')) {
      const written = raw.getArguments()[0]?.getValue() ?? '';
      const expanded = expandDockerVariables(written, scope);
      if (expanded !== undefined) ins.args = [expanded, ...ins.args.slice(1)];
    }
    stage.instructions.push(ins);
  }
  if (model.stages.length === 0 && !model.error && df.getInstructions().length > 0) {
    model.error = { message: 'no FROM instruction', line: 1 };
  }
  return model;
}

/** The stages a stage builds on, itself first, then its base stage, and so on. */
export function stageChain(model: DockerfileModel, stage: DockerStage): DockerStage[] {
  const out: DockerStage[] = [];
  const seen = new Set<number>();
  for (let cur: DockerStage | undefined = stage; cur && !seen.has(cur.index); ) {
    out.push(cur);
    seen.add(cur.index);
    cur = cur.baseStage === undefined ? undefined : model.stages[cur.baseStage];
  }
  return out;
}

/** The user a stage runs as (its last USER, or that of the stage it builds on); undefined when none is set. */
export function stageUser(model: DockerfileModel, stage: DockerStage): DockerUser | undefined {
  for (const s of stageChain(model, stage)) {
    const user = s.instructions.filter((i) => i.keyword === 'USER').at(-1);
    if (user) {
      const value = user.args[0] ?? '';
      return { user: value, root: value.includes('$') ? undefined : isRootUser(value), line: user.line };
    }
  }
  return undefined;
}

/** The final stage: what `docker build` produces without `--target`. */
export function finalStage(model: DockerfileModel): DockerStage | undefined {
  return model.stages.at(-1);
}

/** What the loader needs from the audit context. */
export interface DockerfileSource {
  files(): Promise<RepoFile[]>;
  read(file: RepoFile | string): Promise<TextFile>;
}

/** Every Dockerfile under the root, parsed (unreadable ones listed with their reason). */
export async function loadDockerfiles(
  source: DockerfileSource,
): Promise<{ files: DockerfileModel[]; unreadable: Array<{ path: string; error: string }> }> {
  const candidates = (await source.files()).filter((f) => isDockerfileName(f.path));
  const files: DockerfileModel[] = [];
  const unreadable: Array<{ path: string; error: string }> = [];
  for (const f of candidates) {
    const text = await source.read(f);
    if (text.kind === 'unreadable') unreadable.push({ path: f.path, error: text.error });
    if (text.kind !== 'text') continue;
    files.push(parseDockerfile(text.text, f.path));
  }
  return { files, unreadable };
}

/** The shared fact: every Dockerfile of the audited repository, parsed once. */
export const dockerfilesFact = defineFact('dockerfiles', (ctx) => loadDockerfiles(ctx));
