import {
  decryptWebPushPayload,
  generateSubscriptionSecrets,
  startPushEmulators,
  type PushEmulators,
} from '@smis/push-emulators';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorPushConfig } from '../emulator-config';
import { ApnsPushProvider, type ApnsTransport } from './apns-provider';
import type { HttpAnswer, PushHttp } from './http-client';
import { FcmPushProvider } from './fcm-provider';
import { sendWithRetry } from './push-dispatcher';
import type { PushNotification, PushOutcome, PushProvider } from './push-provider';
import { WebPushProvider } from './web-push-provider';

const note: PushNotification = {
  messageId: '6f1c7f7e-2d7a-4a59-9d7e-2f5f3c1e9b10',
  priority: 'NORMAL',
  ttlSeconds: 600,
};

describe('push providers against the emulators', () => {
  let emulators: PushEmulators;
  let fcm: FcmPushProvider;
  let apns: ApnsPushProvider;
  let webPush: WebPushProvider;

  beforeAll(async () => {
    emulators = await startPushEmulators();
    const config = emulatorPushConfig(emulators);
    fcm = new FcmPushProvider(config.fcm!, 5_000);
    apns = new ApnsPushProvider(config.apns!, 5_000);
    webPush = new WebPushProvider(config.webPush!, 5_000);
  });
  afterAll(async () => {
    await apns.close();
    await emulators.close();
  });

  it('FCM: gets one access token and reuses it, sends a data-only message, maps errors', async () => {
    const before = emulators.fcm.tokensIssued;
    expect(await fcm.send('tok-a', note)).toEqual({ kind: 'sent' });
    expect(await fcm.send('tok-b', note)).toEqual({ kind: 'sent' });
    expect(emulators.fcm.tokensIssued - before).toBe(1);
    const body = JSON.parse((await emulators.fcm.waitFor((p) => p.token === 'tok-a')).body.toString()) as {
      message: { data: unknown; android: { ttl: string } };
    };
    expect(body.message.data).toEqual({ mid: note.messageId });
    expect(body.message.android.ttl).toBe('600s');

    emulators.fcm.markGone('tok-gone');
    expect(await fcm.send('tok-gone', note)).toEqual({ kind: 'gone', reason: 'fcm.unregistered' });
    emulators.fcm.throttle('tok-busy', 1, 1);
    expect(await fcm.send('tok-busy', note)).toEqual({
      kind: 'retry',
      reason: 'fcm.quota_exceeded',
      retryAfterMs: 1000,
    });

    // An access token the server forgot: the provider gets a new one and tries again.
    emulators.fcm.expireAccessTokens();
    expect(await fcm.send('tok-c', note)).toEqual({ kind: 'sent' });
  });

  it('APNs: ES256 provider token over HTTP/2, 410 gone, 429 retry', async () => {
    const token = randomBytes(32).toString('hex');
    expect(await apns.send(token, note)).toEqual({ kind: 'sent' });
    const push = await emulators.apns.waitFor((p) => p.token === token);
    expect(push.headers['apns-push-type']).toBe('alert');
    expect(push.headers['apns-topic']).toBe(emulators.apns.topic);
    expect(JSON.parse(push.body.toString())).toEqual({
      aps: { alert: { 'loc-key': 'SMIS_NEW_MESSAGE' }, 'mutable-content': 1 },
      mid: note.messageId,
    });
    const gone = randomBytes(32).toString('hex');
    emulators.apns.markGone(gone);
    expect(await apns.send(gone, note)).toEqual({ kind: 'gone', reason: 'apns.unregistered' });
    const busy = randomBytes(32).toString('hex');
    emulators.apns.throttle(busy, 1);
    expect(await apns.send(busy, note)).toMatchObject({ kind: 'retry', reason: 'apns.toomanyrequests' });
    expect(await apns.send('not-a-token', note)).toEqual({ kind: 'failed', reason: 'apns.baddevicetoken' });
  });

  it('Web Push: VAPID and aes128gcm; the subscription decrypts an opaque payload; 404/410 gone', async () => {
    const sub = emulators.webPush.createSubscription();
    expect(await webPush.send(JSON.stringify(sub.subscription), note)).toEqual({ kind: 'sent' });
    const push = await emulators.webPush.waitFor((p) => p.token === sub.id);
    expect(JSON.parse(emulators.webPush.decrypt(push).toString())).toEqual({ mid: note.messageId });
    expect(push.headers['ttl']).toBe('600');
    const gone = emulators.webPush.createSubscription();
    emulators.webPush.markGone(gone.id);
    expect(await webPush.send(JSON.stringify(gone.subscription), note)).toEqual({
      kind: 'gone',
      reason: 'webpush.410',
    });
    const unknown = { ...sub.subscription, endpoint: `${emulators.webPush.url}/push/never-made` };
    expect(await webPush.send(JSON.stringify(unknown), note)).toEqual({
      kind: 'gone',
      reason: 'webpush.404',
    });
    const busy = emulators.webPush.createSubscription();
    emulators.webPush.throttle(busy.id, 1, 0);
    expect(await webPush.send(JSON.stringify(busy.subscription), note)).toMatchObject({
      kind: 'retry',
      reason: 'webpush.429',
    });
  });

  it('Web Push: signs one VAPID token per push service and reuses it until an hour before it expires', async () => {
    const a = emulators.webPush.createSubscription();
    const b = emulators.webPush.createSubscription();
    expect(await webPush.send(JSON.stringify(a.subscription), note)).toEqual({ kind: 'sent' });
    expect(await webPush.send(JSON.stringify(b.subscription), note)).toEqual({ kind: 'sent' });
    const [pa, pb] = [
      await emulators.webPush.waitFor((p) => p.token === a.id),
      await emulators.webPush.waitFor((p) => p.token === b.id),
    ];
    // The emulator verified both (ES256 signature, audience, expiry); one token served both.
    expect(pa.headers['authorization']).toBe(pb.headers['authorization']);
    const token = /t=([^,]+)/.exec(String(pa.headers['authorization']))?.[1] as string;
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
      exp: number;
      aud: string;
    };
    expect(claims.aud).toBe(new URL(a.subscription.endpoint).origin);
    const now = Date.now();
    expect(claims.exp * 1000).toBeGreaterThan(now + 11 * 3_600_000);
    expect(claims.exp * 1000).toBeLessThanOrEqual(now + 12 * 3_600_000 + 1_000);

    const first = webPush.vapidAuthorization(a.subscription.endpoint);
    expect(webPush.vapidAuthorization(a.subscription.endpoint, claims.exp * 1000 - 3_601_000)).toBe(first);
    const renewed = webPush.vapidAuthorization(a.subscription.endpoint, claims.exp * 1000 - 3_599_000);
    expect(renewed).not.toBe(first);
    expect(webPush.vapidAuthorization('https://other.push.example/x')).not.toBe(renewed);
  });

  it('sends through an injected transport, not the network, and maps its answers the same way', async () => {
    const config = emulatorPushConfig(emulators);
    const posts: { url: string; headers: Record<string, string | number>; body: Buffer }[] = [];
    const answers: HttpAnswer[] = [];
    const answer = (status: number, body: object = {}): HttpAnswer => ({
      status,
      header: () => undefined,
      body: Buffer.from(JSON.stringify(body)),
    });
    const http: PushHttp = {
      post: async (url, headers, body) => {
        posts.push({ url, headers: { ...headers }, body: Buffer.from(body) });
        return answers.shift() ?? answer(200);
      },
      close: () => undefined,
    };
    const received = () => emulators.fcm.received.length + emulators.webPush.received.length;
    const before = received();

    // FCM: the access token still comes from the token endpoint; the send goes to the stand-in.
    const viaFcm = new FcmPushProvider(config.fcm!, 5_000, http);
    expect(await viaFcm.send('tok-injected', note)).toEqual({ kind: 'sent' });
    expect(posts[0].url).toBe(
      `${emulators.fcm.url}/v1/projects/${config.fcm!.serviceAccount.project_id}/messages:send`,
    );
    expect(String(posts[0].headers['authorization'])).toMatch(/^Bearer .+/);
    expect(JSON.parse(posts[0].body.toString())).toMatchObject({
      message: { token: 'tok-injected', data: { mid: note.messageId }, android: { ttl: '600s' } },
    });
    answers.push(answer(404, { error: { status: 'NOT_FOUND', details: [{ errorCode: 'UNREGISTERED' }] } }));
    expect(await viaFcm.send('tok-injected', note)).toEqual({ kind: 'gone', reason: 'fcm.unregistered' });

    // Web Push: VAPID and the RFC 8291 encryption are done; the subscription's keys open the body.
    const secrets = generateSubscriptionSecrets();
    const subscription = {
      endpoint: 'https://push.example/send/injected',
      keys: { p256dh: secrets.publicKey, auth: secrets.auth },
    };
    const viaWebPush = new WebPushProvider(config.webPush!, 5_000, http);
    expect(await viaWebPush.send(JSON.stringify(subscription), note)).toEqual({ kind: 'sent' });
    const web = posts[2];
    expect(web.url).toBe(subscription.endpoint);
    expect(web.headers['Content-Encoding']).toBe('aes128gcm');
    expect(String(web.headers['Authorization'])).toMatch(/^vapid t=.+, k=.+/);
    expect(web.body.toString()).not.toContain(note.messageId);
    expect(JSON.parse(decryptWebPushPayload(web.body, secrets).toString())).toEqual({ mid: note.messageId });
    answers.push(answer(410));
    expect(await viaWebPush.send(JSON.stringify(subscription), note)).toEqual({
      kind: 'gone',
      reason: 'webpush.410',
    });
    expect(received()).toBe(before);

    // APNs: the stand-in gets the path, the headers (ES256 provider token) and the payload.
    const calls: Parameters<ApnsTransport>[] = [];
    const apnsAnswers = [{ status: 200 }, { status: 410, reason: 'Unregistered' }];
    const viaApns = new ApnsPushProvider(config.apns!, 5_000, async (...call) => {
      calls.push(call);
      return apnsAnswers.shift()!;
    });
    const apnsBefore = emulators.apns.received.length;
    expect(await viaApns.send('ab12', note)).toEqual({ kind: 'sent' });
    expect(await viaApns.send('ab12', note)).toEqual({ kind: 'gone', reason: 'apns.unregistered' });
    expect(calls[0][0]).toBe('/3/device/ab12');
    expect(calls[0][1]).toMatchObject({
      'apns-topic': emulators.apns.topic,
      'apns-push-type': 'alert',
      'apns-collapse-id': note.messageId,
    });
    expect(calls[0][1].authorization).toMatch(/^bearer .+\..+\..+$/);
    expect(JSON.parse(calls[0][2])).toEqual({
      aps: { alert: { 'loc-key': 'SMIS_NEW_MESSAGE' }, 'mutable-content': 1 },
      mid: note.messageId,
    });
    expect(emulators.apns.received.length).toBe(apnsBefore);
    await viaApns.close();
  });

  it('retries throttled pushes with backoff, up to the attempt limit', async () => {
    const answers: PushOutcome[] = [
      { kind: 'retry', reason: 'x.429', retryAfterMs: 30 },
      { kind: 'retry', reason: 'x.429' },
      { kind: 'sent' },
    ];
    const calls: number[] = [];
    const provider: PushProvider = {
      kind: 'fcm',
      send: async () => {
        calls.push(Date.now());
        return answers.shift() ?? { kind: 'sent' };
      },
    };
    const outcome = await sendWithRetry(
      provider,
      't',
      note,
      { maxAttempts: 4, initialBackoffMs: 10, maxBackoffMs: 1000 },
      () => 0.5,
    );
    expect(outcome).toEqual({ kind: 'sent', attempts: 3 });
    expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(29); // Retry-After wins over the 10 ms backoff
    expect(calls[2] - calls[1]).toBeGreaterThanOrEqual(19); // 10 ms doubled

    const always: PushProvider = {
      kind: 'apns',
      send: async () => ({ kind: 'retry', reason: 'apns.toomanyrequests' }),
    };
    expect(
      await sendWithRetry(always, 't', note, { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 5 }),
    ).toEqual({
      kind: 'failed',
      reason: 'apns.toomanyrequests',
      attempts: 2,
    });
    const gone: PushProvider = {
      kind: 'webpush',
      send: async () => ({ kind: 'gone', reason: 'webpush.410' }),
    };
    expect(
      await sendWithRetry(gone, 't', note, { maxAttempts: 5, initialBackoffMs: 1, maxBackoffMs: 5 }),
    ).toEqual({
      kind: 'gone',
      reason: 'webpush.410',
      attempts: 1,
    });
  });
});
