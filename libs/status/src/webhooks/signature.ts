import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures (see docs/adr/0802-webhook-delivery.md): HMAC-SHA256 with the
 * subscription's secret over `<unix seconds>.<raw body>`, sent as
 * `SMIS-Signature: t=<unix seconds>,v1=<hex>`. Several `v1=` entries may appear (one per valid
 * secret while a secret is rotated); one match is enough. The timestamp is signed, so a
 * receiver that bounds its age refuses replays of old requests.
 */
export const WEBHOOK_HEADERS = {
  signature: 'SMIS-Signature',
  /** The eventId: a receiver applies each key once (retries carry the same key). */
  idempotencyKey: 'Idempotency-Key',
  eventId: 'SMIS-Event-Id',
  subscriptionId: 'SMIS-Subscription-Id',
  /** 1 on the first try, then 2, 3, ... */
  attempt: 'SMIS-Delivery-Attempt',
} as const;

export const SIGNATURE_SCHEME = 'v1';
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;
const SECRET_PREFIX = 'whsec_';

/** A new webhook secret: `whsec_` and 32 random bytes (base64url). The HMAC key is the whole string. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function signaturePayload(timestamp: number, body: string | Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`${timestamp}.`, 'utf8'),
    Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
  ]);
}

function hmacHex(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(signaturePayload(timestamp, body)).digest('hex');
}

/** The `SMIS-Signature` header value for `body` sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, body: string | Buffer, timestamp: number): string {
  if (!Number.isInteger(timestamp) || timestamp < 0) {
    throw new RangeError(`timestamp must be whole unix seconds, got ${timestamp}`);
  }
  return `t=${timestamp},${SIGNATURE_SCHEME}=${hmacHex(secret, timestamp, body)}`;
}

export type WebhookVerification =
  | { valid: true; timestamp: number }
  | {
      valid: false;
      reason:
        'missing-signature' | 'malformed-signature' | 'timestamp-out-of-tolerance' | 'signature-mismatch';
    };

export interface VerifyWebhookOptions {
  /** Largest accepted distance between the signed timestamp and now (default 300 s). */
  toleranceSeconds?: number;
  /** Unix seconds to compare against (default: the clock). */
  now?: number;
}

/** Headers as Node (`req.headers`), fetch (`Headers`) or a plain object give them. */
export type WebhookHeaders =
  { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | undefined>>;

function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(
    headers as Record<string, string | readonly string[] | undefined>,
  )) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? value : value.join(',');
  }
  return undefined;
}

/**
 * For receivers: checks the `SMIS-Signature` header of a webhook request against the raw body
 * (the bytes received, before any JSON parsing) in constant time, and the signed timestamp
 * against the tolerance. Accept the request only when `valid` is true.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: WebhookHeaders,
  body: string | Buffer,
  options: VerifyWebhookOptions = {},
): WebhookVerification {
  const header = headerValue(headers, WEBHOOK_HEADERS.signature);
  if (!header) return { valid: false, reason: 'missing-signature' };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator < 0) return { valid: false, reason: 'malformed-signature' };
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== undefined)
        return { valid: false, reason: 'malformed-signature' };
      timestamp = Number(value);
    } else if (key === SIGNATURE_SCHEME) {
      if (!/^[0-9a-f]{64}$/.test(value)) return { valid: false, reason: 'malformed-signature' };
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Unknown schemes are ignored, so a later scheme can be added next to v1.
  }
  if (timestamp === undefined || signatures.length === 0)
    return { valid: false, reason: 'malformed-signature' };
  const tolerance = options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > tolerance) return { valid: false, reason: 'timestamp-out-of-tolerance' };
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  // Every candidate is compared (no early exit), each in constant time; lengths are fixed (32 bytes).
  let matched = false;
  for (const candidate of signatures) matched = timingSafeEqual(candidate, expected) || matched;
  return matched ? { valid: true, timestamp } : { valid: false, reason: 'signature-mismatch' };
}
