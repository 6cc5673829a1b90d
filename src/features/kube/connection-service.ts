/**
 * Registry connections as stored: create, change, remove, and what a stored
 * connection renders (pull secret, container snippet, mirror files, test).
 * Passwords are sealed before they reach the store and never leave this
 * service except inside a rendered secret or a registry request.
 */
import { robotFullName, validRobotShortName } from '../../core/access/robots.ts';
import type { JobQueue } from '../../core/jobs.ts';
import { OutboundPolicy, OutboundRefusedError } from '../../core/outbound.ts';
import { type ConnectionTestOptions, type ConnectionTestResult, testConnection } from './connection-test.ts';
import { addressUrl, ConnectionInvalidError, parseConnection, type RegistryConnection } from './connections.ts';
import { KubeConflictError, KubeInvalidError, KubeNotFoundError } from './errors.ts';
import {
  containerSnippetYaml,
  defaultPullPolicy,
  PULL_POLICIES,
  type PullPolicy,
  pullSecretJson,
  pullSecretYaml,
  validateSecretName,
} from './pullsecret.ts';
import type { Actor, BerthRobots, RobotRequest } from './robots.ts';
import type { Sealer } from './secretbox.ts';
import type { ConnectionRecord, KubeStore } from './store.ts';
import { credentialsFingerprint } from './sync.ts';

export const RECONCILE_JOB = 'kube.reconcile';

/** What a `kube.reconcile` job carries. */
export type ReconcilePayload = { connectionId: number; reason: string } | { all: true; reason: string };

export interface ConnectionInput {
  name?: string;
  type?: string;
  address?: string;
  username?: string;
  password?: string;
  email?: string | null;
  description?: string;
  projectId?: number | null;
  berthRobot?: string | null;
}

export interface ConnectionServiceDeps {
  store: KubeStore;
  box: Sealer;
  jobs: JobQueue;
  /** Told after a reconcile job is queued, so a local worker can start at once. */
  onEnqueued?: () => void;
  /** Berth's own robot accounts (one-step robot creation); absent: not offered. */
  robots?: BerthRobots;
  /** Where connections may point (create, change, test); default: the strict policy. */
  outbound?: OutboundPolicy;
}

const passwordContext = (name: string) => `kube/connection/${name}/password`;

export class ConnectionService {
  private readonly outbound: OutboundPolicy;

  constructor(private readonly deps: ConnectionServiceDeps) {
    this.outbound = deps.outbound ?? OutboundPolicy.fromList([]);
  }

  /** A 400 naming `address` when the server may not connect there (loopback, metadata, …). */
  private async assertReachable(address: string): Promise<void> {
    try {
      await this.outbound.assertAllowed(addressUrl(address));
    } catch (e) {
      if (e instanceof OutboundRefusedError) throw new KubeInvalidError('address', `address: ${e.message}`);
      throw e;
    }
  }

  /** The stored connection with its password decrypted. */
  async resolve(id: number): Promise<{ record: ConnectionRecord; connection: RegistryConnection }> {
    const record = await this.get(id);
    return { record, connection: this.open(record) };
  }

  open(record: ConnectionRecord): RegistryConnection {
    const connection: RegistryConnection = {
      name: record.name,
      type: record.type,
      address: record.address,
      username: record.username,
      password: this.deps.box.decrypt(record.passwordSealed, passwordContext(record.name)),
    };
    if (record.email) connection.email = record.email;
    return connection;
  }

  async get(id: number): Promise<ConnectionRecord> {
    const record = await this.deps.store.connectionById(id);
    if (!record) throw new KubeNotFoundError(`registry connection ${id} not found`);
    return record;
  }

  async byName(name: string): Promise<ConnectionRecord> {
    const record = await this.deps.store.connectionByName(name);
    if (!record) throw new KubeNotFoundError(`registry connection "${name}" not found`);
    return record;
  }

  list(): Promise<ConnectionRecord[]> {
    return this.deps.store.listConnections();
  }

  async create(input: ConnectionInput): Promise<ConnectionRecord> {
    const conn = parse(input);
    await this.assertReachable(conn.address);
    const created = await this.deps.store.createConnection({
      name: conn.name,
      type: conn.type,
      address: conn.address,
      username: conn.username,
      passwordSealed: this.deps.box.encrypt(conn.password, passwordContext(conn.name)),
      email: conn.email ?? null,
      description: input.description ?? '',
      projectId: input.projectId ?? null,
      berthRobot: input.berthRobot ?? null,
    });
    if (!created) throw new KubeConflictError(`a registry connection named "${conn.name}" already exists`, 'name');
    return created;
  }

