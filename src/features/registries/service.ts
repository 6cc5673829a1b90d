/**
 * Upstream registries: create/list/update/delete with field-named errors,
 * secrets sealed with the SecretBox (never returned), ping, info, and the
 * client for a registry (one per record version, kept for its connections).
 */
import type { Sealer } from '../kube/secretbox.ts';
import type { AddressPolicy, PingResult, RegistryClient } from './client.ts';
import { type HttpClientOptions, HttpRegistryClient } from './http-client.ts';
import type { RegistriesStore } from './store.ts';
import {
  isRegistryType,
  normaliseUrl,
  REGISTRY_TYPES,
  RegistriesConflictError,
  RegistriesInvalidError,
  RegistriesNotFoundError,
  type RegistryEndpoint,
  type RegistryPatch,
  type RegistryRecord,
  type RegistryType,
} from './types.ts';

export interface RegistryInput {
  name?: string;
  type?: string;
  url?: string;
  description?: string;
  insecure?: boolean;
  caCertificate?: string | null;
  credentialType?: string | null;
  accessKey?: string | null;
  accessSecret?: string | null;
}

/** Something that decides, before a registry is deleted, whether it is still used (a proxy project, a policy). */
export type RegistryUseCheck = (registry: RegistryRecord) => Promise<string | null>;

export interface RegistriesOptions {
  store: RegistriesStore;
  box: Sealer;
  policy?: AddressPolicy;
  client?: Omit<HttpClientOptions, 'policy'>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const secretContext = (id: number) => `registries/${id}/secret`;

export class RegistriesService {
  private readonly clients = new Map<number, { updatedAt: string; client: HttpRegistryClient }>();
  private readonly useChecks: RegistryUseCheck[] = [];

  constructor(private readonly options: RegistriesOptions) {}

  /** Registers a check that refuses deleting a registry still in use. */
  addUseCheck(check: RegistryUseCheck): void {
    this.useChecks.push(check);
  }

  list(filter: { name?: string } = {}): Promise<RegistryRecord[]> {
    return this.options.store.list(filter);
  }

  async get(id: number): Promise<RegistryRecord> {
    const r = await this.options.store.byId(id);
    if (!r) throw new RegistriesNotFoundError(`registry ${id} not found`);
    return r;
  }

  async create(input: RegistryInput): Promise<RegistryRecord> {
    const name = input.name?.trim() ?? '';
    if (!NAME.test(name)) throw new RegistriesInvalidError('name', 'name is required: letters, digits and . _ -');
    const type = checkType(input.type ?? 'docker-registry');
    const url = normaliseUrl(input.url ?? '', type);
    const credentialType = checkCredentialType(input.credentialType, input.accessKey);
    await this.assertAddress(url);
    const created = await this.options.store.create({
      name,
      type,
      url,
      description: input.description ?? '',
      insecure: input.insecure ?? false,
      caCertificate: input.caCertificate || null,
      credentialType,
      accessKey: input.accessKey ?? '',
      accessSecretSealed: '',
      status: 'unknown',
    });
    if (!created) throw new RegistriesConflictError('name', `a registry named ${name} already exists`);
    if (!input.accessSecret) return created;
    // The id is part of the sealing context, so the secret is sealed once the row exists.
    const sealed = this.options.box.encrypt(input.accessSecret, secretContext(created.id));
    const updated = await this.options.store.update(created.id, { accessSecretSealed: sealed });
    return updated && updated !== 'conflict' ? updated : created;
  }

  async update(id: number, input: RegistryInput): Promise<RegistryRecord> {
    const current = await this.get(id);
    const patch: RegistryPatch = {};
    if (input.name !== undefined) {
      if (!NAME.test(input.name.trim())) throw new RegistriesInvalidError('name', 'name: letters, digits and . _ -');
      patch.name = input.name.trim();
    }
    if (input.type !== undefined && input.type !== current.type)
      throw new RegistriesInvalidError('type', 'the type of a registry cannot change');
    if (input.url !== undefined) {
      patch.url = normaliseUrl(input.url, current.type);
      await this.assertAddress(patch.url);
    }
    if (input.description !== undefined) patch.description = input.description;
    if (input.insecure !== undefined) patch.insecure = input.insecure;
    if (input.caCertificate !== undefined) patch.caCertificate = input.caCertificate || null;
    if (input.credentialType !== undefined || input.accessKey !== undefined) {
      patch.credentialType = checkCredentialType(
        input.credentialType === undefined ? current.credentialType : input.credentialType,
        input.accessKey ?? current.accessKey,
      );
      if (input.accessKey !== undefined && input.accessKey !== null) patch.accessKey = input.accessKey;
    }
    if (input.accessSecret !== undefined && input.accessSecret !== null)
      patch.accessSecretSealed = input.accessSecret
        ? this.options.box.encrypt(input.accessSecret, secretContext(id))
        : '';
    if (patch.credentialType === null) {
      patch.accessKey = '';
      patch.accessSecretSealed = '';
    }
    const updated = await this.options.store.update(id, patch);
    if (updated === 'conflict')
      throw new RegistriesConflictError('name', `a registry named ${patch.name} already exists`);
    if (!updated) throw new RegistriesNotFoundError(`registry ${id} not found`);
    return updated;
  }

