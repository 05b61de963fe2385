/** One round of the timer poller: claim up to `limit` timers due at `now`. */
export class FireTimersCommand {
  private constructor(
    readonly now: number,
    readonly limit: number,
  ) {}

  static create(now: number, limit: number): FireTimersCommand {
    if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError('limit must be a positive integer');
    return new FireTimersCommand(now, limit);
  }
}
