import { generateRequestDetails, getVapidHeaders, type PushSubscription } from 'web-push';
import type { WebPushConfig } from '../config';
import { PushHttpClient, type HttpAnswer, type PushHttp } from './http-client';
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

/** Lifetime of a VAPID token (RFC 8292: at most 24 h). */
const VAPID_TOKEN_TTL_S = 12 * 3600;
/** Push services whose VAPID header is kept at once. */
const VAPID_CACHE_MAX = 1_000;

/**
 * Web Push: web-push builds the request (VAPID JWT, aes128gcm payload encryption per RFC 8291);
 * PushHttpClient sends it (keep-alive node:http(s)), so http endpoints of a local emulator work
 * as well as https.
 */
export class WebPushProvider implements PushProvider {
  readonly kind = 'webpush' as const;
  private readonly http: PushHttp;
  /**
   * VAPID `Authorization` per push service (audience = endpoint origin), reused until an hour
   * before it expires: signing a fresh ES256 token for every push cost more than the payload
   * encryption. RFC 8292 allows tokens of up to 24 h; these live 12 h.
   */
  private readonly vapid = new Map<string, { authorization: string; renewAt: number }>();

  constructor(
    private readonly config: WebPushConfig,
    timeoutMs: number,
    /** Sends the push requests (default: a keep-alive PushHttpClient). */
    http?: PushHttp,
  ) {
    this.http = http ?? new PushHttpClient(timeoutMs);
  }

  async close(): Promise<void> {
    this.http.close();
  }

  /** The VAPID Authorization header for the endpoint's push service (cached, see `vapid`). */
  vapidAuthorization(endpoint: string, now = Date.now()): string {
    const audience = new URL(endpoint).origin;
    const cached = this.vapid.get(audience);
    if (cached && cached.renewAt > now) return cached.authorization;
    const expiresAt = Math.floor(now / 1000) + VAPID_TOKEN_TTL_S;
    const { Authorization } = getVapidHeaders(
      audience,
      this.config.subject,
      this.config.publicKey,
      this.config.privateKey,
      'aes128gcm',
      expiresAt,
    );
    // Subscriptions name their own endpoints: bound what they can make this process hold.
    if (this.vapid.size >= VAPID_CACHE_MAX) this.vapid.clear();
    this.vapid.set(audience, { authorization: Authorization, renewAt: (expiresAt - 3600) * 1000 });
    return Authorization;
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
      // The VAPID header is added below from the cache (null: web-push adds none itself).
      vapidDetails: null as unknown as undefined,
    });
    (details.headers as Record<string, string | number>)['Authorization'] = this.vapidAuthorization(
      subscription.endpoint,
    );
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
