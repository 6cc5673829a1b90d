/**
 * External scanners through Harbor's pluggable scanner API. No real Trivy
 * adapter runs offline, so this test runs a small adapter that speaks the
 * spec (metadata, scan → 202 {id}, report → 302 + Retry-After, then the
 * report) and really pulls the artifact from Berth with the credential it
 * was handed: the manifest and every blob, digests checked. That proves the
 * grant works, is needed (no credential: 401) and is narrow (another
 * repository: refused). Its findings then feed the overview, the security
 * summary and the pull gate like the built-in scanner's; its SBOM (scanner
 * API v1.2's `sbom` capability) is stored as the image's referrer; and
 * `scan/stop` stops a scan the adapter never finishes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import { blobsOf, debianImage } from './fixtures.ts';

const REPORT = 'application/vnd.security.vulnerability.report; version=1.1';
const SBOM_REPORT = 'application/vnd.scanner.adapter.sbom.report.harbor+json; version=1.0';
const CYCLONEDX = 'application/vnd.cyclonedx+json';
/** The SBOM the adapter makes of every image (no time in it: a rescan gives the same referrer). */
const ADAPTER_SBOM = {
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  version: 1,
  components: [
    { type: 'library', name: 'openssl', version: '3.0.11', purl: 'pkg:deb/debian/openssl@3.0.11' },
    { type: 'library', name: 'zlib', version: '1.2.13', purl: 'pkg:deb/debian/zlib@1.2.13' },
  ],
};
const PASSWORD = 'Scanner-test-1';
const ADMIN = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
const API_KEY = 'adapter-key-7f3a';
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface PullProof {
  repository: string;
  blobsVerified: number;
  withoutCredential: number;
  otherRepository: number;
}

