// Allocates and fills 1 GiB four times, printing the time and the kernel's share of each: on the project machines
// (Firecracker VMs) one fill took 0.3 s and the next 2.3-2.7 s, when the pages the guest had freed had to be backed
// by the host again. Page-cache writes pay the same on every new page. `node bench/probes/fresh-memory.mjs`.
for (let i = 0; i < 4; i++) {
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  Buffer.allocUnsafeSlow(1 << 30).fill(1);
  const cpu = process.cpuUsage(cpu0);
  console.log(`fill 1 GiB: ${Date.now() - t0} ms, of it sys ${(cpu.system / 1e3) | 0} ms`);
}
