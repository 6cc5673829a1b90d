/**
 * A registry connection that creates its own Berth robot in one step
 * (`POST /kube/connections` with `robot: {project, name?}`): the robot is
 * pull-only, its credentials pull from Berth, a secret refresh reaches the
 * connection and its copies in clusters, and a failure leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { KyselyKubeStore } from '../../src/adapters/metadata/kube-store.ts';
import type { KyselyStore } from '../../src/adapters/metadata/kysely-store.ts';
import { OutboundPolicy } from '../../src/core/outbound.ts';
import { ConnectionService } from '../../src/features/kube/connection-service.ts';
import { accessRobots } from '../../src/features/kube/robots.ts';
import { openSecretBox } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import {
  ADMIN,
  addMember,
  api,
  basic,
  bearer,
  call,
  createProject,
  createUser,
  pushImage,
  type Running,
  startBerth,
  token,
} from '../access/support.ts';
import { FakeApiServer } from './fake-apiserver.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** username/password of a pull secret's only registry. */
function credentialsOf(secretJson: string): { server: string; username: string; password: string } {
  const secret = JSON.parse(secretJson);
  const config = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString());
  const [server, entry] = Object.entries(config.auths)[0] as [string, { username: string; password: string }];
  return { server, username: entry.username, password: entry.password };
}

