/** Who is asking. */
import type { RobotPermission } from './ports.ts';

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; id: number; name: string; sysadmin: boolean }
  | {
      kind: 'robot';
      id: number;
      name: string;
      level: 'project' | 'system';
      projectId: number | null;
      permissions: RobotPermission[];
    };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export function principalName(p: Principal): string {
  return p.kind === 'anonymous' ? 'anonymous' : p.name;
}

export const isSysadmin = (p: Principal) => p.kind === 'user' && p.sysadmin;
