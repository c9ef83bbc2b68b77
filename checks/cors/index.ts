// Check 5, cors: CORSMiddleware allows only explicit https origins in production, and its regex is strict.
import {
  type AppModel,
  appModel,
  commaList,
  defineCheck,
  type FindingInput,
  type MiddlewareRegistration,
  NO_FASTAPI_APP,
  type PyValue,
  resolveValue,
  skip,
} from '../../src/index.js';

const CORS = 'fastapi.middleware.cors.CORSMiddleware';
const LOCAL_HOSTS = /^(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\]|[\w-]+\.localhost)$/i;
/** Origins no real deployment allows: a regex that accepts one of them accepts any origin. */
const FOREIGN_ORIGINS = ['https://attacker.invalid', 'http://attacker.invalid'];

function describeOrigin(v: PyValue): string {
  const parts: string[] = [];
  if (v.from && v.envKey && !v.defaulted) parts.push(`${v.envKey} in ${v.from.file}:${v.from.line}`);
  else if (v.envKey && v.defaulted)
    parts.push(`the default of ${v.envKey}, which no production env file sets`);
  else if (v.from) parts.push(`${v.from.file}:${v.from.line}`);
  if (v.conditional) parts.push(`conditional on the environment: ${v.conditional.condition}`);
  return parts.length ? ` (from ${parts.join('; ')})` : '';
}

function hostOf(origin: string): { scheme: string; host: string } | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/:]+|\[[^\]]+\])(?::\d+)?\/?$/i.exec(origin.trim());
  return m ? { scheme: (m[1] ?? '').toLowerCase(), host: m[2] ?? '' } : undefined;
}

