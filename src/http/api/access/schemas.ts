/**
 * Request and response shapes of the access resources, named and spelled as
 * Harbor's v2.0 definitions (Project, ProjectReq, Robot, RobotCreate,
 * RobotCreated, UserResp, UserCreationReq, ProjectMember, AuditLog, …).
 */
import { Type } from 'typebox';
import { Id, Named, Nullable, PageQuery } from '../../shared/schemas.ts';

export const ProjectNameOrId = Type.Object({
  project_name_or_id: Type.String({ minLength: 1, maxLength: 255, description: 'project name or numeric id' }),
});
export const ProjectName = ProjectNameOrId;

export const ProjectMetadata = Type.Object({ public: Type.Optional(Type.Union([Type.String(), Type.Boolean()])) });
export const ProjectReq = Named(
  'ProjectReq',
  Type.Object({
    project_name: Type.Optional(Type.String()),
    public: Type.Optional(Type.Boolean()),
    metadata: Type.Optional(ProjectMetadata),
    /** Harbor's quota at create and update: bytes, -1 unlimited. */
    storage_limit: Type.Optional(Type.Integer({ minimum: -1 })),
    /** A proxy cache of this upstream registry (Harbor's shape). */
    registry_id: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), Type.Null()])),
    /** Berth's priority groups: member projects, in order. */
    group_members: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 32 })),
    /** Harbor's project CVE allowlist (features/scan). */
    cve_allowlist: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
);
export const Project = Named(
  'Project',
  Type.Object({
    project_id: Type.Integer(),
    name: Type.String(),
    owner_id: Type.Integer(),
    owner_name: Type.String(),
    creation_time: Type.String(),
    update_time: Type.String(),
    deleted: Type.Boolean(),
    current_user_role_id: Type.Integer(),
    current_user_role_ids: Type.Array(Type.Integer()),
    repo_count: Type.Optional(Type.Integer()),
    // Harbor's metadata values are strings; features add their keys (enable_content_trust, prevent_vul, …).
    metadata: Type.Object({ public: Type.String() }, { additionalProperties: Type.String() }),
    registry_id: Type.Optional(Type.Integer()),
    group_members: Type.Optional(Type.Array(Type.String())),
    cve_allowlist: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
);
export const ProjectListQuery = Type.Object({
  ...PageQuery,
  name: Type.Optional(Type.String()),
  public: Type.Optional(Type.String({ description: '`true` or `false`' })),
});
export const ProjectHeadQuery = Type.Object({ project_name: Type.Optional(Type.String()) });
export const ProjectDeleteQuery = Type.Object({
  force: Type.Optional(Type.Boolean({ description: 'also delete the repositories the project holds' })),
});

export const Access = Type.Object({
  resource: Type.String(),
  action: Type.String(),
  effect: Type.Optional(Type.String()),
});
export const RobotPermission = Named(
  'RobotPermission',
  Type.Object({
    kind: Type.String(),
    namespace: Type.String(),
    access: Type.Array(Access),
  }),
);
export const RobotCreate = Named(
  'RobotCreate',
  Type.Object({
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    level: Type.Optional(Type.String({ description: '`project` or `system`' })),
    duration: Type.Optional(Type.Integer({ minimum: -1, maximum: 36_500, description: 'days; -1: never expires' })),
    disable: Type.Optional(Type.Boolean()),
    permissions: Type.Optional(Type.Array(RobotPermission)),
  }),
);
export const Robot = Named(
  'Robot',
  Type.Object({
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    level: Type.String(),
    disable: Type.Boolean(),
    editable: Type.Boolean(),
    expires_at: Type.Integer(),
    duration: Type.Integer(),
    permissions: Type.Array(RobotPermission),
    creation_time: Type.String(),
    update_time: Type.String(),
  }),
);
export const RobotCreated = Named(
  'RobotCreated',
  Type.Object({
    id: Type.Integer(),
    name: Type.String(),
    secret: Type.String(),
    creation_time: Type.String(),
    expires_at: Type.Integer(),
  }),
);
export const RobotSec = Named('RobotSec', Type.Object({ secret: Type.String() }));
export const RobotSecReq = Type.Object({ secret: Type.Optional(Type.String()) });
export const RobotId = Type.Object({ robot_id: Id('robot id') });
export const RobotListQuery = Type.Object({
  ...PageQuery,
  q: Type.Optional(Type.String({ description: 'Harbor query: `Level=project,ProjectID=1`' })),
});

export const UserResp = Named(
  'UserResp',
  Type.Object({
    user_id: Type.Integer(),
    username: Type.String(),
    email: Type.String(),
    realname: Type.String(),
    comment: Type.String(),
    sysadmin_flag: Type.Boolean(),
    admin_role_in_auth: Type.Boolean(),
    creation_time: Type.String(),
    update_time: Type.String(),
    auth_source: Type.Optional(Type.String()),
  }),
);
export const UserCreationReq = Named(
  'UserCreationReq',
  Type.Object({
    username: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    realname: Type.Optional(Type.String()),
    comment: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
  }),
);
export const UserProfile = Named(
  'UserProfile',
  Type.Object({
    email: Type.Optional(Type.String()),
    realname: Type.Optional(Type.String()),
    comment: Type.Optional(Type.String()),
  }),
);
export const PasswordReq = Named(
  'PasswordReq',
  Type.Object({
    old_password: Type.Optional(Type.String()),
    new_password: Type.Optional(Type.String()),
  }),
);
export const UserSysAdminFlag = Type.Object({ sysadmin_flag: Type.Boolean() });
export const OIDCCliSecretReq = Type.Object({ secret: Type.Optional(Type.String()) });
export const UserId = Type.Object({ user_id: Id('user id') });
export const UserListQuery = Type.Object({ ...PageQuery, username: Type.Optional(Type.String()) });

export const ProjectMemberEntity = Named(
  'ProjectMemberEntity',
  Type.Object({
    id: Type.Integer(),
    project_id: Type.Integer(),
    entity_name: Type.String(),
    entity_id: Type.Integer(),
    entity_type: Type.String(),
    role_id: Type.Integer(),
    role_name: Type.String(),
  }),
);
export const ProjectMember = Named(
  'ProjectMember',
  Type.Object({
    role_id: Type.Integer({ minimum: 1, maximum: 5 }),
    member_user: Type.Optional(
      Type.Object({ user_id: Type.Optional(Id('user id')), username: Type.Optional(Type.String()) }),
    ),
  }),
);
export const RoleRequest = Named('RoleRequest', Type.Object({ role_id: Type.Integer({ minimum: 1, maximum: 5 }) }));
export const MemberParams = Type.Object({ ...ProjectNameOrId.properties, mid: Id('member id') });
export const MemberListQuery = Type.Object({ ...PageQuery, entityname: Type.Optional(Type.String()) });

export const AuditLog = Named(
  'AuditLog',
  Type.Object({
    id: Type.Integer(),
    username: Type.String(),
    resource: Type.String(),
    resource_type: Type.String(),
    operation: Type.String(),
    operation_result: Type.Boolean(),
    project_name: Nullable(Type.String()),
    client_address: Type.String(),
    op_time: Type.String(),
  }),
);
export const AuditQuery = Type.Object({
  ...PageQuery,
  q: Type.Optional(Type.String({ description: '`operation=push,username=alice,resource_type=artifact`' })),
});
