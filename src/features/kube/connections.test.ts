import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionInvalidError, parseConnection, registryHost, validateConnection } from './connections.ts';

const valid = {
  name: 'internal',
  type: 'harbor',
  address: 'https://Reg.Example.com:8443/',
  username: 'robot$ci',
  password: 's3cret',
};

describe('registry connections', () => {
  it('accepts a valid connection and normalises the address', () => {
    assert.deepEqual(validateConnection(valid), []);
    const conn = parseConnection({ ...valid, email: '' });
    assert.equal(conn.address, 'https://reg.example.com:8443');
    assert.equal(conn.email, undefined);
    assert.equal(registryHost(conn.address), 'reg.example.com:8443');
  });

  it('refuses an address without a scheme, naming the field and showing the fix', () => {
    const errors = validateConnection({ ...valid, address: 'reg.example.com' });
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
      address: 'x',
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
      () => parseConnection({ ...valid, address: 'reg.example.com', password: '' }),
      (e: unknown) =>
        e instanceof ConnectionInvalidError && /address: /.test(e.message) && /password: /.test(e.message),
    );
  });
});
