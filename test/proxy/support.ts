/** Shared set-up of the proxy-cache tests: a Berth in this process and API helpers. */
import assert from 'node:assert/strict';
import type { RunningBerth } from '../support/inprocess.ts';

export function apiOf(berth: RunningBerth) {
  return (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${berth.url}/api/v2.0${path}`, {
      method: init.method ?? 'GET',
      ...(init.body !== undefined
        ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
}

export async function createRegistry(berth: RunningBerth, body: Record<string, unknown>): Promise<number> {
  const res = await apiOf(berth)('/registries', { method: 'POST', body });
  assert.equal(res.status, 201, await res.text());
  return Number(res.headers.get('location')?.split('/').pop());
}

export async function createProject(berth: RunningBerth, body: Record<string, unknown>): Promise<void> {
  const res = await apiOf(berth)('/projects', { method: 'POST', body: { metadata: { public: 'true' }, ...body } });
  assert.equal(res.status, 201, await res.text());
}

/** The value of a Prometheus counter (summed over series matching `labels`). */
export async function metric(berth: RunningBerth, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${berth.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * Polls `check` until it returns true (a client has a blob's last byte once it is verified; the store's commit
 * may follow a moment later).
 */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
