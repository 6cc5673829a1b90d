/**
 * Project roles with Harbor's meaning and the one role × permission table.
 * Every access decision about a project member goes through `MATRIX`.
 */

export type ProjectRole = 'projectAdmin' | 'maintainer' | 'developer' | 'guest' | 'limitedGuest';

export type Permission =
  | 'pull'
  | 'push'
  | 'deleteArtifact'
  | 'deleteRepository'
  | 'listMembers'
  | 'manageMembers'
  | 'manageRobots'
  | 'changeSettings'
  | 'readAuditLog';

export const ROLES: readonly ProjectRole[] = ['projectAdmin', 'maintainer', 'developer', 'guest', 'limitedGuest'];
export const PERMISSIONS: readonly Permission[] = [
  'pull',
  'push',
  'deleteArtifact',
  'deleteRepository',
  'listMembers',
  'manageMembers',
  'manageRobots',
  'changeSettings',
  'readAuditLog',
];

const Y = true;
const N = false;

/** THE matrix. Rows: roles; columns: permissions (in PERMISSIONS order). */
// biome-ignore format: the table is easier to read aligned
export const MATRIX: Readonly<Record<ProjectRole, Readonly<Record<Permission, boolean>>>> = {
  //              pull push delArt delRepo seeMembers members robots settings audit
  projectAdmin: { pull: Y, push: Y, deleteArtifact: Y, deleteRepository: Y, listMembers: Y, manageMembers: Y, manageRobots: Y, changeSettings: Y, readAuditLog: Y },
  maintainer:   { pull: Y, push: Y, deleteArtifact: Y, deleteRepository: Y, listMembers: Y, manageMembers: N, manageRobots: Y, changeSettings: N, readAuditLog: Y },
  developer:    { pull: Y, push: Y, deleteArtifact: N, deleteRepository: N, listMembers: Y, manageMembers: N, manageRobots: N, changeSettings: N, readAuditLog: Y },
  guest:        { pull: Y, push: N, deleteArtifact: N, deleteRepository: N, listMembers: Y, manageMembers: N, manageRobots: N, changeSettings: N, readAuditLog: Y },
  limitedGuest: { pull: Y, push: N, deleteArtifact: N, deleteRepository: N, listMembers: N, manageMembers: N, manageRobots: N, changeSettings: N, readAuditLog: N },
};

export function roleAllows(role: ProjectRole, permission: Permission): boolean {
  return MATRIX[role][permission];
}

/** Harbor's numeric role ids (member API `role_id`). */
export const ROLE_IDS: Readonly<Record<ProjectRole, number>> = {
  projectAdmin: 1,
  developer: 2,
  guest: 3,
  maintainer: 4,
  limitedGuest: 5,
};

/** Harbor's role names (member API `role_name`). */
export const ROLE_NAMES: Readonly<Record<ProjectRole, string>> = {
  projectAdmin: 'projectAdmin',
  developer: 'developer',
  guest: 'guest',
  maintainer: 'maintainer',
  limitedGuest: 'limitedGuest',
};

export function roleById(id: number): ProjectRole | null {
  for (const role of ROLES) if (ROLE_IDS[role] === id) return role;
  return null;
}

export function roleByName(name: string): ProjectRole | null {
  const lower = name.toLowerCase().replace(/[_ -]/g, '');
  for (const role of ROLES) if (role.toLowerCase() === lower) return role;
  return null;
}
