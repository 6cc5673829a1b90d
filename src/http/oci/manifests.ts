/** Manifests: GET/HEAD/PUT/DELETE /v2/<name>/manifests/<reference>. */
import type { IncomingMessage } from 'node:http';
import { RegistryError } from '../../core/errors.ts';
import { MAX_MANIFEST_BYTES } from '../../core/manifest.ts';
import type { OciRoute } from './paths.ts';
import type { HandlerTable, OciContext } from './plugin.ts';
import { send } from './respond.ts';

type ManifestRoute = Extract<OciRoute, { kind: 'manifest' }>;

const tooLarge = () => new RegistryError('MANIFEST_TOO_LARGE', `manifest exceeds ${MAX_MANIFEST_BYTES} bytes`);

/** Reads a request body of at most `limit` bytes; refuses larger ones before reading them all. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

async function read(ctx: OciContext, route: ManifestRoute, withBody: boolean): Promise<void> {
  const caller = await ctx.access.authorize(ctx.req, route.name, ['pull']);
  const { registry } = ctx;
  const remote = registry.remote;
  const record = remote?.covers(route.name)
    ? await remote.manifest(route.name, route.reference, caller)
    : await registry.manifestRecord(route.name, route.reference);
  const gated = registry.checkPull(route.name, route.reference, record, caller, !withBody);
  if (gated) await gated;
  const headers = {
    'content-type': record.mediaType,
    'docker-content-digest': record.digest,
    etag: `"${record.digest}"`,
    'content-length': record.size,
  };
  if (!withBody) {
    send(ctx.res, 200, headers);
    return;
  }
  send(ctx.res, 200, headers, await registry.manifestContent(record.digest));
  registry.notifyPulled(route.name, route.reference, record.digest, caller);
}

export const manifestHandlers: HandlerTable = {
  manifest: {
    GET: (ctx: OciContext, route: ManifestRoute) => read(ctx, route, true),
    HEAD: (ctx: OciContext, route: ManifestRoute) => read(ctx, route, false),
    PUT: async (ctx: OciContext, route: ManifestRoute) => {
      const caller = await ctx.access.authorize(ctx.req, route.name, ['pull', 'push']);
      const bytes = await readBody(ctx.req, MAX_MANIFEST_BYTES);
      const result = await ctx.registry.putManifest(
        route.name,
        route.reference,
        bytes,
        ctx.req.headers['content-type'],
        caller,
      );
      send(ctx.res, 201, {
        location: `/v2/${route.name}/manifests/${result.digest}`,
        'docker-content-digest': result.digest,
        ...(result.subject ? { 'oci-subject': result.subject } : {}),
      });
    },
    DELETE: async (ctx: OciContext, route: ManifestRoute) => {
      const caller = await ctx.access.authorize(ctx.req, route.name, ['delete']);
      await ctx.registry.deleteManifest(route.name, route.reference, caller);
      send(ctx.res, 202, {});
    },
  },
};
