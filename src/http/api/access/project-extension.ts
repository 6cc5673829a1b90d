/**
 * Fields a feature adds to projects (Berth's extensions of Harbor's project
 * shape, e.g. proxy caches' `registry_id` and groups' `group_members`): checked
 * before the project is created or changed, saved after, shown in its view,
 * dropped with it.
 */
import type { ProjectRecord } from '../../../core/access/ports.ts';

export interface ProjectExtension {
  /** Throws the API's 400 (naming the field) when the body's extension fields are wrong; `project` null on create. */
  check(body: Record<string, unknown>, project: ProjectRecord | null): Promise<void>;
  save(body: Record<string, unknown>, project: ProjectRecord, created: boolean): Promise<void>;
  view(project: ProjectRecord): Record<string, unknown>;
  removed(project: ProjectRecord): Promise<void>;
}