describe('registry connection with a Berth robot, in one step', () => {
  const cluster = new FakeApiServer();
  let r: Running;
  let connectionId = 0;
  let robotId = 0;
  const alice = basic('alice', 'Passw0rdX'); // project admin of team
  const bob = basic('bob', 'Passw0rdX'); // developer of team

  const robotsOf = async (project: string) =>
    (
      (await api(r, 'GET', `/projects/${project}/robots?page_size=100`, { auth: ADMIN })).json as { name: string }[]
    ).map((x) => x.name);
  const connectionNames = async () =>
    ((await api(r, 'GET', '/kube/connections?page_size=100', { auth: ADMIN })).json as { name: string }[]).map(
      (c) => c.name,
    );

  before(async () => {
    await cluster.start();
    cluster.addNamespace('apps');
    r = await startBerth({ BERTH_KUBE_RECONCILE_INTERVAL: '0', BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' });
    await createUser(r, 'alice');
    await createUser(r, 'bob');
    await createProject(r, 'team');
    await createProject(r, 'other');
    await addMember(r, 'team', 'alice', 1);
    await addMember(r, 'team', 'bob', 2);
    await pushImage(r, 'team/app', 'v1', ADMIN);
  });
  after(async () => {
    await r.close();
    await cluster.stop();
  });

  it('creates a pull-only project robot as the credentials and links it', async () => {
    const res = await api(r, 'POST', '/kube/connections', {
      auth: ADMIN,
      body: { name: 'k8s-prod', address: r.url, robot: { project: 'team' } },
    });
    assert.equal(res.status, 201, res.body);
    assert.equal(res.json.type, 'berth');
    assert.equal(res.json.username, 'robot$team+k8s-prod');
    assert.equal(res.json.berth_robot, 'robot$team+k8s-prod');
    assert.equal(res.json.robot.name, 'robot$team+k8s-prod');
    assert.ok(!res.body.includes('secret'), 'the robot secret is never returned');
    connectionId = res.json.id;
    robotId = res.json.robot.id;

    const robot = await api(r, 'GET', `/robots/${robotId}`, { auth: ADMIN });
    assert.equal(robot.status, 200);
    assert.equal(robot.json.level, 'project');
    assert.deepEqual(robot.json.permissions, [
      { kind: 'project', namespace: 'team', access: [{ resource: 'repository', action: 'pull' }] },
    ]);
    const audit = await api(r, 'GET', '/audit-logs?page_size=100', { auth: ADMIN });
    assert.ok(
      (audit.json as { resource: string; operation: string; username: string }[]).some(
        (e) => e.resource === 'robot$team+k8s-prod' && e.operation === 'create' && e.username === 'admin',
      ),
    );
  });

  it('its credentials pull from Berth: Test connection passes every step and is remembered', async () => {
    const res = await api(r, 'POST', `/kube/connections/${connectionId}/test`, {
      auth: ADMIN,
      body: { repository: 'team/app', reference: 'v1' },
    });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(
      res.json.checks.map((c: { step: string; ok: boolean }) => [c.step, c.ok]),
      [
        ['reachable', true],
        ['registry-api', true],
        ['credentials', true],
        ['pull', true],
      ],
    );
    const got = await api(r, 'GET', `/kube/connections/${connectionId}`, { auth: ADMIN });
    assert.equal(got.json.last_test.ok, true);
    assert.equal(got.json.last_test.checks.length, 4);
    assert.ok(Date.now() - Date.parse(got.json.last_test.time) < 60_000);
  });

  it('the robot may pull but not push', async () => {
    const secret = await api(r, 'GET', `/kube/connections/${connectionId}/pullsecret?format=json`, { auth: ADMIN });
    const { server, username, password } = credentialsOf(secret.body);
    assert.equal(server, r.url);
    const auth = basic(username, password);
    const pulled = await call(r.url, 'GET', '/v2/team/app/manifests/v1', {
      auth: bearer(await token(r, ['repository:team/app:pull'], auth)),
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(pulled.status, 200);
    await assert.rejects(pushImage(r, 'team/app', 'robot-push', auth), (e: { reply?: { status: number } }) => {
      assert.ok(e.reply && [401, 403].includes(e.reply.status), `push refused, got ${e.reply?.status}`);
      return true;
    });
    const pushToken = await token(r, ['repository:team/app:pull,push'], auth);
    const claims = JSON.parse(Buffer.from(pushToken.split('.')[1]!, 'base64url').toString());
    assert.deepEqual(claims.access, [{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
  });

  it('refreshing the robot secret updates the pull secret and its copies in clusters', async () => {
    const reg = await api(r, 'POST', '/kube/clusters', {
      auth: ADMIN,
      body: { name: 'prod', kubeconfig: cluster.kubeconfig() },
    });
    assert.equal(reg.status, 201, reg.body);
    const placed = await api(r, 'POST', '/kube/placements', {
      auth: ADMIN,
      body: { connection_id: connectionId, cluster_id: reg.json.id, namespaces: ['apps'] },
    });
    assert.equal(placed.status, 201, placed.body);
    const synced = await api(r, 'POST', `/kube/placements/${placed.json.id}/sync`, { auth: ADMIN });
    assert.equal(synced.json.copies[0].state, 'created');
    const before = (await api(r, 'GET', `/kube/connections/${connectionId}/pullsecret?format=json`, { auth: ADMIN }))
      .body;

    const refreshed = await api(r, 'PATCH', `/robots/${robotId}`, { auth: ADMIN, body: {} });
    assert.equal(refreshed.status, 200, refreshed.body);
    const after = (await api(r, 'GET', `/kube/connections/${connectionId}/pullsecret?format=json`, { auth: ADMIN }))
      .body;
    assert.notEqual(after, before);
    assert.equal(credentialsOf(after).password, refreshed.json.secret);

    const inCluster = () => {
      const s = cluster.get('secrets', 'apps', 'k8s-prod-pull');
      return JSON.parse(Buffer.from(s!.data['.dockerconfigjson'], 'base64').toString()).auths[r.url].password;
    };
    const deadline = Date.now() + 10_000;
    while (inCluster() !== refreshed.json.secret && Date.now() < deadline) await new Promise((x) => setTimeout(x, 50));
    assert.equal(inCluster(), refreshed.json.secret);
    let copy: { state: string; current: boolean } | undefined;
    while (Date.now() < deadline) {
      copy = (await api(r, 'GET', `/kube/placements/${placed.json.id}`, { auth: ADMIN })).json.copies[0];
      if (copy?.current) break;
      await new Promise((x) => setTimeout(x, 50));
    }
    assert.equal(copy?.state, 'updated');
    assert.equal(copy?.current, true);
    const test = await api(r, 'POST', `/kube/connections/${connectionId}/test`, { auth: ADMIN, body: {} });
    assert.equal(test.json.ok, true, 'the new secret is accepted');
  });

  it('an unknown project is a 404 naming robot.project; nothing is created', async () => {
    const robots = await robotsOf('team');
    const res = await api(r, 'POST', '/kube/connections', {
      auth: ADMIN,
      body: { name: 'ghost', address: r.url, robot: { project: 'nope' } },
    });
    assert.equal(res.status, 404);
    assert.match(res.json.errors[0].message, /^robot\.project: project "nope" not found/);
    assert.equal(res.json.errors[0].field, 'robot.project');
    assert.ok(!(await connectionNames()).includes('ghost'));
    assert.deepEqual(await robotsOf('team'), robots);
  });

  it('a robot name already taken is a 409; the existing robot keeps working and no connection is made', async () => {
    const res = await api(r, 'POST', '/kube/connections', {
      auth: ADMIN,
      body: { name: 'again', address: r.url, robot: { project: 'team', name: 'k8s-prod' } },
    });
    assert.equal(res.status, 409, res.body);
    assert.match(res.json.errors[0].message, /robot\$team\+k8s-prod already exists/);
    assert.equal(res.json.errors[0].field, 'robot.name');
    assert.ok(!(await connectionNames()).includes('again'));
    const test = await api(r, 'POST', `/kube/connections/${connectionId}/test`, { auth: ADMIN, body: {} });
    assert.equal(test.json.ok, true);
  });

  it('bad input is refused before any robot exists', async () => {
    const robots = await robotsOf('team');
    const cases: [object, number, string][] = [
      [{ name: 'taken', address: 'ftp://reg.example.com', robot: { project: 'team' } }, 400, 'address'],
      [{ name: 'k8s-prod', address: r.url, robot: { project: 'team', name: 'fresh' } }, 409, 'name'],
      [{ name: 'h', type: 'harbor', address: r.url, robot: { project: 'team' } }, 400, 'type'],
      [{ name: 'both', address: r.url, username: 'u', password: 'p', robot: { project: 'team' } }, 400, 'username'],
      [{ name: 'bad', address: r.url, robot: { project: 'team', name: 'Bad Name' } }, 400, 'robot.name'],
      [{ name: 'noproj', address: r.url, robot: {} }, 400, 'robot.project'],
      [{ name: 'two--dashes', address: r.url, robot: { project: 'team' } }, 400, 'robot.name'],
      [{ name: 'Upper', address: r.url, robot: { project: 'team', name: 'fine' } }, 400, 'name'],
    ];
    for (const [body, status, field] of cases) {
      const res = await api(r, 'POST', '/kube/connections', { auth: ADMIN, body });
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.body}`);
      assert.ok(res.json.errors[0].message.startsWith(`${field}: `), res.body);
      assert.equal(res.json.errors[0].field, field, res.body);
    }
    assert.deepEqual(await robotsOf('team'), robots);
    assert.deepEqual(await connectionNames(), ['k8s-prod']);
  });

  it('needs the right to manage the project and its robots', async () => {
    const byBob = await api(r, 'POST', '/kube/connections', {
      auth: bob,
      body: { name: 'bobs', address: r.url, robot: { project: 'team' } },
    });
    assert.equal(byBob.status, 403);
    const elsewhere = await api(r, 'POST', '/kube/connections', {
      auth: alice,
      body: { name: 'alices-other', address: r.url, robot: { project: 'other' } },
    });
    assert.equal(elsewhere.status, 404, 'alice may not even see project other');
    const unknown = await api(r, 'POST', '/kube/connections', {
      auth: alice,
      body: { name: 'alices-ghost', address: r.url, robot: { project: 'nope' } },
    });
    assert.equal(unknown.status, 403, 'only administrators learn that a project does not exist');
    assert.deepEqual(await robotsOf('other'), []);
    const own = await api(r, 'POST', '/kube/connections', {
      auth: alice,
      body: { name: 'alices', address: r.url, robot: { project: 'team' } },
    });
    assert.equal(own.status, 201, own.body);
    assert.equal(own.json.project_id, (await api(r, 'GET', '/projects/team', { auth: ADMIN })).json.project_id);
    assert.ok((await robotsOf('team')).includes('robot$team+alices'));
  });

  it('removes the robot again when the connection cannot be stored', async () => {
    const berth = r.berth;
    const metadata = berth.registry.metadata as KyselyStore;
    const store = KyselyKubeStore.over(metadata.db);
    // The database refuses the insert (e.g. it went away) after every check passed.
    store.createConnection = async () => {
      throw new Error('database went away');
    };
    const config = loadConfig({ env: { BERTH_DATA: r.dir } });
    const service = new ConnectionService({
      store,
      box: await openSecretBox(config),
      jobs: metadata.jobs,
      robots: accessRobots(berth.access),
      outbound: OutboundPolicy.fromList(['127.0.0.0/8', '::1']),
    });
    const robots = await robotsOf('team');
    await assert.rejects(
      service.createWithRobot(
        { name: 'doomed', address: r.url },
        { project: 'team' },
        { name: 'admin', address: 'test' },
      ),
      /database went away/,
    );
    assert.deepEqual(await robotsOf('team'), robots);
    assert.equal(await berth.access.store.robotByName('robot$team+doomed'), null);
  });

  it('the CLI does it too: berth kube connection add --create-robot', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args, '--data', r.dir], {
          env: { ...process.env, BERTH_CONFIG: '', BERTH_SECRET_KEY: '', BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' },
        });
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        child.stderr.on('data', (d) => {
          out += d;
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, out }));
      });
    const added = await run([
      'kube',
      'connection',
      'add',
      'from-cli',
      '--address',
      'https://reg.example.com',
      '--create-robot',
      'team',
      '--robot-name',
      'cli-pull',
    ]);
    assert.equal(added.code, 0, added.out);
    assert.match(added.out, /with robot robot\$team\+cli-pull \(pull only\)/);
    const again = await run([
      'kube',
      'connection',
      'add',
      'x2',
      '--address',
      'https://r.example',
      '--create-robot',
      'none',
    ]);
    assert.equal(again.code, 1);
    assert.match(again.out, /robot\.project: project "none" not found/);
    const listed = await run(['kube', 'connection', 'list', '--json']);
    const fromCli = (JSON.parse(listed.out) as { name: string; username: string; berthRobot: string }[]).find(
      (c) => c.name === 'from-cli',
    );
    assert.equal(fromCli?.username, 'robot$team+cli-pull');
    assert.equal(fromCli?.berthRobot, 'robot$team+cli-pull');
    const robots = await run(['robot', 'list', 'team']);
    assert.match(robots.out, /robot\$team\+cli-pull +pull +enabled/);
    const regenerated = await run(['robot', 'regenerate', 'robot$team+cli-pull']);
    assert.equal(regenerated.code, 0, regenerated.out);
    const secret = /secret: (\S+)/.exec(regenerated.out)?.[1];
    const printed = await run(['kube', 'connection', 'secret', 'from-cli', '-o', 'json']);
    assert.equal(credentialsOf(printed.out).password, secret);
  });
});
