/**
 * "A bundle is a whole tree, owned by aicr, or nothing" (issue 9 §2), end to end through the built
 * CLI: default output, ownership marker and --force, whole-tree replacement, real signals sent to a
 * real `aicr bundle` mid-run, SIGKILL and recovery, two concurrent processes, stale locks, and the
 * `--data` copy. The slow catalog makes a run last long enough to interrupt it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { cliPath } from '../helpers/paths.js';
import { cleanup, readTree, tempDir } from './helpers.js';
import { sideEntries, slowCatalog, snapshot, start, waitFor, wholeTreeProblem } from './cli-helpers.js';

function aicr(args: string[], cwd?: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.AICR_DEBUG;
  delete env.AICR_LOG_JSON;
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd, env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A PID that no process has now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

describe(
  'bundle output directory (CLI)',
  { skip: existsSync(cliPath) ? false : 'dist/aicr.cjs not built (npm run build)' },
  () => {
    let dir: string;
    let slow: { data: string; recipe: string };
    let fast: { data: string; recipe: string };
    before(() => {
      dir = tempDir('aicr-bundle-out-');
      slow = slowCatalog(path.join(dir, 'slow'), 12, 900_000);
      fast = slowCatalog(path.join(dir, 'fast'), 3, 1);
    });
    after(() => cleanup(dir));

    const bundleArgs = (c: { data: string; recipe: string }, out: string, ...extra: string[]) => [
      'bundle',
      '-r',
      c.recipe,
      '--data',
      c.data,
      '-o',
      out,
      ...extra,
    ];

    it('writes to a new ./bundle by default and leaves README.md and recipe.yaml of the cwd alone', () => {
      const cwd = path.join(dir, 'cwd-default');
      mkdirSync(cwd);
      writeFileSync(path.join(cwd, 'README.md'), '# my project\n');
      writeFileSync(path.join(cwd, 'recipe.yaml'), readFileSync(fast.recipe));
      const before = snapshot(cwd);
      const r = aicr(['bundle', '-r', 'recipe.yaml', '--data', fast.data], cwd);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(`Output directory: ${path.join(cwd, 'bundle').replace(/[/.]/g, '\\$&')}\\n`),
      );
      assert.equal(wholeTreeProblem(path.join(cwd, 'bundle')), undefined);
      assert.ok(existsSync(path.join(cwd, 'bundle', '.aicr-bundle')));
      for (const [f, c] of before) assert.equal(snapshot(cwd).get(f), c, `${f} changed`);
      assert.deepEqual(readdirSync(cwd).sort(), ['README.md', 'bundle', 'recipe.yaml']);
    });

    it('refuses -o . in a directory that is not a bundle (exit 2), changing nothing', () => {
      const cwd = path.join(dir, 'cwd-dot');
      mkdirSync(cwd);
      writeFileSync(path.join(cwd, 'README.md'), '# mine\n');
      writeFileSync(path.join(cwd, 'recipe.yaml'), readFileSync(fast.recipe));
      const before = snapshot(cwd);
      const r = aicr(['bundle', '-r', 'recipe.yaml', '--data', fast.data, '-o', '.'], cwd);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /not empty and is not an aicr bundle \(no \.aicr-bundle marker\).*--force/);
      assert.equal(
        r.stderr.split('\n').filter((l) => l && !l.startsWith('[cli] ')).length,
        0,
        'one line each',
      );
      assert.deepEqual(snapshot(cwd), before);
      const sub = aicr(
        ['bundle', '-r', path.join(cwd, 'recipe.yaml'), '--data', fast.data, '-o', cwd, '--force'],
        dir,
      );
      assert.equal(sub.code, 2, sub.stderr);
      assert.match(sub.stderr, /--force would delete .*recipe\.yaml, an input of this command/);
      const f = aicr(['bundle', '-r', 'recipe.yaml', '--data', fast.data, '-o', '.', '--force'], cwd);
      assert.equal(f.code, 2, f.stderr);
      assert.match(f.stderr, /--force does not replace the current directory/);
      assert.deepEqual(snapshot(cwd), before);
    });

    it('replaces a non-bundle directory only with --force, and never a file', () => {
      const out = path.join(dir, 'foreign');
      mkdirSync(out);
      writeFileSync(path.join(out, 'keep.txt'), 'x');
      assert.equal(aicr(bundleArgs(fast, out)).code, 2);
      assert.deepEqual(readdirSync(out), ['keep.txt']);
      const r = aicr(bundleArgs(fast, out, '--force'));
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!existsSync(path.join(out, 'keep.txt')));
      assert.equal(wholeTreeProblem(out), undefined);
      const file = path.join(dir, 'a-file');
      writeFileSync(file, 'x');
      const f = aicr(bundleArgs(fast, file, '--force'));
      assert.equal(f.code, 2);
      assert.match(f.stderr, /exists and is not a directory/);
      assert.equal(readFileSync(file, 'utf8'), 'x');
      // An empty directory is accepted without --force.
      const empty = path.join(dir, 'empty');
      mkdirSync(empty);
      assert.equal(aicr(bundleArgs(fast, empty)).code, 0);
      assert.equal(wholeTreeProblem(empty), undefined);
    });

    it('follows a symlink to a bundle directory (the target is replaced) and refuses a dangling one', () => {
      const target = path.join(dir, 'link-target');
      assert.equal(aicr(bundleArgs(fast, target)).code, 0);
      const link = path.join(dir, 'link');
      symlinkSync(target, link);
      const r = aicr(bundleArgs(fast, link, '--set', 'slow-00:variant=b'));
      assert.equal(r.code, 0, r.stderr);
      assert.ok(lstatSync(link).isSymbolicLink(), 'the link stays a link');
      assert.match(readFileSync(path.join(target, 'slow-00/manifests/cm.yaml'), 'utf8'), /variant: "b"/);
      assert.equal(wholeTreeProblem(target), undefined);
      const dangling = path.join(dir, 'dangling');
      symlinkSync(path.join(dir, 'nowhere'), dangling);
      const d = aicr(bundleArgs(fast, dangling));
      assert.equal(d.code, 2, d.stderr);
      assert.match(d.stderr, /symlink to nothing/);
      assert.ok(!existsSync(path.join(dir, 'nowhere')));
    });

    it('refuses a bundle of a newer format without --force', () => {
      const out = path.join(dir, 'newer');
      assert.equal(aicr(bundleArgs(fast, out)).code, 0);
      writeFileSync(path.join(out, '.aicr-bundle'), 'aicr-bundle-format: 99\n');
      const r = aicr(bundleArgs(fast, out));
      assert.equal(r.code, 2);
      assert.match(r.stderr, /format 99/);
    });

    it('re-bundling replaces the whole tree: stale and foreign files are gone, checksums pass', () => {
      const out = path.join(dir, 'rebundle');
      assert.equal(aicr(bundleArgs(fast, out)).code, 0);
      writeFileSync(path.join(out, 'slow-00', 'manifests', 'stale.yaml'), 'kind: Stale\n');
      writeFileSync(path.join(out, 'notes.txt'), 'x');
      const r = aicr(bundleArgs(fast, out, '--set', 'slow-01:enabled=false'));
      assert.equal(r.code, 0, r.stderr);
      const tree = readTree(out);
      assert.ok(!tree.has('slow-00/manifests/stale.yaml'));
      assert.ok(!tree.has('notes.txt'));
      assert.ok(![...tree.keys()].some((f) => f.startsWith('slow-01/')), 'disabled component removed');
      assert.equal(wholeTreeProblem(out), undefined);
      assert.deepEqual(sideEntries(out), []);
    });

    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      it(`${signal} mid-run: exit ${code}, previous bundle intact, nothing left beside it`, async () => {
        const out = path.join(dir, `sig-${signal}`);
        assert.equal(aicr(bundleArgs(fast, out)).code, 0);
        const before = snapshot(out);
        // Two moments: as soon as the staging directory exists, and with half the components staged.
        for (const staged of [0, 6]) {
          const child = start(bundleArgs(slow, out));
          await waitFor('staging directory', () => sideEntries(out).some((n) => n.includes('staging')));
          const staging = path.join(
            dir,
            sideEntries(out).find((n) => n.includes('staging'))!,
          );
          await waitFor(`${staged} components staged`, () => {
            try {
              return readdirSync(staging).length >= staged;
            } catch {
              return true;
            }
          });
          child.proc.kill(signal);
          const res = await child.done;
          assert.equal(res.code, code, res.stderr);
          assert.match(res.stderr, new RegExp(`interrupted by ${signal}: bundle not written`));
          assert.deepEqual(snapshot(out), before, 'old tree unchanged');
          assert.deepEqual(sideEntries(out), [], 'no staging, old tree or lock left');
        }
      });
    }

    it('SIGINT before the output is opened leaves nothing at all', async () => {
      const out = path.join(dir, 'sig-early', 'deep', 'bundle');
      const child = start(bundleArgs(slow, out));
      await new Promise((r) => setTimeout(r, 100));
      child.proc.kill('SIGINT');
      const res = await child.done;
      // Before the command is set up the signal's default action ends the process; after, exit 130.
      assert.ok(res.code === 130 || res.signal === 'SIGINT', `${res.code} ${res.signal}`);
      assert.ok(!existsSync(path.join(dir, 'sig-early')), 'no parent directories left behind');
    });

    it('SIGKILL mid-run keeps the old tree; the next run recovers the lock and removes leftovers', async () => {
      const out = path.join(dir, 'killed');
      assert.equal(aicr(bundleArgs(fast, out)).code, 0);
      const before = snapshot(out);
      const child = start(bundleArgs(slow, out));
      await waitFor('staging directory', () => sideEntries(out).some((n) => n.includes('staging')));
      await new Promise((r) => setTimeout(r, 300));
      child.proc.kill('SIGKILL');
      await child.done;
      assert.deepEqual(snapshot(out), before, 'old tree intact after SIGKILL');
      assert.ok(sideEntries(out).length > 0, 'a killed run leaves its staging and lock');
      const r = aicr(bundleArgs(fast, out, '--set', 'slow-00:variant=b'));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sideEntries(out), [], 'leftovers removed');
      assert.equal(wholeTreeProblem(out), undefined);
      assert.match(readFileSync(path.join(out, 'slow-00/manifests/cm.yaml'), 'utf8'), /variant: "b"/);
    });

    it('restores an old tree a killed run had moved aside but not replaced', () => {
      const out = path.join(dir, 'half-swapped');
      assert.equal(aicr(bundleArgs(fast, out)).code, 0);
      const before = snapshot(out);
      // The state a SIGKILL between "old aside" and "new in" leaves: no output, old tree hidden
      // beside it, a staging directory and the dead run's lock.
      renameSync(out, path.join(dir, '.half-swapped.aicr-old-0123456789ab'));
      mkdirSync(path.join(dir, '.half-swapped.aicr-staging-0123456789ab'));
      writeFileSync(path.join(dir, '.half-swapped.aicr-lock'), `pid: ${deadPid()}\nstart: 1\n`);
      // A run that fails after taking the lock (bad template) still recovers the old tree.
      const bad = slowCatalog(path.join(dir, 'bad'), 1, 1);
      writeFileSync(
        path.join(bad.data, 'components/slow-00/manifests/cm.yaml'),
        '{{ repeat 100000000 "x" }}',
      );
      const r = aicr(bundleArgs(bad, out));
      assert.equal(r.code, 2, r.stderr);
      assert.deepEqual(snapshot(out), before, 'old tree restored');
      assert.deepEqual(sideEntries(out), []);
    });

    it('restores a directory a killed --force run had moved aside (not a bundle) too', () => {
      const out = path.join(dir, 'forced-half');
      mkdirSync(path.join(dir, '.forced-half.aicr-old-00aa'));
      writeFileSync(path.join(dir, '.forced-half.aicr-old-00aa', 'mine.txt'), 'keep me\n');
      writeFileSync(path.join(dir, '.forced-half.aicr-lock'), `pid: ${deadPid()}\nstart: 1\n`);
      const bad = slowCatalog(path.join(dir, 'bad2'), 1, 1);
      writeFileSync(
        path.join(bad.data, 'components/slow-00/manifests/cm.yaml'),
        '{{ repeat 100000000 "x" }}',
      );
      const r = aicr(bundleArgs(bad, out, '--force'));
      assert.equal(r.code, 2, r.stderr);
      assert.equal(readFileSync(path.join(out, 'mine.txt'), 'utf8'), 'keep me\n');
      assert.deepEqual(sideEntries(out), []);
    });

    it('two bundles at once into one directory: the second fails "in use by PID n" (exit 6), the first wins whole', async () => {
      const out = path.join(dir, 'concurrent');
      const a = start(bundleArgs(slow, out));
      await waitFor('lock file', () => sideEntries(out).includes('.concurrent.aicr-lock'));
      const b = start(bundleArgs(fast, out));
      const rb = await b.done;
      assert.equal(rb.code, 6, rb.stderr);
      assert.match(rb.stderr, new RegExp(`in use by PID ${a.proc.pid}\\b`));
      const ra = await a.done;
      assert.equal(ra.code, 0, ra.stderr);
      assert.equal(wholeTreeProblem(out), undefined);
      assert.ok(readTree(out).has('slow-11/manifests/cm.yaml'), 'the slow bundle won, whole');
      assert.deepEqual(sideEntries(out), []);
    });

    it('takes over a stale lock (and a stale breaker) of dead processes', () => {
      const out = path.join(dir, 'stale-lock');
      writeFileSync(path.join(dir, '.stale-lock.aicr-lock'), `pid: ${deadPid()}\nstart: 1\n`);
      // …and the breaker of a run killed while it was taking that lock over.
      writeFileSync(path.join(dir, '.stale-lock.aicr-lock.break'), `pid: ${deadPid()}\nstart: 1\n`);
      const r = aicr(bundleArgs(fast, out));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sideEntries(out), []);
    });

    it('copies only the --data files the bundle used: no dotfiles, .git, keys or unreferenced files', () => {
      const c = slowCatalog(path.join(dir, 'junk'), 2, 1);
      mkdirSync(path.join(c.data, '.git'));
      writeFileSync(path.join(c.data, '.git', 'config'), '[core]\n');
      writeFileSync(path.join(c.data, '.env'), 'TOKEN=secret\n');
      writeFileSync(path.join(c.data, 'id_rsa'), 'PRIVATE\n');
      writeFileSync(path.join(c.data, 'components', 'slow-00', 'values.yaml~'), 'x: 1\n');
      writeFileSync(path.join(c.data, 'components', 'slow-00', 'manifests', '.cm.yaml.swp'), 'x');
      mkdirSync(path.join(c.data, 'components', 'unused'));
      writeFileSync(path.join(c.data, 'components', 'unused', 'values.yaml'), 'x: 1\n');
      const out = path.join(dir, 'junk-out');
      const r = aicr(bundleArgs(c, out, '--set', 'slow-01:enabled=false'));
      assert.equal(r.code, 0, r.stderr);
      const data = [...readTree(out).keys()].filter((f) => f.startsWith('data/'));
      assert.deepEqual(data, [
        'data/components/slow-00/manifests/cm.yaml',
        'data/components/slow-00/values.yaml',
        'data/registry.yaml',
      ]);
      const sums = readFileSync(path.join(out, 'checksums.txt'), 'utf8');
      assert.doesNotMatch(sums, /\.git|\.env|id_rsa|unused|~|\.swp|slow-01/);
      assert.equal(wholeTreeProblem(out), undefined);
    });

    it('prints the output path shell-quoted in the next steps', () => {
      const out = path.join(dir, "it's a dir");
      const r = aicr(bundleArgs(fast, out));
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.includes(`1. cd '${out.replace(/'/g, `'\\''`)}'\n`), r.stdout);
      const nl = path.join(dir, 'new\nline');
      const n = aicr(bundleArgs(fast, nl));
      assert.equal(n.code, 0, n.stderr);
      assert.ok(n.stdout.includes(`1. cd $'${dir}/new\\nline'\n`), n.stdout);
    });
  },
);
