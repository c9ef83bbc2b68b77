import { expect } from 'vitest';
import { appCases } from '../../test/fixtures/apps-b/cases.js';
import { testCheck } from '../../test/helpers/check-tester.js';
import check from './index.js';

const apps = await appCases('input-validation');

const GUIDE_MODEL = [
  'from decimal import Decimal',
  '',
  'from pydantic import BaseModel, Field, validator',
  '',
  '',
  'class TradingOrderRequest(BaseModel):',
  '    symbol: str = Field(..., regex="^[A-Z]{1,12}$")',
  '    quantity: int = Field(..., gt=0, le=10000)',
  '    price: Decimal = Field(..., gt=0, le=100000)',
  '    order_type: str = Field(..., regex="^(BUY|SELL)$")',
  '',
  '    @validator("symbol")',
  '    def validate_symbol(cls, v):',
  '        return v.upper()',
  '',
].join('\n');

const ORDERS_ROUTE = [
  'from fastapi import FastAPI',
  '',
  'from models import TradingOrderRequest',
  '',
  'app = FastAPI()',
  '',
  '',
  '@app.post("/api/orders")',
  'async def create_order(order: TradingOrderRequest):',
  '    return {"ok": True}',
  '',
].join('\n');

/** One module with an app, a route and the given handler body lines. */
function handler(signature: string, body: string[], imports: string[] = []): Record<string, string> {
  return {
    'main.py': [
      ...imports,
      'from fastapi import FastAPI, Request',
      '',
      'app = FastAPI()',
      '',
      '',
      '@app.get("/api/orders/{symbol}")',
      `async def ${signature}:`,
      ...body.map((l) => `    ${l}`),
      '',
    ].join('\n'),
  };
}

