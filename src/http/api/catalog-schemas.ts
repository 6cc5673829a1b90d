/**
 * Shapes of the browsing routes (repositories, artifacts, tags, statistics),
 * spelled as Harbor's v2.0 definitions: Repository, Artifact, Tag, Accessory,
 * Statistic.
 */
import { Type } from 'typebox';
import { Named, Nullable, PageQuery, SearchQuery } from '../shared/schemas.ts';

const Anything = Type.Record(Type.String(), Type.Unknown());

export const RepositoryParams = Type.Object({
  project_name_or_id: Type.String({
    minLength: 1,
    maxLength: 255,
    description: "the project's name (Harbor: project_name)",
  }),
  repository_name: Type.String({ minLength: 1, description: 'name inside the project; slashes encoded twice' }),
});
export const ArtifactParams = Type.Object({
  ...RepositoryParams.properties,
  reference: Type.String({ minLength: 1, description: 'a digest or a tag' }),
});
export const TagParams = Type.Object({ ...ArtifactParams.properties, tag_name: Type.String({ minLength: 1 }) });
export const ProjectNameParam = Type.Object({
  project_name_or_id: Type.String({
    minLength: 1,
    maxLength: 255,
    description: "the project's name (Harbor: project_name)",
  }),
});

export const ListQuery = Type.Object({ ...PageQuery, ...SearchQuery });
/** What artifact views can be decorated with (features/scan, features/labels). */
const DecoratorQuery = {
  with_scan_overview: Type.Optional(Type.String({ description: '`true`: each artifact with its scan_overview' })),
  with_label: Type.Optional(Type.String({ description: '`true`: each artifact with its labels' })),
};
export const ArtifactListQuery = Type.Object({
  ...PageQuery,
  ...SearchQuery,
  all: Type.Optional(Type.String({ description: '`true`: also the children of indexes' })),
  ...DecoratorQuery,
});
export const ArtifactDetailQuery = Type.Object(DecoratorQuery);

export const Repository = Named(
  'Repository',
  Type.Object({
    name: Type.String(),
    project_name: Type.String(),
    artifact_count: Type.Integer(),
    pull_count: Type.Integer(),
    creation_time: Type.String(),
    update_time: Type.String(),
    description: Type.Optional(Type.String({ description: 'markdown (GET of one repository)' })),
  }),
);

export const Tag = Named(
  'Tag',
  Type.Object({
    name: Type.String(),
    push_time: Type.String(),
    pull_time: Nullable(Type.String()),
    immutable: Type.Boolean(),
  }),
);
export const TagCreate = Type.Object({ name: Type.String({ description: 'the new tag' }) });

export const Accessory = Named(
  'Accessory',
  Type.Object({
    digest: Type.String(),
    type: Type.String(),
    artifact_type: Nullable(Type.String()),
    media_type: Type.String(),
    size: Type.Integer(),
    subject_artifact_digest: Type.String(),
    subject_artifact_repo: Type.String(),
    creation_time: Type.String(),
    annotations: Type.Record(Type.String(), Type.String()),
    /** Signatures only: whether one verifies with a trusted key, and how (features/signing). */
    signed: Type.Optional(Type.Boolean()),
    signature: Type.Optional(
      Type.Object({
        format: Type.String(),
        tag_scheme: Type.Boolean(),
        key: Nullable(Type.String()),
        fingerprint: Nullable(Type.String()),
        errors: Type.Array(Type.String()),
      }),
    ),
  }),
);

export const Platform = Named(
  'Platform',
  Type.Object({
    os: Type.Optional(Type.String()),
    architecture: Type.Optional(Type.String()),
    variant: Type.Optional(Type.String()),
  }),
);

export const ExtraAttrs = Named(
  'ExtraAttrs',
  Type.Object({
    architecture: Type.Optional(Type.String()),
    os: Type.Optional(Type.String()),
    variant: Type.Optional(Type.String()),
    created: Type.Optional(Type.String()),
    author: Type.Optional(Type.String()),
    config: Type.Optional(
      Type.Object({
        Labels: Type.Optional(Type.Record(Type.String(), Type.String())),
        Env: Type.Optional(Type.Array(Type.String())),
        Cmd: Type.Optional(Type.Array(Type.String())),
        Entrypoint: Type.Optional(Type.Array(Type.String())),
        WorkingDir: Type.Optional(Type.String()),
        User: Type.Optional(Type.String()),
        ExposedPorts: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      }),
    ),
  }),
);

