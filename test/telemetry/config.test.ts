/** Where `--trace` sends spans: flag, OTEL_* variables and defaults, per protocol (src/telemetry/config.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTraceTarget } from '../../src/telemetry/config.js';
import { otelFromEnv } from '../../src/util/env.js';
import { AicrError } from '../../src/errors/index.js';

const t = (flag: string | undefined, env: Record<string, string>) =>
  resolveTraceTarget(flag, otelFromEnv(env));

describe('resolveTraceTarget', () => {
  it('defaults: gRPC to localhost:4317, service aicr; HTTP to localhost:4318/v1/traces', () => {
    assert.deepEqual(t(undefined, {}), {
      protocol: 'grpc',
      url: 'http://localhost:4317',
      serviceName: 'aicr',
    });
    assert.equal(
      t(undefined, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }).url,
      'http://localhost:4318/v1/traces',
    );
  });

  it('the traces-specific variables win over the general ones; the flag wins over both', () => {
    const env = {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp/traces',
      OTEL_SERVICE_NAME: 'nightly',
    };
    assert.deepEqual(t(undefined, env), {
      protocol: 'http/json',
      url: 'https://traces.example.com/otlp/traces',
      serviceName: 'nightly',
    });
    assert.equal(t('otel:4318', env).url, 'http://otel:4318/v1/traces');
    assert.equal(t('https://otel:4318/custom', env).url, 'https://otel:4318/custom');
  });

  it('OTEL_EXPORTER_OTLP_ENDPOINT is a base: /v1/traces appended for HTTP, as is for gRPC', () => {
    assert.equal(
      t(undefined, {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/base/',
      }).url,
      'http://c:4318/base/v1/traces',
    );
    assert.equal(t(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }).url, 'http://c:4317');
    assert.equal(t('c:4317', {}).url, 'http://c:4317');
  });

  it('bad protocol, scheme or credentials in the URL: exit-2 errors naming the source', () => {
    const bad = (f: () => unknown, re: RegExp) =>
      assert.throws(
        f,
        (e: unknown) => e instanceof AicrError && e.code === 'INVALID_REQUEST' && re.test(e.message),
      );
    bad(
      () => t(undefined, { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'zipkin' }),
      /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL/,
    );
    bad(() => t('unix:///sock', {}), /--trace-endpoint: unsupported scheme/);
    bad(() => t(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://u:p@c:4317' }), /credentials/);
    bad(() => t('http://[bad', {}), /--trace-endpoint: invalid endpoint/);
  });
});
