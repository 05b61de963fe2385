import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { importPKCS8, SignJWT } from 'jose';
import type { ApnsConfig } from '../config';
import { retryAfterMs, type PushNotification, type PushOutcome, type PushProvider } from './push-provider';

/** Provider tokens are refreshed after 50 minutes (APNs refuses them after 60, and more than one per 20 minutes). */
const TOKEN_LIFETIME_MS = 50 * 60_000;

/** APNs' answer to one request: the status, the JSON body's `reason`, the Retry-After header. */
export interface ApnsAnswer {
  status: number;
  reason?: string;
  retryAfter?: string;
}

/**
 * Sends one APNs request (`POST path`, the APNs headers, the JSON payload): the provider's own
 * HTTP/2 session unless a stand-in is given to its constructor (the broadcast bench's null transport).
 */
export type ApnsTransport = (
  path: string,
  headers: Record<string, string>,
  body: string,
) => Promise<ApnsAnswer>;

/**
 * APNs over HTTP/2: one session per provider, `POST /3/device/{token}` with an ES256 provider
 * token, apns-topic and apns-push-type; an alert push whose text is a localization key, so the
 * notification service extension fetches and decrypts the message.
 */
export class ApnsPushProvider implements PushProvider {
  readonly kind = 'apns' as const;
  private session?: ClientHttp2Session;
  private providerToken?: { value: string; madeAt: number };

  constructor(
    private readonly config: ApnsConfig,
    private readonly timeoutMs: number,
    private readonly transport?: ApnsTransport,
  ) {}

  async send(token: string, n: PushNotification): Promise<PushOutcome> {
    const jwt = await this.jwt();
    const expiration = Math.floor(Date.now() / 1000) + Math.max(0, Math.floor(n.ttlSeconds));
    const body = JSON.stringify({
      aps: { alert: { 'loc-key': 'SMIS_NEW_MESSAGE' }, 'mutable-content': 1 },
      mid: n.messageId,
    });
    let answer: ApnsAnswer;
    try {
      answer = await this.request(
        `/3/device/${encodeURIComponent(token)}`,
        {
          authorization: `bearer ${jwt}`,
          'apns-topic': this.config.topic,
          'apns-push-type': 'alert',
          'apns-priority': n.priority === 'LOW' ? '5' : '10',
          'apns-expiration': String(expiration),
          'apns-collapse-id': n.messageId,
        },
        body,
      );
    } catch (error) {
      this.session?.destroy();
      this.session = undefined;
      return { kind: 'retry', reason: `apns.network: ${(error as Error).name}` };
    }
    if (answer.status === 200) return { kind: 'sent' };
    const reason = `apns.${(answer.reason ?? String(answer.status)).toLowerCase()}`;
    if (answer.status === 410 || answer.reason === 'Unregistered') return { kind: 'gone', reason };
    if (answer.status === 403 && answer.reason === 'ExpiredProviderToken') {
      this.providerToken = undefined;
      return { kind: 'retry', reason, retryAfterMs: 0 };
    }
    if (answer.status === 429 || answer.status >= 500)
      return { kind: 'retry', reason, retryAfterMs: retryAfterMs(answer.retryAfter) };
    return { kind: 'failed', reason };
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session && !session.closed) await new Promise<void>((resolve) => session.close(() => resolve()));
  }

  private connection(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(this.config.endpoint);
    session.on('error', () => {
      if (this.session === session) this.session = undefined;
    });
    session.on('goaway', () => {
      if (this.session === session) this.session = undefined;
    });
    session.unref();
    this.session = session;
    return session;
  }

  private request(path: string, headers: Record<string, string>, body: string): Promise<ApnsAnswer> {
    if (this.transport) return this.transport(path, headers, body);
    return new Promise((resolve, reject) => {
      const req = this.connection().request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: path,
        'content-type': 'application/json',
        ...headers,
      });
      req.setTimeout(this.timeoutMs, () => req.close(constants.NGHTTP2_CANCEL));
      let status = 0;
      let retryAfter: string | undefined;
      const chunks: Buffer[] = [];
      req.on('response', (h) => {
        status = Number(h[constants.HTTP2_HEADER_STATUS]);
        retryAfter = h['retry-after'] as string | undefined;
      });
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (status === 0) return reject(new Error('APNs stream closed without an answer'));
        const text = Buffer.concat(chunks).toString('utf8');
        let reason: string | undefined;
        try {
          reason = text ? (JSON.parse(text) as { reason?: string }).reason : undefined;
        } catch {
          reason = undefined;
        }
        resolve({ status, reason, retryAfter });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  private async jwt(): Promise<string> {
    if (this.providerToken && Date.now() - this.providerToken.madeAt < TOKEN_LIFETIME_MS)
      return this.providerToken.value;
    const key = await importPKCS8(this.config.privateKey, 'ES256');
    const value = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.config.keyId })
      .setIssuer(this.config.teamId)
      .setIssuedAt()
      .sign(key);
    this.providerToken = { value, madeAt: Date.now() };
    return value;
  }
}
