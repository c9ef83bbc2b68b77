// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose variable references, not JS templates
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolateCompose } from '../../src/facts/compose/interpolate.js';
import { mergeComposeMaps } from '../../src/facts/compose/merge.js';
import { isComposeName, loadComposeProjects } from '../../src/facts/compose/project.js';
import { parseYamlTree, type YamlMapNode, yamlToPlain } from '../../src/facts/compose/yaml-tree.js';
import { discoverFiles } from '../../src/facts/discovery.js';
import { readTextFile } from '../../src/facts/text.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

function tree(text: string, file = 'a.yml'): YamlMapNode {
  const r = parseYamlTree(text, file);
  if (!r.ok || r.root?.kind !== 'map') throw new Error('not a map');
  return r.root;
}

async function load(files: Record<string, string>) {
  const dir = await tempDir();
  await writeFiles(dir, files);
  const found = await discoverFiles(dir);
  return loadComposeProjects({
    files: async () => found,
    read: (f) => readTextFile(typeof f === 'string' ? path.join(dir, f) : f.abs),
  });
}

const service = (set: Awaited<ReturnType<typeof load>>, name: string, project = 0) =>
  set.projects[project]?.services.find((s) => s.name === name);

describe('YAML tree', () => {
  it('keeps the line of every key and value, resolves anchors and merge keys', () => {
    const t = tree(
      'x-base: &base\n  read_only: true\n  user: "1000"\nservices:\n  app:\n    <<: *base\n    user: app\n',
    );
    const app = t.entries.get('services')?.value;
    const appNode = app?.kind === 'map' ? app.entries.get('app') : undefined;
    expect(appNode?.keyLine).toBe(5);
    const node = appNode?.value as YamlMapNode;
    expect(node.entries.get('read_only')).toMatchObject({ keyLine: 2, value: { value: true, line: 2 } });
    expect(node.entries.get('user')).toMatchObject({ keyLine: 7, value: { value: 'app' } });
  });

  it('reports the first YAML error with its line', () => {
    const r = parseYamlTree('services:\n  app:\n    image: x\n   bad: [\n', 'a.yml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.line).toBeGreaterThanOrEqual(4);
    const dup = parseYamlTree('a: 1\na: 2\n', 'a.yml');
    expect(dup.ok).toBe(false);
  });
});

describe('Compose interpolation', () => {
  const env = new Map([
    ['SET', 'v'],
    ['EMPTY', ''],
  ]);
  it.each([
    ['${SET}', 'v'],
    ['$SET/x', 'v/x'],
    ['${UNSET:-d}', 'd'],
    ['${EMPTY:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${UNSET-d}', 'd'],
    ['${SET:+alt}', 'alt'],
    ['${UNSET:+alt}', ''],
    ['${UNSET:-${SET}}', 'v'],
    ['$$SET', '$SET'],
    ['${UNSET:?required}', ''],
  ])('%s -> %j', (text, value) => {
    expect(interpolateCompose(text, env).value).toBe(value);
  });

  it('lists variables without a value', () => {
    expect(interpolateCompose('${A}:${B:-x}:$C', env).unset).toEqual(['A', 'C']);
  });
});

describe('Compose merge', () => {
  const merged = (a: string, b: string) =>
    yamlToPlain(mergeComposeMaps(tree(a, 'base.yml'), tree(b, 'override.yml')));

  it('replaces scalars, merges maps, appends lists and merges volumes by target', () => {
    expect(
      merged(
        'image: a\nports: ["127.0.0.1:8000:8000"]\nenvironment: [A=1, B=2]\nvolumes: ["./a:/data", "./logs:/logs"]\ncommand: [x]\n',
        'image: b\nports: ["9000:9000"]\nenvironment: {B: "3", C: "4"}\nvolumes: ["./b:/data:ro"]\ncommand: [y]\n',
      ),
    ).toEqual({
      image: 'b',
      ports: ['127.0.0.1:8000:8000', '9000:9000'],
      environment: { A: '1', B: '3', C: '4' },
      volumes: ['./b:/data:ro', './logs:/logs'],
      command: ['y'],
    });
  });

  it('honours !reset and !override, and remembers where a reset happened', () => {
    const m = mergeComposeMaps(
      tree('cap_drop: [ALL]\nsecurity_opt: [no-new-privileges:true]\nports: ["8000:8000"]\n', 'base.yml'),
      tree('security_opt: !reset []\nports: !override ["127.0.0.1:8000:8000"]\n', 'override.yml'),
    );
    expect(yamlToPlain(m)).toEqual({ cap_drop: ['ALL'], ports: ['127.0.0.1:8000:8000'] });
    expect(m.resets?.get('security_opt')).toEqual({ file: 'override.yml', line: 1 });
  });
});

describe('Compose projects', () => {
  it('merges compose.yaml with compose.override.yaml, interpolating from .env', async () => {
    const set = await load({
      'compose.yaml':
        'services:\n  app:\n    image: "app:${TAG:-dev}"\n    read_only: true\n    ports:\n      - "${BIND}:8000:8000"\n',
      'compose.override.yaml': 'services:\n  app:\n    read_only: false\n',
      '.env': 'TAG=1.2\nBIND=127.0.0.1\n',
    });
    expect(set.projects.map((p) => p.files)).toEqual([['compose.yaml', 'compose.override.yaml']]);
    const app = service(set, 'app');
    expect(yamlToPlain(app?.node)).toEqual({
      image: 'app:1.2',
      read_only: false,
      ports: ['127.0.0.1:8000:8000'],
    });
    expect(app?.node.entries.get('read_only')).toMatchObject({
      keyLine: 3,
      value: { file: 'compose.override.yaml' },
    });
    expect(app?.definedAt).toEqual({ file: 'compose.yaml', line: 2 });
  });

  it('reads a file without version:, -f variants on top of the base, and docker-compose names', async () => {
    const set = await load({
      'deploy/docker-compose.yml': 'services:\n  api:\n    image: api:1\n',
      'deploy/docker-compose.prod.yml': 'services:\n  api:\n    user: "1000"\n',
      'other/compose.yml': 'version: "3.8"\nservices:\n  db:\n    image: postgres:16\n',
    });
    expect(set.projects.map((p) => p.files)).toEqual([
      ['deploy/docker-compose.yml'],
      ['deploy/docker-compose.yml', 'deploy/docker-compose.prod.yml'],
      ['other/compose.yml'],
    ]);
    expect(yamlToPlain(service(set, 'api', 1)?.node)).toEqual({ image: 'api:1', user: '1000' });
  });

  it('follows extends in the same file and in another file of the repository', async () => {
    const set = await load({
      'compose.yml':
        'services:\n  base:\n    cap_drop: [ALL]\n  app:\n    extends: base\n    image: app:1\n  worker:\n    extends:\n      file: common/services.yml\n      service: hardened\n    image: worker:1\n',
      'common/services.yml':
        'services:\n  hardened:\n    read_only: true\n    security_opt: [no-new-privileges:true]\n',
    });
    expect(yamlToPlain(service(set, 'app')?.node)).toEqual({ cap_drop: ['ALL'], image: 'app:1' });
    const worker = service(set, 'worker');
    expect(yamlToPlain(worker?.node)).toEqual({
      read_only: true,
      security_opt: ['no-new-privileges:true'],
      image: 'worker:1',
    });
    expect(worker?.node.entries.get('read_only')?.value.file).toBe('common/services.yml');
  });

  it('reports files that do not parse', async () => {
    const set = await load({ 'docker-compose.yml': 'services:\n  app: [\n' });
    expect(set.errors.map((e) => e.file)).toEqual(['docker-compose.yml']);
  });

  it('recognises Compose file names', () => {
    for (const f of ['compose.yaml', 'a/docker-compose.override.yml', 'docker-compose.prod.yaml'])
      expect(isComposeName(f), f).toBe(true);
    for (const f of ['compose.json', 'my-compose.yml', 'docker-compose.yml.bak'])
      expect(isComposeName(f), f).toBe(false);
  });
});
