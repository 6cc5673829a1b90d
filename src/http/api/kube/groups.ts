/** /kube/groups (connection groups: mirrors of one upstream, in order) and /kube/mirrors (their runtime config). */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { GroupMember } from '../../../features/kube/store.ts';
import { doc, Empty } from '../../shared/schemas.ts';
import { badRequest } from '../errors.ts';
import { allow, body, groupView, idParam, type KubeApiOptions, optionalInt, paged, str } from './context.ts';
import { Group, GroupBody, IdParams, Mirrors, MirrorsQuery, Paged } from './schemas.ts';

function members(b: Record<string, unknown>): GroupMember[] | undefined {
  const v = b.members;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw badRequest('members must be a list of {connection_id, project?, ns_mirror?}');
  return v.map((m, i) => {
    if (typeof m !== 'object' || m === null) throw badRequest(`members[${i}] must be an object`);
    const entry = m as Record<string, unknown>;
    const connectionId = optionalInt(entry.connection_id, `members[${i}].connection_id`);
    if (connectionId === undefined) throw badRequest(`members[${i}].connection_id is required`);
    const project = str(entry, 'project');
    const ns = entry.ns_mirror;
    if (ns !== undefined && ns !== null && typeof ns !== 'boolean')
      throw badRequest(`members[${i}].ns_mirror must be true or false`);
    return { connectionId, ...(project ? { project } : {}), ...(ns ? { nsMirror: true } : {}) };
  });
}

function insecure(b: Record<string, unknown>): boolean | undefined {
  const v = b.upstream_insecure;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badRequest('upstream_insecure must be true or false');
  return v;
}

export async function groupRoutes(app: FastifyInstance, options: KubeApiOptions): Promise<void> {
  const { groups } = options.kube;

  app.get(
    '/kube/groups',
    { schema: { ...doc('kube', 'Cluster groups'), querystring: Paged, response: { 200: Type.Array(Group) } } },
    async (request, reply) => {
      await allow(options, request);
      return paged(request, reply, (await groups.list()).map(groupView));
    },
  );

  app.post(
    '/kube/groups',
    { schema: { ...doc('kube', 'Create a group'), body: GroupBody, response: { 201: Group } } },
    async (request, reply) => {
      await allow(options, request);
      const b = body(request);
      const created = await groups.create({
        name: str(b, 'name'),
        upstream: str(b, 'upstream'),
        upstreamInsecure: insecure(b),
        members: members(b),
      });
      reply.status(201).header('location', `/api/v2.0/kube/groups/${created.id}`);
      return groupView(created);
    },
  );

  app.get(
    '/kube/groups/:id',
    { schema: { ...doc('kube', 'One group'), params: IdParams, response: { 200: Group } } },
    async (request) => {
      await allow(options, request);
      return groupView(await groups.get(idParam(request)));
    },
  );

  app.put(
    '/kube/groups/:id',
    { schema: { ...doc('kube', 'Change a group'), params: IdParams, body: GroupBody, response: { 200: Group } } },
    async (request) => {
      await allow(options, request);
      const b = body(request);
      const updated = await groups.update(idParam(request), {
        name: str(b, 'name'),
        upstream: str(b, 'upstream'),
        upstreamInsecure: insecure(b),
        members: members(b),
      });
      return groupView(updated);
    },
  );

  app.delete(
    '/kube/groups/:id',
    { schema: { ...doc('kube', 'Delete a group'), params: IdParams, response: { 200: Empty } } },
    async (request) => {
      await allow(options, request);
      await groups.delete(idParam(request));
      return {};
    },
  );

  /**
   * `format=containerd`: JSON `{files: [{path, content}]}`, paths relative to
   * containerd's config_path (/etc/containerd/certs.d); `format=registries.conf`:
   * the TOML file itself. `group=ID` (repeatable) picks groups; default all.
   */
  app.get(
    '/kube/mirrors',
    {
      schema: {
        ...doc('kube', 'Registry mirror configuration (containerd or registries.conf)'),
        querystring: MirrorsQuery,
        response: { 200: Mirrors },
      },
    },
    async (request, reply) => {
      await allow(options, request);
      const q = request.query as Record<string, string | string[] | undefined>;
      const format = q.format ?? 'containerd';
      if (format !== 'containerd' && format !== 'registries.conf') {
        throw badRequest('format must be containerd or registries.conf');
      }
      const ids = [q.group ?? []].flat().map((g) => optionalInt(g, 'group') as number);
      const out = await groups.mirrors(format, ids);
      if (out.format === 'registries.conf') {
        reply.type('application/toml; charset=utf-8');
        return reply.send(out.text);
      }
      return {
        format: 'containerd',
        config_path: '/etc/containerd/certs.d',
        files: [...out.files].map(([path, content]) => ({ path, content })),
      };
    },
  );
}
