/**
 * OIDC login against a real oidc-provider started here: the browser flow
 * (driven by hand, following redirects with a cookie jar), onboarding, the
 * API session, and the CLI secret for registry logins.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import Provider from 'oidc-provider';
import {
  ADMIN,
  addMember,
  api,
  basic,
  call,
  createProject,
  createUser,
  freePort,
  pushImage,
  type Running,
  startBerth,
  token,
} from './support.ts';

const PEOPLE: Record<string, { preferred_username: string; email: string; name: string }> = {
  'sub-olga': { preferred_username: 'olga', email: 'olga@idp.test', name: 'Olga Oidc' },
  'sub-fake-alice': { preferred_username: 'alice', email: 'alice@idp.test', name: 'Not Alice' },
};
let nextAccount = 'sub-olga';
let idp: Server;
let r: Running;
let issuer: string;

before(async () => {
  const idpPort = await freePort();
  const berthPort = await freePort();
  issuer = `http://127.0.0.1:${idpPort}`;
  const callback = `http://127.0.0.1:${berthPort}/c/oidc/callback`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'berth',
        client_secret: 'berth-client-secret',
        redirect_uris: [callback],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => ({ sub: id, ...PEOPLE[id] }),
    }),
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['oidc-test-cookie-key'] },
  });
  const handler = provider.callback();
  idp = createServer(async (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      // The "user" logs in as nextAccount and consents to everything asked.
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: nextAccount, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: nextAccount }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((res) => idp.listen(idpPort, '127.0.0.1', res));
  r = await startBerth(
    {
      BERTH_OIDC_ISSUER: issuer,
      BERTH_OIDC_CLIENT_ID: 'berth',
      BERTH_OIDC_CLIENT_SECRET: 'berth-client-secret',
      BERTH_OIDC_REDIRECT_URL: callback,
    },
    berthPort,
  );
  await createUser(r, 'alice');
});
after(async () => {
  await r?.close();
  await new Promise((res) => idp?.close(res));
});

/** A browser: follows redirects across both servers, keeping cookies per host. */
async function browse(
  start: string,
  accept = '*/*',
  // biome-ignore lint/suspicious/noExplicitAny: the provider's JSON replies vary by endpoint
): Promise<{ status: number; json: any; url: string; location?: string; cookie?: string }> {
  const jar = new Map<string, Map<string, string>>();
  let url = start;
  for (let hops = 0; hops < 20; hops++) {
    const host = new URL(url).host;
    const cookies = jar.get(host) ?? new Map();
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), accept },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    jar.set(host, cookies);
    const location = res.headers.get('location');
    if (location === '/') {
      const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      return { status: res.status, json: null, url, location, cookie };
    }
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url).href;
      continue;
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, json, url };
  }
  throw new Error('too many redirects');
}

test('an OIDC login onboards the user and yields an API session', async () => {
  nextAccount = 'sub-olga';
  const done = await browse(`${r.url}/c/oidc/login`);
  assert.equal(done.status, 200, JSON.stringify(done.json));
  assert.match(done.url, /\/c\/oidc\/callback\?code=/);
  assert.equal(done.json.username, 'olga');
  const session = `Bearer ${done.json.token}`;
  const me = await api(r, 'GET', '/users/current', { auth: session });
  assert.equal(me.status, 200);
  assert.equal(me.json.email, 'olga@idp.test');
  assert.equal(me.json.realname, 'Olga Oidc');
  assert.equal(me.json.auth_source, 'oidc');
  // a second login is the same account
  const again = await browse(`${r.url}/c/oidc/login`);
  assert.equal(again.json.user_id, done.json.user_id);
  // the API session is no registry token, and a registry token is no API session
  assert.equal((await call(r.url, 'GET', '/v2/', { auth: session })).status, 401);
  const registryToken = await token(r, ['repository:x/y:pull'], ADMIN);
  assert.equal((await api(r, 'GET', '/users/current', { auth: `Bearer ${registryToken}` })).status, 401);
});

test('a browser finishing an OIDC login gets a console session cookie (no token in the address)', async () => {
  nextAccount = 'sub-olga';
  const done = await browse(`${r.url}/c/oidc/login`, 'text/html,application/xhtml+xml,*/*;q=0.8');
  assert.equal(done.status, 303);
  assert.equal(done.location, '/');
  assert.match(done.cookie ?? '', /berth_session=[^;]+/);
  const me = await api(r, 'GET', '/users/current', { headers: { cookie: done.cookie ?? '' } });
  assert.equal(me.status, 200);
  assert.equal(me.json.username, 'olga');
});

test('registry logins with the CLI secret', async () => {
  nextAccount = 'sub-olga';
  const done = await browse(`${r.url}/c/oidc/login`);
  const session = `Bearer ${done.json.token}`;
  // no password works before a CLI secret is set
  assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('olga', '') })).status, 401);
  const made = await api(r, 'POST', '/users/current/cli_secret', { auth: session });
  assert.equal(made.status, 200);
  const secret = made.json.secret as string;
  await createProject(r, 'oidcproj');
  await addMember(r, 'oidcproj', 'olga', 2);
  await pushImage(r, 'oidcproj/app', 'v1', basic('olga', secret));
  assert.equal(
    (await call(r.url, 'GET', '/v2/oidcproj/app/manifests/v1', { auth: basic('olga', secret) })).status,
    200,
  );
  // Harbor's PUT sets a chosen one; the old one stops working
  const put = await api(r, 'PUT', `/users/${done.json.user_id}/cli_secret`, {
    auth: session,
    body: { secret: 'Chosen-CLI-1' },
  });
  assert.equal(put.status, 200);
  assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('olga', secret) })).status, 401);
  assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('olga', 'Chosen-CLI-1') })).status, 200);
  // local users have no CLI secret
  assert.equal((await api(r, 'POST', '/users/current/cli_secret', { auth: basic('alice', 'Passw0rdX') })).status, 400);
});

test('an OIDC identity cannot take over a local account with the same name', async () => {
  nextAccount = 'sub-fake-alice';
  const done = await browse(`${r.url}/c/oidc/login`);
  assert.equal(done.status, 409);
  const alice = await api(r, 'GET', '/users/current', { auth: basic('alice', 'Passw0rdX') });
  assert.equal(alice.json.email, 'alice@x');
});

test('a callback without the login cookie, or with a forged state, is refused', async () => {
  const res = await call(r.url, 'GET', '/c/oidc/callback?code=abc&state=xyz');
  assert.equal(res.status, 401);
  // start a login, then come back with another state
  const start = await fetch(`${r.url}/c/oidc/login`, { redirect: 'manual' });
  const cookie = start.headers.getSetCookie()[0].split(';')[0];
  const forged = await fetch(`${r.url}/c/oidc/callback?code=abc&state=forged&iss=${encodeURIComponent(issuer)}`, {
    headers: { cookie },
  });
  assert.equal(forged.status, 401);
});

test('a callback with a malformed query is a 400 naming the parameter, before anything is tried', async () => {
  const res = await call(r.url, 'GET', `/c/oidc/callback?code=${'a'.repeat(5000)}&state=xyz`);
  assert.equal(res.status, 400);
  assert.equal(res.json.errors[0].code, 'BAD_REQUEST');
  assert.equal(res.json.errors[0].field, 'code');
});
