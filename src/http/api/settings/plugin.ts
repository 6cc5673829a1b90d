/**
 * Harbor's GET/PUT /configurations (the subset Berth has; administrators
 * only) and PUT /projects/{p}/repositories/{r} (a repository's markdown
 * description; project maintainers and administrators).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { isValidName } from '../../../core/names.ts';
import { EDITABLE, SettingsError, type SettingsService } from '../../../features/settings/service.ts';
import { doc, Empty, Named, typed } from '../../shared/schemas.ts';
import { type AccessApi, projectParam, requireOn, sysadminOf, userOf } from '../access/context.ts';
import { badRequest, invalidField, notFound } from '../errors.ts';

export interface SettingsApiOptions {
  api: AccessApi;
  settings: SettingsService;
}

const Item = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(value: T) =>
  Type.Object({ value, editable: Type.Boolean() });

const ConfigurationsResponse = Named(
  'ConfigurationsResponse',
  Type.Object({
    auth_mode: Item(Type.String({ description: 'db_auth, ldap_auth or oidc_auth (from the server configuration)' })),
    token_expiration: Item(Type.Integer({ description: 'minutes a registry token lives' })),
    project_creation_restriction: Item(Type.String({ description: 'everyone or adminonly' })),
    registry_name: Item(Type.String({ description: "Berth's addition: the registry's name in the console" })),
  }),
);

const Configurations = Named(
  'Configurations',
  Type.Object({
    auth_mode: Type.Optional(Type.String()),
    token_expiration: Type.Optional(Type.Integer()),
    project_creation_restriction: Type.Optional(Type.String()),
    registry_name: Type.Optional(Type.String()),
  }),
);

const RepositoryParams = Type.Object({
  project_name_or_id: Type.String({ minLength: 1, maxLength: 255, description: "the project's name" }),
  repository_name: Type.String({ minLength: 1, description: 'name inside the project; slashes encoded twice' }),
});
const RepositoryUpdate = Type.Object({
  description: Type.String({ maxLength: 65_536, description: 'markdown, shown rendered (no raw HTML)' }),
});

export async function settingsRoutes(parent: FastifyInstance, o: SettingsApiOptions): Promise<void> {
  const app = typed(parent);
  const { api, settings } = o;

  const shape = async () => {
    const view = await settings.view();
    const editable = (k: string) => (EDITABLE as readonly string[]).includes(k);
    return {
      auth_mode: { value: view.auth_mode, editable: false },
      token_expiration: { value: view.token_expiration, editable: editable('token_expiration') },
      project_creation_restriction: {
        value: view.project_creation_restriction,
        editable: editable('project_creation_restriction'),
      },
      registry_name: { value: view.registry_name, editable: editable('registry_name') },
    };
  };

  const get = { ...doc('configure', 'System settings (administrators)'), response: { 200: ConfigurationsResponse } };
  app.get('/configurations', { schema: get }, async (request) => {
    await sysadminOf(api, request);
    return shape();
  });

  const put = {
    ...doc('configure', 'Change system settings (administrators)'),
    body: Configurations,
    response: { 200: Empty },
  };
  app.put('/configurations', { schema: put }, async (request) => {
    await sysadminOf(api, request);
    try {
      await settings.update(request.body);
    } catch (err) {
      if (err instanceof SettingsError) throw invalidField(err.field, err.message);
      throw err;
    }
    return {};
  });

  const describe = {
    ...doc('repositories', "Change a repository's description (markdown)"),
    params: RepositoryParams,
    body: RepositoryUpdate,
    response: { 200: Empty },
  };
  app.put('/projects/:project_name_or_id/repositories/:repository_name', { schema: describe }, async (request) => {
    const who = await userOf(api, request);
    const project = await projectParam(api, request, request.params.project_name_or_id);
    // Harbor lets maintainers and project administrators update a repository.
    await requireOn(api, who, project, 'deleteRepository');
    let short: string;
    try {
      short = decodeURIComponent(request.params.repository_name);
    } catch {
      throw badRequest('invalid repository name');
    }
    const name = short === project.name ? short : `${project.name}/${short}`;
    if (!isValidName(name)) throw badRequest('invalid repository name');
    if (!(await api.registry.repositoryExists(name))) throw notFound(`repository ${name} not found`);
    try {
      await settings.setDescription(name, request.body.description);
    } catch (err) {
      if (err instanceof SettingsError) throw invalidField(err.field, err.message);
      throw err;
    }
    return {};
  });
}
