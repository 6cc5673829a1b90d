import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { after, test } from 'node:test';
import { BlobFlights, STORE_LEAD_BYTES } from './flights.ts';

const dir = mkdtempSync(join(tmpdir(), 'berth-flights-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** An upstream body under the test's control: chunks are written when the test says. */
function upstream(size: number) {
  const body = new PassThrough({ highWaterMark: 64 * 1024 });
  return { source: { size, body }, body };
}

async function collect(stream: Readable, slow = false): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) {
    parts.push(c as Buffer);
    if (slow) await new Promise((r) => setTimeout(r, 2));
  }
  return Buffer.concat(parts);
}

async function storeAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c);
  return Buffer.concat(parts);
}

test('one fetch for all: an early, a late and a slow client each get every byte; the store gets them once', async () => {
  const flights = new BlobFlights(join(dir, 'a'));
  const blob = randomBytes(3 * 1024 * 1024 + 17);
  const up = upstream(blob.length);
  let fetches = 0;
  let stored: Buffer | null = null;
  const fetch = async () => {
    fetches++;
    return up.source;
  };
  const store = async (body: AsyncIterable<Buffer>) => {
    stored = await storeAll(body);
  };
  const first = await flights.join(digestOf(blob), fetch, store, () => {});
  assert.ok(first.stream);
  const early = collect(first.stream);
  // A client that has not started reading: every chunk is spooled for it.
  const slowJoin = await flights.join(digestOf(blob), fetch, store, () => {});
  // Half the body, then a client joins late (it reads the spool from the start).
  up.body.write(blob.subarray(0, blob.length >> 1));
  await new Promise((r) => setTimeout(r, 20));
  const late = await flights.join(digestOf(blob), fetch, store, () => {});
  const lateBytes = collect(late.stream!);
  const slow = collect(slowJoin.stream!, true);
  for (let at = blob.length >> 1; at < blob.length; at += 100_000) up.body.write(blob.subarray(at, at + 100_000));
  up.body.end();
  assert.deepEqual(await early, blob);
  assert.deepEqual(await lateBytes, blob);
  assert.deepEqual(await slow, blob);
  await first.finished;
  assert.equal(fetches, 1);
  assert.deepEqual(stored, blob);
  await flights.drain();
  assert.deepEqual(readdirSync(join(dir, 'a')), [], 'spool files are removed');
});

test('a body with the wrong digest reaches no client whole: every client errors short of the last byte', async () => {
  const flights = new BlobFlights(join(dir, 'b'));
  const blob = randomBytes(256 * 1024);
  const wrong = Buffer.from(blob);
  wrong[wrong.length - 1] ^= 1;
  const up = upstream(blob.length);
  const store = async (body: AsyncIterable<Buffer>, _size: number, digest: Promise<string> | null) => {
    await storeAll(body);
    if ((await digest) !== digestOf(blob)) throw new Error('digest mismatch');
  };
  const a = await flights.join(
    digestOf(blob),
    async () => up.source,
    store,
    () => {},
  );
  const received: Buffer[] = [];
  a.stream!.on('data', (c: Buffer) => received.push(c));
  const ended = new Promise<Error | null>((resolve) => {
    a.stream!.on('error', resolve);
    a.stream!.on('end', () => resolve(null));
  });
  up.body.end(wrong);
  const err = await ended;
  assert.ok(err, 'the client is cut off');
  assert.ok(Buffer.concat(received).length < blob.length, 'short of the last byte');
  await a.finished;
});

test('a truncated body: clients error, nothing whole is handed out', async () => {
  const flights = new BlobFlights(join(dir, 'c'));
  const blob = randomBytes(200_000);
  const up = upstream(blob.length);
  const store = async (body: AsyncIterable<Buffer>) => {
    const got = await storeAll(body);
    if (got.length !== blob.length) throw new Error('short body');
  };
  const a = await flights.join(
    digestOf(blob),
    async () => up.source,
    store,
    () => {},
  );
  const got = collect(a.stream!);
  up.body.end(blob.subarray(0, 150_000));
  await assert.rejects(got);
});

test("the last byte waits for the flight's own hash, not for the store: a store writing behind is not waited for", async () => {
  const flights = new BlobFlights(join(dir, 'd'));
  const blob = randomBytes(300_000);
  const up = upstream(blob.length);
  let write!: () => void;
  const disk = new Promise<void>((r) => {
    write = r;
  });
  let given: string | null = null;
  const store = async (body: AsyncIterable<Buffer>, _size: number, digest: Promise<string> | null) => {
    await disk; // a slow disk: the store has not read a byte yet
    const got = await storeAll(body);
    given = await digest;
    if (given !== digestOf(got)) throw new Error('digest mismatch');
  };
  const a = await flights.join(
    digestOf(blob),
    async () => up.source,
    store,
    () => {},
  );
  let got = 0;
  let ended = false;
  a.stream!.on('data', (c: Buffer) => {
    got += c.length;
  });
  a.stream!.on('end', () => {
    ended = true;
  });
  up.body.end(blob);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(got, blob.length, 'every byte, verified by the flight, before the store wrote any');
  assert.equal(ended, true);
  write();
  await a.finished;
  assert.equal(given, digestOf(blob), "the store is given the flight's digest of its bytes");
});

