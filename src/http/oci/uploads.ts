/** Blob uploads: POST (start, monolithic, mount), PATCH, PUT, GET status, DELETE. */
import type { IncomingMessage } from 'node:http';
import { RegistryError } from '../../core/errors.ts';
import type { AppendOptions } from '../../core/uploads.ts';
import type { OciRoute } from './paths.ts';
import type { HandlerTable, OciContext, ScopeNeed } from './plugin.ts';
import { send } from './respond.ts';

type UploadsRoute = Extract<OciRoute, { kind: 'uploads' }>;
type UploadRoute = Extract<OciRoute, { kind: 'upload' }>;

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function declaredLength(req: IncomingMessage): number | undefined {
  const length = req.headers['content-length'];
  return length === undefined ? undefined : Number(length);
}

/** Reads `Content-Range: <start>-<end>` (with or without a `bytes` prefix). */
export function appendOptions(req: IncomingMessage): AppendOptions {
  const header = req.headers['content-range'];
  const length = declaredLength(req);
  if (!header) return { length };
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m) throw new RegistryError('RANGE_INVALID', 'malformed Content-Range', { 'content-range': header });
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) throw new RegistryError('RANGE_INVALID', 'Content-Range ends before it starts');
  const rangeLength = end - start + 1;
  if (length !== undefined && length !== rangeLength) {
    throw new RegistryError('SIZE_INVALID', 'Content-Length does not match Content-Range', { length, range: header });
  }
  return { start, length: rangeLength };
}

function uploadLocation(name: string, id: string): string {
  return `/v2/${name}/blobs/uploads/${id}`;
}

function progressHeaders(name: string, id: string, size: number) {
  return {
    location: uploadLocation(name, id),
    range: `0-${Math.max(0, size - 1)}`,
    'docker-upload-uuid': id,
  };
}

function created(ctx: OciContext, name: string, digest: string): void {
  send(ctx.res, 201, { location: `/v2/${name}/blobs/${digest}`, 'docker-content-digest': digest });
}

function requiredDigest(ctx: OciContext): string {
  const digest = ctx.query.get('digest');
  if (!digest) throw new RegistryError('DIGEST_INVALID', 'the digest query parameter is required');
  return digest;
}

export const uploadHandlers: HandlerTable = {
  uploads: {
    POST: async (ctx: OciContext, route: UploadsRoute) => {
      const mount = ctx.query.get('mount');
      const from = ctx.query.get('from');
      const target: ScopeNeed = { repository: route.name, actions: ['pull', 'push'] };
      const source: ScopeNeed[] = mount && from ? [{ repository: from, actions: ['pull'] }] : [];
      // A challenge for a mount names `from` too (as Distribution does): a token
      // client asks for exactly what the challenge names, and needs both.
      const caller = await ctx.access.authorize(ctx.req, route.name, target.actions, source);
      if (mount && from) {
        const mayRead = await ctx.access.authorize(ctx.req, from, ['pull'], [target]).then(
          () => true,
          (err: unknown) => {
            // A token that lacks a `from` the caller may read: challenge again
            // for both; a source the caller may not read is only no mount (202).
            if (err instanceof RegistryError && err.code === 'UNAUTHORIZED') throw err;
            return false;
          },
        );
        if (mayRead && (await ctx.registry.mountBlob(route.name, mount, from, caller))) {
          created(ctx, route.name, mount);
          return;
        }
      }
      const digest = ctx.query.get('digest');
      if (digest) {
        const done = await ctx.registry.uploads.monolithic(
          route.name,
          digest,
          ctx.req,
          { length: declaredLength(ctx.req) },
          caller,
        );
        created(ctx, route.name, done.digest);
        return;
      }
      const upload = await ctx.registry.uploads.start(route.name);
      send(ctx.res, 202, progressHeaders(route.name, upload.id, 0));
    },
  },
  upload: {
    GET: async (ctx: OciContext, route: UploadRoute) => {
      await ctx.access.authorize(ctx.req, route.name, ['push']);
      const upload = await ctx.registry.uploads.get(route.name, route.id);
      send(ctx.res, 204, progressHeaders(route.name, upload.id, upload.size));
    },
    PATCH: async (ctx: OciContext, route: UploadRoute) => {
      await ctx.access.authorize(ctx.req, route.name, ['push']);
      const upload = await ctx.registry.uploads.append(route.name, route.id, ctx.req, appendOptions(ctx.req));
      send(ctx.res, 202, progressHeaders(route.name, upload.id, upload.size));
    },
    PUT: async (ctx: OciContext, route: UploadRoute) => {
      const caller = await ctx.access.authorize(ctx.req, route.name, ['push']);
      const digest = requiredDigest(ctx);
      const body = hasBody(ctx.req) ? ctx.req : null;
      const done = await ctx.registry.uploads.finish(
        route.name,
        route.id,
        digest,
        body,
        body ? appendOptions(ctx.req) : {},
        caller,
      );
      created(ctx, route.name, done.digest);
    },
    DELETE: async (ctx: OciContext, route: UploadRoute) => {
      await ctx.access.authorize(ctx.req, route.name, ['push']);
      await ctx.registry.uploads.cancel(route.name, route.id);
      send(ctx.res, 204, {});
    },
  },
};
