/** Which SBOM an adapter is asked for, from its metadata (scanner API v1.2's `sbom` capability). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AdapterMetadata, sbomCapability } from './adapter-client.ts';

const meta = (capabilities: AdapterMetadata['capabilities']): AdapterMetadata => ({
  scanner: { name: 'x', vendor: 'y', version: '1' },
  capabilities,
  properties: {},
});
const IMAGE = ['application/vnd.oci.image.manifest.v1+json'];
const VULN = { type: 'vulnerability', consumes_mime_types: IMAGE, produces_mime_types: ['vuln'] };

test("the spec's SBOM report type, CycloneDX preferred", () => {
  const got = sbomCapability(
    meta([
      VULN,
      {
        type: 'sbom',
        consumes_mime_types: IMAGE,
        produces_mime_types: ['application/vnd.security.sbom.report+json; version=1.0'],
        additional_attributes: { sbom_media_types: ['application/spdx+json', 'application/vnd.cyclonedx+json'] },
      },
    ]),
  );
  assert.deepEqual(got, {
    reportMime: 'application/vnd.security.sbom.report+json; version=1.0',
    mediaType: 'application/vnd.cyclonedx+json',
  });
});

test("Harbor's other name for it, an SPDX-only adapter, and one that lists no formats", () => {
  const harbor = 'application/vnd.scanner.adapter.sbom.report.harbor+json; version=1.0';
  const spdx = sbomCapability(
    meta([
      {
        type: 'sbom',
        consumes_mime_types: IMAGE,
        produces_mime_types: [harbor],
        additional_attributes: { sbom_media_types: ['application/spdx+json'] },
      },
    ]),
  );
  assert.deepEqual(spdx, { reportMime: harbor, mediaType: 'application/spdx+json' });
  const unlisted = sbomCapability(meta([{ type: 'sbom', consumes_mime_types: IMAGE, produces_mime_types: [harbor] }]));
  assert.equal(unlisted?.mediaType, 'application/vnd.cyclonedx+json');
});

test('no SBOM: a vulnerability-only adapter, or formats Berth does not store', () => {
  assert.equal(sbomCapability(meta([VULN])), null);
  const xml = sbomCapability(
    meta([
      {
        type: 'sbom',
        consumes_mime_types: IMAGE,
        produces_mime_types: ['application/vnd.security.sbom.report+json; version=1.0'],
        additional_attributes: { sbom_media_types: ['application/vnd.cyclonedx+xml'] },
      },
    ]),
  );
  assert.equal(xml, null);
});
