/**
 * Artifacts of a repository in Harbor's shape: list (search, sort, pages),
 * one artifact with its layers, history and referrers, its tags (list, add,
 * remove) and deletion. Tagging and deletion go through the registry's own
 * use-cases, so they behave exactly as a push or a /v2 DELETE would, and are
 * audited as those are.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { describeManifest } from '../../core/artifact-inspect.ts';
import { isDigest } from '../../core/digest.ts';
import { isValidTag } from '../../core/names.ts';
import type { ArtifactSortField, RepositorySummary } from '../../core/ports-catalog.ts';
import { doc, Empty, typed } from '../shared/schemas.ts';
import { artifactDetail, artifactPage, imageConfig } from './artifact-model.ts';
import {
  type ArtifactView,
  type CatalogOptions,
  type CatalogPermission,
  decodeParam,
  type RepositoryParams,
  resolveRepository,
} from './catalog-context.ts';
import {
  Accessory,
  Artifact,
  ArtifactDetailQuery,
  ArtifactListQuery,
  ArtifactParams as ArtifactParamsSchema,
  BuildHistory,
  ListQuery as ListQuerySchema,
  RepositoryParams as RepositoryParamsSchema,
  Tag,
  TagCreate,
  TagParams,
} from './catalog-schemas.ts';
import { audited, manifestResource } from './edit-audit.ts';
import { badRequest, conflict, notFound } from './errors.ts';
import { pageParams, queryTerms, setPageHeaders, sortParam } from './paging.ts';

const SORTS: readonly ArtifactSortField[] = ['push_time', 'digest'];
const BASE = '/projects/:project_name_or_id/repositories/:repository_name/artifacts';

type ArtifactParams = RepositoryParams & { reference: string };
/** What decorators read of the query (scan overview, labels). */
type DecoratorQuery = { with_scan_overview?: string; with_label?: string };
/** A label-filtered list is filtered in memory over at most this many artifacts. */
const LABEL_FILTER_SCAN = 10_000;

