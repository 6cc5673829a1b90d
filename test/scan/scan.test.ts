/**
 * Scanning end to end over HTTP: images built offline are pushed, an OSV
 * database is imported, scans find exactly the vulnerable packages (dpkg by
 * source package, PyPI, npm, Maven, Go; Alpine's apk), whiteouts hide what
 * they delete, derived labels follow the content, and the prevent_vul gate
 * refuses pulls with a message naming the worst finding until allowlisted.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../support/berth.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import { alpineImage, blobsOf, debianImage, OSV_RECORDS } from './fixtures.ts';

const REPORT = 'application/vnd.security.vulnerability.report; version=1.1';

async function push(url: string, repo: string, tag: string, image: ReturnType<typeof blobsOf>): Promise<void> {
  for (const data of [...image.blobs.map((b) => b.data), image.config]) {
    const digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(data).digest('hex')}`;
    const r = await fetch(`${url}/v2/${repo}/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      body: new Uint8Array(data),
    });
    assert.equal(r.status, 201, await r.text());
  }
  const r = await fetch(`${url}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body: new Uint8Array(image.manifest),
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  assert.equal(r.status, 201, await r.text());
}

async function scanned(url: string, project: string, repo: string, ref: string) {
  const base = `${url}/api/v2.0/projects/${project}/repositories/${encodeURIComponent(repo)}/artifacts/${ref}`;
  const started = await fetch(`${base}/scan`, { method: 'POST' });
  assert.equal(started.status, 202);
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`${base}/additions/vulnerabilities`);
    if (r.status === 200) {
      const body = (await r.json()) as Record<
        string,
        { scan_status: string; vulnerabilities: Record<string, unknown>[]; labels: string[] }
      >;
      if (body[REPORT].scan_status !== 'Running') return body[REPORT];
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('scan did not finish');
}

describe('vulnerability scanning', () => {
  let berth: RunningBerth;
  const debian = blobsOf(debianImage());
  const alpine = blobsOf(alpineImage(), 'nobody');

  before(async () => {
    berth = await startInProcess();
    await berth.berth.access.store.createProject({ name: 'team', public: false, ownerId: null });
    await push(berth.url, 'team/app', 'v1', debian);
    await push(berth.url, 'team/alpine', 'v1', alpine);
  });
  after(() => berth.stop());

  test('the OSV import counts records per ecosystem and skips malformed ones', async () => {
    const r = await fetch(`${berth.url}/api/v2.0/vuln-db`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ format: 'osv', entries: OSV_RECORDS }),
    });
    assert.equal(r.status, 201);
    const body = (await r.json()) as {
      imported: number;
      skipped: number;
      by_ecosystem: Record<string, number>;
      updated_at: string;
    };
    assert.equal(body.imported, OSV_RECORDS.length - 1);
    assert.equal(body.skipped, 1);
    assert.deepEqual(body.by_ecosystem, { Alpine: 1, Debian: 2, Go: 1, Maven: 1, PyPI: 1, npm: 4 });
    assert.equal(body.updated_at, '2024-01-01T00:00:00Z');
    const bad = await fetch(`${berth.url}/api/v2.0/vuln-db`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ format: 'nvd', entries: [] }),
    });
    assert.equal(bad.status, 400);
    const zip = await fetch(`${berth.url}/api/v2.0/vuln-db`, {
      method: 'POST',
      headers: { 'content-type': 'application/zip' },
      body: new TextEncoder().encode('not a zip'),
    });
    assert.equal(zip.status, 400);
  });

  test('a Debian image: exactly the affected packages, with fix versions and severities', async () => {
    const report = await scanned(berth.url, 'team', 'app', 'v1');
    assert.equal(report.scan_status, 'Success');
    const found = report.vulnerabilities.map(
      (v) => `${v.id} ${v.package} ${v.version} -> ${v.fix_version} ${v.severity}`,
    );
    assert.deepEqual(found, [
      'GHSA-jfh8-c2jp-5v3q org.apache.logging.log4j:log4j-core 2.14.1 -> 2.15.0 Critical',
      'GHSA-35jh-r3h4-6jhm lodash 4.17.15 -> 4.17.21 High',
      'DEBIAN-CVE-2023-5678 libssl3 3.0.11-1~deb12u1 -> 3.0.13-1~deb12u1 Medium',
      'GHSA-j8r2-6x86-q33q requests 2.25.0 -> 2.31.0 Medium',
      'GO-2023-1988 golang.org/x/net 0.10.0 -> 0.13.0 Medium',
    ]);
    for (const label of [
      'os:debian-12',
      'arch:amd64',
      'has-shell',
      'runs-as-root',
      'sbom',
      'runtime:python',
      'runtime:node',
      'runtime:java',
      'runtime:go-1.21.0',
    ])
      assert.ok(report.labels.includes(label), `${label} in ${report.labels}`);
  });

  test('an Alpine image: apk packages matched with apk version order; not root, no shell', async () => {
    const report = await scanned(berth.url, 'team', 'alpine', 'v1');
    assert.deepEqual(
      report.vulnerabilities.map((v) => `${v.id} ${v.package} ${v.version} ${v.severity}`),
      ['ALPINE-CVE-2023-42363 busybox 1.36.1-r15 High'],
    );
    assert.ok(report.labels.includes('os:alpine-3.19.1'));
    assert.ok(!report.labels.includes('runs-as-root'));
    assert.ok(!report.labels.includes('has-shell'));
  });

  test('the prevent_vul gate refuses pulls at or above the severity, names the worst, and respects allowlists', async () => {
    const get = (repo: string) =>
      fetch(`${berth.url}/v2/team/${repo}/manifests/v1`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
    assert.equal((await get('app')).status, 200, 'no policy: pulls pass');
    const setMetadata = (body: unknown) =>
      fetch(`${berth.url}/api/v2.0/projects/team`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await setMetadata({ metadata: { prevent_vul: 'true', severity: 'severe' } });
    assert.equal(bad.status, 400);
    const badError = ((await bad.json()) as { errors: { message: string }[] }).errors[0];
    assert.match(badError.message, /metadata\.severity/);
    assert.equal((await get('app')).status, 200, 'a refused update stores nothing');
    assert.equal((await setMetadata({ metadata: { prevent_vul: 'true', severity: 'high' } })).status, 200);
    const shown = (await (await fetch(`${berth.url}/api/v2.0/projects/team`)).json()) as {
      metadata: Record<string, string>;
      cve_allowlist: { items: unknown[] };
    };
    assert.equal(shown.metadata.prevent_vul, 'true');
    assert.equal(shown.metadata.severity, 'high');
    assert.equal(shown.metadata.auto_scan, 'false');
    assert.equal(shown.metadata.enable_content_trust_cosign, 'false', "signing's metadata is still there");
    assert.deepEqual(shown.cve_allowlist.items, []);
    const refused = await get('app');
    assert.equal(refused.status, 412);
    const error = ((await refused.json()) as { errors: { code: string; message: string }[] }).errors[0];
    assert.equal(error.code, 'DENIED');
    assert.match(error.message, /2 vulnerabilities at or above high \(worst: GHSA-jfh8-c2jp-5v3q, critical/);
    // Alpine's High finding is refused too; allowlisting its CVE (an alias) lets it through.
    assert.equal((await get('alpine')).status, 412);
    const put = await fetch(`${berth.url}/api/v2.0/system/CVEAllowlist`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ cve_id: 'CVE-2023-42363' }] }),
    });
    assert.equal(put.status, 200);
    assert.equal((await get('alpine')).status, 200);
    // Only Critical blocks now: the lodash High finding no longer counts.
    assert.equal((await setMetadata({ metadata: { severity: 'critical' } })).status, 200);
    const still = await get('app');
    assert.equal(still.status, 412);
    assert.match(
      ((await still.json()) as { errors: { message: string }[] }).errors[0].message,
      /^1 vulnerability at or above critical/,
    );
    // The project's own allowlist exempts the critical one.
    const badList = await setMetadata({ cve_allowlist: { items: [{ id: 3 }] } });
    assert.equal(badList.status, 400);
    assert.equal((await setMetadata({ cve_allowlist: { items: [{ cve_id: 'GHSA-jfh8-c2jp-5v3q' }] } })).status, 200);
    assert.equal((await get('app')).status, 200);
    const listed = (await (await fetch(`${berth.url}/api/v2.0/projects/team`)).json()) as {
      cve_allowlist: { items: { cve_id: string }[] };
    };
    assert.deepEqual(listed.cve_allowlist.items, [{ cve_id: 'GHSA-jfh8-c2jp-5v3q' }]);
    assert.equal((await setMetadata({ cve_allowlist: { items: [] } })).status, 200);
    assert.equal((await get('app')).status, 412);
  });

  test('with_scan_overview=true adds scan_overview to the artifact list and detail', async () => {
    const base = `${berth.url}/api/v2.0/projects/team/repositories/app/artifacts`;
    type Overview = Record<string, { scan_status: string; severity: string; summary: { total: number } }>;
    const plain = (await (await fetch(base)).json()) as { scan_overview?: Overview }[];
    assert.equal(plain[0].scan_overview, undefined, 'only when asked');
    const listed = (await (await fetch(`${base}?with_scan_overview=true`)).json()) as { scan_overview: Overview }[];
    const overview = listed[0].scan_overview[REPORT];
    assert.equal(overview.scan_status, 'Success');
    assert.equal(overview.severity, 'Critical');
    assert.ok(overview.summary.total > 0);
    const one = (await (await fetch(`${base}/v1?with_scan_overview=true`)).json()) as { scan_overview: Overview };
    assert.deepEqual(one.scan_overview[REPORT].summary, overview.summary);
  });

  test('labels: global and project scope, attach/detach, filtered lists, derived labels marked', async () => {
    const api = `${berth.url}/api/v2.0`;
    const send = (method: string, path: string, body?: unknown) =>
      fetch(`${api}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const team = (await (await fetch(`${api}/projects/team`)).json()) as { project_id: number };
    const badColor = await send('POST', '/labels', { name: 'prod', color: 'red' });
    assert.equal(badColor.status, 400);
    assert.match(((await badColor.json()) as { errors: { message: string }[] }).errors[0].message, /color/);
    const made = await send('POST', '/labels', { name: 'prod', color: '#00aa00', scope: 'g' });
    assert.equal(made.status, 201);
    const prodId = Number(made.headers.get('location')?.split('/').pop());
    assert.equal((await send('POST', '/labels', { name: 'prod', scope: 'g' })).status, 409);
    const own = await send('POST', '/labels', { name: 'qa', scope: 'p', project_id: team.project_id });
    assert.equal(own.status, 201);
    const qaId = Number(own.headers.get('location')?.split('/').pop());
    const globals = (await (await fetch(`${api}/labels?scope=g`)).json()) as { name: string }[];
    assert.deepEqual(
      globals.map((l) => l.name),
      ['prod'],
    );
    const projects = (await (await fetch(`${api}/labels?scope=p&project_id=${team.project_id}`)).json()) as {
      name: string;
    }[];
    assert.deepEqual(
      projects.map((l) => l.name),
      ['qa'],
    );

    const artifacts = `${api}/projects/team/repositories/app/artifacts`;
    assert.equal(
      (await send('POST', '/projects/team/repositories/app/artifacts/v1/labels', { id: prodId })).status,
      200,
    );
    assert.equal(
      (await send('POST', '/projects/team/repositories/app/artifacts/v1/labels', { id: prodId })).status,
      409,
    );
    type View = { digest: string; labels: { id: number; name: string; derived?: boolean }[] };
    const listed = (await (await fetch(`${artifacts}?q=${encodeURIComponent(`labels=(${prodId})`)}`)).json()) as View[];
    assert.equal(listed.length, 1);
    const names = listed[0].labels.map((l) => `${l.name}${l.derived ? ' (derived)' : ''}`);
    assert.ok(names.includes('prod'));
    assert.ok(names.includes('os:debian-12 (derived)'), names.join(', '));
    const none = (await (
      await fetch(`${artifacts}?q=${encodeURIComponent(`labels=(${prodId} ${qaId})`)}`)
    ).json()) as View[];
    assert.equal(none.length, 0, 'all of the labels');
    const any = (await (
      await fetch(`${artifacts}?q=${encodeURIComponent(`labels={${prodId} ${qaId}}`)}`)
    ).json()) as View[];
    assert.equal(any.length, 1, 'any of the labels');
    assert.equal((await fetch(`${artifacts}?q=labels%3D(x)`)).status, 400);
    assert.equal((await send('DELETE', `/projects/team/repositories/app/artifacts/v1/labels/${prodId}`)).status, 200);
    assert.equal((await send('DELETE', `/projects/team/repositories/app/artifacts/v1/labels/${prodId}`)).status, 404);
    const after = (await (await fetch(`${artifacts}?q=${encodeURIComponent(`labels=(${prodId})`)}`)).json()) as View[];
    assert.equal(after.length, 0);
    assert.equal((await send('PUT', `/labels/${prodId}`, { name: 'production' })).status, 200);
    assert.equal(((await (await fetch(`${api}/labels/${prodId}`)).json()) as { name: string }).name, 'production');
    assert.equal((await send('DELETE', `/labels/${qaId}`)).status, 200);
    assert.equal((await fetch(`${api}/labels/${qaId}`)).status, 404);
  });

  test('a newer database rescans images pulled recently; scans are counted at /metrics', async () => {
    const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
    assert.equal((await fetch(`${berth.url}/v2/team/alpine/manifests/v1`, { headers: accept })).status, 200);
    // The pull is the registry's own record (manifests.pulled_at), which the import flushes before choosing.
    const newer = { ...(OSV_RECORDS[0] as Record<string, unknown>), modified: '2099-01-01T00:00:00Z' };
    const r = await fetch(`${berth.url}/api/v2.0/vuln-db`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ format: 'osv', entries: [newer] }),
    });
    assert.equal(r.status, 201);
    await new Promise((r) => setTimeout(r, 50));
    await berth.berth.scanFeature.rescans.idle();
    assert.ok((await berth.berth.scan.store.pulledSince('2000-01-01', 10)).some((p) => p.repository === 'team/alpine'));
    const report = await berth.berth.scan.store.report(
      (await berth.berth.registry.manifestRecord('team/alpine', 'v1')).digest,
    );
    assert.ok(report);
    assert.equal(report.dbUpdatedAt, '2099-01-01T00:00:00Z', 'rescanned against the newer database');
    const metrics = await (await fetch(`${berth.url}/metrics`)).text();
    assert.match(metrics, /berth_scans_total\{status="Success"\} [1-9]/);
    assert.match(metrics, /berth_scan_rescans_queued_total [1-9]/);
    assert.match(metrics, /berth_scan_duration_seconds_count [1-9]/);
  });

  test('/scanners lists the built-in scanner; an adapter on a refused address is not registered', async () => {
    const list = (await (await fetch(`${berth.url}/api/v2.0/scanners`)).json()) as {
      uuid: string;
      is_default: boolean;
    }[];
    assert.deepEqual(
      list.map((s) => [s.uuid, s.is_default]),
      [['berth-builtin', true]],
    );
    assert.equal((await fetch(`${berth.url}/api/v2.0/scanners/berth-builtin`)).status, 200);
    assert.equal((await fetch(`${berth.url}/api/v2.0/scanners/other`)).status, 404);
    // This server has no BERTH_OUTBOUND_ALLOW: a loopback adapter is refused by the outbound rule.
    const post = await fetch(`${berth.url}/api/v2.0/scanners`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'trivy', url: 'http://127.0.0.1:9/' }),
    });
    assert.equal(post.status, 400);
    assert.match(await post.text(), /loopback/);
    assert.equal(((await (await fetch(`${berth.url}/api/v2.0/scanners`)).json()) as unknown[]).length, 1);
  });

  test('the security summary counts findings by severity', async () => {
    const r = await fetch(`${berth.url}/api/v2.0/security/summary?with_dangerous_cve=true`);
    assert.equal(r.status, 200);
    const s = (await r.json()) as Record<string, number> & { dangerous_cves: { cve_id: string }[] };
    assert.equal(s.critical_cnt, 1);
    assert.equal(s.high_cnt, 2);
    assert.equal(s.medium_cnt, 3);
    assert.equal(s.total_vuls, 6);
    assert.equal(s.dangerous_cves[0].cve_id, 'GHSA-jfh8-c2jp-5v3q');
  });

  test('berth scan <repo>:<tag> prints the findings and exits 3 at --fail-on', async () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'scan', 'team/app:v1', '--data', berth.dataDir, '--fail-on', 'critical'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stdout, /Success, \d+ packages, 5 findings/);
    assert.match(
      run.stdout,
      /Critical +GHSA-jfh8-c2jp-5v3q +org\.apache\.logging\.log4j:log4j-core 2\.14\.1 -> 2\.15\.0/,
    );
    assert.match(run.stdout, /labels: .*os:debian-12/);
  });
});