  /** The project a robot would be created in; a 404 naming the field when there is none. */
  async robotProject(name: string | undefined) {
    const robots = this.deps.robots;
    if (!robots) throw new KubeInvalidError('robot', 'robot: this server cannot create robot accounts');
    if (!name) throw new KubeInvalidError('robot.project', 'robot.project: the project of the robot is required');
    const project = await robots.project(name);
    if (!project) throw new KubeNotFoundError(`robot.project: project "${name}" not found`, 'robot.project');
    return project;
  }

  /**
   * Creates a `berth` connection together with a pull-only project robot
   * whose name and secret are its credentials; the connection keeps the
   * robot's name so a secret refresh reaches it. Everything is checked
   * before the robot is made, and the robot is removed again when the
   * connection cannot be stored: nothing is left half-created.
   */
  async createWithRobot(
    input: ConnectionInput,
    request: RobotRequest,
    actor: Actor,
  ): Promise<{ record: ConnectionRecord; robot: { id: number; name: string } }> {
    const project = await this.robotProject(request.project);
    const robots = this.deps.robots as BerthRobots;
    if (input.type !== undefined && input.type !== 'berth') {
      throw new KubeInvalidError('type', 'type: a robot can be created only for a connection of type berth');
    }
    if (input.username || input.password) {
      throw new KubeInvalidError('username', 'username: give either username and password or robot, not both');
    }
    if (input.projectId != null && input.projectId !== project.id) {
      throw new KubeInvalidError('project_id', 'project_id: the connection belongs to the project of its robot');
    }
    // The connection's own fields first (its name may be the robot's), then the robot's name.
    const placeholder = { username: 'robot$checked+first', password: 'checked-before-the-robot-exists' };
    const conn = parse({ ...input, type: 'berth', ...placeholder });
    await this.assertReachable(conn.address);
    const short = request.name ?? conn.name;
    if (!validRobotShortName(short)) {
      throw new KubeInvalidError('robot.name', 'robot.name: lower case letters and digits, separated by . _ or -');
    }
    const username = robotFullName('project', short, project.name);
    const full = { ...input, type: 'berth', username, projectId: project.id, berthRobot: username };
    if (await this.deps.store.connectionByName(conn.name)) {
      throw new KubeConflictError(`name: a registry connection named "${conn.name}" already exists`, 'name');
    }
    const robot = await robots.createPullRobot({
      project,
      name: short,
      description: `pull secret of registry connection ${conn.name}`,
      actor,
    });
    if (!robot) throw new KubeConflictError(`robot.name: robot ${username} already exists`, 'robot.name');
    try {
      const record = await this.create({ ...full, password: robot.secret });
      return { record, robot: { id: robot.id, name: robot.name } };
    } catch (e) {
      await robots.deleteRobot(robot, project, actor);
      throw e;
    }
  }

  /**
   * Changes a connection; an omitted password keeps the stored one. When the
   * rendered credentials change and the secret is placed in clusters, a
   * reconcile job is queued (its id returned).
   */
  async update(id: number, input: ConnectionInput): Promise<{ record: ConnectionRecord; jobId: string | null }> {
    const { record, connection: current } = await this.resolve(id);
    if (input.name !== undefined && input.name !== record.name) {
      throw new KubeInvalidError('name', 'name cannot be changed; create a new connection instead');
    }
    const next = parse({
      name: record.name,
      type: input.type ?? record.type,
      address: input.address ?? record.address,
      username: input.username ?? record.username,
      password: input.password ?? current.password,
      email: input.email === undefined ? (record.email ?? undefined) : (input.email ?? undefined),
    });
    if (next.address !== record.address) await this.assertReachable(next.address);
    const updated = await this.deps.store.updateConnection(id, {
      type: next.type,
      address: next.address,
      username: next.username,
      passwordSealed:
        next.password === current.password
          ? record.passwordSealed
          : this.deps.box.encrypt(next.password, passwordContext(record.name)),
      email: next.email ?? null,
      description: input.description,
      berthRobot: input.berthRobot,
    });
    if (!updated) throw new KubeNotFoundError(`registry connection ${id} not found`);
    const changed = credentialsFingerprint(current) !== credentialsFingerprint(next);
    const jobId = changed ? await this.enqueueReconcile(id, 'credentials changed') : null;
    return { record: updated, jobId };
  }

