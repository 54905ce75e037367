// Renders every manifest template of the reference recipe catalog with real component values and
// checks that the output is valid (multi-document) YAML holding the expected Kubernetes kinds.
// Rendering goes through the production path: src/bundle/manifests.ts (renderManifests, templateData)
// with the bundle's template adapter.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { hasShared, referenceCatalogDir } from '../helpers/paths.js';
import { hasManifestContent, renderTemplate } from '../../src/template/index.js';
import { DirectorySource } from '../../src/catalog/directory.js';
import type { PlannedComponent } from '../../src/bundle/components.js';
import { renderManifests, templateData, type TemplateRenderer } from '../../src/bundle/manifests.js';
import { renderTemplate as productionRenderer } from '../../src/bundle/template-adapter.js';

const componentsDir = path.join(referenceCatalogDir, 'components');
const overlaysDir = path.join(referenceCatalogDir, 'overlays');

/** Kinds each reference manifest yields with the component's own values.yaml. */
const EXPECTED_KINDS: Record<string, string[]> = {
  'gke-nccl-tcpxo/nccl-tcpxo-installer.yaml': ['DaemonSet'],
  'gke-nccl-tcpxo/nri-device-injector.yaml': ['DaemonSet'],
  'gpu-operator/dcgm-exporter.yaml': ['ConfigMap'],
  'gpu-operator/gke-resource-quota.yaml': ['ResourceQuota'],
  // renders to comments only unless driver.kernelModuleConfig.name is set
  'gpu-operator/kernel-module-params.yaml': [],
  'kgateway-crds/gateway-api-crds.yaml': Array(5).fill('CustomResourceDefinition'),
  'kgateway-crds/inference-extension-crds.yaml': Array(5).fill('CustomResourceDefinition'),
  'kgateway/inference-gateway.yaml': ['GatewayParameters', 'Gateway'],
  'kubeflow-trainer/torch-distributed-cluster-training-runtime.yaml': ['ClusterTrainingRuntime'],
  'skyhook-customizations/no-op.yaml': ['Skyhook'],
  'skyhook-customizations/tuning-gke.yaml': ['Skyhook'],
  'skyhook-customizations/tuning.yaml': ['Skyhook'],
};

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(target: Dict, source: Dict): Dict {
  const out: Dict = { ...target };
  for (const [k, v] of Object.entries(source)) {
    out[k] = isDict(v) && isDict(out[k]) ? deepMerge(out[k] as Dict, v) : v;
  }
  return out;
}

function loadYaml(file: string): Dict {
  const v: unknown = parse(readFileSync(file, 'utf8'));
  return isDict(v) ? v : {};
}

function componentValues(component: string): Dict {
  const file = path.join(componentsDir, component, 'values.yaml');
  return existsSync(file) ? loadYaml(file) : {};
}

function manifestFiles(): { component: string; file: string }[] {
  const out: { component: string; file: string }[] = [];
  for (const component of readdirSync(componentsDir).sort()) {
    const dir = path.join(componentsDir, component, 'manifests');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) out.push({ component, file });
  }
  return out;
}

/** The planned component the bundle would render (only the fields manifest rendering reads). */
function planned(name: string, extra: Partial<PlannedComponent> = {}): PlannedComponent {
  return {
    name,
    namespace: `${name}-ns`,
    chart: name,
    version: 'v25.3.3',
    ref: { name },
    ...extra,
  } as PlannedComponent;
}

const strictRenderer: TemplateRenderer = (name, text, data) =>
  renderTemplate(text, data, { name, strict: true });

/** One manifest through the production path; '' when the bundle would skip it (no YAML content). */
function render(
  component: string,
  file: string,
  values: Dict,
  extra: Partial<PlannedComponent> = {},
  strict = false,
): Promise<string> {
  return renderPath(component, `components/${component}/manifests/${file}`, values, extra, strict);
}

