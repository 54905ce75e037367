// OS collector: this machine's real /proc and os-release, plus the parsing rules on real files in a temp root.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { OsCollector } from '../../src/collector/os.js';
import type { Measurement } from '../../src/model/snapshot.js';
import { captureLogs, signal, tempDir } from './helpers.js';

function sub(m: Measurement, name: string) {
  return m.subtypes?.find((s) => s.subtype === name);
}

describe('OS collector on this machine', () => {
  let m: Measurement;
  before(async () => {
    m = await new OsCollector().collect(signal());
  });

  it('reports the kernel command line from /proc/cmdline', () => {
    const tokens = readFileSync('/proc/cmdline', 'utf8').trim().split(' ').filter(Boolean);
    const grub = sub(m, 'grub');
    assert.ok(grub, 'grub subtype present');
    for (const tok of tokens) {
      const eq = tok.indexOf('=');
      const key = eq < 0 ? tok : tok.slice(0, eq);
      if (key === 'root') {
        assert.equal(grub.data.root, undefined);
        continue;
      }
      // the last occurrence of a key wins
      const last = [...tokens].reverse().find((t) => t === key || t.startsWith(`${key}=`))!;
      assert.equal(grub.data[key], last.includes('=') ? last.slice(last.indexOf('=') + 1) : '', key);
    }
  });

  it('reports sysctl values from /proc/sys, without the network tree', () => {
    const sysctl = sub(m, 'sysctl');
    assert.ok(sysctl);
    for (const p of ['/proc/sys/kernel/osrelease', '/proc/sys/kernel/pid_max', '/proc/sys/fs/file-max']) {
      if (!existsSync(p)) continue;
      assert.equal(sysctl.data[p], readFileSync(p, 'utf8').trim(), p);
    }
    assert.ok(Object.keys(sysctl.data).length > 50);
    assert.ok(
      Object.keys(sysctl.data).every((k) => k.startsWith('/proc/sys/') && !k.startsWith('/proc/sys/net/')),
    );
    assert.ok(Object.values(sysctl.data).every((v) => typeof v === 'string'));
  });

  it('reports loaded modules when the kernel has /proc/modules, and drops the subtype otherwise', () => {
    const kmod = sub(m, 'kmod');
    if (!existsSync('/proc/modules')) {
      assert.equal(kmod, undefined);
      return;
    }
    assert.ok(kmod);
    const names = readFileSync('/proc/modules', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')[0]!);
    assert.deepEqual(Object.keys(kmod.data).sort(), [...new Set(names)].sort());
    assert.ok(Object.values(kmod.data).every((v) => v === true));
  });

  it('reports /etc/os-release', () => {
    const release = sub(m, 'release');
    assert.ok(release);
    const file = existsSync('/etc/os-release') ? '/etc/os-release' : '/usr/lib/os-release';
    const text = readFileSync(file, 'utf8');
    const id = /^ID=("?)([^"\n]*)\1$/m.exec(text)?.[2];
    assert.equal(release.data.ID, id);
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1];
    if (pretty) assert.equal(release.data.PRETTY_NAME, pretty);
  });

  it('keeps the subtypes in the order grub, sysctl, kmod, release', () => {
    const order = m.subtypes!.map((s) => s.subtype);
    const expected = ['grub', 'sysctl', 'kmod', 'release'].filter((n) => order.includes(n));
    assert.deepEqual(order, expected);
  });
});

describe('OS collector parsing rules (files in a temp root)', () => {
  const t = tempDir('aicr-os-');
  const root = t.dir;
  after(() => t.cleanup());

  const write = (rel: string, content: string | Buffer) => {
    const p = path.join(root, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  };

  before(() => {
    write('proc/cmdline', 'BOOT_IMAGE=/vmlinuz-6.8 root=UUID=abc ro quiet hugepagesz=1G a="x y" ro2=\n');
    write('proc/sys/kernel/pid_max', '4194304\n');
    write('proc/sys/kernel/printk', '4\t4\t1\t7\n');
    write('proc/sys/kernel/empty', '');
    write('proc/sys/sunrpc/transports', 'tcp 1048576\nudp 32768\nrdma  1048576\n');
    write('proc/sys/fs/mixed', 'first line\nsecond\n# comment\n\n');
    write('proc/sys/net/ipv4/ip_forward', '1\n');
    write('proc/sys/dev/cdrom/info', 'CD-ROM information\n');
    write('proc/sys/vm/huge', Buffer.alloc((1 << 20) + 1, 'a'));
    write('proc/sys/vm/binary', Buffer.from([0xff, 0xfe, 0x00]));
    symlinkSync(path.join(root, 'proc/sys/kernel/pid_max'), path.join(root, 'proc/sys/kernel/link'));
    write('usr/lib/os-release', 'ID=ubuntu\nVERSION_ID="24.04"\nNAME=\'Ubuntu\'\nEMPTY=\n# c\nBROKEN\n');
  });

  it('applies the grub, sysctl and release rules; missing /proc/modules drops kmod quietly', async () => {
    const logs = captureLogs();
    let m: Measurement;
    try {
      m = await new OsCollector({ root }).collect(signal());
    } finally {
      logs.restore();
    }
    assert.deepEqual(
      m.subtypes!.map((s) => s.subtype),
      ['grub', 'sysctl', 'release'],
    );
    assert.deepEqual(sub(m, 'grub')!.data, {
      BOOT_IMAGE: '/vmlinuz-6.8',
      ro: '',
      quiet: '',
      hugepagesz: '1G',
      a: '"x',
      'y"': '',
      ro2: '',
    });
    assert.deepEqual(sub(m, 'sysctl')!.data, {
      '/proc/sys/kernel/pid_max': '4194304',
      '/proc/sys/kernel/printk': '4\t4\t1\t7',
      '/proc/sys/kernel/empty': '',
      '/proc/sys/sunrpc/transports/tcp': '1048576',
      '/proc/sys/sunrpc/transports/udp': '32768',
      '/proc/sys/sunrpc/transports/rdma': '1048576',
      '/proc/sys/fs/mixed': 'first line\nsecond',
    });
    // /etc/os-release is absent here, so the fallback is read
    assert.deepEqual(sub(m, 'release')!.data, { ID: 'ubuntu', VERSION_ID: '24.04', NAME: 'Ubuntu' });
    assert.deepEqual(logs.warnings(), [], 'a missing file is not worth a warning');
    assert.ok(logs.lines.some((l) => l.includes('/proc/modules does not exist')));
  });

  it('never fails the measurement when nothing exists', async () => {
    const empty = tempDir('aicr-os-empty-');
    try {
      const logs = captureLogs();
      const m = await new OsCollector({ root: empty.dir }).collect(signal()).finally(logs.restore);
      assert.deepEqual(m, { type: 'OS', subtypes: [] });
    } finally {
      empty.cleanup();
    }
  });

  it('stops when the signal is already aborted', async () => {
    await assert.rejects(new OsCollector({ root }).collect(AbortSignal.abort(new Error('stop'))), /stop/);
  });
});
