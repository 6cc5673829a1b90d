/**
 * The S3 driver alone, without HTTP or hashing: a 256 MiB upload appended from memory (MODE=mono: one append;
 * MODE=chunked: 16 MiB appends, as bench's chunked client PATCHes), then committed; prints the appends' MB/s and
 * the commit's milliseconds. SRC=DIR runs the driver of another checkout (a before/after in the same minutes).
 * S3_ENDPOINT… from scripts/s3-up.sh's s3.env. PART_MIB and PARTS_IN_FLIGHT override the driver's part size and
 * concurrency (its defaults otherwise). COMMANDS=1 also prints each S3 request of the commit with its milliseconds.
 *   SRC=/path/to/base MODE=chunked ROUNDS=2 node --import tsx bench/probes/s3-driver-phases.ts
 */
import { randomBytes } from 'node:crypto';

const env = process.env;
const { S3Driver } = (await import(
  `${env.SRC ?? new URL('../..', import.meta.url).pathname}/src/adapters/storage/s3.ts`
)) as typeof import('../../src/adapters/storage/s3.ts');
const driver = new S3Driver({
  bucket: env.S3_BUCKET ?? '',
  endpoint: env.S3_ENDPOINT,
  accessKeyId: env.S3_ACCESS_KEY,
  secretAccessKey: env.S3_SECRET_KEY,
  prefix: `phases-${process.pid}`,
  partSize: env.PART_MIB ? Math.round(Number(env.PART_MIB) * 2 ** 20) : undefined,
  partConcurrency: env.PARTS_IN_FLIGHT ? Number(env.PARTS_IN_FLIGHT) : undefined,
});
const data = randomBytes(256 * 2 ** 20);
const step = env.MODE === 'chunked' ? 16 * 2 ** 20 : data.length;
async function* pieces(bytes: Buffer): AsyncIterable<Buffer> {
  for (let i = 0; i < bytes.length; i += 65536) yield bytes.subarray(i, i + 65536);
}
let timing = false;
if (env.COMMANDS === '1') {
  driver.client.middlewareStack.add(
    (next, context) => async (args) => {
      const t0 = performance.now();
      try {
        return await next(args);
      } finally {
        if (timing) process.stdout.write(`  ${context.commandName} ${(performance.now() - t0).toFixed(0)} ms\n`);
      }
    },
    { step: 'initialize', name: 'commandTiming' },
  );
}
for (let round = 0; round < Number(env.ROUNDS ?? 1); round++) {
  const id = `u${round}`;
  let state = await driver.uploadStart(id);
  let t0 = performance.now();
  for (let offset = 0; offset < data.length; offset += step) {
    ({ state } = await driver.uploadAppend(id, state, offset, pieces(data.subarray(offset, offset + step))));
  }
  const appendMs = performance.now() - t0;
  t0 = performance.now();
  timing = true;
  await driver.uploadCommit(id, state, data.length, `blobs/x/${round}`);
  timing = false;
  const commitMs = performance.now() - t0;
  process.stdout.write(
    `${env.MODE ?? 'mono'}: appends ${((data.length / 1e6) * (1000 / appendMs)).toFixed(1)} MB/s (${appendMs.toFixed(0)} ms), commit ${commitMs.toFixed(0)} ms\n`,
  );
  await driver.delete(`blobs/x/${round}`);
}
driver.close();
