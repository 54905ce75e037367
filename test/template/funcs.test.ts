// Every template function: Go builtins, Helm functions, Sprig functions.
// Expected outputs are what Go's text/template (+ Sprig, + upstream aicr's four functions) prints.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtinFunctionNames, renderTemplate } from '../../src/template/index.js';

const r = (text: string, data: unknown = {}) => renderTemplate(text, data, { name: 'f.tpl' });

describe('Go builtins', () => {
  it('eq (multi-argument), ne, lt, le, gt, ge', () => {
    assert.equal(
      r('{{ eq 1 1 }} {{ eq 2 1 2 }} {{ eq 3 1 2 }} {{ eq "a" "a" }} {{ eq true false }}'),
      'true true false true false',
    );
    assert.equal(
      r('{{ eq .n nil }} {{ eq .missing nil }} {{ eq .n "x" }} {{ eq nil nil }}', { n: null }),
      'true true false true',
    );
    assert.equal(r('{{ ne "a" "b" }} {{ ne 1 1 }}'), 'true false');
    assert.equal(
      r('{{ lt 1 2 }} {{ lt "b" "a" }} {{ le 1 1 }} {{ gt 2 1 }} {{ ge 1 2 }} {{ lt 1.5 2 }}'),
      'true false true true false true',
    );
  });

  it('not, and, or', () => {
    assert.equal(r('{{ not true }} {{ not "" }} {{ and "a" "b" }} {{ or "" "b" }}'), 'false true b b');
  });

  it('len counts bytes of strings, entries of lists and maps', () => {
    assert.equal(r('{{ len .m }} {{ len "héllo" }} {{ len .l }}', { m: { a: 1, b: 2 }, l: [] }), '2 6 0');
  });

  it('index with several keys, on lists, maps and strings', () => {
    const data = { l: [1, 2], m: { a: { b: 'c' } }, l2: [[1], [2]] };
    assert.equal(
      r(
        '{{ index .l 1 }} {{ index .m "a" "b" }} {{ index .l2 1 0 }} {{ index "abc" 1 }} {{ index .m }}',
        data,
      ),
      '2 c 2 98 map[a:map[b:c]]',
    );
  });

  it('slice of strings and lists', () => {
    assert.equal(
      r('{{ slice "abcdef" 1 3 }} {{ slice .l 1 }} {{ slice .l }}', { l: [1, 2, 3] }),
      'bc [2 3] [1 2 3]',
    );
  });

  it('print, println', () => {
    assert.equal(r('{{ print 1 2 "a" 3 nil 4 }}|{{ println 1 "a" }}|'), '1 2a3 <nil> 4|1 a\n|');
  });

  it('printf with the common verbs, flags, widths and precisions', () => {
    const data = { m: { b: 2, a: [1, 'x'] }, l: [1] };
    assert.equal(
      r(
        '{{ printf "%s %d %v %q %t %5.2f %x %X %o %e %g %-5s| %05d %+d %T %T %c %U %%" "s" 42 .m "q\\n" true 3.14159 255 "hi" 8 1234.5678 0.000012345 "ab" -42 7 .m .l 65 9731 }}',
        data,
      ),
      's 42 map[a:[1 x] b:2] "q\\n" true  3.14 ff 6869 10 1.234568e+03 1.2345e-05 ab   | -0042 +7 map[string]interface {} []interface {} A U+2603 %',
    );
    assert.equal(
      r('{{ printf "%.2f %.0f %.3g %.10g %8.3e" 0.125 2.5 1234.5 0.1 123456.789 }}'),
      '0.12 2 1.23e+03 0.1 1.235e+05',
    );
    assert.equal(r('{{ printf "%v %v %v" 1.5 0.0001 0.00001 }}'), '1.5 0.0001 1e-05');
  });

  it('printf reports bad verbs, missing and extra arguments the Go way', () => {
    assert.equal(
      r(
        '{{ printf "%s %d %t" 1 "x" nil }} {{ printf "%d" }} {{ printf "x" 1 "a" }} {{ printf "%z" 1 }} {{ printf "%" }}',
      ),
      '%!s(int=1) %!d(string=x) %!t(<nil>) %!d(MISSING) x%!(EXTRA int=1, string=a) %!z(int=1) %!(NOVERB)',
    );
    assert.equal(
      r(
        '{{ printf "%s" .l }} {{ printf "%v" nil }} {{ printf "%s" nil }} {{ printf "%q" 65 }} {{ printf "%x" -255 }} {{ printf "%08.3f" -3.14159 }} {{ printf "%6.2s|" "abcdef" }}',
        {
          l: [1, 'a', null],
        },
      ),
      "[%!s(int=1) a <nil>] <nil> %!s(<nil>) 'A' -ff -003.142     ab|",
    );
  });

  it('html, js, urlquery', () => {
    assert.equal(r(`{{ html "<a href='x'>&" }}`), '&lt;a href=&#39;x&#39;&gt;&amp;');
    assert.equal(r('{{ js "a\'b\\"c<d>=" }}'), 'a\\\'b\\"c\\u003Cd\\u003E\\u003D');
    assert.equal(r('{{ urlquery "a b&c=d/é" }}'), 'a+b%26c%3Dd%2F%C3%A9');
    assert.equal(r('{{ html 1 2 }}'), '1 2');
    assert.equal(r('{{ urlquery "a" nil }}'), 'a%3Cno+value%3E');
  });

  it('call invokes a function value', () => {
    assert.equal(r('{{ call .f 2 3 }}', { f: (a: number, b: number) => a * b }), '6');
  });
});

