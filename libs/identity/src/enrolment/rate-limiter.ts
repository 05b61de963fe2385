import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { IdentityConfig, RateLimit } from '../config';
import { bucketOf } from '../crypto/keyed-hash';
import { IDENTITY_CONFIG } from '../tokens';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the current window ends. */
  retryAfterSeconds: number;
}

/**
 * Fixed-window counters in the service's schema, so every instance shares them. Buckets are
 * keyed hashes (`bucketOf`) of the phone number or client address, never the value itself.
 */
@Injectable()
export class RateLimiter {
  private readonly table: string;

  constructor(@Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig) {
    this.table = `"${config.schema}"."rate_limit_window"`;
  }

  bucket(kind: 'number' | 'address', value: string): string {
    return bucketOf(this.config.rateLimitKey, kind, value);
  }

  /** Counts one hit in the bucket's current window and tells whether it is within the limit. */
  async hit(manager: EntityManager, bucket: string, limit: RateLimit, now: number): Promise<RateDecision> {
    const windowMs = limit.windowSeconds * 1000;
    const start = Math.floor(now / windowMs) * windowMs;
    const [row] = (await manager.query(
      `INSERT INTO ${this.table} ("bucket", "window_start", "hits") VALUES ($1, $2, 1)
       ON CONFLICT ("bucket", "window_start") DO UPDATE SET "hits" = ${this.table}."hits" + 1
       RETURNING "hits"`,
      [bucket, new Date(start)],
    )) as { hits: number }[];
    return {
      allowed: row.hits <= limit.max,
      retryAfterSeconds: Math.max(1, Math.ceil((start + windowMs - now) / 1000)),
    };
  }

  /** Drops windows that ended before `before`. */
  async prune(manager: EntityManager, before: number): Promise<void> {
    await manager.query(`DELETE FROM ${this.table} WHERE "window_start" < $1`, [new Date(before)]);
  }
}
