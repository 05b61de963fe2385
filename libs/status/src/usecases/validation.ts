import { isValidSenderId, type DeliveryStatus } from '@smis/contracts';
import type { FieldProblem } from '../errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Statuses a subscription can ask for (UNKNOWN is never forwarded). */
export const SUBSCRIBABLE_EVENT_TYPES: readonly DeliveryStatus[] = [
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

export function senderIdProblem(senderId: unknown): FieldProblem | undefined {
  return typeof senderId === 'string' && isValidSenderId(senderId)
    ? undefined
    : { field: 'senderId', message: 'must be a sender id (1-64 of a-z, 0-9, -)' };
}

export function uuidProblem(field: string, value: unknown): FieldProblem | undefined {
  return typeof value === 'string' && UUID.test(value) ? undefined : { field, message: 'must be a UUID' };
}

export function eventTypesProblem(value: unknown): FieldProblem | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    return {
      field: 'eventTypes',
      message: `must list at least one of ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}`,
    };
  }
  const unknown = value.filter((v) => !SUBSCRIBABLE_EVENT_TYPES.includes(v as DeliveryStatus));
  if (unknown.length > 0) {
    return {
      field: 'eventTypes',
      message: `unknown ${unknown.map((u) => JSON.stringify(u)).join(', ')} (expected ${SUBSCRIBABLE_EVENT_TYPES.join(', ')})`,
    };
  }
  return undefined;
}

/** Event types in the canonical order, without repeats. */
export function normalizeEventTypes(value: readonly string[]): DeliveryStatus[] {
  return SUBSCRIBABLE_EVENT_TYPES.filter((t) => value.includes(t));
}
