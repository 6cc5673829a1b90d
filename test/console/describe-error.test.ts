/** The console's error sentences: every kind of failure reads as a sentence, never as raw JSON or HTML. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../../web/src/api.ts';
import { describeError, readable } from '../../web/src/components/describe-error.ts';

const en = (e: unknown, ctx = {}) => describeError(e, ctx, 'en');
const zh = (e: unknown, ctx = {}) => describeError(e, ctx, 'zh-CN');

describe('describeError', () => {
  test("Harbor's error shape gives its message as a sentence", () => {
    assert.equal(en(new ApiError(409, 'CONFLICT', 'project team already exists')), 'Project team already exists.');
    assert.equal(en(new ApiError(404, 'NOT_FOUND', 'project nope not found')), 'Not found: Project nope not found.');
  });

  test('an OCI error body or any JSON kept as the message is read, not shown', () => {
    const oci = JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: {} }] });
    assert.equal(en(new ApiError(404, 'HTTP_404', oci)), 'Not found: Manifest unknown.');
    assert.equal(en(new ApiError(400, 'HTTP_400', '{"message":"bad name"}')), 'Bad name.');
    assert.equal(en(new Error('{"error":"boom"}')), 'Boom.');
    for (const out of [en(new ApiError(400, 'X', oci)), en(new Error('[{"a":1}]'))])
      assert.doesNotMatch(out, /[{}[\]"]/);
  });

  test('a body that is not JSON (an HTML proxy page, nothing at all) gives a plain sentence', () => {
    assert.equal(
      en(new ApiError(502, 'HTTP_502', '<html><body>Bad Gateway</body></html>')),
      'The server failed (HTTP 502). Try again later.',
    );
    assert.equal(en(new ApiError(400, 'HTTP_400', '')), 'The request failed (HTTP 400).');
    assert.equal(en(new ApiError(500, 'INTERNAL', 'disk full')), 'The server failed (HTTP 500): Disk full.');
  });

  test('network failures, sign-in, permissions, rate limits', () => {
    assert.equal(
      en(new ApiError(0, 'NETWORK', 'cannot reach the server: Failed to fetch')),
      'Cannot reach the server. Check the connection and try again.',
    );
    assert.equal(en(new TypeError('Failed to fetch')), 'Cannot reach the server. Check the connection and try again.');
    assert.equal(en(new ApiError(401, 'UNAUTHORIZED', 'unauthorized')), 'Please sign in: this needs an account.');
    assert.equal(
      en(new ApiError(403, 'FORBIDDEN', 'forbidden'), { permission: 'delete artifact' }),
      'Permission denied: you need the “delete artifact” permission. The server said: Forbidden.',
    );
    assert.equal(
      en(new ApiError(429, 'TOO_MANY_REQUESTS', '{"errors":[]}')),
      'Too many requests: wait a moment and try again.',
    );
    assert.equal(
      en(new ApiError(404, 'NOT_FOUND', 'no such endpoint: GET /x'), { feature: 'robot accounts' }),
      'Robot accounts are not available on this server yet.',
    );
    assert.equal(en(null), 'Something went wrong.');
    assert.equal(en('plain words'), 'Plain words.');
  });

  test('in Simplified Chinese', () => {
    assert.equal(zh(new ApiError(0, 'NETWORK', 'x')), '无法连接服务器。请检查网络连接后重试。');
    assert.equal(zh(new ApiError(404, 'NOT_FOUND', '')), '未找到。');
    assert.equal(zh(new ApiError(403, 'FORBIDDEN', '')), '权限不足。');
  });

  test('readable cuts long text and keeps plain messages', () => {
    assert.equal(readable('tag is immutable'), 'tag is immutable');
    assert.equal(readable('x'.repeat(400)).length, 298);
  });
});