testCheck(check, {
  pass: [
    ...apps.pass,
    {
      name: 'the guide model on pydantic 1.10 (Field(regex=) and @validator are fine there)',
      files: {
        'models.py': GUIDE_MODEL,
        'main.py': ORDERS_ROUTE,
        'requirements.txt': 'fastapi==0.92.0\npydantic==1.10.4\n',
      },
    },
    {
      name: 'pydantic 2 model with pattern=, Literal, Enum and field_validator',
      files: {
        'requirements.txt': 'pydantic>=2.5,<3\n',
        'models.py': [
          'from decimal import Decimal',
          'from enum import Enum',
          'from typing import Annotated, Literal, Optional',
          '',
          'from pydantic import BaseModel, Field, conint, field_validator',
          '',
          '',
          'class Side(str, Enum):',
          '    BUY = "BUY"',
          '    SELL = "SELL"',
          '',
          '',
          'class TradingOrderRequest(BaseModel):',
          '    symbol: str = Field(..., pattern=r"^[A-Z]{1,12}$")',
          '    quantity: Annotated[int, Field(gt=0, le=10_000)]',
          '    price: Optional[Decimal] = Field(None, gt=0)',
          '    size: conint(gt=0, le=100) = 1',
          '    side: Side',
          '    order_type: Literal["MARKET", "LIMIT"] = "LIMIT"',
          '    note: str = ""',
          '',
          '    @field_validator("symbol")',
          '    @classmethod',
          '    def upper(cls, v):',
          '        return v.upper()',
          '',
        ].join('\n'),
        'main.py': ORDERS_ROUTE,
      },
    },
    {
      name: '%s placeholders passed as parameters, bound text() parameters, constant table names',
      files: handler(
        'orders_for(symbol: str)',
        [
          'cur = conn.cursor()',
          'cur.execute("SELECT * FROM orders WHERE symbol = %s", (symbol,))',
          'cur.executemany("INSERT INTO fills (symbol) VALUES (%s)", [(symbol,)])',
          'conn.execute(text("SELECT * FROM orders WHERE symbol = :s"), {"s": symbol})',
          'query = f"SELECT * FROM {TABLE} WHERE symbol = :s"',
          'conn.execute(text(query), {"s": symbol})',
          'marks = ", ".join(["%s"] * len(ids))',
          'cur.execute(f"SELECT * FROM orders WHERE id IN ({marks})", ids)',
          'return cur.fetchall()',
        ],
        [
          'import sqlite3',
          'from sqlalchemy import text',
          'conn = sqlite3.connect("x.db")',
          'TABLE = "orders"',
          'ids = [1, 2]',
        ],
      ),
    },
    {
      name: 'psycopg sql.SQL(...).format(sql.Identifier(...)), directly and through a variable; execute() of a task runner',
      files: handler(
        'orders_for(symbol: str)',
        [
          'cur.execute(sql.SQL("SELECT * FROM {} WHERE symbol = %s").format(sql.Identifier(symbol)), (symbol,))',
          'q = sql.SQL("SELECT * FROM {tbl}").format(tbl=sql.Identifier(symbol))',
          'cur.execute(q)',
          'task_runner.execute(f"job-{symbol}")',
          'return cur.fetchall()',
        ],
        ['from psycopg import sql', 'from db import cur, task_runner'],
      ),
    },
    {
      name: "a hardcoded DSN password is the database check's, SQL in tests is not production",
      files: {
        ...handler(
          'orders_for(symbol: str)',
          [
            'cur = psycopg2.connect("postgresql://app:hunter2-pw@db.example.net/app").cursor()',
            'cur.execute("SELECT * FROM orders WHERE symbol = %s", (symbol,))',
            'return cur.fetchall()',
          ],
          ['import psycopg2'],
        ),
        'tests/test_orders.py': 'def test_cleanup(cur, table):\n    cur.execute(f"DELETE FROM {table}")\n',
      },
    },
    {
      name: 'an f-string in a comment or a docstring is not SQL',
      files: handler('orders_for(symbol: str)', [
        '"""Never do cur.execute(f"SELECT * FROM orders WHERE symbol = \'{symbol}\'")."""',
        '# cur.execute(f"SELECT * FROM orders WHERE symbol = \'{symbol}\'")',
        'return {"symbol": symbol}',
      ]),
    },
  ],
  fail: [
    ...apps.fail,
    {
      name: 'the guide model on pydantic 2: Field(regex=) fails, @validator is deprecated',
      files: {
        'models.py': GUIDE_MODEL,
        'main.py': ORDERS_ROUTE,
        'requirements.txt': 'fastapi==0.110.0\npydantic==2.6.1\n',
      },
      findings: [
        { rule: 'input-validation/field-regex', file: 'models.py', line: 7 },
        { rule: 'input-validation/field-regex', file: 'models.py', line: 10 },
        { rule: 'input-validation/validator-deprecated', file: 'models.py', line: 12 },
      ],
      verify: (result) => {
        expect(result.checks[0]?.findings[0]?.message).toContain('requirements.txt:2');
      },
    },
    {
      name: 'Field(regex=) with no declared pydantic version is a low note',
      status: 'warn',
      files: { 'models.py': GUIDE_MODEL.replace(', validator', ''), 'main.py': ORDERS_ROUTE },
      findings: [
        { rule: 'input-validation/field-regex', line: 7 },
        { rule: 'input-validation/field-regex', line: 10 },
      ],
    },
    {
      name: 'Field(pattern=) on pydantic 1, which ignores pattern=; a runner named like a cursor still counts',
      files: {
        'requirements.txt': 'pydantic==1.10.4\n',
        'models.py': [
          'from pydantic import BaseModel, Field',
          '',
          '',
          'class TradingOrderRequest(BaseModel):',
          '    symbol: str = Field(..., pattern="^[A-Z]{1,12}$")',
          '    side: str = Field(..., pattern="^(BUY|SELL)$", max_length=4)',
          '    quantity: int = Field(..., gt=0, le=10000)',
          '',
        ].join('\n'),
        'main.py': ORDERS_ROUTE,
        'jobs.py': 'def run(db_session, name):\n    db_session.execute(f"job {name}")\n',
      },
      findings: [
        { rule: 'input-validation/unconstrained-field', file: 'models.py', line: 5 },
        { rule: 'input-validation/sql-string-built', file: 'jobs.py', line: 2 },
      ],
      verify: (result) => {
        const msg = result.checks[0]?.findings.find((f) => f.file === 'models.py')?.message ?? '';
        expect(msg).toContain('ignores pattern=');
        expect(msg).toContain('regex=');
      },
    },
    {
      name: 'unbounded quantity and unconstrained symbol in the order body',
      files: {
        'requirements.txt': 'pydantic==2.6.1\n',
        'schemas.py': [
          'from pydantic import BaseModel, Field',
          '',
          '',
          'class Leg(BaseModel):',
          '    qty: float',
          '',
          '',
          'class NewOrder(BaseModel):',
          '    symbol: str',
          '    quantity: int = Field(..., description="shares")',
          '    legs: list[Leg] = []',
          '',
        ].join('\n'),
        'routers/orders.py': [
          'from fastapi import APIRouter',
          'from schemas import NewOrder',
          '',
          'router = APIRouter(prefix="/orders")',
          '',
          '',
          '@router.post("/")',
          'def place(body: NewOrder):',
          '    return body',
          '',
        ].join('\n'),
        'main.py':
          'from fastapi import FastAPI\nfrom routers import orders\n\napp = FastAPI()\napp.include_router(orders.router)\n',
      },
      findings: [
        { rule: 'input-validation/unconstrained-field', file: 'schemas.py', line: 5 },
        { rule: 'input-validation/unconstrained-field', file: 'schemas.py', line: 9 },
        { rule: 'input-validation/unconstrained-field', file: 'schemas.py', line: 10 },
      ],
    },
    {
      name: 'dict and request.json() bodies on order routes; a dict body elsewhere is low',
      files: {
        'main.py': [
          'from typing import Any, Dict',
          'from fastapi import Body, FastAPI, Request',
          '',
          'app = FastAPI()',
          '',
          '',
          '@app.post("/api/orders")',
          'async def create_order(payload: Dict[str, Any]):',
          '    return payload',
          '',
          '',
          '@app.post("/api/trades/raw")',
          'async def raw_trade(request: Request):',
          '    data = await request.json()',
          '    return data',
          '',
          '',
          '@app.post("/api/notes")',
          'async def note(payload: dict = Body(...)):',
          '    return payload',
          '',
        ].join('\n'),
      },
      findings: [
        { rule: 'input-validation/raw-body', line: 8 },
        { rule: 'input-validation/raw-body', line: 14 },
        { rule: 'input-validation/raw-body', line: 19 },
      ],
      verify: (result) => {
        const low = result.checks[0]?.findings.find((f) => f.line === 19);
        expect(low?.severity).toBe('low');
      },
    },
    {
      name: 'an f-string inside text(...)',
      files: handler(
        'orders_for(symbol: str)',
        ['return conn.execute(text(f"SELECT * FROM orders WHERE symbol = \'{symbol}\'")).all()'],
        ['from sqlalchemy import text', 'from db import conn'],
      ),
      findings: [{ rule: 'input-validation/sql-string-built', file: 'main.py', line: 10 }],
    },
    {
      name: 'a variable assigned an f-string, %, + and .format before execute',
      files: handler(
        'orders_for(symbol: str)',
        [
          'q1 = f"SELECT * FROM orders WHERE symbol = \'{symbol}\'"',
          'cur.execute(q1)',
          'cur.execute("SELECT * FROM orders WHERE symbol = \'%s\'" % symbol)',
          'cur.execute("SELECT * FROM orders WHERE symbol = \'" + symbol + "\'")',
          'cur.execute("SELECT * FROM orders WHERE symbol = \'{}\'".format(symbol))',
          'return cur.fetchall()',
        ],
        ['from db import cur'],
      ),
      findings: [
        { rule: 'input-validation/sql-string-built', line: 10 },
        { rule: 'input-validation/sql-string-built', line: 11 },
        { rule: 'input-validation/sql-string-built', line: 12 },
        { rule: 'input-validation/sql-string-built', line: 13 },
      ],
    },
  ],
  skip: [
    {
      name: 'no FastAPI app',
      files: { 'lib.py': 'def get(x):\n    return x\n\ndef signal(x):\n    return x\n' },
      verify: (result) => expect(result.checks[0]?.skipReason).toContain('no FastAPI application'),
    },
    { name: 'an empty repository', files: {} },
  ],
});
