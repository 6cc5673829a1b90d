/**
 * `POST /api/v2.0/bundles/import` (Berth's extension): loads an offline bundle
 * (an OCI image layout tar from `berth export` or `skopeo copy … oci-archive:`)
 * into this running Berth, as `berth import` does for a stopped data folder.
 * System administrators only: a bundle can fill any project. Each image is
 * tagged as an admin's push would be (projects created, quotas, immutable
 * rules, tag history and webhooks all apply).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { BundleError } from '../../../features/bundles/import.ts';
import { importUploadedBundle } from '../../../features/bundles/upload.ts';
import { ByContentType, Streamed } from '../../shared/schemas.ts';
import { type AccessApi, addressOf, sysadminOf } from '../access/context.ts';
import { badRequest } from '../errors.ts';

export interface BundleApiOptions extends AccessApi {
  /** The largest bundle accepted (it is spooled to the scratch folder first). */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 64 * 1024 ** 3;
const TAR_TYPES = ['application/x-tar', 'application/tar', 'application/octet-stream'];

const Query = Type.Object(
  {
    project: Type.Optional(Type.String({ minLength: 1, description: 'put every repository under this project' })),
    repository: Type.Optional(
      Type.String({ minLength: 1, description: 'the repository of images named by a bare tag (skopeo archives)' }),
    ),
  },
  { additionalProperties: false },
);

const Tar = Streamed('an OCI image layout as a tar (`berth export`, `skopeo copy … oci-archive:`)');
const Body = ByContentType(Object.fromEntries(TAR_TYPES.map((type) => [type, Tar])));
// JSON always has a parser: the header says what else is refused, before anything is read.
const Headers = Type.Object({
  'content-type': Type.String({
    pattern: `^(${TAR_TYPES.join('|')})\\s*(;.*)?$`,
    description: 'application/x-tar (application/tar and application/octet-stream are accepted too)',
  }),
});

const Report = Type.Object({
  images: Type.Array(Type.Object({ repository: Type.String(), reference: Type.String(), digest: Type.String() })),
  blobs_written: Type.Integer(),
  blobs_present: Type.Integer(),
  bytes_written: Type.Integer(),
});

export async function bundleRoutes(parent: FastifyInstance, options: BundleApiOptions): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  // The body is streamed to disk by the handler, never buffered in memory.
  app.addContentTypeParser(TAR_TYPES, (_request, _payload, done) => done(null, undefined));

  app.post(
    '/bundles/import',
    {
      schema: {
        summary: 'Import an offline bundle (OCI image layout tar) into this registry',
        tags: ['bundles'],
        headers: Headers,
        querystring: Query,
        body: Body,
        response: { 201: Report },
      },
    },
    async (request, reply) => {
      const admin = await sysadminOf(options, request);
      // With auth off the caller is an anonymous administrator.
      const actor = admin.kind === 'anonymous' ? null : admin.name;
      const address = addressOf(request);
      try {
        const report = await importUploadedBundle(options.registry, request.raw, {
          maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
          project: request.query.project,
          repository: request.query.repository,
          caller: { actor },
          beforeTag: (repository) => options.access.projectForPush(admin, repository, address),
        });
        for (const image of report.images)
          await options.access.audit({
            username: actor ?? 'anonymous',
            resource: `${image.repository}:${image.reference}`,
            resourceType: 'artifact',
            operation: 'import',
            result: 'success',
            project: image.repository.split('/')[0],
            address,
          });
        return reply.status(201).send({
          images: report.images,
          blobs_written: report.blobsWritten,
          blobs_present: report.blobsPresent,
          bytes_written: report.bytesWritten,
        });
      } catch (err) {
        if (err instanceof BundleError) throw badRequest(err.message);
        throw err;
      }
    },
  );
}
