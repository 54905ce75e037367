/**
 * The fleet flags of `aicr snapshot --deploy-agent` (`--nodes`, `--all-gpu-nodes`, `--workers`); the
 * use-case lives in src/commands/snapshot-fleet.ts, imported on use.
 */
import { Option, type Command } from 'commander';
import type { FleetFlags } from '../commands/snapshot-fleet.js';
import { DEFAULT_WORKERS } from '../commands/snapshot-fleet-defaults.js';
import { intParser, type FlagState } from './flags.js';

export type { FleetFlags };

export function addFleetFlags(cmd: Command, st: FlagState): Command {
  return cmd
    .addOption(
      new Option(
        '--nodes <file>',
        'with --deploy-agent: snapshot each node named in the file (one per line, # comments), one agent pod per node',
      ).argParser(st.once('nodes')),
    )
    .addOption(
      new Option(
        '--all-gpu-nodes',
        'with --deploy-agent: snapshot every node with nvidia.com/gpu capacity (or label nvidia.com/gpu.present=true)',
      ),
    )
    .addOption(
      new Option(
        '--workers <n>',
        `with --deploy-agent: fleet mode, at most n agent pods at once (default ${DEFAULT_WORKERS}); with --node-selector alone: snapshot every matching node`,
      ).argParser(intParser('workers', 1)),
    );
}

export function wantsFleet(o: FleetFlags): boolean {
  return !!(o.nodes || o.allGpuNodes || o.workers !== undefined);
}
