// Benchmark: building the FastAPI application model for a generated app of 2,000 modules and 10,000 routes,
// against Python's own parser (`/usr/bin/python3 -m compileall -q -f` of the same tree), plus peak memory.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(PROJECT, 'dist', 'src');
const PYTHON = '/usr/bin/python3';
const MODULES = 2_000;
const ROUTES_PER_MODULE = 5;
const RUNS = 3;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One router module: a prefix, five routes with dependencies, a body model and some plain code around them. */
function routerModule(i) {
  const n = String(i).padStart(4, '0');
  const routes = [];
  for (let r = 0; r < ROUTES_PER_MODULE; r++) {
    const method = ['get', 'post', 'put', 'delete', 'patch'][r];
    const body = method === 'post' || method === 'put' ? `item: Item${n}, ` : '';
    routes.push(`
@router.${method}("/items/{item_id}/op${r}", dependencies=[Depends(audit_call)])
async def op_${n}_${r}(item_id: int, ${body}user: str = Depends(current_user)):
    """Operation ${r} of module ${n}."""
    total = sum(x * ${r} for x in range(item_id % 7))
    if total > 100:
        logger.info("large total %s", total)
    return {"module": ${i}, "op": ${r}, "total": total}
`);
  }
  return `"""Router ${n}: generated for the tradesec benchmark."""
import logging

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from app.deps import audit_call, current_user

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/m${n}", tags=["m${n}"])


class Item${n}(BaseModel):
    name: str = Field(..., max_length=64)
    qty: int = Field(..., gt=0, le=1000)
${routes.join('')}`;
}

/** Writes the generated app under `root`. */
export async function generateApp(root) {
  await mkdir(path.join(root, 'app', 'routers'), { recursive: true });
  await writeFile(path.join(root, 'app', '__init__.py'), '');
  await writeFile(path.join(root, 'app', 'routers', '__init__.py'), '');
  await writeFile(
    path.join(root, 'app', 'deps.py'),
    `import secrets

from fastapi import Header, HTTPException

API_KEY = "bench"


def current_user(x_api_key: str = Header("")) -> str:
    if not secrets.compare_digest(x_api_key, API_KEY):
        raise HTTPException(status_code=401)
    return "user"


def audit_call() -> None:
    return None
`,
  );
  // 1,996 router modules plus deps, main and the two package __init__ files: 2,000 Python modules in all.
  const routers = MODULES - 4;
  for (let i = 0; i < routers; i++) {
    await writeFile(path.join(root, 'app', 'routers', `r${String(i).padStart(4, '0')}.py`), routerModule(i));
  }
  const imports = [];
  const includes = [];
  for (let i = 0; i < routers; i++) {
    const n = String(i).padStart(4, '0');
    imports.push(`from app.routers import r${n}`);
    includes.push(`app.include_router(r${n}.router, prefix="/api")`);
  }
  await writeFile(
    path.join(root, 'app', 'main.py'),
    `${imports.join('\n')}
from fastapi import FastAPI

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
${includes.join('\n')}
`,
  );
  // Round the route count up to 10,000 with a few routes on the app itself.
  const extra = MODULES * ROUTES_PER_MODULE - routers * ROUTES_PER_MODULE;
  const lines = [];
  for (let r = 0; r < extra; r++)
    lines.push(`\n\n@app.get("/extra/${r}")\ndef extra_${r}():\n    return ${r}\n`);
  await writeFile(path.join(root, 'app', 'main.py'), lines.join(''), { flag: 'a' });
  return { modules: MODULES, routes: routers * ROUTES_PER_MODULE + extra };
}

const CHILD = `
const [root, dist] = process.argv.slice(1);
const { createAuditContext } = await import(dist + '/audit/context.js');
const { defaultConfig } = await import(dist + '/audit/config.js');
const { createProbe } = await import(dist + '/facts/probe.js');
const { appModel } = await import(dist + '/facts/python/app-model.js');
const started = performance.now();
const ctx = createAuditContext({ root, targets: ['repo'], config: defaultConfig(), probe: createProbe() });
const model = await ctx.fact(appModel);
const ms = performance.now() - started;
const served = model.routes.reduce((n, r) => n + r.mounts.length, 0);
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssKb: process.resourceUsage().maxRSS, modules: model.modules.length, routes: model.routes.length, served }));
`;