export async function artifactRoutes(parent: FastifyInstance, options: CatalogOptions): Promise<void> {
  const app = typed(parent);
  const one = { params: ArtifactParamsSchema };
  const { registry, catalog } = options;

  /** The edit as a refusal is logged: named from the path, before the repository is looked up. */
  const edit = (request: FastifyRequest, operation: 'push' | 'delete', reference: string) => {
    const params = request.params as ArtifactParams;
    const project = decodeParam(params.project_name_or_id);
    const name = decodeParam(params.repository_name);
    const repository = name === project ? project : `${project}/${name}`;
    return { operation, project, resource: manifestResource(repository, reference) };
  };

  const locate = async (request: FastifyRequest, permission: CatalogPermission = 'pull') => {
    const params = request.params as ArtifactParams;
    const repository: RepositorySummary = await resolveRepository(options, request, params, permission);
    const record = await registry.manifestRecord(repository.name, decodeParam(params.reference));
    return { repository: repository.name, record };
  };

  const list = {
    ...doc('artifacts', 'Artifacts'),
    params: RepositoryParamsSchema,
    querystring: ArtifactListQuery,
    response: { 200: Type.Array(Artifact) },
  };
  app.get(BASE, { schema: list }, async (request, reply) => {
    const repository = await resolveRepository(options, request, request.params, 'pull');
    const page = pageParams(request.query);
    const sort = sortParam(request.query.sort, SORTS, { field: 'push_time', descending: true });
    const terms = queryTerms(request.query.q, ['tags', 'digest', 'labels']);
    const tags = terms.get('tags');
    const digest = terms.get('digest');
    const labelled = await labelledDigests(repository.name, terms.get('labels')?.value);
    const filter = {
      repository: repository.name,
      all: request.query.all === 'true',
      ...(tags?.fuzzy ? { tagContains: tags.value } : {}),
      ...(tags && !tags.fuzzy ? { tag: tags.value } : {}),
      ...(digest ? { digestPrefix: digest.value } : {}),
    };
    let result = labelled
      ? await catalog.listArtifacts(filter, sort, { offset: 0, limit: LABEL_FILTER_SCAN })
      : await catalog.listArtifacts(filter, sort, page);
    if (labelled) {
      const kept = result.items.filter((r) => labelled.has(r.digest));
      result = { items: kept.slice(page.offset, page.offset + page.limit), total: kept.length };
    }
    setPageHeaders(request, reply, page, result.total);
    return decorated(
      repository.name,
      await artifactPage(options, repository.name, result.items),
      request.query as DecoratorQuery,
    );
  });

  async function decorated<T extends ArtifactView>(
    repository: string,
    views: T[],
    query: DecoratorQuery,
  ): Promise<T[]> {
    for (const d of options.decorators ?? []) await d.decorate(repository, views, query);
    return views;
  }

  /** Harbor's `labels=(1 2)` (all of) or `labels={1 2}` (any of) or `labels=1`; null when not filtered. */
  async function labelledDigests(repository: string, value: string | undefined): Promise<Set<string> | null> {
    if (value === undefined) return null;
    const every = !value.startsWith('{');
    const ids = value
      .replace(/^[({]|[)}]$/g, '')
      .split(/[\s+]+/)
      .filter(Boolean)
      .map(Number);
    if (ids.length === 0 || ids.some((id) => !Number.isInteger(id) || id <= 0))
      throw badRequest('q labels must be label ids: labels=(1 2) for all of them, labels={1 2} for any');
    const source = (options.decorators ?? []).find((d) => d.digestsWithLabels);
    if (!source?.digestsWithLabels) return new Set();
    return source.digestsWithLabels(repository, ids, every);
  }

  const get = {
    ...doc('artifacts', 'One artifact with layers, config, history and accessories'),
    ...one,
    querystring: ArtifactDetailQuery,
    response: { 200: Artifact },
  };
  app.get(`${BASE}/:reference`, { schema: get }, async (request) => {
    const { repository, record } = await locate(request);
    const [view] = await decorated(repository, [await artifactDetail(options, repository, record)], request.query);
    return view;
  });

  const del = { ...doc('artifacts', 'Delete an artifact (audited)'), ...one, response: { 200: Empty } };
  app.delete(`${BASE}/:reference`, { schema: del }, async (request) => {
    const reference = decodeParam(request.params.reference);
    return audited(options, request, edit(request, 'delete', reference), async () => {
      const { repository, record } = await locate(request, 'deleteArtifact');
      await registry.deleteManifest(repository, record.digest);
      return { value: {}, resource: manifestResource(repository, record.digest) };
    });
  });

  const history = {
    ...doc('artifacts', "The image config's build history"),
    ...one,
    response: { 200: BuildHistory },
  };
  app.get(`${BASE}/:reference/additions/build_history`, { schema: history }, async (request) => {
    const { record } = await locate(request);
    const contents = describeManifest(await registry.manifestContent(record.digest), record.mediaType);
    const config = await imageConfig(registry, contents);
    if (!config) throw notFound('this artifact has no image config with a build history');
    return config.history;
  });

  const tags = {
    ...doc('artifacts', "The artifact's tags"),
    ...one,
    querystring: ListQuerySchema,
    response: { 200: Type.Array(Tag) },
  };
  app.get(`${BASE}/:reference/tags`, { schema: tags }, async (request, reply) => {
    const { repository, record } = await locate(request);
    const page = pageParams(request.query);
    const result = await catalog.listTags(repository, record.digest, page);
    setPageHeaders(request, reply, page, result.total);
    return result.items.map((t) => ({ name: t.name, push_time: t.updatedAt, pull_time: null, immutable: false }));
  });

  const tag = { ...doc('artifacts', 'Add a tag (audited)'), ...one, body: TagCreate, response: { 201: Empty } };
  app.post(`${BASE}/:reference/tags`, { schema: tag }, async (request, reply) => {
    const name = request.body.name;
    return audited(options, request, edit(request, 'push', String(name)), async () => {
      const { repository, record } = await locate(request, 'push');
      if (!isValidTag(name)) {
        throw badRequest('name must be a tag: letters, digits, _ . - (at most 128, not starting with . or -)');
      }
      const current = await registry.taggedManifest(repository, name);
      if (current) throw conflict(`tag ${name} already exists (on ${current.digest})`);
      const bytes = await registry.manifestContent(record.digest);
      await registry.putManifest(repository, name, bytes, record.mediaType);
      reply.status(201);
      return { value: {}, resource: manifestResource(repository, name) };
    });
  });

  const untag = { ...doc('artifacts', 'Remove a tag (audited)'), params: TagParams, response: { 200: Empty } };
  app.delete(`${BASE}/:reference/tags/:tag_name`, { schema: untag }, async (request) => {
    const tag = decodeParam(request.params.tag_name);
    return audited(options, request, edit(request, 'delete', tag), async () => {
      const { repository, record } = await locate(request, 'deleteArtifact');
      const tagged = await registry.taggedManifest(repository, tag);
      if (!tagged || tagged.digest !== record.digest) throw notFound(`tag ${tag} is not on ${record.digest}`);
      await registry.deleteManifest(repository, tag);
      return { value: {}, resource: manifestResource(repository, tag) };
    });
  });

  const accessories = {
    ...doc('artifacts', 'Referrers of the artifact (signatures, SBOMs)'),
    ...one,
    response: { 200: Type.Array(Accessory) },
  };
  app.get(`${BASE}/:reference/accessories`, { schema: accessories }, async (request) => {
    const { repository, record } = await locate(request);
    if (!isDigest(record.digest)) throw badRequest('invalid digest');
    const detail = await artifactDetail(options, repository, record);
    return detail.accessories;
  });
}
