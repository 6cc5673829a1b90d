/**
 * Webhook policies (Harbor's shapes, per project) and their deliveries.
 * `notify` turns an event into one persisted delivery per enabled policy and
 * target and queues a job for each; `deliver` runs such a job: one POST,
 * recorded with its response code, retried with backoff on failure or 5xx.
 */
import { randomBytes } from 'node:crypto';
import type { Counter } from 'prom-client';
import type { Job, JobQueue } from '../../core/jobs.ts';
import type { Sealer } from '../kube/secretbox.ts';
import { WebhookConflictError, WebhookInputError, WebhookNotFoundError } from './errors.ts';
import { EVENT_TYPES, type EventType, PAYLOAD_FORMATS, payloadOf, type WebhookEvent } from './events.ts';
import { backoff, type JobOutcome } from './job-runner.ts';
import { type OutboundGuard, sendWebhook } from './sender.ts';
import type { DeliveryRecord, PayloadFormat, StoredTarget, WebhookPolicyRecord, WebhookStore } from './store.ts';

export const DELIVERY_JOB = 'webhook.deliver';

export interface TargetInput {
  type?: string;
  address?: string;
  auth_header?: string;
  skip_cert_verify?: boolean;
  payload_format?: string;
}

/** A policy as the API receives it (Harbor's WebhookPolicy, plus Berth's write-only `signing_secret`). */
export interface PolicyInput {
  name?: string;
  description?: string;
  targets?: TargetInput[];
  event_types?: string[];
  enabled?: boolean;
  signing_secret?: string;
}

/** A policy as the API answers: Harbor's WebhookPolicy; the auth header and secret are never returned. */
export interface PolicyView {
  id: number;
  name: string;
  description: string;
  project_id: number;
  targets: { type: string; address: string; skip_cert_verify: boolean; payload_format: PayloadFormat }[];
  event_types: string[];
  creator: string;
  creation_time: string;
  update_time: string;
  enabled: boolean;
}

export interface WebhookServiceOptions {
  store: WebhookStore;
  box: Sealer;
  jobs: JobQueue;
  outbound: OutboundGuard;
  /** Told when deliveries were queued (so the runner looks now). */
  onQueued?: () => void;
  /** Attempts per delivery, the first included. */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt. */
  retryBaseMs?: number;
  deliveries?: Counter<'outcome'>;
}

const sealContext = (field: string) => `webhook/${field}`;

export function viewOf(p: WebhookPolicyRecord): PolicyView {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    project_id: p.projectId,
    targets: p.targets.map((t) => ({
      type: t.type,
      address: t.address,
      skip_cert_verify: t.skipCertVerify,
      payload_format: t.payloadFormat,
    })),
    event_types: p.eventTypes,
    creator: p.creator,
    creation_time: p.createdAt,
    update_time: p.updatedAt,
    enabled: p.enabled,
  };
}

export class WebhookService {
  /** Told after a policy is created, changed or removed on this node. */
  onPoliciesChanged: () => void = () => {};

  constructor(private readonly o: WebhookServiceOptions) {}

  async list(projectId: number): Promise<PolicyView[]> {
    return (await this.o.store.policiesOf(projectId)).map(viewOf);
  }

  async get(projectId: number, id: number): Promise<WebhookPolicyRecord> {
    const p = await this.o.store.policy(id);
    if (!p || p.projectId !== projectId) throw new WebhookNotFoundError(`webhook policy ${id} not found`);
    return p;
  }

  /** Creates a policy; returns its id and the signing secret (generated when not given). */
  async create(projectId: number, input: PolicyInput, creator: string): Promise<{ id: number; secret: string }> {
    const name = this.nameOf(input);
    if (await this.o.store.policyByName(projectId, name))
      throw new WebhookConflictError(`a webhook policy named ${name} already exists in this project`);
    const secret = input.signing_secret || randomBytes(24).toString('base64url');
    const id = await this.o.store.createPolicy({
      projectId,
      name,
      description: input.description ?? '',
      targets: await this.targetsOf(input, []),
      eventTypes: this.eventTypesOf(input),
      creator,
      enabled: input.enabled ?? true,
      secretSealed: this.o.box.encrypt(secret, sealContext('secret')),
    });
    this.onPoliciesChanged();
    return { id, secret };
  }

