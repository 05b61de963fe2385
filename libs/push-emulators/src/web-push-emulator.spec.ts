import { generateVAPIDKeys, generateRequestDetails } from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSubscriptionSecrets, WebPushDecryptError } from './web-push-crypto';
import { WebPushEmulator } from './web-push-emulator';

describe('Web Push emulator', () => {
  let webPush: WebPushEmulator;
  const vapid = generateVAPIDKeys();

  beforeAll(async () => {
    webPush = await WebPushEmulator.start();
  });
  afterAll(() => webPush.close());

  function details(
    subscription: { endpoint: string; keys: { p256dh: string; auth: string } },
    payload: string,
    overrides: { subject?: string; publicKey?: string; privateKey?: string } = {},
  ) {
    return generateRequestDetails(subscription, payload, {
      TTL: 60,
      contentEncoding: 'aes128gcm',
      vapidDetails: {
        subject: overrides.subject ?? 'mailto:ops@smis.example',
        publicKey: overrides.publicKey ?? vapid.publicKey,
        privateKey: overrides.privateKey ?? vapid.privateKey,
      },
    });
  }

  async function deliver(
    d: ReturnType<typeof details>,
    headerOverrides: Record<string, string | undefined> = {},
  ) {
    const headers = Object.fromEntries(
      Object.entries({ ...d.headers, ...headerOverrides }).filter(([, v]) => v !== undefined),
    ) as Record<string, string>;
    return fetch(d.endpoint, { method: 'POST', headers, body: d.body ?? undefined });
  }

  it('accepts a VAPID-authenticated aes128gcm push, and the subscription keys decrypt it', async () => {
    const sub = webPush.createSubscription();
    const res = await deliver(details(sub.subscription, '{"mid":"m-42"}'));
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toMatch(/\/message\//);
    const push = await webPush.waitFor((p) => p.token === sub.id && p.status === 201);
    expect(push.body.toString('utf8')).not.toContain('m-42');
    expect(webPush.decrypt(push).toString('utf8')).toBe('{"mid":"m-42"}');
    expect(() =>
      // another subscription's keys cannot open it
      decryptWith(push.body, generateSubscriptionSecrets()),
    ).toThrow(WebPushDecryptError);
  });

  it('refuses pushes without VAPID, with a forged token, a wrong audience or an invalid subject', async () => {
    const sub = webPush.createSubscription();
    const d = details(sub.subscription, 'x');
    expect((await deliver(d, { Authorization: undefined })).status).toBe(401);
    const other = generateVAPIDKeys();
    // the JWT signed by one key, presented with another
    const forged = details(sub.subscription, 'x', { privateKey: other.privateKey });
    expect((await deliver(forged)).status).toBe(403);
    const foreign = details(
      { ...sub.subscription, endpoint: `http://elsewhere.example/push/${sub.id}` },
      'x',
    );
    // the JWT's aud is the other origin, sent to this emulator
    const wrongAudience = await fetch(sub.subscription.endpoint, {
      method: 'POST',
      headers: foreign.headers as Record<string, string>,
      body: foreign.body,
    });
    expect(wrongAudience.status).toBe(403);
  });

  it('requires TTL and the aes128gcm encoding', async () => {
    const sub = webPush.createSubscription();
    const d = details(sub.subscription, 'x');
    expect((await deliver(d, { TTL: undefined })).status).toBe(400);
    expect((await deliver(d, { 'Content-Encoding': 'aesgcm' })).status).toBe(415);
  });

  it('answers 404 for unknown, 410 for gone subscriptions and 429 when throttled', async () => {
    const unknown = {
      endpoint: `${webPush.url}/push/unknownsub`,
      keys: webPush.createSubscription().subscription.keys,
    };
    expect((await deliver(details(unknown, 'x'))).status).toBe(404);
    const gone = webPush.createSubscription();
    webPush.markGone(gone.id);
    expect((await deliver(details(gone.subscription, 'x'))).status).toBe(410);
    const busy = webPush.createSubscription();
    webPush.throttle(busy.id, 1, 2);
    const throttled = await deliver(details(busy.subscription, 'x'));
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2');
    expect((await deliver(details(busy.subscription, 'x'))).status).toBe(201);
  });
});

import { decryptWebPushPayload, type SubscriptionSecrets } from './web-push-crypto';
function decryptWith(body: Buffer, secrets: SubscriptionSecrets): Buffer {
  return decryptWebPushPayload(body, secrets);
}
