import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { digestOf } from '../src/core/digest.ts';
import { type RunningBerth, startInProcess } from './support/inprocess.ts';

describe('/metrics', () => {
  let b: RunningBerth;
  before(async () => {
    b = await startInProcess();
  });
  after(async () => b.stop());

  it('counts requests by method, route and status, with bytes and a duration histogram', async () => {
    const data = randomBytes(1000);
    const digest = digestOf(data);
    for (const repo of ['m/a', 'm/b']) {
      const res = await fetch(`${b.url}/v2/${repo}/blobs/uploads/?digest=${digest}`, {
        method: 'POST',
        body: new Uint8Array(data),
      });
      assert.equal(res.status, 201);
    }
    for (let i = 0; i < 3; i++) await (await fetch(`${b.url}/v2/m/a/blobs/${digest}`)).arrayBuffer();
    assert.equal((await fetch(`${b.url}/v2/m/a/manifests/missing`)).status, 404);

    // A request is recorded when its response closes, which may trail the client's read by a moment.
    let text = '';
    for (let i = 0; i < 50; i++) {
      text = await (await fetch(`${b.url}/metrics`)).text();
      if (/route="v2:manifest",status="404"\} 1$/m.test(text) && /route="v2:blob",status="200"\} 3$/m.test(text)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(text, /^berth_http_requests_total\{method="POST",route="v2:uploads",status="201"\} 2$/m);
    assert.match(text, /^berth_http_requests_total\{method="GET",route="v2:blob",status="200"\} 3$/m);
    assert.match(text, /^berth_http_requests_total\{method="GET",route="v2:manifest",status="404"\} 1$/m);
    const sent = Number(
      /^berth_http_response_bytes_total\{method="GET",route="v2:blob",status="200"\} (\d+)$/m.exec(text)?.[1],
    );
    assert.ok(sent >= 3000 && sent < 3000 + 3 * 2048, `3 bodies of 1000 bytes and their headers: ${sent}`);
    assert.match(text, /^berth_http_request_duration_seconds_count\{method="GET",route="v2:blob"\} 3$/m);
    assert.match(text, /^berth_http_request_duration_seconds_bucket\{method="GET",route="v2:blob",le="\+Inf"\} 3$/m);
    const buckets = [
      ...text.matchAll(
        /^berth_http_request_duration_seconds_bucket\{method="GET",route="v2:blob",le="[^"]+"\} (\d+)$/gm,
      ),
    ].map((m) => Number(m[1]));
    assert.deepEqual(
      buckets,
      [...buckets].sort((x, y) => x - y),
      'buckets are cumulative',
    );
    assert.match(text, /^berth_process_resident_memory_bytes \d+/m);
  });
});

describe('/metrics with a request waiting behind a response on the same connection', () => {
  let b: RunningBerth;
  before(async () => {
    b = await startInProcess();
  });
  after(async () => b.stop());

  it('counts the bytes of each response alone', async () => {
    // Two requests in one write: Node holds the second response until the first finishes, then flushes it at once.
    const data = randomBytes(5000);
    const digest = digestOf(data);
    const pushed = await fetch(`${b.url}/v2/p/a/blobs/uploads/?digest=${digest}`, { method: 'POST', body: data });
    assert.equal(pushed.status, 201);
    const { hostname, port } = new URL(b.url);
    const socket = connect(Number(port), hostname);
    const ask = (path: string) => `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`;
    socket.write(ask(`/v2/p/a/blobs/${digest}`) + ask('/v2/p/a/manifests/none'));
    let received = '';
    for await (const chunk of socket) {
      received += chunk.toString('latin1');
      if (received.includes('MANIFEST_UNKNOWN')) break;
    }
    socket.destroy();
    let text = '';
    for (let i = 0; i < 50; i++) {
      text = await (await fetch(`${b.url}/metrics`)).text();
      if (/route="v2:blob",status="200"\} \d+$/m.test(text) && /route="v2:manifest",status="404"\} \d+$/m.test(text))
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const bytes = (route: string, status: number) =>
      Number(
        new RegExp(
          `^berth_http_response_bytes_total\\{method="GET",route="${route}",status="${status}"\\} (\\d+)$`,
          'm',
        ).exec(text)?.[1],
      );
    const blob = bytes('v2:blob', 200);
    const notFound = bytes('v2:manifest', 404);
    assert.ok(blob >= 5000 && blob < 5000 + 2048, `the blob's response alone, headers included: ${blob}`);
    assert.ok(notFound > 0 && notFound < 1024, `the 404's response alone: ${notFound}`);
  });
});
