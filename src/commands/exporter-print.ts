/** `aicr exporter --print-manifests`: the flags checked, then the DaemonSet and friends on stdout. */
import { invalid } from '../errors/index.js';
import { EXPORTER_NODE_SELECTOR, renderExporterManifests } from '../k8s/exporter-manifests.js';
import { parseNodeSelectors, parseTolerations } from '../k8s/scheduling.js';
import { splitList } from '../util/list.js';
import { dns1123Rule, isDns1123 } from '../util/names.js';
import { writeStdout } from '../util/stdio.js';
import { defaultAgentImage } from '../version/buildinfo.js';

export interface ExporterManifestFlags {
  namespace?: string;
  image?: string;
  imagePullSecret?: string[];
  nodeSelector?: string[];
  toleration?: string[];
  serviceMonitor?: boolean;
  /** The collection flags as given, passed on to the DaemonSet's `aicr exporter`. */
  interval?: string;
  recipe?: string;
  filter?: string[];
  exclude?: string[];
}

export function printExporterManifests(f: ExporterManifestFlags): void {
  const namespace = f.namespace || 'default';
  if (!isDns1123(namespace, 'label'))
    throw invalid(`invalid --namespace "${namespace}": ${dns1123Rule('label')}`);
  const secrets = splitList(f.imagePullSecret);
  for (const s of secrets) {
    if (!isDns1123(s, 'subdomain'))
      throw invalid(`invalid --image-pull-secret "${s}": ${dns1123Rule('subdomain')}`);
  }
  const image = f.image || defaultAgentImage();
  if (/\s/.test(image)) throw invalid(`invalid --image "${image}": an image reference has no whitespace`);
  if (f.recipe && (f.recipe === '-' || !/^(https?|cm):\/\//.test(f.recipe))) {
    throw invalid(
      `--recipe "${f.recipe}" cannot be read inside the DaemonSet; give an http(s):// URL or cm://namespace/name`,
    );
  }
  const args = [
    '--interval',
    f.interval ?? '5m',
    ...(f.recipe ? ['--recipe', f.recipe] : []),
    '--filter',
    splitList(f.filter).length ? splitList(f.filter).join(',') : 'gpu,os,systemd,k8s',
    ...(splitList(f.exclude).length ? ['--exclude', splitList(f.exclude).join(',')] : []),
  ];
  writeStdout(
    renderExporterManifests({
      namespace,
      image,
      imagePullSecrets: secrets,
      nodeSelector: parseNodeSelectors(f.nodeSelector) ?? { ...EXPORTER_NODE_SELECTOR },
      tolerations: parseTolerations(f.toleration),
      args,
      serviceMonitor: !!f.serviceMonitor,
    }),
  );
}
