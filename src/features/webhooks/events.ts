/**
 * Webhook event types and the two payload formats: Harbor's own JSON
 * (`Default`) and CloudEvents 1.0 (structured mode), built from one event.
 */
import { randomUUID } from 'node:crypto';
import type { RegistryEvent } from '../../core/hooks.ts';

/** Every event type a policy may subscribe to (Harbor's names). */
export const EVENT_TYPES = [
  'PUSH_ARTIFACT',
  'PULL_ARTIFACT',
  'DELETE_ARTIFACT',
  'QUOTA_EXCEED',
  'QUOTA_WARNING',
  'REPLICATION',
  'TAG_RETENTION',
  'SCANNING_COMPLETED',
  'SCANNING_FAILED',
  'SCANNING_STOPPED',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const PAYLOAD_FORMATS = ['Default', 'CloudEvents'] as const;

/** CloudEvents `type` per event (Harbor's naming). */
const CLOUD_TYPES: Record<EventType, string> = {
  PUSH_ARTIFACT: 'harbor.artifact.pushed',
  PULL_ARTIFACT: 'harbor.artifact.pulled',
  DELETE_ARTIFACT: 'harbor.artifact.deleted',
  QUOTA_EXCEED: 'harbor.quota.exceeded',
  QUOTA_WARNING: 'harbor.quota.warned',
  REPLICATION: 'harbor.replication.status.changed',
  TAG_RETENTION: 'harbor.tag_retention.finished',
  SCANNING_COMPLETED: 'harbor.scan.completed',
  SCANNING_FAILED: 'harbor.scan.failed',
  SCANNING_STOPPED: 'harbor.scan.stopped',
};

/**
 * What any feature hands to `WebhookService.notify`: the event, the project
 * it belongs to, and its `event_data` (Harbor's shape for that event type).
 */
export interface WebhookEvent {
  type: EventType;
  /** The project (namespace) name; policies of that project are told. */
  project: string;
  operator: string;
  /** When it happened (ISO time). */
  at: string;
  eventData: Record<string, unknown>;
}

/** Harbor's `event_data` for an artifact event of one repository. */
export function artifactEventData(
  registryHost: string,
  repository: string,
  resource: { digest: string; tag: string | null },
  at: string,
  public_: boolean,
): Record<string, unknown> {
  const slash = repository.indexOf('/');
  const namespace = slash === -1 ? repository : repository.slice(0, slash);
  const name = slash === -1 ? repository : repository.slice(slash + 1);
  const ref = resource.tag ? `:${resource.tag}` : `@${resource.digest}`;
  return {
    resources: [
      {
        digest: resource.digest,
        ...(resource.tag ? { tag: resource.tag } : {}),
        resource_url: `${registryHost}/${repository}${ref}`,
      },
    ],
    repository: {
      date_created: Math.floor(Date.parse(at) / 1000),
      name,
      namespace,
      repo_full_name: repository,
      repo_type: public_ ? 'public' : 'private',
    },
  };
}

/**
 * Harbor's SCANNING_COMPLETED / SCANNING_FAILED / SCANNING_STOPPED event of one scanned
 * artifact: the artifact's `event_data` with its `scan_overview` (by report
 * MIME type, as the artifact API shows it) in the resource.
 */
export function scanningEvent(input: {
  registryHost: string;
  repository: string;
  digest: string;
  failed: boolean;
  /** A scan stopped by `scan/stop` (neither completed nor failed). */
  stopped?: boolean;
  at: string;
  public_: boolean;
  scanOverview: Record<string, unknown> | null;
}): WebhookEvent {
  const data = artifactEventData(
    input.registryHost,
    input.repository,
    { digest: input.digest, tag: null },
    input.at,
    input.public_,
  );
  const [resource] = data.resources as Record<string, unknown>[];
  if (resource && input.scanOverview) resource.scan_overview = input.scanOverview;
  return {
    type: input.stopped ? 'SCANNING_STOPPED' : input.failed ? 'SCANNING_FAILED' : 'SCANNING_COMPLETED',
    project: input.repository.split('/')[0] as string,
    operator: 'scanner',
    at: input.at,
    eventData: data,
  };
}

/** Which webhook event type a registry event becomes, if any (without building its data). */
export function webhookTypeOf(event: RegistryEvent): EventType | null {
  switch (event.type) {
    case 'manifest.pushed':
      return 'PUSH_ARTIFACT';
    case 'manifest.pulled':
      return 'PULL_ARTIFACT';
    case 'manifest.deleted':
    case 'tag.deleted':
      return 'DELETE_ARTIFACT';
    default:
      return null;
  }
}

/** The webhook event of a registry event, or null for those webhooks do not report. */
export function fromRegistryEvent(
  event: RegistryEvent,
  registryHost: string,
  isPublic: (project: string) => boolean,
): WebhookEvent | null {
  const project = event.repository.split('/')[0] as string;
  const base = { project, operator: event.actor ?? 'anonymous', at: event.at };
  const data = (digest: string, tag: string | null) =>
    artifactEventData(registryHost, event.repository, { digest, tag }, event.at, isPublic(project));
  switch (event.type) {
    case 'manifest.pushed':
      return { ...base, type: 'PUSH_ARTIFACT', eventData: data(event.digest, event.tag) };
    case 'manifest.pulled':
      return { ...base, type: 'PULL_ARTIFACT', eventData: data(event.digest, event.tag) };
    case 'manifest.deleted':
      return { ...base, type: 'DELETE_ARTIFACT', eventData: data(event.digest, null) };
    case 'tag.deleted':
      return { ...base, type: 'DELETE_ARTIFACT', eventData: data(event.digest, event.tag) };
    default:
      return null;
  }
}

/** The body sent for an event in a format; `source` names the policy (CloudEvents). */
export function payloadOf(
  event: WebhookEvent,
  format: 'Default' | 'CloudEvents',
  source: string,
): { body: string; contentType: string } {
  if (format === 'CloudEvents') {
    const body = {
      specversion: '1.0',
      id: randomUUID(),
      requestid: randomUUID(),
      source,
      type: CLOUD_TYPES[event.type],
      datacontenttype: 'application/json',
      time: event.at,
      operator: event.operator,
      data: event.eventData,
    };
    return { body: JSON.stringify(body), contentType: 'application/cloudevents+json' };
  }
  const body = {
    type: event.type,
    occur_at: Math.floor(Date.parse(event.at) / 1000),
    operator: event.operator,
    event_data: event.eventData,
  };
  return { body: JSON.stringify(body), contentType: 'application/json' };
}
