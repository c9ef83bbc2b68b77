import { describe, expect, it } from 'vitest';
import { descendantsOfType, lineOf, parsePython } from '../../src/facts/python/parser.js';

describe('python parser', () => {
  it('parses assignments with lines and ignores comments', async () => {
    const tree = await parsePython('# SECRET_KEY = "x"\nSECRET_KEY = "abc"\n');
    const assignments = descendantsOfType(tree.rootNode, 'assignment');
    expect(assignments.map(lineOf)).toEqual([2]);
  });

  it('tolerates syntax errors', async () => {
    const tree = await parsePython('def f(:\n  pass\nX = 1\n');
    expect(tree.rootNode.hasError).toBe(true);
    expect(descendantsOfType(tree.rootNode, 'assignment').length).toBe(1);
  });
});