describe('Helm functions', () => {
  it('toYaml is yaml.v3 Marshal without the final newline; nindent places it', () => {
    const v = { b: [1, { c: 'd\ne' }], a: 'x', t: 'true', e: {} };
    assert.equal(
      r('{{ toYaml .v }}', { v }),
      'a: x\nb:\n    - 1\n    - c: |-\n        d\n        e\ne: {}\nt: "true"',
    );
    assert.equal(
      r('spec:{{ toYaml .v | nindent 2 }}', { v: { k: 'v', l: ['x'] } }),
      'spec:\n  k: v\n  l:\n      - x',
    );
    assert.equal(
      r('{{ toYaml "str" }}|{{ toYaml 1 }}|{{ toYaml nil }}|{{ toYaml .l }}', { l: [] }),
      'str|1|null|[]',
    );
  });

  it('nindent and indent indent non-empty lines only', () => {
    assert.equal(r('{{ nindent 2 "a\\n\\nb" }}|{{ indent 2 "a\\n\\nb" }}'), '\n  a\n\n  b|  a\n\n  b');
  });

  it('include, tpl, required, fail, lookup', () => {
    assert.equal(r('{{ include "x" 3 | printf "[%s]" }}{{ define "x" }}in{{ . }}{{ end }}'), '[in3]');
    assert.equal(r('{{ tpl "{{ .a }}" . }}', { a: 'A' }), 'A');
    assert.equal(r('{{ required "need x" .x }}', { x: 'ok' }), 'ok');
    assert.throws(() => r('{{ required "need x" .x }}', { x: '' }), /: need x$/);
    assert.throws(() => r('{{ fail "stop here" }}'), /: stop here$/);
    assert.equal(r('{{ lookup "v1" "Secret" "ns" "name" }} {{ len (lookup "v1" "Pod" "" "") }}'), 'map[] 0');
  });

  it('toJson / toPrettyJson / fromJson: sorted keys, HTML-safe like Go', () => {
    assert.equal(
      r('{{ toJson .v }}', { v: { b: [1, { c: '<d>&' }], a: null, f: 1.5 } }),
      '{"a":null,"b":[1,{"c":"\\u003cd\\u003e\\u0026"}],"f":1.5}',
    );
    assert.equal(
      r('{{ toPrettyJson .v }}', { v: { b: 1, a: [true] } }),
      '{\n  "a": [\n    true\n  ],\n  "b": 1\n}',
    );
    assert.equal(r('{{ (fromJson "{\\"a\\": [1, 2]}").a }}'), '[1 2]');
  });

  it('fromYaml / fromYamlArray', () => {
    assert.equal(
      r('{{ fromYaml "a: 1\\nb: [x, y]" }} {{ (fromYaml "a: {b: c}").a.b }}'),
      'map[a:1 b:[x y]] c',
    );
    assert.equal(r('{{ fromYamlArray "- 1\\n- two" }}'), '[1 two]');
    assert.match(r('{{ (fromYaml "a: [").Error }}'), /\S/);
  });
});

