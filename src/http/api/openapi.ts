/**
 * GET /api/v2.0/openapi.json: an OpenAPI 3 document of the management API.
 * Routes are data here (one row each), and the document is built from the
 * table; test/api/openapi.test.ts fails when a registered route is missing
 * from it or a row names a route that does not exist, so the two cannot
 * drift. Shapes follow Harbor's v2.0 API where Harbor has the resource.
 */
import type { FastifyInstance } from 'fastify';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** method, path (OpenAPI template), tag, summary; `open`: no authentication needed. */
type Row = [Method, string, string, string, { open?: boolean; paged?: boolean; body?: boolean }?];

const ART = '/projects/{project}/repositories/{repository}/artifacts/{reference}';

export const ROUTES: readonly Row[] = [
  ['get', '/openapi.json', 'meta', 'This document', { open: true }],
  ['get', '/health', 'meta', 'Health of Berth and its components (Harbor shape)', { open: true }],
  ['get', '/systeminfo', 'meta', 'Version and settings the console needs', { open: true }],

  ['get', '/statistics', 'statistics', 'Counts and storage over the projects the caller may pull from'],
  ['get', '/statistics/traffic', 'statistics', 'Manifest pushes and pulls per day, registry-wide (`days`)'],
  ['get', '/statistics/recent', 'statistics', 'Latest pushes in projects the caller may pull from (`limit`)'],

  ['get', '/repositories', 'repositories', 'Repositories of the projects the caller may pull from', { paged: true }],
  ['get', '/projects/{project}/repositories', 'repositories', "A project's repositories", { paged: true }],
  ['get', '/projects/{project}/repositories/{repository}', 'repositories', 'One repository'],
  ['delete', '/projects/{project}/repositories/{repository}', 'repositories', 'Delete a repository'],

  ['get', '/projects/{project}/repositories/{repository}/artifacts', 'artifacts', 'Artifacts', { paged: true }],
  ['get', ART, 'artifacts', 'One artifact with layers, config, history and accessories'],
  ['delete', ART, 'artifacts', 'Delete an artifact (audited)'],
  ['get', `${ART}/additions/build_history`, 'artifacts', "The image config's build history"],
  ['get', `${ART}/accessories`, 'artifacts', 'Referrers of the artifact (signatures, SBOMs)'],
  ['get', `${ART}/tags`, 'artifacts', "The artifact's tags", { paged: true }],
  ['post', `${ART}/tags`, 'artifacts', 'Add a tag (audited)', { body: true }],
  ['delete', `${ART}/tags/{tag_name}`, 'artifacts', 'Remove a tag (audited)'],

  ['get', '/projects', 'projects', 'Projects the caller may see', { paged: true }],
  ['post', '/projects', 'projects', 'Create a project', { body: true }],
  ['get', '/projects/{project}', 'projects', 'One project (by id or name)'],
  ['put', '/projects/{project}', 'projects', "Change a project's settings", { body: true }],
  ['delete', '/projects/{project}', 'projects', 'Delete an empty project'],
  ['get', '/projects/{project}/members', 'members', 'Members of a project', { paged: true }],
  ['post', '/projects/{project}/members', 'members', 'Add a member', { body: true }],
  ['get', '/projects/{project}/members/{mid}', 'members', 'One member'],
  ['put', '/projects/{project}/members/{mid}', 'members', "Change a member's role", { body: true }],
  ['delete', '/projects/{project}/members/{mid}', 'members', 'Remove a member'],
  ['get', '/projects/{project}/robots', 'robots', "A project's robot accounts", { paged: true }],
  ['post', '/projects/{project}/robots', 'robots', 'Create a project robot (secret shown once)', { body: true }],
  ['get', '/projects/{project}/logs', 'audit', "A project's audit log", { paged: true }],
  ['post', `${ART}/scan`, 'scan', 'Scan the artifact (202; developers and up)'],
  ['post', `${ART}/scan/stop`, 'scan', 'Stop a running scan'],
  ['get', `${ART}/additions/vulnerabilities`, 'scan', 'The scan report: findings with fix versions and severities'],
  ['get', `${ART}/additions/labels-derived`, 'scan', 'Labels derived from the image content'],
  ['post', '/vuln-db', 'scan', 'Import OSV records (JSON or an osv.dev zip); administrators', { body: true }],
  ['get', '/vuln-db', 'scan', 'The vulnerability database: records per ecosystem and its time'],
  ['get', '/system/CVEAllowlist', 'scan', 'The system CVE allowlist'],
  ['put', '/system/CVEAllowlist', 'scan', 'Replace the system CVE allowlist; administrators', { body: true }],
  ['get', '/security/summary', 'scan', 'Findings by severity, most dangerous CVEs and artifacts, trend'],
  ['get', '/security/vul', 'scan', 'Findings with filters', { paged: true }],
  ['get', '/scanners', 'scan', 'Scanner registrations: the built-in offline scanner'],
  ['get', '/scanners/{id}', 'scan', 'One scanner registration'],
  ['post', '/scanners', 'scan', 'Register an external scanner adapter: 501, not supported yet', { body: true }],
  ['get', '/labels', 'labels', 'Labels of a scope (`scope=g`, or `scope=p&project_id=`)', { paged: true }],
  ['post', '/labels', 'labels', 'Create a label', { body: true }],
  ['get', '/labels/{id}', 'labels', 'One label'],
  ['put', '/labels/{id}', 'labels', 'Rename or recolour a label', { body: true }],
  ['delete', '/labels/{id}', 'labels', 'Delete a label (detached everywhere)'],
  ['post', `${ART}/labels`, 'labels', 'Attach a label to the artifact', { body: true }],
  ['delete', `${ART}/labels/{label_id}`, 'labels', 'Detach a label from the artifact'],

  ['get', '/projects/{project}/trusted-keys', 'signing', "A project's trusted keys and certificates"],
  ['post', '/projects/{project}/trusted-keys', 'signing', 'Trust a public key or certificate (PEM)', { body: true }],
  ['delete', '/projects/{project}/trusted-keys/{id}', 'signing', 'Stop trusting a key'],
  ['get', '/system/trusted-keys', 'signing', 'Registry-wide trusted keys (system administrators)'],
  ['post', '/system/trusted-keys', 'signing', 'Trust a key in every project', { body: true }],
  ['delete', '/system/trusted-keys/{id}', 'signing', 'Stop trusting a registry-wide key'],
  ['get', `${ART}/signatures`, 'signing', 'Every signature of the artifact with its verification'],

  ['get', '/robots', 'robots', 'Robot accounts', { paged: true }],
  ['post', '/robots', 'robots', 'Create a robot (secret shown once)', { body: true }],
  ['get', '/robots/{id}', 'robots', 'One robot'],
  ['put', '/robots/{id}', 'robots', 'Change a robot', { body: true }],
  ['patch', '/robots/{id}', 'robots', "Refresh a robot's secret", { body: true }],
  ['delete', '/robots/{id}', 'robots', 'Delete a robot'],

  ['get', '/users', 'users', 'Users (system administrators)', { paged: true }],
  ['post', '/users', 'users', 'Create a user', { body: true }],
  ['get', '/users/current', 'users', 'The signed-in user'],
  ['post', '/users/current/cli_secret', 'users', 'New CLI secret for the signed-in OIDC user'],
  ['get', '/users/{id}', 'users', 'One user'],
  ['put', '/users/{id}', 'users', "Change a user's profile", { body: true }],
  ['delete', '/users/{id}', 'users', 'Delete a user'],
  ['put', '/users/{id}/password', 'users', 'Change a password', { body: true }],
  ['put', '/users/{id}/sysadmin', 'users', 'Grant or revoke system administration', { body: true }],
  ['put', '/users/{id}/cli_secret', 'users', "Set an OIDC user's CLI secret", { body: true }],
  ['get', '/audit-logs', 'audit', 'The audit log (system administrators)', { paged: true }],

  ['get', '/kube/connections', 'kube', 'Registry connections of Kubernetes clusters'],
  ['post', '/kube/connections', 'kube', 'Create a connection', { body: true }],
  ['get', '/kube/connections/{id}', 'kube', 'One connection'],
  ['put', '/kube/connections/{id}', 'kube', 'Change a connection', { body: true }],
  ['delete', '/kube/connections/{id}', 'kube', 'Delete a connection'],
  ['post', '/kube/connections/{id}/test', 'kube', 'Test a connection against its cluster'],
  ['get', '/kube/connections/{id}/pullsecret', 'kube', 'The pull secret a connection installs'],
  ['get', '/kube/connections/{id}/snippet', 'kube', 'A manifest snippet using the connection'],
  ['post', '/kube/connections/{id}/reconcile', 'kube', 'Reconcile the connection now'],
  ['get', '/kube/clusters', 'kube', 'Clusters'],
  ['post', '/kube/clusters', 'kube', 'Register a cluster', { body: true }],
  ['get', '/kube/clusters/{id}', 'kube', 'One cluster'],
  ['delete', '/kube/clusters/{id}', 'kube', 'Remove a cluster'],
  ['get', '/kube/clusters/{id}/namespaces', 'kube', "A cluster's namespaces"],
  ['get', '/kube/pullpolicies', 'kube', 'Pull policies'],
  ['get', '/kube/placements', 'kube', 'Pull secret placements'],
  ['post', '/kube/placements', 'kube', 'Create a placement', { body: true }],
  ['get', '/kube/placements/{id}', 'kube', 'One placement'],
  ['put', '/kube/placements/{id}', 'kube', 'Change a placement', { body: true }],
  ['delete', '/kube/placements/{id}', 'kube', 'Delete a placement'],
  ['post', '/kube/placements/{id}/sync', 'kube', 'Sync a placement now'],
  ['get', '/kube/jobs/{id}', 'kube', 'A background job'],
  ['get', '/kube/groups', 'kube', 'Cluster groups'],
  ['post', '/kube/groups', 'kube', 'Create a group', { body: true }],
  ['get', '/kube/groups/{id}', 'kube', 'One group'],
  ['put', '/kube/groups/{id}', 'kube', 'Change a group', { body: true }],
  ['delete', '/kube/groups/{id}', 'kube', 'Delete a group'],
  ['get', '/kube/mirrors', 'kube', 'Registry mirrors'],
  ['post', '/kube/diagnose', 'kube', 'Diagnose why a cluster cannot pull', { body: true }],
];

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } },
});

