import { describe, expect, it } from 'vitest';
import { FULL_PARSE_BYTES, selectPythonFiles } from '../../src/facts/python/selection.js';

describe('choosing the Python files to parse', () => {
  it('parses everything in an ordinary repository', () => {
    const files = [
      { path: 'a.py', text: 'x = 1\n' },
      { path: 'b.py', text: 'import os\n' },
    ];
    expect([...selectPythonFiles(files)].sort()).toEqual(['a.py', 'b.py']);
  });

  it("in a very large repository, parses the app's files and what they import, not the rest", () => {
    const padding = '# filler\n'.repeat(Math.ceil(FULL_PARSE_BYTES / 9));
    const files = [
      {
        path: 'svc/app/main.py',
        text: 'from fastapi import FastAPI\nfrom .routers import orders\nfrom app.config import ORIGINS\n',
      },
      { path: 'svc/app/routers/__init__.py', text: '' },
      { path: 'svc/app/routers/orders.py', text: 'from ..deps import (\n    require_key,\n)\n' },
      { path: 'svc/app/deps.py', text: 'x = 1\n' },
      { path: 'svc/app/config.py', text: 'ORIGINS = ["*"]\n' },
      { path: 'svc/app/db.py', text: 'import sqlalchemy as sa\n' },
      { path: 'svc/app/services.py', text: 'from app.db import engine\nimport helpers.sql\n' },
      { path: 'svc/helpers/sql.py', text: 'y = 2\n' },
      { path: 'research/big.py', text: padding },
      { path: 'research/other.py', text: 'import numpy\n' },
    ];
    expect([...selectPythonFiles(files)].sort()).toEqual([
      'svc/app/config.py',
      'svc/app/db.py',
      'svc/app/deps.py',
      'svc/app/main.py',
      'svc/app/routers/__init__.py',
      'svc/app/routers/orders.py',
      'svc/app/services.py',
      'svc/helpers/sql.py',
    ]);
  });
});
