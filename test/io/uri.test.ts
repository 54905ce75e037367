/** cm://namespace/name parsing and location classification. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AicrError, exitCodeFor } from '../../src/errors/index.js';
import {
  checkInputLocation,
  checkLocalPath,
  checkOutputLocation,
  displayLocation,
  isConfigMapUri,
  isHttpUrl,
  parseConfigMapUri,
  parseHttpUrl,
  schemeOf,
} from '../../src/io/uri.js';

function refused(uri: string, message: string): void {
  assert.throws(
    () => parseConfigMapUri(uri),
    (err: unknown) => {
      assert.ok(err instanceof AicrError);
      assert.equal(err.code, 'INVALID_REQUEST');
      assert.equal(exitCodeFor(err), 2);
      assert.equal(err.message, message);
      return true;
    },
    uri,
  );
}

const LABEL_RULE =
  "must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)";
const SUBDOMAIN_RULE =
  "must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters)";

test('parseConfigMapUri: valid URIs', () => {
  assert.deepEqual(parseConfigMapUri('cm://default/aicr-snapshot'), {
    namespace: 'default',
    name: 'aicr-snapshot',
  });
  assert.deepEqual(parseConfigMapUri('cm://gpu-operator/snap.v1.2'), {
    namespace: 'gpu-operator',
    name: 'snap.v1.2',
  });
  assert.deepEqual(parseConfigMapUri('cm://a/b'), { namespace: 'a', name: 'b' });
  assert.deepEqual(parseConfigMapUri('cm://0ns/9'), { namespace: '0ns', name: '9' });
  // Both parts are trimmed of whitespace.
  assert.deepEqual(parseConfigMapUri('cm://default / x '), { namespace: 'default', name: 'x' });
  assert.deepEqual(parseConfigMapUri('cm://\tns\t/\tname\n'), { namespace: 'ns', name: 'name' });
  // Length limits are inclusive: 63 for the namespace, 253 for the name.
  const ns63 = 'n'.repeat(63);
  const name253 = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.');
  assert.equal(name253.length, 253);
  assert.deepEqual(parseConfigMapUri(`cm://${ns63}/${name253}`), { namespace: ns63, name: name253 });
});

test('parseConfigMapUri: missing cm:// prefix', () => {
  for (const uri of [
    'default/x',
    'CM://default/x',
    'cm:/default/x',
    ' cm://default/x',
    'configmap://a/b',
    '',
  ]) {
    refused(uri, `invalid ConfigMap URI "${uri}": must start with cm:// (cm://namespace/name)`);
  }
});

test('parseConfigMapUri: no slash after the namespace', () => {
  refused('cm://default', 'invalid ConfigMap URI "cm://default": expected cm://namespace/name');
  refused('cm://', 'invalid ConfigMap URI "cm://": expected cm://namespace/name');
});

test('parseConfigMapUri: empty namespace or name (also after trimming)', () => {
  for (const uri of ['cm:///x', 'cm://ns/', 'cm:///', 'cm://  /x', 'cm://ns/   ']) {
    refused(uri, `invalid ConfigMap URI "${uri}": namespace and name cannot be empty (cm://namespace/name)`);
  }
});

test('parseConfigMapUri: namespace must be a DNS-1123 label', () => {
  const cases: [string, string][] = [
    ['cm://Default/x', 'Default'],
    ['cm://gpu_operator/x', 'gpu_operator'],
    ['cm://-ns/x', '-ns'],
    ['cm://ns-/x', 'ns-'],
    ['cm://my.ns/x', 'my.ns'],
    ['cm://n s/x', 'n s'],
    ['cm://ñs/x', 'ñs'],
    [`cm://${'n'.repeat(64)}/x`, 'n'.repeat(64)],
  ];
  for (const [uri, ns] of cases)
    refused(uri, `invalid ConfigMap URI "${uri}": namespace "${ns}" ${LABEL_RULE}`);
});

test('parseConfigMapUri: name must be a DNS-1123 subdomain (dots allowed)', () => {
  const long = 'a'.repeat(254);
  const cases: [string, string][] = [
    ['cm://ns/Snapshot', 'Snapshot'],
    ['cm://ns/snap_shot', 'snap_shot'],
    ['cm://ns/-snap', '-snap'],
    ['cm://ns/snap.', 'snap.'],
    ['cm://ns/.snap', '.snap'],
    ['cm://ns/a..b', 'a..b'],
    ['cm://ns/a.-b', 'a.-b'],
    ['cm://ns/a/b', 'a/b'],
    ['cm://ns/a b', 'a b'],
    [`cm://ns/${long}`, long],
  ];
  for (const [uri, name] of cases)
    refused(uri, `invalid ConfigMap URI "${uri}": name "${name}" ${SUBDOMAIN_RULE}`);
});

test('isConfigMapUri and isHttpUrl classify locations', () => {
  assert.equal(isConfigMapUri('cm://a/b'), true);
  assert.equal(isConfigMapUri('cm:/a/b'), false);
  assert.equal(isConfigMapUri('./cm://a'), false);
  assert.equal(isHttpUrl('http://127.0.0.1/r.yaml'), true);
  assert.equal(isHttpUrl('HTTPS://example.com/r.yaml'), true);
  assert.equal(isHttpUrl('ftp://example.com/r.yaml'), false);
  assert.equal(isHttpUrl('http:/x'), false);
  assert.equal(isHttpUrl('recipe.yaml'), false);
});

// ---- schemes, URL checks (issue 9 §6) ------------------------------------------------------------

function exit2(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AicrError);
    assert.equal(exitCodeFor(err), 2);
    assert.match(err.message, re);
    return true;
  });
}

test('schemeOf: any scheme://, lower-cased; paths, Windows-like and cm without // are not schemes', () => {
  assert.equal(schemeOf('S3://b/k'), 's3');
  assert.equal(schemeOf('git+ssh://h/r'), 'git+ssh');
  assert.equal(schemeOf('cm://ns/n'), 'cm');
  for (const p of ['./s3://x', 'dir/file.yaml', '-', 'c:\\x', 'cm:/ns/n', 's3:bucket', '']) {
    assert.equal(schemeOf(p), undefined, p);
  }
});

test('checkInputLocation / checkOutputLocation: only files, -, http(s) (inputs), cm:// and s3:// pass', () => {
  for (const ok of ['a.yaml', '/tmp/x', 'http://h/x', 'HTTPS://h/x', 'cm://ns/n', 's3://b/k'])
    checkInputLocation(ok, 'recipe');
  for (const ok of ['a.yaml', '/dev/null', 'cm://ns/n', 'S3://b/k']) checkOutputLocation(ok, 'recipe');
  for (const bad of ['az://b/k', 'gs://b/k', 'file:///etc/passwd', 'oci://r/x:1', 'ftp://h/x']) {
    exit2(() => checkInputLocation(bad, 'recipe'), /scheme is not supported; use a file path, - for stdin/);
    exit2(() => checkOutputLocation(bad, 'recipe'), /scheme is not supported; use a file path, - for stdout/);
  }
  exit2(() => checkOutputLocation('https://h/x', 'recipe'), /URLs are read-only/);
  exit2(() => checkInputLocation('file:///x.yaml', 'recipe'), /give the path itself/);
  exit2(() => checkLocalPath('s3://b', '--data'), /--data takes a local directory path/);
  checkLocalPath('./catalog', '--data');
});

test('parseHttpUrl: malformed URLs and credentials are exit 2, printed redacted', () => {
  assert.equal(parseHttpUrl('https://h:8443/a?x=1', 'recipe').host, 'h:8443');
  for (const bad of ['http://[::1', 'http://', 'https://exa mple.com/']) {
    exit2(() => parseHttpUrl(bad, 'recipe'), /invalid URL for recipe/);
  }
  exit2(
    () => parseHttpUrl('https://me:pw@h/x?sig=s', 'recipe'),
    /"https:\/\/REDACTED@h\/x\?REDACTED" contains credentials/,
  );
  exit2(() => parseHttpUrl('https://token@h/x', 'recipe'), /contains credentials/);
  assert.equal(displayLocation('https://a:b@h/p?q=1#f'), 'https://REDACTED@h/p?REDACTED#f');
  assert.equal(displayLocation('./plain.yaml'), './plain.yaml');
});
