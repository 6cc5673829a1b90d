/**
 * Pull diagnosis: why can't this pod (or this image, in this namespace, for
 * this service account) pull? Each cause has its own code and a message that
 * says what to do. The checks follow the kubelet's order: which pull secrets
 * apply, then the registry (reachable, credentials, repository, manifest).
 */
import type { OutboundPolicy } from '../../core/outbound.ts';
import type { KubeCluster, Pod, Secret } from './cluster.ts';
import { credentialsIn, DOCKER_CFG_TYPE, keyHost, keyMatches, type RegistryCredential } from './dockerconfig.ts';
import { formatImageRef, type ImageRef, ImageRefError, manifestReference, parseImageRef } from './imageref.ts';
import { DOCKER_CONFIG_JSON_TYPE, pullSecretObject } from './pullsecret.ts';
import { RateLimitedError, RegistrySession, UnreachableError } from './registry-probe.ts';

export type DiagnosisCode =
  | 'PULLABLE'
  | 'INVALID_IMAGE_REFERENCE'
  | 'REGISTRY_UNREACHABLE'
  | 'NO_PULL_SECRET'
  | 'SECRET_NOT_REFERENCED'
  | 'WRONG_CREDENTIALS'
  | 'ACCESS_DENIED'
  | 'WRONG_CASE'
  | 'REPOSITORY_NOT_FOUND'
  | 'MANIFEST_NOT_FOUND'
  | 'RATE_LIMITED'
  | 'PLATFORM_NOT_FOUND';

export interface ImageDiagnosis {
  image: string;
  container?: string;
  code: DiagnosisCode;
  /** True only for PULLABLE. */
  ok: boolean;
  message: string;
  /** The repository (or tag) that differs only by case, for WRONG_CASE and MANIFEST_NOT_FOUND. */
  suggestion?: string;
  /** Pull secrets that were tried, by name. */
  secretsTried: string[];
  /** What the kubelet reports for this container, when it is waiting. */
  kubeletReason?: string;
  /** RATE_LIMITED: the registry's Retry-After, as sent. */
  retryAfter?: string;
  /** PLATFORM_NOT_FOUND: the platforms the index offers. */
  platforms?: string[];
}

export interface PodDiagnosis {
  namespace: string;
  pod: string;
  serviceAccount: string;
  images: ImageDiagnosis[];
  /** Warning events of the pod, newest reasons as the cluster reports them. */
  events: string[];
}

export interface DiagnoseOptions {
  /** Per registry request. */
  timeoutMs?: number;
  /** Scheme for a registry host when the pull secret does not name one. */
  schemeFor?: (host: string) => 'http' | 'https';
  /** Where registry probes may connect; default: the strict policy. */
  outbound?: OutboundPolicy;
  /** The node's platform (`os/arch[/variant]`) an index must offer; default linux/amd64. */
  platform?: string;
  /** Extra headers for a registry request carrying these credentials (Authorization value). */
  probeHeaders?: (authorization: string) => Record<string, string>;
}

export const DEFAULT_PLATFORM = 'linux/amd64';

export class PodNotFoundError extends Error {}

const PULL_SECRET_TYPES = [DOCKER_CONFIG_JSON_TYPE, DOCKER_CFG_TYPE];

export async function diagnosePod(
  cluster: KubeCluster,
  namespace: string,
  podName: string,
  options: DiagnoseOptions = {},
): Promise<PodDiagnosis> {
  const pod = await cluster.getPod(namespace, podName);
  if (!pod) throw new PodNotFoundError(`pod "${podName}" not found in namespace "${namespace}"`);
  const serviceAccount = pod.spec.serviceAccountName || 'default';
  const podSecrets = (pod.spec.imagePullSecrets ?? []).map((r) => r.name);
  const context = await pullContext(cluster, namespace, serviceAccount, podSecrets);
  const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const images: ImageDiagnosis[] = [];
  for (const c of containers) {
    const result = await diagnoseWithContext(context, c.image, options);
    const reason = waitingReason(pod, c.name);
    images.push({ ...result, container: c.name, ...(reason ? { kubeletReason: reason } : {}) });
  }
  const events = (await cluster.listPodEvents(namespace, podName))
    .filter((e) => e.type === 'Warning')
    .map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
  return { namespace, pod: podName, serviceAccount, images, events };
}

