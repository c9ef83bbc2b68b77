// Whether the application's log output carries a time: formatters, logging config files, structlog, loguru.
import type { AppModel, CheckContext, PyModule, SyntaxNode } from '../../src/index.js';
import { stringText } from './log-index.js';

const LOGGING_CONFIG_FILES = [
  '*logging*.{ini,conf,cfg,yaml,yml,json,toml}',
  '*log_config*.{ini,conf,cfg,yaml,yml,json,toml}',
  '*log-config*.{ini,conf,cfg,yaml,yml,json,toml}',
  'gunicorn*.conf.py',
];
const TIME_FIELD = /asctime|%\(created\)|\{created\}/;

/** True when some formatter of the application (or structlog's TimeStamper, or loguru) writes a time. */
export async function hasTimeFormatter(ctx: CheckContext, model: AppModel): Promise<boolean> {
  for (const m of model.modules) {
    if (importsLoguru(m)) return true;
    if (!TIME_FIELD.test(m.text)) continue;
    for (const s of m.tree.rootNode.descendantsOfType('string')) {
      if (!s || s.parent?.type === 'expression_statement') continue; // docstrings do not configure anything
      if (TIME_FIELD.test(stringText(s))) return true;
    }
  }
  for (const [name, sites] of model.calls) {
    if (/(^|\.)TimeStamper$/.test(name) && sites.length > 0) return true;
    // python-json-logger: JsonFormatter(timestamp=True).
    if (/JsonFormatter$/.test(name) && sites.some((s) => isTrue(s.kwargs.get('timestamp')?.value)))
      return true;
  }
  for (const f of await ctx.glob(LOGGING_CONFIG_FILES)) {
    const text = await ctx.read(f);
    if (text.kind === 'text' && TIME_FIELD.test(stripComments(text.text))) return true;
  }
  return false;
}

function isTrue(node: SyntaxNode | undefined): boolean {
  return node?.type === 'true';
}

function importsLoguru(m: PyModule): boolean {
  for (const list of m.bindings.values()) {
    for (const b of list) {
      if ((b.kind === 'import-from' || b.kind === 'import-module') && /^loguru(\.|$)/.test(b.module))
        return true;
    }
  }
  return false;
}

function stripComments(text: string): string {
  return text
    .split(/\r?\n/)
    .filter((l) => !/^\s*[#;]/.test(l))
    .join('\n');
}
