/** Headers added to a record in the dead-letter topic: why, from where, after how many attempts. */
export const DEAD_LETTER_HEADERS = Object.freeze({
  reason: 'smis-dlq-reason',
  error: 'smis-dlq-error',
  sourceTopic: 'smis-source-topic',
  sourcePartition: 'smis-source-partition',
  sourceOffset: 'smis-source-offset',
  failedAt: 'smis-failed-at',
  attempts: 'smis-attempts',
});

/**
 * Bookkeeping headers on a record in a retry topic. They share a prefix so they can be removed
 * before the handler sees the record and before it goes to the dead-letter topic.
 */
export const RETRY_HEADER_PREFIX = 'smis-retry-';
export const RETRY_HEADERS = Object.freeze({
  /** Epoch milliseconds before which the record must not be handled. */
  dueAt: 'smis-retry-due-at',
  attempt: 'smis-retry-attempt',
  sourceTopic: 'smis-retry-source-topic',
  sourcePartition: 'smis-retry-source-partition',
  sourceOffset: 'smis-retry-source-offset',
  sourceTimestamp: 'smis-retry-source-timestamp',
  reason: 'smis-retry-reason',
});

/** Header values as the client delivers them. */
export type RawHeaders = Readonly<
  Record<string, Buffer | string | ReadonlyArray<Buffer | string> | undefined>
>;

/** Reasons end up in headers and logs: keep them bounded. */
export const MAX_REASON_LENGTH = 1_000;

/** Header values as UTF-8 strings; of a repeated header the last value wins. */
export function decodeHeaders(raw: RawHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last === undefined) continue;
    decoded[name] = Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
  }
  return decoded;
}

/** The headers minus our retry bookkeeping: what the original producer wrote. */
export function withoutRetryHeaders(
  raw: RawHeaders | undefined,
): Record<string, Buffer | string | ReadonlyArray<Buffer | string>> {
  const kept: Record<string, Buffer | string | ReadonlyArray<Buffer | string>> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (value !== undefined && !name.startsWith(RETRY_HEADER_PREFIX)) kept[name] = value;
  }
  return kept;
}

export function truncate(text: string, max = MAX_REASON_LENGTH): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
