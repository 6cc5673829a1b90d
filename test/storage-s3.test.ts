/**
 * The S3 driver against a real S3 server (Ceph RGW from scripts/s3-up.sh, or
 * the one named by S3_ENDPOINT): the shared driver suite, then what only S3 has.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { S3Driver, type S3DriverOptions } from '../src/adapters/storage/s3.ts';
import { copyObject, payloadSha256, withPayloadSha256 } from '../src/adapters/storage/s3-multipart.ts';
import { NotFoundError } from '../src/core/ports.ts';
import { storageDriverSuite } from './suites/storage-driver.ts';
import { type S3Server, startS3 } from './support/s3-server.ts';

const BUCKET = 'berth-test';
const MiB = 1024 * 1024;
let server: S3Server;
const drivers: S3Driver[] = [];

before(async () => {
  server = await startS3();
  if (server.startSeconds > 0) console.log(`# S3 server (Ceph RGW) started in ${server.startSeconds.toFixed(1)} s`);
  const driver = makeDriver({});
  await driver.ensureBucket();
});

after(async () => {
  for (const driver of drivers) driver.close();
  await server?.stop();
});

function makeDriver(options: Partial<S3DriverOptions>): S3Driver {
  const driver = new S3Driver({
    bucket: BUCKET,
    endpoint: server.endpoint,
    region: server.region,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    ...options,
  });
  drivers.push(driver);
  return driver;
}

/** A destination that keeps what it is sent (a client's socket). */
class Collect extends Writable {
  private readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(Buffer.from(chunk)); // a copy: a shared chunk's buffer is reused after the write
    setImmediate(done);
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

async function openMultipartUploads(driver: S3Driver): Promise<string[]> {
  const out = await driver.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: driver.prefix }));
  return (out.Uploads ?? []).map((upload) => upload.Key ?? '');
}

/** Removes everything under the driver's prefix; fails if a multipart upload was left open. */
async function removeAll(driver: S3Driver): Promise<void> {
  const open = await openMultipartUploads(driver);
  for (;;) {
    const page = await driver.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: driver.prefix }));
    const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key }));
    if (keys.length === 0) break;
    await driver.client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys, Quiet: true } }));
  }
  assert.deepEqual(open, [], 'no multipart upload is left open');
}

/** Counts the S3 commands a driver sends. */
function countCommands(driver: S3Driver): { count(name: string): number; all(): string } {
  const commands: string[] = [];
  driver.client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return { count: (name) => commands.filter((c) => c === name).length, all: () => commands.join(' ') };
}

/** `bytes` as a source of 64 KiB chunks, as a request body comes. */
async function* chunksOf(bytes: Buffer): AsyncIterable<Buffer> {
  for (let i = 0; i < bytes.length; i += 65536) yield bytes.subarray(i, i + 65536);
}

