// Template syntax: text and actions, trim markers, comments, literals, pipelines, variables and
// scoping, control structures, define/template/block. Expected outputs match Go's text/template.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, renderTemplate, type TemplateOptions } from '../../src/template/index.js';

const r = (text: string, data: unknown = {}, opts: TemplateOptions = {}) =>
  renderTemplate(text, data, { name: 't.yaml', ...opts });

describe('text and trim markers', () => {
  it('copies text without actions verbatim', () => {
    assert.equal(r('plain: text\n  with lines\n'), 'plain: text\n  with lines\n');
    assert.equal(r(''), '');
  });

  it('{{- trims all whitespace before, -}} all whitespace after', () => {
    assert.equal(r('a  {{- 1 -}}  b'), 'a1b');
    assert.equal(r('a\n\n{{- 1 }}\n\n{{ 2 -}}\n\nb'), 'a1\n\n2b');
    assert.equal(r('x{{- "a" -}}\ty'), 'xay');
    assert.equal(r('line\n  {{- if true }}\n  body\n  {{- end }}\n'), 'line\n  body\n');
  });

  it('needs a space after "{{-" (otherwise it is a negative number)', () => {
    assert.equal(r('a {{-3}} b'), 'a -3 b');
    assert.equal(r('{{ 3 -}} x'), '3x');
  });

  it('a variable may follow a trim marker directly', () => {
    assert.equal(r('{{ $x := 1 }} {{- $x -}} {{- $ | len -}} .', { a: 1, b: 2 }), '12.');
  });

  it('comments produce nothing and honour trim markers', () => {
    assert.equal(r('a {{/* c */}} b'), 'a  b');
    assert.equal(r('a {{- /* multi\nline */ -}} b'), 'ab');
    assert.equal(r('{{- /* comment */ -}}\n x'), 'x');
  });
});

describe('literals', () => {
  it('strings with Go escapes and raw strings', () => {
    assert.equal(r('{{ "esc\\t\\n\\\\\\"\\x41\\u00e9\\U0001F600\\101" }}'), 'esc\t\n\\"Aé😀A');
    assert.equal(r('{{ `raw\\n "q"` }}'), 'raw\\n "q"');
    assert.equal(r('{{ `multi\nline` }}'), 'multi\nline');
  });

  it('numbers in all Go notations, characters, booleans', () => {
    assert.equal(
      r('{{ 42 }} {{ -1 }} {{ +2 }} {{ 1.5 }} {{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }}'),
      '42 -1 2 1.5 31 15 15 5 1000',
    );
    assert.equal(r('{{ 1e3 }} {{ .5 }} {{ 0x1p-2 }} {{ 1.0 }}'), '1000 0.5 0.25 1');
    assert.equal(r("{{ 'a' }} {{ '\\n' }} {{ '\\u00e9' }}"), '97 10 233');
    assert.equal(r('{{ true }} {{ false }}'), 'true false');
  });

  it('prints maps, lists and nested values like Go fmt', () => {
    const data = { m: { b: { c: [1, { d: null }] }, a: 'x y' }, l: [], f: 1.25 };
    assert.equal(r('{{ .m }} {{ .l }} {{ .f }}', data), 'map[a:x y b:map[c:[1 map[d:<nil>]]]] [] 1.25');
  });
});

describe('pipelines and fields', () => {
  it('passes the previous value as the last argument', () => {
    assert.equal(r('{{ .a | printf "%s-%s" "x" }}', { a: 'y' }), 'x-y');
    assert.equal(r('{{ "abc" | len }}'), '3');
    assert.equal(r('{{ 0 | and 1 }} {{ 5 | or 0 }}'), '0 5');
  });

  it('evaluates parenthesised pipelines and chains fields on them', () => {
    const data = { l: [1, 2], m: { k: 'abcd', n: { z: 2 } } };
    assert.equal(r('{{ (printf "%d" 3) }}{{ (len .l) }}{{ len (index .m "k") }}', data), '324');
    assert.equal(r('{{ (.m).k }} {{ (index .m "n").z }}', data), 'abcd 2');
  });

  it('walks field chains on maps, $ and variables', () => {
    const data = { a: { b: { c: 'v' } }, top: 'root' };
    assert.equal(r('{{ .a.b.c }}', data), 'v');
    assert.equal(r('{{ $.top }}', data), 'root');
    assert.equal(r('{{ $x := .a }}{{ $x.b.c }}', data), 'v');
    assert.equal(r('{{ with .a }}{{ $.top }}-{{ .b.c }}{{ end }}', data), 'root-v');
  });

  it('keys containing dashes are reached with index', () => {
    assert.equal(
      r('{{ index .Values "gpu-operator" "driver" }}', { Values: { 'gpu-operator': { driver: 'on' } } }),
      'on',
    );
  });

  it('never reads inherited object properties as fields', () => {
    assert.equal(r('[{{ .constructor }}][{{ .toString }}]', {}), '[][]');
  });
});