function buildModel(root) {
  const r = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', CHILD, root, pathToFileURL(DIST).href],
    {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (r.status !== 0) throw new Error(`model build failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function compileall(root, cacheDir) {
  const started = process.hrtime.bigint();
  const r = spawnSync(PYTHON, ['-m', 'compileall', '-q', '-f', root], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPYCACHEPREFIX: cacheDir },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`compileall failed: ${r.stderr || r.stdout}`);
  return ms;
}

/** CPU seconds and peak RSS of Python compiling the tree (what -m compileall -q -f does), robust to machine load. */
function compileallCpu(root, cacheDir) {
  const code =
    'import compileall, resource, sys; compileall.compile_dir(sys.argv[1], quiet=1, force=True); ' +
    'r = resource.getrusage(resource.RUSAGE_SELF); print((r.ru_utime + r.ru_stime) * 1000, r.ru_maxrss)';
  const r = spawnSync(PYTHON, ['-c', code, root], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPYCACHEPREFIX: cacheDir },
  });
  if (r.status !== 0) throw new Error(`compileall failed: ${r.stderr || r.stdout}`);
  const [cpuMs, rssKb] = r.stdout.trim().split(/\s+/).map(Number);
  return { cpuMs, rssKb };
}

/** Runs the benchmark and returns a table of metrics (the `npm run bench` format). */
export default async function appModelBenchmark() {
  if (!existsSync(path.join(DIST, 'facts', 'python', 'app-model.js'))) {
    throw new Error('dist/ is missing: run npm run build first');
  }
  const root = await mkdtemp(path.join(tmpdir(), 'tradesec-bench-app-'));
  try {
    const app = path.join(root, 'repo');
    const generated = await generateApp(app);
    const builds = [];
    const pythons = [];
    for (let i = 0; i < RUNS; i++) {
      builds.push(buildModel(app));
      if (existsSync(PYTHON)) pythons.push(compileall(app, path.join(root, `pycache-${i}`)));
    }
    const modelMs = median(builds.map((b) => b.ms));
    const peakMb = Math.max(...builds.map((b) => b.maxRssKb)) / 1024;
    const last = builds[builds.length - 1];
    const pythonMs = pythons.length ? median(pythons) : undefined;
    const modelCpu = median(builds.map((b) => b.cpuMs));
    const pyCpu = existsSync(PYTHON) ? compileallCpu(app, path.join(root, 'pycache-cpu')) : undefined;
    return {
      title: `app model: ${generated.modules} modules, ${generated.routes} routes (median of ${RUNS})`,
      rows: [
        {
          metric: 'modules parsed',
          value: last.modules,
          goal: generated.modules,
          ok: last.modules === generated.modules,
        },
        {
          metric: 'routes served',
          value: last.served,
          goal: generated.routes,
          ok: last.served === generated.routes,
        },
        { metric: 'model build (ms)', value: modelMs },
        { metric: 'python3 -m compileall (ms)', value: pythonMs ?? 'python3 missing' },
        ...(pythonMs ? [{ metric: 'model / compileall', value: modelMs / pythonMs }] : []),
        { metric: 'model build CPU (ms)', value: modelCpu },
        ...(pyCpu
          ? [
              { metric: 'compileall CPU (ms)', value: pyCpu.cpuMs },
              { metric: 'CPU ratio', value: modelCpu / pyCpu.cpuMs },
            ]
          : []),
        { metric: 'peak RSS of the model build (MiB)', value: peakMb },
        ...(pyCpu ? [{ metric: 'peak RSS of compileall (MiB)', value: pyCpu.rssKb / 1024 }] : []),
      ],
      cpuRatio: pyCpu ? modelCpu / pyCpu.cpuMs : undefined,
      modelMs,
      pythonMs,
      ratio: pythonMs ? modelMs / pythonMs : undefined,
      peakRssMb: peakMb,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export { appModelBenchmark as run };

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  appModelBenchmark().then((r) => console.log(JSON.stringify(r, null, 2)));
}
