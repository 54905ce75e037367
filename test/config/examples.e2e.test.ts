// docs/examples/aicr-config-training.yaml: the end-to-end training journey driven by one AICRConfig
// (snapshot → recipe → validate → bundle), run through the built CLI in a temp folder.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';

const example = path.join(repoRoot, 'docs', 'examples', 'aicr-config-training.yaml');
let cwd: string;

before(() => {
  cwd = mkdtempSync(path.join(os.tmpdir(), 'aicr-config-example-'));
});
after(() => rmSync(cwd, { recursive: true, force: true }));

test('the training journey from one configuration file', async () => {
  const view = await runCli(['config', 'view', '--config', example, '-t', 'json'], { cwd });
  assert.equal(view.code, 0, view.stderr);
  const settings = (JSON.parse(view.stdout) as { settings: { key: string; value: unknown }[] }).settings;
  assert.ok(settings.some((s) => s.key === 'spec.recipe.criteria.accelerator' && s.value === 'h100'));

  // No cluster here: flags override the file's agent deployment and collectors.
  const snap = await runCli(['snapshot', '--config', example, '--deploy-agent=false', '--filter', 'os'], {
    cwd,
  });
  assert.equal(snap.code, 0, snap.stderr);
  assert.match(readFileSync(path.join(cwd, 'snapshot.yaml'), 'utf8'), /^kind: Snapshot$/m);

  const recipe = await runCli(['recipe', '--config', example], { cwd });
  assert.equal(recipe.code, 0, recipe.stderr);
  const recipeText = readFileSync(path.join(cwd, 'recipe.yaml'), 'utf8');
  assert.match(
    recipeText,
    /criteria:\n\s+service: eks\n\s+accelerator: h100\n\s+intent: training\n\s+os: ubuntu\n\s+platform: kubeflow\n\s+nodes: 8/,
  );

  // This machine is no EKS H100 node: constraints fail, which the file makes exit 9 …
  const strict = await runCli(['validate', '--config', example], { cwd });
  assert.equal(strict.code, 9, strict.stderr);
  // … unless the command line says otherwise.
  const lenient = await runCli(['validate', '--config', example, '--fail-on-error=false'], { cwd });
  assert.equal(lenient.code, 0, lenient.stderr);
  assert.match(readFileSync(path.join(cwd, 'validation.yaml'), 'utf8'), /^kind: ValidationResult$/m);

  const bundle = await runCli(['bundle', '--config', example], { cwd });
  assert.equal(bundle.code, 0, bundle.stderr);
  assert.ok(existsSync(path.join(cwd, 'bundle', 'checksums.txt')));
  const values = readFileSync(path.join(cwd, 'bundle', 'gpu-operator', 'values.yaml'), 'utf8');
  assert.match(values, /version: 580\.82\.07/);
  assert.match(values, /nodeGroup: gpu-worker/);
});
