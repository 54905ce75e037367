// SystemD collector: fake `systemctl` executables on PATH (this machine has no running systemd).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SystemdCollector, typeValue } from '../../src/collector/systemd.js';
import { captureLogs, envWithPath, fakeExecutable, signal, tempDir } from './helpers.js';

const UNIT_BLOCK = (id: string, active: string) =>
  [
    'Type=notify',
    'Restart=no',
    'ProtectSystem=yes',
    'ProtectControlGroupsEx=yes',
    `Id=${id}`,
    `ActiveState=${active}`,
    'SubState=running',
    'LoadState=loaded',
    'CanStart=yes',
    'Transient=no',
    'MainPID=1234',
    'NRestarts=0',
    'OOMScoreAdjust=-999',
    'UMask=0022',
    'TasksMax=18446744073709551615',
    'LimitNOFILE=1048576',
    'MemoryMax=infinity',
    'TimeoutStartUSec=1min 30s',
    'ExecStart={ path=/usr/bin/containerd ; argv[]=/usr/bin/containerd ; ignore_errors=no }',
    'Description=containerd container runtime',
    'Environment=',
    'AllowedCPUs=',
    'BusName=',
    'LoadCredentialEncrypted=',
    'SetCredential=',
  ].join('\n');

describe('SystemD collector', () => {
  const t = tempDir('aicr-systemd-');
  after(() => t.cleanup());

  it('reports the configured units with typed properties, exact uint64 values and upstream key removals', async () => {
    const dir = path.join(t.dir, 'ok');
    const out = path.join(t.dir, 'show.txt');
    writeFileSync(
      out,
      `${UNIT_BLOCK('containerd.service', 'active')}\n\n${UNIT_BLOCK('docker.service', 'inactive')}\n\n${UNIT_BLOCK('kubelet.service', 'failed')}\n`,
    );
    const argsFile = path.join(t.dir, 'args.txt');
    fakeExecutable(dir, 'systemctl', `echo "$@" > '${argsFile}'\n/bin/cat '${out}'`);
    const logs = captureLogs();
    const m = await new SystemdCollector({ env: envWithPath(dir) }).collect(signal()).finally(logs.restore);
    assert.deepEqual(logs.warnings(), []);
    assert.deepEqual(
      m.subtypes!.map((s) => s.subtype),
      ['containerd.service', 'docker.service', 'kubelet.service'],
    );
    const containerd = m.subtypes![0]!.data;
    assert.equal(containerd.ActiveState, 'active');
    assert.equal(m.subtypes![2]!.data.ActiveState, 'failed');
    assert.equal(containerd.MainPID, 1234);
    assert.equal(containerd.OOMScoreAdjust, -999);
    assert.equal(containerd.TasksMax, 18446744073709551615n, 'uint64 max stays exact');
    assert.equal(containerd.LimitNOFILE, 1048576);
    assert.equal(containerd.CanStart, true);
    assert.equal(containerd.Transient, false);
    assert.equal(containerd.Restart, 'no', 'string-typed property keeps "no"');
    assert.equal(containerd.ProtectSystem, 'yes');
    assert.equal(containerd.ProtectControlGroupsEx, 'yes');
    assert.equal(containerd.UMask, '0022');
    assert.equal(containerd.MemoryMax, 'infinity');
    assert.equal(containerd.TimeoutStartUSec, '1min 30s');
    assert.equal(containerd.Environment, '');
    assert.match(String(containerd.ExecStart), /path=\/usr\/bin\/containerd/);
    for (const gone of ['Id', 'AllowedCPUs', 'BusName', 'LoadCredentialEncrypted', 'SetCredential']) {
      assert.equal(gone in containerd, false, gone);
    }
    assert.match(
      (await import('node:fs')).readFileSync(argsFile, 'utf8'),
      /^show --no-pager -- containerd.service docker.service kubelet.service$/m,
    );
  });

  it('reports an empty measurement and one warning when systemd is not running', async () => {
    const dir = path.join(t.dir, 'down');
    fakeExecutable(
      dir,
      'systemctl',
      `echo 'System has not been booted with systemd as init system (PID 1). Can'"'"'t operate.' >&2\necho 'Failed to connect to bus: Host is down' >&2\nexit 1`,
    );
    const logs = captureLogs();
    const m = await new SystemdCollector({ env: envWithPath(dir) }).collect(signal()).finally(logs.restore);
    assert.deepEqual(m, { type: 'SystemD' });
    const w = logs.warnings();
    assert.equal(w.length, 1);
    assert.match(w[0]!, /systemd is not reachable.*has not been booted with systemd/);
  });

  it('reports an empty measurement and one warning when systemctl is not installed', async () => {
    const dir = path.join(t.dir, 'none');
    fakeExecutable(dir, 'other', 'true');
    const logs = captureLogs();
    const m = await new SystemdCollector({ env: { PATH: dir } }).collect(signal()).finally(logs.restore);
    assert.deepEqual(m, { type: 'SystemD' });
    assert.deepEqual(logs.warnings(), [
      'SystemD: systemctl not found on PATH - SystemD measurement is empty',
    ]);
  });

  it('gives up on a hanging systemctl within its timeout', async () => {
    const dir = path.join(t.dir, 'hang');
    fakeExecutable(dir, 'systemctl', 'sleep 30');
    const logs = captureLogs();
    const started = Date.now();
    const m = await new SystemdCollector({ env: envWithPath(dir), timeoutMs: 1500 })
      .collect(signal())
      .finally(logs.restore);
    assert.ok(Date.now() - started < 5000);
    assert.deepEqual(m, { type: 'SystemD' });
    assert.match(logs.warnings()[0]!, /did not finish within/);
  });

  it('types values: integers (bigint beyond 2^53), yes/no booleans, everything else text', () => {
    assert.equal(typeValue('X', '9007199254740991'), 9007199254740991);
    assert.equal(typeValue('X', '9007199254740993'), 9007199254740993n);
    assert.equal(typeValue('X', '-5'), -5);
    assert.equal(typeValue('X', '007'), '007');
    assert.equal(typeValue('X', '1.5'), '1.5');
    assert.equal(typeValue('X', 'yes'), true);
    assert.equal(typeValue('ProtectHome', 'no'), 'no');
    assert.equal(typeValue('PrivateTmpEx', 'no'), 'no');
  });
});