async function renderPath(
  component: string,
  rel: string,
  values: Dict,
  extra: Partial<PlannedComponent> = {},
  strict = false,
): Promise<string> {
  const c = planned(component, {
    ...extra,
    ref: { name: component, manifestFiles: [rel] } as PlannedComponent['ref'],
  });
  const out = await renderManifests(source(), c, values, strict ? strictRenderer : productionRenderer);
  return out[0]?.content ?? '';
}

let catalog: DirectorySource | undefined;
const source = () => (catalog ??= new DirectorySource(referenceCatalogDir, { requireRegistry: false }));

const parsedCache = new Map<string, Dict[]>();

/** Parses rendered output as multi-document YAML; returns the non-empty documents. */
function documents(out: string): Dict[] {
  const cached = parsedCache.get(out);
  if (cached) return structuredClone(cached);
  const docs = parseAllDocuments(out);
  const result: Dict[] = [];
  for (const d of docs) {
    assert.deepEqual(d.errors, [], `YAML errors: ${d.errors.map((e) => e.message).join('; ')}`);
    const js: unknown = d.toJS();
    if (js === null || js === undefined) continue;
    assert.ok(isDict(js), 'every document is a mapping');
    result.push(js);
  }
  parsedCache.set(out, structuredClone(result));
  return result;
}

const kinds = (docs: Dict[]) => docs.map((d) => d.kind);

describe(
  'reference catalog manifests',
  { skip: hasShared ? false : 'shared reference catalog not present' },
  () => {
    it('every manifest in the catalog has an expected-kinds entry here', async () => {
      const found = manifestFiles().map(({ component, file }) => `${component}/${file}`);
      assert.ok(found.length >= 12);
      assert.deepEqual(found.sort(), Object.keys(EXPECTED_KINDS).sort());
    });

    for (const { component, file } of hasShared ? manifestFiles() : []) {
      const key = `${component}/${file}`;
      for (const strict of [false, true]) {
        it(`${key} renders with the component's values.yaml${strict ? ' (strict Go semantics)' : ''}`, async () => {
          const out = await render(component, file, componentValues(component), {}, strict);
          const want = EXPECTED_KINDS[key] ?? ['<missing expectation>'];
          if (want.length === 0) {
            assert.equal(hasManifestContent(out), false, 'renders to comments only');
            return;
          }
          assert.ok(hasManifestContent(out));
          assert.ok(!out.includes('{{'), 'no template syntax left');
          assert.deepEqual(kinds(documents(out)), want);
        });
      }
    }

    it('every overlay manifestFile renders with merged values and recipe overrides', async () => {
      let rendered = 0;
      for (const overlay of readdirSync(overlaysDir).sort()) {
        const doc = loadYaml(path.join(overlaysDir, overlay));
        const refs = ((doc.spec as Dict | undefined)?.componentRefs ?? []) as Dict[];
        for (const ref of refs) {
          const files = (ref.manifestFiles ?? []) as string[];
          if (files.length === 0) continue;
          const name = String(ref.name);
          let values = componentValues(name);
          if (
            typeof ref.valuesFile === 'string' &&
            existsSync(path.join(referenceCatalogDir, ref.valuesFile))
          ) {
            values = deepMerge(values, loadYaml(path.join(referenceCatalogDir, ref.valuesFile)));
          }
          if (isDict(ref.overrides)) values = deepMerge(values, ref.overrides);
          for (const rel of files) {
            for (const strict of [false, true]) {
              const out = await renderPath(
                name,
                rel,
                values,
                { namespace: 'ns', version: String(ref.version ?? '') },
                strict,
              );
              if (!hasManifestContent(out)) continue;
              const docs = documents(out);
              assert.ok(docs.length > 0, `${overlay}: ${rel}`);
              for (const d of docs) assert.equal(typeof d.kind, 'string', `${overlay}: ${rel} has kinds`);
            }
            rendered++;
          }
        }
      }
      assert.ok(rendered >= 5, `rendered ${rendered} overlay manifests`);
    });
  },
);