/** The objects under an upload's folder. */
async function folderKeys(driver: S3Driver, id: string): Promise<string[]> {
  const page = await driver.client.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${driver.prefix}uploads/${id}/` }),
  );
  return (page.Contents ?? []).map((object) => object.Key ?? '');
}

// The smallest part size makes the suite's uploads cross many part boundaries;
// a small list page makes its listings span pages.
storageDriverSuite('s3', async () => {
  const driver = makeDriver({ prefix: `suite-${randomUUID()}`, partSize: 5 * MiB, listPageSize: 7 });
  return { driver, cleanup: () => removeAll(driver) };
});

describe('S3 driver: what only S3 has', { timeout: 180_000 }, () => {
  test('redirectUrl is null by default, a presigned URL when enabled', async () => {
    const prefix = `redirect-${randomUUID()}`;
    const plain = makeDriver({ prefix });
    const data = randomBytes(70_000);
    await plain.put('blobs/x/y', data);
    assert.equal(await plain.redirectUrl('blobs/x/y'), null);
    const redirecting = makeDriver({ prefix, redirect: true, redirectExpiresIn: 60 });
    const url = await redirecting.redirectUrl('blobs/x/y');
    assert.ok(url, 'a URL');
    assert.match(url, /X-Amz-Expires=60/);
    assert.ok(url.startsWith(`${server.endpoint}/${BUCKET}/${prefix}/blobs/x/y?`), url);
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(data));
    const tampered = await fetch(url.replace('X-Amz-Expires=60', 'X-Amz-Expires=61'));
    assert.equal(tampered.status, 403, 'the signature covers the expiry');
    const other = makeDriver({ prefix, redirect: true, redirectEndpoint: 'http://registry-store.example:9000' });
    assert.ok((await other.redirectUrl('blobs/x/y'))?.startsWith('http://registry-store.example:9000/'));
    await removeAll(plain);
  });

  test('an upload started on one node continues and commits on another, given only its JSON state', async () => {
    const prefix = `nodes-${randomUUID()}`;
    const [a, b] = [makeDriver({ prefix }), makeDriver({ prefix, partSize: 8 * MiB })];
    const id = randomUUID();
    const parts = [randomBytes(3 * MiB), randomBytes(20 * MiB + 3), randomBytes(MiB), randomBytes(4 * MiB)];
    let state = JSON.stringify(await a.uploadStart(id));
    let offset = 0;
    for (const [i, part] of parts.entries()) {
      const node = i % 2 ? b : a;
      const out = await node.uploadAppend(
        id,
        JSON.parse(state),
        offset,
        (async function* () {
          yield part;
        })(),
      );
      assert.equal(out.written, part.length);
      state = JSON.stringify(out.state);
      offset += part.length;
    }
    const whole = Buffer.concat(parts);
    const sha = createHash('sha256').update(whole).digest('hex');
    const reread = createHash('sha256');
    for await (const chunk of await b.uploadReader(id, JSON.parse(state), whole.length)) reread.update(chunk as Buffer);
    assert.equal(reread.digest('hex'), sha, 'rehash on the other node');
    await a.uploadCommit(id, JSON.parse(state), whole.length, `blobs/sha256/${sha.slice(0, 2)}/${sha}`);
    const got = await b.get(`blobs/sha256/${sha.slice(0, 2)}/${sha}`);
    assert.equal(
      createHash('sha256')
        .update(got ?? Buffer.alloc(0))
        .digest('hex'),
      sha,
    );
    await removeAll(a);
  });

  test('many slow downloads at once do not starve the connection pool', async () => {
    // Each blob being sent holds a connection to the store until its client has it all.
    const driver = makeDriver({ prefix: `pool-${randomUUID()}` });
    const data = randomBytes(256 * 1024);
    await driver.put('blobs/x/pool', data);
    const readers = await Promise.all(Array.from({ length: 80 }, () => driver.reader('blobs/x/pool')));
    for (const reader of readers) {
      const chunks: Buffer[] = [];
      for await (const chunk of reader) chunks.push(chunk as Buffer);
      assert.ok(Buffer.concat(chunks).equals(data));
    }
    await removeAll(driver);
  });

  test('downloads of one blob at once share its ranged GETs, byte for byte', async () => {
    // A pull storm: each download its own GetObject stream starved the store (bench/FINDINGS.md, session 9).
    const driver = makeDriver({ prefix: `shared-${randomUUID()}` });
    const data = randomBytes(10 * MiB + 12_345); // three 4 MiB chunks
    await driver.put('blobs/sha256/ab/shared', data);
    const gets: string[] = [];
    driver.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectCommand') gets.push(String((args.input as { Range?: string }).Range));
        return next(args);
      },
      { step: 'initialize', name: 'countGets' },
    );
    const sinks = Array.from({ length: 12 }, () => new Collect());
    await Promise.all(sinks.map((sink) => driver.send('blobs/sha256/ab/shared', sink)));
    for (const sink of sinks) assert.ok(sink.bytes().equals(data));
    // The first download streams the object alone; the 11 that join it share 3 chunk GETs.
    assert.ok(gets.length <= 4, `${gets.length} GETs (one stream, 3 chunks): ${gets.join(' ')}`);
    // A range, and a blob that is not there.
    const part = new Collect();
    await driver.send('blobs/sha256/ab/shared', part, { start: 4 * MiB - 10, end: 8 * MiB + 9 });
    assert.ok(part.bytes().equals(data.subarray(4 * MiB - 10, 8 * MiB + 10)));
    await assert.rejects(driver.send('blobs/sha256/ab/absent', new Collect()), NotFoundError);
    await removeAll(driver);
  });

  test('chunked appends add parts to one open multipart upload: the commit copies no part', async () => {
    // Each PATCH its own object, joined by UploadPartCopy at commit, made chunked uploads half as fast as monolithic ones.
    const driver = makeDriver({ prefix: `open-${randomUUID()}`, partSize: 5 * MiB });
    const commands = countCommands(driver);
    const id = randomUUID();
    const chunks = [6 * MiB, 7 * MiB + 1, 3 * MiB, 8 * MiB, 2 * MiB + 5].map((n) => randomBytes(n));
    let state = await driver.uploadStart(id);
    let offset = 0;
    for (const chunk of chunks) {
      const out = await driver.uploadAppend(
        id,
        JSON.parse(JSON.stringify(state)),
        offset,
        (async function* () {
          yield chunk;
        })(),
      );
      state = out.state;
      offset += chunk.length;
    }
    const whole = Buffer.concat(chunks);
    await driver.uploadCommit(id, state, whole.length, 'blobs/x/open');
    assert.ok((await driver.get('blobs/x/open'))?.equals(whole));
    assert.equal(commands.count('CreateMultipartUploadCommand'), 1, commands.all());
    assert.equal(commands.count('UploadPartCopyCommand'), 0, commands.all());
    assert.equal(commands.count('CopyObjectCommand'), 1, commands.all());
    await removeAll(driver);
  });

  test('a whole upload goes straight to its final key: invisible until the commit, no copy, no clean-up', async () => {
    const driver = makeDriver({ prefix: `direct-${randomUUID()}`, partSize: 5 * MiB });
    const commands = countCommands(driver);
    const id = randomUUID();
    const whole = randomBytes(12 * MiB + 3);
    const out = await driver.uploadAppend(id, await driver.uploadStart(id), 0, chunksOf(whole), {
      key: 'blobs/x/direct',
    });
    assert.equal(out.written, whole.length);
    assert.equal(await driver.stat('blobs/x/direct'), null, 'nothing is visible before the commit');
    assert.equal((await openMultipartUploads(driver)).length, 1);
    await assert.rejects(
      driver.uploadAppend(id, out.state, whole.length, chunksOf(Buffer.from('more'))),
      /takes no more bytes/,
    );
    await driver.uploadCommit(id, JSON.parse(JSON.stringify(out.state)), whole.length, 'blobs/x/direct');
    assert.ok((await driver.get('blobs/x/direct'))?.equals(whole));
    assert.deepEqual(await folderKeys(driver, id), [], 'the marker is gone');
    for (const name of ['CopyObjectCommand', 'UploadPartCopyCommand', 'DeleteObjectsCommand']) {
      assert.equal(commands.count(name), 0, commands.all());
    }
    assert.equal(commands.count('UploadPartCommand'), 3, commands.all());
    await removeAll(driver);
  });

  test('a whole upload given up, even with its state lost, leaves nothing at its key and no open multipart upload', async () => {
    // As after a crash between the append and saving its state: the clean-up has only the state before the append.
    const driver = makeDriver({ prefix: `direct-lost-${randomUUID()}`, partSize: 5 * MiB });
    const id = randomUUID();
    const before = await driver.uploadStart(id);
    await driver.uploadAppend(id, before, 0, chunksOf(randomBytes(7 * MiB)), { key: 'blobs/x/lost' });
    assert.equal((await openMultipartUploads(driver)).length, 1);
    await driver.uploadAbort(id, before);
    assert.deepEqual(await openMultipartUploads(driver), []);
    assert.equal(await driver.stat('blobs/x/lost'), null);
    assert.deepEqual(await folderKeys(driver, id), []);
    // Read back (a rehash on another node) it cannot be without being made visible: it is given up the same way.
    const again = randomUUID();
    const sent = await driver.uploadAppend(again, before, 0, chunksOf(randomBytes(6 * MiB)), { key: 'blobs/x/lost' });
    await assert.rejects(driver.uploadReader(again, sent.state, 6 * MiB), NotFoundError);
    assert.deepEqual(await openMultipartUploads(driver), []);
    assert.equal(await driver.stat('blobs/x/lost'), null);
    // fsck deletes upload bytes without a session object by object: deleting the marker aborts what it names.
    const third = randomUUID();
    await driver.uploadAppend(third, before, 0, chunksOf(randomBytes(5 * MiB)), { key: 'blobs/x/lost' });
    const [marker] = await folderKeys(driver, third);
    await driver.delete(marker.slice(driver.prefix.length));
    assert.deepEqual(await openMultipartUploads(driver), []);
    await removeAll(driver);
  });

  test('an open segment read back on another node is completed; appends after it go on in a new segment', async () => {
    const prefix = `reread-${randomUUID()}`;
    const [a, b] = [makeDriver({ prefix }), makeDriver({ prefix })];
    const id = randomUUID();
    const chunks = [randomBytes(9 * MiB), randomBytes(6 * MiB + 7)];
    const bytes = (chunk: Buffer) =>
      (async function* () {
        yield chunk;
      })();
    const first = await a.uploadAppend(id, await a.uploadStart(id), 0, bytes(chunks[0]));
    const reread: Buffer[] = [];
    for await (const chunk of await b.uploadReader(id, first.state, chunks[0].length)) reread.push(chunk as Buffer);
    assert.ok(Buffer.concat(reread).equals(chunks[0]));
    const second = await a.uploadAppend(id, first.state, chunks[0].length, bytes(chunks[1]));
    const whole = Buffer.concat(chunks);
    await b.uploadCommit(id, second.state, whole.length, 'blobs/x/reread');
    assert.ok((await b.get('blobs/x/reread'))?.equals(whole));
    await removeAll(a);
  });

  test('objects past the single-copy limit are copied part by part', async () => {
    // The limit is 5 GiB; a small one here takes the same path with bytes a test can afford.
    const driver = makeDriver({ prefix: `copy-${randomUUID()}` });
    const data = randomBytes(13 * MiB + 3);
    await driver.put('blobs/x/big', data);
    const target = { client: driver.client, bucket: BUCKET };
    await copyObject(target, `${driver.prefix}blobs/x/big`, `${driver.prefix}blobs/x/copy`, data.length, 2, 7 * MiB);
    assert.ok((await driver.get('blobs/x/copy'))?.equals(data));
    await removeAll(driver);
  });

  test('a corrupt state is refused, not trusted', async () => {
    const driver = makeDriver({ prefix: `corrupt-${randomUUID()}` });
    const id = randomUUID();
    const empty = (async function* () {})();
    await assert.rejects(
      driver.uploadAppend(id, { v: 1, segments: [{ name: '../x', size: 1 }], pending: [] }, 0, empty),
    );
    await assert.rejects(driver.uploadCommit(id, { v: 2 }, 0, 'blobs/x/y'));
    await assert.rejects(driver.uploadReader(id, { v: 1, segments: [], pending: [] }, 1), /fewer than/);
    await assert.rejects(
      driver.uploadAppend('../../etc', { v: 1, segments: [], pending: [] }, 0, empty),
      /invalid upload id/,
    );
  });

  test('prefixes keep two drivers apart', async () => {
    const [one, two] = [makeDriver({ prefix: `p-${randomUUID()}` }), makeDriver({ prefix: `p-${randomUUID()}/` })];
    await one.put('blobs/a', Buffer.from('one'));
    assert.equal(await two.get('blobs/a'), null);
    const listed = [];
    for await (const info of two.list('')) listed.push(info);
    assert.deepEqual(listed, []);
    await removeAll(one);
  });

  test('the server checks signatures (a wrong secret is refused)', async () => {
    const wrong = makeDriver({ prefix: 'x', secretAccessKey: 'not-the-secret' });
    await assert.rejects(wrong.put('blobs/a', Buffer.from('x')), (err: Error) =>
      /SignatureDoesNotMatch|AccessDenied/.test(err.name),
    );
  });
});

test('a part is signed with the payload hash Berth computed, not the SDK: the server checks that one', async () => {
  const driver = makeDriver({ prefix: `payload-${randomUUID()}` });
  const key = `${driver.prefix}part`;
  const body = randomBytes(MiB);
  const { UploadId } = await driver.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
  const part = (sha256: string) =>
    driver.client.send(
      withPayloadSha256(
        new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: body, ContentLength: MiB }),
        sha256,
      ),
    );
  try {
    assert.equal(await payloadSha256(body), createHash('sha256').update(body).digest('hex'));
    // Were the header ignored, the SDK would hash the body itself and the upload would pass.
    await assert.rejects(part(createHash('sha256').update('other bytes').digest('hex')));
    assert.ok((await part(await payloadSha256(body))).ETag !== undefined);
  } finally {
    await driver.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId }));
  }
});
