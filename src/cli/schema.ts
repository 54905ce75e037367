/** `aicr schema [KIND]`: the published JSON Schemas of aicr's documents (print, list, write all). */
import { Option, type Command } from 'commander';
import { examples, FlagState } from './flags.js';

interface SchemaOpts {
  format?: string;
  list?: boolean;
  outputDir?: string;
}

export function registerSchema(program: Command, st: FlagState): void {
  program
    .command('schema')
    .description(
      'Print the JSON Schema (draft 2020-12) of an aicr document kind, list them, or write them all',
    )
    .argument('[kind]', 'document kind, case-insensitive (aicr schema --list shows them)')
    .addOption(new Option('-t, --format <format>', 'json (default) or yaml').argParser(st.once('format')))
    .addOption(new Option('--list', 'list the kinds with their schema $id'))
    .addOption(
      new Option(
        '--output-dir <dir>',
        'write every schema to DIR/<kind>.json (or .yaml); the folder is created',
      ),
    )
    .addHelpText(
      'after',
      examples([
        'aicr schema snapshot',
        'aicr schema RecipeResult --format yaml',
        'aicr schema --list',
        'aicr schema --output-dir .schemas',
        '',
        '# Editors (yaml-language-server): first line of a snapshot file',
        '#   # yaml-language-server: $schema=https://aicr.run/schemas/v1/snapshot.json',
        '# Check documents against these schemas: aicr validate --schema v1 FILE…',
        '# Exit codes: 0 ok; 2 unknown kind or bad flag.',
      ]),
    )
    .action(async (kind: string | undefined, opts: SchemaOpts) => {
      const { runSchema } = await import('../commands/schema.js');
      await runSchema({ kind, ...opts });
    });
}
