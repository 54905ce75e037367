/**
 * Start-up guard (issue 16, decision 15): commands load only what they use. The built CLI runs with a
 * preload script that records, at exit, the Node built-in modules loaded and the files of dist/ read;
 * `--version`, `recipe`, `query` and `snapshot --filter os` must not load the networking, TLS, crypto,
 * child-process or fs/promises modules, nor the YAML or zod libraries; and each reads only its module
 * groups (decision 16): the first three the start-up core alone (dist/aicr-main.cjs).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

const PRELOAD = `
const fs = require('node:fs');
const path = require('node:path');
const readFileSync = fs.readFileSync;
const files = [];
fs.readFileSync = function (p, ...rest) {
  if (typeof p === 'string') files.push(path.basename(p));
  return readFileSync.call(this, p, ...rest);
};
process.on('exit', () => {
  const modules = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
  fs.writeFileSync(process.env.STARTUP_PROBE_OUT, JSON.stringify({ modules, files }));
});
`;

const HEAVY = ['child_process', 'net', 'http', 'https', 'tls', 'crypto', 'fs/promises', 'stream'];
const LIBS = ['lib-yaml.cjs', 'lib-zod.cjs', 'lib-xml.cjs', 'lib-k8s.cjs'];

describe('start-up loads only what a command uses', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-startup-'));
  const preload = path.join(dir, 'probe.cjs');
  writeFileSync(preload, PRELOAD);
  after(() => rmSync(dir, { recursive: true, force: true }));

  const probe = async (args: string[]) => {
    const out = path.join(dir, `probe-${args[0]}.json`);
    const r = await runCli(args, {
      env: { NODE_OPTIONS: `--require ${preload}`, STARTUP_PROBE_OUT: out, HOME: dir },
    });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(readFileSync(out, 'utf8')) as { modules: string[]; files: string[] };
  };

  // The module groups of the built CLI (decision 16) each command reads.
  for (const [args, groups] of [
    [['--version'], ['main']],
    [['recipe', '--service', 'eks', '--accelerator', 'h100', '--intent', 'training'], ['main']],
    [
      ['query', '--service', 'eks', '--accelerator', 'h100', '--selector', 'components.gpu-operator.version'],
      ['main'],
    ],
    [
      ['snapshot', '--filter', 'os'],
      ['main', 'snapshot'],
    ],
  ] as const) {
    it(`aicr ${args.join(' ')}`, async () => {
      const { modules, files } = await probe([...args]);
      assert.deepEqual(
        files
          .filter((f) => /^aicr-[a-z]+\.cjs$/.test(f))
          .map((f) => f.slice(5, -4))
          .sort(),
        [...groups],
        'module groups read',
      );
      assert.ok(modules.includes('vm'), 'the probe sees the launcher (node:vm)');
      assert.deepEqual(
        HEAVY.filter((m) => modules.includes(m)),
        [],
        'built-in modules this command does not need',
      );
      assert.deepEqual(
        LIBS.filter((f) => files.includes(f)),
        [],
        'libraries this command does not need',
      );
    });
  }
});

describe('the built bundles are ASCII', () => {
  // A single non-ASCII character makes V8 hold the whole 0.5 MB source as a two-byte string (a slower
  // read and decode on every start): write such characters as \u escapes in the source.
  it('dist/aicr*.cjs and dist/lib-*.cjs hold no byte above 0x7f', () => {
    const dist = path.join(path.dirname(new URL(import.meta.url).pathname), '../../dist');
    const bundles = readdirSync(dist).filter((f) => /^aicr.*\.cjs$/.test(f));
    assert.ok(bundles.length >= 4, bundles.join(', '));
    for (const f of [...bundles, ...LIBS]) {
      const bytes = readFileSync(path.join(dist, f));
      const at = bytes.findIndex((b) => b > 0x7f);
      assert.equal(
        at,
        -1,
        `${f}: non-ASCII byte at offset ${at}: …${bytes.subarray(Math.max(0, at - 40), at + 8).toString('latin1')}`,
      );
    }
  });
});
