import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RegistryEvent } from '../../core/hooks.ts';
import { fromRegistryEvent, webhookTypeOf } from './events.ts';

const at = '2026-12-07T03:00:00.000Z';
const events: RegistryEvent[] = [
  {
    type: 'manifest.pushed',
    repository: 'p/r',
    digest: 'sha256:a',
    tag: 'v1',
    previous: null,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    subject: null,
    size: 1,
    actor: 'ann',
    at,
  },
  { type: 'manifest.pulled', repository: 'p/r', digest: 'sha256:a', tag: null, actor: 'ann', at },
  { type: 'manifest.deleted', repository: 'p/r', digest: 'sha256:a', actor: 'ann', at },
  { type: 'tag.deleted', repository: 'p/r', tag: 'v1', digest: 'sha256:a', actor: 'ann', at },
  { type: 'blob.linked', repository: 'p/r', digest: 'sha256:b', size: 1, actor: 'ann', at },
];

// The listener asks webhookTypeOf first and builds the event only for a project that listens for
// that type: the two must agree on every registry event, or a policy would miss its events.
test('webhookTypeOf names the type fromRegistryEvent builds, for every registry event', () => {
  for (const event of events) {
    assert.equal(webhookTypeOf(event), fromRegistryEvent(event, 'registry.example', () => false)?.type ?? null);
  }
  assert.equal(webhookTypeOf(events[1] as RegistryEvent), 'PULL_ARTIFACT');
  assert.equal(webhookTypeOf(events[4] as RegistryEvent), null);
});
