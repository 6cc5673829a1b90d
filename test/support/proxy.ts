/**
 * A recording reverse proxy: put it between a real client and the registry to
 * see which requests the client made (method, path with query, status), for
 * assertions such as "this copy used a cross-repository mount and uploaded
 * nothing". Bodies stream through untouched; the Host header is passed on so
 * that absolute Location URLs the registry builds point back at the proxy.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Exchange {
  method: string;
  /** Path and query as the client sent them. */
  url: string;
  status: number;
}

export class RecordingProxy {
  readonly exchanges: Exchange[] = [];
  /** Called as each request arrives, before it is forwarded. */
  onRequest: ((method: string, url: string) => void) | null = null;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<RecordingProxy> {
    let self: RecordingProxy | undefined;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      self?.onRequest?.(req.method ?? '', req.url ?? '');
      const upstream = request(
        { host: targetHost, port: targetPort, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          self?.exchanges.push({ method: req.method ?? '', url: req.url ?? '', status: up.statusCode ?? 0 });
          res.writeHead(up.statusCode ?? 502, up.rawHeaders);
          up.pipe(res);
        },
      );
      upstream.on('error', () => {
        self?.exchanges.push({ method: req.method ?? '', url: req.url ?? '', status: 502 });
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    self = new RecordingProxy(server, (server.address() as AddressInfo).port);
    return self;
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Forgets what was recorded so far. */
  clear(): void {
    this.exchanges.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((res) => this.server.close(() => res()));
  }
}
