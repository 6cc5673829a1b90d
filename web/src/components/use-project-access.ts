/**
 * What the signed-in user may do in a project, so pages disable what the
 * server would refuse (the server still decides). Roles as Harbor numbers
 * them: 1 project admin, 2 developer, 3 guest, 4 maintainer, 5 limited guest.
 */
import { useEffect, useState } from 'react';
import { ApiError, request } from '../api.ts';

export interface ProjectAccess {
  known: boolean;
  canPush: boolean;
  canDelete: boolean;
  canManage: boolean;
}

const UNKNOWN: ProjectAccess = { known: false, canPush: false, canDelete: false, canManage: false };
const EVERYTHING: ProjectAccess = { known: true, canPush: true, canDelete: true, canManage: true };

export function accessForRole(roleId: number, sysadmin: boolean): ProjectAccess {
  if (sysadmin) return EVERYTHING;
  return {
    known: true,
    canPush: [1, 2, 4].includes(roleId),
    canDelete: [1, 4].includes(roleId),
    canManage: roleId === 1,
  };
}

export function useProjectAccess(project: string): ProjectAccess {
  const [access, setAccess] = useState<ProjectAccess>(UNKNOWN);
  useEffect(() => {
    let current = true;
    Promise.all([
      request<{ sysadmin_flag?: boolean }>('/users/current').then(
        (r) => r.data.sysadmin_flag === true,
        // No identity module: everything is open.
        (err) => (err instanceof ApiError && err.absent ? true : false),
      ),
      request<{ current_user_role_id?: number }>(`/projects/${encodeURIComponent(project)}`).then(
        (r) => r.data.current_user_role_id ?? 0,
        () => 0,
      ),
    ]).then(([sysadmin, role]) => current && setAccess(accessForRole(role, sysadmin)));
    return () => {
      current = false;
    };
  }, [project]);
  return access;
}
