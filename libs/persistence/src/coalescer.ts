/**
 * Group commit for requests that arrive one by one (device HTTP calls): the items handed in
 * during one tick, or while earlier runs are in flight, go to the database together, in one
 * statement or one transaction, instead of one round trip each. An idle coalescer runs at the end
 * of the tick it was handed an item in, so a lone request waits for nothing; under load the items
 * that queue behind the runs in flight make the next batch.
 *
 * `run` answers one outcome per item, in the order given: a value, or an Error for that item
 * alone. If `run` throws, every item of that batch rejects with that error.
 */
export interface CoalescerOptions {
  /** Most items in one run (default 200). */
  readonly maxBatch?: number;
  /** Runs in flight at once (default 1). */
  readonly concurrency?: number;
}

interface Waiting<I, R> {
  readonly item: I;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

export class Coalescer<I, R> {
  private readonly maxBatch: number;
  private readonly concurrency: number;
  private queue: Waiting<I, R>[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** Runs so far, and the items they took (for metrics and tests). */
  runs = 0;
  items = 0;

  constructor(
    private readonly run: (items: readonly I[]) => Promise<readonly (R | Error)[]>,
    options: CoalescerOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 200;
    this.concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1)
      throw new RangeError(`Coalescer maxBatch must be a whole number ≥ 1 (got ${this.maxBatch})`);
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1)
      throw new RangeError(`Coalescer concurrency must be a whole number ≥ 1 (got ${this.concurrency})`);
  }

  /** Settles with this item's outcome of the run it went in. */
  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.concurrency) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length > 0 && this.inFlight < this.concurrency) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.runBatch(batch).finally(() => {
        this.inFlight--;
        if (this.queue.length > 0) this.schedule();
      });
    }
  }

  private async runBatch(batch: Waiting<I, R>[]): Promise<void> {
    this.runs++;
    this.items += batch.length;
    let outcomes: readonly (R | Error)[];
    try {
      outcomes = await this.run(batch.map((w) => w.item));
      if (outcomes.length !== batch.length)
        throw new Error(
          `Coalescer run answered ${outcomes.length} outcomes for ${batch.length} items (a bug in the run)`,
        );
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => {
      const outcome = outcomes[i];
      if (outcome instanceof Error) w.reject(outcome);
      else w.resolve(outcome);
    });
  }
}
