import type { PolymorphicPseudonym } from '@smis/pseudonym';
import { SenderConfigError, TransportError } from './errors';
import type { Reachability } from './types';

/** Where device keys come from (the gateway, or a test double). */
export interface KeyDirectory {
  lookup(recipient: PolymorphicPseudonym): Promise<Reachability>;
  /**
   * Several at once, answers in the same order. Resolves undefined when the directory cannot
   * batch (an older gateway): then `lookup` is asked for each recipient.
   */
  lookupMany?(recipients: readonly PolymorphicPseudonym[]): Promise<readonly Reachability[] | undefined>;
}

export interface KeyCacheOptions {
  /**
   * How long a lookup answer is reused for the same recipient (default 60,000 ms). 0 keeps
   * nothing; concurrent lookups of one recipient still share one answer. See ADR 1000 for what
   * a stale answer means (a device added in the meantime is not sealed to).
   */
  readonly ttlMs?: number;
  /** Most recipients remembered (default 10,000); the oldest answers are dropped first. */
  readonly maxEntries?: number;
  /** Most recipients in one batched lookup (default 100, the gateway's default maximum). */
  readonly maxBatch?: number;
}

export const KEY_CACHE_DEFAULTS = Object.freeze({ ttlMs: 60_000, maxEntries: 10_000, maxBatch: 100 });

export function keyCacheOptions(options: KeyCacheOptions = {}): Required<KeyCacheOptions> {
  const resolved = { ...KEY_CACHE_DEFAULTS, ...options };
  if (!Number.isFinite(resolved.ttlMs) || resolved.ttlMs < 0)
    throw new SenderConfigError(
      'keyCache.ttlMs',
      `must be a number of milliseconds ≥ 0 (got ${resolved.ttlMs})`,
    );
  for (const field of ['maxEntries', 'maxBatch'] as const) {
    if (!Number.isInteger(resolved[field]) || resolved[field] < 1)
      throw new SenderConfigError(`keyCache.${field}`, `must be a whole number ≥ 1 (got ${resolved[field]})`);
  }
  return resolved;
}

interface Waiting {
  readonly key: string;
  readonly pseudonym: PolymorphicPseudonym;
  readonly resolve: (answer: Reachability) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Device-key lookups per recipient: answers are reused for `ttlMs`; concurrent lookups of one
 * recipient share one request (single flight); lookups of different recipients started in the
 * same tick go out as one batched request (up to `maxBatch`) when the directory can batch.
 * Failures are not remembered: every caller waiting on a failed request gets its error, and
 * the next lookup asks again. Keys are opaque to the cache (the caller derives them).
 */
export class DeviceKeyCache {
  private readonly options: Required<KeyCacheOptions>;
  private readonly answers = new Map<string, { readonly value: Reachability; readonly expiresAt: number }>();
  private readonly inFlight = new Map<string, Promise<Reachability>>();
  private waiting: Waiting[] = [];
  private scheduled?: NodeJS.Immediate;

  constructor(
    private readonly directory: KeyDirectory,
    options: KeyCacheOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = keyCacheOptions(options);
  }

  /**
   * The recipient's answer: remembered, shared with a lookup in flight, or asked for.
   * `pseudonym` is called only when a lookup is needed (it may throw: nothing is asked then).
   * `fresh` skips a remembered answer (a lookup in flight is still shared) and remembers the new one.
   */
  get(
    key: string,
    pseudonym: () => PolymorphicPseudonym,
    options: { fresh?: boolean } = {},
  ): Promise<Reachability> {
    if (!options.fresh) {
      const remembered = this.answers.get(key);
      if (remembered && remembered.expiresAt > this.now()) return Promise.resolve(remembered.value);
    }
    const shared = this.inFlight.get(key);
    if (shared) return shared;
    const recipient = pseudonym();
    const answer = new Promise<Reachability>((resolve, reject) => {
      this.waiting.push({ key, pseudonym: recipient, resolve, reject });
    });
    this.inFlight.set(key, answer);
    const forget = (): void => void this.inFlight.delete(key);
    answer.then(forget, forget);
    if (this.waiting.length >= this.options.maxBatch) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
    return answer;
  }

  /** Forgets the recipient's answer (all answers without a key). */
  invalidate(key?: string): void {
    if (key === undefined) this.answers.clear();
    else this.answers.delete(key);
  }

  /** Recipients remembered now (expired ones included until they are asked for again). */
  get size(): number {
    return this.answers.size;
  }

  private flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    while (this.waiting.length > 0) void this.ask(this.waiting.splice(0, this.options.maxBatch));
  }

  private async ask(batch: Waiting[]): Promise<void> {
    if (batch.length > 1 && this.directory.lookupMany) {
      let answers: readonly Reachability[] | undefined;
      try {
        answers = await this.directory.lookupMany(batch.map((w) => w.pseudonym));
      } catch (error) {
        for (const w of batch) w.reject(error);
        return;
      }
      if (answers !== undefined && answers.length !== batch.length) {
        const error = new TransportError(
          'keys/lookup/batch',
          `the gateway answered ${answers.length} lookups for ${batch.length} recipients`,
          false,
        );
        for (const w of batch) w.reject(error);
        return;
      }
      if (answers !== undefined) {
        batch.forEach((w, i) => this.settle(w, answers[i]));
        return;
      }
    }
    await Promise.all(
      batch.map((w) =>
        this.directory.lookup(w.pseudonym).then(
          (answer) => this.settle(w, answer),
          (error: unknown) => w.reject(error),
        ),
      ),
    );
  }

  private settle(w: Waiting, answer: Reachability): void {
    if (this.options.ttlMs > 0) {
      this.answers.delete(w.key); // re-inserted last: the oldest answers are the first in the map
      this.answers.set(w.key, { value: answer, expiresAt: this.now() + this.options.ttlMs });
      for (const oldest of this.answers.keys()) {
        if (this.answers.size <= this.options.maxEntries) break;
        this.answers.delete(oldest);
      }
    }
    w.resolve(answer);
  }
}
