/**
 * The management API under /api/v2.0, in Harbor's shapes. Each resource is a
 * small plugin registered here; they share the error format below.
 */

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessService } from '../../core/access/service.ts';
import type { CatalogQueries } from '../../core/ports-catalog.ts';
import type { Registry } from '../../core/registry.ts';
import type { KubeFeature } from '../../features/kube/feature.ts';
import type { LabelService } from '../../features/labels/service.ts';
import type { LifecycleFeature } from '../../features/lifecycle/feature.ts';
import { LifecycleSettings } from '../../features/lifecycle/settings.ts';
import type { ScanService } from '../../features/scan/service.ts';
import type { SettingsService } from '../../features/settings/service.ts';
import type { SigningService } from '../../features/signing/service.ts';
import type { WebhookService } from '../../features/webhooks/service.ts';
import type { Gate } from '../access/gate.ts';
import { notEnabledRoutes, refuseAll } from '../shared/not-enabled.ts';
import { apiErrorHandler, installSchemaValidation } from '../shared/validation.ts';
import { callerOf, projectParam, requireOn } from './access/context.ts';
import { accessRoutes } from './access/plugin.ts';
import type { ProjectExtension } from './access/project-extension.ts';
import { artifactRoutes } from './artifacts.ts';
import { bundleRoutes } from './bundles/plugin.ts';
import type { CatalogAuditor, CatalogAuthorizer, CatalogScoper, TrafficSource } from './catalog-context.ts';
import { ApiError, apiErrorBody } from './errors.ts';
import { healthRoutes } from './health.ts';
import type { KubeApiOptions, KubeAuthorizer } from './kube/context.ts';
import { kubeRoutes } from './kube/plugin.ts';
import { labelDecorator, labelRoutes } from './labels/plugin.ts';
import { lifecycleRoutes } from './lifecycle/plugin.ts';
import { retentionProjectMetadata } from './lifecycle/retention.ts';
import { openApiRoutes, recordRoutes } from './openapi.ts';
import { type ProxyApiOptions, proxyRoutes } from './proxy/plugin.ts';
import { type RegistriesApiOptions, registriesRoutes } from './registries/plugin.ts';
import { apiErrorFromRegistry } from './registry-errors.ts';
import { type ReplicationApiOptions, replicationRoutes } from './replication/plugin.ts';
import { repositoryBrowsingRoutes } from './repositories.ts';
import { scanOverviewDecorator } from './scan/decorator.ts';
import { scanProjectMetadata } from './scan/metadata.ts';
import { scanRoutes } from './scan/plugin.ts';
import { scannerRoutes } from './scan/scanners.ts';
import { searchRoutes } from './search.ts';
import { settingsRoutes } from './settings/plugin.ts';
import { signatureLister } from './signing/accessories.ts';
import { disabledSigningMetadata, disabledSigningRoutes } from './signing/disabled.ts';
import { signingProjectMetadata } from './signing/metadata.ts';
import { signingRoutes } from './signing/plugin.ts';
import { statisticsRoutes } from './statistics.ts';
import { webhookRoutes } from './webhooks/plugin.ts';

