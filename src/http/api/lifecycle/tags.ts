/**
 * Immutable tag rules (Harbor: /projects/{project}/immutabletagrules)
 * and Berth's tag history with rollback:
 * GET  /projects/{p}/repositories/{r}/tags/{tag}/history  newest first [{digest, time, actor, operation}]
 * POST /projects/{p}/repositories/{r}/tags/{tag}/rollback {"digest"}  (push permission; immutable tags refused)
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { isValidTag } from '../../../core/names.ts';
import { validPattern } from '../../../features/lifecycle/immutable.ts';
import type { ImmutableRuleBody, ImmutableRuleRow } from '../../../features/lifecycle/ports.ts';
import { LifecycleSettings } from '../../../features/lifecycle/settings.ts';
import { decodeParam } from '../catalog-context.ts';
import { invalidField, notFound } from '../errors.ts';
import { callerFor, ErrorBody, type LifecycleApiOptions, projectFor } from './context.ts';

const Selector = Type.Object({
  kind: Type.Optional(Type.String()),
  decoration: Type.Optional(Type.String()),
  pattern: Type.String(),
  extras: Type.Optional(Type.String()),
});
const RuleBody = Type.Object({
  id: Type.Optional(Type.Integer()),
  priority: Type.Optional(Type.Integer()),
  disabled: Type.Optional(Type.Boolean()),
  action: Type.Optional(Type.String()),
  template: Type.Optional(Type.String()),
  params: Type.Optional(Type.Object({}, { additionalProperties: true })),
  tag_selectors: Type.Array(Selector, { minItems: 1 }),
  scope_selectors: Type.Optional(Type.Record(Type.String(), Type.Array(Selector))),
});
const RuleView = Type.Object({
  id: Type.Integer(),
  priority: Type.Integer(),
  disabled: Type.Boolean(),
  action: Type.String(),
  template: Type.String(),
  params: Type.Object({}, { additionalProperties: true }),
  tag_selectors: Type.Array(Selector),
  scope_selectors: Type.Record(Type.String(), Type.Array(Selector)),
});
const ProjectParams = Type.Object({ project_name_or_id: Type.String({ minLength: 1 }) });
const RuleParams = Type.Object({
  project_name_or_id: Type.String({ minLength: 1 }),
  immutable_rule_id: Type.Integer({ minimum: 1 }),
});
const TagParams = Type.Object({
  project_name_or_id: Type.String({ minLength: 1 }),
  repository_name: Type.String({ minLength: 1 }),
  tag: Type.String({ minLength: 1 }),
});
const HistoryEntry = Type.Object({
  digest: Type.String(),
  time: Type.String(),
  actor: Type.Union([Type.String(), Type.Null()]),
  operation: Type.String(),
});

const TAG_DECORATIONS = new Set(['matches', 'excludes']);
const REPO_DECORATIONS = new Set(['repoMatches', 'repoExcludes']);

function ruleBody(b: Static<typeof RuleBody>): ImmutableRuleBody {
  b.tag_selectors.forEach((s, i) => {
    if (!validPattern(s.pattern)) throw invalidField(`tag_selectors[${i}].pattern`, `invalid pattern "${s.pattern}"`);
    if (s.decoration !== undefined && !TAG_DECORATIONS.has(s.decoration))
      throw invalidField(`tag_selectors[${i}].decoration`, 'decoration must be matches or excludes');
  });
  const scope = b.scope_selectors ?? { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] };
  for (const [key, list] of Object.entries(scope)) {
    if (key !== 'repository') throw invalidField(`scope_selectors.${key}`, 'only the repository scope is supported');
    list.forEach((s, i) => {
      if (!validPattern(s.pattern))
        throw invalidField(`scope_selectors.repository[${i}].pattern`, `invalid pattern "${s.pattern}"`);
      if (s.decoration !== undefined && !REPO_DECORATIONS.has(s.decoration))
        throw invalidField(
          `scope_selectors.repository[${i}].decoration`,
          'decoration must be repoMatches or repoExcludes',
        );
    });
  }
  const norm = (s: Static<typeof Selector>, decoration: string) => ({
    kind: s.kind ?? 'doublestar',
    decoration: s.decoration ?? decoration,
    pattern: s.pattern,
    ...(s.extras !== undefined ? { extras: s.extras } : {}),
  });
  return {
    action: b.action ?? 'immutable',
    template: b.template ?? 'immutable_template',
    params: (b.params ?? {}) as Record<string, unknown>,
    tag_selectors: b.tag_selectors.map((s) => norm(s, 'matches')),
    scope_selectors: { repository: (scope.repository ?? []).map((s) => norm(s, 'repoMatches')) },
  };
}

const ruleView = (r: ImmutableRuleRow) => ({ id: r.id, priority: r.priority, disabled: r.disabled, ...r.rule });

/** The full repository name from Harbor's path parts (a top-level repository is its own project). */
async function repositoryOf(o: LifecycleApiOptions, project: string, name: string): Promise<string> {
  const full = `${project}/${name}`;
  const { metadata } = o.lifecycle.registry;
  if (await metadata.repositoryExists(full)) return full;
  if (name === project && (await metadata.repositoryExists(project))) return project;
  throw notFound(`repository ${full} not found`);
}

