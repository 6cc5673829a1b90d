// Writes 1 GiB to a file from a few reused buffers, through the page cache or with O_DIRECT, and fsyncs it; prints
// MB/s and the process's CPU (user/sys ms). `node bench/probes/direct-write.mjs [direct|buffered] [FILE]`.
// The kernel's sys time for buffered writes is mostly copying into newly allocated page-cache pages, which this
// machine's hypervisor often has to back anew (see fresh-memory.mjs).
import { constants } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { randomFillSync } from 'node:crypto';

const mode = process.argv[2] ?? 'direct';
const file = process.argv[3] ?? `${process.cwd()}/direct-write.bin`;
const SIZE = 1024 * 1024;
const DEPTH = 2;
const TOTAL = 1 << 30;
// WebAssembly memory is page-aligned, as O_DIRECT needs.
const memory = new WebAssembly.Memory({ initial: (SIZE * DEPTH) / 65536 });
const buffers = Array.from({ length: DEPTH }, (_, i) => randomFillSync(Buffer.from(memory.buffer, i * SIZE, SIZE)));
const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (mode === 'direct' ? constants.O_DIRECT : 0);
const fh = await open(file, flags, 0o644);
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const inFlight = buffers.map(() => Promise.resolve());
for (let position = 0, turn = 0; position < TOTAL; position += SIZE, turn = (turn + 1) % DEPTH) {
  await inFlight[turn];
  inFlight[turn] = fh.write(buffers[turn], 0, SIZE, position).then(() => {});
}
await Promise.all(inFlight);
const t1 = process.hrtime.bigint();
await fh.sync();
const t2 = process.hrtime.bigint();
const cpu = process.cpuUsage(cpu0);
await fh.close();
await rm(file);
const mbps = (ns) => Math.round((TOTAL / Number(ns)) * 1e3);
console.log(
  `${mode}: written ${mbps(t1 - t0)} MB/s, with the fsync ${mbps(t2 - t0)} MB/s (fsync ${Number(t2 - t1) / 1e6 | 0} ms); ` +
    `cpu user ${(cpu.user / 1e3) | 0} ms, sys ${(cpu.system / 1e3) | 0} ms`,
);
