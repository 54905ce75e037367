// GPU collector: fake `nvidia-smi` executables on PATH that print the real 8×H100 capture, fail, hang or
// print garbage.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GpuCollector, parseNvidiaSmiXml } from '../../src/collector/gpu.js';
import type { Measurement } from '../../src/model/snapshot.js';
import { fixturesDir } from '../helpers/paths.js';
import { captureLogs, envWithPath, fakeExecutable, signal, tempDir } from './helpers.js';

const CAPTURE = path.join(fixturesDir, 'nvidia-smi', 'h100x8-q-x.xml');

function smi(m: Measurement) {
  assert.equal(m.type, 'GPU');
  assert.equal(m.subtypes?.length, 1);
  assert.equal(m.subtypes![0]!.subtype, 'smi');
  return m.subtypes![0]!.data;
}

describe('GPU collector', () => {
  const t = tempDir('aicr-gpu-');
  after(() => t.cleanup());

  it('reports the 8×H100 node from the real nvidia-smi capture', async () => {
    const dir = path.join(t.dir, 'ok');
    const argsFile = path.join(t.dir, 'args');
    fakeExecutable(dir, 'nvidia-smi', `echo "$@" > '${argsFile}'\n/bin/cat '${CAPTURE}'`);
    const logs = captureLogs();
    const data = smi(
      await new GpuCollector({ env: envWithPath(dir) }).collect(signal()).finally(logs.restore),
    );
    assert.deepEqual(logs.warnings(), []);
    assert.equal(readFileSync(argsFile, 'utf8').trim(), '-q -x');
    assert.equal(data['gpu-count'], 8);
    assert.equal(data.driver, '570.86.15');
    assert.equal(data['cuda-version'], '12.8');
    assert.equal(data['gpu.model'], 'NVIDIA H100 80GB HBM3');
    assert.equal(data['gpu.product-architecture'], 'Hopper');
    assert.equal(data['gpu.display-mode'], 'Enabled');
    assert.equal(data['gpu.display-active'], 'Disabled');
    assert.equal(data['gpu.persistence-mode'], 'Disabled');
    assert.equal(data['gpu.addressing-mode'], 'None');
    assert.equal(data['gpu.vbios-version'], '96.00.A5.00.01');
    assert.equal(data['gpu.gsp-firmware-version'], '570.86.15');
    assert.equal(data['gpu.memory'], '81559 MiB');
    assert.equal(data['gpu.mig-mode'], 'Disabled');
    // per-GPU facts, read independently from the capture
    const xml = readFileSync(CAPTURE, 'utf8');
    const uuids = [...xml.matchAll(/<uuid>([^<]+)<\/uuid>/g)].map((x) => x[1]);
    assert.equal(uuids.length, 8);
    for (let i = 0; i < 8; i++) {
      assert.equal(data[`gpu.${i}.uuid`], uuids[i]);
      assert.equal(data[`gpu.${i}.model`], 'NVIDIA H100 80GB HBM3');
      assert.equal(data[`gpu.${i}.memory`], '81559 MiB');
      assert.equal(data[`gpu.${i}.mig-mode`], 'Disabled');
    }
    assert.equal(data['gpu.8.uuid'], undefined);
  });

  const degraded = async (
    name: string,
    script: string,
    expect: RegExp,
    opts: { commandTimeoutMs?: number } = {},
  ) => {
    const dir = path.join(t.dir, name);
    fakeExecutable(dir, 'nvidia-smi', script);
    const logs = captureLogs();
    const started = Date.now();
    const m = await new GpuCollector({ env: envWithPath(dir), ...opts })
      .collect(signal())
      .finally(logs.restore);
    assert.deepEqual(smi(m), { 'gpu-count': 0 });
    const w = logs.warnings();
    assert.equal(w.length, 1, `one warning: ${w.join(' | ')}`);
    assert.match(w[0]!, expect);
    return Date.now() - started;
  };

  it('reports gpu-count 0 and the cause when nvidia-smi fails', async () => {
    await degraded(
      'fail',
      `echo 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.' >&2\nexit 9`,
      /nvidia-smi failed \(exit status 9\): NVIDIA-SMI has failed because it could not communicate/,
    );
  });

  it('reports gpu-count 0 when nvidia-smi hangs, after its timeout', async () => {
    const ms = await degraded('hang', 'sleep 30', /nvidia-smi did not finish within 800ms/, {
      commandTimeoutMs: 800,
    });
    assert.ok(ms < 5000, `returned after ${ms} ms`);
  });

  it('reports gpu-count 0 when the output is not XML', async () => {
    await degraded('garbage', `echo '<nvidia_smi_log><gpu>'`, /cannot parse nvidia-smi output/);
    await degraded('text', `echo 'No devices were found'`, /cannot parse nvidia-smi output/);
  });

  it('reports gpu-count 0 when nvidia-smi is not installed', async () => {
    const dir = path.join(t.dir, 'none');
    fakeExecutable(dir, 'other', 'true');
    const logs = captureLogs();
    const m = await new GpuCollector({ env: { PATH: dir } }).collect(signal()).finally(logs.restore);
    assert.deepEqual(smi(m), { 'gpu-count': 0 });
    assert.deepEqual(logs.warnings(), ['GPU: nvidia-smi not found on PATH - reporting gpu-count 0']);
  });

  it('parses a log without GPUs and a MIG-enabled GPU', async () => {
    assert.deepEqual(
      await parseNvidiaSmiXml(
        '<?xml version="1.0" ?><nvidia_smi_log><driver_version>580.65.06</driver_version><cuda_version>13.0</cuda_version><attached_gpus>0</attached_gpus></nvidia_smi_log>',
      ),
      { 'gpu-count': 0, driver: '580.65.06', 'cuda-version': '13.0' },
    );
    const one = await parseNvidiaSmiXml(
      '<nvidia_smi_log><driver_version>580</driver_version><gpu id="0"><product_name>NVIDIA A100-SXM4-80GB</product_name><uuid>GPU-1</uuid><mig_mode><current_mig>Enabled</current_mig></mig_mode></gpu></nvidia_smi_log>',
    );
    assert.equal(one['gpu-count'], 1);
    assert.equal(one['gpu.model'], 'NVIDIA A100-SXM4-80GB');
    assert.equal(one['gpu.mig-mode'], 'Enabled');
    assert.equal(one['gpu.0.mig-mode'], 'Enabled');
    assert.equal(one['gpu.memory'], undefined);
  });
});
