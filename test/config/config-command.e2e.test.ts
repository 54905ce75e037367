// The configuration file (issue 14 §1) through the built CLI (split in files to keep each short): precedence flag > env > file > default for
// several commands, errors naming file, line and key (with "did you mean"), --config from a file and from
// http on 127.0.0.1, AICR_CONFIG, the per-user default file, and aicr config path|view|init.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { ConfigSandbox, HEADER } from './helpers.js';

let box: ConfigSandbox;
let tmp: string;
const cfg = (name: string, body: string) => box.cfg(name, body);
const env = (extra: Record<string, string | undefined> = {}) => box.env(extra);

before(() => {
  box = new ConfigSandbox();
  ({ tmp } = box);
});

after(() => box.remove());

describe('aicr config path | view | init', () => {
  test('init writes a commented starter to the per-user file, refuses to overwrite it; path and view read it', async () => {
    const home = path.join(tmp, 'init-xdg');
    const e = { XDG_CONFIG_HOME: home, AICR_CONFIG: undefined };
    const p0 = await runCli(['config', 'path'], { env: e });
    assert.equal(
      p0.stdout,
      `${path.join(home, 'aicr', 'config.yaml')}\t(not found: no configuration is read)\n`,
    );
    const init = await runCli(['config', 'init'], { env: e });
    assert.equal(init.code, 0, init.stderr);
    const file = path.join(home, 'aicr', 'config.yaml');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^kind: AICRConfig$/m);
    assert.match(text, /# failOnError: true {3}# --fail-on-error/);
    const p1 = await runCli(['config', 'path'], { env: e });
    assert.equal(p1.stdout, `${file}\t(exists)\n`);
    const again = await runCli(['config', 'init'], { env: e });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists/);
    assert.ok(again.stderr.includes(file));
    assert.equal(readFileSync(file, 'utf8'), text);
    // The starter is a valid configuration that sets nothing; every command accepts it.
    const view = await runCli(['config', 'view', '-t', 'json'], { env: e });
    assert.equal(view.code, 0, view.stderr);
    assert.deepEqual(JSON.parse(view.stdout), { configFile: file, settings: [] });
    const recipe = await runCli(['recipe', '--service', 'eks'], { env: e });
    assert.equal(recipe.code, 0, recipe.stderr);
    // Uncommenting a setting makes it count.
    writeFileSync(file, text.replace(/^(\s+)# (service: eks) .*$/m, '$1$2'));
    const view2 = await runCli(['config', 'view', '-t', 'json'], { env: e });
    assert.deepEqual(JSON.parse(view2.stdout).settings, [
      { key: 'spec.recipe.criteria.service', flag: '--service', value: 'eks', source: `config ${file}` },
    ]);
  });

  test('every setting of the starter file, uncommented, is valid', async () => {
    const starter = (await runCli(['config', 'init', '-o', '-'], { env: env() })).stdout;
    const all = cfg('all.yaml', starter.replace(/^(\s+)# ([A-Za-z]+: )/gm, '$1$2'));
    const r = await runCli(['config', 'view', '--config', all, '-t', 'json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const keys = (JSON.parse(r.stdout) as { settings: { key: string }[] }).settings.map((s) => s.key);
    assert.ok(keys.includes('spec.bundle.deployment.vendorCharts'));
    assert.ok(keys.length >= 55, String(keys.length));
  });

  test('init --output writes elsewhere (never over a file) or to stdout', async () => {
    const out = path.join(tmp, 'starter.yaml');
    assert.equal((await runCli(['config', 'init', '-o', out], { env: env() })).code, 0);
    assert.ok(existsSync(out));
    assert.equal((await runCli(['config', 'init', '-o', out], { env: env() })).code, 2);
    const stdout = await runCli(['config', 'init', '-o', '-'], { env: env() });
    assert.equal(stdout.stdout, readFileSync(out, 'utf8'));
  });

  test('view shows each value with its source: environment over file; table by default', async () => {
    const file = cfg(
      'view.yaml',
      `${HEADER}metadata:\n  name: team\nspec:\n  snapshot:\n    agent:\n      namespace: from-file\n      image: img:file\n  bundle:\n    deployment:\n      set: ["a:b=c"]\n`,
    );
    const r = await runCli(['config', 'view', '--config', file], { env: env({ AICR_IMAGE: 'img:env' }) });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], `# configuration: ${file}`);
    assert.match(lines[1], /^KEY\s+FLAG\s+VALUE\s+SOURCE$/);
    assert.ok(
      lines.some((l) => /^spec\.snapshot\.agent\.namespace\s+--namespace\s+from-file\s+config /.test(l)),
    );
    assert.ok(
      lines.some((l) => /^spec\.snapshot\.agent\.image\s+--image\s+img:env\s+env AICR_IMAGE$/.test(l)),
    );
    assert.ok(lines.some((l) => /^spec\.bundle\.deployment\.set\s+--set\s+a:b=c\s+config /.test(l)));
    const y = await runCli(['config', 'view', '--config', file, '-t', 'yaml'], { env: env() });
    assert.match(y.stdout, /^configFile: /);
    const bad = await runCli(
      ['config', 'view', '--config', cfg('vbad.yaml', `${HEADER}spec:\n  recipes: {}\n`)],
      { env: env() },
    );
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /line 4: spec\.recipes: unknown key "recipes"; did you mean "recipe"\?/);
  });
});