/** A scanner adapter as the spec describes it, which pulls what it is asked to scan. */
class TestAdapter {
  server: Server;
  url = '';
  proofs: PullProof[] = [];
  /** Every scan request as it came (enabled_capabilities included). */
  requests: { artifact: { repository: string }; enabled_capabilities?: unknown }[] = [];
  /** SBOM formats asked for (`?sbom_media_type=`), in order. */
  sbomAsked: string[] = [];
  /** Report polls per scan id (a stopped scan's must stop growing). */
  polls = new Map<string, number>();
  private scans = new Map<string, { polled: number; result: Promise<{ ok: boolean; body: unknown }> }>();

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.headers['x-scanneradapter-api-key'] !== API_KEY)
      return send(401, { error: { message: 'missing or wrong API key' } });
    if (req.method === 'GET' && req.url === '/api/v1/metadata')
      return send(200, {
        scanner: { name: 'TestScan', vendor: 'Berth tests', version: '0.1' },
        capabilities: [
          {
            type: 'vulnerability',
            consumes_mime_types: ['application/vnd.oci.image.manifest.v1+json'],
            produces_mime_types: [REPORT],
          },
          {
            type: 'sbom',
            consumes_mime_types: ['application/vnd.oci.image.manifest.v1+json'],
            produces_mime_types: [SBOM_REPORT],
            additional_attributes: { sbom_media_types: ['application/spdx+json', CYCLONEDX] },
          },
        ],
        properties: { 'harbor.scanner-adapter/registry-authorization-type': 'Bearer' },
      });
    if (req.method === 'POST' && req.url === '/api/v1/scan') {
      let text = '';
      for await (const c of req) text += String(c);
      const body = JSON.parse(text) as {
        registry: { url: string; authorization: string };
        artifact: { repository: string; digest: string; mime_type: string };
      };
      this.requests.push(body);
      const id = `scan-${this.scans.size + 1}`;
      // team/slow never finishes: only a stop ends Berth's wait for it.
      const result = body.artifact.repository.endsWith('/slow') ? new Promise<never>(() => {}) : this.analyse(body);
      this.scans.set(id, { polled: 0, result });
      return send(202, { id });
    }
    const url = new URL(req.url ?? '/', 'http://adapter');
    const m = /^\/api\/v1\/scan\/([^/]+)\/report$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const scan = this.scans.get(m[1]);
      if (!scan) return send(404, { error: { message: 'no such scan' } });
      this.polls.set(m[1], (this.polls.get(m[1]) ?? 0) + 1);
      const sbom = req.headers.accept === SBOM_REPORT;
      if (req.headers.accept !== REPORT && !sbom) return send(400, { error: { message: 'unsupported report type' } });
      const format = url.searchParams.get('sbom_media_type');
      if (sbom && format !== CYCLONEDX && format !== 'application/spdx+json')
        return send(400, { error: { message: 'sbom_media_type is required' } });
      // Always pending once, so the client's Retry-After handling is exercised.
      if (scan.polled++ === 0) return send(302, undefined, { 'retry-after': '1' });
      const settled = await Promise.race([scan.result, new Promise<null>((r) => setTimeout(() => r(null), 20))]);
      if (settled === null) return send(302, undefined, { 'retry-after': '1' });
      if (!sbom || !settled.ok) return send(settled.ok ? 200 : 500, settled.body);
      this.sbomAsked.push(String(format));
      const report = settled.body as { artifact: unknown; scanner: unknown };
      return send(200, {
        generated_at: new Date().toISOString(),
        artifact: report.artifact,
        scanner: report.scanner,
        vendor_attributes: {},
        media_type: format,
        sbom: ADAPTER_SBOM,
      });
    }
    send(404, { error: { message: 'not found' } });
  }

  /** Pulls the artifact with the given credential, as Trivy's adapter would, then reports. */
  private async analyse(request: {
    registry: { url: string; authorization: string };
    artifact: { repository: string; digest: string; mime_type: string };
  }): Promise<{ ok: boolean; body: unknown }> {
    const { url, authorization } = request.registry;
    const { repository, digest, mime_type } = request.artifact;
    if (repository.endsWith('/broken'))
      return { ok: false, body: { error: { message: 'cannot analyse this artifact' } } };
    const get = (path: string, auth?: string) =>
      fetch(`${url}/v2/${path}`, { headers: { accept: mime_type, ...(auth ? { authorization: auth } : {}) } });
    const proof: PullProof = { repository, blobsVerified: 0, withoutCredential: 0, otherRepository: 0 };
    proof.withoutCredential = (await get(`${repository}/manifests/${digest}`)).status;
    proof.otherRepository = (await get(`team/other/manifests/v1`, authorization)).status;
    const manifestAnswer = await get(`${repository}/manifests/${digest}`, authorization);
    if (manifestAnswer.status !== 200)
      return { ok: false, body: { error: { message: `pull refused: HTTP ${manifestAnswer.status}` } } };
    const bytes = Buffer.from(await manifestAnswer.arrayBuffer());
    assert.equal(sha(bytes), digest);
    const manifest = JSON.parse(bytes.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
    for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
      const blob = await get(`${repository}/blobs/${d}`, authorization);
      assert.equal(blob.status, 200);
      assert.equal(sha(Buffer.from(await blob.arrayBuffer())), d);
      proof.blobsVerified++;
    }
    this.proofs.push(proof);
    return {
      ok: true,
      body: {
        generated_at: new Date().toISOString(),
        artifact: request.artifact,
        scanner: { name: 'TestScan', vendor: 'Berth tests', version: '0.1' },
        severity: 'Critical',
        vulnerabilities: [
          {
            id: 'CVE-2099-0002',
            package: 'zlib',
            version: '1.2.13',
            fix_version: '',
            severity: 'Medium',
            description: 'made up',
            links: [],
          },
          {
            id: 'CVE-2099-0001',
            package: 'openssl',
            version: '3.0.11',
            fix_version: '3.0.13',
            severity: 'Critical',
            description: `seen in ${proof.blobsVerified} blobs`,
            links: ['https://example.test/CVE-2099-0001'],
          },
        ],
      },
    };
  }
}

