/**
 * Immutable tag rules (Harbor's shape): a tag matched by an enabled rule of
 * its project may not be moved to another digest or deleted, through /v2 or
 * the management API (412 naming the rule); retention never removes it.
 */
import { RegistryError } from '../../core/errors.ts';
import type { RegistryGuard } from '../../core/hooks.ts';
import { projectOf } from '../../core/names.ts';
import type { MetadataStore } from '../../core/ports.ts';
import type { ImmutableRuleRow, LifecycleStore, Selector } from './ports.ts';

/**
 * A doublestar pattern as a regular expression: `**` any characters, `*`
 * any but `/`, `?` one but `/`, `{a,b}` alternatives; null when malformed.
 */
export function doublestar(pattern: string): RegExp | null {
  let re = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      depth++;
      re += '(?:';
    } else if (c === '}') {
      if (depth === 0) return null;
      depth--;
      re += ')';
    } else if (c === ',' && depth > 0) re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return depth === 0 ? new RegExp(`^${re}$`) : null;
}

const matcher = (pattern: string) => {
  const re = doublestar(pattern);
  return (value: string) => re?.test(value) ?? false;
};

/** Harbor's doublestar selectors: `matches`/`excludes` for tags, `repoMatches`/`repoExcludes` for repositories. */
function selects(selectors: Selector[] | undefined, value: string): boolean {
  if (!selectors || selectors.length === 0) return true;
  return selectors.every((s) => {
    const hit = matcher(s.pattern)(value);
    return s.decoration === 'excludes' || s.decoration === 'repoExcludes' ? !hit : hit;
  });
}

/** Whether a rule protects `tag` of `repository` (the full name; the rule sees it without the project). */
export function ruleMatches(rule: ImmutableRuleRow, repository: string, tag: string): boolean {
  if (rule.disabled) return false;
  const project = projectOf(repository);
  const name = repository === project ? repository : repository.slice(project.length + 1);
  return selects(rule.rule.scope_selectors?.repository, name) && selects(rule.rule.tag_selectors, tag);
}

/** Checks a doublestar pattern compiles; the error names what is wrong. */
export function validPattern(pattern: string): boolean {
  if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > 256) return false;
  return doublestar(pattern) !== null;
}

export class ImmutableTags {
  constructor(
    private readonly store: LifecycleStore,
    private readonly metadata: MetadataStore,
  ) {}

  async protectingRule(repository: string, tag: string): Promise<ImmutableRuleRow | null> {
    const rules = await this.store.immutableRules(projectOf(repository));
    return rules.find((r) => ruleMatches(r, repository, tag)) ?? null;
  }

  async assertMutable(repository: string, tag: string, what: string): Promise<void> {
    const rule = await this.protectingRule(repository, tag);
    if (!rule) return;
    const pattern = rule.rule.tag_selectors?.map((s) => s.pattern).join(', ') ?? '**';
    throw new RegistryError(
      'TAG_IMMUTABLE',
      `tag ${tag} of ${repository} is immutable (immutable tag rule ${rule.id}, tags ${pattern}): cannot ${what} it`,
      { repository, tag, rule: rule.id },
    );
  }

  guard(): RegistryGuard {
    return {
      name: 'immutable',
      beforeManifestPut: async (c) => {
        if (c.tag !== null && c.previous !== null && c.previous !== c.digest)
          await this.assertMutable(c.repository, c.tag, 'move');
      },
      beforeTagDelete: async (c) => this.assertMutable(c.repository, c.tag, 'delete'),
      beforeManifestDelete: async (c) => {
        for (const tag of await this.metadata.tagsOf(c.repository, c.digest))
          await this.assertMutable(c.repository, tag, 'delete');
      },
    };
  }
}
