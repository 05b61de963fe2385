import { createHmac } from 'node:crypto';

/**
 * A rate-limit bucket name for a personal value (phone number, client address): HMAC-SHA256
 * under the service's rate-limit key, so the stored bucket tells nothing without the key.
 */
export function bucketOf(key: Buffer, kind: 'number' | 'address', value: string): string {
  return `${kind}:${createHmac('sha256', key).update(`${kind}\0${value}`, 'utf8').digest('base64url')}`;
}
