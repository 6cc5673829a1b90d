/**
 * The management API (/api/v2.0), the console's sessions and the console
 * itself: mounted on the second Fastify instance that `lazy-instance.ts`
 * builds at the first request for them. This module and everything only it
 * imports (the ~400 API routes, their TypeBox schemas) form their own bundle
 * chunk, loaded then and not at start (bench/FINDINGS.md, "Session 8").
 */
import type { FastifyInstance } from 'fastify';
import type { AccessService } from '../core/access/service.ts';
import type { Registry } from '../core/registry.ts';
import type { KubeFeature } from '../features/kube/feature.ts';
import type { LifecycleFeature } from '../features/lifecycle/feature.ts';
import type { ProxyFeature } from '../features/proxy/feature.ts';
import type { RegistriesService } from '../features/registries/service.ts';
import type { ReplicationFeature } from '../features/replication/feature.ts';
import type { ScanService } from '../features/scan/service.ts';
import type { SessionService } from '../features/sessions/service.ts';
import type { SettingsService } from '../features/settings/service.ts';
import type { SigningFeature } from '../features/signing/feature.ts';
import type { TrafficRecorder } from '../features/traffic/recorder.ts';
import type { WebhooksFeature } from '../features/webhooks/feature.ts';
import type { Gate } from '../http/access/gate.ts';
import { catalogAuditor, catalogAuthorizer, catalogScope } from '../http/api/access/catalog-seam.ts';
import { callerOf, requireOn, sysadminOf } from '../http/api/access/context.ts';
import { kubeActor, kubeAuthorizer } from '../http/api/kube/access-seam.ts';
import { type ApiOptions, apiPlugin } from '../http/api/plugin.ts';
import { proxyProjectExtension } from '../http/api/proxy/extension.ts';
import { registriesAuthorizer } from '../http/api/registries/access-seam.ts';
import { sessionRoutes } from '../http/api/sessions/routes.ts';
import { webPlugin } from '../http/web/plugin.ts';

/** What the management routes are handed: the collaborators buildApp made. */
export interface ManagementParts {
  registry: Registry;
  access: AccessService;
  gate: Gate | null;
  sessions: SessionService;
  oidc: boolean;
  onUnexpected: (err: unknown) => void;
  kube: KubeFeature;
  catalog: NonNullable<ApiOptions['catalog']>;
  traffic: TrafficRecorder;
  scan: ScanService;
  labels: NonNullable<ApiOptions['labels']>;
  signing: SigningFeature;
  lifecycle: LifecycleFeature;
  registries: RegistriesService;
  proxy: ProxyFeature;
  webhooks: WebhooksFeature;
  settings: SettingsService;
  replication: ReplicationFeature;
}

export async function mountManagement(app: FastifyInstance, parts: ManagementParts): Promise<void> {
  const { registry, access, gate, kube, registries, proxy } = parts;
  const api = { registry, access, gate };
  await app.register(sessionRoutes, { gate, sessions: parts.sessions, oidc: parts.oidc });
  await app.register(apiPlugin, {
    prefix: '/api/v2.0',
    registry,
    onUnexpected: parts.onUnexpected,
    access,
    gate,
    kube,
    authorizeKube: kubeAuthorizer(api),
    kubeActor: kubeActor(api),
    onRobotSecretRotated: (name, secret) => kube.connections.robotSecretRotated(name, secret).then(() => {}),
    robotSecretOverlap: (name) => kube.rotation.overlapFor(name),
    catalog: parts.catalog,
    traffic: parts.traffic,
    authorizeCatalog: catalogAuthorizer(api),
    catalogScope: catalogScope(api),
    auditCatalog: catalogAuditor(api),
    scan: parts.scan,
    labels: parts.labels,
    requireAdmin: async (request) => void (await sysadminOf(api, request)),
    signing: parts.signing.service,
    lifecycle: parts.lifecycle,
    registries: { registries, authorize: registriesAuthorizer(api) },
    projectExtension: proxyProjectExtension(proxy, registries, access),
    proxy: {
      proxy,
      authorize: async (request, name) => {
        const project = await access.store.projectByName(name);
        if (project) await requireOn(api, await callerOf(api, request), project, 'pull');
      },
    },
    webhooks: parts.webhooks.service,
    settings: parts.settings,
    replication: { replication: parts.replication.service, registries, authorize: registriesAuthorizer(api) },
  });
  await webPlugin(app, {});
}