/** Dots that match any character: not escaped, not in a character class, not a quantified wildcard. */
function unescapedDots(re: string): boolean {
  let inClass = false;
  for (let i = 0; i < re.length; i++) {
    const ch = re[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') inClass = true;
    else if (ch === '.' && !/[*+?{]/.test(re[i + 1] ?? '')) return true;
  }
  return false;
}

/** A wildcard directly followed by a host label: `https://.*example\.com` also matches `evilexample.com`. */
function wildcardBeforeLabel(re: string): boolean {
  return /(?:^|[^\\])(?:\.[*+]|\[\^[^\]]*\][*+])(?:\?)?[A-Za-z0-9]/.test(re);
}

function toJsRegex(re: string): RegExp | undefined {
  // Python-only syntax (named groups `(?P<...>`, `\Z`) rewritten; anything else that JS rejects cannot be judged.
  const js = re
    .replace(/\(\?P</g, '(?<')
    .replace(/\\Z/g, '$')
    .replace(/\\A/g, '^');
  try {
    return new RegExp(`^(?:${js})$`);
  } catch {
    return undefined;
  }
}

function examine(
  model: AppModel,
  reg: MiddlewareRegistration,
  allowed: readonly string[],
  findings: FindingInput[],
): void {
  const get = (name: string) => {
    const kw = reg.kwargs.get(name);
    return kw ? { kw, value: resolveValue(model, reg.module, kw.value) } : undefined;
  };
  const credentials = get('allow_credentials');
  const withCredentials = credentials?.value.kind === 'bool' && credentials.value.value;
  const credentialsUnknown = credentials?.value.kind === 'unknown';
  const origins = get('allow_origins');
  if (origins) {
    const { kw, value } = origins;
    const items = value.kind === 'list' ? value.items : value.kind === 'string' ? [value] : [];
    if (value.kind === 'unknown' || items.some((i) => i.kind === 'unknown')) {
      const reason = value.kind === 'unknown' ? value.reason : 'some items could not be resolved';
      findings.push({
        rule: 'unresolved-origins',
        file: kw.file,
        line: kw.line,
        message: `could not resolve the CORS origins ${kw.value.text.slice(0, 60)} (${reason}); they were not examined`,
        evidence: `unresolved ${kw.value.text}`,
      });
    }
    for (const item of items) {
      if (item.kind !== 'string') continue;
      const origin = item.value.trim();
      const where = describeOrigin(item);
      if (origin === '*') {
        if (withCredentials) {
          findings.push({
            rule: 'wildcard-with-credentials',
            file: kw.file,
            line: kw.line,
            message: `CORSMiddleware allows origin "*"${where} with allow_credentials=True: Starlette then echoes any requesting origin, so any web page can call the API with the user's credentials`,
            evidence: 'origin * credentials',
          });
        } else {
          findings.push({
            rule: 'wildcard-origin',
            file: kw.file,
            line: kw.line,
            message: `CORSMiddleware allows any origin ("*")${where}${credentialsUnknown ? '; allow_credentials could not be resolved' : ''}`,
            evidence: 'origin *',
          });
        }
        continue;
      }
      const parsed = hostOf(origin);
      if (parsed && LOCAL_HOSTS.test(parsed.host)) {
        findings.push({
          rule: 'localhost-origin',
          file: kw.file,
          line: kw.line,
          message: `CORSMiddleware allows the development origin ${origin} in production${where}`,
          evidence: `origin ${origin}`,
        });
      } else if (parsed?.scheme === 'http') {
        findings.push({
          rule: 'insecure-origin',
          file: kw.file,
          line: kw.line,
          message: `CORSMiddleware allows the plain-http origin ${origin}${where}: a network attacker can inject script into it`,
          evidence: `origin ${origin}`,
        });
      } else if (allowed.length > 0 && !allowed.includes(origin.replace(/\/$/, ''))) {
        findings.push({
          rule: 'unexpected-origin',
          file: kw.file,
          line: kw.line,
          message: `CORSMiddleware allows ${origin}${where}, which is not in the allowed-origins setting`,
          evidence: `origin ${origin}`,
        });
      }
    }
  }
  const regex = get('allow_origin_regex');
  if (regex) {
    const { kw, value } = regex;
    if (value.kind === 'none') return;
    if (value.kind !== 'string') {
      findings.push({
        rule: 'unresolved-origins',
        file: kw.file,
        line: kw.line,
        message: `could not resolve allow_origin_regex ${kw.value.text.slice(0, 60)}${value.kind === 'unknown' ? ` (${value.reason})` : ''}`,
        evidence: `unresolved ${kw.value.text}`,
      });
      return;
    }
    const re = value.value;
    const compiled = toJsRegex(re);
    if (compiled && FOREIGN_ORIGINS.some((o) => compiled.test(o))) {
      findings.push({
        rule: withCredentials ? 'wildcard-with-credentials' : 'wildcard-origin',
        file: kw.file,
        line: kw.line,
        message: `allow_origin_regex "${re}"${describeOrigin(value)} accepts any origin (it matches https://attacker.invalid)${withCredentials ? ' and allow_credentials=True' : ''}`,
        evidence: `regex ${re}`,
      });
      return;
    }
    if (unescapedDots(re) || wildcardBeforeLabel(re)) {
      findings.push({
        rule: 'origin-regex-unescaped',
        file: kw.file,
        line: kw.line,
        message: unescapedDots(re)
          ? `allow_origin_regex "${re}" has an unescaped "." that matches any character (example.com also matches exampleXcom)`
          : `allow_origin_regex "${re}" puts a wildcard straight before a host name, so a look-alike domain (attacker-example.com) matches`,
        evidence: `regex ${re}`,
      });
    }
    if (!re.startsWith('^') || !/(?:\$|\\Z)$/.test(re)) {
      findings.push({
        rule: 'origin-regex-unanchored',
        file: kw.file,
        line: kw.line,
        message: `allow_origin_regex "${re}" is not anchored with ^...$ (Starlette before 0.13 matched only its start, so https://app.example.com.attacker.invalid passed)`,
        evidence: `regex ${re}`,
      });
    }
  }
}

export default defineCheck({
  meta: {
    id: 'cors',
    point: 5,
    title: 'CORS allows only the service’s own https origins',
    description:
      'Finds every CORSMiddleware registration (add_middleware or FastAPI(middleware=[...])) and resolves its origins ' +
      'through variables, imports, pydantic settings and the production env files: no "*" (critical with ' +
      'allow_credentials=True), no plain-http or localhost origins in production, no allow_origin_regex with ' +
      'unescaped dots, wildcards before a host name, or without anchors.',
    targets: ['repo'],
    rules: {
      'wildcard-with-credentials': {
        title: 'Credentialed CORS never allows every origin',
        severity: 'critical',
        description:
          'With allow_origins=["*"] (or a regex matching anything) and allow_credentials=True, Starlette reflects the ' +
          'requesting origin, so any web page a user visits can call the API with their cookies or credentials.',
        remediation:
          'List the exact https origins of your front end in allow_origins, or drop allow_credentials.',
      },
      'wildcard-origin': {
        title: 'CORS does not allow every origin',
        severity: 'high',
        description: 'allow_origins=["*"] lets any web page read the API’s responses from a user’s browser.',
        remediation:
          'List the exact https origins that need browser access (the allowed-origins setting documents them).',
      },
      'insecure-origin': {
        title: 'CORS origins use https',
        severity: 'medium',
        description:
          'A plain-http origin can be impersonated by anyone on the network path, who then gets the access CORS grants it.',
        remediation: 'Use the https:// origin.',
      },
      'localhost-origin': {
        title: 'CORS allows no development origins in production',
        severity: 'medium',
        description:
          'A localhost origin in production lets any local web server or malicious page on a developer machine call the API.',
        remediation:
          'Keep localhost origins in the development settings only; set production origins in the production env file.',
      },
      'unexpected-origin': {
        title: 'CORS allows only the configured origins',
        severity: 'medium',
        description: 'An origin that is not in the allowed-origins setting was added without review.',
        remediation: 'Remove the origin, or add it to allowed-origins in .tradesecrc.',
      },
      'origin-regex-unescaped': {
        title: 'allow_origin_regex matches only the intended hosts',
        severity: 'high',
        description:
          'An unescaped "." matches any character and a wildcard right before a host name matches look-alike domains, ' +
          'so an attacker can register a domain the regex accepts.',
        remediation:
          'Escape dots (\\.) and put a dot before the domain: ^https://[a-z0-9-]+\\.example\\.com$.',
      },
      'origin-regex-unanchored': {
        title: 'allow_origin_regex is anchored',
        severity: 'low',
        description:
          'Older Starlette versions matched the regex at the start only; ^...$ makes the intent explicit everywhere.',
        remediation: 'Anchor the regex: ^https://app\\.example\\.com$.',
      },
      'unresolved-origins': {
        title: 'CORS origins can be resolved',
        severity: 'low',
        description:
          'Origins computed at run time or read from an environment no file sets could not be examined.',
        remediation: 'Use a literal list or a settings field set in the production env file.',
      },
    },
    options: {
      'allowed-origins': {
        description:
          'Comma-separated origins the service may allow (https://app.example.com); any other origin is reported.',
        default: '',
      },
    },
    references: [
      'https://fastapi.tiangolo.com/tutorial/cors/',
      'https://www.starlette.io/middleware/#corsmiddleware',
      'https://portswigger.net/web-security/cors',
    ],
  },

  async run(ctx) {
    const model = await ctx.fact(appModel);
    if (!model.hasFastApi) return skip('not-applicable', NO_FASTAPI_APP);
    const allowed = commaList(ctx.settings.get('allowed-origins')).map((o) => o.replace(/\/$/, ''));
    const findings: FindingInput[] = [];
    for (const reg of model.middleware) {
      if (reg.middleware !== CORS) continue;
      if (reg.branch && !reg.branch.production) continue;
      if (reg.app?.branch && !reg.app.branch.production) continue;
      examine(model, reg, allowed, findings);
    }
    return findings;
  },
});