describe(
  'reference manifest behaviour',
  { skip: hasShared ? false : 'shared reference catalog not present' },
  () => {
    it('dcgm-exporter: ConfigMap named dcgm-exporter in the release namespace with the v-less chart version', async () => {
      const [cm] = documents(
        await render('gpu-operator', 'dcgm-exporter.yaml', componentValues('gpu-operator'), {
          namespace: 'gpu-operator',
        }),
      );
      const meta = cm!.metadata as Dict;
      assert.equal(meta.name, 'dcgm-exporter');
      assert.equal(meta.namespace, 'gpu-operator');
      assert.deepEqual(meta.labels, {
        'app.kubernetes.io/managed-by': 'Helm',
        'helm.sh/chart': 'gpu-operator-25.3.3',
      });
      assert.match(String((cm!.data as Dict)['dcgm-metrics.csv']), /DCGM_FI_DEV_SM_CLOCK/);
    });

    it('dcgm-exporter: absent when dcgmExporter.config.create is false (bool or string)', async () => {
      const base = componentValues('gpu-operator');
      for (const create of [false, 'false']) {
        const values = deepMerge(base, { dcgmExporter: { config: { create } } });
        assert.equal(hasManifestContent(await render('gpu-operator', 'dcgm-exporter.yaml', values)), false);
      }
      const named = deepMerge(base, { dcgmExporter: { config: { name: 'custom' } } });
      assert.equal(
        (documents(await render('gpu-operator', 'dcgm-exporter.yaml', named))[0]!.metadata as Dict).name,
        'custom',
      );
    });

    it('kernel-module-params: ConfigMap once driver.kernelModuleConfig.name is set', async () => {
      const values = deepMerge(componentValues('gpu-operator'), {
        driver: { kernelModuleConfig: { name: 'gb200-params' } },
      });
      const [cm] = documents(await render('gpu-operator', 'kernel-module-params.yaml', values));
      assert.equal(cm!.kind, 'ConfigMap');
      assert.equal((cm!.metadata as Dict).name, 'gb200-params');
      assert.equal((cm!.data as Dict)['nvidia.conf'], 'options nvidia NVreg_GrdmaPciTopoCheckOverride=1\n');
    });

    it('skyhook tuning: defaults without scheduling flags', async () => {
      const [sk] = documents(
        await render('skyhook-customizations', 'tuning.yaml', { accelerator: 'h100', service: 'eks' }),
      );
      const spec = sk!.spec as Dict;
      assert.equal(spec.runtimeRequired, true);
      assert.equal(spec.autoTaintNewNodes, true);
      assert.deepEqual(spec.additionalTolerations, [{ key: 'dedicated', operator: 'Exists' }]);
      assert.equal(spec.nodeSelectors, undefined);
      const setup = (spec.packages as Dict)['nvidia-setup-kernel'] as Dict;
      assert.deepEqual(setup.configMap, { service: 'eks', accelerator: 'h100' });
    });

    it('skyhook tuning: autoTaintNewNodes false stays false; other values mean true', async () => {
      const taint = async (v: unknown) =>
        (
          documents(await render('skyhook-customizations', 'tuning.yaml', { autoTaintNewNodes: v }))[0]!
            .spec as Dict
        ).autoTaintNewNodes;
      assert.equal(await taint(false), false);
      assert.equal(await taint('false'), false);
      assert.equal(await taint('banana'), true);
      assert.equal(await taint(true), true);
    });

    it('skyhook tuning: scheduling values become tolerations, node selectors and interrupt labels', async () => {
      const values = {
        acceleratedTolerations: [
          { key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' },
        ],
        acceleratedNodeSelector: { nodeGroup: 'gpu-pool' },
        workloadSelector: { app: 'training' },
      };
      const out = await render('skyhook-customizations', 'tuning.yaml', values);
      const spec = documents(out)[0]!.spec as Dict;
      assert.deepEqual(spec.additionalTolerations, values.acceleratedTolerations);
      assert.deepEqual(spec.nodeSelectors, { matchLabels: { nodeGroup: 'gpu-pool' } });
      assert.deepEqual(spec.podNonInterruptLabels, { matchLabels: { app: 'training' } });
      assert.match(out, /\n {2}additionalTolerations:\n {4}- effect: NoSchedule\n {6}key: nvidia.com\/gpu\n/);
    });

    it('skyhook customizations: disabled with enabled=false', async () => {
      for (const file of ['tuning.yaml', 'tuning-gke.yaml', 'no-op.yaml']) {
        assert.equal(
          hasManifestContent(await render('skyhook-customizations', file, { enabled: false })),
          false,
          file,
        );
      }
    });

    it('kgateway: GatewayParameters get the system node selector and tolerations', async () => {
      const values = deepMerge(componentValues('kgateway'), {
        nodeSelector: { nodeGroup: 'system-pool' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'system', effect: 'NoSchedule' }],
      });
      const out = await render('kgateway', 'inference-gateway.yaml', values);
      const [gp, gw] = documents(out);
      assert.deepEqual(kinds([gp!, gw!]), ['GatewayParameters', 'Gateway']);
      const pod = ((gp!.spec as Dict).kube as Dict).podTemplate as Dict;
      assert.deepEqual(pod.nodeSelector, { nodeGroup: 'system-pool' });
      assert.deepEqual(pod.tolerations, values.tolerations);
      assert.match(out, /nodeGroup: system-pool/);
    });

    it('kgateway: no nodeSelector block without system scheduling values', async () => {
      const [gp] = documents(await render('kgateway', 'inference-gateway.yaml', componentValues('kgateway')));
      const pod = ((gp!.spec as Dict).kube as Dict).podTemplate as Dict;
      assert.equal(pod.nodeSelector, undefined);
      assert.equal(pod.tolerations, undefined);
    });

    it('missing optional values render empty in Helm mode and as <no value> in strict mode', async () => {
      const helm = await render('skyhook-customizations', 'tuning-gke.yaml', {});
      const strict = await render('skyhook-customizations', 'tuning-gke.yaml', {}, {}, true);
      assert.match(helm, /\n {8}accelerator: \n/);
      assert.match(strict, /\n {8}accelerator: <no value>\n/);
    });
  },
);

