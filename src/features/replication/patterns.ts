/**
 * The small languages of a replication policy: doublestar patterns for
 * repository and tag filters (Harbor's), the destination namespace rule, and
 * cron expressions of scheduled triggers (Harbor's six fields, with seconds).
 */

export class PatternError extends Error {}

/**
 * Compiles a doublestar pattern: `*` matches within one path segment, `**`
 * across segments, `?` one character, `[abc]`/`[!a-z]` a class, `{a,b}` alternatives.
 */
export function doublestar(pattern: string): RegExp {
  let out = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` also matches no segment at all.
        if (pattern[i + 1] === '/') {
          i++;
          out += '(?:.*/)?';
        } else out += '.*';
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) throw new PatternError(`unclosed [ in ${pattern}`);
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('!') || body.startsWith('^')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '{') {
      depth++;
      out += '(?:';
    } else if (c === '}') {
      if (depth === 0) throw new PatternError(`unbalanced } in ${pattern}`);
      depth--;
      out += ')';
    } else if (c === ',' && depth > 0) out += '|';
    else if (c === '\\' && i + 1 < pattern.length) {
      out += escapeChar(pattern[++i] as string);
    } else out += escapeChar(c);
  }
  if (depth !== 0) throw new PatternError(`unclosed { in ${pattern}`);
  try {
    return new RegExp(`^${out}$`);
  } catch (err) {
    throw new PatternError((err as Error).message);
  }
}

const escapeChar = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Harbor's destination repository: with `replaceCount` < 0 (legacy) the
 * namespace replaces everything before the last path component; otherwise
 * the first `replaceCount` components are replaced by the namespace.
 */
export function destinationRepository(repository: string, namespace: string, replaceCount: number): string {
  if (replaceCount < 0) {
    if (!namespace) return repository;
    return `${namespace}/${repository.slice(repository.lastIndexOf('/') + 1)}`;
  }
  const parts = repository.split('/');
  if (replaceCount > parts.length)
    throw new PatternError(
      `dest_namespace_replace_count ${replaceCount} is more than the ${parts.length} components of ${repository}`,
    );
  const rest = parts.slice(replaceCount).join('/');
  if (!namespace) {
    if (!rest) throw new PatternError(`replacing every component of ${repository} with no namespace leaves no name`);
    return rest;
  }
  return rest ? `${namespace}/${rest}` : namespace;
}

// ---------------------------------------------------------------- cron

const FIELDS: [string, number, number][] = [
  ['second', 0, 59],
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12],
  ['day of week', 0, 6],
];

export interface Cron {
  matches(at: Date): boolean;
}

/** A cron expression of six fields (`0 0 * * * *`: hourly), or five (no seconds); UTC. */
export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length === 5) parts.unshift('0');
  if (parts.length !== 6)
    throw new PatternError('a cron expression has six fields: second minute hour day month weekday');
  const sets = parts.map((p, i) => fieldSet(p, ...(FIELDS[i] as [string, number, number])));
  const [sec, min, hour, dom, month, dow] = sets as Set<number>[];
  const domAny = parts[3] === '*' || parts[3] === '?';
  const dowAny = parts[5] === '*' || parts[5] === '?';
  return {
    matches(at: Date) {
      if (!sec!.has(at.getUTCSeconds()) || !min!.has(at.getUTCMinutes()) || !hour!.has(at.getUTCHours())) return false;
      if (!month!.has(at.getUTCMonth() + 1)) return false;
      const d = dom!.has(at.getUTCDate());
      const w = dow!.has(at.getUTCDay());
      // Classic cron: when both day fields are restricted, either may match.
      if (domAny) return w;
      if (dowAny) return d;
      return d || w;
    },
  };
}

function fieldSet(text: string, name: string, min: number, max: number): Set<number> {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new PatternError(`bad step in the ${name} field: ${item}`);
    let lo = min;
    let hi = max;
    if (range !== '*' && range !== '?') {
      const [a, b] = (range ?? '').split('-');
      lo = Number(a);
      hi = b === undefined ? (stepText === undefined ? lo : max) : Number(b);
      if (name === 'day of week' && hi === 7) hi = 6;
      if (!/^\d+$/.test(a ?? '') || (b !== undefined && !/^\d+$/.test(b)) || lo < min || hi > max || lo > hi)
        throw new PatternError(`bad ${name} field: ${item} (${min}-${max})`);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}