async function push(url: string, repo: string, tag: string, image: ReturnType<typeof blobsOf>): Promise<void> {
  for (const data of [...image.blobs.map((b) => b.data), image.config]) {
    const r = await fetch(`${url}/v2/${repo}/blobs/uploads/?digest=${sha(data)}`, {
      method: 'POST',
      headers: { authorization: ADMIN },
      body: new Uint8Array(data),
    });
    assert.equal(r.status, 201, await r.text());
  }
  const r = await fetch(`${url}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body: new Uint8Array(image.manifest),
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json', authorization: ADMIN },
  });
  assert.equal(r.status, 201, await r.text());
}

describe('external scanners (Harbor pluggable scanner API)', () => {
  let berth: RunningBerth;
  const adapter = new TestAdapter();
  const image = blobsOf(debianImage());
  let uuid = '';

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${berth.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: ADMIN, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function scanned(repo: string) {
    const base = `/projects/team/repositories/${repo}/artifacts/v1`;
    assert.equal((await api('POST', `${base}/scan`)).status, 202);
    for (let i = 0; i < 400; i++) {
      const r = await api('GET', `${base}/additions/vulnerabilities`);
      if (r.status === 200) {
        const body = (await r.json()) as Record<
          string,
          {
            scan_status: string;
            error?: string;
            scanner: { name: string };
            vulnerabilities: { id: string; severity: string }[];
          }
        >;
        if (body[REPORT].scan_status !== 'Running') return body[REPORT];
      }
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('scan did not finish');
  }

  before(async () => {
    await adapter.start();
    berth = await startInProcess({
      env: { BERTH_AUTH: 'on', BERTH_ADMIN_PASSWORD: PASSWORD, BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' },
    });
    assert.equal((await api('POST', '/projects', { project_name: 'team', metadata: { public: 'false' } })).status, 201);
    await push(berth.url, 'team/app', 'v1', image);
    await push(berth.url, 'team/other', 'v1', image);
    await push(berth.url, 'team/broken', 'v1', image);
    await push(berth.url, 'team/slow', 'v1', image);
  });
  after(async () => {
    await berth?.stop();
    adapter.server.close();
  });

  test('the built-in scanner is a registration and the default', async () => {
    const list = (await (await api('GET', '/scanners')).json()) as { uuid: string; is_default: boolean }[];
    assert.deepEqual(
      list.map((s) => [s.uuid, s.is_default]),
      [['berth-builtin', true]],
    );
    const meta = (await (await api('GET', '/scanners/berth-builtin/metadata')).json()) as { scanner: { name: string } };
    assert.equal(meta.scanner.name, 'Berth');
  });

  test('ping checks the adapter and its credential', async () => {
    const wrong = await api('POST', '/scanners/ping', { url: adapter.url, auth: 'APIKey', access_credential: 'nope' });
    assert.equal(wrong.status, 400);
    assert.match(((await wrong.json()) as { errors: { message: string }[] }).errors[0].message, /HTTP 401/);
    const right = await api('POST', '/scanners/ping', { url: adapter.url, auth: 'APIKey', access_credential: API_KEY });
    assert.equal(right.status, 200, await right.text());
  });

  test('a registration stores its credential sealed and never returns it', async () => {
    const created = await api('POST', '/scanners', {
      name: 'test-adapter',
      url: adapter.url,
      auth: 'APIKey',
      access_credential: API_KEY,
      description: 'spec-speaking test adapter',
    });
    assert.equal(created.status, 201, await created.text());
    uuid = (created.headers.get('location') ?? '').split('/').pop() ?? '';
    assert.ok(uuid);
    assert.equal((await api('POST', '/scanners', { name: 'test-adapter', url: adapter.url })).status, 409);
    const text = await (await api('GET', '/scanners')).text();
    assert.ok(!text.includes(API_KEY) && !text.includes('access_credential'), text);
    const one = (await (await api('GET', `/scanners/${uuid}`)).json()) as { auth: string; is_default: boolean };
    assert.equal(one.auth, 'APIKey');
    assert.equal(one.is_default, false);
    // A PUT without the credential keeps it (Harbor's rule): metadata still reaches the adapter.
    const put = await api('PUT', `/scanners/${uuid}`, { name: 'test-adapter', url: adapter.url, auth: 'APIKey' });
    assert.equal(put.status, 200);
    const meta = await api('GET', `/scanners/${uuid}/metadata`);
    const metaText = await meta.text();
    assert.equal(meta.status, 200, metaText);
    assert.equal((JSON.parse(metaText) as { scanner: { name: string } }).scanner.name, 'TestScan');
  });

  test('as the default, the adapter scans: it pulls with a narrow short-lived credential, and its findings feed the report', async () => {
    assert.equal((await api('PATCH', `/scanners/${uuid}`, { is_default: true })).status, 200);
    const list = (await (await api('GET', '/scanners')).json()) as { uuid: string; is_default: boolean }[];
    assert.deepEqual(
      list.filter((s) => s.is_default).map((s) => s.uuid),
      [uuid],
    );
    const report = await scanned('app');
    assert.equal(report.scan_status, 'Success', report.error);
    assert.equal(report.scanner.name, 'TestScan');
    assert.deepEqual(
      report.vulnerabilities.map((v) => `${v.id} ${v.severity}`),
      ['CVE-2099-0001 Critical', 'CVE-2099-0002 Medium'],
    );
    const proof = adapter.proofs.find((p) => p.repository === 'team/app');
    assert.ok(proof);
    assert.equal(proof.blobsVerified, image.blobs.length + 1, 'config and every layer pulled and verified');
    assert.equal(proof.withoutCredential, 401, 'the project is private: no credential, no pull');
    assert.ok([401, 403].includes(proof.otherRepository), `the grant covers one repository (${proof.otherRepository})`);
    // The same overview, dashboard and gate as the built-in scanner's findings.
    const listing = (await (
      await api('GET', '/projects/team/repositories/app/artifacts?with_scan_overview=true')
    ).json()) as { scan_overview: Record<string, { severity: string; scanner: { name: string } }> }[];
    assert.equal(listing[0].scan_overview[REPORT].severity, 'Critical');
    assert.equal(listing[0].scan_overview[REPORT].scanner.name, 'TestScan');
    const summary = (await (await api('GET', '/security/summary')).json()) as { critical_cnt: number };
    assert.ok(summary.critical_cnt >= 1);
    assert.equal(
      (await api('PUT', '/projects/team', { metadata: { prevent_vul: 'true', severity: 'high' } })).status,
      200,
    );
    const pull = await fetch(`${berth.url}/v2/team/app/manifests/v1`, {
      headers: { authorization: ADMIN, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(pull.status, 412);
    assert.match(await pull.text(), /CVE-2099-0001/);
    // A rescan of a gated image still works: the scanner's pulls are not client pulls.
    assert.equal((await scanned('app')).scan_status, 'Success');
    await api('PUT', '/projects/team', { metadata: { prevent_vul: 'false' } });
  });

  test("the adapter's SBOM (scanner API v1.2) is stored as the image's referrer, like the built-in scanner's", async () => {
    // Asked for by the v1.2 request: both reports, CycloneDX preferred of the formats offered.
    const asked = adapter.requests.find((r) => r.artifact.repository === 'team/app');
    assert.deepEqual(asked?.enabled_capabilities, [
      { type: 'vulnerability', produces_mime_types: [REPORT] },
      { type: 'sbom', produces_mime_types: [SBOM_REPORT], parameters: { sbom_media_types: [CYCLONEDX] } },
    ]);
    assert.ok(adapter.sbomAsked.length >= 1 && adapter.sbomAsked.every((f) => f === CYCLONEDX));
    const head = await fetch(`${berth.url}/v2/team/app/manifests/v1`, {
      method: 'HEAD',
      headers: { authorization: ADMIN, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    const digest = String(head.headers.get('docker-content-digest'));
    const referrers = (await (
      await fetch(`${berth.url}/v2/team/app/referrers/${digest}`, { headers: { authorization: ADMIN } })
    ).json()) as { manifests: { digest: string; artifactType: string; annotations?: Record<string, string> }[] };
    const sboms = referrers.manifests.filter((m) => m.artifactType === CYCLONEDX);
    // Two scans of the same image, the same SBOM: one referrer.
    assert.equal(sboms.length, 1, JSON.stringify(referrers));
    assert.equal(sboms[0].annotations?.['dev.berth.sbom.generator'], 'TestScan 0.1');
    const manifest = (await (
      await fetch(`${berth.url}/v2/team/app/manifests/${sboms[0].digest}`, {
        headers: { authorization: ADMIN, accept: 'application/vnd.oci.image.manifest.v1+json' },
      })
    ).json()) as { subject: { digest: string }; layers: { digest: string; mediaType: string }[] };
    assert.equal(manifest.subject.digest, digest);
    assert.equal(manifest.layers[0].mediaType, CYCLONEDX);
    const layer = await fetch(`${berth.url}/v2/team/app/blobs/${manifest.layers[0].digest}`, {
      headers: { authorization: ADMIN },
    });
    assert.deepEqual(await layer.json(), ADAPTER_SBOM);
  });

  test('scan/stop stops an adapter scan in progress: polling ends, the status is Stopped, SCANNING_STOPPED is sent', async () => {
    // A webhook receiver: the stop is reported as Harbor's SCANNING_STOPPED, not as a completed scan.
    const events: { type: string; digest?: string }[] = [];
    const receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => {
        text += String(c);
      });
      req.on('end', () => {
        const body = JSON.parse(text) as { type: string; event_data?: { resources?: { digest?: string }[] } };
        events.push({ type: body.type, digest: body.event_data?.resources?.[0]?.digest });
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = await api('POST', '/projects/team/webhook/policies', {
      name: 'scans',
      event_types: ['SCANNING_COMPLETED', 'SCANNING_FAILED', 'SCANNING_STOPPED'],
      targets: [{ type: 'http', address: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` }],
    });
    assert.equal(hook.status, 201, await hook.text());
    const base = '/projects/team/repositories/slow/artifacts/v1';
    assert.equal((await api('POST', `${base}/scan/stop`)).status, 400, 'nothing runs yet');
    assert.equal((await api('POST', `${base}/scan`)).status, 202);
    const status = async () => {
      const r = await api('GET', `${base}/additions/vulnerabilities`);
      if (r.status !== 200) return 'none';
      return ((await r.json()) as Record<string, { scan_status: string }>)[REPORT].scan_status;
    };
    // Berth is waiting on the adapter (at least one poll answered "not yet").
    const request = adapter.requests.length;
    for (let i = 0; i < 200 && ![...adapter.polls.keys()].includes(`scan-${request}`); i++)
      await new Promise((res) => setTimeout(res, 50));
    assert.ok(adapter.polls.get(`scan-${request}`), 'the adapter was polled');
    assert.equal(await status(), 'Running');
    assert.equal((await api('POST', `${base}/scan/stop`)).status, 202);
    let seen = await status();
    for (let i = 0; i < 100 && seen === 'Running'; i++) {
      await new Promise((res) => setTimeout(res, 50));
      seen = await status();
    }
    assert.equal(seen, 'Stopped');
    // No more polls of the stopped scan (the adapter says "retry after 1 s": two would have come).
    const polled = adapter.polls.get(`scan-${request}`);
    await new Promise((res) => setTimeout(res, 2_500));
    assert.equal(adapter.polls.get(`scan-${request}`), polled);
    assert.equal((await api('POST', `${base}/scan/stop`)).status, 400, 'it is no longer running');
    const listing = (await (
      await api('GET', '/projects/team/repositories/slow/artifacts?with_scan_overview=true')
    ).json()) as { scan_overview: Record<string, { scan_status: string }> }[];
    assert.equal(listing[0].scan_overview[REPORT].scan_status, 'Stopped');
    for (let i = 0; i < 300 && events.length === 0; i++) await new Promise((res) => setTimeout(res, 50));
    receiver.close();
    assert.deepEqual(
      events.map((e) => e.type),
      ['SCANNING_STOPPED'],
    );
  });

  test("an adapter's error is the scan's error", async () => {
    const report = await scanned('broken');
    assert.equal(report.scan_status, 'Error');
    assert.match(report.error ?? '', /cannot analyse this artifact/);
  });

  test('a project chooses its scanner; deleting a registration falls back to the built-in', async () => {
    assert.equal((await api('PUT', '/projects/team/scanner', { uuid: 'berth-builtin' })).status, 200);
    const chosen = (await (await api('GET', '/projects/team/scanner')).json()) as { uuid: string };
    assert.equal(chosen.uuid, 'berth-builtin');
    assert.equal((await scanned('other')).scanner.name, 'Berth');
    assert.equal((await api('PUT', '/projects/team/scanner', { uuid: 'no-such' })).status, 404);
    assert.equal((await api('DELETE', '/scanners/berth-builtin')).status, 400);
    assert.equal((await api('DELETE', `/scanners/${uuid}`)).status, 200);
    const list = (await (await api('GET', '/scanners')).json()) as { uuid: string; is_default: boolean }[];
    assert.deepEqual(
      list.map((s) => [s.uuid, s.is_default]),
      [['berth-builtin', true]],
    );
  });
});
