import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimerScheduler, type TimerSchedulerOptions } from './timer-scheduler';

/** Timers as rows, in memory; `fire` records the (fake) time each one fired at. */
class TimerTable {
  readonly pending: { id: string; dueAt: number }[] = [];
  readonly fired = new Map<string, number>();
  /** Ids a round may not fire (their message is busy). */
  readonly busy = new Set<string>();
  rounds = 0;

  add(id: string, dueAt: number): void {
    this.pending.push({ id, dueAt });
  }

  fire = async (now: number, limit: number): Promise<number> => {
    this.rounds += 1;
    const due = this.pending
      .filter((t) => t.dueAt <= now && !this.busy.has(t.id))
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, limit);
    for (const t of due) {
      this.pending.splice(this.pending.indexOf(t), 1);
      this.fired.set(t.id, now);
    }
    return due.length;
  };

  nextDueAt = async (): Promise<number | null> =>
    this.pending.length === 0 ? null : Math.min(...this.pending.map((t) => t.dueAt));
}

describe('TimerScheduler (fake timers, fake clock)', () => {
  const POLL = 60_000;
  let table: TimerTable;
  let scheduler: TimerScheduler;
  const errors: unknown[] = [];

  function start(options: Partial<TimerSchedulerOptions> = {}): TimerScheduler {
    scheduler = new TimerScheduler({
      fire: table.fire,
      nextDueAt: table.nextDueAt,
      clock: () => Date.now(),
      pollIntervalMs: POLL,
      batchSize: 10,
      onError: (error) => errors.push(error),
      ...options,
    });
    scheduler.start();
    return scheduler;
  }

  beforeEach(() => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 15, 11, 0) });
    table = new TimerTable();
    errors.length = 0;
  });

  afterEach(async () => {
    await scheduler?.stop();
    vi.useRealTimers();
  });

  it('wakes at the earliest due time instead of waiting for the poll interval', async () => {
    const t0 = Date.now();
    table.add('a', t0 + 1_300);
    table.add('b', t0 + 2_000);
    start();
    await vi.advanceTimersByTimeAsync(1_299);
    expect(table.fired.size).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(table.fired.get('a')).toBe(t0 + 1_300);
    await vi.advanceTimersByTimeAsync(700);
    expect(table.fired.get('b')).toBe(t0 + 2_000);
    expect(errors).toEqual([]);
  });

  it('re-arms when this process sets a timer due before the planned wake-up', async () => {
    const t0 = Date.now();
    start();
    await vi.advanceTimersByTimeAsync(0); // the first round: nothing, sleeps the poll interval
    expect(table.rounds).toBe(1);
    table.add('soon', t0 + 500);
    scheduler.armed(t0 + 500);
    await vi.advanceTimersByTimeAsync(500);
    expect(table.fired.get('soon')).toBe(t0 + 500);
    // A later timer does not bring the wake-up forward past an earlier one.
    table.add('later', t0 + 5_000);
    scheduler.armed(t0 + 5_000);
    table.add('earlier', t0 + 3_000);
    scheduler.armed(t0 + 3_000);
    await vi.advanceTimersByTimeAsync(2_500);
    expect(table.fired.get('earlier')).toBe(t0 + 3_000);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(table.fired.get('later')).toBe(t0 + 5_000);
  });

  it('does not lose a timer armed while a round runs (after its look for the next due time)', async () => {
    const t0 = Date.now();
    let armedDuringRound = false;
    start({
      nextDueAt: async () => {
        const next = await table.nextDueAt();
        if (!armedDuringRound) {
          armedDuringRound = true;
          // Committed by this process after the query ran: only the alarm tells.
          table.add('racy', t0 + 800);
          scheduler.armed(t0 + 800);
        }
        return next;
      },
    });
    await vi.advanceTimersByTimeAsync(800);
    expect(table.fired.get('racy')).toBe(t0 + 800);
  });

  it('goes on at once after a full batch, in the same round', async () => {
    const t0 = Date.now();
    for (let i = 0; i < 25; i++) table.add(`t${i}`, t0 - 1_000 + i);
    start({ batchSize: 10 });
    await vi.advanceTimersByTimeAsync(0);
    expect(table.fired.size).toBe(25);
    expect(new Set(table.fired.values())).toEqual(new Set([t0]));
    expect(table.rounds).toBe(3); // 10, 10, 5
  });

  it('looks again shortly (not in a tight loop) when a due timer could not be fired', async () => {
    const t0 = Date.now();
    table.add('busy', t0);
    table.busy.add('busy');
    start({ busyRetryMs: 50 });
    await vi.advanceTimersByTimeAsync(0);
    expect(table.rounds).toBe(1);
    await vi.advanceTimersByTimeAsync(49);
    expect(table.rounds).toBe(1);
    table.busy.clear();
    await vi.advanceTimersByTimeAsync(1);
    expect(table.rounds).toBe(2);
    expect(table.fired.get('busy')).toBe(t0 + 50);
  });

  it('finds timers set by other instances within the poll interval (the safety net)', async () => {
    const t0 = Date.now();
    start();
    await vi.advanceTimersByTimeAsync(0);
    table.add('elsewhere', t0 + 10); // no alarm: another instance set it
    await vi.advanceTimersByTimeAsync(POLL - 1);
    expect(table.fired.size).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(table.fired.get('elsewhere')).toBe(t0 + POLL);
  });

  it('reports a failed round and tries again after the poll interval', async () => {
    let failures = 1;
    const t0 = Date.now();
    table.add('a', t0);
    start({
      fire: async (now, limit) => {
        if (failures-- > 0) throw new Error('connection lost');
        return table.fire(now, limit);
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
    expect(table.fired.size).toBe(0);
    await vi.advanceTimersByTimeAsync(POLL);
    expect(table.fired.get('a')).toBe(t0 + POLL);
  });

  it('stops: no round after stop(), and an armed timer is ignored', async () => {
    const t0 = Date.now();
    start();
    await vi.advanceTimersByTimeAsync(0);
    await scheduler.stop();
    table.add('a', t0 + 10);
    scheduler.armed(t0 + 10);
    await vi.advanceTimersByTimeAsync(POLL * 2);
    expect(table.rounds).toBe(1);
    expect(table.fired.size).toBe(0);
  });
});
