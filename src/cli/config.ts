/**
 * The configuration file on the command line: `--config` on snapshot, recipe, bundle and validate, the
 * one resolver that fills their options from it (flag > environment variable > file > built-in
 * default), and `aicr config path|view|init`. Loading and the schema live in src/config (through
 * src/commands/config.ts, imported only when there is a file to read).
 */
import { Option, type Command } from 'commander';
import { invalid } from '../errors/index.js';
import { log } from '../logging/logger.js';
import { parseFormat } from '../io/serialize.js';
import { agentModeFromEnv, optionEnvValue } from '../util/env.js';
import { configLocation, exists, type ConfigCommand } from '../commands/config-locate.js';
import type { ConfigEntry, ConfigKey, ViewRow } from '../commands/config.js';
import { examples, type FlagState } from './flags.js';

const CONFIG_HELP =
  'configuration file (kind AICRConfig): file or http(s):// URL; flags and environment variables override it ' +
  '(default: $AICR_CONFIG, else $XDG_CONFIG_HOME/aicr/config.yaml when it exists)';

const findOption = (cmd: Command, flag: string) => cmd.options.find((o) => o.long === `--${flag}`);

/** A source as shown by --debug and `aicr config view`. */
function sourceLabel(cmd: Command, opt: Option, configSource: string | undefined, key?: ConfigKey): string {
  const src = cmd.getOptionValueSource(opt.attributeName());
  if (src === 'cli') return 'flag';
  if (src === 'env') return `env ${opt.envVar ?? ''}`.trim();
  if (src === 'config') return `config ${configSource ?? ''}`.trim();
  if (key?.env && key.env.read() !== undefined) return `env ${key.env.name}`;
  return src ?? 'default';
}

/**
 * Applies the file's settings to the options of `cmd` that neither a flag nor an environment variable
 * set. A list or map in the file is the whole value (flags replace it, never append to it).
 */
function apply(cmd: Command, source: string, entries: readonly ConfigEntry[]): void {
  for (const e of entries) {
    const opt = findOption(cmd, e.key.flag);
    if (!opt) {
      throw invalid(`${source}: ${e.path}: aicr ${cmd.name()} has no --${e.key.flag} flag in this version`);
    }
    const attrs = [opt.attributeName(), ...(e.key.shadows ?? [])];
    if (attrs.some((a) => ['cli', 'env'].includes(cmd.getOptionValueSource(a) ?? ''))) continue;
    if (e.key.env && e.key.env.read() !== undefined) continue; // the command reads that variable itself
    const value = opt.negate ? !e.value : Array.isArray(e.value) ? [...e.value] : e.value;
    cmd.setOptionValueWithSource(opt.attributeName(), value, 'config');
  }
}

/** The preAction step of a command with a config section. */
async function resolveConfig(cmd: Command, command: ConfigCommand): Promise<void> {
  // Inside the snapshot agent Job the command line says everything.
  if (agentModeFromEnv()) return;
  const loc = configLocation(cmd.getOptionValue('config') as string | undefined);
  let file: string | undefined;
  if (loc && (loc.origin !== 'default' || exists(loc.location))) {
    const { loadConfigEntries } = await import('../commands/config.js');
    const loaded = await loadConfigEntries(loc, command);
    file = loaded.file;
    apply(cmd, loaded.source, loaded.entries);
  }
  const l = log();
  if (!l.enabled('debug')) return;
  l.debug('configuration', {
    file: file ?? 'none',
    ...(loc?.origin === 'default' && !file ? { notFound: loc.location } : {}),
  });
  for (const opt of cmd.options) {
    const value = cmd.getOptionValue(opt.attributeName());
    if (value === undefined || opt.long === '--config') continue;
    l.debug('option value', { flag: opt.long ?? opt.name(), value, source: sourceLabel(cmd, opt, file) });
  }
}