export async function diagnoseImage(
  cluster: KubeCluster,
  input: { namespace: string; image: string; serviceAccount?: string },
  options: DiagnoseOptions = {},
): Promise<ImageDiagnosis> {
  const context = await pullContext(cluster, input.namespace, input.serviceAccount || 'default', []);
  return diagnoseWithContext(context, input.image, options);
}

/**
 * Diagnosis from a registry connection alone (no cluster yet): would a node
 * holding exactly this connection's pull secret pull `image`?
 */
export async function diagnoseWithCredentials(
  input: { image: string; server: string; username: string; password: string },
  options: DiagnoseOptions = {},
): Promise<ImageDiagnosis> {
  const name = 'connection-pull';
  const secret = pullSecretObject({ name, server: input.server, username: input.username, password: input.password });
  const context: PullContext = {
    namespace: '(no cluster)',
    serviceAccount: 'default',
    serviceAccountFound: true,
    referenced: [name],
    secrets: new Map([[name, secret as unknown as Secret]]),
  };
  return diagnoseWithContext(context, input.image, options);
}

// ------------------------------------------------------------------ internals

interface PullContext {
  namespace: string;
  serviceAccount: string;
  serviceAccountFound: boolean;
  /** Secret names the pod and its service account refer to, in kubelet order. */
  referenced: string[];
  /** Pull secrets present in the namespace, by name. */
  secrets: Map<string, Secret>;
}

async function pullContext(
  cluster: KubeCluster,
  namespace: string,
  serviceAccount: string,
  podSecrets: string[],
): Promise<PullContext> {
  const sa = await cluster.getServiceAccount(namespace, serviceAccount);
  const referenced = [...new Set([...podSecrets, ...(sa?.imagePullSecrets ?? []).map((r) => r.name)])];
  const secrets = new Map<string, Secret>();
  for (const type of PULL_SECRET_TYPES) {
    for (const s of await cluster.listSecrets(namespace, type)) secrets.set(s.metadata.name, s);
  }
  return { namespace, serviceAccount, serviceAccountFound: sa !== null, referenced, secrets };
}

function matchingCredentials(secrets: Iterable<Secret>, ref: ImageRef): RegistryCredential[] {
  return [...secrets].flatMap(credentialsIn).filter((c) => keyMatches(c.key, ref.host, ref.repository));
}