export interface ApiOptions {
  registry: Registry;
  onUnexpected?: (err: unknown) => void;
  /** Registry connections, clusters and pull secrets (/kube/…); absent: not served. */
  kube?: KubeFeature;
  /** Who may manage them; absent: everyone (no identity module wired yet). */
  authorizeKube?: KubeAuthorizer;
  /** Who the caller is, for robot accounts a connection creates. */
  kubeActor?: KubeApiOptions['actorOf'];
  /** Identities (projects, users, members, robots, audit log); absent: those resources are not served. */
  access?: AccessService;
  /** Authentication; null or absent with `access`: auth is off and every caller acts as administrator. */
  gate?: Gate | null;
  /** Told when a robot's secret is refreshed (PATCH /robots/{id}), with the new secret. */
  onRobotSecretRotated?: (robotName: string, secret: string) => Promise<void>;
  /** Seconds a refreshed robot's old secret stays valid (Kubernetes clusters catching up); absent: 0. */
  robotSecretOverlap?: (robotName: string) => Promise<number>;
  /** Browsing queries (repositories, artifacts, tags, statistics); absent: those routes are not served. */
  catalog?: CatalogQueries;
  traffic?: TrafficSource;
  /** Who may browse and change what; absent: everyone (no identity module wired). */
  authorizeCatalog?: CatalogAuthorizer;
  /** What each caller sees of registry-wide listings; absent: everything. */
  catalogScope?: CatalogScoper;
  /** Where tag and artifact edits are audited; absent: not audited. */
  auditCatalog?: CatalogAuditor;
  /** Vulnerability scanning (scans, the vulnerability database, the security summary); absent: not served. */
  scan?: ScanService;
  /** Throws unless the caller is a system administrator (the vulnerability database). */
  requireAdmin?: (request: FastifyRequest) => Promise<void>;
  /** Harbor's user-defined labels (with `access` and `requireAdmin`); absent: artifacts carry no labels. */
  labels?: LabelService;
  /** Signature verification (trusted keys, project content-trust switches); absent: not served. */
  signing?: SigningService;
  /** GC, quotas, immutable tag rules, tag history; absent: not served. */
  lifecycle?: LifecycleFeature;
  /** Upstream registries (/registries, /adapters); absent: not served. */
  registries?: RegistriesApiOptions;
  /** Extra project fields (proxy caches' registry_id, groups' group_members). */
  projectExtension?: ProjectExtension;
  /** Group pulls and proxy status (/projects/{name}/group_pulls, …/proxy_status); absent: not served. */
  proxy?: ProxyApiOptions;
  /** Project webhooks (/projects/{p}/webhook/…); served with `access`. */
  webhooks?: WebhookService;
  /** Replication policies and executions (/replication/…); absent: not served. */
  replication?: ReplicationApiOptions;
  /** System settings (/configurations) and repository descriptions; served with `access`. */
  settings?: SettingsService;
}

type OptionalKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/**
 * What the absence of each optional collaborator means, so none can mean an
 * open door (a new optional field does not compile without its row):
 * `twin` — its paths answer 501 NOT_ENABLED (src/http/shared/not-enabled.ts);
 * `refuse` — with identities wired, a missing authorizer refuses everything
 * (without identities, auth is off and every caller is administrator);
 * `default` — a narrower answer (nothing shown, nothing added);
 * `hook` — a notification: nothing is guarded by it.
 * test/api/disabled-twins.test.ts checks the twins; scripts/arch-counts.sh counts the rows.
 */
export const FAIL_CLOSED: Record<OptionalKeys<ApiOptions>, string> = {
  onUnexpected: 'hook: unexpected errors are not reported',
  kube: 'twin: /kube answers 501',
  authorizeKube: 'refuse: Kubernetes settings are refused to everyone',
  kubeActor: 'default: robots a connection creates name no creator',
  access: 'twin: /users, /robots, /audit-logs, /projects answer 501',
  gate: 'default: only with identities; the server passes null for auth off, a gate otherwise',
  onRobotSecretRotated: 'hook: nobody is told of a rotated robot secret',
  catalog: 'twin: /repositories, /statistics answer 501',
  traffic: 'default: statistics show no traffic',
  authorizeCatalog: 'refuse: browsing is refused to everyone',
  catalogScope: 'refuse: registry-wide listings show nothing',
  auditCatalog: 'hook: tag and artifact edits are not audited',
  scan: 'twin: /scanners, /vuln-db, /system/CVEAllowlist, /security and artifact scans answer 501',
  requireAdmin: 'refuse: administrator-only routes are refused to everyone',
  labels: 'twin: /labels and artifact labels answer 501',
  signing: 'twin: trusted keys answer 501 (signing/disabled.ts)',
  lifecycle: 'twin: /system/gc, /quotas, /storage/usage, immutable tag rules, tag history answer 501',
  registries: 'twin: /registries, /adapters, /replication/adapters answer 501',
  projectExtension: 'default: projects carry no extra fields',
  proxy: 'twin: group_pulls and proxy_status answer 501',
  webhooks: 'twin: /projects/{p}/webhook answers 501',
  replication: 'twin: /replication/policies, /replication/executions answer 501',
  settings: 'twin: /configurations answers 501; repositories carry no description',
  robotSecretOverlap: 'default: a refreshed robot secret replaces the old one at once',
};

