import { importPKCS8, SignJWT } from 'jose';
import type { FcmConfig } from '../config';
import { PushHttpClient, type HttpAnswer, type PushHttp } from './http-client';
import {
  retryAfterMs,
  type PushNotification,
  type PushOutcome,
  type PushProvider,
  type TopicPushProvider,
} from './push-provider';

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

interface FcmErrorBody {
  error?: { status?: string; message?: string; details?: { '@type'?: string; errorCode?: string }[] };
}

/**
 * FCM HTTP v1: an OAuth 2.0 access token from the service account (JWT-bearer grant, RS256
 * assertion), cached until a minute before it expires, then `messages:send` with a data-only
 * message carrying the message id (over keep-alive node:http, not fetch: see PushHttpClient). Topics (broadcasts, ADR 1100): `sendToTopic` sends one message to
 * every device subscribed to an FCM topic; `subscribe`/`unsubscribe` use the Instance ID API
 * (`iid/v1:batchAdd`, `:batchRemove`, at most 1,000 tokens per call).
 */
export class FcmPushProvider implements PushProvider, TopicPushProvider {
  readonly kind = 'fcm' as const;
  private accessToken?: { value: string; expiresAt: number };
  private pending?: Promise<string>;
  private readonly http: PushHttp;

  constructor(
    private readonly config: FcmConfig,
    private readonly timeoutMs: number,
    /** Sends the push requests (default: a keep-alive PushHttpClient). */
    http?: PushHttp,
  ) {
    this.http = http ?? new PushHttpClient(timeoutMs);
  }

  async close(): Promise<void> {
    this.http.close();
  }

  send(token: string, notification: PushNotification): Promise<PushOutcome> {
    return this.sendTo({ token }, notification);
  }

  /** One message to every token subscribed to `topic`. */
  sendToTopic(topic: string, notification: PushNotification): Promise<PushOutcome> {
    return this.sendTo({ topic }, notification);
  }

  /** Subscribes tokens to a topic; answers the tokens FCM refused (unknown or invalid). */
  subscribe(topic: string, tokens: readonly string[]): Promise<string[]> {
    return this.manageTopic('batchAdd', topic, tokens);
  }

  unsubscribe(topic: string, tokens: readonly string[]): Promise<string[]> {
    return this.manageTopic('batchRemove', topic, tokens);
  }

  private async manageTopic(op: string, topic: string, tokens: readonly string[]): Promise<string[]> {
    const refused: string[] = [];
    const base = this.config.iidEndpoint ?? 'https://iid.googleapis.com';
    for (let i = 0; i < tokens.length; i += 1000) {
      const chunk = tokens.slice(i, i + 1000);
      const res = await fetch(`${base}/iid/v1:${op}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await this.token()}`,
          access_token_auth: 'true',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ to: `/topics/${topic}`, registration_tokens: chunk }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (res.status === 401) this.accessToken = undefined;
      if (!res.ok) {
        await res.arrayBuffer().catch(() => undefined);
        throw new Error(`FCM ${op} answered ${res.status}`);
      }
      const body = (await res.json()) as { results?: { error?: string }[] };
      (body.results ?? []).forEach((r, j) => r.error && refused.push(chunk[j]));
    }
    return refused;
  }

  private async sendTo(
    target: { token: string } | { topic: string },
    n: PushNotification,
  ): Promise<PushOutcome> {
    let outcome = await this.post(target, n, await this.token());
    if (outcome === 'unauthenticated') {
      this.accessToken = undefined;
      outcome = await this.post(target, n, await this.token());
    }
    return outcome === 'unauthenticated' ? { kind: 'failed', reason: 'fcm.unauthenticated' } : outcome;
  }

  private async post(
    target: { token: string } | { topic: string },
    n: PushNotification,
    accessToken: string,
  ): Promise<PushOutcome | 'unauthenticated'> {
    const ttl = `${Math.max(0, Math.floor(n.ttlSeconds))}s`;
    const url = `${this.config.endpoint}/v1/projects/${encodeURIComponent(this.config.serviceAccount.project_id)}/messages:send`;
    let res: HttpAnswer;
    try {
      res = await this.http.post(
        url,
        { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        JSON.stringify({
          message: {
            ...target,
            data: { mid: n.messageId },
            android: { priority: n.priority === 'LOW' ? 'NORMAL' : 'HIGH', ttl },
            apns: {
              headers: { 'apns-priority': n.priority === 'LOW' ? '5' : '10' },
              payload: { aps: { 'mutable-content': 1, alert: { 'loc-key': 'SMIS_NEW_MESSAGE' } } },
            },
          },
        }),
      );
    } catch (error) {
      return { kind: 'retry', reason: `fcm.network: ${(error as Error).name}` };
    }
    if (res.status >= 200 && res.status < 300) return { kind: 'sent' };
    let body: FcmErrorBody = {};
    try {
      body = JSON.parse(res.body.toString('utf8')) as FcmErrorBody;
    } catch {
      /* not JSON: the status decides */
    }
    const code =
      body.error?.details?.find((d) => d.errorCode)?.errorCode ?? body.error?.status ?? String(res.status);
    if (res.status === 401) return 'unauthenticated';
    if (code === 'UNREGISTERED' || (res.status === 404 && code === 'NOT_FOUND'))
      return { kind: 'gone', reason: 'fcm.unregistered' };
    if (res.status === 429 || code === 'QUOTA_EXCEEDED' || code === 'UNAVAILABLE' || res.status >= 500)
      return {
        kind: 'retry',
        reason: `fcm.${code.toLowerCase()}`,
        retryAfterMs: retryAfterMs(res.header('retry-after')),
      };
    return { kind: 'failed', reason: `fcm.${code.toLowerCase()}` };
  }

  private async token(): Promise<string> {
    if (this.accessToken && this.accessToken.expiresAt > Date.now() + 60_000) return this.accessToken.value;
    this.pending ??= this.fetchToken().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetchToken(): Promise<string> {
    const account = this.config.serviceAccount;
    const key = await importPKCS8(account.private_key, 'RS256');
    const assertion = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(account.client_email)
      .setAudience(account.token_uri)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    const res = await fetch(account.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: GRANT, assertion }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
    };
    if (!res.ok || !body.access_token)
      throw new Error(`FCM token endpoint refused the service account (${res.status} ${body.error ?? ''})`);
    this.accessToken = { value: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000 };
    return body.access_token;
  }
}