describe('variables', () => {
  it('declares with := and assigns with =', () => {
    assert.equal(r('{{ $x := 1 }}{{ $x }}{{ $x = 2 }}{{ $x }}'), '12');
  });

  it('assignment inside a block changes the outer variable; declarations there end at {{end}}', () => {
    assert.equal(r('{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ $y }}{{ end }}{{ $x }}'), '32');
    assert.equal(r('{{ $x := 0 }}{{ range .l }}{{ $x = . }}{{ end }}{{ $x }}', { l: [1, 2, 3] }), '3');
  });

  it('shadowing inside a block leaves the outer variable alone', () => {
    assert.equal(
      r('{{ $x := "outer" }}{{ with 1 }}{{ $x := "inner" }}{{ $x }}{{ end }}-{{ $x }}'),
      'inner-outer',
    );
  });

  it('$ is the data passed to render', () => {
    assert.equal(r('{{ $ }}', [1, 2]), '[1 2]');
  });

  it('rejects variables that are not in scope at parse time', () => {
    assert.throws(() => r('{{ $x }}'), { message: 'template t.yaml:1:4: undefined variable "$x"' });
    assert.throws(() => r('{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}'), /undefined variable "\$y"/);
    assert.throws(() => r('{{ $z = 1 }}'), /undefined variable "\$z"/);
  });
});

describe('if / else if / else', () => {
  const truth: [unknown, string][] = [
    [0, 'F'],
    [1, 'T'],
    ['', 'F'],
    ['x', 'T'],
    [[], 'F'],
    [[0], 'T'],
    [{}, 'F'],
    [{ a: 1 }, 'T'],
    [null, 'F'],
    [undefined, 'F'],
    [true, 'T'],
    [false, 'F'],
    [0.5, 'T'],
  ];
  for (const [v, want] of truth) {
    it(`Go truthiness of ${JSON.stringify(v)} is ${want}`, () => {
      assert.equal(r('{{ if .v }}T{{ else }}F{{ end }}', { v }), want);
    });
  }

  it('chains else if', () => {
    const t = '{{ if .a }}A{{ else if .b }}B{{ else if .c }}C{{ else }}D{{ end }}';
    assert.equal(r(t, { a: 1 }), 'A');
    assert.equal(r(t, { b: 1 }), 'B');
    assert.equal(r(t, { c: 1 }), 'C');
    assert.equal(r(t, {}), 'D');
  });

  it('and/or short-circuit and return the deciding value', () => {
    assert.equal(
      r('{{ and 1 0 2 }} {{ and 1 2 3 }} {{ or 0 "" 3 }} {{ or 0 "" }} {{ not 0 }} {{ not .l }}', { l: [1] }),
      '0 3 3  true false',
    );
    // the second operand would fail if evaluated
    assert.equal(r('{{ if and .m .m.x.y }}y{{ else }}n{{ end }}', {}, { strict: true }), 'n');
    assert.equal(r('{{ or 1 (fail "never") }}'), '1');
  });
});

