import { Injectable } from '@nestjs/common';

/**
 * In-process signal from the code that sets timers to the timer poller of the same process: once
 * a transaction that set timers has committed, the use case reports their due times, and the
 * poller wakes earlier when one is due before its planned wake-up. Timers set by other instances
 * are found by the poller's periodic look (`timerPollIntervalMs`).
 */
@Injectable()
export class TimerAlarm {
  private readonly listeners = new Set<(dueAt: number) => void>();

  listen(listener: (dueAt: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Timers due at these times (epoch ms) were committed. */
  armed(dueAts: readonly number[]): void {
    if (dueAts.length === 0) return;
    const earliest = Math.min(...dueAts);
    for (const listener of this.listeners) listener(earliest);
  }
}
