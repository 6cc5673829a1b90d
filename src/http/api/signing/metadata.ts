/**
 * Harbor's project metadata `enable_content_trust_cosign` and
 * `enable_content_trust` (notation), read and written through the project
 * routes (GET/POST/PUT /projects) as strings "true"/"false".
 */
import type { SigningService } from '../../../features/signing/service.ts';
import type { SigningPolicy } from '../../../features/signing/store.ts';
import type { ProjectMetadataExtension } from '../access/context.ts';
import { invalidField } from '../errors.ts';

const FIELDS: Record<string, keyof SigningPolicy> = {
  enable_content_trust_cosign: 'cosign',
  enable_content_trust: 'notation',
};

export function signingProjectMetadata(signing: SigningService): ProjectMetadataExtension {
  return {
    check(metadata) {
      patchOf(metadata);
    },
    async read(projectId) {
      const p = await signing.policy(projectId);
      return { enable_content_trust_cosign: String(p.cosign), enable_content_trust: String(p.notation) };
    },
    async write(projectId, metadata) {
      const patch = patchOf(metadata);
      if (Object.keys(patch).length > 0) await signing.setPolicy(projectId, patch);
    },
  };
}

function patchOf(metadata: Record<string, unknown>): Partial<SigningPolicy> {
  const patch: Partial<SigningPolicy> = {};
  for (const [field, key] of Object.entries(FIELDS)) {
    const v = metadata[field];
    if (v === undefined) continue;
    if (v === true || v === 'true') patch[key] = true;
    else if (v === false || v === 'false') patch[key] = false;
    else throw invalidField(`metadata.${field}`, `metadata.${field} must be "true" or "false"`);
  }
  return patch;
}
