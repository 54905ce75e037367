// Templates are sandboxed and bounded (issue 9 §5): output size, value size, list length, total
// produced, range iterations and time; each breach an exit-2 TemplateError naming the template.
// Field access never reaches inherited properties; template maps have no prototype.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exitCodeFor } from '../../src/errors/index.js';
import { renderTemplate, sprintf, TemplateError, type TemplateOptions } from '../../src/template/index.js';

const r = (text: string, data: unknown = {}, opts: TemplateOptions = {}) =>
  renderTemplate(text, data, { name: 'components/x/manifests/t.yaml', ...opts });

function rejects(text: string, pattern: RegExp, opts: TemplateOptions = {}, data: unknown = {}): void {
  assert.throws(
    () => r(text, data, opts),
    (e: unknown) => {
      assert.ok(e instanceof TemplateError, String(e));
      assert.match(e.message, /^template components\/x\/manifests\/t\.yaml:\d+:\d+: /);
      assert.match(e.message, pattern);
      assert.equal(exitCodeFor(e), 2);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    },
  );
}

describe('template limits', () => {
  it('a doubling printf loop stops at the value limit', () => {
    rejects(
      '{{ $s := "x" }}{{ range until 100 }}{{ $s = printf "%s%s" $s $s }}{{ end }}{{ $s }}',
      /printf would print more than the limit of 10485760 characters/,
    );
  });

  it('range until 100000000 stops at the list limit; iterations are bounded in total', () => {
    rejects(
      '{{ range until 100000000 }}x{{ end }}',
      /until 100000000 would return more than the limit of 1000000 elements/,
    );
    rejects(
      '{{ range until 1000 }}{{ range until 1000 }}{{ end }}{{ range until 10 }}{{ end }}{{ end }}',
      /range iterations exceed the limit of 1000000/,
    );
  });

  it('output is bounded', () => {
    rejects(
      '{{ $s := repeat 1048576 "x" }}{{ range until 11 }}{{ $s }}{{ end }}',
      /template output exceeds the limit/,
    );
    // also through nested templates
    rejects(
      '{{ define "a" }}{{ $s := repeat 1048576 "x" }}{{ range until 11 }}{{ $s }}{{ end }}{{ end }}{{ include "a" . | len }}',
      /template output exceeds the limit/,
    );
  });

  it('string-growing functions are checked before they build the value', () => {
    rejects('{{ repeat 1000000000 "x" }}', /repeat would return 1000000000 characters/);
    rejects('{{ indent 100000000 "a\\nb" }}', /indent would return/);
    rejects('{{ $s := repeat 5000000 "x" }}{{ replace "x" "yyy" $s }}', /replace would return/);
    rejects(
      '{{ $s := repeat 10000000 "x" }}{{ list $s $s | toJson }}',
      /toJson would print more than the limit/,
    );
    rejects('{{ $s := repeat 10000000 "x" }}{{ join "," (list $s $s) }}', /join would print more/);
  });

  it('total production is bounded (growing lists in a loop)', () => {
    rejects('{{ $l := list }}{{ range until 100000 }}{{ $l = append $l 1 }}{{ end }}', /produced more than/, {
      limits: { maxProduced: 1_000_000 },
    });
  });

  it('time is bounded', () => {
    const t0 = Date.now();
    rejects(
      '{{ $s := repeat 100000 "x" }}{{ range until 1000000 }}{{ $s | sha256sum }}{{ end }}',
      /exceeded the time limit of 200 ms/,
      { limits: { maxTimeMs: 200 } },
    );
    assert.ok(Date.now() - t0 < 5000);
  });

  it('exponential recursion through include is stopped by the time limit', () => {
    const t0 = Date.now();
    rejects(
      '{{ define "a" }}{{ if lt (len .) 40 }}{{ include "a" (append . 1) }}{{ include "a" (append . 1) }}{{ end }}{{ end }}{{ include "a" (list) }}',
      /exceeded the time limit of 300 ms/,
      { limits: { maxTimeMs: 300 } },
    );
    assert.ok(Date.now() - t0 < 5000);
  });

  it('printf bounds widths and precisions as Go does (BADWIDTH, BADPREC, NOVERB)', () => {
    assert.equal(sprintf('%*d', [2_000_000, 1]), '%!(BADWIDTH)1');
    assert.equal(sprintf('%.*d', [2_000_000, 1]), '%!(BADPREC)1');
    assert.equal(sprintf('%99999999d', [1]), '%!(NOVERB)%!(EXTRA int=1)');
    assert.equal(sprintf('%5d|%-4s|', [1, 'a']), '    1|a   |');
    assert.equal(r('{{ printf "%999999999d" 1 }}'), '%!(NOVERB)%!(EXTRA int=1)');
  });

  it('ordinary templates are unaffected', () => {
    assert.equal(
      r('{{ range $i, $v := until 3 }}{{ $i }}{{ end }} {{ repeat 3 "ab" }} {{ indent 2 "a" }}'),
      '012 ababab   a',
    );
  });
});

describe('template field access never reaches inherited properties', () => {
  const data = { Values: { c: { a: 1 } } };
  it('prototype names read as missing', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'])
      assert.equal(
        r(
          `[{{ .Values.${name} }}][{{ index .Values "${name}" }}][{{ .Values.c.${name} }}][{{ hasKey .Values "${name}" }}]`,
          data,
        ),
        '[][][][false]',
        name,
      );
  });

  it('dict/set/merge-style functions make own keys, never prototypes', () => {
    assert.equal(r('{{ $d := dict "__proto__" "x" }}{{ $d.__proto__ }} {{ keys $d }}'), 'x [__proto__]');
    assert.equal(
      r('{{ $d := dict }}{{ $_ := set $d "__proto__" (dict "polluted" 1) }}[{{ $d.polluted }}]'),
      '[]',
    );
    assert.equal(r('{{ toJson (dict "__proto__" 1 "constructor" 2) }}'), '{"__proto__":1,"constructor":2}');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('property: arbitrary key paths through the engine never change Object.prototype', () => {
    const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');
    const before = protoKeys();
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString'),
            fc.string({ maxLength: 8 }),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.string({ maxLength: 8 }),
        (keys, value) => {
          const q = (s: string) => JSON.stringify(s);
          const path = keys.map(q).join(' ');
          const text = `{{ $d := dict }}{{ $_ := set $d ${q(keys[0]!)} ${q(value)} }}[{{ index .Values ${path} }}][{{ index $d ${q(keys[0]!)} }}]`;
          const out = r(text, { Values: {} });
          assert.equal(out, `[][${value}]`);
          assert.equal(protoKeys(), before);
        },
      ),
      { numRuns: 200 },
    );
  });
});
