// Environment variables are read in one typed module (issue 11 §1): src/util/env.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { exitCodeFor } from '../../src/errors/index.js';
import {
  debugFromEnv,
  envBool,
  httpTimeoutFromEnv,
  k8sRequestTimeoutFromEnv,
  maxNodesPerEntryFromEnv,
} from '../../src/util/env.js';
import { repoRoot } from '../helpers/paths.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|mjs)$/.test(n) ? [p] : [];
  });
}

test('no module but src/util/env.ts reads an AICR_* variable or NO_COLOR', () => {
  const offenders = sources(path.join(repoRoot, 'src'))
    .filter((f) => !f.endsWith(path.join('util', 'env.ts')))
    .filter((f) => /\benv\??\.(AICR_[A-Z_]+|NO_COLOR)\b|\benv\[['"]AICR_/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});

test('booleans parse one way (Go syntax); a bad value is exit 2 naming the variable', () => {
  for (const v of ['1', 't', 'TRUE', 'true', 'True']) assert.equal(debugFromEnv({ AICR_DEBUG: v }), true);
  for (const v of ['', '0', 'f', 'false', 'FALSE']) assert.equal(debugFromEnv({ AICR_DEBUG: v }), false);
  assert.equal(debugFromEnv({}), false);
  assert.throws(
    () => envBool('AICR_LOG_JSON', { AICR_LOG_JSON: 'yes' }),
    (err: unknown) => exitCodeFor(err) === 2 && /AICR_LOG_JSON/.test((err as Error).message),
  );
});

test('durations and integers', () => {
  assert.equal(k8sRequestTimeoutFromEnv({}), undefined);
  assert.equal(k8sRequestTimeoutFromEnv({ AICR_K8S_REQUEST_TIMEOUT: '0s' }), undefined);
  assert.equal(k8sRequestTimeoutFromEnv({ AICR_K8S_REQUEST_TIMEOUT: '1m30s' }), 90_000);
  assert.equal(httpTimeoutFromEnv({ AICR_HTTP_TIMEOUT: '10' }), 10_000);
  assert.equal(maxNodesPerEntryFromEnv({ AICR_MAX_NODES_PER_ENTRY: ' 5 ' }), 5);
  assert.equal(maxNodesPerEntryFromEnv({}), undefined);
  assert.throws(
    () => maxNodesPerEntryFromEnv({ AICR_MAX_NODES_PER_ENTRY: '-1' }),
    /AICR_MAX_NODES_PER_ENTRY/,
  );
});
