/**
 * JSON shapes of the gateway API (ADR 5, ADR 1000): a MessageRequest as JSON with every bytes
 * field in standard base64, Reachability with base64 device keys, statuses from GET /messages/{id}.
 */
import type { Channel, DeliveryStatus, MessageRequest, MessageStatus } from '@smis/contracts';
import type { Reachability } from '../types';

const BYTES_FIELDS = [
  'recipient',
  'envelope',
  'smsFallback',
  'emailFallback',
  'contentDigest',
  'signature',
] as const;
type BytesField = (typeof BYTES_FIELDS)[number];

export type MessageRequestJson = Omit<MessageRequest, BytesField> & {
  readonly [K in BytesField]: MessageRequest[K] extends Buffer ? string : string | null;
};

export function messageRequestToJson(request: MessageRequest): MessageRequestJson {
  const out: Record<string, unknown> = { ...request };
  for (const field of BYTES_FIELDS) {
    const value = request[field];
    out[field] = value === null ? null : value.toString('base64');
  }
  return out as MessageRequestJson;
}

export function messageRequestFromJson(json: MessageRequestJson): MessageRequest {
  const out: Record<string, unknown> = { ...json };
  for (const field of BYTES_FIELDS) {
    const value = json[field];
    out[field] = value === null ? null : Buffer.from(value, 'base64');
  }
  return out as unknown as MessageRequest;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Undefined when `value` is not a Reachability. */
export function parseReachability(value: unknown): Reachability | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['appInstalled'] !== 'boolean' || typeof v['notificationsEnabled'] !== 'boolean')
    return undefined;
  if (!Array.isArray(v['devices'])) return undefined;
  const devices: { keyId: string; publicKey: string }[] = [];
  for (const device of v['devices'] as unknown[]) {
    if (typeof device !== 'object' || device === null) return undefined;
    const { keyId, publicKey } = device as Record<string, unknown>;
    if (typeof keyId !== 'string' || typeof publicKey !== 'string' || !BASE64.test(publicKey))
      return undefined;
    devices.push({ keyId, publicKey });
  }
  return { appInstalled: v['appInstalled'], notificationsEnabled: v['notificationsEnabled'], devices };
}

const STATUSES: readonly DeliveryStatus[] = [
  'ACCEPTED',
  'REJECTED',
  'DEFERRED',
  'ROUTED',
  'DISPATCHED',
  'DELIVERED',
  'READ',
  'FAILED',
  'FALLBACK',
  'EXPIRED',
];
const CHANNELS: readonly Channel[] = ['APP', 'SMS', 'EMAIL'];

const channelOf = (value: unknown): Channel | null | undefined =>
  value === null || value === undefined
    ? null
    : CHANNELS.includes(value as Channel)
      ? (value as Channel)
      : 'UNKNOWN';

/**
 * The statuses in a GET /v1/gateway/messages/{id} answer: the status view's `history` (one entry
 * per delivery event, `occurredAt` ISO 8601 or epoch ms), as MessageStatus records.
 */
export function parseStatusHistory(
  value: unknown,
  messageId: string,
  senderId: string,
): MessageStatus[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const history = (value as Record<string, unknown>)['history'];
  if (!Array.isArray(history)) return undefined;
  const out: MessageStatus[] = [];
  for (const entry of history as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const e = entry as Record<string, unknown>;
    const occurredAt =
      typeof e['occurredAt'] === 'number' ? e['occurredAt'] : Date.parse(String(e['occurredAt']));
    if (typeof e['eventId'] !== 'string' || typeof e['status'] !== 'string' || !Number.isFinite(occurredAt))
      return undefined;
    out.push({
      eventId: e['eventId'],
      messageId,
      senderId,
      status: STATUSES.includes(e['status'] as DeliveryStatus) ? (e['status'] as DeliveryStatus) : 'UNKNOWN',
      channel: channelOf(e['channel']) ?? null,
      reason: typeof e['reason'] === 'string' ? e['reason'] : null,
      fromChannel: channelOf(e['fromChannel']) ?? null,
      toChannel: channelOf(e['toChannel']) ?? null,
      occurredAt,
    });
  }
  return out;
}
