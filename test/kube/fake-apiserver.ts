/**
 * A small stand-in for the Kubernetes API server (core/v1), answering only
 * the paths Berth's Kubernetes adapter uses, with bodies shaped as in the
 * Kubernetes API reference: objects carry uid, resourceVersion and
 * creationTimestamp; failures are Status objects. Every request is recorded.
 * No real API server can run on these machines.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

// A fixed self-signed certificate for 127.0.0.1 (see fixtures/README.md):
// the client verifies it through certificate-authority-data, as with a real cluster.
const CERT = readFileSync(new URL('./fixtures/apiserver.crt', import.meta.url));
const KEY = readFileSync(new URL('./fixtures/apiserver.key', import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: API objects are free-form JSON here, as on the wire.
type Obj = Record<string, any>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType?: string;
  body?: Obj;
}

const NS_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/(secrets|pods|serviceaccounts|events)(?:\/([^/]+))?$/;

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  readonly namespaces = new Set<string>();
  /** Objects by `${kind}/${namespace}/${name}` (kind as in the URL: secrets, pods, …). */
  private readonly objects = new Map<string, Obj>();
  private readonly events: Obj[] = [];
  private version = 1000;
  /** Requests to these namespaces get 403 Forbidden, as RBAC would answer. */
  readonly forbiddenNamespaces = new Set<string>();
  private server?: Server;
  url = '';

  constructor(readonly token = 'test-token') {}

  async start(): Promise<this> {
    this.server = createServer({ cert: CERT, key: KEY }, (req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  kubeconfig(token = this.token): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${this.url}`,
      `    certificate-authority-data: ${CERT.toString('base64')}`,
      'users:',
      '- name: berth',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: fake',
      '  context:',
      '    cluster: fake',
      '    user: berth',
      'current-context: fake',
      '',
    ].join('\n');
  }

  // ------------------------------------------------------------ seeding

  addNamespace(name: string): void {
    this.namespaces.add(name);
    // Every namespace has a default service account, as in a real cluster.
    this.put('serviceaccounts', name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  }

  put(kind: 'secrets' | 'pods' | 'serviceaccounts', namespace: string, object: Obj): Obj {
    const stored = this.stamp(structuredClone(object), namespace);
    this.objects.set(`${kind}/${namespace}/${object.metadata.name}`, stored);
    return stored;
  }

  remove(kind: 'secrets' | 'pods' | 'serviceaccounts', namespace: string, name: string): void {
    this.objects.delete(`${kind}/${namespace}/${name}`);
  }

  get(kind: 'secrets' | 'pods' | 'serviceaccounts', namespace: string, name: string): Obj | undefined {
    return this.objects.get(`${kind}/${namespace}/${name}`);
  }

  addPodEvent(namespace: string, podName: string, event: { type: string; reason: string; message: string }): void {
    this.events.push({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${podName}.${(this.version++).toString(16)}`,
        namespace,
        resourceVersion: String(this.version),
      },
      involvedObject: { kind: 'Pod', namespace, name: podName, apiVersion: 'v1' },
      count: 1,
      source: { component: 'kubelet' },
      ...event,
    });
  }

  /** Write requests (POST, PUT, PATCH) recorded so far. */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  private stamp(object: Obj, namespace: string): Obj {
    object.metadata = {
      ...object.metadata,
      namespace,
      uid: object.metadata.uid ?? randomUUID(),
      resourceVersion: String(++this.version),
      creationTimestamp: object.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    return object;
  }

  // ------------------------------------------------------------ HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams };
    if (req.headers['content-type']) record.contentType = req.headers['content-type'];
    if (raw) record.body = JSON.parse(raw);
    this.requests.push(record);

    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    }
    if (record.method === 'GET' && url.pathname === '/api/v1/namespaces') {
      return send(
        res,
        200,
        list(
          'NamespaceList',
          [...this.namespaces].map((n) => this.namespaceObject(n)),
          this.version,
        ),
      );
    }
    const m = NS_PATH.exec(url.pathname);
    if (!m) return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const [, namespace, kind, name] = m as unknown as [string, string, string, string | undefined];
    if (this.forbiddenNamespaces.has(namespace)) {
      const verb =
        { GET: name ? 'get' : 'list', POST: 'create', PUT: 'update', PATCH: 'patch' }[record.method] ?? 'get';
      const message = `${kind}${name ? ` "${name}"` : ''} is forbidden: User "system:serviceaccount:berth:berth" cannot ${verb} resource "${kind}" in API group "" in the namespace "${namespace}"`;
      return send(res, 403, status(403, 'Forbidden', message, { name, kind }));
    }
    const key = `${kind}/${namespace}/${name}`;
    const existing = name ? this.objects.get(key) : undefined;
    const notFound = () => send(res, 404, status(404, 'NotFound', `${kind} "${name}" not found`, { name, kind }));

    switch (`${record.method} ${name ? 'item' : 'collection'}`) {
      case 'GET item':
        return existing ? send(res, 200, existing) : notFound();
      case 'GET collection': {
        const selector = parseFieldSelector(url.searchParams.get('fieldSelector'));
        const source =
          kind === 'events'
            ? this.events.filter((e) => e.metadata.namespace === namespace)
            : this.inNamespace(kind, namespace);
        const kindName = {
          secrets: 'SecretList',
          events: 'EventList',
          pods: 'PodList',
          serviceaccounts: 'ServiceAccountList',
        }[kind]!;
        return send(
          res,
          200,
          list(
            kindName,
            source.filter((o) => matches(o, selector)),
            this.version,
          ),
        );
      }
      case 'POST collection': {
        const body = record.body ?? {};
        if (!this.namespaces.has(namespace)) {
          return send(
            res,
            404,
            status(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' }),
          );
        }
        const newKey = `${kind}/${namespace}/${body.metadata?.name}`;
        if (this.objects.has(newKey)) {
          const n = body.metadata.name;
          return send(res, 409, status(409, 'AlreadyExists', `${kind} "${n}" already exists`, { name: n, kind }));
        }
        delete body.metadata.creationTimestamp;
        const stored = this.stamp(body, namespace);
        this.objects.set(newKey, stored);
        return send(res, 201, stored);
      }
      case 'PUT item': {
        const body = record.body ?? {};
        if (!existing) return notFound();
        const rv = body.metadata?.resourceVersion;
        if (rv !== undefined && rv !== existing.metadata.resourceVersion) return send(res, 409, conflict(kind, name!));
        if (kind === 'secrets' && (body.type ?? 'Opaque') !== (existing.type ?? 'Opaque')) {
          const message = `Secret "${name}" is invalid: type: Invalid value: "${body.type}": field is immutable`;
          return send(res, 422, status(422, 'Invalid', message, { name, kind: 'Secret' }));
        }
        body.metadata = {
          ...body.metadata,
          uid: existing.metadata.uid,
          creationTimestamp: existing.metadata.creationTimestamp,
        };
        const stored = this.stamp(body, namespace);
        this.objects.set(key, stored);
        return send(res, 200, stored);
      }
      case 'PATCH item': {
        if (!existing) return notFound();
        if (record.contentType !== 'application/merge-patch+json') {
          return send(
            res,
            415,
            status(
              415,
              'UnsupportedMediaType',
              `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json`,
            ),
          );
        }
        const rv = record.body?.metadata?.resourceVersion;
        if (rv !== undefined && rv !== existing.metadata.resourceVersion) return send(res, 409, conflict(kind, name!));
        const patched = mergePatch(structuredClone(existing), record.body ?? {});
        const stored = this.stamp(patched, namespace);
        this.objects.set(key, stored);
        return send(res, 200, stored);
      }
      default:
        return send(
          res,
          405,
          status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
        );
    }
  }

  private inNamespace(kind: string, namespace: string): Obj[] {
    const prefix = `${kind}/${namespace}/`;
    return [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
  }

  private namespaceObject(name: string): Obj {
    return {
      metadata: {
        name,
        uid: randomUUID(),
        resourceVersion: '1',
        creationTimestamp: '2026-01-01T00:00:00Z',
        labels: { 'kubernetes.io/metadata.name': name },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
  }
}

function send(res: ServerResponse, code: number, body: Obj): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(code: number, reason: string, message: string, details?: Obj): Obj {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

function conflict(kind: string, name: string): Obj {
  const message = `Operation cannot be fulfilled on ${kind} "${name}": the object has been modified; please apply your changes to the latest version and try again`;
  return status(409, 'Conflict', message, { name, kind });
}

function list(kind: string, items: Obj[], version: number): Obj {
  return { kind, apiVersion: 'v1', metadata: { resourceVersion: String(version) }, items };
}

function parseFieldSelector(selector: string | null): Array<[string, string]> {
  if (!selector) return [];
  return selector.split(',').map((term) => {
    const [k, v] = term.split(/==?/);
    return [k ?? '', v ?? ''];
  });
}

function matches(object: Obj, selector: Array<[string, string]>): boolean {
  return selector.every(
    ([path, value]) =>
      String(path.split('.').reduce<unknown>((o, k) => (o as Obj | undefined)?.[k], object) ?? '') === value,
  );
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: Obj, patch: Obj): Obj {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (typeof v === 'object' && !Array.isArray(v))
      target[k] = mergePatch(typeof target[k] === 'object' && target[k] ? target[k] : {}, v);
    else target[k] = v;
  }
  return target;
}
