import { SetMetadata } from '@nestjs/common';
import type { GatewayConfig } from '../config';

/** Per-sender token buckets, in this instance's memory (each instance enforces its share). */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    readonly burst: number,
  ) {}

  /**
   * Takes `cost` tokens (default 1, at most the burst); returns 0 when allowed, otherwise the
   * seconds to wait (≥ 1). A refused request takes nothing.
   */
  take(key: string, now: number, cost = 1): number {
    const need = Math.min(Math.max(1, cost), this.burst);
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= need) {
      bucket.tokens -= need;
      return 0;
    }
    return Math.max(1, Math.ceil((need - bucket.tokens) / this.perSecond));
  }
}

/** The per-sender budgets: key lookups have their own (ADR 501), every other route shares one. */
export type RateBucket = 'requests' | 'keyLookups';

export interface RateRule {
  readonly bucket: RateBucket;
  /** Tokens the request takes (default 1), from its parsed body. */
  readonly cost?: (body: unknown, config: GatewayConfig) => number;
}

export const RATE_RULE = 'smis.gateway.rate-rule';

/** Which bucket a route draws from (default: `requests`, one token). */
export const RateLimit = (rule: RateRule): MethodDecorator => SetMetadata(RATE_RULE, rule);
