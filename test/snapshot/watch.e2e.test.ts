// `aicr snapshot --watch` through the built CLI, for real: a fake nvidia-smi on PATH whose answer
// changes between calls, a temporary os-release (AICR_OS_ROOT) edited while aicr watches it,
// --on-change runs, -o updated on each change, and SIGTERM / --watch-timeout ending with exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { cliPath, fixturesDir } from '../helpers/paths.js';
import { fakeExecutable } from '../collector/helpers.js';

const CAPTURE = path.join(fixturesDir, 'nvidia-smi', 'h100x8-q-x.xml');

interface Watcher {
  lines: string[];
  stderr: () => string;
  /** Resolves with the nth stdout line (1-based) once it is there. */
  line: (n: number) => Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill: (sig: NodeJS.Signals) => void;
}

function startWatch(args: string[], env: NodeJS.ProcessEnv): Watcher {
  const child = spawn(process.execPath, [cliPath, 'snapshot', '--watch', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buf = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    waiters.splice(0).forEach((w) => w());
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      waiters.splice(0).forEach((w) => w());
      resolve({ code, signal });
    }),
  );
  const line = async (n: number) => {
    while (lines.length < n) {
      if (child.exitCode !== null) throw new Error(`exited before line ${n}: ${err}`);
      await new Promise<void>((r) => waiters.push(r));
    }
    return lines[n - 1];
  };
  return { lines, stderr: () => err, line, exit, kill: (s) => child.kill(s) };
}

function setup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-watch-'));
  const bin = path.join(dir, 'bin');
  const root = path.join(dir, 'root');
  mkdirSync(path.join(root, 'etc'), { recursive: true });
  writeFileSync(path.join(root, 'etc', 'os-release'), 'ID=ubuntu\nVERSION_ID="22.04"\n');
  // First call: the real capture; every later call: a newer driver.
  const count = path.join(dir, 'count');
  fakeExecutable(
    bin,
    'nvidia-smi',
    `n=$(cat '${count}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${count}'
if [ $n -le 1 ]; then cat '${CAPTURE}'; else sed 's#<driver_version>[^<]*<#<driver_version>999.1.2<#' '${CAPTURE}'; fi`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:/usr/bin:/bin`, AICR_OS_ROOT: root };
  for (const k of ['AICR_DEBUG', 'AICR_LOG_JSON', 'KUBECONFIG']) delete env[k];
  return { dir, root, env };
}

test('a changing nvidia-smi: full first snapshot, then one change object with path and patch', async () => {
  const { env } = setup();
  const w = startWatch(['--filter', 'gpu', '--interval', '200ms', '--max-changes', '1'], env);
  const first = JSON.parse(await w.line(1));
  assert.equal(first.snapshot.kind, 'Snapshot');
  assert.equal(first.snapshot.measurements[0].subtypes[0].data.driver, '570.86.15');
  const change = JSON.parse(await w.line(2));
  assert.equal(change.sequence, 1);
  assert.deepEqual(change.changes, [
    { path: 'GPU.smi.driver', change: 'changed', old: '570.86.15', new: '999.1.2' },
  ]);
  assert.deepEqual(change.patch, [
    { op: 'replace', path: '/measurements/0/subtypes/0/data/driver', value: '999.1.2' },
  ]);
  assert.equal((await w.exit).code, 0, w.stderr());
  assert.equal(w.lines.length, 2);
});

test('an os-release edit triggers a collection within a second; --on-change gets it; -o is updated', async () => {
  const { dir, root, env } = setup();
  const out = path.join(dir, 'snap.yaml');
  const log = path.join(dir, 'on-change.log');
  const started = Date.now();
  const w = startWatch(
    [
      '--filter',
      'os',
      '--interval',
      '1h',
      '--max-changes',
      '1',
      '-o',
      out,
      '--on-change',
      `cat > '${log}.json'; echo "$AICR_CHANGE_SEQUENCE $AICR_CHANGE_COUNT $AICR_CHANGE_PATHS" > '${log}'; exit 3`,
      '--debug',
    ],
    env,
  );
  // With -o, the first snapshot goes to the file and stdout carries only changes.
  while (!w.stderr().includes('collecting snapshot')) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(parse(readFileSync(out, 'utf8')).measurements[0].subtypes[0].data.VERSION_ID, '22.04');
  // Atomic replace, as package managers do it.
  const tmp = path.join(root, 'etc', '.os-release.new');
  writeFileSync(tmp, 'ID=ubuntu\nVERSION_ID="24.04"\n');
  const edited = Date.now();
  renameSync(tmp, path.join(root, 'etc', 'os-release'));
  const change = JSON.parse(await w.line(1));
  assert.ok(Date.now() - edited < 1500, `change seen after ${Date.now() - edited} ms`);
  assert.deepEqual(change.changes, [
    { path: 'OS.release.VERSION_ID', change: 'changed', old: '22.04', new: '24.04' },
  ]);
  const r = await w.exit;
  assert.equal(r.code, 0, w.stderr());
  assert.ok(Date.now() - started < 20_000);
  assert.equal(parse(readFileSync(out, 'utf8')).measurements[0].subtypes[0].data.VERSION_ID, '24.04');
  assert.equal(readFileSync(log, 'utf8'), '1 1 OS.release.VERSION_ID\n');
  assert.deepEqual(JSON.parse(readFileSync(`${log}.json`, 'utf8')), change);
  // The command's failure is logged, not fatal.
  assert.match(w.stderr(), /--on-change command failed \(exit status 3\)/);
});

test('SIGTERM and SIGINT stop the watch with exit 0 and only whole lines written', async () => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    const { env } = setup();
    const w = startWatch(['--filter', 'gpu', '--interval', '100ms'], env);
    await w.line(2); // the first snapshot and the driver change; later runs see no change
    await new Promise((r) => setTimeout(r, 300));
    w.kill(sig);
    const r = await w.exit;
    assert.equal(r.code, 0, `${sig}: ${w.stderr()}`);
    assert.equal(w.lines.length, 2);
    for (const l of w.lines) JSON.parse(l);
  }
});

test('--watch-timeout ends a quiet watch with exit 0; watch flags need --watch', async () => {
  const { env } = setup();
  const w = startWatch(['--filter', 'os', '--interval', '100ms', '--watch-timeout', '1s'], env);
  const r = await w.exit;
  assert.equal(r.code, 0, w.stderr());
  assert.equal(w.lines.length, 1);
  const bad = spawn(process.execPath, [cliPath, 'snapshot', '--interval', '1s'], { env, stdio: 'ignore' });
  const code = await new Promise((res) => bad.on('close', res));
  assert.equal(code, 2);
});
