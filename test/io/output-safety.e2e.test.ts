/**
 * Issue 9 §1 "Writing a file never destroys what was there", through the built CLI, for every command
 * with `-o` (recipe, validate, snapshot): real character devices made with mknod, real FIFOs with a
 * reader, a real Unix socket, symlinks, hard links, modes and owners, output = input, bad paths.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  createReadStream,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { cliPath } from '../helpers/paths.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
/**
 * Why the cases that run the CLI as `nobody` cannot run here, or false: they need root, and a checkout
 * `nobody` can read (a clone under a private 0700 folder, as `mktemp -d` makes, is not).
 */
const cannotRunAsNobody: string | false = !isRoot
  ? 'needs root to run as nobody'
  : spawnSync(process.execPath, [cliPath, '--version'], { uid: NOBODY, gid: NOBODY }).status !== 0 &&
    `the nobody user cannot run ${cliPath} (a folder above the checkout is not readable by others)`;

const SNAPSHOT = `apiVersion: aicr.nvidia.com/v1alpha1
kind: Snapshot
measurements:
  - type: OS
    subtypes:
      - subtype: release
        data:
          ID: ubuntu
          VERSION_ID: "24.04"
`;
const RECIPE = `apiVersion: aicr.nvidia.com/v1alpha1
kind: RecipeResult
constraints:
  - name: OS.release.VERSION_ID
    value: "24.04"
`;

let dir: string;
let n = 0;
/** A fresh folder per case. */
function sub(): string {
  const d = path.join(dir, `c${++n}`);
  mkdirSync(d);
  return d;
}

/** One command line per command that has -o; each writes a document to `out`. */
function commands(d: string): Record<string, (out: string) => string[]> {
  writeFileSync(path.join(d, 'recipe.yaml'), RECIPE);
  writeFileSync(path.join(d, 'snapshot.yaml'), SNAPSHOT);
  return {
    recipe: (out) => ['recipe', '--service', 'eks', '--intent', 'training', '-o', out],
    validate: (out) => [
      'validate',
      '-r',
      path.join(d, 'recipe.yaml'),
      '-s',
      path.join(d, 'snapshot.yaml'),
      '-o',
      out,
    ],
    snapshot: (out) => ['snapshot', '--filter', 'os', '--timeout', '30s', '-o', out],
  };
}

