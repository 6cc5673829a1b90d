// A bare HTTP relay to one registry, in its own process (as Berth is): what any proxy written in Node pays on this
// machine to pass bytes through user space, without storing them. `GET /pipe/<path>` pipes the upstream's answer;
// `GET /hash/<path>` also hashes the body (SHA-256, inline), the least a proxy that verifies digests does.
// Started by bench/lib/relay.ts with RELAY_UPSTREAM; sends its port to the parent once listening.
import { createHash } from 'node:crypto';
import http from 'node:http';

const upstream = process.env.RELAY_UPSTREAM;
const agent = new http.Agent({ keepAlive: true });

const relay = http.createServer((req, res) => {
  const mode = /^\/(pipe|hash)\//.exec(req.url ?? '')?.[1];
  if (!mode) {
    res.writeHead(404).end();
    return;
  }
  const path = (req.url ?? '').slice(mode.length + 1);
  const headers = req.headers.accept ? { accept: req.headers.accept } : {};
  http
    .get(`${upstream}${path}`, { agent, headers }, (up) => {
      const out = { 'content-length': up.headers['content-length'] ?? 0 };
      if (up.headers['content-type']) out['content-type'] = up.headers['content-type'];
      res.writeHead(up.statusCode ?? 502, out);
      if (mode === 'pipe') {
        up.pipe(res);
        return;
      }
      const hash = createHash('sha256');
      up.on('data', (c) => {
        hash.update(c);
        if (!res.write(c)) {
          up.pause();
          res.once('drain', () => up.resume());
        }
      });
      up.on('end', () => {
        hash.digest('hex');
        res.end();
      });
    })
    .on('error', () => res.destroy());
});

relay.listen(0, '127.0.0.1', () => process.send?.(relay.address().port));
process.on('disconnect', () => process.exit(0));
