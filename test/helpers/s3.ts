/**
 * A real S3-compatible server on 127.0.0.1 for the s3:// tests: gofakes3 wrapped by scripts/tools/s3server
 * (moto, the example, needs PyPI, which the CI machines cannot reach). The server checks no
 * signatures, so refusals come from its -deny-access-key and -deny-put options; its -log lines show the
 * order of requests. `s3Fixture()` starts one per suite with the environment the built CLI runs with.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { runCli } from './cli.js';
import { findTool, toolSkipReason } from './tools.js';

export const S3_SECRET = 'S3CR3T-never-printed';
// The SDK client of the test process (used to look at the server independently of aicr) warns about
// Node 20 on stderr; aicr itself silences the same warning.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** `false` when s3server is there, else the reason to print when skipping. */
export function s3SkipReason(): string | false {
  const skip = toolSkipReason('s3server');
  if (skip) console.log(`# skipping s3:// tests: ${skip}`);
  return skip;
}

export interface S3Server {
  url: string;
  proc: ChildProcess;
  /** Request log lines ("METHOD /bucket/key?query STATUS"), in order. */
  lines: string[];
}

export function startS3Server(args: string[]): Promise<S3Server> {
  return new Promise((resolve, reject) => {
    const proc = spawn(findTool('s3server')!, ['-addr', '127.0.0.1:0', '-log', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let buf = '';
    let started = false;
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^listening on (http:\/\/\S+)$/.exec(line);
        if (m && !started) {
          started = true;
          resolve({ url: m[1]!, proc, lines });
        } else lines.push(line);
      }
    });
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (!started) reject(new Error(`s3server exited with ${code}`));
    });
  });
}

export function s3Client(url: string): S3Client {
  return new S3Client({
    endpoint: url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: S3_SECRET },
  });
}

export interface S3Fixture {
  server: S3Server;
  dir: string;
  env: Record<string, string | undefined>;
  sdk: S3Client;
  cli: (args: string[], extra?: Record<string, string | undefined>) => ReturnType<typeof runCli>;
  getText: (bucket: string, key: string) => Promise<string>;
  listKeys: (bucket: string, prefix: string) => Promise<string[]>;
  close: () => void;
}

/**
 * A server with buckets `aicr` and `other` (requests signed with access key DENIEDKEY are refused), a
 * temp folder with a small fake OS root (`root`), and the CLI's environment: that server, static
 * credentials, no shared config files, no instance metadata.
 */
export async function s3Fixture(serverArgs: string[] = []): Promise<S3Fixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-s3-'));
  const server = await startS3Server([
    '-bucket',
    'aicr,other',
    '-deny-access-key',
    'DENIEDKEY',
    ...serverArgs,
  ]);
  mkdirSync(path.join(dir, 'root', 'proc/sys/kernel'), { recursive: true });
  writeFileSync(path.join(dir, 'root', 'proc/cmdline'), 'BOOT_IMAGE=/vmlinuz quiet\n');
  for (let i = 0; i < 3; i++)
    writeFileSync(path.join(dir, 'root', `proc/sys/kernel/k${i}`), `v${i}-`.repeat(10) + '\n');
  const env: Record<string, string | undefined> = {
    AWS_ENDPOINT_URL: server.url,
    AWS_ENDPOINT_URL_S3: undefined,
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: S3_SECRET,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
    HOME: dir,
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    AICR_OS_ROOT: path.join(dir, 'root'),
  };
  const sdk = s3Client(server.url);
  return {
    server,
    dir,
    env,
    sdk,
    cli: (args, extra = {}) => runCli(args, { env: { ...env, ...extra }, cwd: dir, timeoutMs: 120_000 }),
    getText: async (bucket, key) => {
      const res = await sdk.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return res.Body!.transformToString();
    },
    listKeys: async (bucket, prefix) => {
      const res = await sdk.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (res.Contents ?? []).map((o) => o.Key!).sort();
    },
    close: () => {
      sdk.destroy();
      server.proc.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
