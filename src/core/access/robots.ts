/** Robot account names and permission lists, as Harbor spells them. */
import type { RobotAccess, RobotPermission } from './ports.ts';

export const ROBOT_PREFIX = 'robot$';
const NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export function isRobotName(name: string): boolean {
  return name.startsWith(ROBOT_PREFIX);
}

export function validRobotShortName(name: string): boolean {
  return name.length <= 128 && NAME.test(name);
}

/** `robot$team+ci` for a project robot, `robot$ci` for a system robot. */
export function robotFullName(level: 'project' | 'system', name: string, project?: string): string {
  return level === 'project' ? `${ROBOT_PREFIX}${project}+${name}` : `${ROBOT_PREFIX}${name}`;
}

/** The default: pull only. */
export const PULL_ONLY: RobotAccess[] = [{ resource: 'repository', action: 'pull' }];

const ALLOWED = new Set(['repository:pull', 'repository:push', 'artifact:delete', 'repository:delete']);

/** Validates a permission list from the API; returns a message for the first problem. */
export function permissionProblem(
  perms: RobotPermission[],
  level: 'project' | 'system',
  project?: string,
): string | null {
  if (!Array.isArray(perms) || perms.length === 0) return 'at least one permission is required';
  for (const p of perms) {
    if (p?.kind !== 'project' || typeof p.namespace !== 'string') return 'permissions must be of kind "project"';
    if (level === 'project' && p.namespace !== project) return `a project robot may only act on project ${project}`;
    if (!Array.isArray(p.access) || p.access.length === 0) return 'each permission needs an access list';
    for (const a of p.access) {
      if (!a || !ALLOWED.has(`${a.resource}:${a.action}`))
        return `unsupported access ${a?.resource}:${a?.action} (use repository:pull, repository:push, artifact:delete)`;
    }
  }
  return null;
}

/** The registry actions a robot holds on a project. */
export function robotActions(perms: RobotPermission[], project: string): Set<'pull' | 'push' | 'delete'> {
  const out = new Set<'pull' | 'push' | 'delete'>();
  for (const p of perms) {
    if (p.namespace !== project && p.namespace !== '*') continue;
    for (const a of p.access) out.add(a.action);
  }
  return out;
}

/** Longest robot lifetime accepted, in days (100 years): beyond it a date is not representable anyway. */
export const MAX_ROBOT_DAYS = 36_500;

/**
 * When a robot created now for `duration` days expires: null for never
 * (-1 or 0, as Harbor), an ISO time otherwise; undefined input means never.
 * Anything else (not a whole number, below -1, beyond MAX_ROBOT_DAYS) is a
 * RobotDurationError naming the rule.
 */
export function robotExpiry(duration: unknown, now = Date.now()): string | null {
  if (duration === undefined || duration === null || duration === -1 || duration === 0) return null;
  if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < -1 || duration > MAX_ROBOT_DAYS)
    throw new RobotDurationError(`duration must be a whole number of days up to ${MAX_ROBOT_DAYS}, or -1 for never`);
  return new Date(now + duration * 86_400_000).toISOString();
}

export class RobotDurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RobotDurationError';
  }
}
