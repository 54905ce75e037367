/**
 * The agent side of `aicr snapshot`: `--deploy-agent` (run the snapshot as a Kubernetes Job on a cluster
 * node and read it back), `--print-manifests` (write the Job and RBAC manifests instead) and the flags
 * that shape the Job. The use-case lives in src/commands/snapshot-agent.ts, imported on use.
 */
import { Option, type Command } from 'commander';
import type { AgentFlags } from '../commands/snapshot-agent.js';
import { agentModeFromEnv } from '../util/env.js';
import { defaultAgentImage } from '../version/buildinfo.js';
import { boolOption, collect, FlagState } from './flags.js';

export type { AgentFlags };

/** Adds the agent flags to `aicr snapshot`. */
export function addAgentFlags(cmd: Command, st: FlagState): Command {
  return cmd
    .addOption(
      boolOption(
        '--deploy-agent',
        'run the snapshot as a Kubernetes Job on a cluster node and read the result back',
        false,
      ),
    )
    .addOption(
      boolOption(
        '--print-manifests',
        'write the agent Job and RBAC manifests (to --output, or stdout) instead of deploying them',
        false,
      ),
    )
    .addOption(
      new Option(
        '-n, --namespace <ns>',
        'agent namespace: Job, RBAC and result ConfigMap (default "default")',
      )
        .env('AICR_NAMESPACE')
        .argParser(st.once('namespace')),
    )
    .addOption(
      new Option('--image <image>', `agent container image (default "${defaultAgentImage()}")`)
        .env('AICR_IMAGE')
        .argParser(st.once('image')),
    )
    .addOption(
      new Option(
        '--image-pull-secret <name>',
        'image pull secret for the agent image (repeatable)',
      ).argParser(collect),
    )
    .addOption(
      new Option('--job-name <name>', 'agent Job name (default "aicr")').argParser(st.once('job-name')),
    )
    .addOption(
      new Option(
        '--service-account-name <name>',
        'agent ServiceAccount, Role and RoleBinding name (default "aicr")',
      ).argParser(st.once('service-account-name')),
    )
    .addOption(
      new Option(
        '--node-selector <key=value>',
        'schedule the agent on matching nodes (repeatable)',
      ).argParser(collect),
    )
    .addOption(
      new Option(
        '--toleration <key=value:effect>',
        'agent toleration, key=value:effect or key:effect (repeatable; default: tolerate all taints)',
      ).argParser(collect),
    )
    .addOption(new Option('--no-cleanup', 'keep the agent Job and RBAC objects afterwards'))
    .addOption(
      boolOption(
        '--privileged',
        'privileged agent (host namespaces, root) for full node data; --privileged=false for restricted clusters',
        true,
      ),
    )
    .addOption(
      boolOption(
        '--require-gpu',
        'fail when no GPU is detected; the agent also requests nvidia.com/gpu: 1 (env AICR_REQUIRE_GPU)',
        false,
      ).env('AICR_REQUIRE_GPU'),
    )
    .addOption(
      new Option(
        '--runtime-class <name>',
        'agent pod runtimeClassName (e.g. nvidia) with NVIDIA_VISIBLE_DEVICES=all',
      )
        .env('AICR_RUNTIME_CLASS')
        .argParser(st.once('runtime-class')),
    );
}

/** True when the flags ask for the agent (and we are not the agent ourselves). */
export function wantsAgent(o: AgentFlags): boolean {
  if (agentModeFromEnv()) return false;
  return !!(o.deployAgent || o.printManifests);
}