export const Layer = Named(
  'Layer',
  Type.Object({
    media_type: Type.String(),
    digest: Type.String(),
    size: Type.Integer(),
    annotations: Type.Record(Type.String(), Type.String()),
  }),
);

export const Reference = Named(
  'Reference',
  Type.Object({
    child_digest: Type.String(),
    media_type: Type.Optional(Type.String()),
    size: Type.Optional(Type.Integer()),
    platform: Nullable(Platform),
    annotations: Type.Record(Type.String(), Type.String()),
    urls: Type.Array(Type.String()),
  }),
);

export const HistoryEntry = Named(
  'HistoryEntry',
  Type.Object({
    created: Type.Optional(Type.String()),
    created_by: Type.Optional(Type.String()),
    author: Type.Optional(Type.String()),
    comment: Type.Optional(Type.String()),
    empty_layer: Type.Optional(Type.Boolean()),
  }),
);
export const BuildHistory = Type.Array(HistoryEntry);

export const Artifact = Named(
  'Artifact',
  Type.Object({
    type: Type.String(),
    media_type: Type.String(),
    manifest_media_type: Type.String(),
    artifact_type: Type.String(),
    repository_name: Type.String(),
    digest: Type.String(),
    size: Type.Integer(),
    push_time: Type.String(),
    pull_time: Nullable(Type.String()),
    annotations: Type.Record(Type.String(), Type.String()),
    extra_attrs: ExtraAttrs,
    references: Type.Array(Reference),
    tags: Type.Array(Tag),
    tag_count: Type.Integer(),
    referrer_count: Type.Integer(),
    subject_digest: Nullable(Type.String()),
    labels: Type.Array(Anything),
    addition_links: Anything,
    config: Type.Optional(
      Nullable(Type.Object({ media_type: Type.String(), digest: Type.String(), size: Type.Integer() })),
    ),
    layers: Type.Optional(Type.Array(Layer)),
    history: Type.Optional(BuildHistory),
    accessories: Type.Optional(Type.Array(Accessory)),
    /** Harbor's scan summary by report MIME type (with_scan_overview=true). */
    scan_overview: Type.Optional(Type.Record(Type.String(), Anything)),
  }),
);

export const Statistic = Named(
  'Statistic',
  Type.Object({
    private_project_count: Type.Integer(),
    private_repo_count: Type.Integer(),
    public_project_count: Type.Integer(),
    public_repo_count: Type.Integer(),
    total_project_count: Type.Integer(),
    total_repo_count: Type.Integer(),
    total_storage_consumption: Type.Integer(),
    total_artifact_count: Type.Integer(),
    projects: Type.Array(
      Type.Object({
        name: Type.String(),
        repo_count: Type.Integer(),
        artifact_count: Type.Integer(),
        storage: Type.Integer(),
      }),
    ),
  }),
);
export const TrafficQuery = Type.Object({
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 30 })),
});
export const DailyTraffic = Type.Array(
  Type.Object({ day: Type.String(), pushes: Type.Integer(), pulls: Type.Integer() }),
);
export const RecentQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
});
export const RecentPushes = Type.Array(
  Type.Object({
    repository_name: Type.String(),
    digest: Type.String(),
    tag: Nullable(Type.String()),
    push_time: Type.String(),
  }),
);

export const Health = Named(
  'Health',
  Type.Object({
    status: Type.String({ description: '`healthy` or `unhealthy`' }),
    components: Type.Array(
      Type.Object({ name: Type.String(), status: Type.String(), error: Type.Optional(Type.String()) }),
    ),
  }),
);
export const SystemInfo = Named(
  'SystemInfo',
  Type.Object({
    registry_url: Type.String(),
    harbor_version: Type.String(),
    berth_version: Type.String(),
    storage_driver: Type.String(),
    registry_name: Type.String({ description: "Berth's addition: the name system settings give this registry" }),
  }),
);