/** Adds `--config` to a command and resolves its options from the configuration before its action. */
export function addConfigFlag(cmd: Command, command: ConfigCommand): Command {
  cmd.addOption(new Option('--config <location>', CONFIG_HELP));
  cmd.hook('preAction', (_self, action) => resolveConfig(action, command));
  return cmd;
}

/** The rows of `aicr config view` for one command: every setting that has a value, and its source. */
function viewRows(
  cmd: Command,
  command: ConfigCommand,
  keys: readonly ConfigKey[],
  file: string | undefined,
  entries: readonly ConfigEntry[],
): ViewRow[] {
  const rows: ViewRow[] = [];
  for (const key of keys) {
    const opt = findOption(cmd, key.flag);
    const row = { key: `spec.${command}.${key.path}`, flag: `--${key.flag}` };
    const envName = opt?.envVar ?? key.env?.name;
    const envRaw = opt?.envVar ? optionEnvValue(opt.envVar) : key.env?.read();
    const entry = entries.find((e) => e.key === key);
    if (envName && envRaw !== undefined && envRaw !== '')
      rows.push({ ...row, value: envRaw, source: `env ${envName}` });
    else if (entry) rows.push({ ...row, value: entry.value, source: `config ${file ?? ''}`.trim() });
    else if (opt && opt.defaultValue !== undefined) {
      rows.push({ ...row, value: opt.negate ? !opt.defaultValue : opt.defaultValue, source: 'default' });
    }
  }
  return rows;
}

export function registerConfig(program: Command, st: FlagState): void {
  const config = program
    .command('config')
    .description(
      'The configuration file (kind AICRConfig): where it is read from, what it sets, a starter file',
    )
    .addHelpText(
      'after',
      examples([
        'aicr config path',
        'aicr config init && $EDITOR "$(aicr config path | cut -f1)"',
        'aicr config view',
        'aicr config view --config team.yaml --format yaml',
        'aicr recipe --config team.yaml --intent inference    # flags override the file',
        '',
        '# Precedence: flag > environment variable > configuration file > built-in default.',
        '# Read from: --config, else $AICR_CONFIG, else $XDG_CONFIG_HOME/aicr/config.yaml (~/.config/aicr/config.yaml).',
      ]),
    );
  config
    .command('path')
    .description(
      'Print where the configuration is read from (--config, AICR_CONFIG or the per-user file) and whether it exists',
    )
    .addOption(new Option('--config <location>', 'show this location instead').argParser(st.once('config')))
    .action(async (opts: { config?: string }) => {
      const { runConfigPath } = await import('../commands/config.js');
      runConfigPath(opts.config);
    });
  config
    .command('view')
    .description(
      'Print the effective settings of snapshot, recipe, bundle and validate and where each comes from (environment, file or default)',
    )
    .addOption(new Option('--config <location>', CONFIG_HELP))
    .addOption(new Option('-t, --format <format>', 'table (default), yaml or json'))
    .action(async (opts: { config?: string; format?: string }) => {
      const format = parseFormat(opts.format ?? 'table');
      const { loadAllEntries, printConfigView, keysOf } = await import('../commands/config.js');
      const loaded = await loadAllEntries(opts.config);
      const rows: ViewRow[] = [];
      for (const command of ['snapshot', 'recipe', 'bundle', 'validate'] as const) {
        const cmd = program.commands.find((c) => c.name() === command);
        if (!cmd) continue;
        rows.push(
          ...viewRows(cmd, command, keysOf(command), loaded?.file, loaded?.entries.get(command) ?? []),
        );
      }
      printConfigView(loaded?.file, rows, format);
    });
  config
    .command('init')
    .description(
      'Write a commented starter configuration file (default: the per-user file); never overwrites one',
    )
    .addOption(
      new Option('-o, --output <path>', 'where to write it (- for stdout; default: the per-user file)'),
    )
    .action(async (opts: { output?: string }) => {
      const { runConfigInit } = await import('../commands/config.js');
      const written = await runConfigInit(opts.output);
      if (written !== '-') log().info('configuration file written', { file: written });
    });
}
