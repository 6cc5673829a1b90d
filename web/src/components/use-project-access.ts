/**
 * What the signed-in user may do in a project, so pages disable what the
 * server would refuse (the server still decides). Roles as Harbor numbers
 * them: 1 project admin, 2 developer, 3 guest, 4 maintainer, 5 limited guest.
 */
import { useEffect, useState } from 'react';
import { request, sessionInfo } from '../api.ts';

export interface ProjectAccess {
  known: boolean;
  /** A visitor who is not signed in (reading a public project): pages hide write actions instead of disabling them. */
  anonymous?: boolean;
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
    const decide = async (): Promise<ProjectAccess> => {
      // Asked first, so an anonymous visitor of a public project triggers no 401 (and no redirect to sign-in).
      const session = await sessionInfo().catch(() => null);
      if (session?.auth === 'off') return EVERYTHING;
      if (!session?.signed_in) return { ...accessForRole(0, false), anonymous: true };
      const [sysadmin, role] = await Promise.all([
        request<{ sysadmin_flag?: boolean }>('/users/current').then(
          (r) => r.data.sysadmin_flag === true,
          () => false,
        ),
        request<{ current_user_role_id?: number }>(`/projects/${encodeURIComponent(project)}`).then(
          (r) => r.data.current_user_role_id ?? 0,
          () => 0,
        ),
      ]);
      return accessForRole(role, sysadmin);
    };
    decide().then((a) => current && setAccess(a));
    return () => {
      current = false;
    };
  }, [project]);
  return access;
}
