/**
 * Wall-clock arithmetic in Europe/Brussels (quiet hours, the sender's calendar day), with the
 * platform's Intl time-zone data: no dependency, DST handled by asking the offset twice.
 */
const TIME_ZONE = 'Europe/Brussels';

const formatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The Brussels wall clock at an instant (epoch ms). */
export function brusselsWallClock(instant: number): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

/** The Brussels calendar day of an instant, `YYYY-MM-DD` (daily quotas). */
export function brusselsDay(instant: number): string {
  const w = brusselsWallClock(instant);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

function offsetAt(instant: number): number {
  const w = brusselsWallClock(instant);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant a Brussels wall-clock time happens (the later one if it happens twice, the shifted one if never). */
export function brusselsInstant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
): number {
  const naive = Date.UTC(year, month - 1, day, hour, minute);
  const first = naive - offsetAt(naive);
  const second = naive - offsetAt(first);
  return second;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/**
 * When the quiet hours around `instant` end, or undefined when `instant` is outside them.
 * Windows may cross midnight (`22:00`-`07:00`); equal start and end means no quiet hours.
 */
export function quietHoursEnd(
  instant: number,
  quiet: { start: string; end: string } | undefined,
): number | undefined {
  if (!quiet) return undefined;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return undefined;
  const w = brusselsWallClock(instant);
  const now = w.hour * 60 + w.minute;
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return undefined;
  const endsTomorrow = start > end && now >= start;
  const date = new Date(Date.UTC(w.year, w.month - 1, w.day + (endsTomorrow ? 1 : 0)));
  return brusselsInstant(
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    Math.floor(end / 60),
    end % 60,
  );
}
