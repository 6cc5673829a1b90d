/**
 * Harbor's tag retention rules: input checks (each error names its field)
 * and the decision for one repository. Rules are OR'd: an artifact is kept
 * when any enabled rule whose repository scope matches selects and retains
 * it; every other artifact of a repository in scope is removed.
 */
import { CronError, parseCron } from './cron.ts';
import { doublestar } from './immutable.ts';
import type { Selector } from './ports.ts';
import { type Candidate, type RetentionPolicy, type RetentionRule, TEMPLATES, type Template } from './ports.ts';

export class RetentionInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const TAG_DECORATIONS = new Set(['matches', 'excludes']);
const LABEL_DECORATIONS = new Set(['withLabels', 'withoutLabels']);
const REPO_DECORATIONS = new Set(['repoMatches', 'repoExcludes']);
const DAY_MS = 86_400_000;

const fail = (field: string, message: string): never => {
  throw new RetentionInputError(field, message);
};

function pattern(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256 || doublestar(value) === null)
    fail(field, `invalid pattern "${String(value)}"`);
  return value as string;
}

function extras(field: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const parsed = JSON.parse(String(value));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return String(value);
  } catch {}
  return fail(field, 'extras must be a JSON object such as {"untagged":true}');
}

function tagSelector(s: Partial<Selector>, field: string): Selector {
  const kind = s.kind ?? 'doublestar';
  if (kind === 'doublestar') {
    const decoration = s.decoration ?? 'matches';
    if (!TAG_DECORATIONS.has(decoration)) fail(`${field}.decoration`, 'decoration must be matches or excludes');
    const e = extras(`${field}.extras`, s.extras);
    return { kind, decoration, pattern: pattern(`${field}.pattern`, s.pattern), ...(e ? { extras: e } : {}) };
  }
  if (kind === 'label') {
    const decoration = s.decoration ?? 'withLabels';
    if (!LABEL_DECORATIONS.has(decoration))
      fail(`${field}.decoration`, 'decoration must be withLabels or withoutLabels');
    if (typeof s.pattern !== 'string' || s.pattern.trim() === '')
      fail(`${field}.pattern`, 'a label selector names labels, separated by commas');
    return { kind, decoration, pattern: s.pattern as string };
  }
  return fail(`${field}.kind`, `selector kind must be doublestar or label, not "${kind}"`);
}

function rule(r: Partial<RetentionRule> & Record<string, unknown>, i: number): RetentionRule {
  const at = `rules[${i}]`;
  const template = r.template as Template;
  if (!TEMPLATES.includes(template)) fail(`${at}.template`, `template must be one of ${TEMPLATES.join(', ')}`);
  if (r.action !== undefined && r.action !== 'retain') fail(`${at}.action`, 'action must be retain');
  const params: Record<string, number> = {};
  if (template !== 'always') {
    const v = (r.params as Record<string, unknown> | undefined)?.[template];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 100_000)
      fail(`${at}.params.${template}`, `${template} must be a whole number from 0 to 100000`);
    params[template] = v as number;
  }
  if (!Array.isArray(r.tag_selectors) || r.tag_selectors.length === 0)
    fail(`${at}.tag_selectors`, 'at least one tag selector is needed');
  const tags = (r.tag_selectors as Partial<Selector>[]).map((s, j) => tagSelector(s, `${at}.tag_selectors[${j}]`));
  const scope = (r.scope_selectors as Record<string, Partial<Selector>[]> | undefined) ?? {};
  for (const key of Object.keys(scope))
    if (key !== 'repository') fail(`${at}.scope_selectors.${key}`, 'only the repository scope is supported');
  const repos = (scope.repository ?? [{ pattern: '**' }]).map((s, j) => {
    const field = `${at}.scope_selectors.repository[${j}]`;
    if ((s.kind ?? 'doublestar') !== 'doublestar') fail(`${field}.kind`, 'repository selectors are doublestar');
    const decoration = s.decoration ?? 'repoMatches';
    if (!REPO_DECORATIONS.has(decoration))
      fail(`${field}.decoration`, 'decoration must be repoMatches or repoExcludes');
    return { kind: 'doublestar', decoration, pattern: pattern(`${field}.pattern`, s.pattern) };
  });
  return {
    ...(typeof r.id === 'number' ? { id: r.id } : {}),
    priority: typeof r.priority === 'number' ? r.priority : 0,
    disabled: r.disabled === true,
    action: 'retain',
    template,
    params,
    tag_selectors: tags,
    scope_selectors: { repository: repos },
  };
}

