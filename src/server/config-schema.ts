/**
 * The configuration's shape, declared once. Each setting is one line here:
 * its type, default, environment variable, whether it is a secret, and what
 * it does. From this schema come the defaults, the environment overrides, the
 * allowed values, the checks of `berth config check`, the masking of
 * `berth config show`, and docs/config.md (`npm run config-docs`). Adding a
 * setting is adding a line: `key: setting(Type.X({ default, env, description }))`.
 */
import { type Static, type TSchema, Type } from 'typebox';

/** What a leaf may carry besides JSON Schema's own keywords. */
export type SettingOptions = {
  /** The BERTH_* variable that sets it. */
  env?: string;
  /** Masked by `berth config show`. */
  secret?: boolean;
  description: string;
  [keyword: string]: unknown;
};

const text = (o: SettingOptions & { default?: string }) => Type.String(o);
const maybeText = (o: SettingOptions) => Type.Optional(Type.String(o));
const int = (o: SettingOptions & { default: number; minimum?: number; maximum?: number }) => Type.Integer(o);
const flag = (o: SettingOptions & { default: boolean }) => Type.Boolean(o);
const oneOf = <const T extends string[]>(values: T, o: SettingOptions & { default: T[number] }) =>
  Type.Unsafe<T[number]>(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      o,
    ),
  );