const PAGED_PARAMETERS = [
  { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
  { name: 'page_size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 } },
  { name: 'q', in: 'query', description: 'Harbor query: `name=~part`, `tags=x`, …', schema: { type: 'string' } },
  { name: 'sort', in: 'query', description: '`field` or `-field`', schema: { type: 'string' } },
];

function operation([method, path, tag, summary, flags = {}]: Row) {
  const parameters: object[] = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (flags.paged) parameters.push(...PAGED_PARAMETERS);
  const ok = method === 'post' ? '201' : '200';
  return {
    tags: [tag],
    summary,
    operationId: `${method}${path.replace(/[^a-zA-Z0-9]+(\w)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(flags.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } } }
      : {}),
    ...(flags.open ? { security: [] } : {}),
    responses: {
      [ok]: {
        description: flags.paged ? 'A page; X-Total-Count and Link headers give the rest' : 'Done',
        ...(flags.paged
          ? { headers: { 'X-Total-Count': { schema: { type: 'integer' } }, Link: { schema: { type: 'string' } } } }
          : {}),
      },
      '400': error('Invalid request'),
      ...(flags.open ? {} : { '401': error('Not signed in'), '403': error('Not allowed') }),
      '404': error('Not found (or not visible to the caller)'),
    },
  };
}

export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const row of ROUTES) {
    paths[row[1]] ??= {};
    paths[row[1]][row[0]] = operation(row);
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Berth management API',
      version,
      description: "Projects, repositories, artifacts, identities and Kubernetes wiring, in Harbor's v2.0 shapes.",
    },
    servers: [{ url: '/api/v2.0' }],
    security: [{ basic: [] }, { bearer: [] }],
    components: {
      securitySchemes: {
        basic: { type: 'http', scheme: 'basic' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
      schemas: {
        Errors: {
          type: 'object',
          properties: {
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: { code: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
      },
    },
    paths,
  };
}

export async function openApiRoutes(app: FastifyInstance, options: { version: string }): Promise<void> {
  // Built once: the table does not change while the process runs.
  const document = JSON.stringify(openApiDocument(options.version));
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json').send(document));
}