/** The policy as stored, from a request body; RetentionInputError names the first bad field. */
export function checkPolicy(body: Record<string, unknown>, projectId: number): RetentionPolicy {
  if (body.algorithm !== undefined && body.algorithm !== 'or') fail('algorithm', 'algorithm must be "or"');
  const rules = body.rules;
  if (!Array.isArray(rules)) return fail('rules', 'rules must be a list');
  if (rules.length > 15) fail('rules', 'at most 15 rules');
  const trigger = (body.trigger ?? { kind: 'Schedule', settings: { cron: '' } }) as {
    kind?: string;
    settings?: { cron?: unknown };
  };
  if (trigger.kind !== undefined && trigger.kind !== 'Schedule') fail('trigger.kind', 'trigger kind must be Schedule');
  const cron = trigger.settings?.cron ?? '';
  if (typeof cron !== 'string') fail('trigger.settings.cron', 'cron must be a string');
  if (cron !== '')
    try {
      parseCron(cron as string);
    } catch (err) {
      fail('trigger.settings.cron', err instanceof CronError ? err.message : 'invalid cron expression');
    }
  return {
    algorithm: 'or',
    rules: rules.map((r, i) => rule(r as Record<string, unknown>, i)),
    trigger: { kind: 'Schedule', settings: { cron: cron as string } },
    scope: { level: 'project', ref: projectId },
  };
}

// ------------------------------------------------------------ decision

const test = (p: string) => {
  const re = doublestar(p);
  return (v: string) => re?.test(v) ?? false;
};

export function inScope(r: RetentionRule, repository: string): boolean {
  if (r.disabled) return false;
  return r.scope_selectors.repository.every((s) => test(s.pattern)(repository) === (s.decoration === 'repoMatches'));
}

const untaggedAllowed = (selectors: Selector[]) =>
  selectors.some((s) => {
    try {
      return s.extras !== undefined && JSON.parse(s.extras).untagged === true;
    } catch {
      return false;
    }
  });

function selects(r: RetentionRule, c: Candidate, labels: string[] | undefined): boolean {
  const globs = r.tag_selectors.filter((s) => s.kind === 'doublestar');
  for (const s of r.tag_selectors.filter((s) => s.kind === 'label')) {
    const wanted = s.pattern.split(',').map((x) => x.trim());
    const has = wanted.every((w) => labels?.includes(w));
    if (has !== (s.decoration === 'withLabels')) return false;
  }
  if (c.tags.length === 0) return untaggedAllowed(globs);
  return c.tags.some((t) => globs.every((s) => test(s.pattern)(t) === (s.decoration === 'matches')));
}

export function describeRule(r: RetentionRule, i: number): string {
  const n = r.params[r.template];
  return `rule ${i + 1} ${r.template}${n === undefined ? '' : `=${n}`}`;
}

/**
 * For each candidate of a repository in scope, the rules that retain it (an
 * empty list: removed). `labels` answers label selectors (absent: none match).
 */
export function decide(
  rules: RetentionRule[],
  repository: string,
  candidates: Candidate[],
  now: Date,
  labels?: Map<string, string[]>,
): Map<string, string[]> {
  const out = new Map<string, string[]>(candidates.map((c) => [c.digest, []]));
  rules.forEach((r, i) => {
    if (!inScope(r, repository)) return;
    const picked = candidates.filter((c) => selects(r, c, labels?.get(c.digest)));
    const n = r.params[r.template] ?? 0;
    const since = now.getTime() - n * DAY_MS;
    let kept: Candidate[];
    if (r.template === 'latestPushedK')
      kept = [...picked].sort((a, b) => b.pushedAt.localeCompare(a.pushedAt)).slice(0, n);
    else if (r.template === 'latestPulledN')
      kept = [...picked].sort((a, b) => (b.pulledAt ?? '').localeCompare(a.pulledAt ?? '')).slice(0, n);
    else if (r.template === 'nDaysSinceLastPush') kept = picked.filter((c) => Date.parse(c.pushedAt) >= since);
    else if (r.template === 'nDaysSinceLastPull')
      kept = picked.filter((c) => c.pulledAt !== null && Date.parse(c.pulledAt) >= since);
    else kept = picked;
    for (const c of kept) out.get(c.digest)?.push(describeRule(r, i));
  });
  return out;
}

/** Harbor's /retentions/metadatas: the templates and selectors this server understands. */
export const RETENTION_METADATA = {
  templates: [
    {
      rule_template: 'latestPushedK',
      display_text: 'the most recently pushed # artifacts',
      action: 'retain',
      params: [{ type: 'int', unit: 'COUNT', required: true }],
    },
    {
      rule_template: 'latestPulledN',
      display_text: 'the most recently pulled # artifacts',
      action: 'retain',
      params: [{ type: 'int', unit: 'COUNT', required: true }],
    },
    {
      rule_template: 'nDaysSinceLastPush',
      display_text: 'pushed within the last # days',
      action: 'retain',
      params: [{ type: 'int', unit: 'DAYS', required: true }],
    },
    {
      rule_template: 'nDaysSinceLastPull',
      display_text: 'pulled within the last # days',
      action: 'retain',
      params: [{ type: 'int', unit: 'DAYS', required: true }],
    },
    { rule_template: 'always', display_text: 'always', action: 'retain', params: [] },
  ],
  scope_selectors: [{ display_text: 'Repositories', kind: 'doublestar', decorations: ['repoMatches', 'repoExcludes'] }],
  tag_selectors: [
    { display_text: 'Tags', kind: 'doublestar', decorations: ['matches', 'excludes'] },
    { display_text: 'Labels', kind: 'label', decorations: ['withLabels', 'withoutLabels'] },
  ],
};