describe('Sprig: defaults and logic', () => {
  it('default applies only to nil and "" (upstream aicr), so false and 0 are kept', () => {
    assert.equal(
      r(
        '{{ default "d" .a }} {{ default "d" .b }} {{ default "d" .c }} {{ default "d" .e }} {{ default "d" .z }}',
        { a: '', b: false, c: 0, e: 'x' },
      ),
      'd false 0 x d',
    );
    assert.equal(r('{{ ne (toString (.v | default true)) "false" }}', { v: false }), 'false');
    assert.equal(r('{{ ne (toString (.v | default true)) "false" }}', {}), 'true');
    assert.equal(r('{{ ne (toString (.v | default true)) "false" }}', { v: 'banana' }), 'true');
  });

  it('empty, coalesce, ternary', () => {
    assert.equal(
      r(
        '{{ empty .a }} {{ empty .b }} {{ empty .c }} {{ empty .d }} {{ empty .e }} {{ empty 0 }} {{ empty false }} {{ empty 1 }}',
        { a: '', b: [], c: {}, d: null, e: 'x' },
      ),
      'true true true true false true true false',
    );
    assert.equal(
      r(
        '{{ coalesce .a .b "c" }} {{ coalesce 0 "" }} {{ ternary "y" "n" true }} {{ ternary "y" "n" false }}',
        { b: 'bb' },
      ),
      'bb  y n',
    );
  });

  it('toString is %v; kindOf, kindIs, typeOf, typeIs', () => {
    assert.equal(
      r(
        '{{ toString .a }} {{ toString .b }} {{ toString .c }} {{ toString .l }} {{ toString .m }} {{ toString .missing }}',
        { a: 1, b: true, c: 1.5, l: [1, 'a'], m: { x: 1 } },
      ),
      '1 true 1.5 [1 a] map[x:1] <nil>',
    );
    assert.equal(
      r(
        '{{ kindOf 1 }} {{ kindOf "a" }} {{ kindOf .l }} {{ kindOf .m }} {{ kindOf 1.5 }} {{ kindOf true }} {{ typeOf .l }} {{ kindIs "map" .m }} {{ typeIs "string" "x" }}',
        { l: [1], m: {} },
      ),
      'int string slice map float64 bool []interface {} true true',
    );
  });
});

describe('Sprig: strings', () => {
  it('quote and squote', () => {
    assert.equal(
      r('{{ quote "a\\"b" 1 nil .x }} {{ squote "a" 2 }} {{ .s | quote }}', { x: true, s: 'é\n' }),
      '"a\\"b" "1" "true" \'a\' \'2\' "é\\n"',
    );
  });

  it('case, trimming and affixes', () => {
    assert.equal(
      r(
        '{{ upper "abc" }} {{ lower "ABC" }} {{ title "hello world-foo" }} [{{ trim "  x \\n" }}] {{ trimAll "-" "--x--" }} {{ trimSuffix ".yaml" "a.yaml" }} {{ trimPrefix "v" "v1.2" }}',
      ),
      'ABC abc Hello World-Foo [x] x a 1.2',
    );
  });

  it('replace, contains, hasPrefix, hasSuffix, repeat, substr, trunc, nospace, cat', () => {
    assert.equal(
      r(
        '{{ replace "+" "_" "1.0+b+c" }} {{ contains "ell" "hello" }} {{ hasPrefix "he" "hello" }} {{ hasSuffix "lo" "hello" }} {{ repeat 3 "ab" }} {{ substr 1 3 "hello" }} {{ trunc 3 "hello" }} {{ trunc -2 "hello" }} {{ nospace "a b c" }} {{ cat "a" 1 nil "b" }}',
      ),
      '1.0_b_c true true true ababab el hel lo abc a 1 b',
    );
    assert.equal(
      r('helm.sh/chart: {{ .v | replace "+" "_" | trunc 63 }}', { v: '0.1.0+09d01b0b4d7d' }),
      'helm.sh/chart: 0.1.0_09d01b0b4d7d',
    );
  });

  it('join, split, splitList, splitn', () => {
    assert.equal(
      r(
        '{{ join "," .l }} {{ join "-" .s }} {{ split "," "a,b,c" }} {{ splitList "," "a,b" }} {{ (split "." "x.y")._1 }} {{ splitn "," 2 "a,b,c" }}',
        {
          l: ['a', 1, null, true],
          s: 'one',
        },
      ),
      'a,1,true one map[_0:a _1:b _2:c] [a b] y map[_0:a _1:b,c]',
    );
  });

  it('b64enc, b64dec, sha256sum, sha1sum', () => {
    assert.equal(
      r('{{ b64enc "hello" }} {{ b64dec "aGVsbG8=" }} {{ sha256sum "abc" }} {{ sha1sum "abc" }}'),
      'aGVsbG8= hello ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad a9993e364706816aba3e25717850c26c9cd0d89d',
    );
  });
});

