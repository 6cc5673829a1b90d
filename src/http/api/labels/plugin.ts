/**
 * Harbor's labels: /labels (global `g` and project `p` scope), attaching and
 * detaching them on artifacts, and — as an artifact decorator — the labels an
 * artifact carries in list/detail views, plus the labels derived from its
 * content by the scanner (marked `derived: true`, id 0), and `q=labels=(…)`.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { LabelService } from '../../../features/labels/service.ts';
import type { Label } from '../../../features/labels/store.ts';
import { Empty, Named, NoBody } from '../../shared/schemas.ts';
import {
  type ArtifactDecorator,
  authorize,
  type CatalogOptions,
  decodeParam,
  type RepositoryParams,
  resolveRepository,
} from '../catalog-context.ts';
import { invalidField, notFound } from '../errors.ts';
import { pageParams, setPageHeaders } from '../paging.ts';

export interface LabelApiOptions {
  /** Every label change goes through it (src/features/labels/service.ts). */
  labels: LabelService;
  catalog: CatalogOptions;
  /** Throws 401/403 unless the caller is a system administrator (global labels). */
  requireAdmin(request: FastifyRequest): Promise<void>;
  projectById(id: number): Promise<{ id: number; name: string } | null>;
  projectByName(name: string): Promise<{ id: number; name: string } | null>;
  /** Labels the scanner derived from an artifact's content; absent: none. */
  derived?(digest: string): Promise<string[]>;
}

const LabelBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  color: Type.Optional(Type.String({ maxLength: 7 })),
  scope: Type.Optional(Type.Union([Type.Literal('g'), Type.Literal('p')])),
  project_id: Type.Optional(Type.Integer({ minimum: 0 })),
});
/** Harbor's Label; `derived` (Berth's) marks a label read from the content by the scanner. */
export const LabelView = Named(
  'Label',
  Type.Object({
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    color: Type.String(),
    scope: Type.String(),
    project_id: Type.Integer(),
    creation_time: Type.String(),
    update_time: Type.String(),
    deleted: Type.Boolean(),
    derived: Type.Optional(Type.Boolean()),
  }),
);
const ArtifactParams = Type.Object({
  project_name_or_id: Type.String({ minLength: 1, maxLength: 255 }),
  repository_name: Type.String({ minLength: 1, maxLength: 1024 }),
  reference: Type.String({ minLength: 1, maxLength: 255 }),
});

export function labelJson(l: Label) {
  return {
    id: l.id,
    name: l.name,
    description: l.description,
    color: l.color,
    scope: l.scope,
    project_id: l.projectId,
    creation_time: l.createdAt,
    update_time: l.updatedAt,
    deleted: false,
  };
}

function derivedJson(name: string) {
  return {
    id: 0,
    name,
    description: 'derived from the image content by the scanner',
    color: '',
    scope: 'g',
    project_id: 0,
    creation_time: '',
    update_time: '',
    deleted: false,
    derived: true,
  };
}

export function labelDecorator(options: LabelApiOptions): ArtifactDecorator {
  return {
    async decorate(repository, views) {
      const attached = await options.labels.attached(
        repository,
        views.map((v) => v.digest),
      );
      await Promise.all(
        views.map(async (v) => {
          const derived = options.derived ? await options.derived(v.digest) : [];
          v.labels = [...(attached.get(v.digest) ?? []).map(labelJson), ...derived.map(derivedJson)];
        }),
      );
    },
    digestsWithLabels: (repository, ids, every) => options.labels.digestsWith(repository, ids, every),
  };
}

