/** `aicr version`: build information (also `aicr --version`). */
import type { Command } from 'commander';
import { parseFormat, serialize } from '../io/serialize.js';
import { buildInfo, versionLine } from '../version/buildinfo.js';
import { examples, FlagState } from './flags.js';
import { Option } from 'commander';
import { writeStdout } from '../util/stdio.js';

export function registerVersion(program: Command, st: FlagState): void {
  program
    .command('version')
    .description('Print version, commit and build date')
    .addOption(
      new Option('-t, --format <format>', 'text (default), yaml or json').argParser(st.once('format')),
    )
    .addHelpText('after', examples(['aicr version', 'aicr version --format json']))
    .action((opts: { format?: string }) => {
      if (!opts.format || opts.format === 'text') {
        writeStdout(versionLine() + '\n');
        return;
      }
      const format = parseFormat(opts.format);
      writeStdout(serialize({ ...buildInfo }, format));
    });
}