describe('with', () => {
  it('sets dot when truthy, else branch otherwise', () => {
    assert.equal(r('{{ with .a }}{{ . }}{{ else }}none{{ end }}', { a: 'x' }), 'x');
    assert.equal(r('{{ with .a }}{{ . }}{{ else }}none{{ end }}', { a: '' }), 'none');
    assert.equal(r('{{ with .a }}{{ .b }}{{ end }}', { a: { b: 'deep' } }), 'deep');
  });

  it('supports else with and a declared variable', () => {
    assert.equal(r('{{ with .a }}A{{ else with .b }}B{{ . }}{{ else }}C{{ end }}', { b: 'bb' }), 'Bbb');
    assert.equal(r('{{ with $x := .a }}{{ $x.k }}{{ end }}', { a: { k: 1 } }), '1');
  });
});

describe('range', () => {
  it('iterates lists with index and element', () => {
    assert.equal(r('{{ range $i, $v := .l }}{{ $i }}={{ $v }};{{ end }}', { l: ['a', 'b'] }), '0=a;1=b;');
    assert.equal(r('{{ range $v := .l }}{{ $v }}{{ end }}', { l: [1, 2] }), '12');
    assert.equal(r('{{ range .l }}[{{ . }}]{{ end }}', { l: ['x', 'y'] }), '[x][y]');
  });

  it('iterates maps in sorted key order', () => {
    const m = { b: 1, a: 2, B: 3, a1: 4, a10: 5, a2: 6 };
    assert.equal(
      r('{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', { m }),
      'B=3;a=2;a1=4;a10=5;a2=6;b=1;',
    );
    assert.equal(r('{{ range .m }}{{ . }};{{ end }}', { m: { b: 1, a: 2 } }), '2;1;');
  });

  it('iterates integers', () => {
    assert.equal(r('{{ range 3 }}{{ . }}{{ end }}'), '012');
    assert.equal(r('{{ range $i := 3 }}{{ $i }}{{ end }}'), '012');
  });

  it('runs the else branch for empty or missing collections', () => {
    assert.equal(r('{{ range .l }}x{{ else }}empty{{ end }}', { l: [] }), 'empty');
    assert.equal(r('{{ range .missing }}x{{ else }}empty{{ end }}'), 'empty');
    assert.equal(r('{{ range .m }}x{{ else }}empty{{ end }}', { m: {} }), 'empty');
  });

  it('supports break and continue', () => {
    const t =
      '{{ range .l }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}';
    assert.equal(r(t, { l: [1, 2, 3, 4, 5] }), '13');
  });

  it('nests ranges and withs with the right dot and variables', () => {
    assert.equal(
      r('{{ range $i, $e := .l }}{{ range $e }}{{ $i }}{{ . }}{{ end }}{{ end }}', { l: [[1, 2], [3]] }),
      '010213',
    );
    const data = { groups: { g1: { items: ['a'] }, g0: { items: ['b', 'c'] } }, sep: ':' };
    const t =
      '{{ range $name, $g := .groups }}{{ with $g.items }}{{ range . }}{{ $name }}{{ $.sep }}{{ . }} {{ end }}{{ end }}{{ end }}';
    assert.equal(r(t, data), 'g0:b g0:c g1:a ');
  });

  it('reports what cannot be ranged over', () => {
    assert.throws(() => r('{{ range .s }}x{{ end }}', { s: 'abc' }), {
      message: "template t.yaml:1:10: at <.s>: range can't iterate over abc",
    });
    assert.throws(
      () => r('{{ range $i, $j := 3 }}{{ end }}'),
      /can't use 3 to iterate over more than one variable/,
    );
  });
});

