// Execution semantics: missing keys and nil in Helm mode (default) and strict Go mode, execution
// errors with positions, include/tpl, custom functions, argument type checks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AicrError, exitCodeFor } from '../../src/errors/index.js';
import {
  compileTemplate,
  renderTemplate,
  TemplateError,
  type TemplateOptions,
} from '../../src/template/index.js';

const r = (text: string, data: unknown = {}, opts: TemplateOptions = {}) =>
  renderTemplate(text, data, { name: 't.yaml', ...opts });

describe('missing keys and nil (Helm mode, the default)', () => {
  it('a missing key prints as the empty string', () => {
    assert.equal(r('a: {{ .missing }}|{{ .m.missing }}', { m: {} }), 'a: |');
  });

  it('a null value prints as the empty string', () => {
    assert.equal(r('[{{ .n }}]', { n: null }), '[]');
  });

  it('fields of missing or null values are empty, not errors', () => {
    assert.equal(r('[{{ .a.b.c }}][{{ .n.x }}][{{ (index .m "k").z }}]', { n: null, m: {} }), '[][][]');
    assert.equal(r('{{ $v := index .Values "c" }}[{{ $v.enabled }}]', { Values: { c: null } }), '[]');
  });

  it('index of nil is nil', () => {
    assert.equal(r('[{{ index .missing "a" }}][{{ index .m "a" "b" }}]', { m: {} }), '[][]');
  });

  it('missing values are falsy and flow into functions as nil', () => {
    assert.equal(
      r('{{ if .missing }}y{{ else }}n{{ end }} {{ toString .missing }} {{ .missing | default "d" }}'),
      'n <nil> d',
    );
  });

  it('a field of a scalar or a list is still an error', () => {
    assert.throws(() => r('{{ .a.b }}', { a: 'str' }), {
      message: "template t.yaml:1:4: at <.a.b>: can't evaluate field b in type string",
    });
    assert.throws(() => r('{{ .a.b }}', { a: [1] }), /can't evaluate field b in type \[\]interface \{\}/);
    assert.throws(() => r('{{ .a.b }}', { a: 1.5 }), /can't evaluate field b in type float64/);
  });
});

describe('missing keys and nil (strict: Go text/template as upstream aicr runs it)', () => {
  const s = (text: string, data: unknown = {}) => r(text, data, { strict: true });

  it('prints <no value> for missing and nil values', () => {
    assert.equal(s('{{ .missing }} {{ .n }}', { n: null }), '<no value> <no value>');
  });

  it('a chain through a missing key stays missing, without error', () => {
    assert.equal(s('{{ .a.b.c }}'), '<no value>');
  });

  it('a field of an explicit nil is an error', () => {
    assert.throws(() => s('{{ .a.b.c }}', { a: null }), {
      message: 'template t.yaml:1:4: at <.a.b.c>: nil pointer evaluating interface {}.b',
    });
    assert.throws(
      () => s('{{ $c := index .Values "x" }}{{ $c.enabled }}', { Values: {} }),
      /nil pointer evaluating interface \{\}\.enabled/,
    );
  });

  it('index of nil is an error', () => {
    assert.throws(() => s('{{ index .missing "a" }}'), /error calling index: index of untyped nil/);
    assert.throws(() => s('{{ index .m "a" "b" }}', { m: {} }), /error calling index: index of nil pointer/);
  });
});

describe('execution errors', () => {
  it('name the template, line and column of the failing command, with code INVALID_REQUEST', () => {
    const text = 'kind: ConfigMap\ndata:\n  x: {{ required "x is required" .Values.x }}\n';
    assert.throws(
      () => r(text, { Values: {} }, { name: 'components/gpu-operator/manifests/cm.yaml' }),
      (e: unknown) => {
        assert.ok(e instanceof TemplateError);
        assert.ok(e instanceof AicrError);
        assert.equal(
          e.message,
          'template components/gpu-operator/manifests/cm.yaml:3:9: at <required "x is required" .Values.x>: x is required',
        );
        assert.equal(e.code, 'INVALID_REQUEST');
        assert.equal(e.phase, 'exec');
        assert.equal(e.line, 3);
        assert.equal(e.column, 9);
        assert.equal(e.detail, 'at <required "x is required" .Values.x>: x is required');
        assert.equal(exitCodeFor(e), 2);
        return true;
      },
    );
  });

  const cases: [string, unknown, string][] = [
    ['{{ fail "boom" }}', {}, '1:4: at <fail "boom">: boom'],
    ['{{ div 1 0 }}', {}, '1:4: at <div 1 0>: error calling div: runtime error: integer divide by zero'],
    ['{{ .a 1 }}', { a: 1 }, '1:4: at <.a>: a is not a method but has arguments'],
    ['{{ 1 | .a }}', { a: 1 }, '1:8: at <.a>: a is not a method but has arguments'],
    ['{{ nil }}', {}, '1:4: at <nil>: nil is not a command'],
    ['{{ "x" 3 }}', {}, '1:4: at <"x">: can\'t give argument to non-function "x"'],
    ['{{ len }}', {}, '1:4: at <len>: wrong number of args for len: want 1 got 0'],
    ['{{ len 1 2 }}', {}, '1:4: at <len 1 2>: wrong number of args for len: want 1 got 2'],
    ['{{ index }}', {}, '1:4: at <index>: wrong number of args for index: want at least 1 got 0'],
    ['{{ and }}', {}, '1:4: at <and>: wrong number of args for and: want at least 1 got 0'],
    ['{{ nindent "x" "y" }}', {}, '1:12: at <"x">: expected integer; found "x"'],
    ['{{ nindent 2 3 }}', {}, '1:14: at <3>: expected string; found 3'],
    ['{{ nindent 1.5 "x" }}', {}, '1:12: at <1.5>: expected integer; found 1.5'],
    ['{{ upper nil }}', {}, '1:10: at <nil>: cannot assign nil to string'],
    ['{{ upper .n }}', { n: 5 }, '1:10: at <.n>: wrong type for value; expected string; got int'],
    [
      '{{ .m | nindent 2 }}',
      { m: { a: 1 } },
      '1:9: at <nindent 2>: wrong type for value; expected string; got map[string]interface {}',
    ],
    ['{{ upper .missing }}', {}, '1:10: at <.missing>: invalid value; expected string'],
    ['{{ 9223372036854775808 }}', {}, '1:4: at <9223372036854775808>: 9223372036854775808 overflows int'],
    [
      '{{ eq "a" 1 }}',
      {},
      '1:4: at <eq "a" 1>: error calling eq: incompatible types for comparison: string and int',
    ],
    [
      '{{ eq .l .l }}',
      { l: [1] },
      '1:4: at <eq .l .l>: error calling eq: non-comparable type [1]: []interface {}',
    ],
    ['{{ lt nil 1 }}', {}, '1:4: at <lt nil 1>: error calling lt: invalid type for comparison'],
    ['{{ lt true false }}', {}, '1:4: at <lt true false>: error calling lt: invalid type for comparison'],
    ['{{ len 3 }}', {}, '1:4: at <len 3>: error calling len: len of type int'],
    ['{{ len .missing }}', {}, '1:4: at <len .missing>: error calling len: len of nil pointer'],
    ['{{ index .l 5 }}', { l: [1] }, '1:4: at <index .l 5>: error calling index: index out of range: 5'],
    [
      '{{ index .l "a" }}',
      { l: [1] },
      '1:4: at <index .l "a">: error calling index: cannot index slice/array with type string',
    ],
    [
      '{{ index .m 1 }}',
      { m: {} },
      '1:4: at <index .m 1>: error calling index: value has type int; should be string',
    ],
    ['{{ index 5 1 }}', {}, "1:4: at <index 5 1>: error calling index: can't index item of type int"],
    [
      '{{ include "nope" . }}',
      {},
      '1:4: at <include "nope" .>: error calling include: template "nope" not defined',
    ],
  ];
  for (const [text, data, want] of cases) {
    it(`${text} → ${want}`, () => {
      assert.throws(() => r(text, data), { message: `template t.yaml:${want}` });
    });
  }

  it('an error inside a defined template points into that definition', () => {
    const text = '{{ define "h" }}\n  {{ .x.y }}\n{{ end }}\nout: {{ include "h" . }}';
    assert.throws(() => r(text, { x: 'scalar' }), {
      message: 'template t.yaml:2:6: executing "h" at <.x.y>: can\'t evaluate field y in type string',
    });
  });
});

describe('include and tpl', () => {
  it('include returns the output as a string for further piping', () => {
    const text =
      '{{ define "labels" }}app: {{ .name }}\ntier: web{{ end }}labels:{{ include "labels" . | nindent 2 }}';
    assert.equal(r(text, { name: 'x' }), 'labels:\n  app: x\n  tier: web');
  });

  it('tpl renders a string as a template with the given data and existing definitions', () => {
    const text = '{{ define "x" }}X{{ end }}{{ tpl .t . }}';
    assert.equal(r(text, { t: '{{ .a }}-{{ include "x" . }}', a: 'A' }), 'A-X');
  });

  it('tpl reports errors inside the string', () => {
    assert.throws(
      () => r('{{ tpl "{{ nope }}" . }}'),
      /template t\.yaml \(tpl\):1:4: function "nope" not defined/,
    );
  });

  it('recursion through include is bounded by maxDepth', () => {
    const text = '{{ define "r" }}{{ include "r" . }}{{ end }}{{ include "r" . }}';
    assert.throws(() => r(text, {}, { maxDepth: 10 }), /exceeded maximum template depth \(10\)/);
  });
});

describe('custom functions and method-like values', () => {
  it('extra functions are callable and may replace built-ins', () => {
    const opts: TemplateOptions = {
      funcs: { shout: (s: unknown) => `${String(s)}!`, upper: () => 'replaced' },
    };
    assert.equal(r('{{ shout "hi" }} {{ "x" | shout }} {{ upper "a" }}', {}, opts), 'hi! x! replaced');
  });

  it('rejects extra function names that templates could not call', () => {
    assert.throws(
      () => compileTemplate('x', { funcs: { 'bad-name': () => 1 } }),
      /"bad-name" is not a valid identifier/,
    );
  });

  it('errors from extra functions are reported with the call site', () => {
    const opts: TemplateOptions = {
      funcs: {
        boom: () => {
          throw new Error('kaput');
        },
      },
    };
    assert.throws(() => r('\n{{ boom }}', {}, opts), {
      message: 'template t.yaml:2:4: at <boom>: error calling boom: kaput',
    });
  });

  it('function-valued data entries are called like Go methods', () => {
    const data = { Capabilities: { APIVersions: { Has: (v: unknown) => v === 'apps/v1' } } };
    assert.equal(
      r('{{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "x/v1" }}', data),
      'true false',
    );
  });
});

describe('compiled templates', () => {
  it('render many times with different data', () => {
    const t = compileTemplate('{{ .n }}', { name: 'n' });
    assert.equal(t.render({ n: 1 }), '1');
    assert.equal(t.render({ n: 2 }), '2');
    assert.equal(t.name, 'n');
  });

  it('default the name to "template"', () => {
    assert.throws(() => compileTemplate('{{ nope }}'), {
      message: 'template template:1:4: function "nope" not defined',
    });
  });
});
