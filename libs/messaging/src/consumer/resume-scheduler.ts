export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const nodeTimers: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A paused partition must not keep a stopping process alive.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Resumes paused partitions when their next record is due. A retry topic is paused instead of
 * polled: nothing is fetched and no handler is busy while records wait.
 */
export class ResumeScheduler {
  private readonly pending = new Map<string, unknown>();

  constructor(
    private readonly now: () => number,
    private readonly timers: Timers = nodeTimers,
  ) {}

  resumeAt(key: string, dueAt: number, resume: () => void): void {
    this.cancel(key);
    const handle = this.timers.setTimeout(
      () => {
        this.pending.delete(key);
        resume();
      },
      Math.max(0, dueAt - this.now()),
    );
    this.pending.set(key, handle);
  }

  get size(): number {
    return this.pending.size;
  }

  cancel(key: string): void {
    const handle = this.pending.get(key);
    if (handle === undefined) return;
    this.timers.clearTimeout(handle);
    this.pending.delete(key);
  }

  cancelAll(): void {
    for (const key of [...this.pending.keys()]) this.cancel(key);
  }
}
