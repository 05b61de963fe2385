import { describe, expect, it } from 'vitest';
import { brusselsDay, brusselsInstant, quietHoursEnd } from './brussels-time';

describe('Brussels wall clock', () => {
  it('converts wall-clock times in winter (UTC+1) and summer (UTC+2)', () => {
    expect(brusselsInstant(2026, 1, 15, 7, 0)).toBe(Date.UTC(2026, 0, 15, 6, 0));
    expect(brusselsInstant(2026, 7, 15, 7, 0)).toBe(Date.UTC(2026, 6, 15, 5, 0));
  });

  it('names the Brussels day, not the UTC day', () => {
    expect(brusselsDay(Date.UTC(2026, 0, 15, 23, 30))).toBe('2026-01-16');
    expect(brusselsDay(Date.UTC(2026, 0, 15, 22, 30))).toBe('2026-01-15');
  });

  it('finds the end of quiet hours that cross midnight', () => {
    const quiet = { start: '22:00', end: '07:00' };
    // 23:30 Brussels on 15 January -> 07:00 on the 16th.
    expect(quietHoursEnd(Date.UTC(2026, 0, 15, 22, 30), quiet)).toBe(Date.UTC(2026, 0, 16, 6, 0));
    // 05:00 Brussels -> 07:00 the same day.
    expect(quietHoursEnd(Date.UTC(2026, 0, 16, 4, 0), quiet)).toBe(Date.UTC(2026, 0, 16, 6, 0));
    // 12:00 Brussels: not quiet.
    expect(quietHoursEnd(Date.UTC(2026, 0, 16, 11, 0), quiet)).toBeUndefined();
  });

  it('handles windows within one day and no window', () => {
    expect(quietHoursEnd(Date.UTC(2026, 6, 1, 9, 0), { start: '12:00', end: '14:00' })).toBeUndefined();
    expect(quietHoursEnd(Date.UTC(2026, 6, 1, 10, 30), { start: '12:00', end: '14:00' })).toBe(
      Date.UTC(2026, 6, 1, 12, 0),
    );
    expect(quietHoursEnd(Date.UTC(2026, 6, 1, 10, 30), { start: '12:00', end: '12:00' })).toBeUndefined();
    expect(quietHoursEnd(Date.UTC(2026, 6, 1, 10, 30), undefined)).toBeUndefined();
  });
});
