/**
 * Shapes of the Kubernetes resources (/kube/…). Bodies fix the JSON types;
 * the feature's services check the meaning (names, addresses, references)
 * and name the field at fault themselves, so fields are optional here.
 */
import { Type } from 'typebox';
import { Id, Named, Nullable, PageQuery } from '../../shared/schemas.ts';

const Text = Type.Optional(Nullable(Type.String()));
/** An id in a body or query: a number, or digits as text (forms send text). */
const IdRef = Type.Optional(Nullable(Type.Union([Id(), Type.String({ pattern: '^\\d{1,10}$' })])));
const Anything = Type.Record(Type.String(), Type.Unknown());

export const IdParams = Type.Object({ id: Id() });
export const JobParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export const Paged = Type.Object({ ...PageQuery });

export const RobotRequest = Type.Object({ project: Type.String(), name: Text });
export const ConnectionBody = Type.Object({
  name: Text,
  type: Text,
  address: Text,
  username: Text,
  password: Type.Optional(Nullable(Type.String({ description: 'write-only' }))),
  description: Text,
  email: Text,
  berth_robot: Text,
  project_id: IdRef,
  robot: Type.Optional(Nullable(RobotRequest)),
});
export const Connection = Named(
  'KubeConnection',
  Type.Object({
    id: Type.Integer(),
    name: Type.String(),
    type: Type.String(),
    address: Type.String(),
    username: Nullable(Type.String()),
    email: Nullable(Type.String()),
    description: Type.String(),
    project_id: Nullable(Type.Integer()),
    berth_robot: Nullable(Type.String()),
    last_test: Nullable(Anything),
    creation_time: Type.String(),
    update_time: Type.String(),
    robot: Type.Optional(Type.Object({ id: Type.Integer(), name: Type.String() })),
    reconcile_job_id: Type.Optional(Nullable(Type.String())),
  }),
);
export const TestBody = Type.Object({ repository: Text, reference: Text });
export const PullSecretQuery = Type.Object({
  format: Type.Optional(Type.String({ description: '`yaml` (default) or `json`' })),
  name: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
});
export const SnippetQuery = Type.Object({
  name: Type.Optional(Type.String()),
  image: Type.Optional(Type.String()),
  policy: Type.Optional(Type.String()),
});
export const ReconcileJob = Type.Object({ reconcile_job_id: Nullable(Type.String()) });
export const PullPolicies = Type.Array(Type.Object({ name: Type.String(), description: Type.String() }));
export const Job = Named(
  'KubeJob',
  Type.Object({
    id: Type.String(),
    kind: Type.String(),
    status: Type.String(),
    attempts: Type.Integer(),
    last_error: Nullable(Type.String()),
    creation_time: Type.String(),
    update_time: Type.String(),
  }),
);

export const GroupBody = Type.Object({
  name: Text,
  upstream: Text,
  upstream_insecure: Type.Optional(Nullable(Type.Boolean())),
  members: Type.Optional(
    Nullable(
      Type.Array(
        Type.Object({
          connection_id: Type.Optional(Type.Unknown()),
          project: Text,
          ns_mirror: Type.Optional(
            Nullable(
              Type.Boolean({
                description:
                  'the connection is a Berth in mirror mode: containerd goes to its root with `?ns=<upstream>`; CRI-O to `project` (default: the project BERTH_PROXY_MIRRORS binds to the upstream)',
              }),
            ),
          ),
        }),
      ),
    ),
  ),
});
export const Group = Named(
  'KubeGroup',
  Type.Object({
    id: Type.Integer(),
    name: Type.String(),
    upstream: Type.String(),
    upstream_insecure: Type.Boolean(),
    members: Type.Array(
      Type.Object({
        connection_id: Type.Integer(),
        project: Type.Optional(Type.String()),
        ns_mirror: Type.Optional(Type.Boolean()),
      }),
    ),
    creation_time: Type.String(),
    update_time: Type.String(),
  }),
);
export const MirrorsQuery = Type.Object({
  format: Type.Optional(Type.String({ description: '`containerd` (default) or `registries.conf`' })),
  group: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: 'group ids' })),
});
export const Mirrors = Named(
  'KubeMirrors',
  Type.Object({
    format: Type.String(),
    config_path: Type.String(),
    files: Type.Array(Type.Object({ path: Type.String(), content: Type.String() })),
  }),
);

export const ClusterBody = Type.Object({ name: Text, kubeconfig: Text, context: Text });
export const Cluster = Named(
  'KubeCluster',
  Type.Object({
    id: Type.Integer(),
    name: Type.String(),
    server: Type.String(),
    context: Nullable(Type.String()),
    creation_time: Type.String(),
    update_time: Type.String(),
  }),
);
export const PlacementQuery = Type.Object({ ...PageQuery, connection_id: IdRef, cluster_id: IdRef });
export const PlacementBody = Type.Object({
  connection_id: IdRef,
  cluster_id: IdRef,
  secret_name: Text,
  namespaces: Type.Optional(Nullable(Type.Array(Type.String()))),
  service_accounts: Type.Optional(Nullable(Type.Array(Type.String()))),
  adopt: Type.Optional(Nullable(Type.Boolean())),
});
export const Placement = Named(
  'KubePlacement',
  Type.Object({
    id: Type.Integer(),
    connection_id: Type.Integer(),
    cluster_id: Type.Integer(),
    secret_name: Type.String(),
    namespaces: Type.Array(Type.String()),
    service_accounts: Type.Array(Type.String()),
    adopt: Type.Boolean(),
    copies: Type.Array(Anything),
    creation_time: Type.String(),
    update_time: Type.String(),
  }),
);
export const DiagnoseBody = Type.Object({
  cluster_id: IdRef,
  /** Diagnose through a registry connection alone, before any cluster is registered. */
  connection_id: IdRef,
  /** The platform to look for in an index (`linux/arm64`); default linux/amd64. */
  platform: Text,
  namespace: Text,
  pod: Text,
  image: Text,
  service_account: Text,
});
export { Anything };
/** A pull secret or a snippet: YAML (or JSON with format=json) as text. */
export const SecretText = Type.String({ description: 'YAML, or JSON with format=json' });