const ARTIFACT = '/projects/:project_name_or_id/repositories/:repository_name/artifacts/:reference';
const PROJECT = '/projects/:project_name_or_id';

/** Nobody sees anything registry-wide: the scope of a wired identity module that was not handed one. */
const seeNothing = async () => ({ all: false, projects: [] });

export async function apiPlugin(app: FastifyInstance, options: ApiOptions): Promise<void> {
  installSchemaValidation(app);
  app.setErrorHandler(
    apiErrorHandler((err) => (err instanceof ApiError ? err : apiErrorFromRegistry(err)), options.onUnexpected),
  );
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(apiErrorBody('NOT_FOUND', `no such endpoint: ${request.method} ${request.url}`));
  });
  // Every route added from here on (features included) is in /openapi.json.
  const routes = recordRoutes(app, app.prefix);
  const shared: ApiOptions = { registry: options.registry, onUnexpected: options.onUnexpected };
  await app.register(openApiRoutes, { routes });
  await app.register(healthRoutes, { registry: options.registry, settings: options.settings });
  // Optional parts fail closed: absent, their paths answer 501 NOT_ENABLED (a disabled twin);
  // with identities wired, a missing authorizer refuses everything rather than allowing it.
  const guarded = options.access !== undefined;
  const off = (feature: string, paths: string[]) => app.register(notEnabledRoutes, { feature, paths });
  // Administrator-only routes: without identities auth is off and everyone is one.
  const requireAdmin = options.requireAdmin ?? (guarded ? refuseAll('administration') : async () => {});
  if (options.catalog) {
    const browsing = {
      registry: options.registry,
      catalog: options.catalog,
      traffic: options.traffic,
      authorize: options.authorizeCatalog ?? (guarded ? refuseAll('browsing') : undefined),
      scope: options.catalogScope ?? (guarded ? seeNothing : undefined),
      audit: options.auditCatalog,
      signatures: options.signing ? signatureLister(options.signing) : undefined,
      decorators: options.scan ? [scanOverviewDecorator(options.scan)] : [],
      describe: options.settings
        ? (name: string) => options.settings?.description(name) ?? Promise.resolve(null)
        : undefined,
    };
    const scan = options.scan;
    const labels =
      options.labels && options.access
        ? {
            labels: options.labels,
            catalog: browsing,
            requireAdmin,
            projectById: (id: number) => options.access?.store.projectById(id) ?? Promise.resolve(null),
            projectByName: (name: string) => options.access?.store.projectByName(name) ?? Promise.resolve(null),
            derived: scan ? async (digest: string) => (await scan.store.report(digest))?.labels ?? [] : undefined,
          }
        : null;
    if (labels) {
      browsing.decorators.push(labelDecorator(labels));
      await app.register(labelRoutes, labels);
    } else await off('labels', ['/labels', `${ARTIFACT}/labels`]);
    await app.register(repositoryBrowsingRoutes, browsing);
    await app.register(artifactRoutes, browsing);
    await app.register(statisticsRoutes, browsing);
    await app.register(searchRoutes, browsing);
    if (options.scan) {
      const scanners = options.scan.scanners;
      const accessApi = options.access
        ? { registry: options.registry, access: options.access, gate: options.gate ?? null }
        : null;
      if (scanners && accessApi)
        await app.register(scannerRoutes, {
          scanners,
          requireAdmin,
          project: async (request, nameOrId, write) => {
            const project = await projectParam(accessApi, request, nameOrId);
            await requireOn(accessApi, await callerOf(accessApi, request), project, write ? 'changeSettings' : 'pull');
            return project.id;
          },
        });
      else await off('external scanners', ['/scanners', `${PROJECT}/scanner`]);
      await app.register(scanRoutes, {
        scan: options.scan,
        catalog: browsing,
        requireAdmin,
        projectId: async (name) => (await options.access?.store.projectByName(name))?.id ?? null,
      });
    } else
      await off('vulnerability scanning', [
        '/scanners',
        '/vuln-db',
        '/system/CVEAllowlist',
        '/security',
        `${ARTIFACT}/scan`,
        `${ARTIFACT}/additions/vulnerabilities`,
        `${ARTIFACT}/additions/labels-derived`,
      ]);
  } else {
    await app.register(notEnabledRoutes, { feature: 'browsing', paths: ['/repositories', '/statistics'] });
  }
  if (options.kube)
    await app.register(kubeRoutes, {
      kube: options.kube,
      authorize: options.authorizeKube ?? (guarded ? refuseAll('Kubernetes settings') : undefined),
      actorOf: options.kubeActor,
    });
  else await app.register(notEnabledRoutes, { feature: 'the Kubernetes feature', paths: ['/kube'] });
  if (options.registries) await app.register(registriesRoutes, options.registries);
  else await off('upstream registries', ['/registries', '/adapters', '/replication/adapters']);
  if (options.proxy) await app.register(proxyRoutes, options.proxy);
  else await off('proxy caches and groups', [`${PROJECT}/group_pulls`, `${PROJECT}/proxy_status`]);
  const quotas = options.lifecycle ? new LifecycleSettings(options.lifecycle.store) : undefined;
  if (options.access)
    await app.register(accessRoutes, {
      ...shared,
      access: options.access,
      gate: options.gate ?? null,
      onRobotSecretRotated: options.onRobotSecretRotated,
      robotSecretOverlap: options.robotSecretOverlap,
      projectMetadata: [
        options.signing ? signingProjectMetadata(options.signing) : disabledSigningMetadata,
        ...(options.scan ? [scanProjectMetadata(options.scan)] : []),
        ...(options.lifecycle ? [retentionProjectMetadata({ lifecycle: options.lifecycle })] : []),
      ],
      onStorageLimit: quotas ? async (project, limit) => void (await quotas.setQuota(project, limit)) : undefined,
      projectExtension: options.projectExtension,
      mayCreateProjects: options.settings
        ? async () => (await options.settings?.view())?.project_creation_restriction !== 'adminonly'
        : undefined,
    });
  if (options.access && options.settings)
    await app.register(settingsRoutes, {
      api: { registry: options.registry, access: options.access, gate: options.gate ?? null },
      settings: options.settings,
    });
  else await off('system settings', ['/configurations']);
  if (options.access)
    await app.register(bundleRoutes, { ...shared, access: options.access, gate: options.gate ?? null });
  else
    await app.register(notEnabledRoutes, {
      feature: 'identities (projects, users, robots, audit log)',
      paths: ['/users', '/robots', '/audit-logs', '/projects', '/bundles'],
    });
  if (options.lifecycle)
    await app.register(lifecycleRoutes, {
      lifecycle: options.lifecycle,
      api: options.access
        ? { registry: options.registry, access: options.access, gate: options.gate ?? null }
        : undefined,
    });
  else
    await off('storage lifecycle (GC, quotas, immutable tags, tag history)', [
      '/system/gc',
      '/quotas',
      '/storage/usage',
      `${PROJECT}/immutabletagrules`,
      `${PROJECT}/repositories/:repository_name/tags`,
    ]);
  if (options.access && options.signing)
    await app.register(signingRoutes, {
      ...shared,
      access: options.access,
      gate: options.gate ?? null,
      signing: options.signing,
    });
  else if (options.access) await app.register(disabledSigningRoutes);
  if (options.access && options.webhooks)
    await app.register(webhookRoutes, {
      ...shared,
      access: options.access,
      gate: options.gate ?? null,
      webhooks: options.webhooks,
    });
  else await off('webhooks', [`${PROJECT}/webhook`]);
  if (options.replication) await app.register(replicationRoutes, options.replication);
  else await off('replication', ['/replication/policies', '/replication/executions']);
}
