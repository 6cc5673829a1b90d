import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecretBox, SecretBoxError } from './secretbox.ts';

const SECRET = 'correct horse battery staple';
const box = new SecretBox(SECRET);

function flipChar(s: string, index: number): string {
  const c = s[index] === 'A' ? 'B' : 'A';
  return s.slice(0, index) + c + s.slice(index + 1);
}

describe('SecretBox', () => {
  it('round-trips unicode and empty strings', () => {
    for (const text of ['', 'p@ss"w\\ord', 'パスワード🔑', 'x'.repeat(10_000)]) {
      assert.equal(box.decrypt(box.encrypt(text, 'ctx'), 'ctx'), text);
    }
  });

  it('writes a versioned format and never the plaintext', () => {
    const sealed = box.encrypt('hunter2-hunter2');
    assert.match(sealed, /^bx1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes('hunter2'));
    assert.ok(SecretBox.isSealed(sealed));
    assert.ok(!SecretBox.isSealed('hunter2'));
  });

  it('uses a fresh IV each time', () => {
    assert.notEqual(box.encrypt('same'), box.encrypt('same'));
  });

  it('detects a flipped byte in the ciphertext, the tag and the IV', () => {
    const sealed = box.encrypt('secret value');
    const [v, id, iv, body] = sealed.split('.') as [string, string, string, string];
    const tampered = [
      [v, id, iv, flipChar(body, 0)].join('.'),
      [v, id, iv, flipChar(body, body.length - 2)].join('.'),
      [v, id, flipChar(iv, 3), body].join('.'),
    ];
    for (const t of tampered) assert.throws(() => box.decrypt(t), /tampered/);
  });

  it('binds the ciphertext to its context', () => {
    const sealed = box.encrypt('pw', 'connection/1/password');
    assert.throws(() => box.decrypt(sealed, 'connection/2/password'), SecretBoxError);
  });

  it('refuses another key, unknown versions and truncated values', () => {
    const other = new SecretBox('a different secret of enough length');
    assert.throws(() => other.decrypt(box.encrypt('x')), /unknown key/);
    assert.throws(() => box.decrypt(box.encrypt('x').replace(/^bx1/, 'bx9')), /version "bx9"/);
    assert.throws(() => box.decrypt('bx1.abc'), /not a sealed value/);
    const [v, id, iv] = box.encrypt('x').split('.');
    assert.throws(() => box.decrypt([v, id, iv, 'AAAA'].join('.')), /truncated/);
  });

  it('decrypts with a previous secret after rotation and flags it for re-encryption', () => {
    const old = new SecretBox(SECRET);
    const sealed = old.encrypt('kubeconfig');
    const rotated = new SecretBox('the new secret, long enough', [SECRET]);
    assert.equal(rotated.decrypt(sealed), 'kubeconfig');
    assert.ok(rotated.needsRotation(sealed));
    assert.ok(!rotated.needsRotation(rotated.encrypt('kubeconfig')));
  });

  it('refuses a short secret', () => {
    assert.throws(() => new SecretBox('short'), /at least 16/);
  });
});
