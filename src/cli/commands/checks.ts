// `tradesec checks`: the catalogue of checks, and one check explained.
import type { Command } from 'commander';
import type { Check } from '../../audit/check.js';
import { UsageError } from '../../audit/errors.js';
import { action, type CliState, examples } from '../program.js';

/** Registers `tradesec checks list` and `tradesec checks explain`. */
export function registerChecks(program: Command, state: CliState): void {
  const checks = program
    .command('checks')
    .description('the catalogue of checks: ids, titles, severities, targets')
    .addHelpText(
      'after',
      examples([
        ['tradesec checks list', 'the checklist'],
        ['tradesec checks list --json', 'as data'],
        ['tradesec checks explain secrets', 'what a check examines and how to fix it'],
        ['tradesec checks explain container/root-user', 'one rule'],
      ]),
    );
  checks
    .command('list', { isDefault: true })
    .description('list every check and its rules (with the plugins .tradesecrc names)')
    .option('--json', 'print the catalogue as JSON')
    .option('--allow-plugins', 'allow plugin modules named in the config when running as root')
    // `checks bogus` reaches this default command as an extra argument: say what it is, not "too many arguments".
    .allowExcessArguments()
    .addHelpText('after', examples([['tradesec checks list --json | jq ".[].id"', 'the ids']]))
    .action(
      action(state, async (flags: CatalogueFlags, cmd: Command) => {
        const extra = cmd.args[0];
        if (extra !== undefined) throw new UsageError(`unknown subcommand '${extra}' (use list or explain)`);
        return list(state, await catalogue(state, flags), Boolean(flags.json));
      }),
    );
  checks
    .command('explain')
    .description('explain one check or rule: why it matters, what is examined, how to fix it')
    .argument('<id>', 'a check id (secrets) or a rule id (secrets/weak-key)')
    .option('--json', 'print the explanation as JSON')
    .option('--allow-plugins', 'allow plugin modules named in the config when running as root')
    .addHelpText('after', examples([['tradesec checks explain https', 'the https check']]))
    .action(
      action(state, async (id: string, flags: CatalogueFlags) =>
        explain(state, await catalogue(state, flags), id, Boolean(flags.json)),
      ),
    );
}

interface CatalogueFlags {
  json?: boolean;
  allowPlugins?: boolean;
}

/**
 * The built-in checks plus the plugins the current directory's .tradesecrc names, loaded only when the
 * command runs, by the audit's rules (refused as root without --allow-plugins).
 */
async function catalogue(state: CliState, flags: CatalogueFlags): Promise<readonly Check[]> {
  const [{ loadConfig }, { loadCatalogue }] = await Promise.all([
    import('../../audit/config.js'),
    import('../../audit/catalogue.js'),
  ]);
  const config = await loadConfig(state.io.cwd, undefined, state.io.cwd);
  return loadCatalogue(config, {
    baseDir: state.io.cwd,
    allowPlugins: Boolean(flags.allowPlugins),
    isRoot: process.getuid?.() === 0,
  });
}

function list(state: CliState, catalogue: readonly Check[], json: boolean): number {
  const { io } = state;
  if (json) {
    const data = catalogue.map((c) => ({
      id: c.meta.id,
      point: c.meta.point,
      title: c.meta.title,
      targets: c.meta.targets,
      rules: Object.entries(c.meta.rules).map(([name, r]) => ({
        id: `${c.meta.id}/${name}`,
        severity: r.severity,
        title: r.title,
      })),
    }));
    io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return 0;
  }
  for (const c of catalogue) {
    io.stdout.write(
      `${String(c.meta.point).padStart(2)}  ${c.meta.id.padEnd(18)} ${c.meta.title}  [${c.meta.targets.join(', ')}]\n`,
    );
    for (const [name, r] of Object.entries(c.meta.rules)) {
      io.stdout.write(`      ${r.severity.padEnd(8)} ${c.meta.id}/${name}\n`);
    }
  }
  return 0;
}

async function explain(
  state: CliState,
  catalogue: readonly Check[],
  id: string,
  json: boolean,
): Promise<number> {
  const { UNREADABLE_RULE } = await import('../../audit/engine.js');
  const { io } = state;
  const [checkId, ruleName] = id.split('/', 2);
  const check = catalogue.find((c) => c.meta.id === checkId);
  if (!check) throw new UsageError(`unknown check "${checkId}" (see: tradesec checks list)`);
  const rules = Object.entries({ ...check.meta.rules, 'unreadable-file': UNREADABLE_RULE }).filter(
    ([name]) => ruleName === undefined || name === ruleName,
  );
  if (rules.length === 0) throw new UsageError(`check ${checkId} has no rule "${ruleName}"`);
  if (json) {
    const data = {
      ...check.meta,
      rules: Object.fromEntries(rules),
    };
    io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return 0;
  }
  const m = check.meta;
  const out: string[] = [
    `${m.point}. ${m.id}: ${m.title}`,
    '',
    m.description,
    '',
    `Targets: ${m.targets.join(', ')}`,
    '',
  ];
  out.push('Rules:');
  for (const [name, r] of rules) {
    out.push(
      `  ${m.id}/${name} (${r.severity}): ${r.title}`,
      `    ${r.description}`,
      `    Fix: ${r.remediation}`,
    );
  }
  if (m.options && Object.keys(m.options).length > 0) {
    out.push('', `Settings ([${m.id}] in .tradesecrc):`);
    for (const [k, o] of Object.entries(m.options))
      out.push(`  ${k}${o.default ? ` (default: ${o.default})` : ''}: ${o.description}`);
  }
  out.push('', `Suppress one finding: # tradesec-ignore ${m.id}/<rule> -- <reason>`);
  if (m.references?.length) out.push('', 'References:', ...m.references.map((r) => `  ${r}`));
  io.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