async function diagnoseWithContext(ctx: PullContext, image: string, options: DiagnoseOptions): Promise<ImageDiagnosis> {
  let ref: ImageRef;
  try {
    ref = parseImageRef(image);
  } catch (e) {
    const message = e instanceof ImageRefError ? e.message : String(e);
    return result(image, 'INVALID_IMAGE_REFERENCE', `${message}; the kubelet reports InvalidImageName`, []);
  }
  const referencedSecrets = ctx.referenced.map((n) => ctx.secrets.get(n)).filter((s): s is Secret => s !== undefined);
  const candidates = matchingCredentials(referencedSecrets, ref);
  const tried = [...new Set(candidates.map((c) => c.secretName))];
  const scheme = candidates[0]?.scheme ?? options.schemeFor?.(ref.host) ?? defaultScheme(ref.host);
  const probe = {
    scheme,
    timeoutMs: options.timeoutMs ?? 5000,
    outbound: options.outbound,
    headers: options.probeHeaders,
  };
  const platform = options.platform || DEFAULT_PLATFORM;
  const scope = `repository:${ref.repository}:pull`;

  try {
    // 1. Reachability first: nothing else can be checked without it.
    const anonymous = new RegistrySession(ref.host, undefined, probe);
    await anonymous.ping();

    // 2. No applicable secret: fine if the image is public, else say which secret is missing.
    if (candidates.length === 0) {
      const status = await anonymous.headManifest(ref.repository, manifestReference(ref));
      if (status === 401 || status === 403) return missingSecret(ctx, ref, image);
      return whenFound(anonymous, ref, image, status, [], 'anonymously', platform);
    }

    // 3. Credentials: the kubelet tries each applicable one; so do we.
    const refusals: string[] = [];
    for (const cred of candidates) {
      const session = new RegistrySession(ref.host, cred, { ...probe, scheme: cred.scheme ?? scheme });
      const auth = await session.authenticate(scope);
      if (!auth.ok) {
        // A token endpoint may refuse a scope whose name breaks the grammar (capitals, as Berth's does):
        // that is the name's fault, not the password's, when the lower-case name is accepted.
        const lower = ref.repository.toLowerCase();
        if (auth.status === 400 && lower !== ref.repository) {
          const named = await session.authenticate(`repository:${lower}:pull`);
          if (named.ok) return lowerCaseName(session, image, ref, lower, tried);
        }
        refusals.push(`secret "${cred.secretName}" (user "${cred.username}"): ${auth.message}`);
        continue;
      }
      const status = await session.headManifest(ref.repository, manifestReference(ref));
      if (status === 401 || status === 403) {
        // Registries hide repositories the user may not read: look for a case mix-up before blaming access.
        const caseHint = await caseVariant(session, ref);
        if (caseHint) return wrongCase(image, ref, caseHint, tried);
        return result(
          image,
          'ACCESS_DENIED',
          `the credentials in secret "${cred.secretName}" are valid, but ${ref.host} refuses to let user "${cred.username}" pull ${ref.repository} (HTTP ${status}); grant it pull access to the repository's project, or it may not exist`,
          tried,
        );
      }
      return whenFound(session, ref, image, status, tried, `with secret "${cred.secretName}"`, platform);
    }
    return result(
      image,
      'WRONG_CREDENTIALS',
      `${ref.host} rejected every pull secret that applies to it: ${refusals.join('; ')}. Update the secret with a valid username and password (or token)`,
      tried,
    );
  } catch (e) {
    if (e instanceof RateLimitedError) {
      // Not the credentials' fault, nor a missing API: the kubelet would back off the same way.
      return {
        ...result(
          image,
          'RATE_LIMITED',
          `rate limited: ${e.message}. Pulls fail until the limit resets; a mirror or pull-through cache of ${ref.host} avoids it`,
          tried,
        ),
        ...(e.retryAfter ? { retryAfter: e.retryAfter } : {}),
      };
    }
    if (e instanceof UnreachableError) {
      return result(image, 'REGISTRY_UNREACHABLE', `registry ${ref.host} is unreachable: ${e.message}`, tried);
    }
    throw e;
  }
}

async function whenFound(
  session: RegistrySession,
  ref: ImageRef,
  image: string,
  status: number,
  tried: string[],
  how: string,
  platform: string,
): Promise<ImageDiagnosis> {
  if (status >= 200 && status < 300) {
    const offered = await session.platforms(ref.repository, manifestReference(ref));
    if (offered && !offered.some((p) => samePlatform(p, platform))) {
      return {
        ...result(
          image,
          'PLATFORM_NOT_FOUND',
          `no image for ${platform}: ${formatImageRef(ref)} is an index offering ${offered.length ? offered.join(', ') : 'no platform'}; the kubelet on a ${platform} node fails with "no matching manifest". Push a ${platform} image into the index, or schedule the pod on a node of one of these platforms`,
          tried,
        ),
        platforms: offered,
      };
    }
    return result(
      image,
      'PULLABLE',
      `${formatImageRef(ref)} can be pulled ${how}; if the pod still fails, read its events`,
      tried,
    );
  }
  if (status !== 404 && status !== 400) {
    return result(
      image,
      'REGISTRY_UNREACHABLE',
      `${ref.host} answered HTTP ${status} for the manifest of ${ref.repository}`,
      tried,
    );
  }
  // 404 (or 400 NAME_INVALID for a name with capitals): the repository or the tag.
  const tags = await session.tags(ref.repository);
  if (tags !== null) {
    if (ref.digest) {
      return result(image, 'MANIFEST_NOT_FOUND', `${ref.repository} has no manifest ${ref.digest}`, tried);
    }
    const sameButCase = tags.find((t) => t.toLowerCase() === ref.tag!.toLowerCase() && t !== ref.tag);
    const r = result(
      image,
      'MANIFEST_NOT_FOUND',
      `repository ${ref.repository} exists but has no tag "${ref.tag}"${sameButCase ? `; did you mean "${sameButCase}"? (tags are case-sensitive)` : ''}`,
      tried,
    );
    return sameButCase ? { ...r, suggestion: `${ref.host}/${ref.repository}:${sameButCase}` } : r;
  }
  const variant = await caseVariant(session, ref);
  if (variant) return wrongCase(image, ref, variant, tried);
  return result(image, 'REPOSITORY_NOT_FOUND', `repository ${ref.repository} does not exist on ${ref.host}`, tried);
}