describe('manifest data (src/bundle/manifests.ts templateData)', () => {
  it('puts the values under the component name and normalises the chart version', () => {
    const data = templateData(planned('gpu-operator', { namespace: 'ns' }), { a: 1 });
    assert.deepEqual(data, {
      Values: { 'gpu-operator': { a: 1 } },
      Release: { Name: 'gpu-operator', Namespace: 'ns', Service: 'Helm' },
      Chart: { Name: 'gpu-operator', Version: '25.3.3' },
    });
    const other = templateData(planned('c', { chart: 'chart', version: '' }), {});
    assert.deepEqual(other.Chart, { Name: 'chart', Version: '0.1.0' });
  });

  it('renders upstream-style templates against that data', () => {
    const text =
      'namespace: {{ .Release.Namespace }}\nchart: {{ .Chart.Name }}-{{ .Chart.Version }}\nname: {{ index .Values "my-app" "name" }}\n';
    const data = templateData(
      planned('my-app', { namespace: 'test-ns', chart: 'my-chart', version: '1.0.0' }),
      {
        name: 'controller',
      },
    );
    assert.equal(
      productionRenderer('x.yaml', text, data),
      'namespace: test-ns\nchart: my-chart-1.0.0\nname: controller\n',
    );
  });

  it('names the manifest path in errors', () => {
    assert.throws(
      () =>
        productionRenderer(
          'components/c/manifests/m.yaml',
          'a: 1\nb: {{ .Values.x | nindent 2 }}',
          templateData(planned('c'), {}),
        ),
      {
        message:
          'template components/c/manifests/m.yaml:2:19: at <nindent 2>: invalid value; expected string',
      },
    );
  });

  it('hasManifestContent ignores blank lines, comments and document markers', () => {
    assert.equal(hasManifestContent('# c\n\n---\n  # indented\n...\n--- # x\n'), false);
    assert.equal(hasManifestContent('# c\n---\nkind: X\n'), true);
    assert.equal(renderTemplate('{{- if false }}\nkind: X\n{{- end }}\n', {}), '\n');
  });
});
