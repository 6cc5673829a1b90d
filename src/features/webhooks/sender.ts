/**
 * Sends one webhook POST. The address is checked against the outbound
 * policy before connecting and again at connect time (the lookup refuses
 * names that resolve to loopback, link-local or metadata addresses).
 */
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

/** The part of src/core/outbound.ts (issue 14) used here. */
export interface OutboundGuard {
  assertAllowed(url: string | URL): Promise<void>;
  lookup?: LookupFunction;
}

/** The signature header: `sha256=` and the hex HMAC-SHA256 of the body under the policy's secret. */
export const SIGNATURE_HEADER = 'x-berth-signature';

export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface SendRequest {
  address: string;
  body: string;
  contentType: string;
  authorization: string;
  secret: string;
  skipCertVerify: boolean;
  eventType: string;
  deliveryId: number;
  timeoutMs?: number;
}

export interface SendResult {
  /** The HTTP status, or null when no response came. */
  status: number | null;
  ok: boolean;
  message: string;
}

export async function sendWebhook(outbound: OutboundGuard, req: SendRequest): Promise<SendResult> {
  const url = new URL(req.address);
  try {
    await outbound.assertAllowed(url);
  } catch (err) {
    return { status: null, ok: false, message: (err as Error).message };
  }
  const headers: Record<string, string> = {
    'content-type': req.contentType,
    'content-length': String(Buffer.byteLength(req.body)),
    'user-agent': 'berth-webhook/1',
    'x-berth-event': req.eventType,
    'x-berth-delivery': String(req.deliveryId),
    [SIGNATURE_HEADER]: signatureOf(req.secret, req.body),
  };
  if (req.authorization) headers.authorization = req.authorization;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    const r = send(
      url,
      {
        method: 'POST',
        headers,
        lookup: outbound.lookup,
        rejectUnauthorized: !req.skipCertVerify,
        timeout: req.timeoutMs ?? 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (text.length < 500) text += String(c);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          resolve({ status, ok, message: ok ? `HTTP ${status}` : `HTTP ${status}: ${text.slice(0, 200)}` });
        });
        res.on('error', (err) => resolve({ status: res.statusCode ?? null, ok: false, message: err.message }));
      },
    );
    r.on('timeout', () => r.destroy(new Error('timed out')));
    r.on('error', (err) => resolve({ status: null, ok: false, message: err.message }));
    r.end(req.body);
  });
}
