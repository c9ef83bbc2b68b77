// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile variable references, not JS templates
import { describe, expect, it } from 'vitest';
import {
  expandDockerVariables,
  finalStage,
  isDockerfileName,
  isRootUser,
  parseDockerfile,
  parseImageRef,
  stageChain,
  stageUser,
} from '../../src/facts/dockerfile/parser.js';

describe('Dockerfile parser', () => {
  it('splits stages, names them and expands global ARGs in FROM', () => {
    const m = parseDockerfile(
      'ARG PY=3.12\nFROM python:${PY}-slim AS Builder\nRUN pip wheel .\nFROM builder AS final\nUSER app\n',
      'Dockerfile',
    );
    expect(m.globalArgs).toEqual([{ name: 'PY', value: '3.12', line: 1 }]);
    expect(m.stages.map((s) => [s.name, s.image.expanded, s.line, s.baseStage])).toEqual([
      ['builder', 'python:3.12-slim', 2, undefined],
      ['final', 'builder', 4, 0],
    ]);
    expect(stageChain(m, m.stages[1]!).map((s) => s.index)).toEqual([1, 0]);
  });

  it('finds the last USER of the final stage, ignoring comments, and resolves stage ARGs', () => {
    const m = parseDockerfile(
      'FROM python:3.12-slim\nARG APP_USER=app\n# USER root\nUSER ${APP_USER}:${APP_USER}\nCMD ["python"]\n',
      'Dockerfile',
    );
    expect(stageUser(m, finalStage(m)!)).toEqual({ user: 'app:app', root: false, line: 4 });
  });

  it('inherits the user of the stage it builds on, and cannot tell an unresolved variable', () => {
    const m = parseDockerfile('FROM alpine:3.20 AS base\nUSER 1000\nFROM base\nRUN true\n', 'Dockerfile');
    expect(stageUser(m, finalStage(m)!)).toMatchObject({ user: '1000', root: false, line: 2 });
    const v = parseDockerfile('FROM alpine:3.20\nARG UID\nUSER ${UID}\n', 'Dockerfile');
    expect(stageUser(v, finalStage(v)!)?.root).toBeUndefined();
  });

  it('keeps RUN text without continuations or embedded comments, exec form and heredocs', () => {
    const m = parseDockerfile(
      'FROM debian:12\nRUN apt-get update && \\\n    # a comment\n    apt-get install -y curl\nRUN ["pip", "install", "x"]\nRUN <<EOT\napk add git\nEOT\n',
      'Dockerfile',
    );
    const [a, b, c] = m.stages[0]!.instructions;
    expect(a).toMatchObject({
      keyword: 'RUN',
      line: 2,
      endLine: 4,
      text: 'apt-get update &&      apt-get install -y curl',
    });
    expect(b?.exec).toEqual(['pip', 'install', 'x']);
    expect(c?.heredocs).toEqual(['apk add git']);
  });

  it('reads ENV and ARG variables with values unquoted', () => {
    const m = parseDockerfile('FROM x:1\nENV A="b c" D=e\nENV F g\nARG H\n', 'Dockerfile');
    expect(m.stages[0]!.instructions.map((i) => i.variables)).toEqual([
      [
        { name: 'A', value: 'b c' },
        { name: 'D', value: 'e' },
      ],
      [{ name: 'F', value: 'g' }],
      [{ name: 'H' }],
    ]);
  });

  it('reports what Docker refuses', () => {
    expect(parseDockerfile('RUN echo hi\n', 'Dockerfile').error).toEqual({
      message: 'RUN before the first FROM',
      line: 1,
    });
    expect(parseDockerfile('FROM x:1\nFROMM y\n', 'Dockerfile').error?.line).toBe(2);
    expect(parseDockerfile('# only a comment\n', 'Dockerfile').error).toBeUndefined();
  });

  it('tells root users, image references and file names apart', () => {
    expect(['root', '0', 'root:root', '0:0'].every(isRootUser)).toBe(true);
    expect(['app', '1000', 'nobody:root', 'rooty'].some(isRootUser)).toBe(false);
    expect(parseImageRef('ghcr.io/a/b:1.2@sha256:abc')).toEqual({
      name: 'ghcr.io/a/b',
      tag: '1.2',
      digest: 'sha256:abc',
    });
    expect(parseImageRef('localhost:5000/app')).toEqual({ name: 'localhost:5000/app' });
    for (const f of [
      'Dockerfile',
      'docker/Dockerfile.prod',
      'api.Dockerfile',
      'Containerfile',
      'a/dockerfile',
    ])
      expect(isDockerfileName(f), f).toBe(true);
    for (const f of ['Dockerfilex', 'Dockerfile.md', 'Dockerfile.j2', 'notes/dockerfile-tips.txt']) {
      expect(isDockerfileName(f), f).toBe(false);
    }
  });
});

describe('Dockerfile variable expansion', () => {
  it('follows Docker for :- - :+ + and leaves build-time values unknown', () => {
    const scope = new Map<string, string | undefined>([
      ['SET', 'app'],
      ['EMPTY', ''],
      ['NOVALUE', undefined],
    ]);
    expect(expandDockerVariables('${NOVALUE:-root}', scope)).toBe('root');
    expect(expandDockerVariables('${EMPTY:-root}', scope)).toBe('root');
    expect(expandDockerVariables('${EMPTY-root}', scope)).toBe('');
    expect(expandDockerVariables('${SET:-root}', scope)).toBe('app');
    expect(expandDockerVariables('${SET:+x}:${NOVALUE:+y}', scope)).toBe('x:');
    expect(expandDockerVariables('$SET:${SET}', scope)).toBe('app:app');
    expect(expandDockerVariables('${NOVALUE}', scope)).toBeUndefined();
    expect(expandDockerVariables('$UNDECLARED', scope)).toBeUndefined();
  });
});