describe('Sprig: numbers', () => {
  it('int, int64, float64, atoi convert leniently', () => {
    assert.equal(
      r(
        '{{ int "12" }} {{ int "12.0" }} {{ int "12.5" }} {{ int 3.9 }} {{ int true }} {{ int nil }} {{ int "0x1F" }} {{ int "abc" }} {{ int64 "-7" }} {{ float64 "1.5" }} {{ float64 2 }} {{ float64 "x" }} {{ atoi "42" }}',
      ),
      '12 12 0 3 1 0 31 0 -7 1.5 2 0 42',
    );
  });

  it('add, sub, mul, div, mod, add1, max, min and float variants', () => {
    assert.equal(
      r(
        '{{ add 1 2 "3" }} {{ sub 5 2 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ div -7 2 }} {{ mod 7 3 }} {{ add1 5 }} {{ max 1 5 3 }} {{ min 4 2 }}',
      ),
      '6 3 24 3 -3 1 6 5 2',
    );
    assert.equal(r('{{ addf 1.5 2 }} {{ subf 5 1.5 }} {{ mulf 1.5 2 }} {{ divf 1 4 }}'), '3.5 3.5 3 0.25');
  });

  it('until', () => {
    assert.equal(r('{{ until 3 }} {{ range until 2 }}{{ . }}{{ end }}'), '[0 1 2] 01');
  });
});

describe('Sprig: lists and dicts', () => {
  it('list operations', () => {
    assert.equal(
      r(
        '{{ list 1 "a" nil }} {{ first .l }} {{ last .l }} {{ rest .l }} {{ initial .l }} {{ append .l 4 }} {{ prepend .l 0 }} {{ concat .l .l }} {{ reverse .l }} {{ uniq (list 1 1 2) }} {{ compact (list 1 "" nil 2) }} {{ has 2 .l }} {{ without .l 2 }} {{ sortAlpha (list "b" "a" "C") }}',
        {
          l: [1, 2, 3],
        },
      ),
      '[1 a <nil>] 1 3 [2 3] [1 2] [1 2 3 4] [0 1 2 3] [1 2 3 1 2 3] [3 2 1] [1 2] [1 2] true [1 3] [C a b]',
    );
  });

  it('dict, hasKey, keys (sorted), get, set, unset, pick, omit, values', () => {
    const data = { m: { b: 2, a: 1 } };
    assert.equal(
      r(
        '{{ dict "a" 1 "b" "x" }} {{ dict "a" }} {{ hasKey .m "a" }} {{ hasKey .m "z" }} {{ keys .m }}',
        data,
      ),
      'map[a:1 b:x] map[a:] true false [a b]',
    );
    assert.equal(
      r(
        '{{ get .m "a" }} [{{ get .m "z" }}] {{ $_ := set .m "c" 3 }}{{ .m }} {{ pick .m "a" }} {{ omit .m "a" }} {{ values .m }} {{ $_ := unset .m "c" }}{{ .m }}',
        data,
      ),
      '1 [] map[a:1 b:2 c:3] map[a:1] map[b:2 c:3] [1 2 3] map[a:1 b:2]',
    );
  });
});

describe('function table', () => {
  it('offers every function the brief and the reference manifests need', () => {
    const names = new Set(builtinFunctionNames());
    for (const fn of [
      'and',
      'or',
      'not',
      'eq',
      'ne',
      'lt',
      'le',
      'gt',
      'ge',
      'len',
      'index',
      'print',
      'printf',
      'println',
      'html',
      'js',
      'urlquery',
      'toYaml',
      'toJson',
      'fromYaml',
      'nindent',
      'indent',
      'default',
      'required',
      'quote',
      'squote',
      'toString',
      'upper',
      'lower',
      'trim',
      'trimSuffix',
      'trimPrefix',
      'replace',
      'contains',
      'hasPrefix',
      'hasSuffix',
      'empty',
      'coalesce',
      'ternary',
      'list',
      'dict',
      'hasKey',
      'keys',
      'int',
      'int64',
      'float64',
      'add',
      'sub',
      'mul',
      'div',
      'join',
      'split',
      'splitList',
      'b64enc',
      'sha256sum',
      'tpl',
      'lookup',
      'include',
      'trunc',
    ]) {
      assert.ok(names.has(fn), `missing function ${fn}`);
    }
  });
});