export async function labelRoutes(parent: FastifyInstance, options: LabelApiOptions): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { labels, catalog } = options;

  /** Who may change a label: administrators for global ones, maintainers and up for a project's. */
  const mayManage = async (request: FastifyRequest, label: Pick<Label, 'scope' | 'projectId'>) => {
    if (label.scope === 'g') return options.requireAdmin(request);
    const project = await options.projectById(label.projectId);
    if (!project) throw invalidField('project_id', `project ${label.projectId} does not exist`);
    await authorize(catalog, request, project.name, 'deleteRepository');
  };

  app.get(
    '/labels',
    {
      schema: {
        querystring: Type.Object({
          name: Type.Optional(Type.String({ maxLength: 128 })),
          scope: Type.Optional(Type.Union([Type.Literal('g'), Type.Literal('p')])),
          project_id: Type.Optional(Type.Integer({ minimum: 1 })),
          page: Type.Optional(Type.String()),
          page_size: Type.Optional(Type.String()),
        }),
        response: { 200: Type.Array(LabelView) },
      },
    },
    async (request, reply) => {
      const scope = request.query.scope ?? 'g';
      let projectId = 0;
      if (scope === 'p') {
        if (request.query.project_id === undefined)
          throw invalidField('project_id', 'project_id is required with scope=p');
        const project = await options.projectById(request.query.project_id);
        if (!project) throw notFound(`project ${request.query.project_id} does not exist`);
        await authorize(catalog, request, project.name, 'pull');
        projectId = project.id;
      } else await authorize(catalog, request, null, 'pull');
      const page = pageParams(request.query);
      const result = await labels.list({ scope, projectId, name: request.query.name, ...page });
      setPageHeaders(request, reply, page, result.total);
      return result.items.map(labelJson);
    },
  );

  app.post('/labels', { schema: { body: LabelBody, response: { 201: NoBody } } }, async (request, reply) => {
    const { project_id: projectId, ...rest } = request.body;
    const draft = { ...rest, projectId };
    // Checked before who may: a project label's project must exist to ask its maintainers.
    await mayManage(request, labels.draft(draft));
    const created = await labels.create(draft);
    return reply.status(201).header('location', `/api/v2.0/labels/${created.id}`).send();
  });

  const IdParams = Type.Object({ label_id: Type.Integer({ minimum: 1 }) });

  app.get('/labels/:label_id', { schema: { params: IdParams, response: { 200: LabelView } } }, async (request) => {
    const label = await labels.get(request.params.label_id);
    if (label.scope === 'p') {
      const project = await options.projectById(label.projectId);
      await authorize(catalog, request, project?.name ?? null, 'pull');
    } else await authorize(catalog, request, null, 'pull');
    return labelJson(label);
  });

  app.put(
    '/labels/:label_id',
    { schema: { params: IdParams, body: LabelBody, response: { 200: Empty } } },
    async (request) => {
      const label = await labels.get(request.params.label_id);
      await mayManage(request, label);
      const { name, description, color } = request.body;
      await labels.update(label, { name, description, color });
      return {};
    },
  );

  app.delete('/labels/:label_id', { schema: { params: IdParams, response: { 200: Empty } } }, async (request) => {
    const label = await labels.get(request.params.label_id);
    await mayManage(request, label);
    await labels.remove(label);
    return {};
  });

  const base = '/projects/:project_name_or_id/repositories/:repository_name/artifacts/:reference/labels';
  const artifact = async (
    request: FastifyRequest,
    params: { project_name_or_id: string; repository_name: string; reference: string },
  ) => {
    const repository = await resolveRepository(catalog, request, params as RepositoryParams, 'push');
    const record = await catalog.registry.manifestRecord(repository.name, decodeParam(params.reference));
    const project = await options.projectByName(decodeParam(params.project_name_or_id));
    return { repository: repository.name, digest: record.digest, projectId: project?.id ?? null };
  };

  app.post(
    base,
    {
      schema: {
        params: ArtifactParams,
        body: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        response: { 200: Empty },
      },
    },
    async (request, reply) => {
      await labels.attach(await artifact(request, request.params), request.body.id);
      return reply.status(200).send({});
    },
  );

  app.delete(
    `${base}/:label_id`,
    {
      schema: {
        params: Type.Object({ ...ArtifactParams.properties, label_id: Type.Integer({ minimum: 1 }) }),
        response: { 200: Empty },
      },
    },
    async (request) => {
      await labels.detach(await artifact(request, request.params), request.params.label_id);
      return {};
    },
  );
}
