import type { Channel, Priority } from '@smis/contracts';
import { MAX_FALLBACK_TEXT_BYTES } from '@smis/crypto';
import { InvalidSendRequestError } from './errors';
import type { EmailText, SendInput } from './types';

export const SEND_DEFAULTS = Object.freeze({ priority: 'NORMAL' as Priority, fallbackWindowSeconds: 3600 });

const PRIORITIES: readonly Priority[] = ['LOW', 'NORMAL', 'URGENT'];
const CHANNELS: readonly Channel[] = ['APP', 'SMS', 'EMAIL'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_AVRO_INT = 2 ** 31 - 1;
const MAX_ID_CHARS = 255;

/** The send input's fields with defaults applied, checked the way the router would check them. */
export interface CheckedSend {
  readonly messageId: string;
  readonly idempotencyKey: string;
  readonly category: string;
  readonly priority: Priority;
  readonly expiresAt: number;
  readonly fallbackWindowSeconds: number;
  readonly allowedChannels: readonly Channel[];
  readonly smsText?: string;
  readonly emailText?: EmailText;
}

export function checkSendInput(input: SendInput, now: number, newId: () => string): CheckedSend {
  if (typeof input !== 'object' || input === null)
    throw new InvalidSendRequestError('input', 'must be an object');
  const messageId = input.messageId ?? newId();
  if (typeof messageId !== 'string' || !UUID.test(messageId)) {
    throw new InvalidSendRequestError('messageId', 'must be a UUID (or leave it out: the SDK makes one)');
  }
  const idempotencyKey = input.idempotencyKey ?? messageId;
  if (
    typeof idempotencyKey !== 'string' ||
    idempotencyKey.length === 0 ||
    idempotencyKey.length > MAX_ID_CHARS
  ) {
    throw new InvalidSendRequestError('idempotencyKey', `must be 1-${MAX_ID_CHARS} characters`);
  }
  if (typeof input.category !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,127}$/.test(input.category)) {
    throw new InvalidSendRequestError(
      'category',
      'must be a category code of your policy, such as health.test-result',
    );
  }
  const priority = input.priority ?? SEND_DEFAULTS.priority;
  if (!PRIORITIES.includes(priority))
    throw new InvalidSendRequestError('priority', `must be one of ${PRIORITIES.join(', ')}`);
  const expiresAt = input.expiresAt instanceof Date ? input.expiresAt.getTime() : input.expiresAt;
  if (typeof expiresAt !== 'number' || !Number.isSafeInteger(expiresAt)) {
    throw new InvalidSendRequestError('expiresAt', 'must be a Date or epoch milliseconds');
  }
  if (expiresAt <= now)
    throw new InvalidSendRequestError('expiresAt', 'is in the past: the message could never be delivered');
  const fallbackWindowSeconds = input.fallbackWindowSeconds ?? SEND_DEFAULTS.fallbackWindowSeconds;
  if (
    !Number.isInteger(fallbackWindowSeconds) ||
    fallbackWindowSeconds < 0 ||
    fallbackWindowSeconds > MAX_AVRO_INT
  ) {
    throw new InvalidSendRequestError(
      'fallbackWindowSeconds',
      'must be a whole number of seconds, 0 or more',
    );
  }
  const smsText = input.smsText;
  if (smsText !== undefined) fallbackText(smsText, 'smsText');
  const emailText = input.emailText;
  if (emailText !== undefined) {
    if (typeof emailText !== 'object' || emailText === null) {
      throw new InvalidSendRequestError('emailText', 'must be { subject, body }');
    }
    fallbackText(emailText.subject, 'emailText.subject');
    fallbackText(emailText.body, 'emailText.body');
    if (/[\r\n]/.test(emailText.subject))
      throw new InvalidSendRequestError('emailText.subject', 'must be one line');
  }
  const allowedChannels = input.allowedChannels ?? [
    'APP',
    ...(smsText !== undefined ? (['SMS'] as const) : []),
    ...(emailText !== undefined ? (['EMAIL'] as const) : []),
  ];
  checkChannels(allowedChannels, smsText !== undefined, emailText !== undefined);
  return {
    messageId,
    idempotencyKey,
    category: input.category,
    priority,
    expiresAt,
    fallbackWindowSeconds,
    allowedChannels,
    ...(smsText !== undefined ? { smsText } : {}),
    ...(emailText !== undefined ? { emailText: { subject: emailText.subject, body: emailText.body } } : {}),
  };
}

function fallbackText(text: unknown, field: string): void {
  if (typeof text !== 'string' || text.trim() === '')
    throw new InvalidSendRequestError(field, 'must be a non-empty string');
  // The e-mail is sealed as JSON with its subject: keep headroom under the sealed-text limit.
  if (Buffer.byteLength(text, 'utf8') > MAX_FALLBACK_TEXT_BYTES - 1024) {
    throw new InvalidSendRequestError(
      field,
      `must be under ${MAX_FALLBACK_TEXT_BYTES - 1024} bytes of UTF-8`,
    );
  }
}

function checkChannels(channels: readonly Channel[], hasSms: boolean, hasEmail: boolean): void {
  if (!Array.isArray(channels) || channels.length === 0) {
    throw new InvalidSendRequestError('allowedChannels', 'must list at least one of APP, SMS, EMAIL');
  }
  if (channels.some((c) => !CHANNELS.includes(c)) || new Set(channels).size !== channels.length) {
    throw new InvalidSendRequestError('allowedChannels', 'must list each of APP, SMS, EMAIL at most once');
  }
  if (channels.includes('APP') && channels[0] !== 'APP') {
    throw new InvalidSendRequestError(
      'allowedChannels',
      'APP must come first: the app is always tried first',
    );
  }
  if (channels.includes('SMS') !== hasSms) {
    throw new InvalidSendRequestError(
      'allowedChannels',
      hasSms
        ? 'smsText is given but SMS is not allowed: add SMS or drop smsText'
        : 'SMS is allowed but smsText is missing',
    );
  }
  if (channels.includes('EMAIL') !== hasEmail) {
    throw new InvalidSendRequestError(
      'allowedChannels',
      hasEmail
        ? 'emailText is given but EMAIL is not allowed: add EMAIL or drop emailText'
        : 'EMAIL is allowed but emailText is missing',
    );
  }
}
