/**
 * Webhooks through the management API of an in-process Berth, delivered to
 * a local receiver: Harbor's payload, the Authorization header as given, the
 * HMAC signature, a retry after a 500, CloudEvents, and 400s naming the field.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { scanningEvent } from '../../src/features/webhooks/events.ts';
import { makeTar } from '../support/images.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import {
  blobOf,
  configBlob,
  descriptor,
  imageManifest,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  RegistryClient,
} from '../support/oci.ts';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  path: string;
}

class Receiver {
  readonly received: Received[] = [];
  /** Status answered to each request in turn; 200 once used up. */
  answers: number[] = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        this.received.push({ headers: req.headers, body, path: req.url ?? '' });
        res.statusCode = this.answers.shift() ?? 200;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${addr.port}`;
  }

  async waitFor(count: number, path: string, ms = 15_000): Promise<Received[]> {
    const until = Date.now() + ms;
    for (;;) {
      const got = this.received.filter((r) => r.path === path);
      if (got.length >= count) return got;
      if (Date.now() > until) throw new Error(`only ${got.length} of ${count} deliveries to ${path} arrived`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('webhooks', () => {
  const receiver = new Receiver();
  let berth: RunningBerth;
  const secret = 'a-signing-secret-of-some-length';

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${berth.url}/api/v2.0${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : null;
    return { status: res.status, headers: res.headers, text, json };
  };

  before(async () => {
    process.env.BERTH_WEBHOOK_RETRY_MS = '200';
    await receiver.start();
    berth = await startInProcess({ env: { BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' } });
    assert.equal(
      (await call('POST', '/projects', { project_name: 'team', metadata: { public: 'false' } })).status,
      201,
    );
  });
  after(async () => {
    await berth?.stop();
    await receiver.stop();
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const base = {
      name: 'bad',
      event_types: ['PUSH_ARTIFACT'],
      targets: [{ type: 'http', address: 'http://127.0.0.1:1/' }],
    };
    const cases: [unknown, string][] = [
      [{ ...base, targets: [{ type: 'http', address: 'ftp://example.com/' }] }, 'targets[0].address'],
      [{ ...base, event_types: ['PUSH_EVERYTHING'] }, 'event_types'],
      [
        { ...base, targets: [{ type: 'http', address: 'http://x/', payload_format: 'Xml' }] },
        'targets[0].payload_format',
      ],
      [{ name: 'bad', targets: base.targets }, 'event_types'],
      [{ ...base, targets: [{ type: 'http' }] }, 'targets[0].address'],
      [{ ...base, enabled: 'yes please' }, 'enabled'],
      // Loopback is allowed for this test's receiver; the metadata address never is unless listed.
      [{ ...base, targets: [{ type: 'http', address: 'http://169.254.169.254/latest' }] }, 'targets[0].address'],
    ];
    for (const [body, field] of cases) {
      const res = await call('POST', '/projects/team/webhook/policies', body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.json.errors[0].field, field, res.text);
      assert.match(res.json.errors[0].message, /\S/);
    }
  });

  it('lists the supported events and formats', async () => {
    const res = await call('GET', '/projects/team/webhook/events');
    assert.equal(res.status, 200);
    assert.ok(res.json.event_type.includes('PUSH_ARTIFACT'));
    assert.ok(res.json.event_type.includes('REPLICATION'));
    assert.deepEqual(res.json.payload_formats, [{ notify_type: 'http', formats: ['Default', 'CloudEvents'] }]);
  });

  it('delivers a push with Harbor’s payload, the auth header and the signature, retrying after a 500', async () => {
    const created = await call('POST', '/projects/team/webhook/policies', {
      name: 'ci',
      description: 'tell CI',
      event_types: ['PUSH_ARTIFACT', 'DELETE_ARTIFACT'],
      targets: [
        { type: 'http', address: `${receiver.url}/hook`, auth_header: 'Bearer s3cret', skip_cert_verify: false },
      ],
      enabled: true,
      signing_secret: secret,
    });
    assert.equal(created.status, 201, created.text);
    const location = created.headers.get('location') ?? '';
    assert.match(location, /\/api\/v2\.0\/projects\/\d+\/webhook\/policies\/\d+$/);
    const policyId = created.json.id as number;

    const got = await call('GET', `/projects/team/webhook/policies/${policyId}`);
    assert.equal(got.status, 200);
    assert.equal(got.json.name, 'ci');
    assert.equal(got.json.targets[0].address, `${receiver.url}/hook`);
    assert.equal(got.json.targets[0].payload_format, 'Default');
    assert.equal(got.json.targets[0].auth_header, undefined, 'the auth header is never returned');
    assert.ok(!got.text.includes('s3cret'));

    receiver.answers = [500];
    const oci = new RegistryClient(berth.url);
    const { manifest } = await oci.pushImage('team/app', 'v1', 1);
    const [first, second] = await receiver.waitFor(2, '/hook');
    assert.equal(first!.body, second!.body, 'the retry sends the same body');
    const payload = JSON.parse(second!.body);
    assert.equal(payload.type, 'PUSH_ARTIFACT');
    assert.equal(typeof payload.occur_at, 'number');
    assert.equal(payload.operator, 'anonymous');
    assert.equal(payload.event_data.resources[0].digest, manifest.digest);
    assert.equal(payload.event_data.resources[0].tag, 'v1');
    assert.match(payload.event_data.resources[0].resource_url, /\/team\/app:v1$/);
    assert.deepEqual(
      { ...payload.event_data.repository, date_created: 0 },
      { date_created: 0, name: 'app', namespace: 'team', repo_full_name: 'team/app', repo_type: 'private' },
    );
    assert.equal(second!.headers.authorization, 'Bearer s3cret');
    assert.equal(second!.headers['content-type'], 'application/json');
    const expected = `sha256=${createHmac('sha256', secret).update(second!.body).digest('hex')}`;
    assert.equal(second!.headers['x-berth-signature'], expected);

    // Listed: one execution, succeeded on its second attempt with a 200.
    let executions: { json: { status: string; extra_attrs: Record<string, unknown>; id: number }[] } | undefined;
    for (let i = 0; i < 50; i++) {
      executions = await call('GET', `/projects/team/webhook/policies/${policyId}/executions`);
      if (executions.json[0]?.status === 'Success') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const exec = executions!.json[0]!;
    assert.equal(exec.status, 'Success');
    assert.equal(exec.extra_attrs.response_code, 200);
    assert.equal(exec.extra_attrs.attempts, 2);
    const tasks = await call('GET', `/projects/team/webhook/policies/${policyId}/executions/${exec.id}/tasks`);
    assert.equal(tasks.json[0].run_count, 2);
    const log = await call(
      'GET',
      `/projects/team/webhook/policies/${policyId}/executions/${exec.id}/tasks/${exec.id}/log`,
    );
    assert.match(log.text, /attempt 1: HTTP 500/);
    assert.match(log.text, /attempt 2: HTTP 200/);

    const metrics = await (await fetch(`${berth.url}/metrics`)).text();
    assert.match(metrics, /berth_webhook_deliveries_total\{outcome="retry"\} 1/);
    assert.match(metrics, /berth_webhook_deliveries_total\{outcome="succeed"\} [1-9]/);

    // A tag deletion is a DELETE_ARTIFACT; pulls are not subscribed.
    await oci.request('GET', '/v2/team/app/manifests/v1', { headers: { accept: manifest.mediaType } });
    const del = await oci.request('DELETE', '/v2/team/app/manifests/v1');
    assert.equal(del.status, 202);
    const all = await receiver.waitFor(3, '/hook');
    assert.equal(JSON.parse(all[2]!.body).type, 'DELETE_ARTIFACT');
    assert.equal(all.filter((r) => JSON.parse(r.body).type === 'PULL_ARTIFACT').length, 0);
  });

  it('sends CloudEvents, keeps a stored auth header on update, and stops when disabled', async () => {
    const created = await call('POST', '/projects/team/webhook/policies', {
      name: 'events',
      event_types: ['PULL_ARTIFACT'],
      targets: [
        { type: 'http', address: `${receiver.url}/ce`, auth_header: 'Basic abc', payload_format: 'CloudEvents' },
      ],
    });
    assert.equal(created.status, 201, created.text);
    assert.ok(created.json.signing_secret.length >= 16, 'a generated secret is shown once');
    const id = created.json.id as number;
    const put = await call('PUT', `/projects/team/webhook/policies/${id}`, {
      name: 'events',
      event_types: ['PULL_ARTIFACT'],
      targets: [{ type: 'http', address: `${receiver.url}/ce`, payload_format: 'CloudEvents' }],
      enabled: true,
    });
    assert.equal(put.status, 200, put.text);
    const oci = new RegistryClient(berth.url);
    const { manifest } = await oci.pushImage('team/pulled', 'latest', 1);
    await oci.request('GET', '/v2/team/pulled/manifests/latest', { headers: { accept: manifest.mediaType } });
    const [got] = await receiver.waitFor(1, '/ce');
    assert.equal(got!.headers['content-type'], 'application/cloudevents+json');
    assert.equal(got!.headers.authorization, 'Basic abc');
    const ce = JSON.parse(got!.body);
    assert.equal(ce.specversion, '1.0');
    assert.equal(ce.type, 'harbor.artifact.pulled');
    assert.equal(ce.data.resources[0].digest, manifest.digest);
    const expected = `sha256=${createHmac('sha256', created.json.signing_secret).update(got!.body).digest('hex')}`;
    assert.equal(got!.headers['x-berth-signature'], expected);

    const list = await call('GET', '/projects/team/webhook/policies');
    assert.equal(list.headers.get('x-total-count'), '2');
    assert.equal((await call('DELETE', `/projects/team/webhook/policies/${id}`)).status, 200);
    assert.equal((await call('GET', `/projects/team/webhook/policies/${id}`)).status, 404);
  });

  it('reports scans (SCANNING_COMPLETED with the scan overview, SCANNING_FAILED) and events other features emit', async () => {
    const created = await call('POST', '/projects/team/webhook/policies', {
      name: 'scans',
      event_types: ['SCANNING_COMPLETED', 'SCANNING_FAILED', 'TAG_RETENTION'],
      targets: [{ type: 'http', address: `${receiver.url}/scans` }],
    });
    assert.equal(created.status, 201, created.text);
    const oci = new RegistryClient(berth.url);
    const push = async (tag: string, layer: ReturnType<typeof blobOf>) => {
      const config = configBlob();
      await oci.pushBlobs('team/scanned', config, layer);
      const m = imageManifest({ config: descriptor(config, OCI_CONFIG), layers: [descriptor(layer, OCI_LAYER_GZIP)] });
      await oci.pushManifest('team/scanned', tag, m);
      const scan = await call('POST', `/projects/team/repositories/scanned/artifacts/${tag}/scan`);
      assert.equal(scan.status, 202, scan.text);
      return m.digest;
    };
    const good = await push(
      'good',
      blobOf(gzipSync(makeTar([{ name: 'etc/hello', type: 'file', data: Buffer.from('hi') }]))),
    );
    const [done] = await receiver.waitFor(1, '/scans');
    const completed = JSON.parse(done!.body);
    assert.equal(completed.type, 'SCANNING_COMPLETED');
    assert.equal(completed.operator, 'scanner');
    assert.equal(completed.event_data.resources[0].digest, good);
    const overview = Object.values(completed.event_data.resources[0].scan_overview)[0] as { scan_status: string };
    assert.equal(overview.scan_status, 'Success');
    assert.equal(completed.event_data.repository.repo_full_name, 'team/scanned');

    // The scanner reads broken layers leniently (problems, not errors); an errored scan maps to SCANNING_FAILED.
    const failed = scanningEvent({
      registryHost: 'h',
      repository: 'team/scanned',
      digest: good,
      failed: true,
      at: new Date().toISOString(),
      public_: false,
      scanOverview: null,
    });
    assert.equal(failed.type, 'SCANNING_FAILED');

    // The documented way for any feature (tag retention here) to report an event.
    const queued = await berth.berth.webhooks.emit({
      type: 'TAG_RETENTION',
      project: 'team',
      operator: 'retention',
      at: new Date().toISOString(),
      eventData: { retention: { total: 2, retained: 1 } },
    });
    assert.equal(queued, 1);
    const [, retention] = await receiver.waitFor(2, '/scans');
    assert.deepEqual(JSON.parse(retention!.body).event_data.retention, { total: 2, retained: 1 });

    // And a real retention run reports itself when it ends (the server wires it; a dry run removes nothing).
    const projectId = (await call('GET', '/projects/team')).json.project_id;
    const created2 = await call('POST', '/retentions', {
      algorithm: 'or',
      rules: [
        {
          disabled: false,
          action: 'retain',
          template: 'always',
          params: {},
          tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }],
          scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
        },
      ],
      trigger: { kind: 'Schedule', settings: { cron: '' } },
      scope: { level: 'project', ref: projectId },
    });
    assert.equal(created2.status, 201, created2.text);
    const policyId = Number(created2.headers.get('location')?.split('/').pop());
    const run = await call('POST', `/retentions/${policyId}/executions`, { dry_run: true });
    assert.equal(run.status, 201, run.text);
    const [, , finished] = await receiver.waitFor(3, '/scans');
    const payload = JSON.parse(finished!.body);
    assert.equal(payload.type, 'TAG_RETENTION');
    assert.equal(payload.event_data.retention.dry_run, true);
    assert.equal(payload.event_data.retention.status, 'Success');
    // The earlier test deleted team/app's tag v1: its manifest is untagged, and `**` without the
    // `untagged` extra does not retain it (Harbor's rule), so the dry run counts it as removable.
    assert.equal(payload.event_data.retention.removed, 1);
    assert.equal(payload.event_data.retention.retained, 2);
    assert.equal(payload.event_data.retention.project_name, 'team');
    // A dry run removes nothing: the untagged manifest is still there.
    const kept = await call('GET', '/projects/team/repositories/app/artifacts');
    assert.equal(kept.json.length, 1);
  });
});
