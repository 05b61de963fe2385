import { signWebhook, WEBHOOK_HEADERS } from './signature';

/** The headers of one webhook attempt, signed now. */
export function webhookHeaders(attempt: {
  secret: string;
  body: string;
  eventId: string;
  subscriptionId: string;
  attempt: number;
  now?: Date;
}): Record<string, string> {
  const timestamp = Math.floor((attempt.now ?? new Date()).getTime() / 1000);
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'smis-status-webhooks/1',
    [WEBHOOK_HEADERS.signature]: signWebhook(attempt.secret, attempt.body, timestamp),
    [WEBHOOK_HEADERS.idempotencyKey]: attempt.eventId,
    [WEBHOOK_HEADERS.eventId]: attempt.eventId,
    [WEBHOOK_HEADERS.subscriptionId]: attempt.subscriptionId,
    [WEBHOOK_HEADERS.attempt]: String(attempt.attempt),
  };
}
