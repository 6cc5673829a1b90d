/**
 * The management API under /api/v2.0, in Harbor's shapes. Each resource is a
 * small plugin registered here; they share the error format below.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessService } from '../../core/access/service.ts';
import type { CatalogQueries } from '../../core/ports-catalog.ts';
import type { Registry } from '../../core/registry.ts';
import type { KubeFeature } from '../../features/kube/feature.ts';
import type { LabelStore } from '../../features/labels/store.ts';
import type { ScanService } from '../../features/scan/service.ts';
import type { SigningService } from '../../features/signing/service.ts';
import type { Gate } from '../access/gate.ts';
import { accessRoutes } from './access/plugin.ts';
import { artifactRoutes } from './artifacts.ts';
import type { CatalogAuditor, CatalogAuthorizer, CatalogScoper, TrafficSource } from './catalog-context.ts';
import { ApiError, apiErrorBody } from './errors.ts';
import { healthRoutes } from './health.ts';
import type { KubeApiOptions, KubeAuthorizer } from './kube/context.ts';
import { kubeRoutes } from './kube/plugin.ts';
import { labelDecorator, labelRoutes } from './labels/plugin.ts';
import { openApiRoutes } from './openapi.ts';
import { apiErrorFromRegistry } from './registry-errors.ts';
import { repositoryBrowsingRoutes } from './repositories.ts';
import { scanOverviewDecorator } from './scan/decorator.ts';
import { scanProjectMetadata } from './scan/metadata.ts';
import { scanRoutes } from './scan/plugin.ts';
import { scannerRoutes } from './scan/scanners.ts';
import { signatureLister } from './signing/accessories.ts';
import { disabledSigningMetadata, disabledSigningRoutes } from './signing/disabled.ts';
import { signingProjectMetadata } from './signing/metadata.ts';
import { signingRoutes } from './signing/plugin.ts';
import { statisticsRoutes } from './statistics.ts';

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
  labels?: LabelStore;
  /** Signature verification (trusted keys, project content-trust switches); absent: not served. */
  signing?: SigningService;
}

export async function apiPlugin(app: FastifyInstance, options: ApiOptions): Promise<void> {
  app.setErrorHandler((err, _request, reply) => {
    const known = err instanceof ApiError ? err : apiErrorFromRegistry(err);
    if (known)
      return reply
        .headers(known.headers ?? {})
        .status(known.status)
        .send(apiErrorBody(known.code, known.message, known.field));
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply
        .status(status)
        .send(apiErrorBody(status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', (err as Error).message));
    }
    options.onUnexpected?.(err);
    return reply.status(500).send(apiErrorBody('INTERNAL_SERVER_ERROR', 'internal server error'));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(apiErrorBody('NOT_FOUND', `no such endpoint: ${request.method} ${request.url}`));
  });
  const shared: ApiOptions = { registry: options.registry, onUnexpected: options.onUnexpected };
  await app.register(healthRoutes, shared);
  await app.register(openApiRoutes, { version: '0.1.0' });
  if (options.catalog) {
    const browsing = {
      registry: options.registry,
      catalog: options.catalog,
      traffic: options.traffic,
      authorize: options.authorizeCatalog,
      scope: options.catalogScope,
      audit: options.auditCatalog,
      signatures: options.signing ? signatureLister(options.signing) : undefined,
      decorators: options.scan ? [scanOverviewDecorator(options.scan)] : [],
    };
    const scan = options.scan;
    const labels =
      options.labels && options.access && options.requireAdmin
        ? {
            labels: options.labels,
            catalog: browsing,
            requireAdmin: options.requireAdmin,
            projectById: (id: number) => options.access?.store.projectById(id) ?? Promise.resolve(null),
            projectByName: (name: string) => options.access?.store.projectByName(name) ?? Promise.resolve(null),
            derived: scan ? async (digest: string) => (await scan.store.report(digest))?.labels ?? [] : undefined,
          }
        : null;
    if (labels) {
      browsing.decorators.push(labelDecorator(labels));
      await app.register(labelRoutes, labels);
    }
    await app.register(repositoryBrowsingRoutes, browsing);
    await app.register(artifactRoutes, browsing);
    await app.register(statisticsRoutes, browsing);
    if (options.scan && options.requireAdmin) await app.register(scannerRoutes, { requireAdmin: options.requireAdmin });
    if (options.scan && options.requireAdmin)
      await app.register(scanRoutes, {
        scan: options.scan,
        catalog: browsing,
        requireAdmin: options.requireAdmin,
        projectId: async (name) => (await options.access?.store.projectByName(name))?.id ?? null,
      });
  }
  if (options.kube)
    await app.register(kubeRoutes, {
      kube: options.kube,
      authorize: options.authorizeKube,
      actorOf: options.kubeActor,
    });
  if (options.access)
    await app.register(accessRoutes, {
      ...shared,
      access: options.access,
      gate: options.gate ?? null,
      onRobotSecretRotated: options.onRobotSecretRotated,
      projectMetadata: [
        options.signing ? signingProjectMetadata(options.signing) : disabledSigningMetadata,
        ...(options.scan ? [scanProjectMetadata(options.scan)] : []),
      ],
    });
  if (options.access && options.signing)
    await app.register(signingRoutes, {
      ...shared,
      access: options.access,
      gate: options.gate ?? null,
      signing: options.signing,
    });
  else if (options.access) await app.register(disabledSigningRoutes);
}
