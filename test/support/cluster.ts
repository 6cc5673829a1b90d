/**
 * Several Berth processes sharing one PostgreSQL database and one store,
 * behind Debian's nginx balancing round-robin: the scale-out deployment in
 * miniature.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './berth.ts';

export async function waitForHttp(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await sleep(100);
  }
}

export class Node {
  child!: ChildProcess;
  log = '';
  constructor(
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      process.execPath,
      ['bin/berth.js', 'serve', '--host', '127.0.0.1', '--port', String(this.port)],
      {
        env: { ...process.env, BERTH_AUTH: 'off', ...this.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child.stdout?.on('data', (c) => {
      this.log += c;
    });
    this.child.stderr?.on('data', (c) => {
      this.log += c;
    });
    await waitForHttp(`${this.url}/v2/`);
  }

  /** Paths of the requests this node served, by method. */
  requests(method: string): string[] {
    return this.log
      .split('\n')
      .filter((l) => l.startsWith('{"'))
      .map((l) => JSON.parse(l))
      .filter((l) => l.method === method)
      .map((l) => l.path);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }
}

export interface Cluster {
  url: string;
  host: string;
  nodes: Node[];
  stop(): Promise<void>;
}

/** Starts `count` nodes with `env` (database and storage settings) and nginx in front. */
export async function startCluster(count: number, env: NodeJS.ProcessEnv): Promise<Cluster> {
  const nodes: Node[] = [];
  for (let i = 0; i < count; i++) nodes.push(new Node(await freePort(), env));
  // One node first: it runs the migrations; the others then start together.
  await nodes[0].start();
  await Promise.all(nodes.slice(1).map((n) => n.start()));

  const prefix = await mkdtemp(join(tmpdir(), 'berth-nginx-'));
  await mkdir(join(prefix, 'logs'));
  const port = await freePort();
  const conf = `
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream berth {
${nodes.map((n) => `    server 127.0.0.1:${n.port} max_fails=1 fail_timeout=30s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;
    proxy_request_buffering off;
    proxy_buffering off;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $http_host;
    proxy_read_timeout 300s;
    location / { proxy_pass http://berth; }
  }
}`;
  await writeFile(join(prefix, 'nginx.conf'), conf);
  const nginx = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: 'inherit',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/v2/`);
  return {
    url,
    host: `127.0.0.1:${port}`,
    nodes,
    async stop() {
      nginx.kill('SIGTERM');
      await once(nginx, 'exit').catch(() => {});
      await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
      await rm(prefix, { recursive: true, force: true });
    },
  };
}
