import { startPushEmulators, type PushEmulators } from '@smis/push-emulators';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorPushConfig } from '../emulator-config';
import { ApnsPushProvider } from './apns-provider';
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
