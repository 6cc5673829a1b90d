/**
 * Berth robot accounts made for a registry connection in one step: a
 * pull-only project robot whose name and secret become the connection's
 * credentials. `BerthRobots` is the port the connection service uses;
 * `accessRobots` implements it over the identity module.
 */

import { PULL_ONLY, robotFullName } from '../../core/access/robots.ts';
import type { AccessService } from '../../core/access/service.ts';

/** Who asks (recorded as the robot's creator and in the audit log). */
export interface Actor {
  name: string;
  address: string;
}

/** What the caller asks for: a robot in `project`, named `name` (default: the connection's name). */
export interface RobotRequest {
  project: string;
  name?: string;
}

export interface ProjectRef {
  id: number;
  name: string;
}

export interface IssuedRobot {
  id: number;
  /** Full name: `robot$<project>+<name>`. */
  name: string;
  secret: string;
}

export interface BerthRobots {
  project(name: string): Promise<ProjectRef | null>;
  /** A pull-only robot of `project`; null when its name is taken. */
  createPullRobot(spec: {
    project: ProjectRef;
    name: string;
    description: string;
    actor: Actor;
  }): Promise<IssuedRobot | null>;
  /** Undoes `createPullRobot` (the connection could not be stored). */
  deleteRobot(robot: IssuedRobot, project: ProjectRef, actor: Actor): Promise<void>;
  /** Until when the robot's previous secret is accepted (a refresh's overlap window); null: none open. */
  previousSecretUntil?(robotName: string): Promise<string | null>;
  /** Ends the overlap window: only the current secret works from now on. */
  retirePreviousSecret?(robotName: string): Promise<void>;
}

export function accessRobots(access: AccessService): BerthRobots {
  const audit = (actor: Actor, robot: string, project: string, operation: string) =>
    access.audit({
      username: actor.name,
      resource: robot,
      resourceType: 'robot',
      operation,
      result: 'success',
      project,
      address: actor.address,
    });
  return {
    async project(name) {
      const p = await access.store.projectByName(name);
      return p ? { id: p.id, name: p.name } : null;
    },
    async createPullRobot({ project, name, description, actor }) {
      const made = await access.createRobot({
        name: robotFullName('project', name, project.name),
        description,
        level: 'project',
        projectId: project.id,
        disabled: false,
        expiresAt: null,
        permissions: [{ kind: 'project', namespace: project.name, access: [...PULL_ONLY] }],
        creator: actor.name,
      });
      if (!made) return null;
      await audit(actor, made.robot.name, project.name, 'create');
      return { id: made.robot.id, name: made.robot.name, secret: made.secret };
    },
    async previousSecretUntil(robotName) {
      const robot = await access.store.robotByName(robotName);
      const until = robot?.previousSecretHash ? (robot.previousSecretUntil ?? null) : null;
      return until && Date.parse(until) > Date.now() ? until : null;
    },
    async retirePreviousSecret(robotName) {
      const robot = await access.store.robotByName(robotName);
      if (robot?.previousSecretHash)
        await access.store.updateRobot(robot.id, { previousSecretHash: null, previousSecretUntil: null });
    },
    async deleteRobot(robot, project, actor) {
      await access.store.deleteRobot(robot.id);
      await audit(actor, robot.name, project.name, 'delete');
    },
  };
}
