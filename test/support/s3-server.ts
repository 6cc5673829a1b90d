/**
 * A real S3 server for tests: the one named by S3_ENDPOINT (with S3_ACCESS_KEY,
 * S3_SECRET_KEY, S3_REGION) when set, else a Ceph RGW started by
 * scripts/s3-up.sh and stopped by scripts/s3-down.sh.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const scripts = fileURLToPath(new URL('../../scripts/', import.meta.url));

export interface S3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Seconds the server took to start (0 when it was already running). */
  startSeconds: number;
  stop(): Promise<void>;
}

function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^(S3_[A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2];
  }
  return env;
}

export async function startS3(): Promise<S3Server> {
  const given = process.env;
  if (given.S3_ENDPOINT) {
    return {
      endpoint: given.S3_ENDPOINT,
      accessKeyId: given.S3_ACCESS_KEY ?? '',
      secretAccessKey: given.S3_SECRET_KEY ?? '',
      region: given.S3_REGION ?? 'us-east-1',
      startSeconds: 0,
      stop: async () => {},
    };
  }
  const state = await mkdtemp(join(tmpdir(), 'berth-s3-test-'));
  const started = performance.now();
  const { stdout } = await run('bash', [join(scripts, 's3-up.sh'), state], { timeout: 600_000 }).catch((err) => {
    throw new Error(`scripts/s3-up.sh failed: ${err.stderr ?? err.message}`);
  });
  const env = parseEnv(stdout);
  if (!env.S3_ENDPOINT) throw new Error(`scripts/s3-up.sh printed no endpoint:\n${stdout}`);
  return {
    endpoint: env.S3_ENDPOINT,
    accessKeyId: env.S3_ACCESS_KEY,
    secretAccessKey: env.S3_SECRET_KEY,
    region: env.S3_REGION,
    startSeconds: (performance.now() - started) / 1000,
    stop: async () => {
      await run('bash', [join(scripts, 's3-down.sh'), state], { timeout: 60_000 });
    },
  };
}
