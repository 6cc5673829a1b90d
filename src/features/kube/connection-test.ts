/**
 * "Test connection" for a registry connection: is it reachable, does it speak
 * the registry API, are the credentials accepted, and (given a repository)
 * can they pull from it. Each step says what it found; later steps are
 * skipped once one fails.
 */
import type { OutboundPolicy } from '../../core/outbound.ts';
import { addressUrl, type RegistryConnection } from './connections.ts';
import { NotARegistryError, RateLimitedError, RegistrySession, UnreachableError } from './registry-probe.ts';

export type CheckStep = 'reachable' | 'registry-api' | 'credentials' | 'pull';

export interface ConnectionCheck {
  step: CheckStep;
  ok: boolean;
  message: string;
}

export interface ConnectionTestResult {
  ok: boolean;
  checks: ConnectionCheck[];
}

export interface ConnectionTestOptions {
  /** A repository the credentials should be able to pull, e.g. `team/app`. */
  repository?: string;
  /** A tag or digest in it; without one, listing its tags is the pull check. */
  reference?: string;
  timeoutMs?: number;
  /** Where the test may connect; default: the strict policy. */
  outbound?: OutboundPolicy;
}

export async function testConnection(
  connection: RegistryConnection,
  options: ConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  const url = addressUrl(connection.address);
  const scheme = url.protocol === 'http:' ? 'http' : 'https';
  const session = new RegistrySession(
    url.host,
    { username: connection.username, password: connection.password },
    { scheme, timeoutMs: options.timeoutMs ?? 5000, outbound: options.outbound },
  );
  const checks: ConnectionCheck[] = [];
  const done = () => ({ ok: checks.every((c) => c.ok), checks });

  try {
    await session.ping();
    checks.push({ step: 'reachable', ok: true, message: `${session.base} answered` });
    checks.push({ step: 'registry-api', ok: true, message: `${session.base}/v2/ speaks the registry API` });
  } catch (e) {
    if (e instanceof RateLimitedError) {
      // It answered, as a registry that is limiting us: not "not a registry API".
      checks.push({ step: 'reachable', ok: true, message: `${session.base} answered` });
      checks.push({ step: 'registry-api', ok: false, message: `rate limited: ${e.message}` });
      return done();
    }
    if (e instanceof NotARegistryError) {
      checks.push({ step: 'reachable', ok: true, message: `${session.base} answered` });
      checks.push({ step: 'registry-api', ok: false, message: e.message });
      return done();
    }
    if (e instanceof UnreachableError) {
      checks.push({ step: 'reachable', ok: false, message: e.message });
      return done();
    }
    throw e;
  }

  const scope = options.repository ? `repository:${options.repository}:pull` : 'registry:catalog:*';
  const auth = await session.authenticate(scope).catch(unreachable);
  if (!auth.ok) {
    checks.push({ step: 'credentials', ok: false, message: auth.message });
    return done();
  }
  checks.push({ step: 'credentials', ok: true, message: `user "${connection.username}" is accepted` });

  if (!options.repository) return done();
  const pull = await pullCheck(session, options.repository, options.reference).catch((e) => ({
    ok: false,
    message: unreachable(e).message,
  }));
  checks.push({ step: 'pull', ...pull });
  return done();
}

async function pullCheck(
  session: RegistrySession,
  repository: string,
  reference?: string,
): Promise<{ ok: boolean; message: string }> {
  if (reference) {
    const status = await session.headManifest(repository, reference);
    if (status === 200) return { ok: true, message: `${repository}:${reference} can be pulled` };
    if (status === 404) return { ok: false, message: `${repository} has no manifest "${reference}" (HTTP 404)` };
    return { ok: false, message: `pulling ${repository}:${reference} is refused (HTTP ${status})` };
  }
  const tags = await session.tags(repository);
  return tags === null
    ? { ok: false, message: `${repository} does not exist or may not be pulled with these credentials` }
    : { ok: true, message: `${repository} can be pulled (${tags.length} tags)` };
}

function unreachable(e: unknown): { ok: false; message: string } {
  if (e instanceof UnreachableError) return { ok: false, message: e.message };
  if (e instanceof RateLimitedError) return { ok: false, message: `rate limited: ${e.message}` };
  throw e;
}