  /** Replaces a policy; a target whose `auth_header` is omitted keeps the one stored for its address. */
  async update(projectId: number, id: number, input: PolicyInput): Promise<void> {
    const old = await this.get(projectId, id);
    const name = this.nameOf(input);
    const clash = await this.o.store.policyByName(projectId, name);
    if (clash && clash.id !== id)
      throw new WebhookConflictError(`a webhook policy named ${name} already exists in this project`);
    await this.o.store.updatePolicy(id, {
      projectId,
      name,
      description: input.description ?? old.description,
      targets: await this.targetsOf(input, old.targets),
      eventTypes: this.eventTypesOf(input),
      creator: old.creator,
      enabled: input.enabled ?? old.enabled,
      secretSealed: input.signing_secret
        ? this.o.box.encrypt(input.signing_secret, sealContext('secret'))
        : old.secretSealed,
    });
    this.onPoliciesChanged();
  }

  async remove(projectId: number, id: number): Promise<void> {
    await this.get(projectId, id);
    await this.o.store.deletePolicy(id);
    this.onPoliciesChanged();
  }

  async deliveries(projectId: number, policyId: number, slice: { offset: number; limit: number }) {
    await this.get(projectId, policyId);
    return this.o.store.deliveriesOf(policyId, slice);
  }

  async delivery(projectId: number, policyId: number, deliveryId: number): Promise<DeliveryRecord> {
    await this.get(projectId, policyId);
    const d = await this.o.store.delivery(deliveryId);
    if (!d || d.policyId !== policyId) throw new WebhookNotFoundError(`execution ${deliveryId} not found`);
    return d;
  }

  /** Sends an ended delivery again, as a new delivery of the same body to the same target (the console's Retry). */
  async redeliver(projectId: number, policyId: number, deliveryId: number): Promise<number> {
    const d = await this.delivery(projectId, policyId, deliveryId);
    if (d.status === 'Pending' || d.status === 'InProgress')
      throw new WebhookConflictError(`execution ${deliveryId} is still being delivered`);
    const id = await this.o.store.addDelivery({
      policyId,
      eventType: d.eventType,
      address: d.address,
      payloadFormat: d.payloadFormat,
      body: d.body,
    });
    await this.o.jobs.enqueue(DELIVERY_JOB, { deliveryId: id }, { maxAttempts: this.o.maxAttempts ?? 6 });
    this.o.onQueued?.();
    return id;
  }

  /**
   * The extension point: any feature (quota, retention, scans, replication)
   * reports an event of a project here. Queues one delivery per enabled
   * policy and target listening for it; returns how many.
   */
  async notify(projectId: number, event: WebhookEvent): Promise<number> {
    const policies = await this.o.store.listeners(projectId, event.type);
    let queued = 0;
    for (const policy of policies) {
      for (const target of policy.targets) {
        const { body } = payloadOf(event, target.payloadFormat, `/projects/${projectId}/webhook/policies/${policy.id}`);
        const deliveryId = await this.o.store.addDelivery({
          policyId: policy.id,
          eventType: event.type,
          address: target.address,
          payloadFormat: target.payloadFormat,
          body,
        });
        await this.o.jobs.enqueue(DELIVERY_JOB, { deliveryId }, { maxAttempts: this.o.maxAttempts ?? 6 });
        queued++;
      }
    }
    if (queued > 0) this.o.onQueued?.();
    return queued;
  }

