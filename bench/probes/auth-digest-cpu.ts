/**
 * Server CPU per request of manifest GET (by tag and by digest) and blob
 * HEAD: Berth with a Bearer token against Berth with authentication off,
 * all modes alternating in one run. CPU time is read from /proc, so the
 * machine's other load moves it little (wall-clock req/s it moves a lot).
 *
 *   node --import tsx bench/probes/auth-digest-cpu.ts [rounds] [seconds]
 *   ROOTS=/a,/b …   compares checkouts (each with bin/ and a built dist/), one after the other in each round
 *   PROFILE=DIR …   runs the servers under --cpu-prof (read with bench/profile.ts)
 *   ONLY=digest …   only some of tag, digest, head
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from '../lib/net.ts';
import { median } from '../lib/stats.ts';
import { type ServerHandle, startBerth } from '../servers.ts';
import { MANIFEST_ACCEPT, pushImage, smallImage } from '../workloads/image.ts';
import { heyHead, wrkGet } from '../workloads/small.ts';

const HERE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ROOTS = process.env.ROOTS?.split(',') ?? [HERE];
const ROUNDS = Number(process.argv[2] ?? 3);
const SECONDS = Number(process.argv[3] ?? 4);
const PROFILE = process.env.PROFILE;
const ONLY = process.env.ONLY?.split(',');
const BASIC = `Basic ${Buffer.from('admin:Probe-pass-1').toString('base64')}`;

interface Side {
  label: string;
  server: ServerHandle;
  headers: Record<string, string>;
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'auth-cpu-'));
  const img = smallImage();
  const layer = `sha256:${createHash('sha256').update(img.layers[0]).digest('hex')}`;
  const paths = {
    tag: '/v2/bench/small/manifests/v1',
    digest: `/v2/bench/small/manifests/${img.manifestDigest}`,
    head: `/v2/bench/small/blobs/${layer}`,
  };
  const sides: Side[] = [];
  try {
    for (const [i, root] of ROOTS.entries()) {
      const start = (name: string, env: NodeJS.ProcessEnv) =>
        startBerth({
          root,
          dataDir: path.join(work, `${i}-${name}`),
          logFile: path.join(work, `${i}-${name}.log`),
          env,
          ...(PROFILE ? { cpuProfDir: path.join(PROFILE, `${i}-${name}`) } : {}),
        });
      const on = await start('on', { BERTH_AUTH: 'on', BERTH_ADMIN_PASSWORD: 'Probe-pass-1', BERTH_TOKEN_TTL: '3600' });
      const off = await start('off', {});
      await pushImage(on.url, 'bench/small', 'v1', img, { authorization: BASIC });
      await pushImage(off.url, 'bench/small', 'v1', img);
      const r = await request('GET', `${on.url}/service/token?service=berth&scope=repository:bench/small:pull`, {
        headers: { authorization: BASIC },
      });
      const bearer = `Bearer ${JSON.parse(r.body.toString()).token}`;
      const tag = ROOTS.length > 1 ? `${path.basename(root)} ` : '';
      sides.push({ label: `${tag}bearer`, server: on, headers: { authorization: bearer } });
      sides.push({ label: `${tag}off`, server: off, headers: {} });
    }
    const cpu = new Map<string, number[]>();
    const rps = new Map<string, number[]>();
    const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [what, p] of Object.entries(paths)) {
        if (ONLY && !ONLY.includes(what)) continue;
        for (const { label, server, headers } of sides) {
          const c0 = server.cpuSeconds();
          const f =
            what === 'head'
              ? await heyHead(`${server.url}${p}`, SECONDS, headers)
              : await wrkGet(`${server.url}${p}`, SECONDS, { accept: MANIFEST_ACCEPT, ...headers });
          if (f.errors + f.non2xx > 0) throw new Error(`${what} ${label}: ${f.errors + f.non2xx} errors`);
          push(cpu, `${what}.${label}`, ((server.cpuSeconds() - c0) * 1e6) / f.requests);
          push(rps, `${what}.${label}`, f.rps);
        }
      }
    }
    for (const what of Object.keys(paths)) {
      if (ONLY && !ONLY.includes(what)) continue;
      for (let i = 0; i < sides.length; i += 2) {
        const [b, o] = [sides[i].label, sides[i + 1].label];
        const cb = median(cpu.get(`${what}.${b}`) ?? []);
        const co = median(cpu.get(`${what}.${o}`) ?? []);
        const rb = median(rps.get(`${what}.${b}`) ?? []);
        const ro = median(rps.get(`${what}.${o}`) ?? []);
        const list = (k: string) =>
          cpu
            .get(`${what}.${k}`)
            ?.map((x) => x.toFixed(0))
            .join(' ');
        process.stdout.write(
          `${what}: CPU µs/req ${b} ${cb.toFixed(0)}, ${o} ${co.toFixed(0)} (off/bearer ${(co / cb).toFixed(2)}×); req/s ${rb.toFixed(0)} vs ${ro.toFixed(0)} (${(rb / ro).toFixed(2)}×) [CPU samples: ${list(b)} | ${list(o)}]\n`,
        );
      }
    }
  } finally {
    for (const s of sides) await s.server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
