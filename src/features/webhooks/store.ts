/** The webhooks feature's storage port; the Kysely adapter is src/adapters/metadata/webhooks-store.ts. */

export type PayloadFormat = 'Default' | 'CloudEvents';

export interface StoredTarget {
  type: 'http';
  address: string;
  /** The Authorization header value, sealed; '' when none. */
  authHeaderSealed: string;
  skipCertVerify: boolean;
  payloadFormat: PayloadFormat;
}

export interface WebhookPolicyRecord {
  id: number;
  projectId: number;
  name: string;
  description: string;
  targets: StoredTarget[];
  eventTypes: string[];
  creator: string;
  enabled: boolean;
  /** The HMAC key of the signature header, sealed. */
  secretSealed: string;
  createdAt: string;
  updatedAt: string;
}

export type NewWebhookPolicy = Omit<WebhookPolicyRecord, 'id' | 'createdAt' | 'updatedAt'>;

export type DeliveryStatus = 'Pending' | 'InProgress' | 'Succeed' | 'Failed';

/** One event sent to one target: Harbor's execution (and its single task). */
export interface DeliveryRecord {
  id: number;
  policyId: number;
  eventType: string;
  address: string;
  payloadFormat: PayloadFormat;
  /** The exact body sent (signed as is). */
  body: string;
  status: DeliveryStatus;
  statusMessage: string;
  attempts: number;
  responseCode: number | null;
  /** One line per attempt: time, outcome. */
  log: string;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export type NewDelivery = Pick<DeliveryRecord, 'policyId' | 'eventType' | 'address' | 'payloadFormat' | 'body'>;

export interface DeliveryUpdate {
  status: DeliveryStatus;
  statusMessage: string;
  attempts: number;
  responseCode: number | null;
  logLine: string;
  ended: boolean;
}

export interface WebhookStore {
  createPolicy(p: NewWebhookPolicy): Promise<number>;
  updatePolicy(id: number, p: NewWebhookPolicy): Promise<void>;
  deletePolicy(id: number): Promise<void>;
  policy(id: number): Promise<WebhookPolicyRecord | null>;
  policyByName(projectId: number, name: string): Promise<WebhookPolicyRecord | null>;
  policiesOf(projectId: number): Promise<WebhookPolicyRecord[]>;
  /** Enabled policies of a project listening for `eventType`. */
  listeners(projectId: number, eventType: string): Promise<WebhookPolicyRecord[]>;
  addDelivery(d: NewDelivery): Promise<number>;
  delivery(id: number): Promise<DeliveryRecord | null>;
  updateDelivery(id: number, u: DeliveryUpdate): Promise<void>;
  deliveriesOf(
    policyId: number,
    slice: { offset: number; limit: number },
  ): Promise<{ total: number; items: DeliveryRecord[] }>;
}