  /** Runs one delivery job: one POST; a failure or 5xx is retried with backoff until the attempts run out. */
  async deliver(job: Job, maxAttempts = this.o.maxAttempts ?? 6): Promise<JobOutcome> {
    const { deliveryId } = job.payload as { deliveryId: number };
    const d = await this.o.store.delivery(deliveryId);
    if (!d) return undefined; // policy deleted since
    const policy = await this.o.store.policy(d.policyId);
    const target = policy?.targets.find((t) => t.address === d.address);
    if (!policy || !target) {
      await this.o.store.updateDelivery(d.id, {
        status: 'Failed',
        statusMessage: 'the policy or target was removed',
        attempts: d.attempts,
        responseCode: null,
        logLine: `${new Date().toISOString()} skipped: the policy or target was removed`,
        ended: true,
      });
      return undefined;
    }
    const result = await sendWebhook(this.o.outbound, {
      address: d.address,
      body: d.body,
      contentType: d.payloadFormat === 'CloudEvents' ? 'application/cloudevents+json' : 'application/json',
      authorization: target.authHeaderSealed ? this.o.box.decrypt(target.authHeaderSealed, sealContext('auth')) : '',
      secret: this.o.box.decrypt(policy.secretSealed, sealContext('secret')),
      skipCertVerify: target.skipCertVerify,
      eventType: d.eventType,
      deliveryId: d.id,
    });
    const attempts = d.attempts + 1;
    const last =
      result.ok || attempts >= maxAttempts || (result.status !== null && result.status < 500 && result.status !== 429);
    const status = result.ok ? 'Succeed' : last ? 'Failed' : 'InProgress';
    this.o.deliveries?.inc({ outcome: result.ok ? 'succeed' : last ? 'failed' : 'retry' });
    await this.o.store.updateDelivery(d.id, {
      status,
      statusMessage: result.message,
      attempts,
      responseCode: result.status,
      logLine: `${new Date().toISOString()} attempt ${attempts}: ${result.message}`,
      ended: status !== 'InProgress',
    });
    if (last) return undefined;
    return { retryAt: new Date(Date.now() + backoff(attempts, this.o.retryBaseMs ?? 2_000)), error: result.message };
  }

  private nameOf(input: PolicyInput): string {
    const name = (input.name ?? '').trim();
    if (!name) throw new WebhookInputError('name', 'name is required');
    if (name.length > 255) throw new WebhookInputError('name', 'name is longer than 255 characters');
    return name;
  }

  private eventTypesOf(input: PolicyInput): EventType[] {
    const types = input.event_types ?? [];
    if (types.length === 0) throw new WebhookInputError('event_types', 'event_types must name at least one event');
    for (const t of types) {
      if (!(EVENT_TYPES as readonly string[]).includes(t))
        throw new WebhookInputError('event_types', `unknown event type ${t}; known: ${EVENT_TYPES.join(', ')}`);
    }
    return [...new Set(types)] as EventType[];
  }

  private async targetsOf(input: PolicyInput, previous: StoredTarget[]): Promise<StoredTarget[]> {
    const targets = input.targets ?? [];
    if (targets.length === 0) throw new WebhookInputError('targets', 'targets must hold at least one target');
    const out = targets.map((t, i) => {
      const field = `targets[${i}]`;
      if ((t.type ?? 'http') !== 'http')
        throw new WebhookInputError(`${field}.type`, `target type ${t.type} is not supported (only http)`);
      let url: URL;
      try {
        url = new URL(t.address ?? '');
      } catch {
        throw new WebhookInputError(`${field}.address`, 'address must be an absolute http:// or https:// URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new WebhookInputError(`${field}.address`, 'address must be an absolute http:// or https:// URL');
      const format = t.payload_format || 'Default';
      if (!(PAYLOAD_FORMATS as readonly string[]).includes(format))
        throw new WebhookInputError(
          `${field}.payload_format`,
          `payload_format must be one of ${PAYLOAD_FORMATS.join(', ')}`,
        );
      const kept = previous.find((p) => p.address === url.toString())?.authHeaderSealed ?? '';
      return {
        type: 'http' as const,
        address: url.toString(),
        authHeaderSealed:
          t.auth_header === undefined
            ? kept
            : t.auth_header
              ? this.o.box.encrypt(t.auth_header, sealContext('auth'))
              : '',
        skipCertVerify: t.skip_cert_verify ?? false,
        payloadFormat: format as PayloadFormat,
      };
    });
    // Refused now rather than at every delivery; names are checked again when each delivery connects.
    for (const [i, t] of out.entries()) {
      try {
        await this.o.outbound.assertAllowed(t.address);
      } catch (err) {
        if ((err as Error).name === 'OutboundRefusedError')
          throw new WebhookInputError(`targets[${i}].address`, (err as Error).message);
      }
    }
    return out;
  }
}
