/**
 * The exporter's metrics (prom-client, imported only by `aicr exporter`): node facts from a snapshot as
 * gauges and `_info` series, one series per recipe constraint, and the exporter's own collection metrics.
 * Series of facts are replaced wholesale on every collection, so a value that changed (a driver update)
 * leaves no stale series behind.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ValidationResult } from '../constraint/recipe.js';
import type { Measurement, Snapshot } from '../model/snapshot.js';
import { buildInfo } from '../version/buildinfo.js';

type Data = Record<string, unknown>;

function subtype(snap: Snapshot, type: string, name: string): Data | undefined {
  const m: Measurement | undefined = snap.measurements.find((x) => x.type === type);
  return m?.subtypes?.find((s) => s.subtype === name)?.data as Data | undefined;
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

export class ExporterMetrics {
  readonly registry = new Registry();
  private readonly gpuCount: Gauge;
  private readonly gpuInfo: Gauge;
  private readonly gpuMig: Gauge;
  private readonly driverInfo: Gauge;
  private readonly osInfo: Gauge;
  private readonly kernelInfo: Gauge;
  private readonly k8sInfo: Gauge;
  private readonly collectorUp: Gauge;
  private readonly constraint: Gauge;
  private readonly constraints: Gauge;
  private readonly duration: Histogram;
  private readonly collections: Counter;
  private readonly errors: Counter;
  private readonly lastSuccess: Gauge;

  constructor(
    private readonly collectors: string[],
    private readonly hasRecipe: boolean,
  ) {
    const r = [this.registry];
    const g = (name: string, help: string, labelNames: string[] = []) =>
      new Gauge({ name, help, labelNames, registers: r });
    g('aicr_exporter_build_info', 'Build of the aicr exporter (always 1).', ['version', 'commit']).set(
      { version: buildInfo.version, commit: buildInfo.commit },
      1,
    );
    this.gpuCount = g('aicr_gpus', 'Number of GPUs nvidia-smi reports on this node.');
    this.gpuInfo = g('aicr_gpu_info', 'One series per GPU with its model, UUID and memory (always 1).', [
      'gpu',
      'model',
      'uuid',
      'memory',
    ]);
    this.gpuMig = g('aicr_gpu_mig_mode_enabled', 'Whether MIG mode is enabled on the GPU (1) or not (0).', [
      'gpu',
      'mode',
    ]);
    this.driverInfo = g('aicr_gpu_driver_info', 'NVIDIA driver and CUDA versions (always 1).', [
      'driver_version',
      'cuda_version',
    ]);
    this.osInfo = g('aicr_os_info', 'Operating system from os-release (always 1).', [
      'id',
      'version_id',
      'pretty_name',
    ]);
    this.kernelInfo = g('aicr_kernel_info', 'Running kernel release (always 1).', ['release']);
    this.k8sInfo = g('aicr_kubernetes_info', 'Kubernetes server and kubelet versions (always 1).', [
      'server_version',
      'kubelet_version',
      'container_runtime_version',
    ]);
    this.collectorUp = g(
      'aicr_collector_up',
      'Whether the collector produced a measurement in the last collection (1) or not (0).',
      ['collector'],
    );
    this.constraint = g(
      'aicr_constraint_pass',
      'Recipe constraint result in the last collection: 1 pass, 0 fail or error (skipped constraints have no series).',
      ['constraint', 'phase'],
    );
    this.constraints = g('aicr_constraints', 'Recipe constraints by status in the last collection.', [
      'status',
    ]);
    this.duration = new Histogram({
      name: 'aicr_collection_duration_seconds',
      help: 'Time one collection (snapshot and constraint evaluation) took.',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: r,
    });
    this.collections = new Counter({
      name: 'aicr_collections_total',
      help: 'Collections run since the exporter started.',
      registers: r,
    });
    this.errors = new Counter({
      name: 'aicr_collection_errors_total',
      help: 'Collections that failed, and collectors that produced no measurement, since start.',
      labelNames: ['collector'],
      registers: r,
    });
    this.lastSuccess = g(
      'aicr_last_success_timestamp_seconds',
      'Unix time of the last collection that succeeded.',
    );
    for (const c of collectors) this.errors.inc({ collector: c }, 0);
    this.errors.inc({ collector: 'all' }, 0);
    if (hasRecipe)
      for (const s of ['pass', 'fail', 'skipped', 'error']) this.constraints.set({ status: s }, 0);
  }

  /** Records one successful collection. */
  update(snap: Snapshot, seconds: number, validation: ValidationResult | undefined, now: Date): void {
    this.collections.inc();
    this.duration.observe(seconds);
    const present = new Set(snap.measurements.map((m) => m.type.toLowerCase()));
    const typeOf: Record<string, string> = {
      k8s: 'k8s',
      systemd: 'systemd',
      os: 'os',
      gpu: 'gpu',
      topology: 'nodetopology',
    };
    for (const c of this.collectors) {
      const up = present.has(typeOf[c] ?? c);
      this.collectorUp.set({ collector: c }, up ? 1 : 0);
      if (!up) this.errors.inc({ collector: c });
    }

    for (const m of [
      this.gpuInfo,
      this.gpuMig,
      this.driverInfo,
      this.osInfo,
      this.kernelInfo,
      this.k8sInfo,
    ]) {
      m.reset();
    }
    this.gpuCount.reset();
    const smi = subtype(snap, 'GPU', 'smi');
    if (smi) {
      const count = Number(smi['gpu-count'] ?? 0);
      this.gpuCount.set(Number.isFinite(count) ? count : 0);
      this.driverInfo.set({ driver_version: str(smi.driver), cuda_version: str(smi['cuda-version']) }, 1);
      for (let i = 0; i < count && i < 1024; i++) {
        const model = smi[`gpu.${i}.model`] ?? (i === 0 ? smi['gpu.model'] : undefined);
        if (model === undefined && smi[`gpu.${i}.uuid`] === undefined) continue;
        this.gpuInfo.set(
          {
            gpu: String(i),
            model: str(model),
            uuid: str(smi[`gpu.${i}.uuid`]),
            memory: str(smi[`gpu.${i}.memory`]),
          },
          1,
        );
        const mode = str(smi[`gpu.${i}.mig-mode`] ?? (i === 0 ? smi['gpu.mig-mode'] : ''));
        this.gpuMig.set({ gpu: String(i), mode }, mode.toLowerCase() === 'enabled' ? 1 : 0);
      }
    }
    const release = subtype(snap, 'OS', 'release');
    if (release) {
      this.osInfo.set(
        { id: str(release.ID), version_id: str(release.VERSION_ID), pretty_name: str(release.PRETTY_NAME) },
        1,
      );
    }
    const sysctl = subtype(snap, 'OS', 'sysctl');
    const node = subtype(snap, 'K8s', 'node');
    const kernel = sysctl?.['/proc/sys/kernel/osrelease'] ?? node?.['kernel-version'];
    if (kernel !== undefined) this.kernelInfo.set({ release: str(kernel) }, 1);
    const server = subtype(snap, 'K8s', 'server');
    if (server || node) {
      this.k8sInfo.set(
        {
          server_version: str(server?.version),
          kubelet_version: str(node?.['kubelet-version']),
          container_runtime_version: str(node?.['container-runtime-version']),
        },
        1,
      );
    }

    if (this.hasRecipe && validation) {
      this.constraint.reset();
      const counts: Record<string, number> = { pass: 0, fail: 0, skipped: 0, error: 0 };
      for (const r of validation.results) {
        counts[r.status] = (counts[r.status] ?? 0) + 1;
        if (r.status === 'skipped') continue;
        this.constraint.set({ constraint: r.name, phase: r.phase }, r.status === 'pass' ? 1 : 0);
      }
      for (const [status, n] of Object.entries(counts)) this.constraints.set({ status }, n);
    }
    this.lastSuccess.set(Math.floor(now.getTime() / 1000));
  }

  /** Records a failed collection. */
  failed(seconds: number): void {
    this.collections.inc();
    this.duration.observe(seconds);
    this.errors.inc({ collector: 'all' });
  }
}
