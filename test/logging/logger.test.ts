/** The logger's three modes (cli, text, json), level filtering and color. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { AicrError } from '../../src/errors/index.js';
import { Logger, log, setLogger, type LoggerOptions } from '../../src/logging/logger.js';
import { repoRoot } from '../helpers/paths.js';

function capture(opts: Omit<LoggerOptions, 'write'>): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: new Logger({ ...opts, write: (l) => lines.push(l) }), lines };
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

test('cli mode: "[cli] message" and ": k=v k2=v2" only when there are attributes', () => {
  const { logger, lines } = capture({ mode: 'cli', level: 'info', version: '1.2.3' });
  logger.info('recipe generation completed', { output: 'recipe.yaml', components: 9, overlays: 3 });
  logger.info('no attributes');
  logger.warn('spaces are not quoted', { path: 'my file.yaml', empty: '' });
  logger.error('command failed', { error: new AicrError('INVALID_REQUEST', 'bad flag'), exitCode: 2 });
  assert.deepEqual(lines, [
    '[cli] recipe generation completed: output=recipe.yaml components=9 overlays=3\n',
    '[cli] no attributes\n',
    '[cli] spaces are not quoted: path=my file.yaml empty=\n',
    '[cli] command failed: error=[INVALID_REQUEST] bad flag exitCode=2\n',
  ]);
});

test('cli mode: values formatted like Go %v; undefined attributes dropped; custom prefix', () => {
  const { logger, lines } = capture({ mode: 'cli', level: 'info', version: 'dev', prefix: 'agent' });
  logger.info('values', {
    list: ['a', 'b', 3],
    nested: [['x'], []],
    obj: { a: 1 },
    nil: null,
    gone: undefined,
    err: new Error('plain error'),
    big: 18446744073709551615n,
    bigInObj: { max: 18446744073709551615n, small: 1n },
    bool: false,
  });
  assert.deepEqual(lines, [
    '[agent] values: list=[a b 3] nested=[[x] []] obj={"a":1} nil=null err=plain error big=18446744073709551615 bigInObj={"max":"18446744073709551615","small":1} bool=false\n',
  ]);
});

test('cli mode: colored only when asked (green below error, red for error)', () => {
  const plain = capture({ mode: 'cli', level: 'debug', version: 'dev' });
  plain.logger.error('e');
  plain.logger.info('i');
  assert.deepEqual(plain.lines, ['[cli] e\n', '[cli] i\n']);
  assert.ok(!plain.lines.join('').includes('\x1b'));

  const colored = capture({ mode: 'cli', level: 'debug', version: 'dev', color: true });
  colored.logger.debug('d', { k: 1 });
  colored.logger.info('i');
  colored.logger.warn('w');
  colored.logger.error('e');
  assert.deepEqual(colored.lines, [
    '\x1b[32m[cli] d: k=1\x1b[0m\n',
    '\x1b[32m[cli] i\x1b[0m\n',
    '\x1b[32m[cli] w\x1b[0m\n',
    '\x1b[31m[cli] e\x1b[0m\n',
  ]);
});

test('text mode: time level msg module version then attributes; values quoted when needed', () => {
  const { logger, lines } = capture({ mode: 'text', level: 'debug', version: '0.1.0', color: true });
  const t0 = Date.now();
  logger.debug('loading criteria from file', { path: 'c.yaml' });
  logger.info('ok', {
    spaced: 'a b',
    eq: 'k=v',
    quote: 'say "x"',
    empty: '',
    ctl: 'a\u001bb',
    n: 5,
    big: 2n ** 64n,
  });
  logger.warn('w');
  logger.error('e', { error: new AicrError('NOT_FOUND', 'recipe file not found: r.yaml') });
  assert.equal(lines.length, 4);
  const m = /^time=(\S+) (.*)\n$/.exec(lines[0]);
  assert.ok(m, lines[0]);
  assert.match(m[1], ISO);
  assert.ok(Math.abs(Date.parse(m[1]) - t0) < 5000);
  assert.equal(m[2], 'level=DEBUG msg="loading criteria from file" module=aicr version=0.1.0 path=c.yaml');
  const rest = lines.map((l) => l.replace(/^time=\S+ /, ''));
  assert.deepEqual(rest.slice(1), [
    'level=INFO msg=ok module=aicr version=0.1.0 spaced="a b" eq="k=v" quote="say \\"x\\"" empty="" ctl="a\\u001bb" n=5 big=18446744073709551616\n',
    'level=WARN msg=w module=aicr version=0.1.0\n',
    'level=ERROR msg=e module=aicr version=0.1.0 error="[NOT_FOUND] recipe file not found: r.yaml"\n',
  ]);
  assert.ok(!lines.join('').includes('\x1b'), 'text mode is never colored');
});

test('json mode: one object per line with time, level, msg, module, version, then attributes', () => {
  const { logger, lines } = capture({ mode: 'json', level: 'info', version: '0.11.1', color: true });
  logger.info('snapshot written', {
    output: 'cm://ns/x',
    count: 3,
    ok: true,
    list: [1, 'a'],
    obj: { k: 'v' },
    gone: undefined,
    memory: 18446744073709551615n,
    small: 42n,
  });
  logger.error('command failed', {
    error: new AicrError('TIMEOUT', 'timed out', new Error('socket hang up')),
  });
  assert.equal(lines.length, 2);
  for (const l of lines) assert.ok(l.endsWith('\n') && !l.slice(0, -1).includes('\n'));
  const first = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(first), [
    'time',
    'level',
    'msg',
    'module',
    'version',
    'output',
    'count',
    'ok',
    'list',
    'obj',
    'memory',
    'small',
  ]);
  assert.match(first.time, ISO);
  assert.deepEqual(
    { ...first, time: 'T' },
    {
      time: 'T',
      level: 'INFO',
      msg: 'snapshot written',
      module: 'aicr',
      version: '0.11.1',
      output: 'cm://ns/x',
      count: 3,
      ok: true,
      list: [1, 'a'],
      obj: { k: 'v' },
      // Beyond 2^53 a reading is kept exact as a string; smaller ones are numbers.
      memory: '18446744073709551615',
      small: 42,
    },
  );
  const second = JSON.parse(lines[1]);
  assert.equal(second.level, 'ERROR');
  assert.equal(second.error, '[TIMEOUT] timed out: socket hang up');
  assert.ok(!lines.join('').includes('\x1b'), 'json mode is never colored');
});

test('logging never throws on values JSON cannot represent', () => {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  for (const mode of ['cli', 'text', 'json'] as const) {
    const { logger, lines } = capture({ mode, level: 'info', version: 'dev' });
    logger.info('odd values', { circular });
    assert.equal(lines.length, 1, mode);
    assert.match(lines[0], /odd values/);
  }
});

test('level filtering: records below the level are dropped; enabled() agrees', () => {
  const order = ['debug', 'info', 'warn', 'error'] as const;
  for (const level of order) {
    const { logger, lines } = capture({ mode: 'cli', level, version: 'dev' });
    for (const l of order) logger.log(l, l);
    const expected = order.slice(order.indexOf(level));
    assert.deepEqual(
      lines,
      expected.map((l) => `[cli] ${l}\n`),
      `level ${level}`,
    );
    assert.deepEqual(
      order.filter((l) => logger.enabled(l)),
      [...expected],
    );
  }
});

test('log() returns the logger set by setLogger', () => {
  const before = log();
  const { logger, lines } = capture({ mode: 'cli', level: 'info', version: 'dev' });
  setLogger(logger);
  try {
    log().info('through the global');
    assert.deepEqual(lines, ['[cli] through the global\n']);
  } finally {
    setLogger(before);
  }
});

test('the default logger writes cli lines to stderr, never stdout, at level info', () => {
  const script = [
    "import { log } from './src/logging/logger.ts';",
    "log().debug('hidden');",
    "log().info('hello', { a: 1 });",
    "log().error('bad');",
  ].join('\n');
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout, '');
  assert.equal(res.stderr, '[cli] hello: a=1\n[cli] bad\n');
});