export const ConfigSchema = Type.Object({
  server: Type.Object({
    host: text({ default: '0.0.0.0', env: 'BERTH_HOST', description: 'address to listen on' }),
    port: int({ default: 5000, minimum: 0, maximum: 65535, env: 'BERTH_PORT', description: 'port to listen on' }),
    headers_timeout: int({
      default: 30,
      minimum: 1,
      env: 'BERTH_HEADERS_TIMEOUT',
      description: "seconds a client has to send a request's headers (slowloris), then 408",
    }),
    idle_timeout: int({
      default: 120,
      minimum: 1,
      env: 'BERTH_IDLE_TIMEOUT',
      description: 'seconds of no bytes either way on a connection (a stalled upload or download), then it is closed',
    }),
    request_timeout: int({
      default: 21_600,
      minimum: 0,
      env: 'BERTH_REQUEST_TIMEOUT',
      description: 'upper bound on one request in seconds, generous for large layers on slow links; 0: none',
    }),
    shutdown_timeout: int({
      default: 25,
      minimum: 1,
      env: 'BERTH_SHUTDOWN_TIMEOUT',
      description: 'seconds SIGTERM waits for requests in flight before closing their connections',
    }),
    trusted_proxies: text({
      default: '',
      env: 'BERTH_TRUSTED_PROXIES',
      description: 'reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma-separated)',
    }),
  }),
  outbound: Type.Object({
    allow: text({
      default: '',
      env: 'BERTH_OUTBOUND_ALLOW',
      description:
        'CIDRs or host names the server may connect to for users despite the loopback/link-local/metadata rule (e.g. 127.0.0.0/8)',
    }),
  }),
  proxy: Type.Object({
    tag_ttl: int({
      default: 60,
      minimum: 0,
      env: 'BERTH_PROXY_TAG_TTL',
      description: 'seconds before a cached tag of a proxy cache is re-checked upstream with a HEAD',
    }),
    negative_ttl: int({
      default: 30,
      minimum: 0,
      env: 'BERTH_PROXY_NEGATIVE_TTL',
      description: 'seconds an upstream 404 is remembered',
    }),
    mirrors: text({
      default: '',
      env: 'BERTH_PROXY_MIRRORS',
      description: 'mirror mode: ns host to project, comma-separated (docker.io=dockerhub,ghcr.io=ghcr)',
    }),
    expire_days: int({
      default: 7,
      minimum: 0,
      env: 'BERTH_PROXY_EXPIRE_DAYS',
      description: 'days without a pull after which a cached image is dropped; 0: never',
    }),
  }),
  scan: Type.Object({
    on_push: flag({
      default: false,
      env: 'BERTH_SCAN_ON_PUSH',
      description: "scan every pushed image (projects can also ask for it with Harbor's auto_scan)",
    }),
    rescan_days: int({
      default: 7,
      minimum: 0,
      env: 'BERTH_SCAN_RESCAN_DAYS',
      description:
        'after a newer vulnerability database is imported, rescan images pulled within this many days; 0: never',
    }),
    registry_url: maybeText({
      env: 'BERTH_SCAN_REGISTRY_URL',
      description:
        "the address external scanners pull images from (Berth's own, as they reach it); default: the address Berth listens on",
    }),
  }),
  tls: Type.Object({
    cert: maybeText({
      env: 'BERTH_TLS_CERT',
      description: 'serve HTTPS and HTTP/2 (HTTP/1.1 by ALPN) with this PEM certificate chain; reread on SIGHUP',
    }),
    key: maybeText({ env: 'BERTH_TLS_KEY', description: 'the PEM private key of tls.cert' }),
  }),
  limits: Type.Object({
    max_connections: int({
      default: 1024,
      minimum: 0,
      env: 'BERTH_MAX_CONNECTIONS',
      description: 'connections held at once, more are closed on accept; 0: no limit',
    }),
    requests_per_second: int({
      default: 0,
      minimum: 0,
      env: 'BERTH_RATE_LIMIT',
      description: 'requests a second per client address (token bucket), then 429; 0: unlimited',
    }),
    request_burst: int({
      default: 0,
      minimum: 0,
      env: 'BERTH_RATE_BURST',
      description: 'requests a client may send at once above the rate; 0: the rate itself',
    }),
    max_concurrent_uploads: int({
      default: 64,
      minimum: 0,
      env: 'BERTH_MAX_UPLOADS',
      description: 'blob upload requests sending bodies at once, more get 429; 0: no limit',
    }),
  }),
  data_dir: text({
    default: 'data',
    env: 'BERTH_DATA',
    description: 'default home of the filesystem storage, the SQLite database and the keys',
  }),
  log: Type.Object({
    level: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      default: 'info',
      env: 'BERTH_LOG_LEVEL',
      description: 'log level',
    }),
  }),
  storage: Type.Object({
    driver: oneOf(['filesystem', 's3'], {
      default: 'filesystem',
      env: 'BERTH_STORAGE_DRIVER',
      description: 'blob store',
    }),
    filesystem: Type.Object({
      root: maybeText({ env: 'BERTH_STORAGE_ROOT', description: 'folder of the blobs; default DATA/storage' }),
    }),
    s3: Type.Object({
      endpoint: maybeText({ env: 'BERTH_S3_ENDPOINT', description: 'http(s) URL of an S3-compatible service' }),
      region: text({ default: 'us-east-1', env: 'BERTH_S3_REGION', description: 'region' }),
      bucket: text({ default: 'berth', env: 'BERTH_S3_BUCKET', description: 'bucket' }),
      prefix: text({ default: '', env: 'BERTH_S3_PREFIX', description: 'key prefix inside the bucket' }),
      access_key: maybeText({ env: 'BERTH_S3_ACCESS_KEY', description: 'access key id' }),
      secret_key: maybeText({ env: 'BERTH_S3_SECRET_KEY', secret: true, description: 'secret access key' }),
      force_path_style: flag({
        default: true,
        env: 'BERTH_S3_FORCE_PATH_STYLE',
        description: 'path-style URLs (most self-hosted services need them)',
      }),
      redirect: flag({
        default: false,
        env: 'BERTH_S3_REDIRECT',
        description: 'answer blob GETs with a redirect to a presigned URL',
      }),
      part_size_mib: int({
        default: 8,
        minimum: 5,
        maximum: 5120,
        env: 'BERTH_S3_PART_SIZE_MIB',
        description: 'size of the parts uploads are sent in (MiB); memory per upload ≈ (parts in flight + 1) × this',
      }),
      parts_in_flight: int({
        default: 4,
        minimum: 1,
        maximum: 64,
        env: 'BERTH_S3_PARTS_IN_FLIGHT',
        description: 'parts of one upload sent to S3 at once',
      }),
    }),
  }),
  database: Type.Object({
    driver: oneOf(['sqlite', 'postgres'], {
      default: 'sqlite',
      env: 'BERTH_DATABASE_DRIVER',
      description: 'metadata database',
    }),
    sqlite: Type.Object({
      path: maybeText({ env: 'BERTH_DATABASE_PATH', description: 'database file; default DATA/berth.db' }),
    }),
    postgres: Type.Object({
      url: maybeText({ env: 'BERTH_DATABASE_URL', secret: true, description: 'postgres://user:password@host/db' }),
      pool_size: int({ default: 10, minimum: 1, env: 'BERTH_DATABASE_POOL_SIZE', description: 'connections per node' }),
    }),
  }),
  secrets: Type.Object({
    key: maybeText({
      env: 'BERTH_SECRET_KEY',
      secret: true,
      description: 'encryption of stored credentials, 16+ characters; unset: generated into DATA/keys/secret.key',
    }),
    previous_keys: maybeText({
      env: 'BERTH_SECRET_KEY_PREVIOUS',
      secret: true,
      description: 'older keys still accepted for decryption, comma-separated (rotation)',
    }),
    key_file: maybeText({ env: 'BERTH_SECRET_KEY_FILE', description: 'where the generated key is kept' }),
  }),
  kube: Type.Object({
    reconcile_interval: int({
      default: 600,
      minimum: 0,
      env: 'BERTH_KUBE_RECONCILE_INTERVAL',
      description: 'seconds between full reconciles of every pull-secret copy; 0: off',
    }),
    worker: flag({ default: true, env: 'BERTH_KUBE_WORKER', description: 'run the reconcile worker in this process' }),
    rotation_overlap: int({
      default: 86_400,
      minimum: 0,
      env: 'BERTH_KUBE_ROTATION_OVERLAP',
      description:
        "seconds a refreshed robot secret's old value stays valid while synced clusters still hold it (ends early once all hold the new one); 0: none",
    }),
    in_cluster: flag({
      default: false,
      env: 'BERTH_KUBE_IN_CLUSTER',
      description: "allow clusters reached with this pod's own service account (berth kube cluster add --in-cluster)",
    }),
  }),
  auth: Type.Object({
    enabled: flag({
      default: true,
      env: 'BERTH_AUTH',
      description: 'off only when asked (BERTH_AUTH=off, serve --no-auth): then anyone may pull and push',
    }),
    admin_password: maybeText({
      env: 'BERTH_ADMIN_PASSWORD',
      secret: true,
      description: 'password of admin when first created; unset: generated and printed once',
    }),
    token_key_file: maybeText({
      env: 'BERTH_TOKEN_KEY_FILE',
      description: 'the ES256 token signing key (private JWK); default DATA/keys/token-es256.jwk',
    }),
    token_realm: maybeText({
      env: 'BERTH_TOKEN_REALM',
      description: 'absolute URL of /service/token in challenges; default: from the Host header',
    }),
    token_ttl: int({
      default: 300,
      minimum: 1,
      env: 'BERTH_TOKEN_TTL',
      description: 'registry token lifetime, seconds',
    }),
    login_max_failures: int({
      default: 10,
      minimum: 1,
      env: 'BERTH_LOGIN_MAX_FAILURES',
      description: 'failed logins per address and account within 5 minutes before 429',
    }),
    ldap: Type.Object({
      url: maybeText({ env: 'BERTH_LDAP_URL', description: 'ldap:// or ldaps:// URL; set to enable LDAP' }),
      bind_dn: maybeText({ env: 'BERTH_LDAP_BIND_DN', description: 'DN to search with' }),
      bind_password: maybeText({ env: 'BERTH_LDAP_BIND_PASSWORD', secret: true, description: 'its password' }),
      base_dn: maybeText({ env: 'BERTH_LDAP_BASE_DN', description: 'where users are searched' }),
      filter: maybeText({ env: 'BERTH_LDAP_FILTER', description: 'extra search filter' }),
      uid_attribute: text({ default: 'uid', env: 'BERTH_LDAP_UID', description: 'attribute holding the user name' }),
    }),
    oidc: Type.Object({
      issuer: maybeText({ env: 'BERTH_OIDC_ISSUER', description: "the provider's issuer URL; set to enable OIDC" }),
      client_id: maybeText({ env: 'BERTH_OIDC_CLIENT_ID', description: 'client id' }),
      client_secret: maybeText({ env: 'BERTH_OIDC_CLIENT_SECRET', secret: true, description: 'client secret' }),
      redirect_url: maybeText({
        env: 'BERTH_OIDC_REDIRECT_URL',
        description: "Berth's callback as registered: https://HOST/c/oidc/callback",
      }),
      scope: text({ default: 'openid profile email', env: 'BERTH_OIDC_SCOPE', description: 'scopes asked for' }),
      user_claim: text({
        default: 'preferred_username',
        env: 'BERTH_OIDC_USER_CLAIM',
        description: 'claim that names the user',
      }),
    }),
  }),
});

export type ConfigShape = Static<typeof ConfigSchema>;

/** One setting of the tree: its dotted key and its schema. */
export interface Setting {
  key: string;
  schema: TSchema & SettingOptions & { default?: unknown; anyOf?: { const: string }[]; type?: string };
  optional: boolean;
}

/** Every leaf setting, in declaration order. */
export function settings(node: TSchema = ConfigSchema, prefix = ''): Setting[] {
  const object = node as { type?: string; properties?: Record<string, TSchema>; required?: string[] };
  const out: Setting[] = [];
  for (const [name, child] of Object.entries(object.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    if ((child as { type?: string }).type === 'object') out.push(...settings(child, key));
    else out.push({ key, schema: child as Setting['schema'], optional: !(object.required ?? []).includes(name) });
  }
  return out;
}

/** The allowed values of an enumerated setting; undefined for others. */
export const choicesOf = (s: Setting) => s.schema.anyOf?.map((v) => v.const);
/** `string`, `integer`, `boolean`. */
export const typeOf = (s: Setting) => (choicesOf(s) ? 'string' : (s.schema.type ?? 'string'));
