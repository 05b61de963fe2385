import { randomBytes, createPublicKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import { EmulatorControls, lowerCaseHeaders, type ReceivedPush } from './controls';
import { closeServer, listen, readBody } from './http-util';
import {
  decryptWebPushPayload,
  generateSubscriptionSecrets,
  type PushSubscriptionJson,
  type SubscriptionSecrets,
} from './web-push-crypto';

export interface WebPushEmulatorOptions {
  host?: string;
  port?: number;
}

/** A subscription the emulator made, with the secrets that decrypt its pushes. */
export interface EmulatedSubscription {
  id: string;
  subscription: PushSubscriptionJson;
  secrets: SubscriptionSecrets;
}

const MAX_BODY = 4096;
const URGENCIES = new Set(['very-low', 'low', 'normal', 'high']);

/**
 * A Web Push service (RFC 8030), locally: `POST /push/{id}` accepting only `aes128gcm` bodies
 * (RFC 8188/8291) with a `TTL`, authenticated by VAPID (RFC 8292: `Authorization: vapid t=<ES256
 * JWT>, k=<server key>`, `aud` = the endpoint's origin, `exp` within 24 h, `sub` present). Answers
 * 201 with a Location; 401/403 for VAPID faults, 404 for unknown and 410 for gone subscriptions,
 * 413 for bodies over 4096 bytes, 415 for other encodings, 429 with Retry-After when throttled.
 */
export class WebPushEmulator extends EmulatorControls {
  private readonly server: Server;
  private readonly subscriptions = new Map<string, EmulatedSubscription>();
  private baseUrl = '';

  private constructor() {
    super();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  }

  static async start(options: WebPushEmulatorOptions = {}): Promise<WebPushEmulator> {
    const emulator = new WebPushEmulator();
    const host = options.host ?? '127.0.0.1';
    const port = await listen(emulator.server, host, options.port ?? 0);
    emulator.baseUrl = `http://${host}:${port}`;
    return emulator;
  }

  get url(): string {
    return this.baseUrl;
  }

  /** What `PushManager.subscribe()` would give a browser; the token of a push is the id. */
  createSubscription(): EmulatedSubscription {
    const id = randomBytes(16).toString('base64url');
    const secrets = generateSubscriptionSecrets();
    const created: EmulatedSubscription = {
      id,
      secrets,
      subscription: {
        endpoint: `${this.baseUrl}/push/${id}`,
        keys: { p256dh: secrets.publicKey, auth: secrets.auth },
      },
    };
    this.subscriptions.set(id, created);
    return created;
  }

  /** The plaintext of a received push, decrypted with its subscription's secrets. */
  decrypt(push: ReceivedPush): Buffer {
    const subscription = this.subscriptions.get(push.token);
    if (!subscription) throw new Error(`No subscription ${push.token} in this emulator`);
    return decryptWebPushPayload(push.body, subscription.secrets);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const body = await readBody(req, 64 * 1024);
    const headers = lowerCaseHeaders(req.headers);
    const match = /^\/push\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
    const token = match?.[1] ?? '';
    const answer = (status: number, reason?: string, extra: Record<string, string> = {}): void => {
      this.record({ provider: 'webpush', token, status, reason, headers, body, receivedAt: Date.now() });
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...extra });
      res.end(reason ?? '');
    };
    if (req.method !== 'POST' || !match) return answer(404, 'NotFound');
    if (this.isGone(token)) return answer(410, 'Gone: the subscription has expired or was unsubscribed');
    if (!this.subscriptions.has(token)) return answer(404, 'NotFound: no such subscription');
    const vapid = await this.checkVapid(headers['authorization']);
    if (vapid) return answer(vapid.status, vapid.reason);
    if (!/^\d+$/.test(headers['ttl'] ?? '')) return answer(400, 'BadRequest: TTL header missing or invalid');
    if (headers['urgency'] !== undefined && !URGENCIES.has(headers['urgency']))
      return answer(400, 'BadRequest: invalid Urgency');
    if (body.length > 0 && headers['content-encoding'] !== 'aes128gcm')
      return answer(415, 'UnsupportedMediaType: only aes128gcm is accepted');
    if (body.length > MAX_BODY) return answer(413, 'PayloadTooLarge');
    const throttle = this.takeThrottle(token);
    if (throttle)
      return answer(429, 'TooManyRequests', { 'retry-after': String(throttle.retryAfterSeconds) });
    answer(201, undefined, { location: `${this.baseUrl}/message/${randomBytes(12).toString('base64url')}` });
  }

  private async checkVapid(
    authorization: string | undefined,
  ): Promise<{ status: number; reason: string } | undefined> {
    const match = /^vapid\s+(.+)$/i.exec(authorization ?? '');
    if (!match) return { status: 401, reason: 'Unauthorized: VAPID authorization required' };
    const params = Object.fromEntries(
      match[1].split(',').map((part) => {
        const at = part.indexOf('=');
        return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
      }),
    );
    const t = params['t'];
    const k = params['k'];
    if (!t || !k) return { status: 401, reason: 'Unauthorized: VAPID t and k parameters required' };
    const point = Buffer.from(k, 'base64url');
    if (point.length !== 65 || point[0] !== 4)
      return { status: 401, reason: 'Unauthorized: k is not a P-256 public key' };
    try {
      const key = createPublicKey({
        key: {
          kty: 'EC',
          crv: 'P-256',
          x: point.subarray(1, 33).toString('base64url'),
          y: point.subarray(33).toString('base64url'),
        },
        format: 'jwk',
      });
      const { payload } = await jwtVerify(t, key, {
        algorithms: ['ES256'],
        audience: new URL(this.baseUrl).origin,
        requiredClaims: ['exp', 'sub'],
      });
      if ((payload.exp ?? 0) > Date.now() / 1000 + 24 * 3600 + 60)
        return { status: 403, reason: 'Forbidden: VAPID exp more than 24 hours ahead' };
      if (!/^(mailto:|https:)/.test(String(payload.sub)))
        return { status: 403, reason: 'Forbidden: VAPID sub must be a mailto: or https: URI' };
    } catch (error) {
      return { status: 403, reason: `Forbidden: VAPID token rejected (${(error as Error).message})` };
    }
    return undefined;
  }
}
