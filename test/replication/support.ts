/** Shared helpers of the replication tests: the management API of the source Berth, waits, a target client. */
import assert from 'node:assert/strict';
import { HttpRegistryClient } from '../../src/features/registries/http-client.ts';
import type { RunningBerth } from '../support/inprocess.ts';

export const PASSWORD = 'Target-Secret-123';

export interface Reply {
  status: number;
  text: string;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test JSON
  json: any;
}

export function apiOf(berth: () => RunningBerth) {
  return async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const res = await fetch(`${berth().url}/api/v2.0${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : null;
    return { status: res.status, text, headers: res.headers, json };
  };
}

export const idOf = (reply: Reply) => Number((reply.headers.get('location') ?? '').split('/').pop());

export async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until an execution is no longer InProgress; returns it. */
export async function finished(api: ReturnType<typeof apiOf>, executionId: number, ms = 60_000) {
  return until(
    `execution ${executionId}`,
    async () => {
      const e = await api('GET', `/replication/executions/${executionId}`);
      assert.equal(e.status, 200, e.text);
      return e.json.status === 'InProgress' ? null : e.json;
    },
    ms,
  );
}

export function targetClient(url: string, auth = false): HttpRegistryClient {
  return new HttpRegistryClient({
    type: 'docker-registry',
    url,
    insecure: false,
    ...(auth ? { username: 'admin', password: PASSWORD } : {}),
  });
}
