import { generateRequestDetails, type PushSubscription } from 'web-push';
import type { WebPushConfig } from '../config';
import { PushHttpClient, type HttpAnswer } from './http-client';
import { retryAfterMs, type PushNotification, type PushOutcome, type PushProvider } from './push-provider';

/** Parses and checks a stored Web Push subscription (JSON: endpoint, keys.p256dh, keys.auth). */
export function parseSubscription(value: string, allowInsecure: boolean): PushSubscription {
  const parsed = JSON.parse(value) as PushSubscription;
  const url = new URL(parsed.endpoint);
  if (url.protocol !== 'https:' && !(allowInsecure && url.protocol === 'http:'))
    throw new RangeError('the subscription endpoint must be https');
  if (Buffer.from(parsed.keys?.p256dh ?? '', 'base64url').length !== 65)
    throw new RangeError('keys.p256dh must be a 65-byte P-256 public key');
  if (Buffer.from(parsed.keys?.auth ?? '', 'base64url').length !== 16)
    throw new RangeError('keys.auth must be 16 bytes');
  return { endpoint: parsed.endpoint, keys: { p256dh: parsed.keys.p256dh, auth: parsed.keys.auth } };
}

/**
 * Web Push: web-push builds the request (VAPID JWT, aes128gcm payload encryption per RFC 8291);
 * PushHttpClient sends it (keep-alive node:http(s)), so http endpoints of a local emulator work
 * as well as https.
 */
export class WebPushProvider implements PushProvider {
  readonly kind = 'webpush' as const;
  private readonly http: PushHttpClient;

  constructor(
    private readonly config: WebPushConfig,
    timeoutMs: number,
  ) {
    this.http = new PushHttpClient(timeoutMs);
  }

  async close(): Promise<void> {
    this.http.close();
  }

  async send(token: string, n: PushNotification): Promise<PushOutcome> {
    let subscription: PushSubscription;
    try {
      subscription = parseSubscription(token, this.config.allowInsecureEndpoints);
    } catch {
      return { kind: 'gone', reason: 'webpush.invalid-subscription' };
    }
    const details = generateRequestDetails(subscription, JSON.stringify({ mid: n.messageId }), {
      TTL: Math.max(0, Math.floor(n.ttlSeconds)),
      urgency: n.priority === 'URGENT' ? 'high' : n.priority === 'LOW' ? 'low' : 'normal',
      contentEncoding: 'aes128gcm',
      vapidDetails: {
        subject: this.config.subject,
        publicKey: this.config.publicKey,
        privateKey: this.config.privateKey,
      },
    });
    let res: HttpAnswer;
    try {
      res = await this.http.post(
        details.endpoint,
        details.headers as Record<string, string | number>,
        details.body ? Buffer.from(details.body as Buffer) : Buffer.alloc(0),
      );
    } catch (error) {
      return { kind: 'retry', reason: `webpush.network: ${(error as Error).name}` };
    }
    if (res.status >= 200 && res.status < 300) return { kind: 'sent' };
    if (res.status === 404 || res.status === 410) return { kind: 'gone', reason: `webpush.${res.status}` };
    if (res.status === 429 || res.status >= 500)
      return {
        kind: 'retry',
        reason: `webpush.${res.status}`,
        retryAfterMs: retryAfterMs(res.header('retry-after')),
      };
    return { kind: 'failed', reason: `webpush.${res.status}` };
  }
}
