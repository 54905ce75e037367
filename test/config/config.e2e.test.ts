// The configuration file (issue 14 §1) through the built CLI: precedence flag > env > file > default for
// several commands, errors naming file, line and key (with "did you mean"), --config from a file and from
// http on 127.0.0.1, AICR_CONFIG, the per-user default file, and aicr config path|view|init.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { ConfigSandbox, HEADER, criteriaOf } from './helpers.js';
import { SNAPSHOT_UBUNTU_2404 } from '../helpers/documents.js';

let box: ConfigSandbox;
let tmp: string;
let xdg: string;
let userFile: string;
let server: Server;
let baseUrl: string;

const cfg = (name: string, body: string) => box.cfg(name, body);
const env = (extra: Record<string, string | undefined> = {}) => box.env(extra);

before(async () => {
  box = new ConfigSandbox();
  ({ tmp, xdg } = box);
  userFile = path.join(xdg, 'aicr', 'config.yaml');
  server = createServer((req, res) => {
    if (req.url === '/team.yaml') {
      res.writeHead(200, { 'content-type': 'application/yaml' });
      res.end(
        `${HEADER}spec:\n  recipe:\n    criteria:\n      service: gke\n      intent: inference\n    output:\n      format: json\n`,
      );
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  box.remove();
});

describe('precedence: flag > environment variable > config file > built-in default', () => {
  test('recipe: criteria and format from the file; a flag (and the --gpu alias) overrides the file', async () => {
    const file = cfg(
      'recipe.yaml',
      `${HEADER}spec:\n  recipe:\n    criteria:\n      service: eks\n      accelerator: h100\n      intent: training\n    output:\n      format: json\n`,
    );
    const fromFile = await runCli(['recipe', '--config', file], { env: env() });
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.deepEqual(
      { ...criteriaOf(fromFile.stdout) },
      { service: 'eks', accelerator: 'h100', intent: 'training', os: 'any', platform: 'any' },
    );
    const flags = await runCli(['recipe', '--config', file, '--service', 'gke', '--gpu', 'a100'], {
      env: env(),
    });
    assert.equal(flags.code, 0, flags.stderr);
    const c = criteriaOf(flags.stdout);
    assert.equal(c.service, 'gke');
    assert.equal(c.accelerator, 'a100');
    assert.equal(c.intent, 'training');
    const formatFlag = await runCli(['recipe', '--config', file, '--format', 'yaml'], { env: env() });
    assert.match(formatFlag.stdout, /^kind: RecipeResult/m);
    // Without a file: the built-in defaults (YAML, any).
    const none = await runCli(['recipe', '--service', 'eks'], { env: env() });
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^kind: RecipeResult/m);
    assert.match(none.stdout, /accelerator: any/);
  });

  test('snapshot --print-manifests: namespace from flag > AICR_NAMESPACE > file > default; a map setting', async () => {
    const file = cfg(
      'snapshot.yaml',
      `${HEADER}spec:\n  snapshot:\n    agent:\n      namespace: from-file\n      nodeSelector:\n        nodeGroup: gpu-worker\n`,
    );
    const ns = (out: string) => [...new Set([...out.matchAll(/^\s+namespace: (\S+)$/gm)].map((m) => m[1]))];
    const fromFile = await runCli(['snapshot', '--print-manifests', '--config', file], { env: env() });
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.deepEqual(ns(fromFile.stdout), ['from-file']);
    assert.match(fromFile.stdout, /nodeSelector:\n\s+nodeGroup: gpu-worker/);
    const fromEnv = await runCli(['snapshot', '--print-manifests', '--config', file], {
      env: env({ AICR_NAMESPACE: 'from-env' }),
    });
    assert.deepEqual(ns(fromEnv.stdout), ['from-env']);
    const fromFlag = await runCli(['snapshot', '--print-manifests', '--config', file, '-n', 'from-flag'], {
      env: env({ AICR_NAMESPACE: 'from-env' }),
    });
    assert.deepEqual(ns(fromFlag.stdout), ['from-flag']);
    const byDefault = await runCli(['snapshot', '--print-manifests'], { env: env() });
    assert.deepEqual(ns(byDefault.stdout), ['default']);
  });

  test('validate: inputs and failOnError from the file; --fail-on-error on the command line wins', async () => {
    const snap = cfg('snap.yaml', SNAPSHOT_UBUNTU_2404);
    const recipe = cfg(
      'failing-recipe.yaml',
      'apiVersion: aicr.nvidia.com/v1alpha1\nkind: RecipeResult\nconstraints:\n  - name: OS.release.VERSION_ID\n    value: "22.04"\n',
    );
    const strict = cfg(
      'validate-strict.yaml',
      `${HEADER}spec:\n  validate:\n    input:\n      recipe: ${recipe}\n      snapshot: ${snap}\n`,
    );
    const lenient = cfg(
      'validate.yaml',
      `${HEADER}spec:\n  validate:\n    input:\n      recipe: ${recipe}\n      snapshot: ${snap}\n    execution:\n      failOnError: false\n    output:\n      format: json\n`,
    );
    assert.equal((await runCli(['validate', '--config', strict], { env: env() })).code, 9);
    const ok = await runCli(['validate', '--config', lenient], { env: env() });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { status: string }).status, 'fail');
    assert.equal(
      (await runCli(['validate', '--config', lenient, '--fail-on-error'], { env: env() })).code,
      9,
    );
  });

  test('bundle: a list flag replaces the file list (never appends); --debug names every source', async () => {
    const file = cfg(
      'bundle.yaml',
      `${HEADER}spec:\n  bundle:\n    input:\n      recipe: ${path.join(tmp, 'missing-recipe.yaml')}\n    deployment:\n      deployer: argocd\n      repo: https://example.com/gitops.git\n      set: ["gpuoperator:a=1", "gpuoperator:b=2"]\n`,
    );
    const r = await runCli(['bundle', '--config', file, '--set', 'nvsentinel:enabled=false', '--debug'], {
      env: env(),
    });
    assert.equal(r.code, 3, r.stderr); // the recipe from the file was looked for: not found
    assert.match(r.stderr, /missing-recipe\.yaml/);
    const setLine = r.stderr.split('\n').find((l) => /msg="option value".*flag=--set /.test(l)) ?? '';
    assert.match(setLine, /nvsentinel:enabled=false/);
    assert.doesNotMatch(setLine, /gpuoperator/);
    assert.match(setLine, /source=flag/);
    assert.match(r.stderr, /flag=--deployer value=argocd source="config [^"]*bundle\.yaml"/);
    assert.match(r.stderr, /flag=--recipe value=\S+missing-recipe\.yaml source="config /);
  });
});

describe('where the configuration comes from', () => {
  test('--config over http(s) on 127.0.0.1', async () => {
    const r = await runCli(['recipe', '--config', `${baseUrl}/team.yaml`, '--accelerator', 'h100'], {
      env: env(),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      { ...criteriaOf(r.stdout) },
      { service: 'gke', accelerator: 'h100', intent: 'inference', os: 'any', platform: 'any' },
    );
    const gone = await runCli(['recipe', '--config', `${baseUrl}/gone.yaml`], { env: env() });
    assert.equal(gone.code, 3, gone.stderr);
  });

  test('the per-user file is read when it exists; AICR_CONFIG and --config take its place', async () => {
    writeFileSync(
      userFile,
      `${HEADER}spec:\n  recipe:\n    criteria:\n      service: aks\n    output:\n      format: json\n`,
    );
    try {
      const user = await runCli(['recipe'], { env: env() });
      assert.equal(user.code, 0, user.stderr);
      assert.equal(criteriaOf(user.stdout).service, 'aks');
      const other = cfg(
        'other.yaml',
        `${HEADER}spec:\n  recipe:\n    criteria:\n      service: oke\n    output:\n      format: json\n`,
      );
      const viaEnv = await runCli(['recipe'], { env: env({ AICR_CONFIG: other }) });
      assert.equal(criteriaOf(viaEnv.stdout).service, 'oke');
      const third = cfg(
        'third.yaml',
        `${HEADER}spec:\n  recipe:\n    criteria:\n      service: kind\n    output:\n      format: json\n`,
      );
      const viaFlag = await runCli(['recipe', '--config', third], { env: env({ AICR_CONFIG: other }) });
      assert.equal(criteriaOf(viaFlag.stdout).service, 'kind');
      // XDG_CONFIG_HOME unset: ~/.config/aicr/config.yaml under HOME.
      const home = path.join(tmp, 'home');
      mkdirSync(path.join(home, '.config', 'aicr'), { recursive: true });
      writeFileSync(path.join(home, '.config', 'aicr', 'config.yaml'), readFileSync(other));
      const viaHome = await runCli(['recipe'], { env: env({ XDG_CONFIG_HOME: undefined, HOME: home }) });
      assert.equal(viaHome.code, 0, viaHome.stderr);
      assert.equal(criteriaOf(viaHome.stdout).service, 'oke');
    } finally {
      rmSync(userFile, { force: true });
    }
  });

  test("a developer's own configuration never reaches the tests", async () => {
    // runCli (and scripts/run-tests.mjs) point XDG_CONFIG_HOME at an empty folder and drop AICR_CONFIG.
    const r = await runCli(['config', 'path']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /aicr\/config\.yaml\t\(not found: no configuration is read\)\n$/);
    assert.ok(
      !process.env.XDG_CONFIG_HOME ||
        !existsSync(path.join(process.env.XDG_CONFIG_HOME, 'aicr', 'config.yaml')),
    );
    assert.equal(process.env.AICR_CONFIG, undefined);
  });
});