function expectedKind(cmd: string): string {
  return cmd === 'recipe' ? 'RecipeResult' : cmd === 'validate' ? 'ValidationResult' : 'Snapshot';
}

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-out-'));
  chmodSync(dir, 0o755);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('-o writes through what is not a regular file', () => {
  it(
    'a character device made with mknod stays a device (recipe, validate, snapshot)',
    { skip: !isRoot && 'mknod needs root' },
    async () => {
      const d = sub();
      const dev = path.join(d, 'null');
      const mk = spawnSync('mknod', [dev, 'c', '1', '3']);
      assert.equal(mk.status, 0, String(mk.stderr));
      const rdev = statSync(dev).rdev;
      for (const [cmd, args] of Object.entries(commands(d))) {
        const r = await runCli(args(dev));
        assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
        const st = lstatSync(dev);
        assert.ok(st.isCharacterDevice(), `${cmd}: still a character device`);
        assert.equal(st.rdev, rdev, `${cmd}: same device numbers`);
        assert.equal(r.stdout, '');
      }
      assert.deepEqual(readdirSync(d).sort(), ['null', 'recipe.yaml', 'snapshot.yaml'], 'no temp files');
    },
  );

  it('/dev/stdout and /dev/null: the document reaches stdout, /dev/null stays a device', async () => {
    const d = sub();
    for (const [cmd, args] of Object.entries(commands(d))) {
      const r = await runCli(args('/dev/stdout'));
      assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^kind: ${expectedKind(cmd)}$`, 'm'), cmd);
      const nul = await runCli(args('/dev/null'));
      assert.equal(nul.code, 0, `${cmd}: ${nul.stderr}`);
      assert.ok(lstatSync('/dev/null').isCharacterDevice());
    }
  });

  it('a FIFO with a reader receives the whole document and stays a FIFO', async () => {
    const d = sub();
    for (const [cmd, args] of Object.entries(commands(d))) {
      const fifo = path.join(d, `${cmd}.fifo`);
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      // A real reader in another process (cat), as a user would pipe it.
      const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
      let got = '';
      reader.stdout.setEncoding('utf8').on('data', (c) => (got += c));
      const closed = new Promise((res) => reader.on('close', res));
      const r = await runCli(args(fifo));
      await closed;
      assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
      assert.match(got, new RegExp(`^kind: ${expectedKind(cmd)}$`, 'm'), cmd);
      assert.ok(lstatSync(fifo).isFIFO(), `${cmd}: still a FIFO`);
    }
  });

  it('a Unix socket with a listener receives the document and stays a socket', async () => {
    const d = sub();
    const sock = path.join(d, 'out.sock');
    const received: string[] = [];
    const server = net.createServer((c) => {
      let buf = '';
      c.setEncoding('utf8').on('data', (x) => (buf += x));
      c.on('end', () => received.push(buf));
    });
    await new Promise<void>((res) => server.listen(sock, res));
    try {
      const r = await runCli(commands(d).recipe!(sock));
      assert.equal(r.code, 0, r.stderr);
      await new Promise((res) => setTimeout(res, 100));
      assert.equal(received.length, 1);
      assert.match(received[0]!, /^kind: RecipeResult$/m);
      assert.ok(lstatSync(sock).isSocket());
    } finally {
      server.close();
    }
  });

  it('a socket nobody listens on is exit 2, and stays', async (t) => {
    const d = sub();
    const sock = path.join(d, 'dead.sock');
    const server = net.createServer();
    await new Promise<void>((res) => server.listen(sock, res));
    // Closing a listener removes its path; bind a new one without listening to keep a dead socket.
    await new Promise<void>((res) => server.close(() => res()));
    const py = spawnSync('python3', [
      '-c',
      `import socket;s=socket.socket(socket.AF_UNIX);s.bind(${JSON.stringify(sock)})`,
    ]);
    if (py.status !== 0) {
      t.skip('python3 is needed to leave a bound socket without a listener');
      return;
    }
    const r = await runCli(commands(d).recipe!(sock));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cannot write output file .*dead\.sock: nothing listens on the socket/);
    assert.ok(lstatSync(sock).isSocket());
  });
});

describe('-o with descriptors: /dev/stdout, /dev/stderr, process substitution, /dev/fd/N', () => {
  const sh = (line: string) =>
    spawnSync('bash', ['-c', line], {
      env: { ...process.env, AICR: `${process.execPath} ${cliPath}` },
      encoding: 'utf8',
    });

  it('>> behind /dev/stdout appends (the descriptor is written, not the file replaced)', () => {
    const d = sub();
    const f = path.join(d, 'log.txt');
    writeFileSync(f, 'first line\n');
    const r = sh(`$AICR recipe --service eks -o /dev/stdout >> ${f}`);
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(f, 'utf8');
    assert.ok(text.startsWith('first line\nkind: RecipeResult\n'), text.slice(0, 80));
    const e = sh('$AICR recipe --service eks -o /dev/stderr 2>&1 >/dev/null');
    assert.match(e.stdout, /^kind: RecipeResult$/m);
  });

  it('a process substitution >(…) receives the document; an unopened /dev/fd/N is exit 2', () => {
    const d = sub();
    const out = path.join(d, 'sub.yaml');
    const r = sh(`$AICR recipe --service eks -o >(cat > ${out}); sleep 0.3`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(readFileSync(out, 'utf8'), /^kind: RecipeResult$/m);
    const fd7 = path.join(d, 'fd7.yaml');
    const s7 = sh(`$AICR recipe --service eks -o /dev/fd/7 7>${fd7}`);
    assert.equal(s7.status, 0, s7.stderr);
    assert.match(readFileSync(fd7, 'utf8'), /^kind: RecipeResult$/m);
    const bad = sh('$AICR recipe --service eks -o /dev/fd/9');
    assert.ok(bad.status === 2 || bad.status === 4, bad.stderr);
    assert.match(bad.stderr, /cannot write output file \/dev\/fd\/9/);
  });
});

describe('-o and symlinks: written through to the target; the link stays', () => {
  it('a link to a regular file: the target gets the document, the link is still a link', async () => {
    const d = sub();
    const target = path.join(d, 'real.yaml');
    writeFileSync(target, 'old: 1\n');
    chmodSync(target, 0o640);
    const link = path.join(d, 'link.yaml');
    symlinkSync('real.yaml', link);
    for (const [cmd, args] of Object.entries(commands(d))) {
      const r = await runCli(args(link));
      assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
      assert.ok(lstatSync(link).isSymbolicLink(), `${cmd}: the link stays`);
      assert.equal(readlinkSync(link), 'real.yaml');
      assert.match(readFileSync(target, 'utf8'), new RegExp(`^kind: ${expectedKind(cmd)}$`, 'm'));
      assert.equal(statSync(target).mode & 0o7777, 0o640, `${cmd}: the target keeps its mode`);
    }
  });

  it('a chain of links and a dangling link: the final target is written (created when missing)', async () => {
    const d = sub();
    symlinkSync('b.yaml', path.join(d, 'a.yaml'));
    symlinkSync('c.yaml', path.join(d, 'b.yaml'));
    const r = await runCli(commands(d).recipe!(path.join(d, 'a.yaml')));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(lstatSync(path.join(d, 'a.yaml')).isSymbolicLink());
    assert.ok(lstatSync(path.join(d, 'b.yaml')).isSymbolicLink());
    assert.match(readFileSync(path.join(d, 'c.yaml'), 'utf8'), /^kind: RecipeResult$/m);
  });

  it('a link to a device writes through to the device', { skip: !isRoot && 'mknod needs root' }, async () => {
    const d = sub();
    assert.equal(spawnSync('mknod', [path.join(d, 'null'), 'c', '1', '3']).status, 0);
    symlinkSync('null', path.join(d, 'out.yaml'));
    const r = await runCli(commands(d).recipe!(path.join(d, 'out.yaml')));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(lstatSync(path.join(d, 'out.yaml')).isSymbolicLink());
    assert.ok(lstatSync(path.join(d, 'null')).isCharacterDevice());
  });

  it('a symlink loop is exit 2', async () => {
    const d = sub();
    symlinkSync('y', path.join(d, 'x'));
    symlinkSync('x', path.join(d, 'y'));
    const r = await runCli(commands(d).recipe!(path.join(d, 'x')));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /too many levels of symbolic links/);
  });
});

describe('-o regular files: mode, owner and hard links kept; new files get the umask mode', () => {
  it('an existing file keeps its mode (0600, 0755) and the replacement is atomic (no temp left)', async () => {
    const d = sub();
    for (const mode of [0o600, 0o755, 0o444]) {
      const f = path.join(d, `m${mode.toString(8)}.yaml`);
      writeFileSync(f, 'old: 1\n');
      chmodSync(f, mode);
      const r = await runCli(commands(d).recipe!(f));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(statSync(f).mode & 0o7777, mode);
      assert.match(readFileSync(f, 'utf8'), /^kind: RecipeResult$/m);
    }
    assert.ok(
      readdirSync(d).every((x) => !x.includes('.tmp')),
      readdirSync(d).join(' '),
    );
  });

  it('a new file gets 0666 & ~umask (umask 027 → 0640, umask 022 → 0644)', async () => {
    const d = sub();
    for (const [umask, mode] of [
      ['027', 0o640],
      ['022', 0o644],
      ['077', 0o600],
    ] as const) {
      const f = path.join(d, `u${umask}.yaml`);
      const r = spawnSync(
        'sh',
        [
          '-c',
          `umask ${umask} && exec "$0" "$@"`,
          process.execPath,
          cliPath,
          'recipe',
          '--service',
          'eks',
          '-o',
          f,
        ],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.equal(statSync(f).mode & 0o777, mode, `umask ${umask}`);
    }
  });

  it(
    'an existing file keeps its owner and group (root replaces it with chown)',
    { skip: !isRoot && 'needs root' },
    async () => {
      const d = sub();
      const f = path.join(d, 'owned.yaml');
      writeFileSync(f, 'old: 1\n');
      chownSync(f, 1234, 2345);
      chmodSync(f, 0o640);
      const r = await runCli(commands(d).recipe!(f));
      assert.equal(r.code, 0, r.stderr);
      const st = statSync(f);
      assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [1234, 2345, 0o640]);
      assert.match(readFileSync(f, 'utf8'), /^kind: RecipeResult$/m);
    },
  );

  it(
    'a user who cannot chown rewrites in place: owner, mode and inode stay',
    { skip: cannotRunAsNobody },
    async () => {
      const d = sub();
      chownSync(d, NOBODY, NOBODY);
      const f = path.join(d, 'root-owned.yaml');
      writeFileSync(f, 'old: 1\n');
      chmodSync(f, 0o666);
      const ino = statSync(f).ino;
      const r = spawnSync(process.execPath, [cliPath, 'recipe', '--service', 'eks', '-o', f], {
        uid: NOBODY,
        gid: NOBODY,
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      const st = statSync(f);
      assert.deepEqual([st.uid, st.gid, st.mode & 0o7777, st.ino], [0, 0, 0o666, ino]);
      assert.match(readFileSync(f, 'utf8'), /^kind: RecipeResult$/m);
      assert.deepEqual(readdirSync(d), ['root-owned.yaml'], 'no temp files');
    },
  );

  it('a file with another hard link is rewritten in place: both names see the new document', async () => {
    const d = sub();
    const a = path.join(d, 'a.yaml');
    const b = path.join(d, 'b.yaml');
    writeFileSync(a, 'old: 1\n');
    linkSync(a, b);
    const r = await runCli(commands(d).recipe!(a));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(a).ino, statSync(b).ino);
    assert.equal(readFileSync(b, 'utf8'), readFileSync(a, 'utf8'));
    assert.match(readFileSync(b, 'utf8'), /^kind: RecipeResult$/m);
  });
});

describe('an output that is also an input is refused (exit 2) and the input is untouched', () => {
  it('validate -r r.yaml -o r.yaml, -s s.yaml -o s.yaml, through a symlink and a hard link', async () => {
    const d = sub();
    commands(d);
    const r = path.join(d, 'recipe.yaml');
    const s = path.join(d, 'snapshot.yaml');
    symlinkSync('recipe.yaml', path.join(d, 'r-link.yaml'));
    linkSync(s, path.join(d, 's-hard.yaml'));
    const cases: [string, string, string][] = [
      [r, r, '--recipe'],
      [r, s, '--snapshot'],
      [r, path.join(d, 'r-link.yaml'), '--recipe'],
      [r, path.join(d, 's-hard.yaml'), '--snapshot'],
    ];
    for (const [recipe, out, flag] of cases) {
      for (const fmt of ['yaml', 'table']) {
        const res = await runCli(['validate', '-r', recipe, '-s', s, '-o', out, '-t', fmt]);
        assert.equal(res.code, 2, `${out}: ${res.stderr}`);
        assert.match(res.stderr, new RegExp(`is the same file as the ${flag} input`));
        assert.equal(res.stderr.trim().split('\n').length, 1);
      }
    }
    assert.equal(readFileSync(r, 'utf8'), RECIPE);
    assert.equal(readFileSync(s, 'utf8'), SNAPSHOT);
  });

  it('recipe -s s.yaml -o s.yaml, --criteria c.yaml -o c.yaml, -o inside --data, -k kc -o kc', async () => {
    const d = sub();
    commands(d);
    const s = path.join(d, 'snapshot.yaml');
    const c = path.join(d, 'criteria.yaml');
    const criteria = 'kind: RecipeCriteria\napiVersion: aicr.nvidia.com/v1alpha1\nspec: {service: eks}\n';
    writeFileSync(c, criteria);
    const data = path.join(d, 'data');
    mkdirSync(data);
    const registry = 'apiVersion: aicr.nvidia.com/v1alpha1\nkind: ComponentRegistry\ncomponents: []\n';
    writeFileSync(path.join(data, 'registry.yaml'), registry);
    const kc = path.join(d, 'kubeconfig');
    writeFileSync(kc, 'apiVersion: v1\nkind: Config\n');
    const cases: [string[], RegExp][] = [
      [['recipe', '-s', s, '-o', s], /same file as the --snapshot input/],
      [['recipe', '--criteria', c, '-o', c], /same file as the --criteria input/],
      [
        ['recipe', '--service', 'eks', '--data', data, '-o', path.join(data, 'registry.yaml')],
        /inside the --data input directory/,
      ],
      [['recipe', '--service', 'eks', '-k', kc, '-o', kc], /same file as the --kubeconfig input/],
      [['snapshot', '--filter', 'os', '-k', kc, '-o', kc], /same file as the --kubeconfig input/],
    ];
    for (const [args, re] of cases) {
      const res = await runCli(args);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, re);
    }
    assert.equal(readFileSync(s, 'utf8'), SNAPSHOT);
    assert.equal(readFileSync(c, 'utf8'), criteria);
    assert.equal(readFileSync(path.join(data, 'registry.yaml'), 'utf8'), registry);
    assert.equal(readFileSync(kc, 'utf8'), 'apiVersion: v1\nkind: Config\n');
  });

  it('snapshot -o over $KUBECONFIG is refused; /dev/stdout as output next to a /dev/stdin input is fine', async () => {
    const d = sub();
    const kc = path.join(d, 'kc');
    writeFileSync(kc, 'apiVersion: v1\nkind: Config\n');
    const r = await runCli(['snapshot', '--filter', 'os', '-o', kc], { env: { KUBECONFIG: kc } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /same file as the KUBECONFIG input/);
    commands(d);
    const v = await runCli(
      ['validate', '-r', '/dev/stdin', '-s', path.join(d, 'snapshot.yaml'), '-o', '/dev/stdout'],
      {
        input: RECIPE,
      },
    );
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^kind: ValidationResult$/m);
  });
});

describe('unusable output paths: exit 2 (bad path) or 4 (permission), never 8, nothing created', () => {
  it('missing parent, parent is a file, a directory, unsupported schemes', async () => {
    const d = sub();
    writeFileSync(path.join(d, 'file'), 'x');
    mkdirSync(path.join(d, 'adir'));
    const cases: [string, RegExp][] = [
      [path.join(d, 'no', 'such', 'out.yaml'), /folder .*no\/such does not exist/],
      [path.join(d, 'file', 'out.yaml'), /is not a directory/],
      [path.join(d, 'adir'), /it is a directory/],
      [
        'az://bucket/key.yaml',
        /the az:\/\/ scheme is not supported; use a file path, - for stdout, cm:\/\/namespace\/name or s3:\/\/bucket\/key/,
      ],
      ['gs://bucket/key.yaml', /the gs:\/\/ scheme is not supported/],
      ['file:///tmp/x.yaml', /the file:\/\/ scheme is not supported.*give the path itself/],
      ['oci://registry/repo:tag', /the oci:\/\/ scheme is not supported/],
      ['https://example.com/x.yaml', /URLs are read-only/],
    ];
    for (const [cmd, args] of Object.entries(commands(d))) {
      for (const [out, re] of cases) {
        const r = await runCli(args(out), { cwd: d });
        assert.equal(r.code, 2, `${cmd} -o ${out}: ${r.stderr}`);
        assert.match(r.stderr, re, `${cmd} -o ${out}`);
        assert.equal(r.stderr.trim().split('\n').length, 1);
      }
    }
    assert.ok(!existsSync(path.join(d, 'no')));
    assert.ok(!existsSync(path.join(d, 's3:')), 'no local folder named after the scheme');
    assert.ok(!existsSync(path.join(d, 'gs:')));
    assert.deepEqual(readdirSync(path.join(d, 'adir')), []);
  });

  it('a folder the user may not write is exit 4', { skip: cannotRunAsNobody }, async () => {
    const d = sub();
    const ro = path.join(d, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o755);
    const r = spawnSync(
      process.execPath,
      [cliPath, 'recipe', '--service', 'eks', '-o', path.join(ro, 'x.yaml')],
      {
        uid: NOBODY,
        gid: NOBODY,
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 4, r.stderr);
    assert.match(r.stderr, /\[UNAUTHORIZED\] cannot write output file .*x\.yaml: permission denied/);
    assert.deepEqual(readdirSync(ro), []);
  });

  it('bad paths fail before any work: a 30s snapshot never starts collecting', async () => {
    const d = sub();
    const t0 = Date.now();
    const r = await runCli(['snapshot', '-o', path.join(d, 'missing', 'snap.yaml')]);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(Date.now() - t0 < 10_000);
    assert.doesNotMatch(r.stderr, /collect/i);
  });
});

// The reader of a FIFO in this process (for completeness: a reader that is not a child process).
it('FIFO read by this process: bytes arrive in order', async () => {
  const d = sub();
  const fifo = path.join(d, 'in-proc.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const chunks: Buffer[] = [];
  const done = new Promise<void>((res, rej) => {
    createReadStream(fifo)
      .on('data', (c) => chunks.push(c as Buffer))
      .on('end', () => res())
      .on('error', rej);
  });
  const r = await runCli(['recipe', '--service', 'eks', '-t', 'json', '-o', fifo]);
  await done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(Buffer.concat(chunks).toString('utf8')).kind, 'RecipeResult');
});
