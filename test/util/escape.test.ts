/**
 * Property tests for message safety: escaping leaves no control character and is the identity on clean
 * text; every logger mode writes exactly one line per record whatever the input; URL credentials and
 * query strings never survive redaction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeControl, hasControl, redactUrls, safeText } from '../../src/util/escape.js';
import { Logger, type LogMode } from '../../src/logging/logger.js';
import { toTable } from '../../src/io/serialize.js';

// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const anyText = fc.string({ unit: 'binary', maxLength: 200 });
/** Strings rich in control characters. */
const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '\n',
        '\r',
        '\t',
        '\u001b',
        '\u0007',
        '\u0000',
        '\u007f',
        '\u009b',
        '\u2028',
        '\u202e',
        '\u2066',
      ),
      fc.string({ maxLength: 5 }),
    ),
    { maxLength: 30 },
  )
  .map((a) => a.join(''));

test('escapeControl: no raw control character survives; clean text is unchanged', () => {
  fc.assert(
    fc.property(fc.oneof(anyText, hostile), (s) => {
      const e = escapeControl(s);
      assert.doesNotMatch(e, RAW);
      assert.equal(hasControl(s), RAW.test(s));
      if (!RAW.test(s)) assert.equal(e, s);
    }),
    { numRuns: 500 },
  );
  assert.equal(escapeControl('a\nb\rc\td\u001be\u009bf\u2028'), 'a\\nb\\rc\\td\\x1be\\x9bf\\u2028');
});

test('every log mode writes exactly one line per record, with no raw control character', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<LogMode>('cli', 'text', 'json'),
      fc.oneof(anyText, hostile, fc.constantFrom('http://u:p@h/x?a\\"b', 'cm://a\\"@b?"\\', 'x://?\\')),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(anyText, hostile), { maxKeys: 3 }),
      (mode, msg, attrs) => {
        const out: string[] = [];
        const l = new Logger({ mode, level: 'debug', version: 'v', write: (s) => out.push(s) });
        l.error(msg, attrs);
        assert.equal(out.length, 1);
        const line = out[0]!;
        assert.ok(line.endsWith('\n'));
        assert.doesNotMatch(line.slice(0, -1), RAW, JSON.stringify(line));
        if (mode === 'json') {
          const rec = JSON.parse(line); // valid JSON even after URL redaction
          if (!msg.includes('://')) assert.equal(rec.msg, msg);
        }
      },
    ),
    { numRuns: 500 },
  );
});

test('redactUrls: no password, user or query value survives, wherever the URL sits in the text', () => {
  const token = fc.stringMatching(/^[A-Za-z0-9]{8,16}$/).map((s) => `S3CR${s}`);
  fc.assert(
    fc.property(
      fc.constantFrom('http', 'https', 'cm', 's3', 'git+ssh'),
      token,
      token,
      token,
      fc.string({ maxLength: 20 }),
      fc.string({ maxLength: 20 }),
      (scheme, user, pass, q, before, after) => {
        const url = `${scheme}://${user}:${pass}@host.example:8443/a/b.yaml?sig=${q}&x=1`;
        const text = `${before} ${url} ${after}`;
        for (const out of [redactUrls(text), safeText(text), redactUrls(JSON.stringify({ url }), true)]) {
          for (const secret of [user, pass, q]) assert.ok(!out.includes(secret), `${secret} in ${out}`);
          assert.ok(out.includes('REDACTED'));
        }
      },
    ),
    { numRuns: 300 },
  );
  assert.equal(redactUrls('no url here ?x=1'), 'no url here ?x=1');
  assert.equal(redactUrls('see https://h/p.yaml'), 'see https://h/p.yaml');
  assert.equal(redactUrls('https://h/p?sig=a\\b c'), 'https://h/p?REDACTED c');
  // Logged through every mode, the whole query is gone, backslashes included.
  for (const mode of ['cli', 'text', 'json'] as const) {
    const out: string[] = [];
    new Logger({ mode, level: 'info', version: 'v', write: (x) => out.push(x) }).info('m', {
      url: 'https://u:pw@h/p?sig=ab\\cd%22ef',
    });
    assert.doesNotMatch(out[0]!, /pw|ab|cd|ef/, out[0]);
  }
});

test('toTable: every cell is one line with no raw control character', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.oneof(anyText, hostile), fc.oneof(anyText, hostile), { maxKeys: 5 }),
      (doc) => {
        const lines = toTable(doc).split('\n');
        assert.equal(lines.length, Math.max(Object.keys(doc).length, 1) + (Object.keys(doc).length ? 3 : 1));
        for (const l of lines) assert.doesNotMatch(l, RAW);
      },
    ),
    { numRuns: 300 },
  );
});