export async function tagLifecycleRoutes(root: FastifyInstance, o: LifecycleApiOptions): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { store, history, registry } = o.lifecycle;
  const settings = new LifecycleSettings(store);

  app.get(
    '/projects/:project_name_or_id/immutabletagrules',
    { schema: { params: ProjectParams, response: { 200: Type.Array(RuleView), 404: ErrorBody } } },
    async (request, reply) => {
      const project = await projectFor(o, request, request.params.project_name_or_id, 'pull');
      const rules = await store.immutableRules(project.name);
      reply.header('x-total-count', String(rules.length));
      return rules.map(ruleView);
    },
  );

  app.post(
    '/projects/:project_name_or_id/immutabletagrules',
    {
      schema: { params: ProjectParams, body: RuleBody, response: { 201: Type.Null(), 400: ErrorBody, 404: ErrorBody } },
    },
    async (request, reply) => {
      const project = await projectFor(o, request, request.params.project_name_or_id, 'changeSettings');
      const created = await settings.addImmutableRule({
        projectId: project.id,
        projectName: project.name,
        disabled: request.body.disabled ?? false,
        priority: request.body.priority ?? 0,
        rule: ruleBody(request.body),
      });
      reply
        .status(201)
        .header('location', `/api/v2.0/projects/${project.id}/immutabletagrules/${created.id}`)
        .send(null);
    },
  );

  const ruleOf = async (request: FastifyRequest, params: Static<typeof RuleParams>) => {
    const project = await projectFor(o, request, params.project_name_or_id, 'changeSettings');
    const rule = await store.immutableRule(params.immutable_rule_id);
    if (!rule || rule.projectId !== project.id)
      throw notFound(`immutable tag rule ${params.immutable_rule_id} not found`);
    return rule;
  };

  app.put(
    '/projects/:project_name_or_id/immutabletagrules/:immutable_rule_id',
    { schema: { params: RuleParams, body: RuleBody, response: { 200: Type.Null(), 400: ErrorBody, 404: ErrorBody } } },
    async (request, reply) => {
      const rule = await ruleOf(request, request.params);
      const { disabled, priority } = request.body;
      await settings.updateImmutableRule(rule, { disabled, priority, rule: ruleBody(request.body) });
      reply.status(200).send(null);
    },
  );

  app.delete(
    '/projects/:project_name_or_id/immutabletagrules/:immutable_rule_id',
    { schema: { params: RuleParams, response: { 200: Type.Null(), 404: ErrorBody } } },
    async (request, reply) => {
      const rule = await ruleOf(request, request.params);
      await settings.deleteImmutableRule(rule);
      reply.status(200).send(null);
    },
  );

  // ------------------------------------------------------------ history

  const tagTarget = async (request: FastifyRequest, params: Static<typeof TagParams>, permission: 'pull' | 'push') => {
    const project = decodeParam(params.project_name_or_id);
    if (o.api) await projectFor(o, request, project, permission);
    const tag = params.tag;
    if (!isValidTag(tag)) throw invalidField('tag', `invalid tag "${tag}"`);
    return { repository: await repositoryOf(o, project, decodeParam(params.repository_name)), tag };
  };

  app.get(
    '/projects/:project_name_or_id/repositories/:repository_name/tags/:tag/history',
    { schema: { params: TagParams, response: { 200: Type.Array(HistoryEntry), 400: ErrorBody, 404: ErrorBody } } },
    async (request) => {
      const { repository, tag } = await tagTarget(request, request.params, 'pull');
      const entries = await history.list(repository, tag);
      return entries.map((e) => ({ digest: e.digest, time: e.at, actor: e.actor, operation: e.operation }));
    },
  );

  app.post(
    '/projects/:project_name_or_id/repositories/:repository_name/tags/:tag/rollback',
    {
      schema: {
        params: TagParams,
        body: Type.Object({ digest: Type.String({ pattern: '^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$' }) }),
        response: { 200: HistoryEntry, 400: ErrorBody, 404: ErrorBody, 412: ErrorBody },
      },
    },
    async (request) => {
      const { repository, tag } = await tagTarget(request, request.params, 'push');
      await history.rollback(registry, repository, tag, request.body.digest, await callerFor(o, request));
      const [latest] = await history.list(repository, tag, 1);
      return { digest: latest.digest, time: latest.at, actor: latest.actor, operation: latest.operation };
    },
  );
}