/** The registry refused a name with capitals: WRONG_CASE when its lower-case twin exists. */
async function lowerCaseName(
  session: RegistrySession,
  image: string,
  ref: ImageRef,
  lower: string,
  tried: string[],
): Promise<ImageDiagnosis> {
  if ((await session.tags(lower)) !== null) return wrongCase(image, ref, lower, tried);
  return result(
    image,
    'REPOSITORY_NOT_FOUND',
    `${ref.host} refuses the repository name "${ref.repository}" (names are lower case), and ${lower} does not exist either`,
    tried,
  );
}

/** A catalog entry equal to the repository except for letter case. */
async function caseVariant(session: RegistrySession, ref: ImageRef): Promise<string | undefined> {
  const catalog = await session.catalog();
  const wanted = ref.repository.toLowerCase();
  return catalog?.find((name) => name.toLowerCase() === wanted && name !== ref.repository);
}

function wrongCase(image: string, ref: ImageRef, variant: string, tried: string[]): ImageDiagnosis {
  const suggestion = formatImageRef({ ...ref, repository: variant });
  return {
    ...result(
      image,
      'WRONG_CASE',
      `repository "${ref.repository}" does not exist, but "${variant}" does (repository names are case-sensitive and lower-case in OCI); use ${suggestion}`,
      tried,
    ),
    suggestion,
  };
}

function missingSecret(ctx: PullContext, ref: ImageRef, image: string): ImageDiagnosis {
  const unreferenced = [...ctx.secrets.values()].filter(
    (s) => !ctx.referenced.includes(s.metadata.name) && matchingCredentials([s], ref).length > 0,
  );
  if (unreferenced.length > 0) {
    const name = unreferenced[0]!.metadata.name;
    return result(
      image,
      'SECRET_NOT_REFERENCED',
      `${ref.host} needs credentials; secret "${name}" in namespace "${ctx.namespace}" has them, but neither the pod nor service account "${ctx.serviceAccount}" refers to it. Add it to the pod's imagePullSecrets or to the service account's`,
      [],
    );
  }
  const dangling = ctx.referenced.filter((n) => !ctx.secrets.has(n));
  const otherHosts = ctx.referenced.filter((n) => ctx.secrets.has(n));
  const details = [
    dangling.length
      ? `referenced secret(s) ${dangling.map((n) => `"${n}"`).join(', ')} do not exist or are not pull secrets`
      : '',
    otherHosts.length
      ? `referenced secret(s) ${otherHosts
          .map(
            (n) =>
              `"${n}" (${credentialsIn(ctx.secrets.get(n)!)
                .map((c) => keyHost(c.key))
                .join(', ')})`,
          )
          .join(', ')} are for other registries`
      : '',
    ctx.serviceAccountFound ? '' : `service account "${ctx.serviceAccount}" does not exist`,
  ].filter(Boolean);
  return result(
    image,
    'NO_PULL_SECRET',
    `${ref.host} needs credentials and namespace "${ctx.namespace}" has no pull secret for it${details.length ? ` (${details.join('; ')})` : ''}. Create one (e.g. with Berth's secret sync) and reference it`,
    [],
  );
}

/** `linux/arm64/v8` offers `linux/arm64`; a wanted variant must match exactly. */
function samePlatform(offered: string, wanted: string): boolean {
  const [os, arch, variant] = offered.toLowerCase().split('/');
  const [wOs, wArch, wVariant] = wanted.toLowerCase().split('/');
  return os === wOs && arch === wArch && (wVariant === undefined || variant === wVariant);
}

function result(image: string, code: DiagnosisCode, message: string, secretsTried: string[]): ImageDiagnosis {
  return { image, code, ok: code === 'PULLABLE', message, secretsTried };
}

function waitingReason(pod: Pod, container: string): string | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.find((s) => s.name === container)?.state?.waiting?.reason;
}

/** Runtimes treat loopback registries as plain HTTP by default; everything else as HTTPS. */
function defaultScheme(host: string): 'http' | 'https' {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name.startsWith('127.') || name === '::1' ? 'http' : 'https';
}
