import type { Priority } from '@smis/contracts';
import type { MessageContent } from '@smis/message-content';
import { InvalidBroadcastError } from '../errors';
import type { Recipient } from '../types';
import { MAX_LIST_CHUNK_RECIPIENTS } from './list-records';

/**
 * Who a broadcast is for (ADR 1100): every citizen with the app, the citizens who chose one of
 * some alert regions in the app, or an explicit list (NISS, phone numbers or polymorphic
 * pseudonyms, from any iterable or async iterable: read once, never held whole in memory).
 */
export type BroadcastAudience =
  | { readonly kind: 'EVERYONE' }
  /** NIS codes of municipalities, provinces or regions, e.g. `21004`. */
  | { readonly kind: 'REGIONS'; readonly regions: readonly string[] }
  | { readonly kind: 'LIST'; readonly recipients: Iterable<Recipient> | AsyncIterable<Recipient> };

export interface BroadcastInput {
  readonly audience: BroadcastAudience;
  /** Shown as is (signed, not sealed: a broadcast is public to its audience). */
  readonly content: MessageContent;
  /** One of the sender's broadcast categories (its policy's `broadcastCategories`), e.g. `alert`. */
  readonly category: string;
  /** Default NORMAL: waits for the end of the sender's quiet hours. URGENT starts at once. */
  readonly priority?: Priority;
  /** After it the broadcast leaves every inbox and is no longer pushed. */
  readonly expiresAt: Date | number;
  /** Default: a random UUID. Publishing the same id again is not broadcast twice. */
  readonly broadcastId?: string;
}

export interface BroadcastListProgress {
  /** `pseudonymized` while the list is read, `published` as its chunks leave. */
  readonly stage: 'pseudonymized' | 'published';
  readonly recipients: number;
  readonly chunks: number;
}

export interface BroadcastOptions {
  /** Recipients per list chunk (default 5,000, at most 10,000). */
  readonly chunkSize?: number;
  /** Where a list longer than one chunk is spooled, 64 bytes per recipient (default the OS temp directory). */
  readonly spoolDirectory?: string;
  /** LIST: called after each chunk pseudonymized, then after each chunk published. */
  readonly onListProgress?: (progress: BroadcastListProgress) => void;
}

export interface BroadcastResult {
  readonly broadcastId: string;
  /** LIST: the list's id, recipients and chunks as published. */
  readonly list?: { readonly listId: string; readonly recipientCount: number; readonly chunks: number };
}

export const BROADCAST_DEFAULTS = Object.freeze({
  priority: 'NORMAL' as Priority,
  chunkSize: 5_000,
  /** The broadcast service's `maxRegions` default. */
  maxRegions: 100,
});

const PRIORITIES: readonly Priority[] = ['LOW', 'NORMAL', 'URGENT'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** As the broadcast service checks them. */
export const REGION_CODE = /^[0-9A-Z]{1,10}$/;

export interface CheckedBroadcast {
  readonly broadcastId: string;
  readonly category: string;
  readonly priority: Priority;
  readonly expiresAt: number;
  readonly audience: BroadcastAudience;
  readonly chunkSize: number;
}

/** The input with defaults, checked the way the broadcast service will check it. */
export function checkBroadcastInput(
  input: BroadcastInput,
  options: BroadcastOptions,
  now: number,
  newId: () => string,
): CheckedBroadcast {
  if (typeof input !== 'object' || input === null)
    throw new InvalidBroadcastError('input', 'must be an object');
  const broadcastId = input.broadcastId ?? newId();
  if (typeof broadcastId !== 'string' || !UUID.test(broadcastId))
    throw new InvalidBroadcastError('broadcastId', 'must be a UUID (or leave it out: the SDK makes one)');
  if (typeof input.category !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,127}$/.test(input.category))
    throw new InvalidBroadcastError(
      'category',
      "must be one of the sender's broadcast categories, such as alert.flood",
    );
  const priority = input.priority ?? BROADCAST_DEFAULTS.priority;
  if (!PRIORITIES.includes(priority))
    throw new InvalidBroadcastError('priority', `must be one of ${PRIORITIES.join(', ')}`);
  const expiresAt = input.expiresAt instanceof Date ? input.expiresAt.getTime() : input.expiresAt;
  if (typeof expiresAt !== 'number' || !Number.isSafeInteger(expiresAt))
    throw new InvalidBroadcastError('expiresAt', 'must be a Date or epoch milliseconds');
  if (expiresAt <= now)
    throw new InvalidBroadcastError('expiresAt', 'is in the past: the broadcast could never be shown');
  const chunkSize = options.chunkSize ?? BROADCAST_DEFAULTS.chunkSize;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_LIST_CHUNK_RECIPIENTS)
    throw new InvalidBroadcastError(
      'options.chunkSize',
      `must be a whole number from 1 to ${MAX_LIST_CHUNK_RECIPIENTS} (the broadcast service's limit)`,
    );
  return {
    broadcastId: broadcastId.toLowerCase(),
    category: input.category,
    priority,
    expiresAt,
    audience: checkAudience(input.audience),
    chunkSize,
  };
}

function checkAudience(audience: BroadcastAudience): BroadcastAudience {
  const kind = (audience as { kind?: unknown } | undefined)?.kind;
  switch (kind) {
    case 'EVERYONE':
      return { kind };
    case 'REGIONS': {
      const regions = (audience as { regions?: unknown }).regions;
      if (!Array.isArray(regions) || regions.length === 0)
        throw new InvalidBroadcastError('audience.regions', 'must list at least one alert region code');
      if (regions.length > BROADCAST_DEFAULTS.maxRegions)
        throw new InvalidBroadcastError(
          'audience.regions',
          `must list at most ${BROADCAST_DEFAULTS.maxRegions} regions: broadcast to everyone instead, or send several broadcasts`,
        );
      regions.forEach((region: unknown, i) => {
        if (typeof region !== 'string' || !REGION_CODE.test(region))
          throw new InvalidBroadcastError(
            `audience.regions[${i}]`,
            'a region code is the NIS code of a municipality, province or region (1-10 of A-Z and 0-9, e.g. 21004)',
          );
      });
      return { kind, regions: [...new Set(regions as string[])] };
    }
    case 'LIST': {
      const recipients = (audience as { recipients?: unknown }).recipients;
      const iterable =
        recipients !== null &&
        (typeof recipients === 'object' || typeof recipients === 'function') &&
        (Symbol.iterator in (recipients as object) || Symbol.asyncIterator in (recipients as object));
      if (!iterable || typeof recipients === 'string')
        throw new InvalidBroadcastError(
          'audience.recipients',
          'must be an iterable or async iterable of NISS, phone numbers or polymorphic pseudonyms',
        );
      return audience;
    }
    default:
      throw new InvalidBroadcastError('audience.kind', 'must be EVERYONE, REGIONS or LIST');
  }
}
