// Fleet flags of `aicr snapshot` that fail before any cluster is touched (exit 2 / 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-fleet-flags-'));
const list = path.join(dir, 'nodes.txt');
writeFileSync(list, 'gpu-1\n# comment\n\ngpu-2\n');

test('fleet flags are checked before the cluster', async () => {
  const cases: [string[], number, RegExp][] = [
    [['--workers', '5', '-o', dir], 2, /need --deploy-agent/],
    [['--deploy-agent', '--workers', '0', '-o', dir], 2, /--workers: must be >= 1/],
    [['--deploy-agent', '--workers', '5', '-o', dir], 2, /fleet mode needs the nodes/],
    [
      ['--deploy-agent', '--nodes', list, '--all-gpu-nodes', '-o', dir],
      2,
      /choose one of --nodes and --all-gpu-nodes/,
    ],
    [['--deploy-agent', '--nodes', list], 2, /--output DIR or cm:\/\/namespace\/prefix is required/],
    [['--deploy-agent', '--nodes', list, '-o', 'cm://other/x', '-n', 'aicr'], 2, /agent namespace "aicr"/],
    [['--deploy-agent', '--nodes', path.join(dir, 'missing.txt'), '-o', dir], 3, /file not found/],
    [['--deploy-agent', '--all-gpu-nodes', '-o', dir, '--format', 'table'], 2, /yaml or json/],
    // Hostile node lists: an endless device is cut at the file cap; a ConfigMap is not a node list.
    [['--deploy-agent', '--nodes', '/dev/zero', '-o', dir], 2, /more than 67108864 bytes \(64 MiB\)/],
    [
      ['--deploy-agent', '--nodes', 'cm://ns/list', '-o', dir],
      2,
      /file, - \(stdin\), an http\(s\) URL or s3:/,
    ],
    [['--deploy-agent', '--nodes', `gs://b/k`, '-o', dir], 2, /scheme is not supported/],
  ];
  for (const [args, code, re] of cases) {
    const r = await runCli(['snapshot', ...args]);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
  }
});