  async delete(id: number): Promise<void> {
    const record = await this.get(id);
    const placements = await this.deps.store.listPlacements({ connectionId: id });
    if (placements.length > 0) {
      throw new KubeConflictError(
        `registry connection "${record.name}" is placed in ${placements.length} cluster target(s); remove those placements first`,
      );
    }
    const groups = (await this.deps.store.listGroups()).filter((g) => g.members.some((m) => m.connectionId === id));
    if (groups.length > 0) {
      throw new KubeConflictError(
        `registry connection "${record.name}" is a mirror in group(s) ${groups.map((g) => `"${g.name}"`).join(', ')}; remove it there first`,
      );
    }
    await this.deps.store.deleteConnection(id);
  }

  /** Queues a reconcile of every copy of the connection's secret; null when it is placed nowhere. */
  async enqueueReconcile(connectionId: number, reason: string): Promise<string | null> {
    const placements = await this.deps.store.listPlacements({ connectionId });
    if (placements.length === 0) return null;
    const payload: ReconcilePayload = { connectionId, reason };
    const jobId = await this.deps.jobs.enqueue(RECONCILE_JOB, payload);
    this.deps.onEnqueued?.();
    return jobId;
  }

  /**
   * A Berth robot's secret was rotated: every connection carrying that robot
   * gets the new secret, and its copies in clusters are reconciled.
   */
  async robotSecretRotated(robotName: string, secret: string): Promise<string[]> {
    const jobs: string[] = [];
    for (const record of await this.deps.store.listConnections({ berthRobot: robotName })) {
      const { jobId } = await this.update(record.id, { password: secret });
      if (jobId) jobs.push(jobId);
    }
    return jobs;
  }

  // ------------------------------------------------------------ rendering

  async pullSecret(
    id: number,
    options: { name?: string; namespace?: string; format?: 'yaml' | 'json' },
  ): Promise<string> {
    const { connection } = await this.resolve(id);
    const name = options.name ?? `${connection.name}-pull`;
    const nameError = validateSecretName(name);
    if (nameError) throw new KubeInvalidError('name', nameError);
    const input = {
      name,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      server: connection.address,
      username: connection.username,
      password: connection.password,
      ...(connection.email ? { email: connection.email } : {}),
    };
    try {
      return options.format === 'json' ? pullSecretJson(input) : pullSecretYaml(input);
    } catch (e) {
      throw new KubeInvalidError('namespace', (e as Error).message);
    }
  }

  async snippet(id: number, options: { secretName?: string; image: string; policy?: string }): Promise<string> {
    const record = await this.get(id);
    // Without a choice, what Kubernetes would pick for this image.
    const policy = (options.policy || defaultPullPolicy(options.image ?? '')) as PullPolicy;
    if (!(policy in PULL_POLICIES)) {
      throw new KubeInvalidError('policy', `policy must be one of ${Object.keys(PULL_POLICIES).join(', ')}`);
    }
    if (!options.image) throw new KubeInvalidError('image', 'image is required, e.g. reg.example.com/team/app:1.0');
    const secretName = options.secretName ?? `${record.name}-pull`;
    const nameError = validateSecretName(secretName);
    if (nameError) throw new KubeInvalidError('name', nameError);
    return containerSnippetYaml({ secretName, image: options.image, policy });
  }

  /** Runs the test and keeps its result as the connection's last test. */
  async test(id: number, options: ConnectionTestOptions = {}): Promise<ConnectionTestResult> {
    const { connection } = await this.resolve(id);
    // Also for connections stored before the policy existed: nothing is opened to a refused address.
    await this.assertReachable(connection.address);
    const result = await testConnection(connection, { ...options, outbound: this.outbound });
    await this.deps.store.recordConnectionTest(id, { ...result, at: new Date().toISOString() });
    return result;
  }
}

export function parse(input: ConnectionInput): RegistryConnection {
  try {
    return parseConnection({ ...input, email: input.email ?? undefined });
  } catch (e) {
    if (e instanceof ConnectionInvalidError) {
      const first = e.errors[0]!;
      throw new KubeInvalidError(first.field, e.message);
    }
    throw e;
  }
}