test('a wrong digest found once the body ended: the last byte never goes out, and the store is told', async () => {
  const flights = new BlobFlights(join(dir, 'e'));
  const blob = randomBytes(200_000);
  const wrong = Buffer.from(blob);
  wrong[0] ^= 1;
  const up = upstream(blob.length);
  let storeSaw: string | null = null;
  const store = async (body: AsyncIterable<Buffer>, _size: number, digest: Promise<string> | null) => {
    await storeAll(body);
    storeSaw = await digest;
    if (storeSaw !== digestOf(blob)) throw new Error('digest mismatch');
  };
  const a = await flights.join(
    digestOf(blob),
    async () => up.source,
    store,
    () => {},
  );
  let got = 0;
  a.stream!.on('data', (c: Buffer) => {
    got += c.length;
  });
  const ended = new Promise<Error | null>((resolve) => {
    a.stream!.on('error', resolve);
    a.stream!.on('end', () => resolve(null));
  });
  up.body.end(wrong);
  assert.ok(await ended, 'the client is cut off');
  assert.equal(got, blob.length - 1);
  await a.finished;
  assert.equal(storeSaw, digestOf(wrong), 'the store got the true digest of its bytes (and refused them)');
});

test('a store that fails (disk error) does not cut off clients of verified bytes', async () => {
  const flights = new BlobFlights(join(dir, 'f'));
  const blob = randomBytes(500_000);
  const up = upstream(blob.length);
  const store = async (body: AsyncIterable<Buffer>) => {
    for await (const _ of body) throw new Error('ENOSPC');
  };
  const a = await flights.join(
    digestOf(blob),
    async () => up.source,
    store,
    () => {},
  );
  const got = collect(a.stream!);
  for (let at = 0; at < blob.length; at += 100_000) up.body.write(blob.subarray(at, at + 100_000));
  up.body.end();
  assert.deepEqual(await got, blob);
  await a.finished;
});

test('the upstream runs ahead of a slow store by at most STORE_LEAD_BYTES', async () => {
  const flights = new BlobFlights(join(dir, 'g'));
  const blob = randomBytes(STORE_LEAD_BYTES + 4 * 1024 * 1024);
  const up = upstream(blob.length);
  let write!: () => void;
  const disk = new Promise<void>((r) => {
    write = r;
  });
  const store = async (body: AsyncIterable<Buffer>) => {
    await disk;
    await storeAll(body);
  };
  let passed = 0;
  const a = await flights.join(
    digestOf(blob),
    async () => up.source,
    store,
    (n) => {
      passed += n;
    },
  );
  const got = collect(a.stream!);
  void (async () => {
    for (let at = 0; at < blob.length; at += 1024 * 1024) {
      if (!up.body.write(blob.subarray(at, at + 1024 * 1024))) await new Promise((r) => up.body.once('drain', r));
    }
    up.body.end();
  })();
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(passed <= STORE_LEAD_BYTES + 1024 * 1024, `read ${passed} bytes ahead of a store that wrote none`);
  assert.ok(passed >= STORE_LEAD_BYTES, 'but the whole lead');
  write();
  assert.deepEqual(await got, blob);
  await a.finished;
});

test('while every client keeps up nothing is spooled; a client joining then is served from storage once stored', async () => {
  const flights = new BlobFlights(join(dir, 'h'));
  const blob = randomBytes(2 * 1024 * 1024 + 5);
  const up = upstream(blob.length);
  let stored = false;
  const store = async (body: AsyncIterable<Buffer>) => {
    await storeAll(body);
    stored = true;
  };
  const a = await flights.join(
    digestOf(blob),
    async () => up.source,
    store,
    () => {},
  );
  const got = collect(a.stream!);
  for (let at = 0; at < blob.length >> 1; at += 64 * 1024) {
    up.body.write(blob.subarray(at, Math.min(at + 64 * 1024, blob.length >> 1)));
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 20));
  const [spool] = readdirSync(join(dir, 'h'));
  assert.ok(spool);
  assert.ok(
    statSync(join(dir, 'h', spool)).size < blob.length >> 2,
    'the chunks the client took from memory were not spooled',
  );
  let lateJoined = false;
  const late = flights
    .join(
      digestOf(blob),
      async () => {
        throw new Error('a second fetch');
      },
      store,
      () => {},
    )
    .then((j) => {
      lateJoined = true;
      return j;
    });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(lateJoined, false, 'the late client waits for the store');
  up.body.end(blob.subarray(blob.length >> 1));
  assert.deepEqual(await got, blob);
  const j = await late;
  assert.equal(j.stream, undefined, 'no stream: served from storage');
  assert.equal(stored, true);
});
