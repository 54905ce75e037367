/** Structured errors: text form, cause chains and exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AicrError,
  EXIT_CODES,
  exitCodeFor,
  formatError,
  internal,
  invalid,
  notFound,
  timeout,
  unauthorized,
  unavailable,
  type ErrorCode,
} from '../../src/errors/index.js';

test('formatError: one label, the code that decides the exit code; cause messages chained after ": "', () => {
  assert.equal(formatError(invalid('bad flag')), '[INVALID_REQUEST] bad flag');
  assert.equal(
    formatError(internal('failed to build recipe', notFound('criteria file not found: c.yaml'))),
    '[NOT_FOUND] failed to build recipe: criteria file not found: c.yaml',
  );
  const deep = new AicrError(
    'INTERNAL',
    'outer',
    new AicrError('TIMEOUT', 'middle', new Error('socket hang up')),
  );
  assert.equal(formatError(deep), '[TIMEOUT] outer: middle: socket hang up');
  assert.equal(String(deep), '[TIMEOUT] outer: middle: socket hang up');
  // A wrapper around a plain error (a bug, not a classified cause) stays INTERNAL.
  assert.equal(
    formatError(internal('building', new TypeError('x is undefined'))),
    '[INTERNAL] building: x is undefined',
  );
  // A repeated message in the chain is printed once.
  assert.equal(formatError(internal('same', notFound('same'))), '[NOT_FOUND] same');
  assert.equal(`${notFound('x')}`, '[NOT_FOUND] x');
});

test('formatError: plain errors give their message; other values their string form', () => {
  assert.equal(formatError(new Error('boom')), 'boom');
  assert.equal(formatError(new TypeError('fetch failed')), 'fetch failed');
  assert.equal(formatError('just text'), 'just text');
  assert.equal(formatError(42), '42');
  assert.equal(formatError(undefined), 'undefined');
  // A plain Error's own cause is not shown (only structured errors chain).
  assert.equal(formatError(new Error('outer', { cause: new Error('inner') })), 'outer');
  // A null cause ends the chain.
  assert.equal(formatError(new AicrError('INTERNAL', 'x', null)), '[INTERNAL] x');
});

test('AicrError carries code, message, cause and context', () => {
  const cause = new Error('root');
  const err = new AicrError('UNAUTHORIZED', 'denied', cause, { resource: 'configmaps' });
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'AicrError');
  assert.equal(err.code, 'UNAUTHORIZED');
  assert.equal(err.message, 'denied');
  assert.equal(err.bareMessage, 'denied');
  assert.equal(err.cause, cause);
  assert.deepEqual(err.context, { resource: 'configmaps' });
  assert.equal('cause' in new AicrError('INTERNAL', 'no cause'), false);
});

test('the helpers build the right codes', () => {
  const cases: [AicrError, ErrorCode][] = [
    [invalid('m'), 'INVALID_REQUEST'],
    [notFound('m'), 'NOT_FOUND'],
    [internal('m'), 'INTERNAL'],
    [unavailable('m'), 'SERVICE_UNAVAILABLE'],
    [timeout('m'), 'TIMEOUT'],
    [unauthorized('m'), 'UNAUTHORIZED'],
  ];
  for (const [err, code] of cases) {
    assert.equal(err.code, code);
    assert.equal(err.message, 'm');
  }
  assert.equal(invalid('m', 'c').cause, 'c');
});

test('exitCodeFor: each code maps to its documented exit code', () => {
  assert.deepEqual(EXIT_CODES, {
    INVALID_REQUEST: 2,
    METHOD_NOT_ALLOWED: 2,
    NOT_FOUND: 3,
    UNAUTHORIZED: 4,
    TIMEOUT: 5,
    SERVICE_UNAVAILABLE: 6,
    RATE_LIMIT_EXCEEDED: 7,
    INTERNAL: 8,
    VALIDATION_FAILED: 9,
  });
  for (const [code, exit] of Object.entries(EXIT_CODES)) {
    assert.equal(exitCodeFor(new AicrError(code as ErrorCode, 'x')), exit, code);
  }
});

test('exitCodeFor: unstructured errors and non-errors exit 1', () => {
  assert.equal(exitCodeFor(new Error('plain')), 1);
  assert.equal(exitCodeFor(new Error('outer', { cause: new Error('inner') })), 1);
  assert.equal(exitCodeFor('text'), 1);
  assert.equal(exitCodeFor({ code: 'NOT_FOUND' }), 1);
  assert.equal(exitCodeFor(undefined), 1);
  assert.equal(exitCodeFor(null), 1);
});

test('exitCodeFor: the innermost non-INTERNAL code wins over wrappers', () => {
  // A wrapper never hides "bad input" or "not found".
  assert.equal(exitCodeFor(internal('failed to build recipe', invalid('bad criteria value'))), 2);
  assert.equal(exitCodeFor(internal('outer', internal('middle', notFound('missing')))), 3);
  // Innermost wins among non-INTERNAL codes too.
  assert.equal(exitCodeFor(unavailable('outer', timeout('inner'))), 5);
  assert.equal(exitCodeFor(timeout('outer', unavailable('inner'))), 6);
  // An INTERNAL cause does not override a more specific wrapper.
  assert.equal(exitCodeFor(notFound('outer', internal('inner'))), 3);
  assert.equal(exitCodeFor(unauthorized('outer', internal('inner', new Error('x')))), 4);
  // Only INTERNAL in the chain: 8.
  assert.equal(exitCodeFor(internal('a', internal('b'))), 8);
  // Plain errors in the middle of the chain are walked through.
  assert.equal(exitCodeFor(new Error('plain', { cause: notFound('deep') })), 3);
  assert.equal(exitCodeFor(internal('x', new Error('plain', { cause: timeout('deep') }))), 5);
  // A structured error below a plain one with a structured wrapper: still the innermost code.
  assert.equal(exitCodeFor(invalid('x', new Error('plain'))), 2);
});

test('exitCodeFor and formatError: a cyclic cause chain terminates', () => {
  const a = new AicrError('INTERNAL', 'a');
  const b = new AicrError('NOT_FOUND', 'b', a);
  Object.defineProperty(a, 'cause', { value: b });
  assert.equal(exitCodeFor(a), 3);
  const text = formatError(a);
  assert.ok(text.startsWith('[NOT_FOUND] a: b: a: b: '), text);
  assert.ok(text.length < 2000);
});

test('formatError: a parser code frame is cut to its first line', () => {
  const yamlError = new Error('Nested mappings are not allowed (2:3)\n\n 1 | a: b\n 2 |   c: d\n-----^\n');
  assert.equal(
    formatError(invalid('cannot load kubeconfig k', yamlError)),
    '[INVALID_REQUEST] cannot load kubeconfig k: Nested mappings are not allowed (2:3)',
  );
  // Other multi-line messages are kept whole (the logger escapes their newlines).
  assert.equal(formatError(invalid('a\nb')), '[INVALID_REQUEST] a\nb');
});
