/**
 * `aicr snapshot --cache-ttl` through the built CLI: hit, miss, TTL, --no-cache, the key, hostile cache
 * entries and folders. The OS collector reads a fake root (AICR_OS_ROOT) whose sysctl value the tests
 * change between runs, so a reused snapshot (old value) is told from a fresh one (new value).
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

describe('snapshot --cache-ttl (built CLI)', () => {
  let dir: string;
  let cache: string;
  let root: string;
  let n = 0;

  const setValue = (v: string) => writeFileSync(path.join(root, 'proc/sys/kernel/probe'), `${v}\n`);
  const snap = (args: string[] = [], env: Record<string, string | undefined> = {}) =>
    runCli(
      [
        'snapshot',
        '--filter',
        'os',
        ...(args.includes('--cache-ttl') ? [] : ['--cache-ttl', '5m']),
        ...(args.includes('-t') ? [] : ['-t', 'json']),
        ...args,
      ],
      {
        env: { XDG_CACHE_HOME: cache, AICR_OS_ROOT: root, HOME: dir, ...env },
        cwd: dir,
      },
    );
  const probe = (stdout: string): string => {
    const doc = JSON.parse(stdout) as {
      measurements: { type: string; subtypes: { subtype: string; data: Record<string, string> }[] }[];
    };
    const os_ = doc.measurements.find((m) => m.type === 'OS')!;
    return os_.subtypes.find((s) => s.subtype === 'sysctl')!.data['/proc/sys/kernel/probe']!;
  };
  const entriesDir = () => path.join(cache, 'aicr', 'snapshots');
  const entries = () => readdirSync(entriesDir()).filter((f) => f.endsWith('.snapshot'));

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-cache-'));
    root = path.join(dir, 'root');
    mkdirSync(path.join(root, 'proc/sys/kernel'), { recursive: true });
    writeFileSync(path.join(root, 'proc/cmdline'), 'quiet\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    cache = path.join(dir, `cache-${++n}`);
  });

  it('a miss collects and stores (0700 folder, 0600 entry); a hit reuses it byte for byte', async () => {
    setValue('one');
    const first = await snap();
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stderr, /reusing/);
    assert.equal(probe(first.stdout), 'one');
    assert.equal(statSync(entriesDir()).mode & 0o777, 0o700);
    assert.equal(entries().length, 1);
    assert.equal(statSync(path.join(entriesDir(), entries()[0]!)).mode & 0o777, 0o600);
    assert.match(entries()[0]!, /^[0-9a-f]{64}\.snapshot$/);

    setValue('two');
    const second = await snap();
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stderr,
      /reusing the snapshot collected .* ago \(--cache-ttl 5m; --no-cache to collect anew\)/,
    );
    assert.equal(second.stdout, first.stdout);
    // YAML output from the same entry.
    const yaml = await snap(['-t', 'yaml']);
    assert.match(yaml.stdout, /probe: one/);

    // --no-cache collects anew and refreshes the entry; the next run reuses the fresh one.
    const fresh = await snap(['--no-cache']);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.doesNotMatch(fresh.stderr, /reusing/);
    assert.equal(probe(fresh.stdout), 'two');
    setValue('three');
    assert.equal(probe((await snap()).stdout), 'two');
    // Without --cache-ttl there is no cache at all.
    const plain = await runCli(['snapshot', '--filter', 'os', '-t', 'json'], {
      env: { XDG_CACHE_HOME: cache, AICR_OS_ROOT: root, HOME: dir },
    });
    assert.equal(probe(plain.stdout), 'three');
  });

  it('the TTL, the collectors and the flags are part of the decision', async () => {
    setValue('a');
    assert.equal((await snap()).code, 0);
    setValue('b');
    // Another collector set, another --max-nodes-per-entry: other keys, collected anew.
    const other = await snap(['--filter', 'os,gpu']);
    assert.equal(other.code, 0, other.stderr);
    assert.doesNotMatch(other.stderr, /reusing/);
    const capped = await snap(['--max-nodes-per-entry', '3']);
    assert.equal(probe(capped.stdout), 'b');
    assert.equal(entries().length, 3);
    // A TTL shorter than the entry's age: collected anew.
    await new Promise((r) => setTimeout(r, 300));
    const expired = await snap(['--cache-ttl', '200ms']);
    assert.equal(expired.code, 0, expired.stderr);
    assert.equal(probe(expired.stdout), 'b');
    assert.doesNotMatch(expired.stderr, /reusing/);
    // Another OS root (another host as far as the collection goes): collected anew.
    const elsewhere = path.join(dir, 'root2');
    mkdirSync(path.join(elsewhere, 'proc/sys/kernel'), { recursive: true });
    writeFileSync(path.join(elsewhere, 'proc/sys/kernel/probe'), 'elsewhere\n');
    assert.equal(probe((await snap([], { AICR_OS_ROOT: elsewhere })).stdout), 'elsewhere');
  });

  it('hostile entries are ignored and replaced: corrupt, symlink, open to others, foreign owner, too big, future', async () => {
    setValue('orig');
    assert.equal((await snap()).code, 0);
    const file = path.join(entriesDir(), entries()[0]!);
    const good = readFileSync(file, 'utf8');
    const header = good.slice(0, good.indexOf('\n'));
    const target = path.join(dir, 'target.yaml');
    const cases: [string, () => void][] = [
      ['garbage body', () => writeFileSync(file, `${header}\n{{{ not: [yaml`, { mode: 0o600 })],
      [
        'not a snapshot',
        () => writeFileSync(file, `${header}\n{"kind": "Recipe", "foo": 1}\n`, { mode: 0o600 }),
      ],
      ['no header', () => writeFileSync(file, good.slice(good.indexOf('\n') + 1), { mode: 0o600 })],
      [
        'future creation time',
        () =>
          writeFileSync(file, good.replace(/"created":\d+/, `"created":${Date.now() + 3600_000}`), {
            mode: 0o600,
          }),
      ],
      [
        'another key in the header',
        () =>
          writeFileSync(file, good.replace(/"key":"[0-9a-f]+"/, `"key":"${'0'.repeat(64)}"`), {
            mode: 0o600,
          }),
      ],
      [
        'symlink',
        () => {
          writeFileSync(target, good);
          rmSync(file, { force: true });
          symlinkSync(target, file);
        },
      ],
      [
        'readable by others',
        () => {
          writeFileSync(file, good);
          chmodSync(file, 0o644);
        },
      ],
      [
        'too big',
        () => {
          writeFileSync(file, good, { mode: 0o600 });
          truncateSync(file, 65 * 1024 * 1024);
        },
      ],
    ];
    if (process.getuid?.() === 0) {
      cases.push([
        'owned by another user',
        () => {
          writeFileSync(file, good, { mode: 0o600 });
          chownSync(file, 65534, 65534);
        },
      ]);
    }
    let value = 0;
    for (const [name, spoil] of cases) {
      rmSync(file, { force: true });
      spoil();
      setValue(`v${++value}`);
      const r = await snap();
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /reusing/, name);
      assert.equal(probe(r.stdout), `v${value}`, name);
      // The entry was replaced by a private regular file holding the fresh snapshot.
      const st = statSync(file, { throwIfNoEntry: false });
      assert.ok(st?.isFile(), name);
      assert.equal(st!.mode & 0o777, 0o600, name);
      assert.match(readFileSync(file, 'utf8'), new RegExp(`probe": "v${value}"`), name);
    }
    // The symlink's target was never written through.
    assert.equal(readFileSync(target, 'utf8'), good);
  });

  it('a cache folder that is a symlink or open to others is neither read nor written', async () => {
    setValue('x');
    const real = path.join(dir, `elsewhere-${n}`);
    mkdirSync(real, { mode: 0o700 });
    mkdirSync(path.join(cache, 'aicr'), { recursive: true });
    symlinkSync(real, entriesDir());
    const r = await snap();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(real), []);
    rmSync(entriesDir());
    mkdirSync(entriesDir(), { mode: 0o777 });
    chmodSync(entriesDir(), 0o777);
    assert.equal((await snap()).code, 0);
    assert.deepEqual(entries(), []);
  });

  it('never in the agent Job, never with --watch or --deploy-agent; a TTL must be a duration > 0', async () => {
    setValue('agent');
    const a = await snap([], { AICR_AGENT_MODE: 'true' });
    assert.equal(a.code, 0, a.stderr);
    assert.equal(statSync(entriesDir(), { throwIfNoEntry: false }), undefined);
    const cases: [string[], RegExp][] = [
      [['--watch'], /--cache-ttl .* cannot be combined with --watch/],
      [['--deploy-agent'], /cannot be combined with --watch, --deploy-agent/],
      [['--cache-ttl', '0'], /--cache-ttl must be greater than 0/],
      [['--cache-ttl', 'soon'], /--cache-ttl/],
    ];
    for (const [args, re] of cases) {
      const r = await snap(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
    }
  });
});
