/**
 * Cron expressions as Harbor writes them: six fields (second minute hour
 * day-of-month month day-of-week), or the classic five (no seconds). Fields
 * take `*`, numbers, ranges `a-b`, lists `a,b` and steps `* /n` or `a-b/n`.
 * Schedules fire at minute resolution; the seconds field is validated only.
 */

const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

export interface Cron {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  anyDay: boolean;
  anyWeekday: boolean;
}

export class CronError extends Error {}

function field(text: string, f: (typeof FIELDS)[number]): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|\?|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new CronError(`invalid ${f.name} field "${part}"`);
    const lo = m[2] === undefined ? f.min : Number(m[2]);
    const hi = m[3] !== undefined ? Number(m[3]) : m[2] !== undefined && m[4] === undefined ? lo : f.max;
    const step = m[4] === undefined ? 1 : Number(m[4]);
    if (lo < f.min || hi > f.max || lo > hi || step < 1)
      throw new CronError(`${f.name} "${part}" is outside ${f.min}-${f.max}`);
    for (let v = lo; v <= hi; v += step) out.add(f.name === 'day of week' && v === 7 ? 0 : v);
  }
  return out;
}

export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6)
    throw new CronError(`a cron expression has 6 fields (or 5), not ${parts.length}`);
  const six = parts.length === 6 ? parts : ['0', ...parts];
  const [, minutes, hours, days, months, weekdays] = six.map((p, i) => field(p, FIELDS[i]));
  return {
    minutes,
    hours,
    days,
    months,
    weekdays,
    anyDay: six[3] === '*' || six[3] === '?',
    anyWeekday: six[5] === '*' || six[5] === '?',
  };
}

/** Whether the cron fires in the (UTC) minute of `at`. */
export function cronMatches(cron: Cron, at: Date): boolean {
  if (!cron.minutes.has(at.getUTCMinutes()) || !cron.hours.has(at.getUTCHours())) return false;
  if (!cron.months.has(at.getUTCMonth() + 1)) return false;
  const day = cron.days.has(at.getUTCDate());
  const weekday = cron.weekdays.has(at.getUTCDay());
  // As in Vixie cron: when both day fields are restricted, either may match.
  if (cron.anyDay && cron.anyWeekday) return true;
  if (cron.anyDay) return weekday;
  if (cron.anyWeekday) return day;
  return day || weekday;
}

/** The next minute (after `from`) the cron fires, within a year; null if never. */
export function nextRun(cron: Cron, from: Date): Date | null {
  const t = new Date(Math.floor(from.getTime() / 60_000) * 60_000 + 60_000);
  for (let i = 0; i < 366 * 24 * 60; i++) {
    if (cronMatches(cron, t)) return t;
    t.setTime(t.getTime() + 60_000);
  }
  return null;
}

/** Harbor's schedule types as cron expressions. */
export const PRESETS: Record<string, string> = {
  Hourly: '0 0 * * * *',
  Daily: '0 0 0 * * *',
  Weekly: '0 0 0 * * 0',
};
