/**
 * A replication policy as the API receives it (Harbor's ReplicationPolicy),
 * checked field by field into a NewPolicy; errors name the field.
 */
import { isValidName } from '../../core/names.ts';
import { ReplicationInputError } from './errors.ts';
import { doublestar, PatternError, parseCron } from './patterns.ts';
import type { Filter, NewPolicy, TriggerType } from './store.ts';

export interface PolicyInput {
  name?: string;
  description?: string;
  src_registry?: { id?: number } | null;
  dest_registry?: { id?: number } | null;
  dest_namespace?: string;
  dest_namespace_replace_count?: number | null;
  trigger?: { type?: string; trigger_settings?: { cron?: string } } | null;
  filters?: { type?: string; value?: unknown; decoration?: string }[] | null;
  replicate_deletion?: boolean;
  deletion?: boolean;
  override?: boolean;
  enabled?: boolean;
  speed?: number | null;
  copy_by_chunk?: boolean | null;
}

const FILTER_TYPES = ['name', 'tag', 'label', 'resource'] as const;
const TRIGGERS: TriggerType[] = ['manual', 'scheduled', 'event_based'];

/** Registry id of a side: null for this Berth (absent, null or id 0, as Harbor's "Local"). */
const sideOf = (r: { id?: number } | null | undefined) => (r?.id ? r.id : null);

export function checkPolicy(input: PolicyInput): NewPolicy {
  const name = (input.name ?? '').trim();
  if (!name) throw new ReplicationInputError('name', 'name is required');
  if (name.length > 255) throw new ReplicationInputError('name', 'name is longer than 255 characters');
  const srcRegistryId = sideOf(input.src_registry);
  const destRegistryId = sideOf(input.dest_registry);
  if (srcRegistryId === null && destRegistryId === null)
    throw new ReplicationInputError('dest_registry', 'one of src_registry and dest_registry must be a remote registry');
  if (srcRegistryId !== null && destRegistryId !== null)
    throw new ReplicationInputError(
      'src_registry',
      'one of src_registry and dest_registry must be this registry (id 0 or absent)',
    );
  const destNamespace = (input.dest_namespace ?? '').trim();
  if (destNamespace && !isValidName(destNamespace))
    throw new ReplicationInputError('dest_namespace', `dest_namespace ${destNamespace} is not a valid repository path`);
  const replaceCount = input.dest_namespace_replace_count ?? -1;
  if (!Number.isInteger(replaceCount) || replaceCount < -1 || replaceCount > 32)
    throw new ReplicationInputError('dest_namespace_replace_count', 'dest_namespace_replace_count must be -1 to 32');

  const triggerType = (input.trigger?.type ?? 'manual') as TriggerType;
  if (!TRIGGERS.includes(triggerType))
    throw new ReplicationInputError('trigger.type', `trigger.type must be one of ${TRIGGERS.join(', ')}`);
  const cron = (input.trigger?.trigger_settings?.cron ?? '').trim();
  if (triggerType === 'scheduled') {
    try {
      parseCron(cron);
    } catch (err) {
      throw new ReplicationInputError('trigger.trigger_settings.cron', (err as Error).message);
    }
  }
  if (triggerType === 'event_based' && srcRegistryId !== null)
    throw new ReplicationInputError(
      'trigger.type',
      'event_based triggers need this registry as the source (push-based)',
    );

  const filters: Filter[] = (input.filters ?? []).map((f, i) => {
    const field = `filters[${i}]`;
    if (!(FILTER_TYPES as readonly string[]).includes(f.type ?? ''))
      throw new ReplicationInputError(`${field}.type`, `filter type must be one of ${FILTER_TYPES.join(', ')}`);
    const type = f.type as Filter['type'];
    const value = Array.isArray(f.value) ? f.value.join(',') : typeof f.value === 'string' ? f.value : '';
    if (typeof f.value !== 'string' && !Array.isArray(f.value))
      throw new ReplicationInputError(`${field}.value`, 'filter value must be a string');
    const decoration = (f.decoration || 'matches') as Filter['decoration'];
    if (decoration !== 'matches' && decoration !== 'excludes')
      throw new ReplicationInputError(`${field}.decoration`, 'decoration must be matches or excludes');
    if (type === 'name' || type === 'tag') {
      try {
        doublestar(value);
      } catch (err) {
        if (err instanceof PatternError)
          throw new ReplicationInputError(`${field}.value`, `bad pattern: ${err.message}`);
        throw err;
      }
    }
    if (type === 'resource' && !['image', 'artifact'].includes(value))
      throw new ReplicationInputError(`${field}.value`, 'resource filter value must be image or artifact');
    return { type, value, decoration };
  });

  const speed = input.speed ?? -1;
  if (!Number.isInteger(speed) || speed < -1)
    throw new ReplicationInputError('speed', 'speed must be -1 (unlimited) or KB/s');
  return {
    name,
    description: input.description ?? '',
    srcRegistryId,
    destRegistryId,
    destNamespace,
    destNamespaceReplaceCount: replaceCount,
    filters,
    trigger: { type: triggerType, cron },
    replicateDeletion: input.replicate_deletion ?? input.deletion ?? false,
    override: input.override ?? true,
    enabled: input.enabled ?? true,
    speed,
    copyByChunk: input.copy_by_chunk ?? false,
  };
}

/**
 * Whether a repository and tag pass a policy's name, tag and resource
 * filters; label filters need the artifact (`labelsPass`) and pass here.
 */
export function selects(filters: Filter[], repository: string, tag: string | null): boolean {
  for (const f of filters) {
    const hit = (() => {
      switch (f.type) {
        case 'name':
          return f.value === '' || doublestar(f.value).test(repository);
        case 'tag':
          return tag === null ? f.value === '' || f.value === '**' : f.value === '' || doublestar(f.value).test(tag);
        case 'label':
          return true;
        default:
          return true;
      }
    })();
    if (f.type === 'label') continue;
    if (f.decoration === 'excludes' ? hit && f.value !== '' : !hit) return false;
  }
  return true;
}

/** The label names a label filter lists (stored comma-separated; Harbor sends a list). */
export const labelNames = (f: Filter) =>
  f.value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Whether a policy needs an artifact's labels to decide (a label filter naming any). */
export const hasLabelFilter = (filters: Filter[]) => filters.some((f) => f.type === 'label' && labelNames(f).length);

/**
 * Harbor's label filters: `matches` selects an artifact carrying every label
 * listed, `excludes` one that does not carry all of them; an empty list selects all.
 */
export function labelsPass(filters: Filter[], carried: string[]): boolean {
  const have = new Set(carried);
  for (const f of filters) {
    if (f.type !== 'label') continue;
    const wanted = labelNames(f);
    if (!wanted.length) continue;
    const all = wanted.every((name) => have.has(name));
    if (f.decoration === 'excludes' ? all : !all) return false;
  }
  return true;
}
