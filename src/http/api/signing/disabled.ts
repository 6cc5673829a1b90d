/** Signing's routes and project metadata when the feature is not wired: "not enabled", never a silent no-op. */
import type { FastifyInstance } from 'fastify';
import { SIGNING_NOT_ENABLED } from '../../../features/signing/disabled.ts';
import type { ProjectMetadataExtension } from '../access/context.ts';
import { ApiError, invalidField } from '../errors.ts';

const notEnabled = () => new ApiError(501, 'NOT_ENABLED', SIGNING_NOT_ENABLED);

export async function disabledSigningRoutes(app: FastifyInstance): Promise<void> {
  for (const path of ['/projects/:project/trusted-keys', '/system/trusted-keys'])
    app.route({ method: ['GET', 'POST'], url: path, handler: async () => Promise.reject(notEnabled()) });
  for (const path of ['/projects/:project/trusted-keys/:id', '/system/trusted-keys/:id'])
    app.delete(path, async () => Promise.reject(notEnabled()));
}

function refuseSwitchingOn(metadata: Record<string, unknown>): void {
  for (const field of ['enable_content_trust_cosign', 'enable_content_trust']) {
    const v = metadata[field];
    if (v === true || v === 'true') throw invalidField(`metadata.${field}`, SIGNING_NOT_ENABLED);
  }
}

export const disabledSigningMetadata: ProjectMetadataExtension = {
  check: refuseSwitchingOn,
  async read() {
    return { enable_content_trust_cosign: 'false', enable_content_trust: 'false' };
  },
  async write(_projectId, metadata) {
    refuseSwitchingOn(metadata);
  },
};