  async delete(id: number): Promise<void> {
    const current = await this.get(id);
    for (const check of this.useChecks) {
      const reason = await check(current);
      if (reason) throw new RegistriesConflictError('id', reason);
    }
    this.forget(id);
    await this.options.store.delete(id);
  }

  /** Pings a stored registry (and records its status), or an unsaved one given in full. */
  async ping(target: { id?: number } & RegistryInput): Promise<PingResult> {
    let endpoint: RegistryEndpoint;
    let stored: RegistryRecord | null = null;
    if (target.id !== undefined) {
      stored = await this.get(target.id);
      endpoint = this.endpointOf(stored);
      // Fields given beside the id override the stored ones (the console's "test before saving").
      if (target.url) endpoint.url = normaliseUrl(target.url, stored.type);
      if (target.insecure !== undefined) endpoint.insecure = target.insecure;
      if (target.accessKey) endpoint.username = target.accessKey;
      if (target.accessSecret) endpoint.password = target.accessSecret;
    } else {
      const type = checkType(target.type ?? 'docker-registry');
      endpoint = {
        type,
        url: normaliseUrl(target.url ?? '', type),
        insecure: target.insecure ?? false,
        caCertificate: target.caCertificate ?? null,
        username: target.accessKey ?? undefined,
        password: target.accessSecret ?? undefined,
      };
    }
    await this.assertAddress(endpoint.url);
    const client = new HttpRegistryClient(endpoint, { ...this.options.client, policy: this.options.policy });
    try {
      const result = await client.ping();
      if (stored) await this.options.store.update(stored.id, { status: result.ok ? 'healthy' : 'unhealthy' });
      return result;
    } finally {
      client.close();
    }
  }

  /** The client of a stored registry, reused while the record is unchanged. */
  async client(id: number): Promise<RegistryClient> {
    return this.clientOf(await this.get(id));
  }

  clientOf(record: RegistryRecord): RegistryClient {
    const cached = this.clients.get(record.id);
    if (cached && cached.updatedAt === record.updatedAt) return cached.client;
    cached?.client.close();
    const client = new HttpRegistryClient(this.endpointOf(record), {
      ...this.options.client,
      policy: this.options.policy,
    });
    this.clients.set(record.id, { updatedAt: record.updatedAt, client });
    return client;
  }

  /** The endpoint with the secret unsealed (for the client only). */
  endpointOf(r: RegistryRecord): RegistryEndpoint {
    return {
      type: r.type,
      url: r.url,
      insecure: r.insecure,
      caCertificate: r.caCertificate,
      username: r.credentialType ? r.accessKey : undefined,
      password:
        r.credentialType && r.accessSecretSealed
          ? this.options.box.decrypt(r.accessSecretSealed, secretContext(r.id))
          : undefined,
    };
  }

  /** Harbor's registry info: what this adapter can do. */
  async info(id: number) {
    const r = await this.get(id);
    return {
      type: r.type,
      description: r.description,
      supported_resource_filters: [
        { type: 'name', style: 'input' },
        { type: 'tag', style: 'input' },
      ],
      supported_triggers: ['manual', 'scheduled', 'event_based'],
      supported_copy_by_chunk: true,
    };
  }

  adapters(): readonly RegistryType[] {
    return REGISTRY_TYPES;
  }

  close(): void {
    for (const { client } of this.clients.values()) client.close();
    this.clients.clear();
  }

  private forget(id: number): void {
    this.clients.get(id)?.client.close();
    this.clients.delete(id);
  }

  private async assertAddress(url: string): Promise<void> {
    try {
      await this.options.policy?.assertAllowed(url);
    } catch (err) {
      throw new RegistriesInvalidError('url', (err as Error).message);
    }
  }
}

function checkType(type: string): RegistryType {
  if (!isRegistryType(type))
    throw new RegistriesInvalidError('type', `type must be one of ${REGISTRY_TYPES.join(', ')}`);
  return type;
}

function checkCredentialType(type: string | null | undefined, accessKey: string | null | undefined): 'basic' | null {
  if (type === undefined || type === null || type === '') return accessKey ? 'basic' : null;
  if (type !== 'basic') throw new RegistriesInvalidError('credential.type', 'credential.type must be "basic"');
  return 'basic';
}
