/**
 * Robot accounts' use cases, once, for every caller: the management API
 * (src/http/api/access/robots.ts) and the CLI (src/cli/robot.ts) both create,
 * change, disable, rotate and delete robots here, and each change is audited
 * here with who asked and from where. Who may do it is the caller's
 * business (the API checks roles; the CLI runs as the server's owner).
 */
import { generateSecret, hashSecret } from './passwords.ts';
import type { ProjectRecord, RobotPermission, RobotRecord } from './ports.ts';
import { type Actor, Refusal } from './refusal.ts';
import { permissionProblem, robotFullName, validRobotShortName } from './robots.ts';
import type { AccessService } from './service.ts';

/** A refused robot use case; `kind` maps to 400/409, `field` names the input at fault. */
export class RobotError extends Refusal {
  constructor(kind: 'invalid' | 'conflict', message: string, field?: string) {
    super(kind, message, field);
    this.name = 'RobotError';
  }
}

export type { Actor };

export interface RobotDraft {
  level: 'project' | 'system';
  /** The short name (`ci` for `robot$team+ci`). */
  name: string;
  /** The project of a project robot; null for a system robot. */
  project: ProjectRecord | null;
  description?: string;
  disabled?: boolean;
  /** Days until it expires; null, 0 or -1: never. */
  days?: number | null;
  permissions: RobotPermission[];
  creator: string;
}

export interface RobotChange {
  description?: string;
  disabled?: boolean;
  days?: number | null;
  permissions?: RobotPermission[];
}

const DAY_MS = 86_400_000;
/** A century: later dates are not useful and overflow some clients. */
const MAX_DAYS = 36_500;

function expiry(days: number | null | undefined): string | null {
  if (days === undefined || days === null || days === -1 || days === 0) return null;
  if (!Number.isInteger(days) || days < -1 || days > MAX_DAYS)
    throw new RobotError('invalid', `duration must be a number of days up to ${MAX_DAYS}, or -1 for never`, 'duration');
  return new Date(Date.now() + days * DAY_MS).toISOString();
}

/** A secret given by the user: 8+ characters with an upper case letter, a lower case letter and a digit. */
export function secretProblem(secret: string): string | null {
  if (secret.length < 8 || !/[A-Z]/.test(secret) || !/[a-z]/.test(secret) || !/\d/.test(secret))
    return 'secret must be 8+ characters with an upper case letter, a lower case letter and a digit';
  return null;
}

export class RobotService {
  constructor(
    private readonly access: AccessService,
    /** Told when a robot's secret changes, with the new secret (Kubernetes pull secrets carry it). */
    private readonly onSecretRotated?: (robotName: string, secret: string) => Promise<unknown>,
    /**
     * Seconds the old secret stays accepted after a refresh (0: it stops at once, Harbor's rule).
     * The Kubernetes feature asks for a window while clusters hold pull secrets with the old one.
     */
    private readonly overlapFor?: (robotName: string) => Promise<number>,
  ) {}

  private audit(actor: Actor, robot: string, project: string | null, operation: string) {
    return this.access.audit({
      username: actor.name,
      resource: robot,
      resourceType: 'robot',
      operation,
      result: 'success',
      project,
      address: actor.address,
    });
  }

  /** Creates the robot; its secret is returned now and never again. */
  async create(draft: RobotDraft, actor: Actor): Promise<{ robot: RobotRecord; secret: string }> {
    if (!validRobotShortName(draft.name))
      throw new RobotError('invalid', 'name must be lower case letters, digits and . _ -', 'name');
    const problem = permissionProblem(draft.permissions, draft.level, draft.project?.name);
    if (problem) throw new RobotError('invalid', problem, 'permissions');
    const name = robotFullName(draft.level, draft.name, draft.project?.name);
    const made = await this.access.createRobot({
      name,
      description: draft.description ?? '',
      level: draft.level,
      projectId: draft.project?.id ?? null,
      disabled: draft.disabled === true,
      expiresAt: expiry(draft.days),
      permissions: draft.permissions,
      creator: draft.creator,
    });
    if (!made) throw new RobotError('conflict', `robot ${name} already exists`, 'name');
    await this.audit(actor, name, draft.project?.name ?? null, 'create');
    return made;
  }

  /** Changes description, state, lifetime or permissions; audited as enable, disable or update. */
  async update(robot: RobotRecord, project: ProjectRecord | null, change: RobotChange, actor: Actor): Promise<void> {
    if (change.permissions !== undefined) {
      const problem = permissionProblem(change.permissions, robot.level, project?.name);
      if (problem) throw new RobotError('invalid', problem, 'permissions');
    }
    await this.access.store.updateRobot(robot.id, {
      description: change.description,
      disabled: change.disabled,
      permissions: change.permissions,
      expiresAt: change.days !== undefined ? expiry(change.days) : undefined,
    });
    const op = change.disabled === true ? 'disable' : change.disabled === false ? 'enable' : 'update';
    await this.audit(actor, robot.name, project?.name ?? null, op);
  }

  /**
   * A new secret (the given one, or a generated one). The old one stops working at once, unless
   * `overlapFor` asks for a window: then it stays accepted until every holder has the new one
   * (`retirePreviousSecret`) or the window ends, whichever comes first.
   */
  async rotateSecret(robot: RobotRecord, project: ProjectRecord | null, actor: Actor, given?: string) {
    if (given !== undefined) {
      const problem = secretProblem(given);
      if (problem) throw new RobotError('invalid', problem, 'secret');
    }
    const secret = given ?? generateSecret();
    const overlap = (await this.overlapFor?.(robot.name)) ?? 0;
    const until = overlap > 0 ? new Date(Date.now() + overlap * 1000).toISOString() : null;
    await this.access.store.updateRobot(robot.id, {
      secretHash: await hashSecret(secret),
      previousSecretHash: until ? robot.secretHash : null,
      previousSecretUntil: until,
    });
    await this.audit(actor, robot.name, project?.name ?? null, 'refresh_secret');
    const notified = await this.onSecretRotated?.(robot.name, secret);
    return { secret, notified };
  }

  async delete(robot: RobotRecord, project: ProjectRecord | null, actor: Actor): Promise<void> {
    await this.access.store.deleteRobot(robot.id);
    await this.audit(actor, robot.name, project?.name ?? null, 'delete');
  }
}
