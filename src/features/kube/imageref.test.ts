import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Secret } from './cluster.ts';
import { credentialsIn, keyMatches } from './dockerconfig.ts';
import { formatImageRef, parseImageRef } from './imageref.ts';
import { pullSecretObject } from './pullsecret.ts';

describe('image references', () => {
  it('normalises Docker Hub names as the runtimes do', () => {
    assert.deepEqual(parseImageRef('nginx'), { host: 'docker.io', repository: 'library/nginx', tag: 'latest' });
    assert.deepEqual(parseImageRef('bitnami/redis:7'), { host: 'docker.io', repository: 'bitnami/redis', tag: '7' });
    assert.equal(parseImageRef('index.docker.io/library/nginx').host, 'docker.io');
  });

  it('recognises registry hosts by dot, port or localhost', () => {
    assert.equal(parseImageRef('reg.example.com/team/app:1').host, 'reg.example.com');
    assert.equal(parseImageRef('reg:5000/app').host, 'reg:5000');
    assert.equal(parseImageRef('localhost/app').host, 'localhost');
    assert.equal(parseImageRef('team/app').host, 'docker.io');
  });

  it('keeps digests and the case of the repository', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const ref = parseImageRef(`reg.example.com/Team/App:1@${digest}`);
    assert.deepEqual(ref, { host: 'reg.example.com', repository: 'Team/App', tag: '1', digest });
    assert.equal(formatImageRef(ref), `reg.example.com/Team/App:1@${digest}`);
  });

  it('refuses malformed references', () => {
    for (const bad of ['reg.example.com/app:bad tag', 'reg.example.com/app@sha256', 'reg.example.com//app', '']) {
      assert.throws(() => parseImageRef(bad), Error, bad);
    }
  });
});

describe('pull secret keys', () => {
  it('match with or without scheme, with the port, and Docker Hub aliases', () => {
    assert.ok(keyMatches('https://reg.example.com', 'reg.example.com', 'team/app'));
    assert.ok(keyMatches('reg.example.com:5000', 'reg.example.com:5000', 'team/app'));
    assert.ok(!keyMatches('reg.example.com', 'reg.example.com:5000', 'team/app'));
    assert.ok(keyMatches('https://index.docker.io/v1/', 'docker.io', 'library/nginx'));
    assert.ok(!keyMatches('https://other.example.com', 'reg.example.com', 'team/app'));
  });

  it('a key with a path applies only below it', () => {
    assert.ok(keyMatches('reg.example.com/team', 'reg.example.com', 'team/app'));
    assert.ok(!keyMatches('reg.example.com/team', 'reg.example.com', 'teamwork/app'));
  });

  it('reads both secret types and the auth field', () => {
    const json = pullSecretObject({ name: 's', server: 'http://reg:80', username: 'u', password: 'p:w' }) as Secret;
    assert.deepEqual(credentialsIn(json), [
      { secretName: 's', key: 'http://reg:80', scheme: 'http', username: 'u', password: 'p:w' },
    ]);
    const legacy: Secret = {
      metadata: { name: 'old' },
      type: 'kubernetes.io/dockercfg',
      data: {
        '.dockercfg': Buffer.from(
          JSON.stringify({ 'reg.example.com': { auth: Buffer.from('a:b:c').toString('base64') } }),
        ).toString('base64'),
      },
    };
    assert.deepEqual(credentialsIn(legacy), [
      { secretName: 'old', key: 'reg.example.com', username: 'a', password: 'b:c' },
    ]);
    assert.deepEqual(credentialsIn({ metadata: { name: 'x' }, data: { '.dockerconfigjson': 'bm90IGpzb24=' } }), []);
  });
});
