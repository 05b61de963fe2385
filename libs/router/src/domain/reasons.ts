/**
 * Machine-readable reason codes of the router's events (DeliveryEvent.reason). Senders see them
 * on their status topic and scorecard; none carries personal data.
 */
export const REASONS = {
  malformed: 'request.malformed',
  unknownSender: 'request.unknown-sender',
  unknownKey: 'request.unknown-key',
  keyExpired: 'request.key-expired',
  badSignature: 'request.bad-signature',
  expired: 'request.expired',
  futureDated: 'request.future-dated',
  malformedEnvelope: 'request.malformed-envelope',
  invalidRecipient: 'request.invalid-recipient',
  noChannel: 'request.no-channel',
  duplicateIdempotencyKey: 'request.duplicate-idempotency-key',
  categoryNotAllowed: 'policy.category-not-allowed',
  expiryRequired: 'policy.expiry-required',
  envelopeTooLarge: 'policy.envelope-too-large',
  citizenMuted: 'citizen.muted',
  citizenCap: 'policy.citizen-cap',
  duplicateContent: 'policy.duplicate-content',
  dailyQuota: 'policy.daily-quota',
  rate: 'policy.rate',
  quietHours: 'policy.quiet-hours',
  appNotDeliveredInWindow: 'app.not-delivered-in-window',
  channelsExhausted: 'channels.exhausted',
  messageExpired: 'message.expired',
} as const;

export type Reason = (typeof REASONS)[keyof typeof REASONS];
