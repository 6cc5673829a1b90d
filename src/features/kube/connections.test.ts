import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addressUrl,
  ConnectionInvalidError,
  normaliseAddress,
  parseConnection,
  registryHost,
  validateConnection,
} from './connections.ts';

const valid = {
  name: 'internal',
  type: 'harbor',
  address: 'https://Reg.Example.com:8443/',
  username: 'robot$ci',
  password: 's3cret',
};

describe('registry connections', () => {
  it('accepts a valid connection and keeps the address exactly as given (the pull secret key)', () => {
    assert.deepEqual(validateConnection(valid), []);
    const conn = parseConnection({ ...valid, email: '' });
    assert.equal(conn.address, 'https://Reg.Example.com:8443/');
    assert.equal(normaliseAddress(conn.address), 'https://reg.example.com:8443');
    assert.equal(
      parseConnection({ ...valid, address: 'https://index.docker.io/v1/' }).address,
      'https://index.docker.io/v1/',
    );
    assert.equal(conn.email, undefined);
    assert.equal(registryHost(conn.address), 'reg.example.com:8443');
  });

  it('accepts a host without a scheme as kubectl does (HTTPS assumed for probes)', () => {
    for (const address of ['reg.example.com', 'reg.example.com:5000', '10.0.0.5:8080/v2/']) {
      assert.deepEqual(validateConnection({ ...valid, address }), [], address);
    }
    assert.equal(registryHost('reg.example.com:5000'), 'reg.example.com:5000');
    assert.equal(addressUrl('reg.example.com:5000').protocol, 'https:');
    assert.equal(normaliseAddress('Reg.example.com/'), 'https://reg.example.com');
  });

  it('refuses another scheme, naming the field and showing the fix', () => {
    const errors = validateConnection({ ...valid, address: 'ftp://reg.example.com' });
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.field, 'address');
    assert.match(errors[0]!.message, /address must start with https:\/\/ or http:\/\//);
    assert.match(errors[0]!.message, /https:\/\/reg\.example\.com/);
  });

  it('refuses other schemes and broken addresses', () => {
    for (const address of [
      'ftp://reg.example.com',
      'oci://reg',
      '',
      'https://',
      'https://user:pw@reg',
      'https://reg?x=1',
      'reg example',
      ' reg.example.com',
    ]) {
      const errors = validateConnection({ ...valid, address });
      assert.deepEqual(
        errors.map((e) => e.field),
        ['address'],
        address,
      );
    }
    assert.deepEqual(validateConnection({ ...valid, address: 'http://10.0.0.5:8080' }), []);
  });

  it('names every bad field at once', () => {
    const errors = validateConnection({
      name: 'Bad_Name',
      type: 'quay',
      address: 'ftp://x',
      username: 'a:b',
      password: '',
      email: 'nope',
    });
    assert.deepEqual(
      errors.map((e) => e.field),
      ['name', 'type', 'address', 'username', 'password', 'email'],
    );
    assert.match(errors[1]!.message, /berth, harbor, docker-registry, acr, oci/);
  });

  it('parseConnection throws one error listing the fields', () => {
    assert.throws(
      () => parseConnection({ ...valid, address: 'ftp://reg.example.com', password: '' }),
      (e: unknown) =>
        e instanceof ConnectionInvalidError && /address: /.test(e.message) && /password: /.test(e.message),
    );
  });
});