describe('define / template / block', () => {
  it('executes named templates with the given dot; $ is that dot', () => {
    assert.equal(
      r('{{ define "x" }}X{{ . }}{{ end }}{{ template "x" 1 }}{{ template "x" }}', {}, { strict: true }),
      'X1X<no value>',
    );
    assert.equal(r('{{ define "x" }}{{ $ }}{{ end }}{{ template "x" .a }}', { a: 'A' }), 'A');
  });

  it('block defines and runs a default body', () => {
    assert.equal(r('{{ block "b" . }}default {{ .n }}{{ end }}', { n: 1 }), 'default 1');
  });

  it('lists the defined templates and renders one by name', () => {
    const t = compileTemplate('{{ define "b" }}B{{ . }}{{ end }}{{ define "a" }}A{{ end }}main', {
      name: 'x',
    });
    assert.deepEqual(t.definedTemplates, ['a', 'b']);
    assert.equal(t.render(), 'main');
    assert.equal(t.renderNamed('b', 7), 'B7');
    assert.throws(() => t.renderNamed('zz'), /no template "zz" defined/);
  });

  it('an empty definition does not clash with a later one; two non-empty ones do', () => {
    assert.equal(r('{{ define "x" }}{{ end }}{{ define "x" }}b{{ end }}{{ template "x" }}'), 'b');
    assert.throws(
      () => r('{{ define "x" }}a{{ end }}{{ define "x" }}b{{ end }}'),
      /multiple definition of template "x"/,
    );
  });

  it('reports an undefined template at execution', () => {
    assert.throws(() => r('\n  {{ template "nope" }}'), {
      message: 'template t.yaml:2:6: at <template "nope">: template "nope" not defined',
    });
  });

  it('stops runaway recursion', () => {
    assert.throws(
      () => r('{{ define "loop" }}{{ template "loop" . }}{{ end }}{{ template "loop" }}'),
      /exceeded maximum template depth \(100\)/,
    );
  });
});

describe('parse errors name file, line and column', () => {
  const cases: [string, string][] = [
    ['{{ foo }}', '1:4: function "foo" not defined'],
    ['{{ }}', '1:4: missing value for command'],
    ['{{ .a', '1:1: unclosed action'],
    ['{{ if 1 }}', '1:11: unexpected EOF'],
    ['{{ end }}', '1:4: unexpected {{end}}'],
    ['{{ else }}', '1:4: unexpected {{else}}'],
    ['{{ if }}x{{ end }}', '1:7: missing value for if'],
    ['{{ range }}{{ end }}', '1:10: missing value for range'],
    ['{{ break }}', '1:4: {{break}} outside {{range}}'],
    ['{{ continue }}', '1:4: {{continue}} outside {{range}}'],
    ['{{ 1 | 2 }}', '1:8: non executable command in pipeline stage 2'],
    ['{{ ( }}', '1:6: unclosed left paren'],
    ['{{ ) }}', '1:4: unexpected right paren'],
    ['{{ "abc }}', '1:4: unterminated quoted string'],
    ['{{ `abc }}', '1:4: unterminated raw quoted string'],
    ["{{ 'ab' }}", "1:4: malformed character constant: 'ab'"],
    ['{{ 1x }}', '1:4: bad number syntax: "1x"'],
    ['{{ 1e999 }}', '1:4: illegal number syntax: "1e999"'],
    ['{{ "\\q" }}', '1:4: invalid syntax'],
    ['{{ define "a" }}', '1:17: unexpected EOF'],
    ['{{ if 1 }}{{ define "x" }}{{ end }}{{ end }}', '1:14: unexpected <define> in command'],
    ['{{/* x */ }}', '1:3: comment ends before closing delimiter'],
    ['{{/* x', '1:3: unclosed comment'],
    ['{{ @ }}', '1:4: unexpected "@" in command'],
    ['{{ $x, $y := 1 }}', '1:6: too many declarations in command'],
    ['{{ nil.a }}', '1:4: unexpected . after term "nil"'],
    ['{{ template x }}', '1:13: unexpected "x" in template clause'],
    ['{{ if 1 }}{{ else }}{{ else }}{{ end }}', '1:24: expected end; found {{else}}'],
    ['{{ range . }}{{ else if 1 }}{{ end }}', '1:22: unexpected <if> in input'],
    ['a\nb\n  {{ .x | nope }}', '3:11: function "nope" not defined'],
  ];
  for (const [text, want] of cases) {
    it(`${JSON.stringify(text)} → ${want}`, () => {
      assert.throws(
        () => compileTemplate(text, { name: 'components/x/manifests/y.yaml' }),
        (e: unknown) => {
          assert.equal((e as Error).message, `template components/x/manifests/y.yaml:${want}`);
          const te = e as { code: string; phase: string; templateName: string; line: number };
          assert.equal(te.code, 'INVALID_REQUEST');
          assert.equal(te.phase, 'parse');
          assert.equal(te.templateName, 'components/x/manifests/y.yaml');
          assert.equal(te.line, Number(want.split(':')[0]));
          return true;
        },
      );
    });
  }
});
