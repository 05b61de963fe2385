/**
 * When the router looks for due timers. A round fires due timers in batches (a full batch is
 * followed by the next at once), then asks for the earliest remaining due time and sleeps until
 * then, never longer than the poll interval (the safety net for timers other instances set). A
 * timer committed by this process that is due before the planned wake-up re-arms the sleep
 * (`armed`), also while a round runs.
 */
export interface TimerSchedulerOptions {
  /** Fires up to `limit` timers due at `now`; returns how many it fired. */
  fire(now: number, limit: number): Promise<number>;
  /** The earliest due time of any timer (epoch ms), or null when there is none. */
  nextDueAt(): Promise<number | null>;
  clock: () => number;
  pollIntervalMs: number;
  batchSize: number;
  /**
   * Wait before looking again when a due timer is left after a round (its message was busy with
   * an event, or another instance holds it), instead of spinning (default 50 ms).
   */
  busyRetryMs?: number;
  onError(error: unknown): void;
}

/** setTimeout's longest delay. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class TimerScheduler {
  private timeout?: NodeJS.Timeout;
  /** Clock time the pending timeout is set for (Infinity: none). */
  private wakeAt = Number.POSITIVE_INFINITY;
  private round?: Promise<void>;
  /** The earliest due time armed while a round runs (its query may not have seen it). */
  private armedDuringRound = Number.POSITIVE_INFINITY;
  private stopped = true;

  constructor(private readonly options: TimerSchedulerOptions) {}

  /** Starts with a round now. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.wake();
  }

  /** Stops; resolves once the round in progress (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clear();
    await this.round;
  }

  /** A timer due at `dueAt` was committed by this process. */
  armed(dueAt: number): void {
    if (this.stopped) return;
    if (this.round) {
      this.armedDuringRound = Math.min(this.armedDuringRound, dueAt);
      return;
    }
    if (dueAt < this.wakeAt) this.sleepUntil(dueAt);
  }

  private wake(): void {
    if (this.stopped || this.round) return;
    this.clear();
    this.armedDuringRound = Number.POSITIVE_INFINITY;
    this.round = this.runRound()
      .then((next) => {
        this.round = undefined;
        if (!this.stopped) this.sleepUntil(Math.min(next, this.armedDuringRound));
      })
      .finally(() => {
        this.round = undefined;
      });
  }

  /** Returns the clock time of the next round. */
  private async runRound(): Promise<number> {
    const { fire, nextDueAt, clock, batchSize, pollIntervalMs } = this.options;
    try {
      let now = clock();
      while (!this.stopped && (await fire(now, batchSize)) === batchSize) {
        now = clock(); // a full batch: there may be more due
      }
      const next = await nextDueAt();
      if (next === null) return Number.POSITIVE_INFINITY;
      // Due at the last round's time and not fired: busy; look again shortly, not in a tight loop.
      if (next <= now) return clock() + (this.options.busyRetryMs ?? 50);
      return next;
    } catch (error) {
      this.options.onError(error);
      return clock() + pollIntervalMs;
    }
  }

  /** Sleeps until `at` (clock time), at most the poll interval. */
  private sleepUntil(at: number): void {
    if (this.stopped) return;
    this.clear();
    const now = this.options.clock();
    const delay = Math.max(0, Math.min(Math.ceil(at - now), this.options.pollIntervalMs, MAX_TIMEOUT_MS));
    this.wakeAt = now + delay;
    this.timeout = setTimeout(() => this.wake(), delay);
  }

  private clear(): void {
    if (this.timeout) clearTimeout(this.timeout);
    this.timeout = undefined;
    this.wakeAt = Number.POSITIVE_INFINITY;
  }
}
